"""The engine adapter without a database: tasks, lanes, JSON round trip, timers on our clock, pinned rule sets."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG

from workflows import clock
from workflows.engine import Engine, Snapshot, TaskNotAvailable
from workflows.rulesets import RuleSet, get_rule_set
from workflows.specs import SpecRegistry, read_directory

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = SpecRegistry().load("wage_negotiation", read_directory(ROOT / "bpmn"))
NATIONAL = get_rule_set("national-2004")
SHANGHAI = clock.zone()
# 2026-03-02 + 20 calendar days = Sunday 2026-03-22, rolled to Monday 2026-03-23 (Civil Code 203);
# the timer fires at the end of that day: 2026-03-24 00:00 in Shanghai.
RECEIVED = "2026-03-02"
RESPONSE_DUE = datetime(2026, 3, 24, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def local(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def ready(snap: Snapshot, bpmn_id: str):
    return next(t for t in snap.ready if t.bpmn_id == bpmn_id)


def to_proposal(engine: Engine, rule_set: RuleSet = NATIONAL):
    """A new instance walked to the ready record_proposal task."""
    wf, snap = engine.start(BUNDLE, rule_set, {})
    snap = engine.complete(wf, BUNDLE, rule_set, ready(snap, "assign_instructor").id, "bureau",
                           {"instructor": "ins1", "assigned_on": RECEIVED})
    snap = engine.complete(wf, BUNDLE, rule_set, ready(snap, "accept_assignment").id, "instructor",
                           {"decision": "accept"})
    return wf, snap


def record_proposal(engine: Engine, wf, snap: Snapshot, rule_set: RuleSet = NATIONAL) -> Snapshot:
    return engine.complete(wf, BUNDLE, rule_set, ready(snap, "record_proposal").id, "instructor",
                           {"proposing_side": "union", "received_on": RECEIVED})


def response_timer(snap: Snapshot):
    return next(t for t in snap.timers if t.bpmn_id == "enterprise_response_timeout")


def test_a_new_instance_waits_for_the_bureau_to_assign_an_instructor(engine: Engine) -> None:
    _, snap = engine.start(BUNDLE, NATIONAL, {"opened_by": "sup1"})
    assert [(t.bpmn_id, t.lane) for t in snap.ready] == [("assign_instructor", "bureau")]
    assert snap.ready[0].form == "assignment"
    assert snap.ready[0].data["rules"] == "national-2004"
    assert snap.ready[0].data["opened_by"] == "sup1"
    assert snap.stage == "assignment"
    assert not snap.completed


def test_a_task_cannot_be_completed_twice(engine: Engine) -> None:
    wf, snap = engine.start(BUNDLE, NATIONAL, {})
    task_id = snap.ready[0].id
    engine.complete(wf, BUNDLE, NATIONAL, task_id, "bureau", {"instructor": "ins1", "assigned_on": RECEIVED})
    with pytest.raises(TaskNotAvailable) as info:
        engine.complete(wf, BUNDLE, NATIONAL, task_id, "bureau", {"instructor": "ins2", "assigned_on": RECEIVED})
    assert info.value.reason == "not_ready"
    assert "completed" in str(info.value)


def test_a_task_of_another_lane_is_refused_and_nothing_moves(engine: Engine) -> None:
    wf, snap = engine.start(BUNDLE, NATIONAL, {})
    before = engine.dump(wf)
    with pytest.raises(TaskNotAvailable) as info:
        engine.complete(wf, BUNDLE, NATIONAL, snap.ready[0].id, "union", {"instructor": "x"})
    assert info.value.reason == "wrong_lane"
    assert "bureau" in str(info.value)
    assert engine.snapshot(wf, BUNDLE, NATIONAL).ready[0].bpmn_id == "assign_instructor"
    assert json.loads(engine.dump(wf))["tasks"] == json.loads(before)["tasks"]


@pytest.mark.parametrize("task_id", [str(uuid4()), "not-a-uuid", ""])
def test_an_unknown_task_id_is_refused(engine: Engine, task_id: str) -> None:
    wf, _ = engine.start(BUNDLE, NATIONAL, {})
    with pytest.raises(TaskNotAvailable) as info:
        engine.complete(wf, BUNDLE, NATIONAL, task_id, "bureau", {})
    assert info.value.reason == "unknown"


def test_a_task_that_is_not_done_by_a_person_is_refused(engine: Engine) -> None:
    wf, _ = engine.start(BUNDLE, NATIONAL, {})
    start = next(t for t in wf.get_tasks() if t.task_spec.bpmn_id == "start")
    with pytest.raises(TaskNotAvailable) as info:
        engine.complete(wf, BUNDLE, NATIONAL, str(start.id), "instructor", {})
    assert info.value.reason == "not_manual"


def summary(snap: Snapshot) -> tuple:
    return ([(t.bpmn_id, t.lane, dict(t.data)) for t in snap.ready],
            [(t.bpmn_id, t.instant, t.attached_to) for t in snap.timers], snap.stage, snap.completed)


def test_a_restored_instance_continues_exactly_like_the_original(engine: Engine) -> None:
    with clock.frozen_at(local(RECEIVED)):
        wf, snap = to_proposal(engine)
        restored = engine.restore(BUNDLE, engine.dump(wf))
        assert summary(engine.snapshot(restored, BUNDLE, NATIONAL)) == summary(snap)
        assert [t.id for t in engine.snapshot(restored, BUNDLE, NATIONAL).ready] == [t.id for t in snap.ready]
        original = record_proposal(engine, wf, snap)
        again = record_proposal(engine, restored, snap)
    assert summary(again) == summary(original)
    assert [t.bpmn_id for t in again.ready] == ["enterprise_response"]


def test_the_dump_does_not_carry_the_process_definition(engine: Engine) -> None:
    with clock.frozen_at(local(RECEIVED)):
        wf, _ = to_proposal(engine)
    dump = engine.dump(wf)
    state = json.loads(dump)
    assert "spec" not in state
    assert "subprocess_specs" not in state
    assert "task_specs" not in dump
    embedded = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG)).serialize_json(wf)
    assert "task_specs" in embedded  # the comparison is with what the library would store
    assert len(dump) < len(embedded) / 3


def test_the_script_engine_is_reattached_after_restore(engine: Engine) -> None:
    """The response timer calls deadline(), which only exists in our script engine."""
    with clock.frozen_at(local(RECEIVED)):
        wf, snap = to_proposal(engine)
        restored = engine.restore(BUNDLE, engine.dump(wf))
        assert restored.script_engine is engine.script_engine
        after = record_proposal(engine, restored, snap)
    timer = response_timer(after)
    assert timer.instant == RESPONSE_DUE.astimezone(UTC)
    assert timer.attached_to == "enterprise_response"
    assert timer.explanation["due_on"] == "2026-03-23"
    assert timer.explanation["rolled_past"] == ["weekend"]


def test_the_response_timer_is_20_days_rolled_at_midnight_in_shanghai(engine: Engine) -> None:
    with clock.frozen_at(local(RECEIVED)):
        wf, snap = to_proposal(engine)
        snap = record_proposal(engine, wf, snap)
    instant = response_timer(snap).instant
    assert instant == datetime(2026, 3, 23, 16, 0, tzinfo=UTC)
    assert instant.astimezone(SHANGHAI).isoformat() == "2026-03-24T00:00:00+08:00"


def test_the_response_timer_fires_on_our_clock_and_not_a_minute_early(engine: Engine) -> None:
    with clock.frozen_at(local(RECEIVED)):
        wf, snap = to_proposal(engine)
        snap = record_proposal(engine, wf, snap)
    with clock.frozen_at(RESPONSE_DUE - timedelta(minutes=1)):
        early = engine.fire_timers(wf, BUNDLE, NATIONAL)
    assert [t.bpmn_id for t in early.ready] == ["enterprise_response"]
    assert early.fired == []
    with clock.frozen_at(RESPONSE_DUE + timedelta(minutes=1)):
        late = engine.fire_timers(wf, BUNDLE, NATIONAL)
    assert [(t.bpmn_id, t.lane) for t in late.ready] == [("bureau_intervention", "bureau")]
    assert late.fired == ["enterprise_response_timeout"]
    assert late.stage == "response"


def test_a_timer_due_long_ago_by_the_wall_clock_does_not_fire_while_our_clock_is_earlier(engine: Engine) -> None:
    """The proposal is from 2020; the clock says a day after receipt, so nothing is due yet."""
    with clock.frozen_at(local("2020-06-01")):
        wf, snap = to_proposal(engine)
        snap = engine.complete(wf, BUNDLE, NATIONAL, ready(snap, "record_proposal").id, "instructor",
                               {"proposing_side": "union", "received_on": "2020-05-31"})
        after = engine.fire_timers(wf, BUNDLE, NATIONAL)
    assert [t.bpmn_id for t in after.ready] == ["enterprise_response"]


def test_a_case_keeps_the_rule_set_snapshot_it_started_with(engine: Engine) -> None:
    data = NATIONAL.to_dict()
    data["clocks"]["response"]["amount"] = 5
    snapshot = RuleSet.from_dict(data)
    assert snapshot.name == NATIONAL.name == "national-2004"
    assert get_rule_set("national-2004").clocks["response"].amount == 20
    with clock.frozen_at(local(RECEIVED)):
        wf, snap = to_proposal(engine, snapshot)
        snap = record_proposal(engine, wf, snap, snapshot)
    timer = response_timer(snap)
    # 2026-03-02 + 5 days = Saturday 2026-03-07, rolled to Monday 2026-03-09; fires 2026-03-10 00:00.
    assert timer.instant == datetime(2026, 3, 10, 0, 0, tzinfo=SHANGHAI).astimezone(UTC)
    with clock.frozen_at(datetime(2026, 3, 10, 0, 1, tzinfo=SHANGHAI)):
        fired = engine.fire_timers(wf, BUNDLE, snapshot)
    assert [t.bpmn_id for t in fired.ready] == ["bureau_intervention"]


def test_the_built_in_rule_set_still_gives_20_days(engine: Engine) -> None:
    with clock.frozen_at(local(RECEIVED)):
        wf, snap = to_proposal(engine)
        snap = record_proposal(engine, wf, snap)
    assert response_timer(snap).instant == RESPONSE_DUE.astimezone(UTC)


def test_importing_the_engine_silences_the_spiff_loggers() -> None:
    """Spiff logs task data (personal data) at INFO; even with the root logger at INFO, nothing comes out."""
    script = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stderr)\n"
        "import workflows.engine as e\n"
        "from workflows.specs import SpecRegistry, read_directory\n"
        "from workflows.rulesets import get_rule_set\n"
        "b = SpecRegistry().load('wage_negotiation', read_directory('bpmn'))\n"
        "eng = e.Engine(); rs = get_rule_set()\n"
        "wf, s = eng.start(b, rs, {})\n"
        "eng.complete(wf, b, rs, s.ready[0].id, 'bureau', {'instructor': 'SECRET-NAME', 'assigned_on': '2026-03-02'})\n"
        "print(logging.getLogger('spiff').level, logging.getLogger('spiff.task').getEffectiveLevel())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.split() == ["30", "30"]
    assert "spiff" not in result.stderr
    assert "SECRET-NAME" not in result.stderr
