"""API latency over HTTP against gunicorn, next to the engine floor measured in the same run.

With `--cases` (default 10,000) cases in the database, a supervisor's client measures:
  - "list my tasks"  GET  /api/v1/tasks                 (the supervisor's inbox, first page)
  - "read a case"    GET  /api/v1/cases/<id>            (a random case of the district)
  - "complete"       POST /api/v1/tasks/<id>/complete   (assign an instructor: load + complete + save)
and prints median and p95 of each, and the ratio of "complete" to the engine's own load + complete +
serialise in memory (bench/engine_floor.py; target: at most 10).

    .venv/bin/python bench/api_latency.py [--cases 10000] [--n 300] [--workers 2]

SQLite by default (a temporary file); set WAGECASE_DATABASE_URL=postgresql+psycopg://... to run on
PostgreSQL (the database is emptied first).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine_floor import engine_floor, summary, timed  # noqa: E402

PASSWORD = "bench-password-2026"


def seed(database_url: str, cases: int) -> None:
    """A fresh schema with `cases` cases in one district, opened through the case service."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.accounts.passwords import hash_password
    from app.cases import service
    from app.extensions import db
    from app.models import District, Enterprise, User
    from workflows import clock

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        if database_url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        district = District(code="210102", name="和平区")
        supervisor = User(username="bench-supervisor", display_name="s", role="supervisor",
                          password_hash=hash_password(PASSWORD), created_at=clock.now(), districts=[district])
        instructor = User(username="bench-instructor", display_name="i", role="instructor", password_hash="x",
                          created_at=clock.now())
        enterprises = [Enterprise(credit_code=f"91BENCH{i:011d}", name=f"Bench Co {i}", district=district,
                                  industry="C", employees=100, women_employees=40, has_union=True,
                                  created_at=clock.now()) for i in range(max(1, cases // 10))]
        db.session.add_all([district, supervisor, instructor, *enterprises])
        db.session.commit()
        ids = [e.id for e in enterprises]
        actor_id = supervisor.id
        started = time.perf_counter()
        for i in range(cases):
            service.open_case(enterprise_ids=[ids[i % len(ids)]], actor=db.session.get(User, actor_id))
            if i % 500 == 0:
                db.session.remove()
        print(f"seeded {cases} cases in {time.perf_counter() - started:.1f} s")
        db.session.remove()
        with db.engine.connect() as conn:  # planner statistics, as autovacuum would have them by now
            conn.execute(text("ANALYZE"))
            conn.commit()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str, port: int, workers: int,
                 settings: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Gunicorn with the production settings (plus `settings`, as WAGECASE_<NAME>) once it accepts connections."""
    env = {**os.environ, "WAGECASE_ENV": "production", "WAGECASE_DATABASE_URL": database_url,
           "WAGECASE_SECRET_KEY": "bench-" + "x" * 40, "WAGECASE_ARGON2_MEMORY_KIB": "8192",
           **{f"WAGECASE_{name}": value for name, value in (settings or {}).items()}}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "app:create_app()"], cwd=ROOT, env=env)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gunicorn did not start")


class Client:
    """One keep-alive HTTP connection, like a browser's or an integration's."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}

    def call(self, method: str, path: str, body: object = None, expect: int = 200) -> object:
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
        response = self.conn.getresponse()
        payload = response.read()
        if response.status != expect:
            raise SystemExit(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload) if payload else None


def measure(port: int, n: int) -> dict[str, list[float]]:
    client = Client(port)
    token = client.call("POST", "/api/v1/auth/tokens", {"username": "bench-supervisor", "password": PASSWORD},
                        expect=201)
    client.headers["Authorization"] = f"Bearer {token['token']}"  # type: ignore[index]
    first = client.call("GET", "/api/v1/tasks?per_page=200")
    total = first["total"]  # type: ignore[index]
    print(f"the supervisor's inbox holds {total} tasks")
    case_ids = [t["case"]["id"] for t in first["items"]]  # type: ignore[index]
    pending = list(first["items"])  # type: ignore[index]
    page = 2
    while len(pending) < n + 20:
        more = client.call("GET", f"/api/v1/tasks?per_page=200&page={page}")["items"]  # type: ignore[index]
        if not more:
            break
        pending.extend(more)
        page += 1
    rng = random.Random(7)
    today = time.strftime("%Y-%m-%d", time.localtime())

    def complete() -> None:
        task = pending.pop()
        client.call("POST", f"/api/v1/tasks/{task['id']}/complete",
                    {"instructor": "bench-instructor", "assigned_on": today})

    return {
        "list my tasks": timed(lambda: client.call("GET", "/api/v1/tasks"), n),
        "read a case": timed(lambda: client.call("GET", f"/api/v1/cases/{rng.choice(case_ids)}"), n),
        "complete": timed(complete, min(n, len(pending) - 20)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=300, help="requests per operation")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("TZ", "Asia/Shanghai")
    floor = engine_floor(args.n)["complete"]
    floor_median = summary(floor)[0]
    print(f"engine floor: load + complete + serialise in memory, median {floor_median * 1000:.3f} ms")
    url = os.environ.get("WAGECASE_DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp:
        database = url if url.startswith("postgresql") else f"sqlite:///{tmp}/bench.db"
        seed(database, args.cases)
        port = free_port()
        server = start_server(database, port, args.workers)
        try:
            results = measure(port, args.n)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    print(f"\n{'database':<10} {database.split(':')[0]}, {args.cases} cases, gunicorn {args.workers} workers")
    for name, samples in results.items():
        med, p95 = summary(samples)
        line = f"{name:<15} median {med * 1000:8.2f} ms   p95 {p95 * 1000:8.2f} ms"
        if name == "complete":
            line += f"   ratio to the engine floor (median) {med / floor_median:6.2f}  (target <= 10)"
        print(line)


if __name__ == "__main__":
    main()
