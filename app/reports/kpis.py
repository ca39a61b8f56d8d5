"""The campaign's KPIs by district, industry or size band, with a total row: what each figure means.

Every figure comes from a handful of GROUP BY queries, however many enterprises and cases there are;
no case is ever loaded. Everything is limited to what the caller may see: supervisors their districts,
administrators everything, instructors their own cases and those cases' enterprises.

Definitions (`as_of` is a bureau-local date, today by default):

- **population** (应签企业数): the enterprises in scope; with a campaign, those of its
  `campaign_enterprise` rows; without one, every enterprise in scope.
- **concluded case**: a case that reached signature and whose agreement took effect: `signed_on` set,
  on or before as_of, status "in_force" or "completed" (with a campaign: a case of that campaign).
- **covered, static** (已签企业数): enterprises of the population covered by a concluded case.
- **covered, dynamic**: enterprises of the population covered by a case in force on as_of: status
  "in_force" and effective_on <= as_of <= expires_on, of any campaign.
- **coverage rate** (建制率), static and dynamic: covered / population in percent, two places; null
  (never a division error) when the population is empty.
- **employees and women employees covered**: sums over the covered enterprises, each counted once
  however many cases cover it.
- **wage coverage**: enterprises covered by a concluded wage-specific agreement, and its rate.
- **regional**: enterprises covered through a concluded regional or industry case (Case.kind
  "regional"), and their share of the covered enterprises.
- **agreements**: concluded cases by agreement_type ("wage" 工资专项, "comprehensive" 综合性), and the
  regional ones among them; the average agreed wage increase is the plain mean of wage_increase_pct
  over the agreements that state one; the positions count them against the guideline
  (guideline_position; "none": no guideline was recorded when the draft was checked).
- **cases by stage**: every case in scope (with a campaign: of that campaign) by its current stage.
- **overdue steps**: ready steps whose deadline (due_at) passed before the end of as_of, by step.
- **targets** (Campaign.targets, keys of app/campaigns/forms.TARGETS) are each shown with the rate they
  set, worked out per row the same way: "coverage_pct" is the share of unionised enterprises covered
  by a concluded agreement of any type (已建工会企业集体合同签订率, not the 建制率 above, whose base is
  every enterprise); "wage_coverage_pct" the wage coverage rate; the others the wage coverage of state-owned
  (ownership "state"), foreign-invested ("foreign") and non-public (private, foreign, hmt) enterprises
  with 100 employees or more.
- **instructors**: the open caseload (status "active") city-wide, against their maximum
  (User.max_caseload, else INSTRUCTOR_MAX_CASELOAD); and in scope (with a campaign: of that campaign)
  their open cases, their concluded cases and the overdue steps of their cases.

Rows group by the enterprises' district, GB/T 4754 section or size band. Enterprise figures add up
to the total row. Case figures (agreements, stages, overdue steps) count a case, or a step, once in
each group where it covers an enterprise: a regional case across two industries counts in both
industry rows and once in the total. Figures read the cases' current status and stage; as_of moves
the dates they are compared with, it does not replay history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from workflows import clock
from workflows.script_env import GUIDELINE_POSITIONS

from ..accounts.permissions import (
    can_view_kpis,
    kpi_instructors_clause,
    visible_cases_clause,
    visible_enterprises_clause,
)
from ..campaigns.forms import TARGETS
from ..cases.engine_registry import runtime
from ..cases.labels import STAGE_LABELS
from ..cases.service import PROCESS_ID
from ..enterprises.industries import SECTION_LETTERS, section_name
from ..enterprises.size_bands import SIZE_BAND_KEYS, size_band_column, size_band_label
from ..errors import Forbidden, Invalid
from ..extensions import db
from ..i18n import N_
from ..instructors.assignment import caseloads, max_caseload
from ..models import Campaign, Case, CaseTask, District, Enterprise, User, WageGuideline, campaign_enterprise
from ..models import case_enterprise as ce

DIMENSIONS = ("district", "industry", "size_band")
CONCLUDED = ("in_force", "completed")
AGREEMENT_KEYS = ("wage", "comprehensive", "regional", "total")
POSITION_KEYS = (*GUIDELINE_POSITIONS, "none")
NON_PUBLIC = ("private", "foreign", "hmt")
# What each campaign target is a rate of: the enterprises it counts, and whether any concluded agreement
# ("covered") or only a wage-specific one ("wage") covers them.
TARGET_BASES: dict[str, tuple[Any, str]] = {
    "coverage_pct": (Enterprise.has_union.is_(True), "covered"),
    "wage_coverage_pct": (true(), "wage"),
    "state_owned_wage_coverage_pct": (Enterprise.ownership == "state", "wage"),
    "foreign_wage_coverage_pct": (Enterprise.ownership == "foreign", "wage"),
    "non_public_100_wage_coverage_pct": (and_(Enterprise.ownership.in_(NON_PUBLIC), Enterprise.employees >= 100),
                                         "wage"),
}
# The enterprise figures, summed per group by one query (the total row is their sum).
ENTERPRISE_FIGURES = ("enterprises", "employees", "women_employees", "covered", "employees_covered",
                      "women_covered", "covered_dynamic", "employees_covered_dynamic", "women_covered_dynamic",
                      "wage_covered", "covered_regional", "employees_covered_regional")
# The counts behind the targets' rates: each target's base and the covered among it (not shown as such).
TARGET_COUNTS = tuple(f"{key}:{part}" for key in TARGET_BASES for part in ("base", "covered"))
COUNTED = ENTERPRISE_FIGURES + TARGET_COUNTS
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Scope:
    """Who asks, about which campaign, as of which day; `end` is the first instant after that day."""

    actor: User
    campaign: Campaign | None
    as_of: date
    end: datetime

    def cases(self) -> Any:
        """The cases the figures count: visible, and of the campaign when one is given."""
        return and_(visible_cases_clause(self.actor), self.in_campaign())

    def in_campaign(self) -> Any:
        return Case.campaign_id == self.campaign.id if self.campaign else true()

    def concluded(self) -> Any:
        return and_(Case.signed_on.is_not(None), Case.signed_on <= self.as_of, Case.status.in_(CONCLUDED))

    def in_force(self) -> Any:
        return and_(Case.status == "in_force", Case.effective_on <= self.as_of, Case.expires_on >= self.as_of)

    def population(self) -> Any:
        """The enterprises the rates divide by: visible, and of the campaign when one is given."""
        if self.campaign is None:
            return visible_enterprises_clause(self.actor)
        members = select(campaign_enterprise.c.enterprise_id).where(
            campaign_enterprise.c.campaign_id == self.campaign.id)
        return and_(visible_enterprises_clause(self.actor), Enterprise.id.in_(members))

    def overdue(self) -> Any:
        return and_(CaseTask.state == "ready", CaseTask.due_at < self.end)


def campaign_kpis(actor: User, campaign_id: int | None = None, by: str = "district",
                  as_of: date | None = None) -> dict[str, Any]:
    """Every KPI of the campaign (or of all cases) as `actor` may see them, one row per group of `by`."""
    if not can_view_kpis(actor):
        raise Forbidden(N_("The campaign's figures are for the bureau and the instructors."))
    if by not in DIMENSIONS:
        raise Invalid(N_("Unknown grouping."), {"by": [f"Give one of {', '.join(DIMENSIONS)}."]})
    campaign = None
    if campaign_id is not None:
        campaign = db.session.get(Campaign, campaign_id)
        if campaign is None:
            raise Invalid(N_("Unknown campaign."), {"campaign_id": [f"No campaign with id {campaign_id}."]})
    day = as_of or clock.today()
    end = datetime.combine(day + timedelta(days=1), time.min, clock.zone()).astimezone(UTC)
    scope = Scope(actor, campaign, day, end)
    dim = _dimension(by)

    people = _enterprise_figures(scope, dim)
    cases_by_group, cases_total = _case_figures(scope, dim), _case_figures(scope, None)[None]
    (overdue_by_group, _), (overdue_total, names) = _overdue(scope, dim), _overdue(scope, None)
    keys = set(people) | set(cases_by_group) | set(overdue_by_group)
    labels = _labels(by, keys)
    rows = []
    for key in sorted(keys, key=lambda k: labels[k]["order"]):
        label = labels[key]
        rows.append(_row(label["key"], label["label"], label["label_en"], people.get(key, _zeros()),
                         cases_by_group.get(key, _case_zeros()), overdue_by_group.get(key, {})))
    summed = {name: sum(people.get(key, _zeros())[name] for key in keys) for name in COUNTED}
    steps = overdue_total.get(None, {})
    total = _row("total", "合计", "Total", summed, cases_total, steps)
    return {
        "as_of": day, "by": by,
        "campaign": None if campaign is None else {
            "id": campaign.id, "name": campaign.name, "year": campaign.year, "status": campaign.status,
            "starts_on": campaign.starts_on, "ends_on": campaign.ends_on},
        "targets": _targets(campaign, total),
        "guideline": _guideline(campaign.year if campaign else day.year),
        "rows": rows, "total": total,
        "overdue_by_step": [{"bpmn_id": step, "name": names.get(step, step), "name_zh": _name_zh(step, names),
                             "count": count} for step, count in sorted(steps.items(), key=lambda s: (-s[1], s[0]))],
        "instructors": _instructors(scope),
    }


# ---------------------------------------------------------------------------- grouping
def _dimension(by: str) -> ColumnElement[Any]:
    """The group of an enterprise, as a SQL expression on Enterprise."""
    if by == "district":
        return Enterprise.district_id
    if by == "industry":
        return Enterprise.industry
    return size_band_column()


def _labels(by: str, keys: Iterable[Any]) -> dict[Any, dict[str, Any]]:
    """Each group's key as shown (district code, section letter, band key), names and sort order."""
    keys = list(keys)
    if by == "district":
        districts = {d.id: d for d in db.session.execute(
            select(District).where(District.id.in_(keys))).scalars()} if keys else {}
        return {k: {"key": districts[k].code, "label": districts[k].name, "label_en": districts[k].name,
                    "order": (districts[k].code, k)} for k in keys}
    if by == "industry":
        return {k: {"key": k, "label": section_name(k), "label_en": section_name(k, "en"),
                    "order": (SECTION_LETTERS.find(k) if k in SECTION_LETTERS else 99, k)} for k in keys}
    return {k: {"key": k, "label": size_band_label(k), "label_en": size_band_label(k, "en"),
                "order": (SIZE_BAND_KEYS.index(k), k)} for k in keys}


# ---------------------------------------------------------------------------- enterprises
def _enterprise_figures(scope: Scope, dim: ColumnElement[Any]) -> dict[Any, dict[str, int]]:
    """Population and coverage per group: one query over the enterprises, with the covered ones joined."""
    static = (select(ce.c.enterprise_id.label("enterprise_id"),
                     func.max(case((Case.kind == "regional", 1), else_=0)).label("regional"),
                     func.max(case((Case.agreement_type == "wage", 1), else_=0)).label("wage"))
              .join(Case, Case.id == ce.c.case_id)
              .where(scope.cases(), scope.concluded())
              .group_by(ce.c.enterprise_id).subquery("covered_static"))
    dynamic = (select(ce.c.enterprise_id.label("enterprise_id")).join(Case, Case.id == ce.c.case_id)
               .where(visible_cases_clause(scope.actor), scope.in_force())
               .distinct().subquery("covered_dynamic"))
    is_static, is_dynamic = static.c.enterprise_id.is_not(None), dynamic.c.enterprise_id.is_not(None)
    regional = static.c.regional == 1

    def total(when: ColumnElement[bool] | None, value: Any) -> Any:
        return func.sum(value if when is None else case((when, value), else_=0))

    is_wage = static.c.wage == 1
    columns = [
        func.count(Enterprise.id), total(None, Enterprise.employees), total(None, Enterprise.women_employees),
        total(is_static, 1), total(is_static, Enterprise.employees), total(is_static, Enterprise.women_employees),
        total(is_dynamic, 1), total(is_dynamic, Enterprise.employees), total(is_dynamic, Enterprise.women_employees),
        total(is_wage, 1), total(regional, 1), total(regional, Enterprise.employees),
    ]
    for base, covered_by in TARGET_BASES.values():
        columns += [total(base, 1), total(and_(base, is_wage if covered_by == "wage" else is_static), 1)]
    query = (select(dim.label("key"), *columns).select_from(Enterprise)
             .outerjoin(static, static.c.enterprise_id == Enterprise.id)
             .outerjoin(dynamic, dynamic.c.enterprise_id == Enterprise.id)
             .where(scope.population()).group_by(dim))
    return {key: {name: int(value or 0) for name, value in zip(COUNTED, values, strict=True)}
            for key, *values in db.session.execute(query).all()}


def _zeros() -> dict[str, int]:
    return dict.fromkeys(COUNTED, 0)


# ---------------------------------------------------------------------------- cases
@dataclass
class CaseFigures:
    """What the case query says about one group: counts per stage, agreements, increases, positions."""

    stages: dict[str, int]
    agreements: dict[str, int]
    positions: dict[str, int]
    increase_sum: Decimal = Decimal(0)
    increase_count: int = 0


def _case_zeros() -> CaseFigures:
    return CaseFigures(defaultdict(int), dict.fromkeys(AGREEMENT_KEYS, 0), dict.fromkeys(POSITION_KEYS, 0))


def _case_figures(scope: Scope, dim: ColumnElement[Any] | None) -> dict[Any, CaseFigures]:
    """Stages, agreements and increases per group (dim None: one group, the total), in one query.

    Per group, the distinct (group, case) pairs are counted, so a regional case with two enterprises
    in one group counts once there.
    """
    concluded = case((scope.concluded(), 1), else_=0).label("concluded")
    columns = [Case.id, Case.stage, concluded, Case.agreement_type, Case.kind, Case.guideline_position,
               Case.wage_increase_pct]
    if dim is None:
        source = select(*columns).where(scope.cases()).subquery("cases")
        keys: list[Any] = []
    else:
        source = (select(dim.label("key"), *columns).select_from(Case)
                  .join(ce, ce.c.case_id == Case.id).join(Enterprise, Enterprise.id == ce.c.enterprise_id)
                  .where(scope.cases()).distinct().subquery("cases"))
        keys = [source.c.key]
    group = [*keys, source.c.stage, source.c.concluded, source.c.agreement_type, source.c.kind,
             source.c.guideline_position]
    query = select(*group, func.count(), func.sum(source.c.wage_increase_pct),
                   func.count(source.c.wage_increase_pct)).group_by(*group)
    out: dict[Any, CaseFigures] = defaultdict(_case_zeros)
    if dim is None:
        out[None] = _case_zeros()
    for row in db.session.execute(query).all():
        key = row[0] if dim is not None else None
        stage, done, agreement_type, kind, position, count, increase_sum, increase_count = row[len(keys):]
        figures = out[key]
        figures.stages[stage] += count
        if not done:
            continue
        figures.agreements["total"] += count
        if agreement_type in figures.agreements:
            figures.agreements[agreement_type] += count
        if kind == "regional":
            figures.agreements["regional"] += count
        figures.positions[position if position in GUIDELINE_POSITIONS else "none"] += count
        figures.increase_sum += Decimal(increase_sum or 0)
        figures.increase_count += increase_count
    return out


# ---------------------------------------------------------------------------- overdue steps
def _overdue(scope: Scope, dim: ColumnElement[Any] | None) -> tuple[dict[Any, dict[str, int]], dict[str, str]]:
    """Overdue ready steps per group and step (dim None: one group keyed None), and each step's name."""
    if dim is None:
        query = (select(CaseTask.bpmn_id, func.min(CaseTask.name), func.count())
                 .join(Case, Case.id == CaseTask.case_id).where(scope.cases(), scope.overdue())
                 .group_by(CaseTask.bpmn_id))
    else:
        source = (select(dim.label("key"), CaseTask.id, CaseTask.bpmn_id, CaseTask.name).select_from(CaseTask)
                  .join(Case, Case.id == CaseTask.case_id).join(ce, ce.c.case_id == Case.id)
                  .join(Enterprise, Enterprise.id == ce.c.enterprise_id)
                  .where(scope.cases(), scope.overdue()).distinct().subquery("overdue"))
        query = (select(source.c.key, source.c.bpmn_id, func.min(source.c.name), func.count())
                 .group_by(source.c.key, source.c.bpmn_id))
    counts: dict[Any, dict[str, int]] = defaultdict(dict)
    names: dict[str, str] = {}
    for row in db.session.execute(query).all():
        key, (bpmn_id, name, count) = (None, row) if dim is None else (row[0], row[1:])
        counts[key][bpmn_id] = count
        names[bpmn_id] = name
    return counts, names


def _name_zh(bpmn_id: str, names: dict[str, str]) -> str:
    """A step's Chinese name, as the current BPMN gives it (the task rows keep the English one)."""
    properties = runtime().current[PROCESS_ID].task_properties.get(bpmn_id, {})
    return properties.get("name_zh") or names.get(bpmn_id, bpmn_id)


# ---------------------------------------------------------------------------- rows
def _row(key: str, label: str, label_en: str, people: dict[str, int], cases: CaseFigures,
         overdue: dict[str, int]) -> dict[str, Any]:
    """One row of the report, rates worked out from its counts."""
    average = None
    if cases.increase_count:
        average = (cases.increase_sum / cases.increase_count).quantize(HUNDREDTH, ROUND_HALF_UP)
    return {
        "key": key, "label": label, "label_en": label_en, **{name: people[name] for name in ENTERPRISE_FIGURES},
        "coverage_pct": percent(people["covered"], people["enterprises"]),
        "dynamic_coverage_pct": percent(people["covered_dynamic"], people["enterprises"]),
        "wage_coverage_pct": percent(people["wage_covered"], people["enterprises"]),
        "regional_share_pct": percent(people["covered_regional"], people["covered"]),
        "agreements": dict(cases.agreements),
        "average_wage_increase_pct": average,
        "guideline_positions": dict(cases.positions),
        "cases": sum(cases.stages.values()),
        "cases_by_stage": dict(sorted(cases.stages.items(), key=lambda s: _stage_order(s[0]))),
        "overdue_steps": sum(overdue.values()),
        "overdue_by_step": dict(sorted(overdue.items())),
        "target_rates": {key: percent(people[f"{key}:covered"], people[f"{key}:base"]) for key in TARGET_BASES},
    }


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole in percent to two places; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, ROUND_HALF_UP)


def _stage_order(stage: str) -> tuple[int, str]:
    stages = list(STAGE_LABELS)
    return (stages.index(stage) if stage in stages else len(stages), stage)


def _guideline(year: int) -> dict[str, Any] | None:
    row = db.session.execute(select(WageGuideline).where(WageGuideline.year == year)).scalar()
    if row is None:
        return None
    return {"year": row.year, "floor_pct": row.floor_pct, "baseline_pct": row.baseline_pct,
            "upper_pct": row.upper_pct, "published_on": row.published_on}


def _targets(campaign: Campaign | None, total: dict[str, Any]) -> list[dict[str, Any]]:
    """The campaign's targets, in the campaign form's order, each beside the total row's rate it sets."""
    given = campaign.targets if campaign is not None and isinstance(campaign.targets, dict) else {}
    order = [key for key in TARGETS if key in given] + sorted(key for key in given if key not in TARGETS)
    return [{"key": key, "label": TARGETS.get(key, (key, key))[1], "label_en": TARGETS.get(key, (key, key))[0],
             "target_pct": _number(given[key]), "actual_pct": total["target_rates"].get(key)} for key in order]


def _number(value: Any) -> Decimal | None:
    """A target as a percentage, or None when the campaign set none (or not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value)).quantize(HUNDREDTH, ROUND_HALF_UP)
    except ArithmeticError:  # not a number, infinite, or too large to show
        return None
    return number if number.is_finite() else None


# ---------------------------------------------------------------------------- instructors
def _instructors(scope: Scope) -> list[dict[str, Any]]:
    """Each instructor in scope: city-wide load against their maximum, and in scope their cases' results."""
    active = Case.status == "active"

    def count(when: ColumnElement[bool]) -> Any:
        return func.sum(case((when, 1), else_=0))

    in_scope = {instructor: (open_cases, concluded) for instructor, open_cases, concluded in db.session.execute(
        select(Case.instructor_id, count(and_(active, scope.in_campaign())),
               count(and_(scope.concluded(), scope.in_campaign())))
        .where(visible_cases_clause(scope.actor), Case.instructor_id.is_not(None))
        .group_by(Case.instructor_id)).all()}
    overdue = dict(db.session.execute(
        select(Case.instructor_id, func.count(CaseTask.id)).join(Case, Case.id == CaseTask.case_id)
        .where(scope.cases(), scope.overdue(), Case.instructor_id.is_not(None))
        .group_by(Case.instructor_id)).all())
    people = db.session.execute(
        select(User).where(or_(User.id.in_(list(in_scope)), kpi_instructors_clause(scope.actor)))
        .order_by(User.display_name, User.id)).scalars().all()
    loads = caseloads([u.id for u in people]) if people else {}
    rows = []
    for user in people:
        limit = max_caseload(user)
        open_cases, concluded = in_scope.get(user.id, (0, 0))
        rows.append({"id": user.id, "username": user.username, "display_name": user.display_name,
                     "caseload": loads.get(user.id, 0), "max_caseload": limit,
                     "load_pct": percent(loads.get(user.id, 0), limit),
                     "open_cases": int(open_cases or 0), "concluded": int(concluded or 0),
                     "overdue_steps": overdue.get(user.id, 0)})
    return rows
