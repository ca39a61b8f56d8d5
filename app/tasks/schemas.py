"""Input and output of the tasks API: the inbox filters, a task, its detail, and what completing it produced."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from workflows import clock

from ..accounts.permissions import LANE_ROLES
from ..api.ids import Id
from ..api.paging import PageArgs
from ..models.cases import TASK_STATES

LANES = tuple(LANE_ROLES)


class DueBefore(fields.String):
    """A date (due on an earlier day) or a datetime (deadline at or before it), loaded as an aware instant.

    A task's deadline instant is the midnight that ends its due day, so both forms compare with `due_at <=`.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:  # type: ignore[override]
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text), time(0), clock.zone())
            instant = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError("Give an ISO date (2026-03-20) or datetime (2026-03-20T12:00:00+08:00).") from exc
        return instant if instant.tzinfo else instant.replace(tzinfo=clock.zone())


class TaskListArgs(PageArgs):
    """?scope=mine|all&lane=&state=&overdue=&due_before=&case_id=&stage="""

    scope = fields.String(load_default="mine", validate=validate.OneOf(("mine", "all")), metadata={
        "description": "mine: the ready tasks you may act on and nobody else claimed, and those assigned to you; "
                       "all: every task of the cases you may see"})
    lane = fields.String(validate=validate.OneOf(LANES))
    state = fields.String(validate=validate.OneOf(TASK_STATES),
                          metadata={"description": "Default: ready for scope=mine, any for scope=all"})
    overdue = fields.Boolean(metadata={"description": "Ready and past its deadline (or, false: not)"})
    due_before = DueBefore(metadata={"description": "A date: due on an earlier day; a datetime: deadline at or "
                                                    "before it (bureau time when no offset is given)"})
    case_id = Id()
    stage = fields.String(validate=validate.Length(min=1, max=32), metadata={"description": "The task's stage"})


class CaseRefSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True, metadata={"description": "The number people quote: WC-2026-000123"})
    title = fields.String(required=True)
    stage = fields.String(required=True)


class AssigneeSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class TaskSchema(Schema):
    """A task as the inbox lists it."""

    id = fields.Integer(required=True)
    case = fields.Nested(CaseRefSchema, required=True)
    bpmn_id = fields.String(required=True, metadata={"description": "The step's id in the BPMN diagram"})
    name = fields.String(required=True)
    lane = fields.String(required=True, validate=validate.OneOf(LANES))
    stage = fields.String(required=True)
    form = fields.String(required=True, allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf(TASK_STATES))
    assignee = fields.Nested(AssigneeSchema, required=True, allow_none=True,
                             metadata={"description": "Who claimed it or was handed it; null: anyone of its side"})
    due_at = fields.AwareDateTime(required=True, allow_none=True,
                                  metadata={"description": "The deadline instant: the end of the due day"})
    due_on = fields.Date(required=True, allow_none=True)
    due_clock = fields.String(required=True, allow_none=True)
    due_explanation = fields.Dict(required=True, allow_none=True,
                                  metadata={"description": "Rule, start, count, calendar, holidays rolled past"})
    overdue = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(required=True, allow_none=True)


class TaskDetailSchema(TaskSchema):
    """A task with its form, what the caller may do with it, and the case version to send as If-Match."""

    form_schema = fields.Dict(required=True, allow_none=True,
                              metadata={"description": "JSON Schema of the form POST .../complete expects"})
    data = fields.Dict(required=True, metadata={
        "description": "What was submitted (completed), or a prefill from this step's last completion"})
    warnings = fields.List(fields.Dict(), required=True)
    can_complete = fields.Boolean(required=True)
    can_claim = fields.Boolean(required=True)
    can_assign = fields.Boolean(required=True)
    case_version = fields.Integer(required=True, metadata={"description": "The case's lock_version (also the ETag)"})


class AssignSchema(Schema):
    user_id = Id(required=True,
                             metadata={"description": "Someone who may do this step of this case"})


class FormDataSchema(Schema):
    """The form data itself; its fields depend on the task: see form_schema in GET /tasks/{id}."""

    class Meta:
        unknown = INCLUDE


class CaseStateSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    stage = fields.String(required=True)
    status = fields.String(required=True)
    lock_version = fields.Integer(required=True)


class NextTaskSchema(Schema):
    id = fields.Integer(required=True)
    bpmn_id = fields.String(required=True)
    lane = fields.String(required=True)
    due_on = fields.Date(required=True, allow_none=True)


class CompletionSchema(Schema):
    """What completing a task produced: the task, the case as it now stands, and the steps now ready."""

    task = fields.Nested(TaskDetailSchema, required=True)
    case = fields.Nested(CaseStateSchema, required=True)
    warnings = fields.List(fields.Dict(), required=True, metadata={"description": "Recorded, not blocking"})
    next_tasks = fields.List(fields.Nested(NextTaskSchema), required=True)
