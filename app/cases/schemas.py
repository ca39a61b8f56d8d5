"""Input and output of the cases API: lists and filters, the case page, history, diagram, documents, comments."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from ..accounts.schemas import DistrictRefSchema, EnterpriseRefSchema, UserRefSchema
from ..api.ids import Id
from ..api.paging import PageArgs
from ..models.cases import CASE_STATUSES
from .overdue import OVERDUE_BUCKETS

SORTS = ("opened_at", "-opened_at", "next_due_at", "-next_due_at", "stage", "title")
ELEMENT_STATES = ("completed", "current", "overdue", "cancelled")


class StrippedString(fields.String):
    """A string with surrounding white space removed before it is validated: "  " is blank."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


# ---------------------------------------------------------------------------- input
class CaseListArgs(PageArgs):
    """?status=&stage=&district_id=&instructor_id=&campaign_id=&overdue=&overdue_days=&step=&q=&sort=&page=&per_page="""

    status = fields.String(validate=validate.OneOf(CASE_STATUSES))
    stage = fields.String(validate=validate.Length(min=1, max=32))
    district_id = Id()
    instructor_id = Id()
    campaign_id = Id()
    overdue = fields.Boolean(metadata={"description": "true: a ready task is past its due date; false: none is"})
    overdue_days = fields.String(validate=validate.OneOf(tuple(OVERDUE_BUCKETS)), metadata={
        "description": "Overdue by 1-7, 8-30 or 31+ days, counted from the earliest due date of a ready task"})
    step = fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "A BPMN task id (e.g. enterprise_response): the case has a ready task of that step"})
    q = StrippedString(validate=validate.Length(min=1, max=200),
                       metadata={"description": "Part of the title, an enterprise's name or credit code, "
                                                "or a case number such as WC-2026-000123"})
    sort = fields.String(load_default="-opened_at", validate=validate.OneOf(SORTS),
                         metadata={"description": "A leading - sorts descending; ties are broken by id"})


class OpenCaseSchema(Schema):
    """POST /cases: the enterprise (or the enterprises of a regional case) and optional rule set and title."""

    enterprise_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=200))
    rule_set = fields.String(validate=validate.Length(min=1, max=40),
                             metadata={"description": "Default: the configured rule set, e.g. national-2004"})
    title = StrippedString(validate=validate.Length(min=1, max=200))
    campaign_id = Id()


class CaseCancelSchema(Schema):
    reason = StrippedString(required=True, validate=validate.Length(min=1, max=500))


class CaseCommentInSchema(Schema):
    body = StrippedString(required=True, validate=validate.Length(min=1, max=4000))


class CaseDocumentUploadSchema(Schema):
    """multipart/form-data: the file, and the task it belongs to if any."""

    file = Upload(required=True)
    task_id = Id(metadata={"description": "A task of this case the document belongs to"})


# ---------------------------------------------------------------------------- output
class CaseSummarySchema(Schema):
    """A case in a list: enough to find it, see where it stands and when something is due."""

    id = fields.Integer(required=True)
    ref = fields.String(required=True, metadata={"description": "The number people quote: WC-2026-000123"})
    title = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "enterprise, or regional for several"})
    stage = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    district = fields.Nested(DistrictRefSchema, required=True)
    instructor = fields.Nested(UserRefSchema, allow_none=True, required=True)
    enterprises = fields.List(fields.Nested(EnterpriseRefSchema), required=True)
    opened_at = fields.AwareDateTime(required=True)
    next_due_at = fields.AwareDateTime(allow_none=True, required=True,
                                       metadata={"description": "The earliest due instant of a ready task"})
    overdue = fields.Boolean(required=True)
    lock_version = fields.Integer(required=True, metadata={"description": "Also sent as the ETag of the case"})


class CaseRulesSchema(Schema):
    """The rule set snapshot the case is pinned to."""

    name = fields.String(required=True)
    title_en = fields.String()
    title_zh = fields.String()
    source = fields.String()


class CaseOpenTaskSchema(Schema):
    """A ready task with its due date, how that date was computed, and whether the caller may do it."""

    id = fields.Integer(required=True)
    bpmn_id = fields.String(required=True)
    name = fields.String(required=True)
    lane = fields.String(required=True)
    stage = fields.String(required=True)
    form = fields.String(allow_none=True)
    assignee = fields.Nested(UserRefSchema, allow_none=True, required=True)
    due_at = fields.AwareDateTime(allow_none=True, required=True)
    due_on = fields.Date(allow_none=True, required=True)
    due_clock = fields.String(allow_none=True, required=True)
    due_explanation = fields.Dict(allow_none=True, required=True,
                                  metadata={"description": "The rule, start, count, calendar and holidays "
                                                           "rolled past, as computed when the task became ready"})
    overdue = fields.Boolean(required=True)
    can_act = fields.Boolean(required=True, metadata={"description": "May the caller complete this task?"})


class CaseCompletedTaskSchema(Schema):
    id = fields.Integer(required=True)
    bpmn_id = fields.String(required=True)
    name = fields.String(required=True)
    lane = fields.String(required=True)
    completed_at = fields.AwareDateTime(allow_none=True, required=True)
    completed_by = fields.Nested(UserRefSchema, allow_none=True, required=True)
    warnings = fields.List(fields.Dict(), allow_none=True, required=True,
                           metadata={"description": "Warnings recorded with the step, e.g. below the wage guideline"})


class CaseDetailSchema(CaseSummarySchema):
    """The case page: the summary, the rules, the outcome and every task open or done."""

    rule_set = fields.String(required=True)
    rules = fields.Nested(CaseRulesSchema, required=True)
    spec_version = fields.String(required=True, metadata={"description": "Content hash of the BPMN it runs on"})
    opened_by = fields.Nested(UserRefSchema, allow_none=True, required=True)
    closed_at = fields.AwareDateTime(allow_none=True, required=True)
    previous_case_id = fields.Integer(allow_none=True, required=True)
    campaign_id = fields.Integer(allow_none=True, required=True)
    wage_increase_pct = fields.Decimal(places=2, as_string=True, allow_none=True, required=True)
    guideline_position = fields.String(allow_none=True, required=True)
    signed_on = fields.Date(allow_none=True, required=True)
    effective_on = fields.Date(allow_none=True, required=True)
    expires_on = fields.Date(allow_none=True, required=True)
    open_tasks = fields.List(fields.Nested(CaseOpenTaskSchema), required=True)
    completed_tasks = fields.List(fields.Nested(CaseCompletedTaskSchema), required=True)


class CaseEventSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    actor = fields.String(allow_none=True, required=True, metadata={"description": "User name; null: the system"})
    created_at = fields.AwareDateTime(required=True)
    payload = fields.Dict(required=True)


class DiagramElementSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(ELEMENT_STATES))
    due_at = fields.AwareDateTime(allow_none=True, required=True)
    due_on = fields.Date(allow_none=True, required=True)
    count = fields.Integer(required=True, metadata={"description": "Times completed (loops repeat)"})


def _elements(description: str) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Nested(DiagramElementSchema), required=True,
                       metadata={"description": description})


class DiagramCalledProcessSchema(Schema):
    file = fields.String(allow_none=True, required=True)
    xml = fields.String(allow_none=True, required=True)
    elements = _elements("Per BPMN element id of the called process")


class CaseDiagramSchema(Schema):
    """The BPMN the case runs on and where the case stands on it, for a diagram viewer to colour."""

    process_id = fields.String(required=True)
    spec_version = fields.String(required=True)
    file = fields.String(allow_none=True, required=True)
    xml = fields.String(allow_none=True, required=True, metadata={"description": "BPMN 2.0 XML of the process"})
    elements = _elements("Per BPMN element id: completed, current, overdue or cancelled (reached, then cut short)")
    called = fields.Dict(keys=fields.String(), values=fields.Nested(DiagramCalledProcessSchema), required=True,
                         metadata={"description": "Processes the case called (call activities), by process id"})


class CaseDocumentSchema(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_by = fields.Nested(UserRefSchema, allow_none=True, required=True)
    uploaded_at = fields.AwareDateTime(required=True)
    task_id = fields.Integer(allow_none=True, required=True)


class CaseCommentSchema(Schema):
    id = fields.Integer(required=True)
    author = fields.Nested(UserRefSchema, required=True)
    body = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


# ---------------------------------------------------------------------------- deadlines
class DeadlineExtendSchema(Schema):
    """POST /cases/{id}/deadlines/{timer}/extend: by how many days, and why."""

    days = fields.Integer(required=True, validate=validate.Range(min=1, max=366),
                          metadata={"description": "Counted as the clock counts (calendar or working days), "
                                                   "from the current due day, rolled past holidays"})
    reason = StrippedString(validate=validate.Length(max=500), load_default=None,
                            metadata={"description": "Required unless this is the one extension the rules "
                                                     "allow (coordination: once, at most 15 days)"})


class DeadlineTaskSchema(Schema):
    id = fields.Integer(required=True)
    bpmn_id = fields.String(required=True)
    name = fields.String(required=True)
    lane = fields.String(required=True)


class DeadlineSchema(Schema):
    """A running timer of the case: when it fires, why then, and whether the caller may extend it."""

    id = fields.String(required=True, metadata={"description": "The timer's id, for extending it"})
    element = fields.String(required=True, metadata={"description": "The BPMN element of the timer"})
    name = fields.String(required=True)
    name_zh = fields.String(required=True)
    task = fields.Nested(DeadlineTaskSchema, allow_none=True, required=True,
                         metadata={"description": "The open step this deadline watches, if any"})
    clock = fields.String(allow_none=True, required=True)
    due_at = fields.AwareDateTime(required=True)
    due_on = fields.Date(allow_none=True, required=True)
    interrupting = fields.Boolean(required=True,
                                  metadata={"description": "Whether the step is closed when the timer fires"})
    explanation = fields.Dict(allow_none=True, required=True,
                              metadata={"description": "Rule, start, count, calendar, holidays rolled past, "
                                                       "warnings, and every extension granted"})
    extensions = fields.List(fields.Dict(), required=True)
    extendable = fields.Boolean(required=True, metadata={"description": "A step's deadline (extensions apply)"})
    extension_allowed_days = fields.Integer(required=True, metadata={
        "description": "Days the rules still allow without a reason (0: any extension needs one)"})
    can_extend = fields.Boolean(required=True)
