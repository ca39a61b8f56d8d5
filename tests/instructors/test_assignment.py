"""Instructors are assigned by district, industry and caseload through the BPMN, and handed on with history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.cases import service
from app.deadlines.jobs import sweep
from app.errors import Invalid
from app.extensions import db
from app.instructors.assignment import reassign_cases
from app.models import AuditEvent, Case, Notification, User
from app.models.accounts import UserIndustry
from tests.api.conftest import ApiClient
from tests.conftest import World, at, make_user
from tests.helpers import open_case, ready_ids, reload
from tests.service.flows import step, task_rows
from workflows import clock


@pytest.fixture
def auto(app: Flask) -> Iterator[None]:
    app.config["AUTO_ASSIGN_INSTRUCTORS"] = True
    yield
    app.config["AUTO_ASSIGN_INSTRUCTORS"] = False


@pytest.fixture
def staff(world: World) -> dict[str, User]:
    """District 1: `manufacturing` (knows industry C, at most 2 cases) and `general` (at most 5);
    district 2: `east`. The world's own instructors (city-wide) are away."""
    world.instructor.active = world.other_instructor.active = False
    people = {
        "manufacturing": make_user("manufacturing", "instructor", districts=[world.district], max_caseload=2,
                                   industry_links=[UserIndustry(industry="C")]),
        "general": make_user("general", "instructor", districts=[world.district], max_caseload=5),
        "east": make_user("east", "instructor", districts=[world.other_district]),
    }
    db.session.commit()
    return people


def instructor_of(case: Case) -> str | None:
    current = reload(case).instructor
    return current.username if current else None


def test_the_best_fit_gets_cases_until_full_then_the_next_and_never_another_district(
        world: World, staff: dict[str, User], auto: None) -> None:
    cases = [open_case(world, "2026-03-02") for _ in range(4)]
    report = sweep(at("2026-03-02", 12))
    assert report.assigned == 4
    # Own district and the enterprise's industry (C) first, up to its maximum of 2; then the other.
    assert [instructor_of(c) for c in cases] == ["manufacturing", "manufacturing", "general", "general"]
    assert all(ready_ids(c) == ["accept_assignment"] for c in cases)
    # Through the BPMN: the bureau's step was completed by the system, saying why.
    event = db.session.execute(select(AuditEvent).where(AuditEvent.case_id == cases[0].id,
                                                        AuditEvent.kind == "task_completed")).scalar_one()
    assert event.actor == "system"
    assert event.payload["data"]["instructor"] == "manufacturing"
    assert "caseload 0/2, same district, knows the industry" in event.payload["note"]
    offered = db.session.execute(select(Notification.user_id).where(Notification.kind == "case_offered")).scalars()
    assert sorted(offered) == sorted([staff["manufacturing"].id] * 2 + [staff["general"].id] * 2)


def test_a_case_nobody_has_room_for_keeps_waiting_for_the_supervisor(
        world: World, staff: dict[str, User], auto: None) -> None:
    staff["general"].max_caseload = 1
    db.session.commit()
    cases = [open_case(world, "2026-03-02") for _ in range(4)]
    report = sweep(at("2026-03-02", 12))
    assert (report.assigned, [instructor_of(c) for c in cases]) == (3, ["manufacturing", "manufacturing",
                                                                        "general", None])
    assert ready_ids(cases[3]) == ["assign_instructor"]
    assert sweep(at("2026-03-02", 13)).assigned == 0


def test_a_decline_or_silence_offers_the_case_to_someone_else(
        world: World, staff: dict[str, User], auto: None) -> None:
    declined, silent = open_case(world, "2026-03-02"), open_case(world, "2026-03-02")
    sweep(at("2026-03-02", 12))
    assert [instructor_of(declined), instructor_of(silent)] == ["manufacturing", "manufacturing"]
    row = task_rows(declined, "accept_assignment")[-1]
    with clock.frozen_at(at("2026-03-03")):
        service.complete_task(declined.id, row.id, {"decision": "decline", "reason": "本月在外地培训"},
                              staff["manufacturing"])
    # 3 working days pass without an answer on the other: its offer lapses and goes elsewhere too.
    report = sweep(at("2026-03-06", 1))
    assert report.cases_advanced == 1
    assert [instructor_of(declined), instructor_of(silent)] == ["general", "general"]


def test_reassignment_hands_every_open_case_on_with_its_waiting_steps_and_history(
        world: World, staff: dict[str, User], auto: None) -> None:
    staff["manufacturing"].max_caseload = 5
    db.session.commit()
    cases = [open_case(world, "2026-03-02") for _ in range(3)]
    sweep(at("2026-03-02", 12))
    assert {instructor_of(c) for c in cases} == {"manufacturing"}
    step(cases[0], _as(world, staff["manufacturing"]), "accept_assignment", "2026-03-03")
    leaving = staff["manufacturing"]
    leaving.active = False
    db.session.commit()

    moves = reassign_cases(leaving.id, world.supervisor, "调离指导员岗位")
    assert [(m.case.id, m.to.username) for m in moves] == [(c.id, "general") for c in cases]
    assert {instructor_of(c) for c in cases} == {"general"}
    # The instructor's waiting steps went with the cases (the pending offers too).
    for case in cases:
        for row in task_rows(case, "accept_assignment") + task_rows(case, "record_proposal"):
            if row.state == "ready":
                assert row.assignee_id == staff["general"].id
    history = db.session.execute(select(AuditEvent).where(AuditEvent.case_id == cases[0].id,
                                                          AuditEvent.kind == "instructor_reassigned")).scalar_one()
    assert (history.actor, history.payload["from"], history.payload["to"], history.payload["reason"]) == (
        "sup1", "manufacturing", "general", "调离指导员岗位")
    # The earlier assignment is still in the history, and the new instructor can go on.
    kinds = [e.kind for e in db.session.execute(select(AuditEvent).where(AuditEvent.case_id == cases[0].id)
                                                .order_by(AuditEvent.id)).scalars()]
    assert kinds[-1] == "instructor_reassigned" and kinds.count("task_completed") >= 2
    assert ready_ids(cases[0]) == ["record_proposal"]
    step(cases[0], _as(world, staff["general"]), "record_proposal", "2026-03-04")


def test_reassignment_to_a_named_instructor_and_its_refusals(world: World, staff: dict[str, User], auto: None) -> None:
    case = open_case(world, "2026-03-02")
    sweep(at("2026-03-02", 12))
    with pytest.raises(Invalid) as missing_reason:
        reassign_cases(staff["manufacturing"].id, world.supervisor, "  ")
    assert "reason" in missing_reason.value.errors
    with pytest.raises(Invalid) as same:
        reassign_cases(staff["manufacturing"].id, world.supervisor, "x", staff["manufacturing"].id)
    assert "to_user_id" in same.value.errors
    # Another district's supervisor moves nothing of district 1.
    assert reassign_cases(staff["manufacturing"].id, world.other_supervisor, "x") == []
    assert instructor_of(case) == "manufacturing"
    moves = reassign_cases(staff["manufacturing"].id, world.supervisor, "工作调整", staff["east"].id)
    assert [m.to.username for m in moves] == ["east"]
    assert instructor_of(case) == "east"


def test_caseloads_and_reassignment_through_the_api(app: Flask, world: World, staff: dict[str, User],
                                                     auto: None) -> None:
    api = ApiClient(app)
    [open_case(world, "2026-03-02") for _ in range(2)]
    sweep(at("2026-03-02", 12))
    rows = {r["user"]["display_name"]: r for r in api.get("/api/v1/instructors", as_=world.supervisor).json}
    assert (rows["manufacturing"]["open_cases"], rows["manufacturing"]["max_caseload"]) == (2, 2)
    assert rows["manufacturing"]["industries"] == ["C"]
    assert rows["general"]["open_cases"] == 0
    assert api.get("/api/v1/instructors", as_=world.union).status_code == 403
    bad = api.post(f"/api/v1/instructors/{staff['manufacturing'].id}/reassign", as_=world.supervisor, json={})
    assert bad.status_code == 422 and "reason" in bad.json["errors"]
    done = api.post(f"/api/v1/instructors/{staff['manufacturing'].id}/reassign", as_=world.supervisor,
                    json={"reason": "离职"})
    assert done.status_code == 200
    assert [m["to"]["display_name"] for m in done.json["moved"]] == ["general", "general"]
    assert done.json["not_moved"] == []


def _as(world: World, instructor: User) -> Any:
    """The world with another instructor acting on the instructor's lane."""
    return replace(world, instructor=instructor)
