"""Engine floor: SpiffWorkflow alone vs the same operations through the case service, committed.

Measures in one run, so the ratios hold on a noisy machine:
  (a) the engine in memory: create a case's workflow, run it to its first task and serialise it;
      load + complete one task + serialise;
  (b) the same two operations through the case service, committed, on a SQLite file in WAL mode and,
      when WAGECASE_DATABASE_URL points to PostgreSQL, on it.
Prints medians, p95 and the ratio b/a (target: <= 5).

    .venv/bin/python bench/engine_floor.py [--n 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workflows.engine import Engine
from workflows.rulesets import get_rule_set
from workflows.specs import SpecRegistry, read_directory

ROOT = Path(__file__).resolve().parent.parent
ASSIGN = {"instructor": "bench-instructor", "assigned_on": "2026-03-02"}


def timed(fn: Callable[[], object], n: int) -> list[float]:
    """Run `fn` n times after a short warm-up; seconds per call."""
    for _ in range(min(10, n)):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def engine_floor(n: int) -> dict[str, list[float]]:
    """(a): the engine alone, no database."""
    bundle = SpecRegistry().load("wage_negotiation", read_directory(ROOT / "bpmn"))
    engine, rs = Engine(), get_rule_set()

    def create() -> str:
        wf, _ = engine.start(bundle, rs, {})
        return engine.dump(wf)

    state = create()

    def complete() -> str:
        wf = engine.restore(bundle, state)
        task = engine.snapshot(wf, bundle, rs).ready[0]
        engine.complete(wf, bundle, rs, task.id, "bureau", ASSIGN)
        return engine.dump(wf)

    return {"create": timed(create, n), "complete": timed(complete, n)}


def service_run(database_url: str, n: int) -> dict[str, list[float]]:
    """(b): the case service, committed, on `database_url`."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
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
        enterprise = Enterprise(credit_code="914403001922038216", name="Bench Co", district=district,
                                industry="C", employees=100, women_employees=40, has_union=True,
                                created_at=clock.now())
        supervisor = User(username="bench-supervisor", display_name="s", role="supervisor", password_hash="x",
                          created_at=clock.now(), districts=[district])
        instructor = User(username="bench-instructor", display_name="i", role="instructor", password_hash="x",
                          created_at=clock.now())
        db.session.add_all([district, enterprise, supervisor, instructor])
        db.session.commit()
        supervisor_id, enterprise_id = supervisor.id, enterprise.id
        opened: list[int] = []

        def create() -> None:
            opened.append(service.open_case(enterprise_ids=[enterprise_id],
                                            actor=db.session.get(User, supervisor_id)).id)
            db.session.remove()

        create_samples = timed(create, n)
        queue = list(opened)

        def complete() -> None:
            case_id = queue.pop()
            actor = db.session.get(User, supervisor_id)
            task = db.session.execute(
                text("SELECT id FROM case_task WHERE case_id = :c AND state = 'ready'"), {"c": case_id}
            ).scalar_one()
            service.complete_task(case_id, task, dict(ASSIGN), actor)
            db.session.remove()

        complete_samples = timed(complete, min(n, len(queue) - 10))
        db.session.remove()
        db.engine.dispose()
    return {"create": create_samples, "complete": complete_samples}


def report(label: str, result: dict[str, list[float]], floor: dict[str, list[float]] | None) -> None:
    for op in ("create", "complete"):
        med, p95 = summary(result[op])
        line = f"{label:<22} {op:<9} median {med * 1000:8.3f} ms   p95 {p95 * 1000:8.3f} ms"
        if floor is not None:
            line += f"   ratio b/a (median) {med / summary(floor[op])[0]:6.2f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="iterations per operation")
    args = parser.parse_args()
    floor = engine_floor(args.n)
    report("(a) engine, in memory", floor, None)
    with tempfile.TemporaryDirectory() as tmp:
        report("(b) service, SQLite", service_run(f"sqlite:///{tmp}/bench.db", args.n), floor)
    url = os.environ.get("WAGECASE_DATABASE_URL", "")
    if url.startswith("postgresql"):
        report("(b) service, Postgres", service_run(url, args.n), floor)
    else:
        print("(set WAGECASE_DATABASE_URL=postgresql+psycopg://... to measure PostgreSQL too)")


if __name__ == "__main__":
    main()
