"""The administrators' pages: users and roles, and the reference data (wage guidelines, holidays, rule sets)."""
