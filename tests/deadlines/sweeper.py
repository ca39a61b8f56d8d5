"""What one scheduler process does in the exactly-once tests, runnable as a spawned child process.

A spawned child shares nothing with the test process but the database: it builds its own app, so its
own engine, connections and session, as a second `flask run-scheduler` on another machine would.
It reports through a queue instead of raising, so the test can say what went wrong in the child.
"""

from __future__ import annotations

import os
import traceback
from datetime import datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from sqlalchemy import text


def fire_when_all_ready(database_uri: str, as_of: datetime, start: Barrier, results: Queue[dict[str, Any]]) -> None:
    """Fire every timer due by `as_of`, starting at the same moment as the other children.

    The app is built and its database connection opened before the barrier, so neither child gets a
    head start from the other's slower start-up and they really compete for the same due cases.
    """
    try:  # imported here, so that even an import error reaches the test through the queue
        from app import create_app
        from app.deadlines.jobs import fire_due_timers
        from app.extensions import db

        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_uri})
        with app.app_context():
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
            start.wait()
            report = fire_due_timers(as_of)
            db.session.remove()
            db.engine.dispose()  # close the connections now, not whenever the process is reaped
        results.put({"pid": os.getpid(), "cases_advanced": report.cases_advanced,
                     "failed_cases": report.failed_cases})
    except BaseException:
        start.abort()  # the other child must not wait for this one at the barrier
        results.put({"pid": os.getpid(), "error": traceback.format_exc()})
