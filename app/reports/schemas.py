"""Input and output of the reports API: the KPI query and the report it answers (definitions in kpis.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from ..api.ids import Id
from ..reference.schemas import GuidelineSchema
from .kpis import DIMENSIONS


def _percent(description: str, **kwargs: Any) -> fields.Decimal:
    """A percentage out: a string with two decimals, exact ("66.67"); null when there is nothing to divide."""
    return fields.Decimal(places=2, as_string=True, allow_none=True, required=True,
                          metadata={"type": "string", "example": "66.67", "description": description}, **kwargs)


def _count(description: str = "") -> fields.Integer:
    return fields.Integer(required=True, metadata={"description": description} if description else {})


class KpiQuerySchema(Schema):
    """?campaign_id=&by=&as_of="""

    campaign_id = Id(metadata={"description": "The campaign; omitted: every enterprise and case in scope"})
    by = fields.String(load_default="district", validate=validate.OneOf(DIMENSIONS),
                       metadata={"description": "Rows by district, GB/T 4754 section or size band"})
    as_of = fields.Date(validate=validate.Range(min=date(1990, 1, 1), max=date(2100, 12, 31),
                                                error="Give a date from 1990 to 2100."),
                        metadata={"description": "The day the figures are taken at (bureau-local); default today"})


class AgreementsSchema(Schema):
    """Concluded agreements (cases) by type; regional ones are also counted under their type."""

    wage = _count("Wage-specific (工资专项)")
    comprehensive = _count("Comprehensive (综合性)")
    regional = _count("Regional or industry (区域性、行业性)")
    total = _count()


class PositionsSchema(Schema):
    """Concluded agreements by where their wage increase stands against the guideline."""

    below_floor = _count()
    floor_to_baseline = _count()
    baseline_to_upper = _count()
    above_upper = _count()
    none = _count("No guideline was recorded when the draft was checked")


class KpiRowSchema(Schema):
    """One group (or the total): population, coverage, agreements, stages and overdue steps."""

    key = fields.String(required=True, metadata={"description": "District code, section letter, size band, or total"})
    label = fields.String(required=True)
    label_en = fields.String(required=True)
    enterprises = _count("Population (应签企业数)")
    employees = _count()
    women_employees = _count()
    covered = _count("Enterprises covered by a concluded agreement (已签企业数)")
    employees_covered = _count()
    women_covered = _count()
    covered_dynamic = _count("Enterprises covered by an agreement in force on as_of")
    employees_covered_dynamic = _count()
    women_covered_dynamic = _count()
    wage_covered = _count("Enterprises covered by a concluded wage-specific agreement")
    covered_regional = _count("Enterprises covered through a regional or industry agreement")
    employees_covered_regional = _count()
    coverage_pct = _percent("Static coverage rate (建制率): covered / enterprises")
    dynamic_coverage_pct = _percent("Dynamic coverage rate: covered_dynamic / enterprises")
    wage_coverage_pct = _percent("wage_covered / enterprises")
    regional_share_pct = _percent("covered_regional / covered")
    agreements = fields.Nested(AgreementsSchema, required=True)
    average_wage_increase_pct = _percent("Mean agreed wage increase of the concluded agreements")
    guideline_positions = fields.Nested(PositionsSchema, required=True)
    cases = _count("Cases in scope, any stage")
    cases_by_stage = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    overdue_steps = _count()
    overdue_by_step = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                                  metadata={"description": "bpmn_id -> overdue ready steps"})
    target_rates = fields.Dict(
        keys=fields.String(), required=True,
        values=fields.Decimal(places=2, as_string=True, allow_none=True, metadata={"type": "string"}),
        metadata={"description": "Per campaign target key, the rate it sets in this row (definitions: kpis.py); "
                                 "coverage_pct here is of unionised enterprises"})


class KpiCampaignSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    status = fields.String(required=True)
    starts_on = fields.Date(allow_none=True, required=True)
    ends_on = fields.Date(allow_none=True, required=True)


class TargetSchema(Schema):
    """One of the campaign's targets beside the rate it sets, taken on the total row."""

    key = fields.String(required=True, metadata={"description": "As in the campaign's targets, e.g. coverage_pct"})
    label = fields.String(required=True)
    label_en = fields.String(required=True)
    target_pct = _percent("The target (null: not a number)")
    actual_pct = _percent("The rate it sets, on the total row (null: no enterprise it counts, or unknown target)")


class OverdueStepSchema(Schema):
    bpmn_id = fields.String(required=True)
    name = fields.String(required=True)
    name_zh = fields.String(required=True)
    count = _count()


class InstructorLoadSchema(Schema):
    """An instructor's load against their maximum, and their results in scope."""

    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    caseload = _count("Open (active) cases in the whole city")
    max_caseload = _count("Their maximum, else the configured default")
    load_pct = _percent("caseload / max_caseload")
    open_cases = _count("Open cases in scope (of the campaign when one is given)")
    concluded = _count("Concluded cases in scope")
    overdue_steps = _count("Overdue ready steps of their cases in scope")


class KpiReportSchema(Schema):
    """The KPIs: one row per group, the total row, overdue steps by step, and the instructors."""

    as_of = fields.Date(required=True)
    by = fields.String(required=True)
    campaign = fields.Nested(KpiCampaignSchema, allow_none=True, required=True)
    targets = fields.List(fields.Nested(TargetSchema), required=True,
                          metadata={"description": "The campaign's targets, each with its rate (none without one)"})
    guideline = fields.Nested(GuidelineSchema, allow_none=True, required=True,
                              metadata={"description": "The wage guideline of the campaign's year (of as_of's)"})
    rows = fields.List(fields.Nested(KpiRowSchema), required=True)
    total = fields.Nested(KpiRowSchema, required=True)
    overdue_by_step = fields.List(fields.Nested(OverdueStepSchema), required=True)
    instructors = fields.List(fields.Nested(InstructorLoadSchema), required=True)
