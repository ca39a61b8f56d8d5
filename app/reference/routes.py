"""API: Wage guidelines, rule sets and holidays."""

from __future__ import annotations

from ..api.auth import make_blueprint

blp = make_blueprint("reference", "", "Wage guidelines, rule sets and holidays.")
