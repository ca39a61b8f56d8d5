"""Every timer fires exactly once: with two scheduler processes at once, and across a sweep killed halfway.

A statutory clock that fires twice sends the bureau two interventions and the overseers two alarms;
one that never fires leaves a case waiting forever. Both are invisible in a single-process test, so
these tests use real processes: spawned children, and the `flask run-deadlines` command killed with
SIGKILL in the middle of its work, as a crash or an out-of-memory kill would.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections import Counter
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from app.audit.service import verify
from app.deadlines.jobs import fire_due_timers, sweep
from app.extensions import db
from app.models import AuditEvent, Case, CaseTask, Notification
from tests.conftest import USING_POSTGRES, World, at
from tests.helpers import open_case
from tests.processes import kill_when, start_flask
from tests.service.flows import step, walk_until

from . import sweeper

WAIT_SECONDS = 120


# ---------------------------------------------------------------------------- making due cases
def awaiting_instructor(world: World, count: int) -> list[int]:
    """`count` cases whose instructor, assigned on Monday 2 March 2026, owes an answer in 3 working days."""
    ids = []
    for _ in range(count):
        case = open_case(world, on="2026-03-02")
        step(case, world, "assign_instructor", "2026-03-02")
        ids.append(case.id)
    db.session.commit()
    return ids


def awaiting_response(world: World, count: int, received_on: str) -> list[int]:
    """`count` cases whose enterprise owes a written response 20 days after the proposal of `received_on`."""
    ids = []
    for _ in range(count):
        case = open_case(world, on="2026-03-02")
        walk_until(case, world, "record_proposal", "2026-03-02")
        step(case, world, "record_proposal", received_on)
        ids.append(case.id)
    db.session.commit()
    return ids


# ---------------------------------------------------------------------------- reading the outcome
def timer_events(case_ids: list[int]) -> dict[int, list[str]]:
    """The timers each case's audit trail says fired, in order."""
    rows = db.session.execute(select(AuditEvent.case_id, AuditEvent.payload).where(
        AuditEvent.kind == "timer_fired", AuditEvent.case_id.in_(case_ids)).order_by(AuditEvent.id))
    fired: dict[int, list[str]] = {case_id: [] for case_id in case_ids}
    for case_id, payload in rows:
        fired[case_id].append(payload["element"])
    return fired


def task_rows_by_case(case_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Every task row of each case as (bpmn id, state), sorted."""
    rows: dict[int, list[tuple[str, str]]] = {case_id: [] for case_id in case_ids}
    for case_id, bpmn_id, state in db.session.execute(select(CaseTask.case_id, CaseTask.bpmn_id, CaseTask.state)
                                                       .where(CaseTask.case_id.in_(case_ids))):
        rows[case_id].append((bpmn_id, state))
    return {case_id: sorted(found) for case_id, found in rows.items()}


def notified(case_ids: list[int]) -> dict[int, Counter[tuple[str, int]]]:
    """How many notifications about each case went to whom: {case: {(kind, user id): count}}."""
    told: dict[int, Counter[tuple[str, int]]] = {case_id: Counter() for case_id in case_ids}
    for case_id, kind, user_id, count in db.session.execute(
            select(Notification.case_id, Notification.kind, Notification.user_id, func.count())
            .where(Notification.case_id.in_(case_ids))
            .group_by(Notification.case_id, Notification.kind, Notification.user_id)):
        told[case_id][(kind, user_id)] = count
    return told


def versions(case_ids: list[int]) -> dict[int, int]:
    """Each case's optimistic-lock version: how many changes it has been through."""
    return dict(db.session.execute(select(Case.id, Case.lock_version).where(Case.id.in_(case_ids))).all())


def half_made(case_ids: list[int], old_task: str, new_task: str) -> list[int]:
    """Cases caught between two states: a timer event without its move, or a move without its event.

    A case has either not fired (old task ready, new task absent, no event, nobody told) or fired in
    whole (old task cancelled, new task ready, one event, the overseers told); nothing in between.
    """
    fired, tasks, told = timer_events(case_ids), task_rows_by_case(case_ids), notified(case_ids)
    wrong = []
    for case_id in case_ids:
        ready = {bpmn_id for bpmn_id, state in tasks[case_id] if state == "ready"}
        passed = sum(n for (kind, _), n in told[case_id].items() if kind == "deadline_passed")
        whole = (bool(fired[case_id]) and old_task not in ready and new_task in ready and passed > 0)
        untouched = (not fired[case_id] and old_task in ready and new_task not in ready and passed == 0)
        if not (whole or untouched):
            wrong.append(case_id)
    return wrong


class EndState(NamedTuple):
    """What people would see of a case after the sweep, free of ids and instants."""

    stage: str
    status: str
    ready: tuple[str, ...]
    tasks: tuple[tuple[str, str], ...]
    timers_fired: tuple[str, ...]
    audit_kinds: tuple[tuple[str, int], ...]
    notifications: tuple[tuple[str, int, int], ...]
    changes: int
    timer_pending: bool
    instructor_id: int | None


def end_states(case_ids: list[int], before: dict[int, int]) -> dict[int, EndState]:
    """Each case's end state; `changes` counts the versions since `before` (one per transaction)."""
    db.session.rollback()
    db.session.expire_all()
    fired, tasks, told = timer_events(case_ids), task_rows_by_case(case_ids), notified(case_ids)
    kinds: dict[int, Counter[str]] = {case_id: Counter() for case_id in case_ids}
    for case_id, kind in db.session.execute(select(AuditEvent.case_id, AuditEvent.kind)
                                            .where(AuditEvent.case_id.in_(case_ids))):
        kinds[case_id][kind] += 1
    cases = db.session.execute(select(Case).where(Case.id.in_(case_ids))).scalars()
    return {case.id: EndState(
        stage=case.stage, status=case.status,
        ready=tuple(sorted(b for b, state in tasks[case.id] if state == "ready")),
        tasks=tuple(tasks[case.id]),
        timers_fired=tuple(fired[case.id]),
        audit_kinds=tuple(sorted(kinds[case.id].items())),
        notifications=tuple(sorted((kind, user, n) for (kind, user), n in told[case.id].items())),
        changes=case.lock_version - before[case.id],
        timer_pending=case.next_timer_at is not None,
        instructor_id=case.instructor_id,
    ) for case in cases}


# ---------------------------------------------------------------------------- two schedulers
def collect(children: list[BaseProcess], results: Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each child's report; fails naming the child that crashed, hung, or reported an error."""
    deadline = time.monotonic() + WAIT_SECONDS
    reports: list[dict[str, Any]] = []
    while len(reports) < len(children):
        try:
            reports.append(results.get(timeout=0.5))
        except queue.Empty:
            dead = [c for c in children if c.exitcode not in (None, 0)]
            if dead:
                pytest.fail(f"{dead[0].name} died with exit code {dead[0].exitcode} before reporting")
            if time.monotonic() > deadline:
                pytest.fail(f"the schedulers did not finish within {WAIT_SECONDS} s")
    for child in children:
        child.join(WAIT_SECONDS)
        assert child.exitcode == 0, f"{child.name} ended with exit code {child.exitcode}"
    errors = [r["error"] for r in reports if "error" in r]
    if errors:
        pytest.fail("a scheduler process failed:\n" + "\n".join(errors))
    return reports


def test_two_scheduler_processes_fire_each_of_500_timers_once(app: Flask, world: World) -> None:
    """On PostgreSQL the two share the work without ever claiming the same case (SKIP LOCKED). SQLite
    has no row locks and production runs one scheduler there; two at once still fire nothing twice, as
    the case's version column turns the slower writer into a conflict, which it skips."""
    case_ids = awaiting_instructor(world, 500)
    as_of = at("2026-03-06", 1)  # the three working days ended with Thursday 5 March
    assert db.session.execute(select(func.count()).select_from(Case).where(Case.next_timer_at <= as_of)).scalar() == 500
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2, timeout=WAIT_SECONDS), context.Queue()
    children = [context.Process(target=sweeper.fire_when_all_ready, name=f"scheduler-{n}",
                                args=(app.config["SQLALCHEMY_DATABASE_URI"], as_of, start, results))
                for n in (1, 2)]
    try:
        for child in children:
            child.start()
        reports = collect(children, results)
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
                child.join(10)

    advanced = [r["cases_advanced"] for r in reports]
    assert sum(advanced) == 500, advanced
    if USING_POSTGRES:
        assert [r["failed_cases"] for r in reports] == [[], []]  # nobody even tried a case held by the other
        assert min(advanced) > 0, f"one scheduler did all the work, nothing was shared: {advanced}"

    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.kind == "timer_fired")).scalar_one() == 500
    not_once = {c: f for c, f in timer_events(case_ids).items() if f != ["answer_due"]}
    assert not not_once, f"cases whose timer did not fire exactly once: {dict(list(not_once.items())[:5])}"

    # Released once: the silent instructor's step cancelled, one new assignment waiting for the bureau.
    released = [("accept_assignment", "cancelled"), ("assign_instructor", "completed"), ("assign_instructor", "ready")]
    wrong = {c: rows for c, rows in task_rows_by_case(case_ids).items() if rows != released}
    assert not wrong, f"cases not handed back to the bureau exactly once: {dict(list(wrong.items())[:5])}"
    assert db.session.execute(select(func.count()).select_from(Case).where(
        Case.id.in_(case_ids), Case.instructor_id.is_(None), Case.next_timer_at.is_(None))).scalar_one() == 500

    alarms = {c: Counter({user: n for (kind, user), n in told.items() if kind == "deadline_passed"})
              for c, told in notified(case_ids).items()}
    people = set(alarms[case_ids[0]])
    assert world.supervisor.id in people and world.other_supervisor.id not in people
    told_twice_or_not = {c: dict(n) for c, n in alarms.items() if set(n) != people or set(n.values()) != {1}}
    assert not told_twice_or_not, f"overseers not told once each: {dict(list(told_twice_or_not.items())[:5])}"
    assert half_made(case_ids, "accept_assignment", "assign_instructor") == []
    assert verify().ok


# ---------------------------------------------------------------------------- a sweep killed halfway
def fired_among(case_ids: list[int]) -> int:
    """How many of the cases have a committed timer event, read on a fresh connection and transaction."""
    with db.engine.connect() as connection:
        return connection.execute(select(func.count(func.distinct(AuditEvent.case_id))).where(
            AuditEvent.kind == "timer_fired", AuditEvent.case_id.in_(case_ids))).scalar_one()


def wait_for_the_dead_run_to_let_go() -> None:
    """On PostgreSQL the killed client's server process rolls back and drops its row locks when it
    notices the closed connection: wait for that, or the rerun would pass over a still-locked case."""
    if not USING_POSTGRES:
        return  # the operating system released the dead process's file locks when it died
    held = text("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE d.datname = current_database() AND l.pid <> pg_backend_pid() "
                "AND l.mode IN ('RowShareLock', 'RowExclusiveLock')")
    deadline = time.monotonic() + 30
    while True:
        with db.engine.connect() as connection:
            if connection.execute(held).scalar_one() == 0:
                return
        assert time.monotonic() < deadline, "the killed sweep's transaction still holds locks after 30 s"
        time.sleep(0.01)


def test_a_sweep_killed_halfway_and_rerun_ends_as_an_uninterrupted_one(app: Flask, world: World,
                                                                        tmp_path: Path) -> None:
    # The controls' proposals arrived on 4 March, the victims' on 11 March: the 20 days for a written
    # response end on 24 March for the controls, on 31 March for the victims. As of 25 March only the
    # controls are due (and no reminder of the victims' step is due yet); as of 1 April all victims are.
    as_of_1, as_of_2 = at("2026-03-25", 1), at("2026-04-01", 1)
    controls = awaiting_response(world, 5, "2026-03-04")
    victims = awaiting_response(world, 300, "2026-03-11")
    before = versions(controls + victims)

    uninterrupted = sweep(as_of_1)
    assert (uninterrupted.cases_advanced, uninterrupted.reminders, uninterrupted.failed_cases) == (5, 0, [])
    assert fired_among(victims) == 0

    output = tmp_path / "run-deadlines.out"
    proc = start_flask(app, ["run-deadlines", "--as-of", as_of_2.isoformat(), "--force"], output)
    kill_when(proc, lambda: fired_among(victims) >= len(victims) // 3, output, "the sweep")
    wait_for_the_dead_run_to_let_go()
    db.session.rollback()
    fired_before_rerun = fired_among(victims)
    assert 0 < fired_before_rerun < len(victims), "the kill did not land in the middle of the sweep"
    assert half_made(victims, "enterprise_response", "bureau_intervention") == []

    rerun = sweep(as_of_2)
    assert (rerun.cases_advanced, rerun.failed_cases) == (len(victims) - fired_before_rerun, [])
    assert fire_due_timers(as_of_2).cases_advanced == 0

    states = end_states(controls + victims, before)
    overseers = (world.instructor, world.supervisor)  # the district's other supervisor is not told
    expected = states[controls[0]]
    assert expected == EndState(
        stage="response", status="active", ready=("bureau_intervention",),
        tasks=(("accept_assignment", "completed"), ("assign_instructor", "completed"), ("bureau_intervention", "ready"),
               ("enterprise_response", "cancelled"), ("record_proposal", "completed")),
        timers_fired=("enterprise_response_timeout",),
        audit_kinds=(("case_opened", 1), ("task_completed", 3), ("timer_fired", 1)),
        notifications=tuple(sorted(("deadline_passed", person.id, 1) for person in overseers)),
        changes=1, timer_pending=False, instructor_id=world.instructor.id)
    unlike = {c: s for c, s in states.items() if s != expected}
    assert not unlike, f"{len(unlike)} case(s) end unlike an uninterrupted sweep, e.g. {next(iter(unlike.items()))}"
    assert half_made(controls + victims, "enterprise_response", "bureau_intervention") == []
    assert verify().ok
