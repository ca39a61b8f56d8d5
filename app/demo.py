"""Demo data: three districts, sixty enterprises, users of every role, this year's campaign, and cases in
every stage.

Nothing is written as rows where a service exists: the campaign is planned and launched, and the
cases are opened into it and walked, through the services with the clock moved, so the demo shows
exactly what the procedure produces, overdue steps included. The cases the launch opens wait for an
instructor: the running app's deadline sweep assigns them by district, industry and caseload.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from workflows import clock

from .accounts.passwords import hash_password
from .accounts.permissions import LANE_ROLES, can_act_in_lane
from .campaigns import launch
from .campaigns import service as campaigns
from .cases import service as cases
from .cases.forms import FILING_DOCUMENTS, WAGE_AGREEMENT_ITEMS
from .enterprises.credit_code import check_character
from .extensions import db
from .models import Campaign, Case, District, Enterprise, User, WageGuideline
from .models.accounts import UserIndustry

DEMO_PASSWORD = "demo-pass-2026"
DISTRICTS = (("210102", "和平区"), ("210103", "沈河区"), ("210105", "皇姑区"))
INDUSTRIES = "CEFGHIKM"
NAME_PARTS = ("华信", "东方", "盛京", "北辰", "远航", "金桥", "恒泰", "新港", "瑞丰", "宏达",
              "天成", "汇通", "长青", "广源", "万联", "嘉禾", "鼎盛", "安和", "启明", "同舟")
# Size bands by weight (micro, small, medium, large) and registration types by weight, roughly a city's mix.
EMPLOYEE_RANGES = (((5, 19), 15), ((20, 299), 50), ((300, 999), 25), ((1000, 3000), 10))
OWNERSHIP_MIX = (("private", 55), ("state", 10), ("collective", 5), ("foreign", 15), ("hmt", 10), ("other", 5))
NAME_KINDS = ("机械制造有限公司", "建筑工程有限公司", "商贸有限公司", "物流有限公司", "餐饮管理有限公司",
              "信息技术有限公司", "物业服务有限公司", "食品有限公司")


def should_seed() -> bool:
    """Seed only an empty database."""
    return db.session.execute(select(func.count()).select_from(User)).scalar() == 0


def credit_code(rng: random.Random, region: str) -> str:
    """A valid-looking code: registration authority 9 (industry and commerce), type 1, region, organisation id."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + region + "".join(rng.choice(alphabet[:10]) for _ in range(9))
    return body + check_character(body)


def _member_list(prefix: str, size: int = 3) -> list[dict[str, Any]]:
    return [{"name": f"{prefix}代表{i + 1}", "position": "", "chief": i == 0, "outside_expert": False}
            for i in range(size)]


def sample_form(bpmn_id: str, day: date, case: Case, variant: str = "") -> dict[str, Any]:
    """Plausible form data for each step, so a case can be walked to any stage."""
    iso = day.isoformat()
    forms: dict[str, Callable[[], dict[str, Any]]] = {
        "assign_instructor": lambda: {"instructor": _instructor_for(case).username, "assigned_on": iso},
        "accept_assignment": lambda: {"decision": "accept"},
        "record_proposal": lambda: {"proposing_side": "union", "received_on": iso,
                                    "content": f"{day.year}年度工资集体协商要约：工资调整幅度、福利与支付办法",
                                    "proposed_place": "企业三楼会议室"},
        "enterprise_response": lambda: ({"decision": "refuse", "reason": "经营困难，暂缓协商", "responded_on": iso}
                                        if variant == "refuse" else {"decision": "accept", "responded_on": iso}),
        "union_response": lambda: {"decision": "accept", "responded_on": iso},
        "bureau_intervention": lambda: {"decision": "order_talks", "note": "依法责令开展协商", "decided_on": iso},
        "union_team": lambda: {"members": _member_list("职工方")},
        "enterprise_team": lambda: {"members": _member_list("企业方")},
        "prepare_talks": lambda: {"talks_on": (day + timedelta(days=7)).isoformat(), "place": "企业会议室",
                                  "agenda": "工资调整幅度；津贴补贴", "recorder": "记录员"},
        "hold_meeting": lambda: {"meeting_on": iso, "chaired_by": "union", "minutes_signed": True,
                                 "outcome": "impasse" if variant == "impasse" else "agreement",
                                 "summary": "双方就工资调整幅度进行协商"},
        "coordinate": lambda: {"outcome": "resume", "note": "协调后恢复协商", "decided_on": iso},
        "draft_agreement": lambda: {"term_months": 12, "wage_increase_pct": str(_increase(case)),
                                    "items": list(WAGE_AGREEMENT_ITEMS)},
        "congress_vote": lambda: {"voted_on": iso, "body": "workers_congress", "total": 60, "present": 52,
                                  "in_favour": 49, "against": 2, "abstained": 1},
        "union_signature": lambda: {"decision": "approve", "signed_on": iso},
        "enterprise_signature": lambda: {"decision": "approve", "signed_on": iso},
        "file_agreement": lambda: {"filed_on": iso, "copies": 3, "documents": list(FILING_DOCUMENTS)},
        "review_filing": lambda: {"decision": "no_objection", "reviewed_on": iso},
        "publish_agreement": lambda: {"published_on": iso, "method": "notice_board"},
    }
    return forms[bpmn_id]()


def _increase(case: Case) -> Decimal:
    return Decimal("2.5") + Decimal(case.id % 9)


def _instructor_for(case: Case) -> User:
    """One of the instructors serving the case's district, in turn."""
    instructors = [u for u in db.session.execute(select(User).where(User.role == "instructor").order_by(User.id))
                   .scalars() if any(d.id == case.district_id for d in u.districts)]
    return instructors[case.id % len(instructors)]


def actor_for(case: Case, lane: str) -> User:
    """A user who may act in `lane` of `case`."""
    role = LANE_ROLES[lane]
    for user in db.session.execute(select(User).where(User.role == role, User.active.is_(True))).scalars():
        if can_act_in_lane(user, case, lane):
            return user
    raise LookupError(f"no {role} bound to case {case.ref}")


def walk(case: Case, steps: int, start: date, variant: str = "",
         forms: Callable[[str, date, Case, str], Mapping[str, Any]] = sample_form) -> date:
    """Complete up to `steps` ready tasks, one day apart from `start`; returns the next day."""
    day = start
    for _ in range(steps):
        db.session.refresh(case)
        ready = [t for t in case.tasks if t.state == "ready"]
        if not ready:
            break
        task = ready[0]
        with clock.frozen_at(datetime.combine(day, time(10), clock.zone())):
            cases.complete_task(case.id, task.id, dict(forms(task.bpmn_id, day, case, variant)),
                                actor_for(case, task.lane))
        day += timedelta(days=2)
    return day


def seed(rng_seed: int = 2026) -> dict[str, int]:
    """Create the demo; each case is committed by the case service as it is walked."""
    rng = random.Random(rng_seed)
    today = clock.today()
    password = hash_password(DEMO_PASSWORD)
    now = clock.now()

    def user(username: str, name: str, role: str, **links: Any) -> User:
        u = User(username=username, display_name=name, role=role, password_hash=password, active=True,
                 created_at=now, **links)
        db.session.add(u)
        return u

    districts = [District(code=c, name=n) for c, n in DISTRICTS]
    db.session.add_all(districts)
    user("admin", "系统管理员", "admin")
    for i, d in enumerate(districts, start=1):
        user(f"supervisor{i}", f"{d.name}监察员", "supervisor", districts=[d])
    for i in range(6):  # two per district, each knowing two industries
        instructor = user(f"instructor{i + 1}", f"指导员{i + 1}", "instructor", districts=[districts[i % 3]])
        instructor.industry_links = [UserIndustry(industry=INDUSTRIES[(2 * i + k) % len(INDUSTRIES)])
                                     for k in range(2)]
    enterprises = []
    for i in range(60):
        d = districts[i % 3]
        low, high = rng.choices([r for r, _ in EMPLOYEE_RANGES], [w for _, w in EMPLOYEE_RANGES])[0]
        employees = rng.randint(low, high)
        name = f"{d.name[:2]}{NAME_PARTS[i % 20]}{NAME_KINDS[i % 8]}"
        e = Enterprise(credit_code=credit_code(rng, d.code), name=name, district=d,
                       industry=INDUSTRIES[i % len(INDUSTRIES)], employees=employees,
                       women_employees=employees * rng.randint(20, 60) // 100, has_union=i % 5 != 4,
                       ownership=rng.choices([o for o, _ in OWNERSHIP_MIX], [w for _, w in OWNERSHIP_MIX])[0],
                       created_at=now)
        enterprises.append(e)
    db.session.add_all(enterprises)
    for i, e in enumerate(enterprises, start=1):
        user(f"union{i}", f"{e.name[:6]}工会代表", "union_rep", enterprises=[e])
        user(f"employer{i}", f"{e.name[:6]}企业代表", "enterprise_rep", enterprises=[e])
    db.session.add(WageGuideline(year=today.year, floor_pct=Decimal("3.00"), baseline_pct=Decimal("6.00"),
                                 upper_pct=Decimal("9.00"), published_on=date(today.year, 5, 1)))
    db.session.commit()

    campaign = _plan_campaign(today)
    opened = 0
    # (steps walked, variant, days further back): the last three (one per district) were signed weeks ago and
    # are filed late, so the dashboard has overdue cases whatever day the demo is seeded.
    plans = ([(steps, "", 0) for steps in range(0, 22)] + [(4, "refuse", 0), (9, "impasse", 0), (10, "impasse", 0)]
             + [(12, "", 14), (12, "", 30), (12, "", 45)])
    for i, (steps, variant, back) in enumerate(plans):
        e = enterprises[i]
        supervisor = actor_for_district(e.district_id)
        start = today - timedelta(days=2 * steps + 3 + (i % 4) * 9 + back)
        with clock.frozen_at(datetime.combine(start, time(9), clock.zone())):
            case = cases.open_case(enterprise_ids=[e.id], actor=supervisor, campaign_id=campaign.id)
        walk(case, steps, start, variant)
        opened += 1
    regional = [e for e in enterprises[len(plans):] if e.district is districts[0]][:4]
    with clock.frozen_at(datetime.combine(today - timedelta(days=20), time(9), clock.zone())):
        case = cases.open_case(enterprise_ids=[e.id for e in regional],
                               actor=actor_for_district(regional[0].district_id),
                               title=f"{regional[0].district.name}餐饮行业工资集体协商", campaign_id=campaign.id)
    walk(case, 4, today - timedelta(days=20))
    opened += 1
    opened += _launch(campaign, today)
    return {"districts": len(districts), "enterprises": len(enterprises),
            "users": db.session.execute(select(func.count()).select_from(User)).scalar() or 0, "cases": opened}


def _plan_campaign(today: date) -> Campaign:
    """This year's campaign, planned by the first district's supervisor up to its launch step."""
    starts_on = today - timedelta(days=80)
    admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
    supervisor = db.session.execute(select(User).where(User.username == "supervisor1")).scalar_one()
    with clock.frozen_at(datetime.combine(starts_on - timedelta(days=5), time(9), clock.zone())):
        campaign = campaigns.create_campaign({
            "name": f"{starts_on.year}年双合同月", "year": starts_on.year, "starts_on": starts_on,
            "ends_on": today + timedelta(days=20), "targets": {"coverage_pct": 95, "wage_coverage_pct": 87}}, admin)
        for bpmn_id, data in (("plan_targets", {"targets": {"coverage_pct": 95, "wage_coverage_pct": 87,
                                                               "non_public_100_wage_coverage_pct": 80}}),
                              ("confirm_enterprises", {"filters": {}}),
                              ("assign_instructors", {"confirmed": True})):
            campaign = campaigns.complete_step(campaign.id, bpmn_id, data, supervisor)
    return campaign


def _launch(campaign: Campaign, today: date) -> int:
    """Launch the campaign for the enterprises without a case of it yet; the cases opened."""
    with clock.frozen_at(datetime.combine(today - timedelta(days=1), time(9), clock.zone())):
        launch.start_launch(campaign.id, None, actor=None)
        last = launch.run_launch(campaign.id)
    return last.done if last is not None else 0


def actor_for_district(district_id: int) -> User:
    """The demo supervisor of a district."""
    for u in db.session.execute(select(User).where(User.role == "supervisor")).scalars():
        if any(d.id == district_id for d in u.districts):
            return u
    raise LookupError(district_id)


