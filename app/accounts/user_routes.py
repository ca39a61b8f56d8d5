"""API: Users, their roles and bindings (administrators only).

The schemas give the shape; the rules (user name form, password length, role and bindings) live in
`users.py`, which the operator's CLI calls too.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from ..api.auth import current_user, make_blueprint
from ..api.ids import Id
from ..api.paging import PageArgs, page_schema
from ..models import ROLES, User
from . import users
from .schemas import UserSchema

blp = make_blueprint("users", "/users", "Users, their roles and bindings (administrators only).")


class AdminUserSchema(UserSchema):
    """A user as administrators see them (never the password hash)."""

    created_at = fields.AwareDateTime(required=True)


class UserQuerySchema(PageArgs):
    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean()
    district_id = Id()
    enterprise_id = Id()
    q = fields.String(validate=validate.Length(min=1, max=80), metadata={"description": "Part of the user name "
                                                                                        "or display name"})


_DISTRICTS = {"description": "Supervisors (at least one) and instructors"}
_ENTERPRISES = {"description": "Union and enterprise representatives (at least one)"}
_INDUSTRIES = {"description": "Instructors: GB/T 4754 section letters they know; assignment prefers a fit"}
_CASELOAD = {"description": "Instructors: open cases at most (null: the configured default)"}


class UserCreateSchema(Schema):
    username = fields.String(required=True,
                             validate=validate.Regexp(rf"{users.USERNAME.pattern}\Z", error=users.USERNAME_RULE),
                             metadata={"description": "3-64 of a-z 0-9 . _ -"})
    display_name = fields.String(metadata={"description": "Default: the user name"})
    role = fields.String(required=True, metadata={"description": ", ".join(ROLES)})
    password = fields.String(required=True, load_only=True, metadata={"description": "At least 10 characters"})
    email = fields.String(allow_none=True)
    district_ids = fields.List(Id(strict=True), metadata=_DISTRICTS)
    enterprise_ids = fields.List(Id(strict=True), metadata=_ENTERPRISES)
    industries = fields.List(fields.String(validate=validate.Length(equal=1)), metadata=_INDUSTRIES)
    max_caseload = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=1000), metadata=_CASELOAD)


class UserUpdateSchema(Schema):
    display_name = fields.String()
    email = fields.String(allow_none=True)
    active = fields.Boolean(metadata={"description": "false disables the account and revokes its tokens"})
    role = fields.String(metadata={"description": "The bindings must fit the new role"})
    password = fields.String(load_only=True, metadata={"description": "A new password revokes the user's tokens"})
    district_ids = fields.List(Id(strict=True), metadata=_DISTRICTS)
    enterprise_ids = fields.List(Id(strict=True), metadata=_ENTERPRISES)
    industries = fields.List(fields.String(validate=validate.Length(equal=1)), metadata=_INDUSTRIES)
    max_caseload = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=1000), metadata=_CASELOAD)


@blp.route("", methods=["GET"])
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, page_schema(AdminUserSchema))
def list_users(args: dict[str, Any]) -> dict[str, Any]:
    """Users by user name, filtered by role, active, district, enterprise or part of the name."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return users.list_users(current_user(), args, page, per_page)


@blp.route("", methods=["POST"])
@blp.arguments(UserCreateSchema)
@blp.response(201, AdminUserSchema)
def create_user(args: dict[str, Any]) -> User:
    """Create an account with a role and its bindings."""
    return users.create_user(args, current_user())


@blp.route("/<id:user_id>", methods=["GET"])
@blp.response(200, AdminUserSchema)
def get_user(user_id: int) -> User:
    """One user with their bindings."""
    return users.get_user(user_id, current_user())


@blp.route("/<id:user_id>", methods=["PATCH"])
@blp.arguments(UserUpdateSchema)
@blp.response(200, AdminUserSchema)
def update_user(args: dict[str, Any], user_id: int) -> User:
    """Change a user; disabling signs them out everywhere. Nobody disables or demotes themselves."""
    return users.update_user(user_id, args, current_user())
