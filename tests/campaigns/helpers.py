"""Building a campaign and many enterprises quickly, and reading what a launch left behind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select

from app.campaigns import service
from app.enterprises.credit_code import check_character
from app.extensions import db
from app.models import (
    AuditEvent,
    Campaign,
    Case,
    CaseTask,
    District,
    Enterprise,
    campaign_enterprise,
    case_enterprise,
)
from tests.conftest import World, at
from workflows import clock

INDUSTRIES = "CEFGI"
EMPLOYEES = (8, 45, 150, 420, 1500)  # one per size band: micro, small, small, medium, large


def credit_code(n: int) -> str:
    """A valid unified social credit code, distinct for each n."""
    first17 = f"9121{n:013d}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class Made:
    """Enterprises made in bulk: their ids, and the attributes the filters look at."""

    ids: list[int]
    rows: list[dict[str, Any]]


def make_enterprises(count: int, districts: Sequence[District], start: int = 1) -> Made:
    """`count` enterprises in one multi-row INSERT, varied over districts, industries, sizes and unions.

    Enterprise i is in district i % len(districts), industry INDUSTRIES[i % 5], has EMPLOYEES[(i // 5) % 5]
    employees and a union when i % 3 != 0: every combination of filters selects someone.
    """
    rows = [{"credit_code": credit_code(start + i), "name": f"测试企业{start + i:05d}有限公司",
             "district_id": districts[i % len(districts)].id, "industry": INDUSTRIES[i % 5],
             "employees": EMPLOYEES[(i // 5) % 5], "women_employees": 3, "has_union": i % 3 != 0,
             "created_at": clock.now()} for i in range(count)]
    db.session.execute(insert(Enterprise), rows)
    db.session.commit()
    ids = list(db.session.execute(select(Enterprise.id).where(Enterprise.credit_code.in_(
        [r["credit_code"] for r in rows])).order_by(Enterprise.id)).scalars())
    return Made(ids, rows)


def new_campaign(world: World, name: str = "2026年双合同月", ends_on: str = "2026-06-30") -> Campaign:
    """A campaign created by an administrator on 20 May 2026, waiting for its targets."""
    with clock.frozen_at(at("2026-05-20", 9)):
        return service.create_campaign({"name": name, "year": 2026, "starts_on": date(2026, 6, 1),
                                        "ends_on": date.fromisoformat(ends_on),
                                        "targets": {"coverage_pct": 95, "wage_coverage_pct": 87}}, world.admin)


def ready_to_launch(world: World, filters: dict[str, Any] | None = None, **kwargs: Any) -> Campaign:
    """A campaign whose planning a supervisor finished on 20-22 May: its launch step waits."""
    campaign = new_campaign(world, **kwargs)
    steps = [("plan_targets", {"targets": {"coverage_pct": 95, "wage_coverage_pct": 88}}, "2026-05-20"),
             ("confirm_enterprises", {"filters": filters or {}}, "2026-05-21"),
             ("assign_instructors", {"confirmed": True}, "2026-05-22")]
    for bpmn_id, data, day in steps:
        with clock.frozen_at(at(day, 11)):
            campaign = service.complete_step(campaign.id, bpmn_id, data, world.supervisor)
    assert campaign.stage == "launch"
    return campaign


def covered(campaign_id: int) -> dict[int, int]:
    """enterprise id -> case id, from campaign_enterprise, read on a fresh connection."""
    with db.engine.connect() as connection:
        return dict(connection.execute(select(campaign_enterprise.c.enterprise_id, campaign_enterprise.c.case_id)
                                       .where(campaign_enterprise.c.campaign_id == campaign_id)).all())


def half_made(campaign_id: int) -> dict[str, list[int]]:
    """Cases of the campaign that miss any part of a whole opening: their task row, their case_opened
    event, their campaign_enterprise row; and enterprises covered by more than one case of it."""
    db.session.rollback()
    cases = set(db.session.execute(select(Case.id).where(Case.campaign_id == campaign_id)).scalars())
    with_task = set(db.session.execute(select(CaseTask.case_id).where(CaseTask.case_id.in_(cases))
                                       .group_by(CaseTask.case_id)).scalars())
    opened = dict(db.session.execute(select(AuditEvent.case_id, func.count()).where(
        AuditEvent.kind == "case_opened", AuditEvent.case_id.in_(cases)).group_by(AuditEvent.case_id)).all())
    rows = db.session.execute(select(campaign_enterprise.c.enterprise_id, campaign_enterprise.c.case_id)
                              .where(campaign_enterprise.c.campaign_id == campaign_id)).all()
    listed = {case_id for _, case_id in rows}
    twice = db.session.execute(
        select(case_enterprise.c.enterprise_id).join(Case, Case.id == case_enterprise.c.case_id)
        .where(Case.campaign_id == campaign_id)
        .group_by(case_enterprise.c.enterprise_id).having(func.count() > 1)).scalars().all()
    return {
        "without_task_rows": sorted(cases - with_task),
        "without_one_opening_event": sorted(c for c in cases if opened.get(c) != 1),
        "without_campaign_row": sorted(cases - listed),
        "rows_without_case": sorted(listed - cases),
        "enterprises_twice": sorted(twice),
    }


NOTHING_HALF_MADE = {"without_task_rows": [], "without_one_opening_event": [], "without_campaign_row": [],
                     "rows_without_case": [], "enterprises_twice": []}
