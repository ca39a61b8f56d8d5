"""Element states for the diagram, read from the stored workflow JSON without restoring the instance."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.util.task import TaskState

from workflows import clock
from workflows.diagram import ElementState, diagram_state
from workflows.engine import Engine
from workflows.rulesets import get_rule_set
from workflows.script_env import NO_DEADLINE
from workflows.specs import SpecRegistry, read_directory

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = SpecRegistry().load("wage_negotiation", read_directory(ROOT / "bpmn"))
NATIONAL = get_rule_set("national-2004")
SHANGHAI = clock.zone()


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def local(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def complete(engine: Engine, wf: Any, snap: Any, bpmn_id: str, lane: str, data: dict[str, Any]) -> Any:
    task = next(t for t in snap.ready if t.bpmn_id == bpmn_id)
    return engine.complete(wf, BUNDLE, NATIONAL, task.id, lane, data)


def awaiting_response(engine: Engine) -> tuple[Any, Any]:
    """An instance whose enterprise must answer a proposal received 2026-03-02 (due 03-23, fires 03-24 00:00)."""
    with clock.frozen_at(local("2026-03-02")):
        wf, snap = engine.start(BUNDLE, NATIONAL, {})
        snap = complete(engine, wf, snap, "assign_instructor", "bureau",
                        {"instructor": "ins1", "assigned_on": "2026-03-02"})
        snap = complete(engine, wf, snap, "accept_assignment", "instructor", {"decision": "accept"})
        snap = complete(engine, wf, snap, "record_proposal", "instructor",
                        {"proposing_side": "union", "received_on": "2026-03-02"})
    return wf, snap


def test_a_new_instance_waits_in_the_called_assignment_process(engine: Engine) -> None:
    with clock.frozen_at(local("2026-03-02")):
        wf, _ = engine.start(BUNDLE, NATIONAL, {})
    state = diagram_state(engine.dump(wf))
    assert state.elements == {"start": ElementState("completed", 1),
                              "assign_instructor_call": ElementState("current", 0)}
    called = state.called["instructor_assignment"]
    assert called["assign_instructor"] == ElementState("current", 0)
    assert "accept_assignment" not in called  # only predicted so far


def test_done_current_and_cut_short_elements_with_the_timer_instant(engine: Engine) -> None:
    wf, _ = awaiting_response(engine)
    state = diagram_state(engine.dump(wf))
    elements = state.elements
    assert elements["record_proposal"] == ElementState("completed", 1)
    assert elements["assign_instructor_call"] == ElementState("completed", 1)
    assert elements["enterprise_response"] == ElementState("current", 0)
    assert elements["enterprise_response_timeout"] == ElementState(
        "current", 0, datetime(2026, 3, 24, 0, 0, tzinfo=SHANGHAI).astimezone(UTC))
    assert "union_response" not in elements  # the branch not taken
    assert "enterprise_response.BoundaryEventSplit" not in elements  # the engine's own specs are not drawn
    assert "Start" not in elements
    called = state.called["instructor_assignment"]
    assert called["accept_assignment"] == ElementState("completed", 1)
    assert called["answer_due"] == ElementState("cancelled", 0)  # the instructor answered before it fired


def test_a_fired_timer_is_completed_and_the_task_it_interrupted_cancelled(engine: Engine) -> None:
    wf, _ = awaiting_response(engine)
    with clock.frozen_at(local("2026-03-24", 1)):
        engine.fire_timers(wf, BUNDLE, NATIONAL)
    elements = diagram_state(engine.dump(wf)).elements
    assert elements["enterprise_response_timeout"] == ElementState("completed", 1)
    assert elements["enterprise_response"] == ElementState("cancelled", 0)
    assert elements["bureau_intervention"].state == "current"


def test_a_cancelled_instance_has_nothing_current(engine: Engine) -> None:
    wf, _ = awaiting_response(engine)
    engine.cancel(wf)
    elements = diagram_state(engine.dump(wf)).elements
    assert {name for name, e in elements.items() if e.state == "cancelled"} == {
        "enterprise_response", "enterprise_response_timeout"}
    assert not [name for name, e in elements.items() if e.state == "current"]
    assert elements["record_proposal"].state == "completed"


def task(spec: str, state: int, parent: str | None = None, **internal: Any) -> dict[str, Any]:
    return {"task_spec": spec, "state": state, "parent": parent, "internal_data": internal}


def test_loops_count_and_an_open_round_is_current() -> None:
    """A meeting held twice and open a third time; a deadline-less timer; an engine join left out."""
    dump = {"tasks": {
        "a": task("Start", TaskState.COMPLETED),
        "b": task("hold_meeting", TaskState.COMPLETED, "a"),
        "c": task("hold_meeting", TaskState.COMPLETED, "b"),
        "d": task("hold_meeting", TaskState.READY, "c"),
        "e": task("no_deadline_timer", TaskState.WAITING, "c", event_value=NO_DEADLINE),
        "f": task("hold_meeting.BoundaryEventJoin", TaskState.WAITING, "c"),
        "g": task("draft_agreement", TaskState.LIKELY, "d"),
        "h": task("predicted_then_cancelled", TaskState.CANCELLED, "g"),
    }, "subprocesses": {}}
    state = diagram_state(json.dumps(dump))
    assert state.elements == {"hold_meeting": ElementState("current", 2),
                              "no_deadline_timer": ElementState("current", 0, None)}
    assert state.called == {}


def test_a_process_called_twice_adds_up() -> None:
    sub = {"spec": "instructor_assignment", "tasks": {"x": task("assign_instructor", TaskState.COMPLETED)}}
    dump = {"tasks": {}, "subprocesses": {"1": sub, "2": sub}}
    assert diagram_state(json.dumps(dump)).called == {
        "instructor_assignment": {"assign_instructor": ElementState("completed", 2)}}
