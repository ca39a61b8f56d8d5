"""The REST API under /api/v1: flask-smorest blueprints, one error format, bearer tokens, OpenAPI and docs.

Each feature package keeps its own `routes.py` with one blueprint; this module mounts them all, so a
reader finds every API resource from here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import Flask
from swagger_ui_bundle import swagger_ui_path

from ..extensions import api, csrf
from .ids import IdConverter


def register(app: Flask) -> None:
    """Bind the Api, describe the bearer scheme and mount every resource blueprint."""
    from ..accounts.routes import blp as accounts_blp
    from ..accounts.user_routes import blp as users_blp
    from ..campaigns.routes import blp as campaigns_blp
    from ..cases.routes import blp as cases_blp
    from ..enterprises.routes import blp as enterprises_blp
    from ..instructors.routes import blp as instructors_blp
    from ..notifications.routes import blp as notifications_blp
    from ..reference.routes import blp as reference_blp
    from ..reports.routes import blp as reports_blp
    from ..tasks.routes import blp as tasks_blp

    app.url_map.converters["id"] = IdConverter
    api.init_app(app, spec_kwargs=SPEC)
    for blp in (accounts_blp, users_blp, enterprises_blp, cases_blp, tasks_blp, reference_blp, notifications_blp,
                instructors_blp, reports_blp, campaigns_blp):
        api.register_blueprint(blp)
        csrf.exempt(blp)  # bearer tokens only: no ambient cookie, so no cross-site forgery
    assets = FlaskBlueprint("api_docs_assets", __name__, static_folder=str(swagger_ui_path),
                            static_url_path="/api/v1/docs/assets")
    app.register_blueprint(assets)


# The document's description and the bearer scheme every operation requires unless marked public.
SPEC: dict[str, Any] = {
    "info": {"description": "Collective wage negotiation cases: every action of the product. "
                            "Sign in with POST /api/v1/auth/tokens and send `Authorization: Bearer <token>`."},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
}
