"""Deadline sweep: the cost of one `sweep(as_of)` with 100,000 cases of which 0, 100 and 1,000 are due.

The scheduler runs the sweep every minute whether anything is due or not, so a sweep with nothing
to do must cost next to nothing, and what it costs must follow the due cases, not the size of the
database. Target (the issue): the sweep with nothing due takes under 1% of the sweep that fires
1,000 timers, and the idle sweep at 100,000 cases costs what it costs at 10,000.

How, and why this way:
  - Opening and walking 100,000 cases through the case service would take far longer than the whole
    run should, so two template cases go through the service (opened, walked to "waiting for the
    enterprise's written response", whose 20-day timer is the boundary timer the sweep fires): one
    whose timer is due by the sweep's instant and one whose timer and reminders lie weeks after it.
    The database is filled with copies of the second (INSERT ... SELECT inside the database, workflow
    blob included, so the tables have their real size); the due cases are copies of the first,
    inserted fresh before each measured sweep, so firing does the real work (restore, fire, save,
    audit, notify). A third template waits for the filing of its agreement past the deadline: 50 such
    overdue, already escalated steps give the digest something to report at both sizes. Copies get
    no audit head: a case's audit chain starts from its own id.
  - Each sweep runs in a fresh app context and session, as the scheduler runs it, and is timed as a
    whole and by part (timers, task notices, digests); every SQL statement is timed too, so the
    report says where the time goes. The first sweep of a day also writes each supervisor's digest,
    later ones skip it: both are measured (the digest marks are cleared to measure the first again).
  - The query plans of the two claim queries (due case by next_timer_at, due notice by
    next_notice_at) and of the digest's two counts are printed: EXPLAIN ANALYZE on PostgreSQL,
    EXPLAIN QUERY PLAN on SQLite. They show what a timing on a shared machine cannot: which index
    each query uses and how many rows it reads.

    .venv/bin/python bench/deadline_sweep.py [--database-url URL] [--cases 100000] [--small 10000]
                                             [--repeat 101] [--due-repeat 3]

A temporary SQLite file by default. Any URL given is a throwaway database: its schema is dropped and
rebuilt by the migrations, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/wagecase_bench_sweep.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import MetaData, event, insert, select, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.exc import DBAPIError  # noqa: E402

if TYPE_CHECKING:
    from app.deadlines.jobs import SweepReport

PARTS = ("fire_due_timers", "send_task_notices", "send_digests")
DUE_STEPS = (100, 1_000)
OVERDUE_STEPS = 50  # open steps past their deadline (already escalated), for the digest to report
DAY = "2026-04-01"  # every sweep runs as of 10:00 bureau time on this day, after the digest hour


# ---------------------------------------------------------------------------- building the database
@dataclass
class Template:
    """One case as plain column values: its row (no id, no audit head), task rows and enterprises."""

    case: dict[str, Any]
    tasks: list[dict[str, Any]]
    enterprise_ids: list[int]


def create(database_url: str) -> Flask:
    """The app on a freshly migrated, empty schema at `database_url`."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        else:
            existing = MetaData()
            existing.reflect(db.engine)
            existing.drop_all(db.engine)
        upgrade()
    return app


def build_templates() -> tuple[int, int, int]:
    """The test suite's world (two districts, a user of every role), two cases waiting for the
    enterprise's written response, one whose timer is due by the sweeps' instant and one due in late
    May, and one case waiting for the filing of its agreement, due 2026-03-23: their ids."""
    from tests.conftest import build_world
    from tests.helpers import open_case
    from tests.service.flows import proposal_received, walk_until

    world = build_world()
    due = proposal_received(world, "2026-03-09", "2026-03-09")  # response timer: 2026-03-31 00:00
    later = proposal_received(world, "2026-05-04", "2026-05-04")  # 2026-05-26 00:00, reminders from 05-22
    late = open_case(world, "2026-03-02")
    walk_until(late, world, "file_agreement", "2026-03-02")  # its non-interrupting filing timer escalates
    return due.id, later.id, late.id


def snapshot(case_id: int) -> Template:
    from app.extensions import db
    from app.models import Case, CaseTask
    from app.models.cases import case_enterprise

    cases, tasks = Case.__table__, CaseTask.__table__
    row = dict(db.session.execute(select(cases).where(cases.c.id == case_id)).mappings().one())
    del row["id"]
    row["audit_head"] = None
    task_rows = [{k: v for k, v in r.items() if k not in ("id", "case_id")}
                 for r in db.session.execute(select(tasks).where(tasks.c.case_id == case_id)).mappings()]
    links = db.session.execute(select(case_enterprise.c.enterprise_id)
                               .where(case_enterprise.c.case_id == case_id)).scalars().all()
    return Template(row, task_rows, list(links))


def insert_copies(template: Template, count: int) -> None:
    """`count` copies of a snapshot, committed (the due cases: a few, each batch fresh)."""
    from app.extensions import db
    from app.models import Case, CaseTask
    from app.models.cases import case_enterprise

    cases = Case.__table__
    ids = db.session.execute(insert(cases).returning(cases.c.id, sort_by_parameter_order=True),
                             [template.case] * count).scalars().all()
    db.session.execute(insert(CaseTask.__table__), [{**t, "case_id": i} for i in ids for t in template.tasks])
    db.session.execute(insert(case_enterprise),
                       [{"case_id": i, "enterprise_id": e} for i in ids for e in template.enterprise_ids])
    db.session.commit()


def clone_in_database(case_id: int, count: int, batch: int = 10_000) -> None:
    """`count` copies of case `case_id` with its tasks and enterprise links, made by the database
    itself (INSERT ... SELECT over a counter), `batch` cases per transaction."""
    from app.extensions import db
    from app.models import Case, CaseTask

    def columns(names: list[str], prefix: str = "") -> str:
        return ", ".join("NULL" if n == "audit_head" and prefix else f'{prefix}"{n}"' for n in names)

    case_cols = [c.name for c in Case.__table__.c if c.name != "id"]
    task_cols = [c.name for c in CaseTask.__table__.c if c.name not in ("id", "case_id")]
    copy_cases = text(
        f'INSERT INTO "case" ({columns(case_cols)}) '
        'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :k) '
        f'SELECT {columns(case_cols, "c.")} FROM "case" c CROSS JOIN n WHERE c.id = :t')
    copy_tasks = text(
        f'INSERT INTO case_task (case_id, {columns(task_cols)}) SELECT c.id, {columns(task_cols, "t.")} '
        'FROM "case" c CROSS JOIN case_task t WHERE c.id > :before AND t.case_id = :t')
    copy_links = text('INSERT INTO case_enterprise (case_id, enterprise_id) SELECT c.id, l.enterprise_id '
                      'FROM "case" c CROSS JOIN case_enterprise l WHERE c.id > :before AND l.case_id = :t')
    done = 0
    while done < count:
        k = min(batch, count - done)
        before = db.session.execute(text('SELECT max(id) FROM "case"')).scalar_one()
        db.session.execute(copy_cases, {"k": k, "t": case_id})
        db.session.execute(copy_tasks, {"before": before, "t": case_id})
        db.session.execute(copy_links, {"before": before, "t": case_id})
        db.session.commit()
        done += k


def settle() -> None:
    """After a bulk load: planner statistics and visibility map as autovacuum would have them by the
    time of a sweep, and the load's writes checkpointed now rather than during a measured sweep."""
    from app.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            try:
                conn.execute(text("CHECKPOINT"))
            except DBAPIError:
                print("(no CHECKPOINT: the role may not; the load's writes may be flushed during a sweep)")
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def count_cases() -> int:
    from app.extensions import db

    return db.session.execute(text('SELECT count(*) FROM "case"')).scalar_one()


# ---------------------------------------------------------------------------- measuring a sweep
@dataclass
class Statement:
    sql: str
    params: Any
    seconds: float
    at: float  # perf_counter when it started


@dataclass
class Sweep:
    """One timed sweep: the whole, its parts, every statement, and what it reported."""

    seconds: float
    parts: dict[str, float]
    statements: list[Statement]
    report: SweepReport


@contextmanager
def recorded(engine: Engine) -> Iterator[list[Statement]]:
    """Every SQL statement run on `engine` meanwhile, and every COMMIT (the fsync is the database's
    time too, and no event reports its end), with its time."""
    found: list[Statement] = []
    dialect = engine.dialect
    commit = dialect.do_commit

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        start = conn.info.pop("bench_started")
        found.append(Statement(statement, params, time.perf_counter() - start, start))

    def timed_commit(dbapi_connection: Any) -> None:
        start = time.perf_counter()
        commit(dbapi_connection)
        found.append(Statement("COMMIT", None, time.perf_counter() - start, start))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    dialect.do_commit = timed_commit  # type: ignore[method-assign]
    try:
        yield found
    finally:
        dialect.do_commit = commit  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


@contextmanager
def timed_parts() -> Iterator[dict[str, float]]:
    """The time spent in each job of the sweep (`sweep` looks its jobs up in its module at each call)."""
    from app.deadlines import jobs

    spent = dict.fromkeys(PARTS, 0.0)
    originals = {name: getattr(jobs, name) for name in PARTS}

    def wrap(name: str) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return originals[name](*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
        return run

    for name in PARTS:
        setattr(jobs, name, wrap(name))
    try:
        yield spent
    finally:
        for name, fn in originals.items():
            setattr(jobs, name, fn)


def one_sweep(app: Flask, as_of: datetime) -> Sweep:
    """One sweep as the scheduler runs it: its own app context and session."""
    from app.deadlines import jobs
    from app.extensions import db

    with app.app_context():
        try:
            with recorded(db.engine) as statements, timed_parts() as parts:
                start = time.perf_counter()
                report = jobs.sweep(as_of)
                seconds = time.perf_counter() - start
        finally:
            db.session.remove()
    return Sweep(seconds, dict(parts), statements, report)


def expect(sweep: Sweep, advanced: int, overdue: int = 0, digests: int = 0) -> None:
    """A sweep did exactly the work it was given (a benchmark of a failing sweep measures nothing)."""
    r = sweep.report
    if (r.cases_advanced, r.reminders, r.overdue, r.digests, r.failed_cases, r.failed_tasks) \
            != (advanced, 0, overdue, digests, [], []):
        raise SystemExit(f"unexpected sweep result (expected {advanced} case(s) advanced, {overdue} step(s) "
                         f"marked overdue, {digests} digest(s)): {r}")


@dataclass
class Row:
    """One line of the result table: the sweeps of one situation, the median one representing them."""

    label: str
    cases: int
    due: int
    sweeps: list[Sweep] = field(default_factory=list)

    @property
    def typical(self) -> Sweep:
        return sorted(self.sweeps, key=lambda s: s.seconds)[(len(self.sweeps) - 1) // 2]

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.sweeps)

    @property
    def fastest(self) -> float:
        return min(s.seconds for s in self.sweeps)


def clear_digests(app: Flask) -> None:
    """Forget today's digests, so the next sweep is again the day's first."""
    from app.extensions import db

    with app.app_context():
        db.session.execute(text("DELETE FROM digest_sent"))
        db.session.commit()
        db.session.remove()


def idle_rows(app: Flask, as_of: datetime, cases: int, repeat: int) -> tuple[Row, Row]:
    """The sweep with nothing due, `repeat` times (today's digests are out already), then the day's
    first sweep, which also writes the digests, three times."""
    idle = Row("0 due", cases, 0)
    for _ in range(repeat):
        idle.sweeps.append(one_sweep(app, as_of))
        expect(idle.sweeps[-1], 0)
    first = Row("0 due, first sweep of the day", cases, 0)
    for _ in range(3):
        clear_digests(app)
        first.sweeps.append(one_sweep(app, as_of))
        expect(first.sweeps[-1], 0, digests=1)  # the first district's supervisor; the second has nothing
    return idle, first


# ---------------------------------------------------------------------------- reporting
def label(sql: str, width: int = 120) -> str:
    """A statement shortened to what it does: verb, tables, conditions (its middle cut when too long)."""
    one = " ".join(sql.split())
    one = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", one)
    one = re.sub(r"^(INSERT INTO \S+) .*", r"\1 …", one)
    one = re.sub(r"^(UPDATE \S+ SET) .*?( WHERE .*)$", r"\1 …\2", one)
    return one if len(one) <= width else f"{one[:width // 2 - 1]} … {one[-(width // 2 - 2):]}"


def profile(sweep: Sweep, per: int = 1, top: int = 8) -> list[str]:
    """Where one sweep's time went: the costliest statements grouped by shape, then the rest (Python)."""
    groups: dict[str, list[float]] = defaultdict(list)
    for s in sweep.statements:
        groups[label(s.sql)].append(s.seconds)
    in_db = sum(s.seconds for s in sweep.statements)
    unit = "per fired case" if per > 1 else "per sweep"
    lines = [f"    {len(sweep.statements) / per:7.1f} statements {unit}, {in_db / per * 1000:8.3f} ms in SQL, "
             f"{(sweep.seconds - in_db) / per * 1000:8.3f} ms outside SQL (Python)"]
    for name, times in sorted(groups.items(), key=lambda kv: -sum(kv[1]))[:top]:
        lines.append(f"    {sum(times) / per * 1000:8.3f} ms  {len(times) / per:6.1f}x  {name}")
    return lines


def explain(app: Flask, statement: Statement) -> list[str]:
    """The plan of a recorded statement, run again (and rolled back) with its own parameters."""
    from app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params).all()
            lines = [r[0] for r in rows]
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement.sql, statement.params).all()
            lines = [r[-1] for r in rows]
        conn.rollback()
    return ["    " + line for line in lines]


def drift(sweep: Sweep, share: float = 0.1) -> tuple[float, float]:
    """Seconds per fired case over the first and the last `share` of a sweep's cases (from one due
    case claim to the next): equal when each case costs the same however many were fired before."""
    starts = [s.at for s in sweep.statements if "next_timer_at <=" in s.sql]
    spans = [b - a for a, b in itertools.pairwise(starts)]
    n = max(1, int(len(spans) * share))
    return statistics.mean(spans[:n]), statistics.mean(spans[-n:])


PLANNED = {  # what the plans are printed of: a name, and text only its statement contains
    "due case claim": "next_timer_at <=",
    "due task notice claim": "next_notice_at <=",
    "digest: overdue steps": "GROUP BY case_task.stage",
    "digest: steps due soon": "case_task.due_at >",
}


def planned_statements(sweep: Sweep) -> dict[str, Statement]:
    """The first statement of each PLANNED kind that the sweep ran."""
    found: dict[str, Statement] = {}
    for s in sweep.statements:
        for name, marker in PLANNED.items():
            if marker in s.sql:
                found.setdefault(name, s)
    return found


def server(app: Flask) -> str:
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            return "PostgreSQL " + db.session.execute(text("SHOW server_version")).scalar_one()
        return f"SQLite {sqlite3.sqlite_version} (file, WAL)"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def table(rows: list[Row]) -> list[str]:
    out = ["| sweep | cases | due | sweeps | median per sweep | fastest | per fired case | timers | task notices "
           "| digests | statements + commits |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        t = r.typical
        per_case = ms(r.seconds / r.due) if r.due else "–"
        out.append(f"| {r.label} | {r.cases:,} | {r.due:,} | {len(r.sweeps)} | {ms(r.seconds)} | {ms(r.fastest)} "
                   f"| {per_case} "
                   f"| {ms(t.parts['fire_due_timers'])} | {ms(t.parts['send_task_notices'])} "
                   f"| {ms(t.parts['send_digests'])} | {len(t.statements)} |")
    return out


# ---------------------------------------------------------------------------- the run
@dataclass
class Results:
    """What one run measured, for the report."""

    engine: str
    as_of: datetime
    templates_s: float
    build_s: float
    rows: list[Row]
    plans: dict[str, list[str]]
    busy_plan: list[str]


def measure(database_url: str, total: int, small: int, repeat: int, due_repeat: int) -> Results:
    """Build the database, then time the idle sweeps at `small` and `total` cases and the busy ones."""
    from app.extensions import db
    from tests.conftest import at

    started = time.perf_counter()
    app = create(database_url)
    with app.app_context():
        as_of = at(DAY, 10)
        due_id, later_id, late_id = build_templates()
        due_case = snapshot(due_id)
        db.session.remove()
    templates_s = time.perf_counter() - started
    # Fires the due template's timer and the late one's filing timer (its step now overdue, escalated,
    # notified), and warms up: the BPMN parsed, the holidays loaded.
    expect(one_sweep(app, as_of), 2, overdue=1, digests=1)
    with app.app_context():
        insert_copies(snapshot(late_id), OVERDUE_STEPS - 1)
        db.session.remove()

    rows: list[Row] = []
    build_s = 0.0
    for size in (small, total):
        start = time.perf_counter()
        with app.app_context():
            clone_in_database(later_id, size - count_cases())
            settle()
            db.session.remove()
        build_s += time.perf_counter() - start
        print(f"{size:,} cases in the database (copies made in {time.perf_counter() - start:.1f} s)", flush=True)
        rows += idle_rows(app, as_of, size, repeat)
    idle_big, first_big = rows[2:]
    plans = {name: explain(app, s) for name, s in planned_statements(first_big.typical).items()}

    busy_plan: list[str] = []
    for due in DUE_STEPS:
        row = Row(f"{due:,} due", total, due)
        for _ in range(due_repeat):
            with app.app_context():
                insert_copies(due_case, due)
                row.cases = count_cases()
                db.session.remove()
            if due == DUE_STEPS[-1] and not busy_plan:
                busy_plan = explain(app, planned_statements(idle_big.typical)["due case claim"])
            row.sweeps.append(one_sweep(app, as_of))
            expect(row.sweeps[-1], due)
            print(f"{due:,} due: {row.sweeps[-1].seconds:.2f} s", flush=True)
        rows.append(row)
    results = Results(server(app), as_of, templates_s, build_s, rows, plans, busy_plan)
    with app.app_context():
        db.engine.dispose()
    return results


def print_report(r: Results, total: int, small: int) -> None:
    idle_small, first_small, idle_big, first_big, few, busy = r.rows
    idle_ratio = idle_big.seconds / busy.seconds
    scale_median = idle_big.seconds / idle_small.seconds
    scale_best = idle_big.fastest / idle_small.fastest
    per_case = [few.seconds / few.due, busy.seconds / busy.due]
    first_cases, last_cases = drift(busy.typical)
    print()
    print(f"## Deadline sweep, {r.engine}")
    print()
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
          f"{r.engine}; as of {r.as_of.isoformat()} (10:00 bureau time); {OVERDUE_STEPS} steps overdue. "
          f"Build: templates through the case service {r.templates_s:.1f} s, {total:,} cases copied in "
          f"{r.build_s:.1f} s (statistics refreshed, checkpointed). Parts and statements: the median sweep of "
          f"each line.")
    print()
    print("\n".join(table(r.rows)))
    print()
    print(f"- idle / busy: t(0 due) / t({busy.due:,} due) at {total:,} cases = {idle_ratio:.3%} "
          f"(target < 1%): {'PASS' if idle_ratio < 0.01 else 'FAIL'}")
    print(f"- idle sweep, {total:,} / {small:,} cases: fastest {scale_best:.2f}, median {scale_median:.2f} (target: "
          f"flat, < 2 for {total / small:g}x the cases; judged on the fastest, as a busy machine only adds): "
          f"{'PASS' if scale_best < 2 else 'FAIL'}")
    first_ratio = first_big.seconds / first_small.seconds
    print(f"- first sweep of the day (digests), {total:,} / {small:,} cases = {first_ratio:.2f}")
    print(f"- per fired case: {ms(per_case[0])} at {few.due:,} due, {ms(per_case[1])} at {busy.due:,} due "
          f"(ratio {per_case[1] / per_case[0]:.2f}; 1 = the cost grows linearly with the due cases); within one "
          f"{busy.due:,}-due sweep {ms(first_cases)} per case over its first 10%, {ms(last_cases)} over its last 10%")
    print()
    print(f"Where the time goes, idle sweep at {total:,} cases:")
    print("\n".join(profile(idle_big.typical)))
    print(f"First sweep of the day at {total:,} cases:")
    print("\n".join(profile(first_big.typical)))
    print(f"Sweep firing {busy.due:,} timers:")
    print("\n".join(profile(busy.typical, per=busy.due)))
    for name, lines in r.plans.items():
        print(f"\nPlan of the {name}, 0 due, {total:,} cases:")
        print("\n".join(lines))
    print(f"\nPlan of the due case claim with {busy.due:,} due:")
    print("\n".join(r.busy_plan))


def run(database_url: str, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    results = measure(database_url, args.cases, args.small, args.repeat, args.due_repeat)
    print_report(results, args.cases, args.small)
    print(f"\ntotal run {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a throwaway database (its schema is rebuilt); default: SQLite file")
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the database")
    parser.add_argument("--small", type=int, default=10_000, help="the smaller database the idle sweep is compared at")
    parser.add_argument("--repeat", type=int, default=101, help="idle sweeps per size (the median is reported)")
    parser.add_argument("--due-repeat", type=int, default=3, help="sweeps per due count, each on fresh due cases")
    args = parser.parse_args()
    if not 100 <= args.small < args.cases:
        parser.error("--small must be at least 100 and below --cases")
    if args.database_url:
        run(args.database_url, args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", args)


if __name__ == "__main__":
    main()
