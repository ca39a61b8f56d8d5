"""The admin pages' blueprint, in its own module so that each section's pages can attach their routes to it."""

from __future__ import annotations

from ..pages import web_blueprint

bp = web_blueprint("admin_web", __name__, url_prefix="/admin")
