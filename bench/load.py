"""Load: the app under gunicorn on PostgreSQL with 1,000 cases, then 100,000, driven by concurrent clients.

What it measures is whether the people's pages stay as fast when the city has a hundred times more cases.
The people measured work in one district (the test suite's world: 和平区, its supervisor, instructor and
representatives) on 350 cases of their own, walked through the case service to every stage; the rest of
the city is a second district whose cases (copies, made inside the database, of a case waiting for its
instructor there) fill the database up to each size. A page that reads by index costs the same at both
sizes; one that scans the city shows up as a ratio above 1.

The mix, from `--clients` threads on loopback, each signed in as the people it plays (web pages by session
cookie, as a browser; the completion by bearer token, as an integration):

  30 % inbox (the instructor)   10 % inbox (the union rep)   25 % case page (the supervisor, any case of theirs)
  10 % case list (supervisor)   10 % dashboard (supervisor)  15 % task completion (the enterprise answers a
                                                                   proposal, POST /api/v1/tasks/<id>/complete)

Each size runs `--requests` requests after a warm-up, or stops at `--seconds`. It prints throughput and
p50/p95/p99 per request type, then the 100,000-case figures as ratios of the 1,000-case ones. Target: no
error, and the p95 ratio of the inbox, the case page and the dashboard at most 1.5.

    .venv/bin/python bench/load.py [--database-url URL] [--clients 8] [--requests 3000] [--seconds 300]
                                   [--workers 4]

The database named (default: wagecase_bench_load on the local PostgreSQL, created when missing) is
emptied and rebuilt by the migrations.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import signal
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_latency import free_port, start_server  # noqa: E402
from deadline_sweep import clone_in_database, create, settle  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wagecase_bench_load"
MIX = (("inbox", 30), ("inbox (union)", 10), ("case page", 25), ("case list", 10), ("dashboard", 10),
       ("complete", 15))
JUDGED = ("inbox", "case page", "dashboard")
STAGES = ("record_proposal", "enterprise_response", "union_team", "prepare_talks", "hold_meeting",
          "draft_agreement", "congress_vote", "union_signature", "file_agreement", "review_filing")
PEOPLE = 150  # the district's own cases, at every stage
POOL = 100  # per size: cases waiting for the enterprise's answer, each answered once by the load


@dataclass
class Seeded:
    case_ids: list[int]
    pools: list[list[int]]  # ready task ids to complete, one list per size
    background: int  # the case to copy into the other district


def ensure_database(url: str) -> None:
    """Create the named PostgreSQL database when it does not exist (it is a throwaway)."""
    from sqlalchemy import create_engine, text

    base, name = url.rsplit("/", 1)
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def seed(url: str) -> Seeded:
    """The measured district's cases (through the case service) and the template of the city's others."""
    from app.extensions import db
    from tests.conftest import build_world
    from tests.helpers import open_case, ready_tasks
    from tests.service.flows import step, walk_until
    from workflows import clock

    app = create(url)
    with app.app_context():
        world = build_world()
        started = time.perf_counter()
        day = date(2026, 3, 2)
        case_ids = []
        for i in range(PEOPLE):
            case = open_case(world, day)
            walk_until(case, world, STAGES[i % len(STAGES)], day)
            case_ids.append(case.id)
        pools = []
        for _ in range(2):
            pool = []
            for _ in range(POOL):
                case = open_case(world, day)
                walk_until(case, world, "enterprise_response", day)
                pool.append(next(t.id for t in ready_tasks(case) if t.bpmn_id == "enterprise_response"))
                case_ids.append(case.id)
            pools.append(pool)
        # The rest of the city: a case of the other district, waiting for its own instructor (ins2).
        others = replace(world, enterprise=world.other_enterprise, supervisor=world.other_supervisor,
                         instructor=world.other_instructor)
        template = open_case(others, day)
        step(template, others, "assign_instructor", day, instructor=world.other_instructor.username)
        step(template, others, "accept_assignment", day)
        clock.set_global(None)
        db.session.commit()
        print(f"seeded {len(case_ids)} cases of the measured district in {time.perf_counter() - started:.0f} s")
        return Seeded(case_ids, pools, template.id)


def fill_to(url: str, total: int, template: int) -> None:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Case

    app = create_app_only(url)
    with app.app_context():
        have = db.session.execute(select(func.count()).select_from(Case)).scalar_one()
        if total > have:
            clone_in_database(template, total - have)
        settle()
        print(f"{db.session.execute(select(func.count()).select_from(Case)).scalar_one()} cases in the database")
        db.session.remove()
        db.engine.dispose()


def create_app_only(url: str) -> Any:
    from app import create_app

    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})


class Person:
    """One signed-in person of a client thread: a cookie jar for the pages, or a bearer token for the API."""

    def __init__(self, base: str, username: str, api: bool = False) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.headers: dict[str, str] = {}
        password = "pw-" + username
        if api:
            answer = self.call("POST", "/api/v1/auth/tokens", {"username": username, "password": password})
            self.headers["Authorization"] = f"Bearer {json.loads(answer[1])['token']}"
            return
        page = self.call("GET", "/login")[1].decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        form = {"username": username, "password": password, **({"csrf_token": token.group(1)} if token else {})}
        status, _ = self.call("POST", "/login", form=form)
        assert status == 200, f"{username} could not sign in: {status}"

    def call(self, method: str, path: str, body: Any = None, form: dict[str, str] | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0


def drive(base: str, seeded: Seeded, pool: list[int], clients: int, requests: int, seconds: float) -> Results:
    """`requests` requests of the mix from `clients` threads, or fewer when `seconds` run out first."""
    results = Results()
    lock = threading.Lock()
    tasks = list(pool)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    budget = iter(range(requests))
    deadline = time.monotonic() + seconds
    answered_on = "2026-03-20"  # after every pool case's proposal (walked from 2 March), within its 20 days

    def client(number: int) -> None:
        rng = random.Random(number)
        instructor, union = Person(base, "ins1"), Person(base, "union1")
        supervisor, employer = Person(base, "sup1"), Person(base, "employer1", api=True)
        for _ in range(3):  # warm-up, unmeasured
            instructor.call("GET", "/inbox")
            supervisor.call("GET", "/dashboard")
        while True:
            with lock:
                if next(budget, None) is None or time.monotonic() > deadline:
                    return
                kind = rng.choice(kinds)
                task = tasks.pop() if kind == "complete" and tasks else None
            if kind == "complete" and task is None:
                kind = "case page"
            started = time.perf_counter()
            if kind == "inbox":
                status, _ = instructor.call("GET", "/inbox")
            elif kind == "inbox (union)":
                status, _ = union.call("GET", "/inbox")
            elif kind == "case page":
                status, _ = supervisor.call("GET", f"/cases/{rng.choice(seeded.case_ids)}")
            elif kind == "case list":
                status, _ = supervisor.call("GET", "/cases")
            elif kind == "dashboard":
                status, _ = supervisor.call("GET", "/dashboard")
            else:
                status, _ = employer.call("POST", f"/api/v1/tasks/{task}/complete",
                                          {"decision": "accept", "responded_on": answered_on})
            elapsed = time.perf_counter() - started
            with lock:
                results.times[kind].append(elapsed)
                if status != 200:
                    results.errors[kind].append(str(status))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.seconds = time.perf_counter() - started
    return results


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(size: int, results: Results) -> dict[str, tuple[float, float, float]]:
    total = sum(len(v) for v in results.times.values())
    print(f"\n{size:,} cases: {total} requests in {results.seconds:.1f} s = {total / results.seconds:.0f} requests/s")
    print(f"{'request':<15}{'n':>6}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    figures = {}
    for kind, _ in MIX:
        samples = results.times.get(kind, [])
        if not samples:
            continue
        figures[kind] = (statistics.median(samples), percentile(samples, 0.95), percentile(samples, 0.99))
        p50, p95, p99 = figures[kind]
        print(f"{kind:<15}{len(samples):>6}{len(results.errors.get(kind, [])):>8}"
              f"{p50 * 1000:>9.1f}{p95 * 1000:>9.1f}{p99 * 1000:>9.1f}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=3000, help="per size")
    parser.add_argument("--seconds", type=float, default=300, help="per size, at most")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("the load benchmark runs on PostgreSQL, the production database")
    ensure_database(args.database_url)
    seeded = seed(args.database_url)
    figures, errors = {}, 0
    for size, pool in ((args.small, seeded.pools[0]), (args.large, seeded.pools[1])):
        fill_to(args.database_url, size, seeded.background)
        port = free_port()
        server = start_server(args.database_url, port, args.workers,
                              {"SESSION_COOKIE_SECURE": "false", "SCHEDULER_IN_WEB": "false"})
        try:
            results = drive(f"http://127.0.0.1:{port}", seeded, pool, args.clients, args.requests, args.seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        figures[size] = report(size, results)
        errors += sum(len(v) for v in results.errors.values())
        for kind, codes in results.errors.items():
            print(f"  {kind}: {len(codes)} errors, e.g. {codes[:5]}")
    print(f"\n{args.large:,} cases as a ratio of {args.small:,} (target: p95 <= 1.5 for {', '.join(JUDGED)}; "
          f"errors: {errors}, target 0)")
    print(f"{'request':<15}{'p50':>7}{'p95':>7}{'p99':>7}")
    ok = errors == 0
    for kind in figures[args.small]:
        p50, p95, p99 = (large / small for large, small in zip(figures[args.large][kind], figures[args.small][kind],
                                                                strict=True))
        judged = kind in JUDGED
        ok = ok and (p95 <= 1.5 or not judged)
        verdict = "" if not judged else ("  ok" if p95 <= 1.5 else "  OVER")
        print(f"{kind:<15}{p50:>7.2f}{p95:>7.2f}{p99:>7.2f}{verdict}")
    print("target met" if ok else "target NOT met")


if __name__ == "__main__":
    main()
