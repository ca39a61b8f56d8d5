"""API: Users, their roles and bindings (administrators only)."""

from __future__ import annotations

from ..api.auth import make_blueprint

blp = make_blueprint("users", "/users", "Users, their roles and bindings (administrators only).")
