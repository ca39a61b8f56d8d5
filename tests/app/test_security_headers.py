"""Security headers on every kind of answer, and CSRF on every form of the web app.

The CSRF check walks the app's URL map, so a form added later is covered without touching this file: every
route that takes a POST outside the bearer-token API must refuse one without the session's token (400)
and change nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text as sql

from app.extensions import db
from tests.conftest import World
from tests.helpers import open_case
from tests.webclient import Browser

PAGES = ["/login", "/healthz", "/api/v1/openapi.json", "/static/js/app.js", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_carries_the_security_headers(browser: Browser, path: str) -> None:
    answer = browser.get(path)
    csp = answer.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no outside host
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"


def test_signed_in_pages_carry_them_too(browser: Browser, world: World) -> None:
    assert browser.sign_in(world.supervisor.username, "pw-sup1").status_code == 302
    for path in ("/inbox", "/cases", "/dashboard", "/notifications"):
        answer = browser.get(path)
        assert answer.status_code == 200 and "script-src 'self';" in answer.headers["Content-Security-Policy"]


def test_the_api_documentation_alone_may_run_its_inline_start_script(browser: Browser) -> None:
    answer = browser.get("/api/v1/docs")
    assert answer.status_code == 200
    assert "script-src 'self' 'unsafe-inline'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_no_template_has_an_inline_script_or_event_handler(app: Flask) -> None:
    for template in Path(app.root_path, "templates").rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), f"{template} has an inline script"
        assert not re.search(r"\son[a-z]+\s*=", source), f"{template} has an inline event handler"


def web_form_routes(app: Flask) -> list[str]:
    """Every POST route of the web app (not the API, whose bearer tokens are not sent by a browser by itself)."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: "2026-01-01" if m.group(1) == "day" else
                      ("local-test" if m.group(1) in ("name", "bpmn_id") else "1"), rule.rule)
        routes.append(path)
    return sorted(set(routes))


def row_counts() -> dict[str, int]:
    db.session.rollback()
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in ("login_attempt",)]
    return {t: db.session.execute(sql(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in tables}


def test_every_web_form_refuses_a_post_without_the_csrf_token(app: Flask, world: World) -> None:
    open_case(world, "2026-03-02")
    routes = web_form_routes(app)
    assert len(routes) >= 20 and "/login" in routes and "/cases/new" in routes
    for user in (world.supervisor, world.admin):
        browser = Browser(app)
        assert browser.sign_in(user.username, "pw-" + user.username).status_code == 302
        before = row_counts()
        for path in routes:
            answer = browser.post(path, data={"reason": "x", "body": "x", "days": "5", "username": "x"})
            assert answer.status_code == 400, (path, answer.status_code)
        assert row_counts() == before
