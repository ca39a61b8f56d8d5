"""Web page latency on the demo data, next to the health check measured in the same run.

Seeds the demo (`flask seed-demo`: 3 districts, 60 enterprises, 57 cases, 130 users) into a fresh
database, runs one deadline sweep as the running app would, signs in as the people who use each page and
times the whole request inside the app (routing, permissions, queries, templates), without a network:

  inbox (instructor1), case list (supervisor1), case page (supervisor1, a case with a history),
  a task form (an enterprise rep's late filing), dashboard (supervisor1), campaign page (supervisor1),
  admin users (admin)

It prints median and p95 per page, and each median as a ratio of the health check's (the floor a request
costs here). The issue's target: every page well under a second.

    .venv/bin/python bench/pages.py [--n 50]

SQLite by default (a temporary file); WAGECASE_DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL
(the database is emptied first).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine_floor import summary, timed  # noqa: E402

PASSWORD = "demo-pass-2026"  # the demo users' password (app/demo.py)


def build_app(database_url: str):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.deadlines.jobs import sweep
    from app.demo import seed
    from app.extensions import db
    from workflows import clock

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                      "SCHEDULER_IN_WEB": False, "DOCUMENTS_DIR": tempfile.mkdtemp()})
    with app.app_context():
        if database_url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        seed()
        sweep(clock.now())
    return app


def client_for(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    answer = client.post("/login", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 302, f"{username} could not sign in"
    return client


def first_link(client, page: str, pattern: str) -> str:  # type: ignore[no-untyped-def]
    found = re.search(pattern, client.get(page).get_data(as_text=True))
    assert found, f"nothing matches {pattern} on {page}"
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="requests per page")
    args = parser.parse_args()
    url = os.environ.get("WAGECASE_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/pages.db"
    app = build_app(url)
    supervisor, instructor = client_for(app, "supervisor1"), client_for(app, "instructor1")
    admin, employer = client_for(app, "admin"), client_for(app, "employer26")  # employer26's filing is late
    case_page = "/cases/" + first_link(supervisor, "/cases?overdue=true", r'<tr data-case="(\d+)"')
    task_page = first_link(employer, "/inbox", r'href="(/tasks/\d+)"')
    campaign_page = first_link(supervisor, "/campaigns", r'href="(/campaigns/\d+)"')
    pages = [
        ("health check (baseline)", supervisor, "/healthz"),
        ("inbox", instructor, "/inbox"),
        ("case list", supervisor, "/cases"),
        ("case page", supervisor, case_page),
        ("task form", employer, task_page),
        ("dashboard", supervisor, "/dashboard"),
        ("campaign page", supervisor, campaign_page),
        ("admin: users", admin, "/admin/users"),
    ]
    print(f"{'page':<26}{'median ms':>10}{'p95 ms':>10}{'x baseline':>12}")
    baseline = None
    for name, client, path in pages:
        def get(client=client, path=path) -> None:  # type: ignore[no-untyped-def]
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)

        median, p95 = summary(timed(get, args.n))
        baseline = baseline or median
        print(f"{name:<26}{median * 1000:>10.1f}{p95 * 1000:>10.1f}{median / baseline:>12.1f}")


if __name__ == "__main__":
    main()
