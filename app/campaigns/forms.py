"""The campaign's forms: its targets, the launch filters, and the form of each step of its process.

One schema per BPMN `form` property of `bpmn/contract_month.bpmn`. The launch filters are one schema,
used by the enterprise-list step, the launch API and (as plain values) the command line, so the three
cannot disagree on what a filter means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from ..api.ids import Id
from ..cases.forms import EventDate
from ..enterprises.schemas import INDUSTRY_SECTIONS
from ..enterprises.size_bands import SIZE_BAND_KEYS

# Coverage targets in percent, by key: (English, Chinese). The keys follow the Dalian campaign's targets
# (see ../shared/DOMAIN.md): collective contracts in unionised enterprises, wage contracts overall, and
# wage contracts by kind of enterprise.
TARGETS: dict[str, tuple[str, str]] = {
    "coverage_pct": ("Collective contracts in unionised enterprises", "已建工会企业集体合同签订率"),
    "wage_coverage_pct": ("Wage-specific contracts, all enterprises", "工资专项集体合同签订率"),
    "state_owned_wage_coverage_pct": ("Wage contracts in state-owned enterprises", "国有企业工资专项集体合同签订率"),
    "foreign_wage_coverage_pct": ("Wage contracts in foreign-invested enterprises",
                                  "外商投资企业工资专项集体合同签订率"),
    "non_public_100_wage_coverage_pct": ("Wage contracts in non-public enterprises with 100 or more employees",
                                         "百人以上非公企业工资专项集体合同签订率"),
}
_PERCENT = validate.Range(min=0, max=100, error="Give a percentage from 0 to 100.")
MAX_FILTER_VALUES = 200


class StepForm(Schema):
    """Base of every step's form: unknown fields are dropped, not stored."""

    class Meta:
        unknown = EXCLUDE


class TargetsSchema(Schema):
    """Coverage targets in percent; at least one."""

    class Meta:
        unknown = EXCLUDE

    coverage_pct = fields.Float(allow_nan=False, validate=_PERCENT,
                                metadata={"description": TARGETS["coverage_pct"][0]})
    wage_coverage_pct = fields.Float(allow_nan=False, validate=_PERCENT,
                                     metadata={"description": TARGETS["wage_coverage_pct"][0]})
    state_owned_wage_coverage_pct = fields.Float(allow_nan=False, validate=_PERCENT,
                                                 metadata={"description": TARGETS["state_owned_wage_coverage_pct"][0]})
    foreign_wage_coverage_pct = fields.Float(allow_nan=False, validate=_PERCENT,
                                             metadata={"description": TARGETS["foreign_wage_coverage_pct"][0]})
    non_public_100_wage_coverage_pct = fields.Float(
        allow_nan=False, validate=_PERCENT, metadata={"description": TARGETS["non_public_100_wage_coverage_pct"][0]})

    @validates_schema
    def _at_least_one(self, data: Mapping[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError(f"Set at least one target: {', '.join(TARGETS)}.", "_schema")


class LaunchFiltersSchema(Schema):
    """Which enterprises a launch opens cases for; every filter given narrows the set, none widens it."""

    class Meta:
        unknown = EXCLUDE

    district_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=MAX_FILTER_VALUES),
                               metadata={"description": "Only these districts (empty: all; a supervisor's "
                                                        "launch never leaves their own districts)"})
    industries = fields.List(fields.String(validate=validate.OneOf(list(INDUSTRY_SECTIONS),
                                                                   error="Give a GB/T 4754 section letter, A to T.")),
                             load_default=list, validate=validate.Length(max=len(INDUSTRY_SECTIONS)),
                             metadata={"description": "GB/T 4754 section letters (empty: all)"})
    size_bands = fields.List(fields.String(validate=validate.OneOf(SIZE_BAND_KEYS)), load_default=list,
                             validate=validate.Length(max=len(SIZE_BAND_KEYS)),
                             metadata={"description": f"Size bands by employees: {', '.join(SIZE_BAND_KEYS)} "
                                                      "(empty: all)"})
    has_union = fields.Boolean(load_default=None, allow_none=True,
                               metadata={"description": "true: with a union only; false: without; null: both"})
    without_agreement_in_force = fields.Boolean(load_default=False, metadata={
        "description": "Leave out enterprises covered by a case whose agreement is in force"})

    @pre_load
    def _upper(self, data: Any, **_: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("industries"), list):
            data = {**data, "industries": [i.strip().upper() if isinstance(i, str) else i
                                           for i in data["industries"]]}
        return data


def normalise_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Filters in one canonical form (sorted, without repeats), so two launches compare and store alike."""
    return {
        "district_ids": sorted(set(filters.get("district_ids") or ())),
        "industries": sorted(set(filters.get("industries") or ())),
        "size_bands": [b for b in SIZE_BAND_KEYS if b in set(filters.get("size_bands") or ())],
        "has_union": filters.get("has_union"),
        "without_agreement_in_force": bool(filters.get("without_agreement_in_force")),
    }


# ---------------------------------------------------------------------------- the steps' forms
class TargetsForm(StepForm):
    """plan_targets: the year's coverage targets (they replace those given when the campaign was created)."""

    targets = fields.Nested(TargetsSchema, required=True)
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class EnterpriseListForm(StepForm):
    """confirm_enterprises: the filters that define the campaign's enterprises; the launch uses them."""

    filters = fields.Nested(LaunchFiltersSchema, required=True)
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class CoverageForm(StepForm):
    """assign_instructors: a supervisor confirms the instructors cover the confirmed enterprises."""

    confirmed = fields.Boolean(required=True, validate=validate.Equal(
        True, error="Confirm the coverage; resolve the gaps (instructors, caseloads) first if there are any."))
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class LaunchForm(StepForm):
    """launch_cases: what the system records when the launch ends."""

    launched_on = fields.Date(required=True)
    cases = fields.Integer(required=True, validate=validate.Range(min=0))


class WeeklyCheckForm(StepForm):
    """weekly_check: the week's review of the campaign's progress."""

    checked_on = EventDate(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class DistrictSummarySchema(Schema):
    district_id = Id(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class SummariesForm(StepForm):
    """district_summaries: each district's summary form, received after the month."""

    received_on = EventDate(required=True)
    summaries = fields.List(fields.Nested(DistrictSummarySchema), required=True,
                            validate=validate.Length(min=1, max=MAX_FILTER_VALUES))

    @validates_schema
    def _one_per_district(self, data: Mapping[str, Any], **_: Any) -> None:
        ids = [s["district_id"] for s in data.get("summaries") or ()]
        if len(ids) != len(set(ids)):
            raise ValidationError("One summary per district.", "summaries")


class CloseForm(StepForm):
    """close_campaign: the campaign's conclusion."""

    closed_on = EventDate(required=True)
    conclusion = fields.String(required=True, validate=validate.Length(min=1, max=8000))


STEP_FORMS: dict[str, type[StepForm]] = {
    "campaign_targets": TargetsForm,
    "campaign_enterprises": EnterpriseListForm,
    "campaign_coverage": CoverageForm,
    "campaign_launch": LaunchForm,
    "campaign_weekly_check": WeeklyCheckForm,
    "campaign_summaries": SummariesForm,
    "campaign_close": CloseForm,
}
