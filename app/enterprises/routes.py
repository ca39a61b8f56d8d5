"""API: The enterprise registry."""

from __future__ import annotations

from ..api.auth import make_blueprint

blp = make_blueprint("enterprises", "/enterprises", "The enterprise registry.")
