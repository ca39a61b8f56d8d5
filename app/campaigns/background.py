"""Carry a launch on in a thread of the web process, so its progress bar moves at once.

The launch is resumable and its batches lock the campaign (launch.py), so this thread is only the
quickest of the launchers: the deadline sweep, or `flask launch-campaign`, carries on a launch this
thread did not finish (the worker restarted, a batch failed). With `wait=False` the thread passes
over a campaign another launcher holds right now instead of queueing behind it.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from ..extensions import db
from . import launch

log = logging.getLogger(__name__)


def continue_in_background(campaign_id: int) -> threading.Thread:
    """Start running the launch's batches in a daemon thread with its own app context and session."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                launch.run_launch(campaign_id, wait=False)
            except Exception:
                log.exception("the launch of campaign %s stopped; the deadline sweep carries it on", campaign_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name=f"launch-campaign-{campaign_id}", daemon=True)
    thread.start()
    return thread
