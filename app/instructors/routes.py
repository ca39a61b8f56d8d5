"""API: Instructors' caseloads, and handing an instructor's cases on (supervisors and administrators)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from ..accounts.permissions import can_reassign_cases
from ..accounts.schemas import DistrictRefSchema, UserRefSchema
from ..api.auth import current_user, make_blueprint
from ..api.ids import Id
from ..errors import Forbidden
from . import assignment

blp = make_blueprint("instructors", "/instructors",
                     "Instructors' caseloads, and handing an instructor's cases on.")


class CaseloadSchema(Schema):
    user = fields.Nested(UserRefSchema, required=True)
    open_cases = fields.Integer(required=True,
                                metadata={"description": "Cases under negotiation (active) in the whole city"})
    open_cases_visible = fields.Integer(required=True, metadata={"description": "Of those, in the caller's districts"})
    max_caseload = fields.Integer(required=True)
    districts = fields.List(fields.Nested(DistrictRefSchema), required=True,
                            metadata={"description": "Empty: serves the whole city"})
    industries = fields.List(fields.String(), required=True)


class ReassignSchema(Schema):
    to_user_id = Id(metadata={"description": "The instructor who takes every case; default: the best fit for each"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class MovedCaseSchema(Schema):
    case_id = fields.Integer(required=True)
    ref = fields.String(required=True)
    to = fields.Nested(UserRefSchema, allow_none=True, required=True,
                       metadata={"description": "null: nobody fitting had room; the case stayed"})
    reason = fields.String(allow_none=True, required=True)


class ReassignResultSchema(Schema):
    moved = fields.List(fields.Nested(MovedCaseSchema), required=True)
    not_moved = fields.List(fields.Nested(MovedCaseSchema), required=True)


def _authorised() -> Any:
    actor = current_user()
    if not can_reassign_cases(actor):
        raise Forbidden("Only supervisors and administrators manage instructors' caseloads.")
    return actor


@blp.route("", methods=["GET"])
@blp.response(200, CaseloadSchema(many=True))
def list_caseloads() -> list[dict[str, Any]]:
    """Every active instructor with open cases against their maximum, districts and industries."""
    return assignment.caseload_rows(_authorised())


@blp.route("/<id:user_id>/reassign", methods=["POST"])
@blp.arguments(ReassignSchema)
@blp.response(200, ReassignResultSchema)
def reassign(args: dict[str, Any], user_id: int) -> dict[str, Any]:
    """Hand every open case of this instructor (in the caller's districts) on, with a reason kept in each
    case's history: to the named instructor, or to the best fitting one with room for each case."""
    moves = assignment.reassign_cases(user_id, _authorised(), args["reason"], args.get("to_user_id"))
    rows = [{"case_id": m.case.id, "ref": m.case.ref, "to": m.to, "reason": m.reason} for m in moves]
    return {"moved": [r for r in rows if r["to"] is not None], "not_moved": [r for r in rows if r["to"] is None]}
