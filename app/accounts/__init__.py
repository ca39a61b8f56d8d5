"""Users, roles, district and enterprise bindings, and the permission checks."""
