"""Input and output of the campaigns API: create, read, complete a step, launch, regional cases."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from ..accounts.schemas import UserRefSchema
from ..api.ids import Id
from ..api.paging import PageArgs
from ..cases.schemas import StrippedString
from ..models.campaigns import CAMPAIGN_STATUSES
from .forms import LaunchFiltersSchema, TargetsSchema

LAUNCH_STATUSES = ("not_started", "running", "finished")


# ---------------------------------------------------------------------------- input
class CampaignListArgs(PageArgs):
    """?year=&status=&page=&per_page="""

    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    status = fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES))


class CampaignCreateSchema(Schema):
    """A new campaign: its name, year, dates and coverage targets in percent."""

    name = StrippedString(required=True, validate=validate.Length(min=1, max=120),
                          metadata={"description": "Unique, e.g. 2026年双合同月"})
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, metadata={"description": "The last day of the campaign; the month ends "
                                                                  "at the end of this day"})
    targets = fields.Nested(TargetsSchema, required=True)


class StepDataSchema(Schema):
    """The step's form data; its fields depend on the step (see the `form` of each ready step)."""

    class Meta:
        unknown = INCLUDE


class LaunchRequestSchema(Schema):
    """Which enterprises to launch; without filters, the list confirmed at the enterprise-list step."""

    filters = fields.Nested(LaunchFiltersSchema)


class RegionalCaseSchema(Schema):
    """A regional or industry case: several enterprises of one district under one negotiation."""

    enterprise_ids = fields.List(Id(), required=True, validate=validate.Length(min=2, max=200))
    title = StrippedString(validate=validate.Length(min=1, max=200))


# ---------------------------------------------------------------------------- output
class LaunchFiltersOutSchema(Schema):
    district_ids = fields.List(fields.Integer(), required=True)
    industries = fields.List(fields.String(), required=True)
    size_bands = fields.List(fields.String(), required=True)
    has_union = fields.Boolean(allow_none=True, required=True)
    without_agreement_in_force = fields.Boolean(required=True)


class LaunchProgressSchema(Schema):
    """How far the launch got. The batches are run by the scheduler or by `flask launch-campaign`."""

    status = fields.String(required=True, validate=validate.OneOf(LAUNCH_STATUSES))
    total = fields.Integer(allow_none=True, required=True,
                           metadata={"description": "Enterprises the launch opens cases for"})
    done = fields.Integer(required=True, metadata={"description": "Cases opened so far"})
    started_at = fields.AwareDateTime(allow_none=True, required=True)
    finished_at = fields.AwareDateTime(allow_none=True, required=True)
    filters = fields.Nested(LaunchFiltersOutSchema, allow_none=True, required=True)


class CampaignStepSchema(Schema):
    """A step of the campaign's process waiting for a supervisor."""

    bpmn_id = fields.String(required=True, metadata={"description": "POST /campaigns/{id}/steps/{bpmn_id}"})
    name = fields.String(required=True)
    name_zh = fields.String(required=True)
    form = fields.String(allow_none=True, required=True)
    stage = fields.String(required=True)
    can_act = fields.Boolean(required=True, metadata={"description": "May the caller complete it now?"})


class CampaignTimerSchema(Schema):
    """A timer of the campaign's process: the next weekly check, or the end of the month."""

    bpmn_id = fields.String(required=True)
    name = fields.String(required=True)
    name_zh = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)


class CampaignSummarySchema(Schema):
    """A campaign in a list."""

    id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CAMPAIGN_STATUSES))
    stage = fields.String(allow_none=True, required=True)
    starts_on = fields.Date(allow_none=True, required=True)
    ends_on = fields.Date(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)
    lock_version = fields.Integer(required=True)
    launch = fields.Nested(LaunchProgressSchema, required=True)


class CampaignDetailSchema(CampaignSummarySchema):
    """The campaign page: its plan, where its process stands and what the caller may do."""

    created_by = fields.Nested(UserRefSchema, allow_none=True, required=True)
    targets = fields.Dict(keys=fields.String(), values=fields.Float(), allow_none=True, required=True)
    next_timer_at = fields.AwareDateTime(allow_none=True, required=True)
    enterprises_covered = fields.Integer(required=True, metadata={"description": "Enterprises with a case of "
                                                                                 "the campaign"})
    cases = fields.Integer(required=True, metadata={"description": "Cases of the campaign (a regional case "
                                                                   "covers several enterprises)"})
    ready_steps = fields.List(fields.Nested(CampaignStepSchema), required=True)
    timers = fields.List(fields.Nested(CampaignTimerSchema), required=True)
