"""A web worker killed in the middle of a task completion: the case is either fully advanced or untouched.

The app runs under gunicorn on the test's PostgreSQL database. The test holds a lock on the task table, so
the worker's completion stops inside its transaction, after it has written the audit event and the case
(its transaction has an id) and before it can write the steps and commit. Then the worker is killed with
SIGKILL and the lock let go: the database rolls the half-done transaction back, so every row of the case is
as it was. Gunicorn starts a new worker, and the same request then completes the step whole.

PostgreSQL only: its lock and activity views are what stop the worker at a known point; on SQLite one
writer at a time makes the same guarantee by the database file's lock.
"""

from __future__ import annotations

import os
import signal
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from app.accounts import tokens
from app.audit.service import verify
from app.extensions import db
from tests.conftest import USING_POSTGRES, World
from tests.faults.server import WAIT_SECONDS, children, post_json, wait_until
from tests.helpers import open_case, ready_ids, ready_tasks
from tests.service.flows import form, snapshot_rows, walk_until

pytestmark = pytest.mark.skipif(not USING_POSTGRES, reason="stops a worker with PostgreSQL's table locks")
def waiting_write() -> dict[str, Any] | None:
    """The server process of a request stopped at its write of the steps, and whether it has written before."""
    row = db.session.execute(text(
        "SELECT pid, backend_xid::text AS xid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE case_task%'")).mappings().first()
    db.session.rollback()
    return dict(row) if row else None


def test_a_worker_killed_mid_completion_leaves_the_case_untouched_and_the_retry_completes_it(
        app: Flask, world: World, gunicorn: Any) -> None:
    server, base = gunicorn
    case = open_case(world, "2026-03-02")
    walk_until(case, world, "record_proposal", "2026-03-02")
    task = next(t for t in ready_tasks(case) if t.bpmn_id == "record_proposal")
    token, _ = tokens.issue(world.instructor)
    db.session.commit()
    url = f"{base}/api/v1/tasks/{task.id}/complete"
    body = form("record_proposal", "2026-03-03")
    before = snapshot_rows()

    blocker = db.engine.connect()
    blocker.execute(text("LOCK TABLE case_task IN SHARE MODE"))  # writes of steps wait; reads go on
    answers: list[Any] = []
    request = threading.Thread(target=lambda: answers.append(_attempt(url, token, body)), daemon=True)
    request.start()
    try:
        stopped = wait_until(waiting_write, "the completion to reach its write of the steps")
        assert stopped["xid"] is not None, "the worker had not written anything yet"
        for worker in children(server.pid):
            os.kill(worker, signal.SIGKILL)
    finally:
        blocker.rollback()
        blocker.close()
    request.join(WAIT_SECONDS)
    assert answers and answers[0][0] is None, f"the killed request got an answer: {answers}"
    wait_until(lambda: waiting_write() is None and _backend_gone(stopped["pid"]), "the dead request to roll back")

    assert snapshot_rows() == before  # untouched: no task, case, audit or document row changed
    assert ready_ids(case) == ["record_proposal"]

    status, answer = wait_until(lambda: _retry(url, token, body), "a new worker to complete the step")
    assert status == 200, answer
    assert "record_proposal" not in ready_ids(case)
    assert verify().ok


def _attempt(url: str, token: str, body: dict[str, Any]) -> tuple[int | None, Any]:
    try:
        return post_json(url, token, body)
    except (OSError, urllib.error.URLError) as error:  # the connection dies with the worker
        return None, repr(error)


def _retry(url: str, token: str, body: dict[str, Any]) -> tuple[int, Any] | None:
    status, answer = _attempt(url, token, body)
    return None if status is None else (status, answer)


def _backend_gone(pid: int) -> bool:
    gone = db.session.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                              {"pid": pid}).scalar_one() == 0
    db.session.rollback()
    return gone
