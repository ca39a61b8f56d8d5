"""APScheduler running the deadline sweep and the mail sender: in the web process or in its own.

`flask run-scheduler` runs them in a process of their own (production: any number of them against
PostgreSQL, since every job claims its rows). With SCHEDULER_IN_WEB (the single-machine default)
each web process starts a background scheduler on its first request, after any fork of the server.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from workflows import clock

from ..extensions import db

log = logging.getLogger(__name__)


def _in_app(app: Flask, job: Callable[[], Any], name: str) -> Callable[[], None]:
    """Run a job inside an app context with a fresh session, and log what it did."""

    def run() -> None:
        with app.app_context():
            try:
                result = job()
                log.info("%s: %s", name, result)
            finally:
                db.session.remove()

    return run


def _sweep() -> Any:
    from .jobs import sweep

    return sweep(clock.now())


def _send_mail() -> Any:
    from ..notifications.mailer import send_pending

    return send_pending(clock.now())


def build(app: Flask, *, blocking: bool) -> BaseScheduler:
    """A scheduler with the deadline sweep and, when e-mail is on, the mail sender.

    One instance of each job at a time, a missed run coalesced into one: a sweep that takes longer
    than its interval is never stacked behind itself.
    """
    kind = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = kind(timezone=app.config["TIMEZONE"],
                     job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    scheduler.add_job(_in_app(app, _sweep, "deadline sweep"), "interval", id="deadline_sweep",
                      seconds=app.config["DEADLINE_SWEEP_SECONDS"], next_run_time=clock.now())
    if app.config["MAIL_ENABLED"]:
        scheduler.add_job(_in_app(app, _send_mail, "mail"), "interval", id="send_mail",
                          seconds=app.config["MAIL_SEND_SECONDS"], next_run_time=clock.now())
    return scheduler


_started: dict[int, BaseScheduler] = {}
_lock = threading.Lock()


def start_in_web(app: Flask) -> None:
    """Start this process's background scheduler on its first request (a forked worker gets its own)."""

    @app.before_request
    def _ensure_scheduler() -> None:
        pid = os.getpid()
        if pid in _started:
            return
        with _lock:
            if pid not in _started:
                scheduler = build(app, blocking=False)
                scheduler.start()
                _started[pid] = scheduler
                log.info("deadline scheduler started in web process %s", pid)
