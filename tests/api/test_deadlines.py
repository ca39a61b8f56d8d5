"""Deadlines through the API: each explained, and extended by the bureau within the rules or with a reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.deadlines.jobs import sweep
from app.extensions import db
from app.models import DeadlineNotice
from tests.conftest import World, at
from tests.helpers import fire, open_case, ready_ids, reload
from tests.service.flows import (
    events,
    filed,
    impasse,
    proposal_received,
    snapshot_rows,
    step,
    task_rows,
    walk_until,
)
from workflows import clock

from .conftest import ApiClient


def deadlines(api: ApiClient, case_id: int, as_: Any) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/cases/{case_id}/deadlines", as_=as_)
    assert response.status_code == 200, response.json
    return response.json


def extend(api: ApiClient, case_id: int, timer_id: str, as_: Any, on: str = "2026-05-20",
           **body: Any) -> Any:
    with clock.frozen_at(at(on)):
        return api.post(f"/api/v1/cases/{case_id}/deadlines/{timer_id}/extend", as_=as_, json=body)


def test_each_running_deadline_is_listed_with_its_explanation(api: ApiClient, world: World) -> None:
    case = impasse(world)
    (deadline,) = deadlines(api, case.id, world.supervisor)
    assert (deadline["element"], deadline["name_zh"], deadline["clock"]) == (
        "coordination_due", "协调期限届满", "coordination")
    assert deadline["due_on"] == "2026-06-05"
    assert deadline["task"]["bpmn_id"] == "coordinate"
    assert deadline["explanation"]["text"]["en"] == (
        "due 2026-06-05: 30 calendar days from acceptance of the coordination request on 2026-05-06")
    assert (deadline["extendable"], deadline["extension_allowed_days"], deadline["can_extend"]) == (True, 15, True)
    # The union side sees the same deadline but may not extend it.
    (seen,) = deadlines(api, case.id, world.union)
    assert (seen["id"], seen["can_extend"]) == (deadline["id"], False)


def test_the_one_coordination_extension_needs_no_reason_and_moves_the_timer(api: ApiClient, world: World) -> None:
    """CCP 52: once, at most 15 days. 5 June + 15 = Saturday 20 June, after the Dragon Boat Festival: 22 June."""
    case = impasse(world)
    (deadline,) = deadlines(api, case.id, world.supervisor)
    response = extend(api, case.id, deadline["id"], world.supervisor, days=15)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["due_on"] == "2026-06-22"
    assert body["extension_allowed_days"] == 0
    (record,) = body["extensions"]
    assert (record["within_rules"], record["reason"], record["by"], record["from_due_on"]) == (
        True, None, "sup1", "2026-06-05")
    assert body["explanation"]["original_due_on"] == "2026-06-05"
    assert body["explanation"]["text"]["en"].endswith(
        "; extended by 15 calendar days to 2026-06-22, rolled past Dragon Boat Festival (as the rules allow)")
    assert "延长 15 个自然日至 2026-06-22，遇端午节顺延（依规定延长）" in body["explanation"]["text"]["zh"]
    assert response.headers["ETag"] == f'"{reload(case).lock_version}"'

    row = task_rows(case, "coordinate")[0]
    assert (row.due_on, row.due_explanation["due_on"]) == (date(2026, 6, 22), "2026-06-22")
    (event,) = events(case, "deadline_extended")
    assert (event.actor, event.payload["days"], event.payload["clock"]) == ("sup1", 15, "coordination")

    # The old deadline passes quietly; the new one escalates.
    assert fire("2026-06-06") == 0
    assert fire("2026-06-23") == 1
    assert [e.payload["clock"] for e in events(case, "deadline_escalated")] == ["coordination"]


def test_a_second_or_longer_extension_needs_a_reason(api: ApiClient, world: World) -> None:
    case = impasse(world)
    (deadline,) = deadlines(api, case.id, world.supervisor)
    before = snapshot_rows()
    longer = extend(api, case.id, deadline["id"], world.supervisor, days=20)
    assert longer.status_code == 422
    assert longer.json["errors"]["reason"] == [
        "The rules allow at most 15 days: give the reason for a longer extension."]
    assert snapshot_rows() == before  # refused: nothing changed

    assert extend(api, case.id, deadline["id"], world.supervisor, days=10).status_code == 200
    again = extend(api, case.id, deadline["id"], world.supervisor, days=5, reason="  ")
    assert again.status_code == 422
    assert "granted already" in again.json["errors"]["reason"][0]
    granted = extend(api, case.id, deadline["id"], world.supervisor, days=5, reason="双方同意延期提交材料")
    assert granted.status_code == 200
    assert [e["within_rules"] for e in granted.json["extensions"]] == [True, False]
    assert granted.json["extensions"][1]["reason"] == "双方同意延期提交材料"
    assert len(events(case, "deadline_extended")) == 2


def test_a_statutory_response_deadline_moves_only_with_a_reason_and_its_reminders_follow(
        api: ApiClient, world: World) -> None:
    """Due 30 March; +5 days with a reason = 4 April, the Tomb-sweeping holiday: 7 April."""
    case = proposal_received(world, "2026-03-09", "2026-03-09")
    (deadline,) = deadlines(api, case.id, world.supervisor)
    assert deadline["extension_allowed_days"] == 0
    refused = extend(api, case.id, deadline["id"], world.supervisor, on="2026-03-25", days=5)
    assert refused.status_code == 422
    assert refused.json["errors"]["reason"] == [
        "The rules allow no extension of this deadline: give the reason for it."]
    ok = extend(api, case.id, deadline["id"], world.supervisor, on="2026-03-25", days=5, reason="企业停产检修")
    assert (ok.status_code, ok.json["due_on"]) == (200, "2026-04-07")
    assert sweep(at("2026-03-29", 9)).reminders == 0  # the old reminder day
    assert fire("2026-03-31") == 0
    assert ready_ids(case) == ["enterprise_response"]
    assert sweep(at("2026-04-06", 9)).reminders == 1
    assert fire("2026-04-08") == 1
    assert ready_ids(case) == ["bureau_intervention"]


def test_a_filing_extended_on_its_last_day_is_overdue_only_after_the_new_deadline(
        api: ApiClient, world: World) -> None:
    """Extended on the due day, the filing is told "overdue" once, after the new deadline; once a
    deadline has passed it is no longer running and cannot be extended (the step is late already)."""
    case = open_case(world, "2026-03-02")
    walk_until(case, world, "file_agreement", "2026-03-02")
    due = task_rows(case, "file_agreement")[-1].due_on
    (deadline,) = deadlines(api, case.id, world.supervisor)
    ok = extend(api, case.id, deadline["id"], world.supervisor, on=due.isoformat(), days=7, reason="材料在途")
    assert ok.status_code == 200, ok.json
    row = task_rows(case, "file_agreement")[-1]
    assert row.due_on > due and row.overdue_since is None
    assert sweep(at(date.fromordinal(due.toordinal() + 1), 9)).overdue == 0
    after = date.fromordinal(row.due_on.toordinal() + 1)
    assert sweep(at(after, 9)).overdue == 1
    row = task_rows(case, "file_agreement")[-1]
    assert (row.state, row.overdue_since) == ("ready", row.due_at)
    kinds = db.session.execute(select(DeadlineNotice.kind).where(DeadlineNotice.task_id == row.id)
                               .order_by(DeadlineNotice.id)).scalars().all()
    assert kinds.count("overdue") == 1
    assert deadlines(api, case.id, world.supervisor) == []
    late = extend(api, case.id, deadline["id"], world.supervisor, on=after.isoformat(), days=7, reason="再延")
    assert late.status_code == 404


def test_bad_extensions_are_refused_with_field_messages(api: ApiClient, world: World) -> None:
    case = impasse(world)
    (deadline,) = deadlines(api, case.id, world.supervisor)
    url = f"/api/v1/cases/{case.id}/deadlines/{deadline['id']}/extend"
    for body, field in (({"days": 0}, "days"), ({"days": 400}, "days"), ({"days": "soon"}, "days"), ({}, "days"),
                        ({"days": 3, "reason": "x" * 501}, "reason")):
        response = api.post(url, as_=world.supervisor, json=body)
        assert response.status_code == 422, body
        assert field in response.json["errors"], response.json
    missing = api.post(f"/api/v1/cases/{case.id}/deadlines/00000000-0000-0000-0000-000000000000/extend",
                       as_=world.supervisor, json={"days": 3})
    assert missing.status_code == 404
    stale = api.post(url, as_=world.supervisor, json={"days": 3}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.json["current"]["lock_version"] == reload(case).lock_version


def test_the_renewal_window_is_no_deadline_and_a_closed_case_has_none(api: ApiClient, world: World) -> None:
    case = filed(world)
    sweep(at("2026-04-18", 1))
    step(case, world, "publish_agreement", "2026-04-20")
    (window,) = deadlines(api, case.id, world.supervisor)
    assert (window["element"], window["extendable"], window["can_extend"]) == ("renewal_window_opens", False, False)
    refused = extend(api, case.id, window["id"], world.supervisor, days=5, reason="x")
    assert refused.status_code == 422 and "timer_id" in refused.json["errors"]
    assert api.post(f"/api/v1/cases/{case.id}/cancel", as_=world.supervisor,
                    json={"reason": "企业注销"}).status_code == 200
    assert deadlines(api, case.id, world.supervisor) == []
    closed = extend(api, case.id, window["id"], world.supervisor, days=5, reason="x")
    assert closed.status_code == 409
