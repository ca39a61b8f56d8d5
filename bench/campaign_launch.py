"""Campaign launch: cases opened per second by the launch, next to the engine floor, and its memory.

Target (issue 5): the launch opens cases at least half as fast as the engine floor of
`bench/engine_floor.py` measured in the same run (its part (a): a case's workflow created, run to
its first task and serialised, in memory, with no database: the least a case can cost), and its
memory stays flat in the number of cases.

How, and why this way:
  - The floor is measured first, by the function `bench/engine_floor.py` runs, and given as cases
    per second (1 / median time of one create).
  - Each database gets its schema from the migrations, five districts of 2,000 enterprises each
    (inserted in bulk: the registry is not what is measured) and campaigns planned through the
    campaign service up to their launch step. A launch is timed end to end as an operator runs it:
    start (filters stored, enterprises counted), then every batch, each in its own committed
    transaction, until the launch step completes itself. The small launch is one district (2,000
    cases by default), the large one the whole city (10,000).
  - Memory: the same two launches again on fresh campaigns with tracemalloc on (slower, so not
    timed): the peak of Python allocations above the start of each launch. Flat means the large
    launch peaks where the small one does. The process's peak RSS growth is shown too.
  - Where the time goes: one more launch of the small size with the engine calls and the SQL
    statements timed (milliseconds per case: engine, SQL statements client and server side, and the
    rest: ORM, audit chain, commits, the collector), and one under cProfile, its own time grouped by
    layer; and the statements sent per batch (a multi-row statement counts once).
  - The floor is measured again before each database, in the same process, so a machine busier at
    one moment than another skews the ratio less.

    .venv/bin/python bench/campaign_launch.py [--cases 10000] [--small 2000] [--batch 200] [--floor-n 300]

SQLite on a temporary file always; PostgreSQL too when --database-url or WAGECASE_DATABASE_URL names
one. That database is a throwaway: its schema is dropped and rebuilt, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/wagecase_h_launchbench.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import platform
import pstats
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine_floor import engine_floor  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402

DISTRICTS = 5
INDUSTRIES = "CEFGIKM"
EMPLOYEES = (8, 45, 150, 420, 1500)


@dataclass
class Launch:
    """One launch: cases opened, seconds, statements and batches."""

    cases: int
    seconds: float
    statements: int
    batches: int

    @property
    def rate(self) -> float:
        return self.cases / self.seconds


# ---------------------------------------------------------------------------- building the database
def create(database_url: str) -> Flask:
    """The app on a fresh schema built by the migrations."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        if database_url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
    return app


def populate(per_district: int) -> tuple[list[int], Any, Any]:
    """Districts with `per_district` enterprises each, an administrator and a supervisor of every district."""
    from app.enterprises.credit_code import check_character
    from app.extensions import db
    from app.models import District, Enterprise, User
    from workflows import clock

    districts = [District(code=f"2101{i:02d}", name=f"第{i}区") for i in range(1, DISTRICTS + 1)]
    db.session.add_all(districts)
    admin = User(username="bench-admin", display_name="admin", role="admin", password_hash="x", active=True,
                 created_at=clock.now())
    supervisor = User(username="bench-supervisor", display_name="supervisor", role="supervisor",
                      password_hash="x", active=True, created_at=clock.now(), districts=districts)
    db.session.add_all([admin, supervisor])
    db.session.commit()
    rows = []
    for n in range(per_district * DISTRICTS):
        first17 = f"9121{n:013d}"
        rows.append({"credit_code": first17 + check_character(first17), "name": f"企业{n:06d}",
                     "district_id": districts[n % DISTRICTS].id, "industry": INDUSTRIES[n % len(INDUSTRIES)],
                     "employees": EMPLOYEES[(n // DISTRICTS) % len(EMPLOYEES)], "women_employees": 1,
                     "has_union": n % 4 != 0, "created_at": clock.now()})
    for start in range(0, len(rows), 5_000):
        db.session.execute(insert(Enterprise), rows[start:start + 5_000])
    db.session.commit()
    return [d.id for d in districts], admin.id, supervisor.id


def planned_campaign(name: str, admin_id: int, supervisor_id: int) -> int:
    """A campaign taken through planning by the campaign service: its launch step waits."""
    from app.campaigns import service
    from app.extensions import db
    from app.models import User

    admin, supervisor = db.session.get(User, admin_id), db.session.get(User, supervisor_id)
    campaign = service.create_campaign({"name": name, "year": 2026, "starts_on": date(2026, 6, 1),
                                        "ends_on": date(2026, 6, 30), "targets": {"coverage_pct": 95}}, admin)
    for bpmn_id, data in (("plan_targets", {"targets": {"coverage_pct": 95}}),
                          ("confirm_enterprises", {"filters": {}}), ("assign_instructors", {"confirmed": True})):
        campaign = service.complete_step(campaign.id, bpmn_id, data, supervisor)
    campaign_id = campaign.id
    db.session.remove()
    return campaign_id


# ---------------------------------------------------------------------------- measuring
@contextmanager
def counting_statements(app: Flask) -> Iterator[list[int]]:
    """Counts the statements sent to the database (an executemany counts once)."""
    from app.extensions import db

    count = [0]

    def before(*_: Any) -> None:
        count[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", before)


def launch(app: Flask, campaign_id: int, filters: dict[str, Any], batch: int) -> Launch:
    """Start the launch and run all its batches, timed end to end, in a fresh app context."""
    from app.campaigns import launch as launching
    from app.extensions import db

    gc.collect()
    with app.app_context(), counting_statements(app) as statements:
        batches = [0]
        start = time.perf_counter()
        launching.start_launch(campaign_id, filters, actor=None)
        last = launching.run_launch(campaign_id, batch, lambda _: batches.__setitem__(0, batches[0] + 1))
        seconds = time.perf_counter() - start
        db.session.remove()
    assert last is not None and last.finished, "the launch did not finish"
    return Launch(last.done, seconds, statements[0], batches[0])


def launch_memory(app: Flask, campaign_id: int, filters: dict[str, Any], batch: int) -> tuple[int, int]:
    """(peak Python allocations above the start of the launch, growth of the process's peak RSS), bytes."""
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    launch(app, campaign_id, filters, batch)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
    return peak, rss_growth


def where_each_case_goes(app: Flask, campaign_id: int, filters: dict[str, Any], batch: int) -> dict[str, float]:
    """An instrumented (not profiled) launch: milliseconds per case in the engine (start and serialise: what
    the floor measures), in SQL statements (client and server side), and in everything else (ORM, audit,
    commits, the collector)."""
    from app.cases.engine_registry import runtime
    from app.extensions import db

    spent = {"engine": 0.0, "SQL statements": 0.0}
    with app.app_context():
        engine, sql_engine = runtime().engine, db.engine

    def timing(fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent["engine"] += time.perf_counter() - start
        return timed

    started: list[float] = [0.0]

    def before(*_: Any) -> None:
        started[0] = time.perf_counter()

    def after(*_: Any) -> None:
        spent["SQL statements"] += time.perf_counter() - started[0]

    engine.start, engine.dump = timing(engine.start), timing(engine.dump)
    event.listen(sql_engine, "before_cursor_execute", before)
    event.listen(sql_engine, "after_cursor_execute", after)
    try:
        result = launch(app, campaign_id, filters, batch)
    finally:
        event.remove(sql_engine, "before_cursor_execute", before)
        event.remove(sql_engine, "after_cursor_execute", after)
        del engine.start, engine.dump  # back to the class's methods
    per_case = {key: seconds * 1000 / result.cases for key, seconds in spent.items()}
    total = result.seconds * 1000 / result.cases
    per_case["everything else"] = total - sum(per_case.values())
    per_case["total"] = total
    return per_case


LAYERS = (
    ("workflow engine", ("SpiffWorkflow", "/workflows/", "uuid.py", "copy.py")),
    ("ORM and driver", ("sqlalchemy", "sqlite3", "psycopg", "{method 'execute'", "{method 'fetch",
                        "{method 'commit'")),
    ("JSON and hashing", ("json", "hashlib", "_sha256", "{method 'hexdigest'")),
    ("the app", ("/app/",)),
)


def where_time_goes(app: Flask, campaign_id: int, filters: dict[str, Any], batch: int) -> dict[str, float]:
    """A profiled launch's own time per layer, as shares of the whole (profiling slows call-heavy code most)."""
    profile = cProfile.Profile()
    profile.enable()
    launch(app, campaign_id, filters, batch)
    profile.disable()
    shares: dict[str, float] = defaultdict(float)
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _, function), (_, _, own, _, _) in stats.items():
        where = f"{filename} {function}"
        layer = next((name for name, marks in LAYERS if any(m in where for m in marks)), "other (Python, flask)")
        shares[layer] += own
    total = sum(shares.values())
    return {layer: seconds / total for layer, seconds in sorted(shares.items(), key=lambda kv: -kv[1])}


# ---------------------------------------------------------------------------- the run
def run(label: str, url: str, args: argparse.Namespace) -> list[str]:
    """Every measurement on one database; the floor is measured first, in the same process."""
    floor = statistics.median(engine_floor(args.floor_n)["create"])
    floor_rate = 1 / floor
    per_district = args.cases // DISTRICTS
    app = create(url)
    with app.app_context():
        districts, admin_id, supervisor_id = populate(per_district)
        names = ("small", "large", "small-memory", "large-memory", "explained", "profiled")
        ids = {name: planned_campaign(f"bench {name}", admin_id, supervisor_id) for name in names}
    small_filters = {"district_ids": districts[:max(1, args.small // per_district)]}
    small = launch(app, ids["small"], small_filters, args.batch)
    large = launch(app, ids["large"], {}, args.batch)
    small_memory = launch_memory(app, ids["small-memory"], small_filters, args.batch)
    large_memory = launch_memory(app, ids["large-memory"], {}, args.batch)
    per_case = where_each_case_goes(app, ids["explained"], small_filters, args.batch)
    shares = where_time_goes(app, ids["profiled"], small_filters, args.batch)
    mib = 1024 * 1024
    lines = [f"-- {label}",
             f"   engine floor (bench/engine_floor.py (a), create): median {floor * 1000:.3f} ms = "
             f"{floor_rate:,.0f} cases/s; target: launch >= {floor_rate / 2:,.0f} cases/s"]
    for name, result in (("small", small), ("large", large)):
        lines.append(f"   launch of {result.cases:>6,} cases  {result.seconds:7.2f} s  {result.rate:7.0f} cases/s  "
                     f"= {result.rate / floor_rate:4.2f} x the engine floor   "
                     f"{result.statements / max(result.batches, 1):5.1f} statements per batch ({name})")
    lines.append(f"   memory, peak Python allocations during the launch: {small_memory[0] / mib:6.1f} MiB "
                 f"({small.cases:,} cases), {large_memory[0] / mib:6.1f} MiB ({large.cases:,} cases): "
                 f"ratio {large_memory[0] / max(small_memory[0], 1):4.2f}")
    lines.append(f"   memory, growth of peak RSS: {small_memory[1] / mib:6.1f} MiB (small), "
                 f"{large_memory[1] / mib:6.1f} MiB (large)")
    lines.append("   ms per case (instrumented launch of the small size): "
                 + ", ".join(f"{part} {ms:.3f}" for part, ms in per_case.items()))
    lines.append("   where the time goes (profiled launch, own time): "
                 + ", ".join(f"{layer} {share:.0%}" for layer, share in shares.items()))
    target = "met" if min(small.rate, large.rate) >= floor_rate / 2 else "NOT met"
    flat = "flat" if large_memory[0] <= 1.5 * small_memory[0] else "NOT flat"
    lines.append(f"   target (>= 0.5 x floor): {target}; memory {flat}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="enterprises, and cases of the large launch")
    parser.add_argument("--small", type=int, default=2_000, help="cases of the small launch (whole districts)")
    parser.add_argument("--batch", type=int, default=200, help="cases per batch (transaction)")
    parser.add_argument("--floor-n", type=int, default=300, help="iterations of the engine floor")
    parser.add_argument("--database-url", default=os.environ.get("WAGECASE_DATABASE_URL", ""),
                        help="a throwaway PostgreSQL database (default: $WAGECASE_DATABASE_URL)")
    args = parser.parse_args()
    if not (args.cases // DISTRICTS <= args.small < args.cases):
        parser.error(f"--small must be at least one district ({args.cases // DISTRICTS}) and below --cases")
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpu(s); "
          f"batch {args.batch}")
    with tempfile.TemporaryDirectory() as tmp:
        for line in run("SQLite (file, WAL)", f"sqlite:///{tmp}/bench.db", args):
            print(line, flush=True)
    if args.database_url.startswith("postgresql"):
        for line in run("PostgreSQL", args.database_url, args):
            print(line, flush=True)
    else:
        print("(set WAGECASE_DATABASE_URL or --database-url to a throwaway PostgreSQL database to measure it too)")


if __name__ == "__main__":
    main()
