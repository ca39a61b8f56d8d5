"""API: The enterprise registry."""

from __future__ import annotations

from typing import Any

from ..api.auth import current_user, make_blueprint
from ..api.paging import page_schema
from ..models import Enterprise
from . import service
from .schemas import EnterpriseCreateSchema, EnterpriseQuerySchema, EnterpriseSchema, EnterpriseUpdateSchema

blp = make_blueprint("enterprises", "/enterprises", "The enterprise registry.")


@blp.route("", methods=["GET"])
@blp.arguments(EnterpriseQuerySchema, location="query")
@blp.response(200, page_schema(EnterpriseSchema))
def list_enterprises(args: dict[str, Any]) -> dict[str, Any]:
    """The enterprises you may see, by name; filters narrow the list and its total."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return service.list_enterprises(current_user(), args, page, per_page)


@blp.route("", methods=["POST"])
@blp.arguments(EnterpriseCreateSchema)
@blp.response(201, EnterpriseSchema)
def create_enterprise(args: dict[str, Any]) -> Enterprise:
    """Register an enterprise (administrators anywhere, supervisors in their own districts)."""
    return service.create_enterprise(args, current_user())


@blp.route("/<id:enterprise_id>", methods=["GET"])
@blp.response(200, EnterpriseSchema)
def get_enterprise(enterprise_id: int) -> Enterprise:
    """One enterprise you may see."""
    return service.get_enterprise(enterprise_id, current_user())


@blp.route("/<id:enterprise_id>", methods=["PATCH"])
@blp.arguments(EnterpriseUpdateSchema)
@blp.response(200, EnterpriseSchema)
def update_enterprise(args: dict[str, Any], enterprise_id: int) -> Enterprise:
    """Change some fields; the credit code may be corrected but is checked like a new one."""
    return service.update_enterprise(enterprise_id, args, current_user())
