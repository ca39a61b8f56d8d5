"""Input and output of the accounts API: sign-in, tokens, the signed-in user."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..models import ROLES


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024), load_only=True)
    label = fields.String(validate=validate.Length(max=80), metadata={"description": "What the token is for"})


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Send as Authorization: Bearer <token>"})
    token_type = fields.Constant("Bearer", required=True)
    id = fields.Integer(required=True)
    expires_at = fields.AwareDateTime(required=True)


class DistrictRefSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class EnterpriseRefSchema(Schema):
    id = fields.Integer(required=True)
    credit_code = fields.String(required=True)
    name = fields.String(required=True)


class UserSchema(Schema):
    """A user as the API shows it; never the password hash."""

    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    active = fields.Boolean(required=True)
    email = fields.String(allow_none=True)
    districts = fields.List(fields.Nested(DistrictRefSchema), required=True)
    enterprises = fields.List(fields.Nested(EnterpriseRefSchema), required=True)
    industries = fields.List(fields.String(), required=True,
                             metadata={"description": "Instructors: the industries they know (GB/T 4754 letters)"})
    max_caseload = fields.Integer(allow_none=True, required=True,
                                  metadata={"description": "Instructors: open cases at most (null: the default)"})


class UserRefSchema(Schema):
    """A person as others see them on a case: name and role only."""

    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
