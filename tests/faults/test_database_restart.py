"""PostgreSQL restarted while the app is under load: it recovers by itself and loses nothing it acknowledged.

Gunicorn serves the app on the test's database; clients keep adding comments to a case through the API.
Halfway, the database server is restarted (`pg_ctlcluster ... restart`, as an operator or a package
upgrade does). While it is down, requests may fail; once it is back, no request gets a 5xx (connections are
checked before use, so a worker's stale connection is replaced, not used); a request that meets the database
down is answered 503 with Retry-After, not as a fault of the app; and every comment the API answered 201 for
before, during or after the restart is in the database.

PostgreSQL only, and only where this machine's cluster can be restarted (root with pg_ctlcluster, as on
CI): restarting someone else's database server is not a test's business.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.accounts import tokens
from app.extensions import db
from app.models import Comment
from tests.conftest import USING_POSTGRES, World
from tests.faults.server import post_json, wait_until
from tests.helpers import open_case

CLUSTERS = Path("/etc/postgresql")
pytestmark = pytest.mark.skipif(
    not (USING_POSTGRES and os.geteuid() == 0 and shutil.which("pg_ctlcluster") and CLUSTERS.is_dir()),
    reason="restarts the machine's own PostgreSQL cluster (root and pg_ctlcluster, as on CI)")
CLIENTS = 4


def restart_postgres() -> None:
    version = sorted(p.name for p in CLUSTERS.iterdir())[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "--", "-m", "fast"],
                   check=True, capture_output=True, timeout=120)


def test_the_app_rides_out_a_database_restart_without_losing_an_acknowledged_change(
        app: Flask, world: World, gunicorn: Any) -> None:
    _, base = gunicorn
    case = open_case(world, "2026-03-02")
    token, _ = tokens.issue(world.union)
    db.session.commit()
    case_id = case.id
    url = f"{base}/api/v1/cases/{case_id}/comments"
    db.session.close()  # the test's own connection is not held across the restart
    state = {"phase": "before"}  # before -> down -> back
    results: list[tuple[str, str, int | None]] = []  # (phase at send, body, status or None)
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        sent = 0
        while not stop.is_set():
            body = f"client {number} comment {sent}"
            phase = state["phase"]
            try:
                status, _ = post_json(url, token, {"body": body})
            except OSError:
                status = None
            with lock:
                results.append((phase, body, status))
            sent += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    wait_until(lambda: sum(1 for r in results if r[2] == 201) >= 40, "comments before the restart")
    state["phase"] = "down"
    restart_postgres()
    state["phase"] = "back"
    back_since = len(results)
    wait_until(lambda: sum(1 for r in results[back_since:] if r[2] == 201) >= 40, "comments after the restart")
    stop.set()
    for thread in threads:
        thread.join(60)

    # While it was down, a request was refused as "unavailable, try again" (503), never as the app's own fault.
    down = [status for phase, _, status in results if phase == "down" and status is not None and status >= 500]
    assert set(down) <= {503}, sorted(set(down))
    after = [r for r in results[back_since:] if r[0] == "back"]
    failed_after = [r for r in after if r[2] is None or r[2] >= 500]
    assert not failed_after, f"{len(failed_after)} of {len(after)} requests failed once the database was back: " \
                             f"{failed_after[:5]}"
    stored = set(db.session.execute(select(Comment.body).where(Comment.case_id == case_id)).scalars())
    acknowledged = {body for _, body, status in results if status == 201}
    assert len(acknowledged) >= 80
    assert acknowledged <= stored, f"acknowledged but lost: {sorted(acknowledged - stored)[:5]}"
    assert {r[0] for r in results if r[2] == 201} >= {"before", "back"}
