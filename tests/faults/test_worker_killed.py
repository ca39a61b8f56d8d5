"""A web worker killed in the middle of a task completion: the case is either fully advanced or untouched.

The app runs under gunicorn on the test's database. The test holds a lock that the completion's writes wait
for, so the worker stops inside its transaction, before it can commit; then the worker is killed with
SIGKILL and the lock let go. The database drops the half-done transaction, so every row of the case is as it
was; gunicorn starts a new worker, and the same request then completes the step whole.

- PostgreSQL: a lock on the task table. The completion has already written the audit event and the case
  (its transaction has an id) when it waits for the steps' update, which pg_stat_activity shows.
- SQLite: the write lock of the whole file (BEGIN IMMEDIATE). The completion waits at its first write, in
  SQLite's busy handler (5 s): the worker is asleep inside its request, past its reads, and cannot answer.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

from app.accounts import tokens
from app.audit.service import verify
from app.extensions import db
from app.models import Case
from tests.conftest import USING_POSTGRES, World
from tests.faults.server import WAIT_SECONDS, children, post_json, wait_until
from tests.helpers import open_case, ready_ids, ready_tasks
from tests.service.flows import form, snapshot_rows, walk_until

# Well past a completion's own work (about 50 ms), well before SQLite's 5 s busy timeout gives up.
SQLITE_WAIT_SECONDS = 1.5


def waiting_write() -> dict[str, Any] | None:
    """PostgreSQL: the server process of a request stopped at its write of the steps, and its transaction id."""
    row = db.session.execute(text(
        "SELECT pid, backend_xid::text AS xid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE case_task%'")).mappings().first()
    db.session.rollback()
    return dict(row) if row else None


@contextmanager
def held_on_postgres() -> Iterator[Callable[[int], None]]:
    """Hold the task table; the callable waits until the worker is stopped after its first writes."""
    blocker = db.engine.connect()
    blocker.execute(text("LOCK TABLE case_task IN SHARE MODE"))  # writes of steps wait; reads go on
    stopped: dict[str, Any] = {}

    def wait_for_worker(_worker: int) -> None:
        stopped.update(wait_until(waiting_write, "the completion to reach its write of the steps"))
        assert stopped["xid"] is not None, "the worker had not written anything yet"

    try:
        yield wait_for_worker
    finally:
        blocker.rollback()
        blocker.close()
    if stopped:
        wait_until(lambda: waiting_write() is None and _backend_gone(stopped["pid"]), "the dead request to end")


@contextmanager
def held_on_sqlite(app: Flask) -> Iterator[Callable[[int], None]]:
    """Hold the database file's write lock; the callable waits until the worker sleeps at its first write."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    sent = time.monotonic()

    def wait_for_worker(worker: int) -> None:
        time.sleep(max(0.0, sent + SQLITE_WAIT_SECONDS - time.monotonic()))
        wait_until(lambda: _sleeping(worker), "the worker to wait for the write lock")

    try:
        yield wait_for_worker
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def _sleeping(pid: int) -> bool:
    """Is the process asleep (state S), as in SQLite's busy handler, rather than running?"""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "S"


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
    case_id = case.id
    db.session.close()  # the test's own connection holds no lock while the worker runs

    [worker] = children(server.pid)
    answers: list[Any] = []
    with held_on_postgres() if USING_POSTGRES else held_on_sqlite(app) as wait_for_worker:
        request = threading.Thread(target=lambda: answers.append(_attempt(url, token, body)), daemon=True)
        request.start()
        wait_for_worker(worker)
        assert not answers, f"the completion answered while the lock was held: {answers}"
        os.kill(worker, signal.SIGKILL)
        request.join(WAIT_SECONDS)
    assert answers and answers[0][0] is None, f"the killed request got an answer: {answers}"

    assert snapshot_rows() == before  # untouched: no task, case, audit or document row changed
    case = db.session.get(Case, case_id)
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
