"""The supervisors' dashboard figures: overdue cases by district, stage and age; where cases wait on the process
diagram; the instructors' caseload; the campaign's coverage against its targets; the overdue list to export.

No Flask here: the web views and the exports call these with the signed-in user and the page's filters. Every
figure reads the read-model rows through the visibility clause (supervisors their districts, administrators the
city), a constant number of GROUP BY queries whatever the number of cases; no workflow is ever restored.
"Overdue" is the API's (`app/cases/overdue.py`, `app/tasks/service.overdue_tasks_clause`), and the campaign
figures are those of `kpis.campaign_kpis`, taken as they are, so the dashboard cannot disagree with either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import defer

from ..accounts.permissions import visible_cases_clause
from ..campaigns.service import list_campaigns
from ..cases.engine_registry import runtime
from ..cases.labels import STAGE_LABELS
from ..cases.overdue import OVERDUE_BUCKETS, days_late, overdue_bucket_column, overdue_clause
from ..cases.service import PROCESS_ID
from ..errors import NotFound
from ..extensions import db
from ..i18n import N_
from ..models import Campaign, Case, CaseTask, District, User
from ..tasks.service import overdue_tasks_clause
from .kpis import campaign_kpis

BUCKETS = tuple(OVERDUE_BUCKETS)
# The coverage rates charted when the campaign sets no targets (or no campaign is chosen).
COVERAGE_RATES = ("coverage_pct", "dynamic_coverage_pct", "wage_coverage_pct")


# ---------------------------------------------------------------------------- filters
@dataclass(frozen=True)
class Filters:
    """The page's filters: one of the user's districts (None: all of them) and a campaign (None: all cases)."""

    district: District | None = None
    campaign: Campaign | None = None

    def cases(self, actor: User) -> Any:
        """A WHERE clause on Case: visible to `actor`, in the district and campaign chosen."""
        return and_(visible_cases_clause(actor),
                    Case.district_id == self.district.id if self.district else true(),
                    Case.campaign_id == self.campaign.id if self.campaign else true())

    def query_args(self) -> dict[str, int]:
        """The filters as the case list's query arguments (for drill-down links)."""
        args = {}
        if self.district:
            args["district_id"] = self.district.id
        if self.campaign:
            args["campaign_id"] = self.campaign.id
        return args


def districts_in_scope(actor: User) -> list[District]:
    """The districts `actor` watches: a supervisor's own, every one for an administrator."""
    if actor.role == "admin":
        return list(db.session.execute(select(District).order_by(District.code)).scalars())
    return sorted(actor.districts, key=lambda d: d.code)


def campaigns(actor: User) -> list[Campaign]:
    """The campaigns to choose from, newest first (the campaigns API's list)."""
    return list(list_campaigns(actor, {}, 1, 200)["items"])


def current_campaign(choices: list[Campaign]) -> Campaign | None:
    """The campaign the dashboard opens on: the newest running one, else the newest."""
    return next((c for c in choices if c.status == "running"), choices[0] if choices else None)


def filters_for(actor: User, district_id: int | None, campaign_id: int | None, all_cases: bool,
                choices: list[Campaign]) -> Filters:
    """The filters asked for, checked against what `actor` may watch (404 for a district or campaign they may not)."""
    district = None
    if district_id is not None:
        district = next((d for d in districts_in_scope(actor) if d.id == district_id), None)
        if district is None:
            raise NotFound(N_("No such district among yours."))
    if all_cases:
        return Filters(district, None)
    if campaign_id is None:
        return Filters(district, current_campaign(choices))
    campaign = next((c for c in choices if c.id == campaign_id), None)
    if campaign is None:
        raise NotFound(N_("No such campaign."))
    return Filters(district, campaign)


# ---------------------------------------------------------------------------- overdue by district, stage, age
@dataclass
class OverdueTable:
    """Overdue cases counted per district, stage and age bucket, with every total the table shows."""

    districts: list[District]
    cells: dict[tuple[int, str, str], int]
    stages: list[str] = field(init=False)

    def __post_init__(self) -> None:
        seen = {stage for _, stage, _ in self.cells}
        self.stages = [s for s in STAGE_LABELS if s in seen] + sorted(seen - set(STAGE_LABELS))

    def cell(self, district_id: int | None, stage: str | None, bucket: str | None) -> int:
        """The count for a district, stage and bucket; None for any of them sums over it (a total)."""
        return sum(n for (d, s, b), n in self.cells.items()
                   if district_id in (None, d) and stage in (None, s) and bucket in (None, b))

    @property
    def total(self) -> int:
        return sum(self.cells.values())


def overdue_table(actor: User, filters: Filters, now: datetime) -> OverdueTable:
    """Overdue cases (a ready task past its due date) by district, stage and how late, in one query."""
    bucket = overdue_bucket_column(now).label("bucket")
    rows = db.session.execute(
        select(Case.district_id, Case.stage, bucket, func.count())
        .where(filters.cases(actor), overdue_clause(now))
        .group_by(Case.district_id, Case.stage, bucket)).all()
    districts = [filters.district] if filters.district else districts_in_scope(actor)
    return OverdueTable(districts, {(d, stage, b): n for d, stage, b, n in rows})


# ---------------------------------------------------------------------------- heatmap on the diagram
def process_diagram() -> tuple[str, dict[str, str], dict[str, dict[str, str]]]:
    """The negotiation process as the engine loaded it: its BPMN XML, the element of the main diagram that
    shows each step of a called process (its call activity), and every element's properties (names, stage)."""
    bundle = runtime().current[PROCESS_ID]
    shown_by: dict[str, str] = {}
    for spec in bundle.spec.task_specs.values():
        called = bundle.subprocess_specs.get(getattr(spec, "spec", None) or "")
        if called is not None:
            shown_by.update({name: spec.bpmn_id for name, s in called.task_specs.items() if s.bpmn_id})
    return bundle.files[bundle.spec.file], shown_by, bundle.task_properties


def heatmap(actor: User, filters: Filters, now: datetime) -> dict[str, Any]:
    """Per step of the process, the cases waiting there and how many of them are late, in one query.

    A step of a called process (the instructor's assignment) is shown on its call activity, whose
    drill-down is the stage it stands for; a step of the main process drills down by its BPMN id.
    """
    xml, shown_by, properties = process_diagram()
    late = func.sum(case((overdue_tasks_clause(now), 1), else_=0))
    rows = db.session.execute(
        select(CaseTask.bpmn_id, func.min(CaseTask.name), func.count(), late)
        .join(Case, Case.id == CaseTask.case_id)
        .where(filters.cases(actor), CaseTask.state == "ready")
        .group_by(CaseTask.bpmn_id).order_by(CaseTask.bpmn_id)).all()
    steps = [{"bpmn_id": step, "name": name, "name_zh": properties.get(step, {}).get("name_zh") or name,
              "waiting": waiting, "late": int(overdue or 0), "element": shown_by.get(step, step)}
             for step, name, waiting, overdue in rows]
    elements: dict[str, dict[str, Any]] = {}
    for step in steps:
        element = elements.setdefault(step["element"], {"waiting": 0, "late": 0, "filter": (
            {"stage": properties.get(step["element"], {}).get("stage", "")} if step["element"] != step["bpmn_id"]
            else {"step": step["bpmn_id"]})})
        element["waiting"] += step["waiting"]
        element["late"] += step["late"]
    return {"xml": xml, "elements": elements, "steps": steps,
            "max_waiting": max((e["waiting"] for e in elements.values()), default=0)}


# ---------------------------------------------------------------------------- campaign and instructors
def campaign_figures(actor: User, filters: Filters, as_of: date | None = None) -> dict[str, Any]:
    """The campaign's coverage against its targets, its cases by stage and the instructors' caseload, as
    `kpis.campaign_kpis` reports them: its total row, or the chosen district's row."""
    report = campaign_kpis(actor, filters.campaign.id if filters.campaign else None, "district", as_of)
    row = report["total"]
    if filters.district is not None:
        row = next((r for r in report["rows"] if r["key"] == filters.district.code), None)
    targets = [{"key": t["key"], "label": t["label"], "label_en": t["label_en"], "target_pct": t["target_pct"],
                "actual_pct": row["target_rates"].get(t["key"]) if row else None} for t in report["targets"]]
    return {"as_of": report["as_of"], "row": row, "targets": targets,
            "cases_by_stage": row["cases_by_stage"] if row else {}, "instructors": report["instructors"]}


# ---------------------------------------------------------------------------- the overdue list
def overdue_list(actor: User, filters: Filters, now: datetime) -> list[dict[str, Any]]:
    """Every overdue step of the cases in scope, latest first: what the CSV and XLSX exports list."""
    _, _, properties = process_diagram()
    rows = db.session.execute(
        select(CaseTask, Case, District.name, User.display_name)
        .join(Case, Case.id == CaseTask.case_id).join(District, District.id == Case.district_id)
        .outerjoin(User, User.id == Case.instructor_id)
        .where(filters.cases(actor), overdue_tasks_clause(now))
        .options(defer(Case.workflow_state), defer(Case.rules))
        .order_by(CaseTask.due_at, Case.id, CaseTask.id)).all()
    return [{"ref": found.ref, "title": found.title, "district": district, "stage": found.stage,
             "step": task.bpmn_id, "step_name": task.name,
             "step_name_zh": properties.get(task.bpmn_id, {}).get("name_zh") or task.name,
             "due_on": task.due_on, "days_late": days_late(task.due_at, now), "instructor": instructor}
            for task, found, district, instructor in rows]
