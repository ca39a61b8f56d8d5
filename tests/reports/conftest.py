"""A small city whose KPIs are worked out by hand in the tests: 2 districts, 3 industries, 8 enterprises,
10 cases in chosen states, a campaign over 7 of the enterprises, and a few overdue steps.

The figures are read on AS_OF (2026-06-30). Enterprises (employees / women; industry; size band;
ownership; "U": has a union):

    district 1 (和平区, 210102)                   district 2 (沈河区, 210103)
    E1  120 /  40  C  small   state    U          E2   120 /  40  C  small  private  U
    E3  500 / 200  C  medium  foreign  U          E7  1200 / 300  G  large  state    U
    E4   15 /   5  G  micro   private             E8    80 /  50  H  small  private     (not in the campaign)
    E5   50 /  30  H  small   private  U
    E6   30 /  20  G  small   hmt

Cases (K56 is a regional case over E5 and E6; "camp": of the campaign; ins1/ins2 the instructors):

    case   ent.    camp  status     stage        signed      effective   expires     type  pct    position     instr.
    K1     E1      yes   in_force   in_force     2026-05-20  2026-07-01  2027-06-30  wage  6.50   base-upper   ins1
    K1old  E1      no    completed  completed    2025-03-01  2025-03-15  2026-03-14  wage  7.00   base-upper   -
    K3     E3      yes   completed  completed    2026-04-10  2026-04-20  2026-06-15  comp  2.50   below floor  ins1
    K3b    E3      no    in_force   in_force     2026-06-12  2026-06-16  2027-06-15  comp  6.00   base-upper   ins1
    K4     E4      yes   active     negotiation  -                                                             ins1
    K56    E5, E6  yes   in_force   in_force     2026-06-05  2026-06-10  2027-06-09  wage  4.00   floor-base   ins2
    K2     E2      yes   active     filing       2026-06-20  -                                                 ins2
    K7     E7      yes   in_force   in_force     2026-07-02  2026-07-05  2027-07-04  comp  10.00  above upper  -
    K8     E8      no    in_force   in_force     2025-12-01  2026-01-01  2026-12-31  wage  5.00   (none)       -
    K9     E8      no    active     proposal     -                                                             ins1

Ready steps (every other step row of these cases is closed):

    K4  hold_meeting         due 2026-06-20  overdue
    K4  union_team           due 2026-06-30  not overdue: its last day is AS_OF itself
    K2  file_agreement       due 2026-06-29  overdue
    K9  enterprise_response  due 2026-06-10  overdue (not a campaign case)

ins1 may hold 2 open cases (max_caseload 2); ins2 the configured default, 40. The 2026 guideline of
the world is 3 / 6 / 9 %. The campaign's targets: coverage (of unionised enterprises) 95 %, wage
coverage 87 %, wage coverage of state-owned enterprises 100 %, of non-public ones with 100+ staff 90 %.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.cases import service
from app.enterprises.credit_code import check_character
from app.extensions import db
from app.models import Campaign, Case, CaseTask, Enterprise, User
from tests.api.conftest import api  # noqa: F401  (the API client fixture, for the endpoint tests here)
from tests.conftest import World, at
from workflows import clock

AS_OF = date(2026, 6, 30)


@dataclass
class KpiWorld:
    world: World
    campaign: Campaign
    empty_campaign: Campaign
    enterprises: dict[str, Enterprise]
    cases: dict[str, Case]

    @property
    def ins1(self) -> User:
        return self.world.instructor

    @property
    def ins2(self) -> User:
        return self.world.other_instructor


def _enterprise(name: str, district: Any, serial: int, industry: str, employees: int, women: int, ownership: str,
                union: bool) -> Enterprise:
    first17 = f"91210102MA{serial:07d}"
    e = Enterprise(credit_code=first17 + check_character(first17), name=name, district=district, industry=industry,
                   employees=employees, women_employees=women, ownership=ownership, has_union=union,
                   created_at=clock.now())
    db.session.add(e)
    return e


def _open(world: World, enterprises: list[Enterprise], campaign: Campaign | None) -> Case:
    supervisor = world.supervisor if enterprises[0].district_id == world.district.id else world.other_supervisor
    with clock.frozen_at(at("2026-03-02", 9)):
        return service.open_case(enterprise_ids=[e.id for e in enterprises], actor=supervisor,
                                 campaign_id=campaign.id if campaign else None)


def _set(case: Case, **columns: Any) -> None:
    for name, value in columns.items():
        setattr(case, name, value)


def _ready(case: Case, bpmn_id: str, due_on: date) -> None:
    """A ready step of `case` due on `due_on` (its deadline instant: the end of that day, as the engine sets it)."""
    db.session.add(CaseTask(case_id=case.id, spiff_id=str(uuid.uuid4()), bpmn_id=bpmn_id, name=bpmn_id,
                            lane="enterprise", stage=case.stage, state="ready", created_at=clock.now(),
                            due_on=due_on, due_at=at(due_on + timedelta(days=1), 0)))


@pytest.fixture
def kpi(world: World) -> KpiWorld:
    d1, d2 = world.district, world.other_district
    e = {"E1": world.enterprise, "E2": world.other_enterprise}
    for key, ownership in (("E1", "state"), ("E2", "private")):
        _set(e[key], industry="C", employees=120, women_employees=40, ownership=ownership, has_union=True)
    e["E3"] = _enterprise("盛京重工有限公司", d1, 3, "C", 500, 200, "foreign", True)
    e["E4"] = _enterprise("远航快递服务部", d1, 4, "G", 15, 5, "private", False)
    e["E5"] = _enterprise("金桥餐饮管理有限公司", d1, 5, "H", 50, 30, "private", True)
    e["E6"] = _enterprise("新港物流有限公司", d1, 6, "G", 30, 20, "hmt", False)
    e["E7"] = _enterprise("恒泰运输集团有限公司", d2, 7, "G", 1200, 300, "state", True)
    e["E8"] = _enterprise("瑞丰酒店有限公司", d2, 8, "H", 80, 50, "private", False)
    campaign = Campaign(year=2026, name="2026年双合同月", created_at=clock.now(), status="running",
                        starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30),
                        targets={"coverage_pct": 95, "wage_coverage_pct": 87, "state_owned_wage_coverage_pct": 100,
                                 "non_public_100_wage_coverage_pct": 90})
    empty = Campaign(year=2026, name="2026年补签行动", created_at=clock.now(), status="planning")
    db.session.add_all([campaign, empty])
    world.instructor.max_caseload = 2
    db.session.commit()

    c: dict[str, Case] = {}
    for name, members, in_campaign in [
        ("K1", ["E1"], True), ("K1old", ["E1"], False), ("K3", ["E3"], True), ("K3b", ["E3"], False),
        ("K4", ["E4"], True), ("K56", ["E5", "E6"], True), ("K2", ["E2"], True), ("K7", ["E7"], True),
        ("K8", ["E8"], False), ("K9", ["E8"], False),
    ]:
        c[name] = _open(world, [e[m] for m in members], campaign if in_campaign else None)
    ins1, ins2 = world.instructor.id, world.other_instructor.id
    pct = Decimal

    def agreement(case: str, status: str, signed: str, effective: str, expires: str, kind: str, increase: str,
                  position: str | None, instructor: int | None) -> None:
        _set(c[case], status=status, stage=status, signed_on=date.fromisoformat(signed),
             effective_on=date.fromisoformat(effective), expires_on=date.fromisoformat(expires), agreement_type=kind,
             wage_increase_pct=pct(increase), guideline_position=position, instructor_id=instructor)

    agreement("K1", "in_force", "2026-05-20", "2026-07-01", "2027-06-30", "wage", "6.50", "baseline_to_upper", ins1)
    agreement("K1old", "completed", "2025-03-01", "2025-03-15", "2026-03-14", "wage", "7.00", "baseline_to_upper", None)
    agreement("K3", "completed", "2026-04-10", "2026-04-20", "2026-06-15", "comprehensive", "2.50", "below_floor", ins1)
    agreement("K3b", "in_force", "2026-06-12", "2026-06-16", "2027-06-15", "comprehensive", "6.00",
              "baseline_to_upper", ins1)
    agreement("K56", "in_force", "2026-06-05", "2026-06-10", "2027-06-09", "wage", "4.00", "floor_to_baseline", ins2)
    agreement("K7", "in_force", "2026-07-02", "2026-07-05", "2027-07-04", "comprehensive", "10.00", "above_upper", None)
    agreement("K8", "in_force", "2025-12-01", "2026-01-01", "2026-12-31", "wage", "5.00", None, None)
    _set(c["K4"], stage="negotiation", instructor_id=ins1)
    _set(c["K2"], stage="filing", signed_on=date(2026, 6, 20), instructor_id=ins2)
    _set(c["K9"], stage="proposal", instructor_id=ins1)
    for case in c.values():
        for task in case.tasks:
            if task.state == "ready":
                task.state, task.next_notice_at = "cancelled", None
    db.session.flush()
    _ready(c["K4"], "hold_meeting", date(2026, 6, 20))
    _ready(c["K4"], "union_team", date(2026, 6, 30))
    _ready(c["K2"], "file_agreement", date(2026, 6, 29))
    _ready(c["K9"], "enterprise_response", date(2026, 6, 10))
    db.session.commit()
    return KpiWorld(world, campaign, empty, e, c)
