"""The campaign's cycle (`bpmn/contract_month.bpmn`) run through the campaign service with the clock moved.

Planning, the launch, a weekly progress check every seven days after the launch, the end of the month
stopping them and leading to the districts' summaries, and the close. The deadline sweep moves the
campaign as it moves cases.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from app.audit.service import verify
from app.campaigns import launch, service
from app.campaigns.forms import STEP_FORMS
from app.deadlines.jobs import sweep
from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import AuditEvent, Campaign
from tests.conftest import World, at
from workflows import clock

from .helpers import make_enterprises, new_campaign, ready_to_launch

ROOT = Path(__file__).resolve().parents[2]
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"


def reload(campaign: Campaign) -> Campaign:
    db.session.expire_all()
    found = db.session.get(Campaign, campaign.id)
    assert found is not None
    return found


def ready(campaign: Campaign) -> list[str]:
    return [s.bpmn_id for s in service.where_it_stands(reload(campaign))[0]]


def step(campaign: Campaign, world: World, bpmn_id: str, data: dict, day: str | date) -> Campaign:
    with clock.frozen_at(at(day, 11)):
        return service.complete_step(campaign.id, bpmn_id, data, world.supervisor)


def check(campaign: Campaign, world: World, day: str | date) -> Campaign:
    iso = day if isinstance(day, str) else day.isoformat()
    return step(campaign, world, "weekly_check", {"checked_on": iso, "note": "进度正常"}, day)


def launched(world: World, on: str = "2026-06-01") -> Campaign:
    """A campaign planned in May whose launch of a few enterprises finished on `on`."""
    make_enterprises(6, [world.district])
    campaign = ready_to_launch(world)
    with clock.frozen_at(at(on, 9)):
        launch.start_launch(campaign.id, None, world.admin)
        result = launch.run_launch(campaign.id)
    assert result is not None and result.finished
    return reload(campaign)


def test_planning_leads_step_by_step_to_the_launch(world: World) -> None:
    campaign = new_campaign(world)
    assert (campaign.status, campaign.stage, ready(campaign)) == ("planning", "planning", ["plan_targets"])
    campaign = step(campaign, world, "plan_targets", {"targets": {"coverage_pct": 96}}, "2026-05-20")
    assert campaign.targets == {"coverage_pct": 96.0}
    assert ready(campaign) == ["confirm_enterprises"]
    campaign = step(campaign, world, "confirm_enterprises",
                    {"filters": {"district_ids": [world.district.id], "industries": ["c"]}}, "2026-05-21")
    assert campaign.launch_filters["district_ids"] == [world.district.id]
    assert campaign.launch_filters["industries"] == ["C"]
    campaign = step(campaign, world, "assign_instructors", {"confirmed": True}, "2026-05-22")
    assert (campaign.status, campaign.stage, ready(campaign)) == ("planning", "launch", ["launch_cases"])
    kinds = db.session.execute(select(AuditEvent.kind, AuditEvent.payload["step"].as_string()).where(
        AuditEvent.case_id.is_(None), AuditEvent.kind.like("campaign_%")).order_by(AuditEvent.id)).all()
    assert [tuple(k) for k in kinds] == [("campaign_created", None), ("campaign_step_completed", "plan_targets"),
                                         ("campaign_step_completed", "confirm_enterprises"),
                                         ("campaign_step_completed", "assign_instructors")]


def test_a_step_that_is_not_waiting_is_refused_and_an_unknown_one_is_not_found(world: World) -> None:
    campaign = new_campaign(world)
    with pytest.raises(Conflict):
        step(campaign, world, "weekly_check", {"checked_on": "2026-05-20"}, "2026-05-20")
    with pytest.raises(NotFound):
        step(campaign, world, "count_week", {}, "2026-05-20")  # a script, not a step for people
    assert ready(campaign) == ["plan_targets"]


def test_nobody_completes_the_launch_step_while_the_launch_is_not_finished(world: World) -> None:
    make_enterprises(3, [world.district])
    campaign = ready_to_launch(world)
    with pytest.raises(Conflict, match="still being launched"):
        step(campaign, world, "launch_cases", {}, "2026-05-25")  # not even started
    with clock.frozen_at(at("2026-06-01", 9)):
        launch.start_launch(campaign.id, None, world.admin)
    with pytest.raises(Conflict, match="still being launched"):
        step(campaign, world, "launch_cases", {}, "2026-06-01")
    assert (reload(campaign).status, ready(campaign)) == ("launching", ["launch_cases"])
    with clock.frozen_at(at("2026-06-01", 10)):
        launch.run_launch(campaign.id)
    campaign = reload(campaign)
    assert (campaign.status, campaign.stage, ready(campaign)) == ("running", "running", [])
    done = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "campaign_step_completed",
                                                       AuditEvent.payload["step"].as_string() == "launch_cases")
                              ).scalar_one()
    assert done.actor == "system"
    assert done.payload["data"] == {"launched_on": "2026-06-01", "cases": 5}  # 3 made + the world's 2


def test_weekly_checks_come_every_seven_days_until_the_month_ends(world: World) -> None:
    campaign = launched(world, on="2026-06-01")
    first_check = at("2026-06-08", 0)
    assert reload(campaign).next_timer_at == first_check

    sweep(at("2026-06-07", 23))
    assert ready(campaign) == []
    sweep(at("2026-06-08", 1))
    assert ready(campaign) == ["weekly_check"]
    _, timers = service.where_it_stands(reload(campaign))
    assert [(t.bpmn_id, t.due_at) for t in timers] == [("month_end", at("2026-07-01", 0))]
    check(campaign, world, "2026-06-09")  # a day late: the next check is still due a week after the 8th
    assert ready(campaign) == []
    assert reload(campaign).next_timer_at == at("2026-06-15", 0)

    sweep(at("2026-06-15", 1))
    assert ready(campaign) == ["weekly_check"]
    sweep(at("2026-06-22", 1))  # the second check is still open: no third one beside it
    assert ready(campaign) == ["weekly_check"]
    check(campaign, world, "2026-06-23")  # the third was due on the 22nd: it comes at once
    assert ready(campaign) == ["weekly_check"]
    check(campaign, world, "2026-06-24")
    assert reload(campaign).next_timer_at == at("2026-06-29", 0)
    sweep(at("2026-06-29", 1))
    assert ready(campaign) == ["weekly_check"]

    # The month ends (30 June) with the fourth check open: the check is cancelled, the summaries are due.
    sweep(at("2026-06-30", 23))
    assert ready(campaign) == ["weekly_check"]
    sweep(at("2026-07-01", 1))
    campaign = reload(campaign)
    assert (campaign.stage, ready(campaign), campaign.next_timer_at) == ("summaries", ["district_summaries"], None)
    for day in ("2026-07-06", "2026-07-13"):
        sweep(at(day, 1))
        assert ready(campaign) == ["district_summaries"]  # no weekly check after the month

    checks = db.session.execute(select(AuditEvent.payload).where(
        AuditEvent.kind == "campaign_step_completed", AuditEvent.payload["step"].as_string() == "weekly_check")
    ).scalars().all()
    assert len(checks) == 3
    assert checks[0]["cases_by_status"] == {"active": 8}  # 6 made + the world's 2, all opened by the launch
    fired = db.session.execute(select(AuditEvent.payload["element"].as_string()).where(
        AuditEvent.kind == "campaign_timer_fired").order_by(AuditEvent.id)).scalars().all()
    assert fired == ["next_check", "next_check", "next_check", "month_end"]


def test_a_month_ending_between_two_checks_leads_to_the_summaries_and_the_close_ends_it(world: World) -> None:
    campaign = launched(world, on="2026-06-01")
    for day in ("2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29"):
        sweep(at(day, 1))
        check(campaign, world, day)
    # The next check would fall on 6 July, after the month: the month's end comes first.
    assert reload(campaign).next_timer_at == at("2026-07-01", 0)
    sweep(at("2026-07-01", 1))
    assert ready(campaign) == ["district_summaries"]
    step(campaign, world, "district_summaries", {"received_on": "2026-07-10", "summaries": [
        {"district_id": world.district.id, "note": "和平区：签订工资专项集体合同 6 份"},
        {"district_id": world.other_district.id, "note": "沈河区：签订 2 份"}]}, "2026-07-10")
    assert ready(campaign) == ["close_campaign"]
    campaign = step(campaign, world, "close_campaign", {"closed_on": "2026-07-15", "conclusion": "完成目标"},
                    "2026-07-15")
    assert (campaign.status, campaign.stage, campaign.next_timer_at, ready(campaign)) == ("closed", "closed", None, [])
    with pytest.raises(Conflict, match="closed"):
        step(campaign, world, "weekly_check", {"checked_on": "2026-07-16"}, "2026-07-16")
    assert verify().ok


def test_a_launch_finishing_after_the_month_goes_straight_to_the_summaries(world: World) -> None:
    campaign = launched(world, on="2026-07-03")  # the month ended on 30 June
    assert (campaign.stage, campaign.next_timer_at, ready(campaign)) == ("summaries", None, ["district_summaries"])


# ---------------------------------------------------------------------------- the diagram itself
def test_the_diagram_draws_every_element_and_flow_inside_its_pool() -> None:
    root = etree.parse(str(ROOT / "bpmn" / "contract_month.bpmn")).getroot()
    process = root.find(f"{BPMN}process")
    flow_nodes = {el.get("id") for el in process if el.get("id") and etree.QName(el).localname not in (
        "laneSet", "sequenceFlow", "documentation", "extensionElements")}
    flows = {el.get("id") for el in process.iter(f"{BPMN}sequenceFlow")}
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{BPMNDI}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{BPMNDI}BPMNEdge")}
    assert flow_nodes - set(shapes) == set()
    assert flows - edges == set()
    pool = shapes["pool_contract_month"].find("{http://www.omg.org/spec/DD/20100524/DC}Bounds")
    right, bottom = float(pool.get("x")) + float(pool.get("width")), float(pool.get("y")) + float(pool.get("height"))
    for node in flow_nodes:
        bounds = shapes[node].find("{http://www.omg.org/spec/DD/20100524/DC}Bounds")
        assert float(bounds.get("x")) + float(bounds.get("width")) <= right, node
        assert float(bounds.get("y")) + float(bounds.get("height")) <= bottom, node
    lane = process.find(f"{BPMN}laneSet/{BPMN}lane")
    assert lane.get("name") == "bureau"
    assert {ref.text for ref in lane.iter(f"{BPMN}flowNodeRef")} == flow_nodes


def test_every_step_names_its_stage_its_chinese_name_and_a_form_the_service_knows() -> None:
    root = etree.parse(str(ROOT / "bpmn" / "contract_month.bpmn")).getroot()
    for task in root.iter(f"{BPMN}userTask"):
        props = {p.get("name"): p.get("value") for p in task.iter(f"{SPIFF}property")}
        assert props.get("name_zh") and props.get("stage"), task.get("id")
        assert props.get("form") in STEP_FORMS, task.get("id")


def test_the_first_weekly_check_is_due_seven_days_after_the_launch_day(world: World) -> None:
    campaign = launched(world, on="2026-06-03")
    assert reload(campaign).next_timer_at == at(date(2026, 6, 3) + timedelta(days=7), 0)
