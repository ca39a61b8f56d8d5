"""The scheduler really runs the sweep: in the web process (started by the first request) and as
`flask run-scheduler`, its own process, stopped by Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from flask import Flask

from app import create_app
from app.deadlines import scheduler as scheduler_module
from app.deadlines.scheduler import build
from app.extensions import db
from app.models import Case
from tests.helpers import ready_ids
from tests.processes import ROOT, flask_env
from tests.service.flows import proposal_received
from workflows import clock


def wait_until(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Poll `condition` (each time on a fresh session) until it holds or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.remove()
        if condition():
            return True
        time.sleep(0.1)
    return False


def overdue_case(world) -> Case:
    """A case whose written response was due weeks before the real today (the scheduler reads the wall clock)."""
    received = date.today() - timedelta(days=60)
    case = proposal_received(world, received.isoformat(), received.isoformat())
    clock.set_global(None)
    return case


def at_bureau(case_id: int) -> bool:
    return ready_ids(db.session.get(Case, case_id)) == ["bureau_intervention"]


@pytest.fixture
def quick_sweeps(app: Flask) -> Iterator[None]:
    saved = app.config["DEADLINE_SWEEP_SECONDS"], app.config["MAIL_ENABLED"]
    app.config["DEADLINE_SWEEP_SECONDS"] = 1
    yield
    app.config["DEADLINE_SWEEP_SECONDS"], app.config["MAIL_ENABLED"] = saved


def test_the_scheduler_has_one_sweep_and_a_mail_job_only_when_mail_is_on(app: Flask, quick_sweeps: None) -> None:
    app.config["MAIL_ENABLED"] = False
    assert [(j.id, j.trigger.interval.total_seconds()) for j in build(app, blocking=False).get_jobs()] == [
        ("deadline_sweep", 1.0)]
    app.config["MAIL_ENABLED"] = True
    assert [j.id for j in build(app, blocking=False).get_jobs()] == ["deadline_sweep", "send_mail"]


def test_a_background_scheduler_fires_what_is_due(app: Flask, world, quick_sweeps: None) -> None:
    case = overdue_case(world)
    scheduler = build(app, blocking=False)
    scheduler.start()
    try:
        assert wait_until(lambda: at_bureau(case.id)), "the scheduler never fired the due timer"
    finally:
        scheduler.shutdown(wait=True)


def test_the_web_process_starts_its_scheduler_on_the_first_request(app: Flask, world) -> None:
    case = overdue_case(world)
    web = create_app({"ENV_NAME": "testing", "SCHEDULER_IN_WEB": True, "DEADLINE_SWEEP_SECONDS": 1,
                      "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert os.getpid() not in scheduler_module._started
    try:
        assert web.test_client().get("/healthz").status_code == 200
        assert os.getpid() in scheduler_module._started
        assert wait_until(lambda: at_bureau(case.id)), "the web process's scheduler never fired the due timer"
        web.test_client().get("/healthz")
        assert len(scheduler_module._started) == 1  # one per process, not one per request
    finally:
        started = scheduler_module._started.pop(os.getpid(), None)
        if started is not None:
            started.shutdown(wait=True)


def test_flask_run_scheduler_runs_in_its_own_process_until_interrupted(app: Flask, world) -> None:
    case = overdue_case(world)
    env = flask_env(app, DEADLINE_SWEEP_SECONDS="1")
    process = subprocess.Popen([sys.executable, "-m", "flask", "run-scheduler"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_until(lambda: at_bureau(case.id), seconds=60), "flask run-scheduler never fired the due timer"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "scheduler: sweep every 1 s" in output
    assert "scheduler stopped" in output
