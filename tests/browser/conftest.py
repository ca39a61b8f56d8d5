"""Browser tests: the test app behind a real HTTP server, driven by a real Chromium through Playwright.

The server is the session's `app` (SQLite file, or PostgreSQL when WAGECASE_DATABASE_URL is set) served
by werkzeug in a daemon thread; every request gets its own app context and so its own scoped database
session, exactly as under a production server. Whatever a test commits through the services or the
`world` fixture is what the browser sees. CSRF stays on, as in the real app: the browser posts the token
its page carries.

Chromium is Debian's (`apt-get install -y chromium`): Playwright's own browser download is not
available on these machines, so a missing /usr/bin/chromium fails the tests with that instruction.

The server and the browser live as long as the tests of this folder (its subfolders included), not the
whole run: Playwright's sync API keeps an asyncio loop marked as running in the main thread while it is
open, which would break any later test that starts a loop of its own.

The test's own database session keeps its transaction open: to read what the browser changed, end it
first (`db.session.commit()` or `rollback()`), or SQLite's snapshot and PostgreSQL's objects are stale.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from app.models import User

CHROMIUM = "/usr/bin/chromium"
# A failing step fails in seconds, not after Playwright's 30-second default.
TIMEOUT_MS = 5_000
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
# Fixtures that hold a page; a failing test using one gets a screenshot of it.
PAGE_FIXTURES = ("page", "phone")

expect.set_options(timeout=TIMEOUT_MS)


class _QuietHandler(WSGIRequestHandler):
    """Keeps errors in the log but not one line per request, which would drown a failure's output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class LiveServer:
    """The test app on 127.0.0.1 at a free port, one thread per request."""

    def __init__(self, app: Flask) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True,
                                                  request_handler=_QuietHandler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def url(self, path: str) -> str:
        """The absolute address of `path` ("/login?lang=en") on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="package")
def live_server(app: Flask) -> Iterator[LiveServer]:
    # The browser posts the tokens its pages carry, as in production: a test app without CSRF would hide
    # a form that forgot its token.
    if not app.config.get("WTF_CSRF_ENABLED", True):
        pytest.fail("the browser tests run with CSRF protection on, as the real app does", pytrace=False)
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def url(live_server: LiveServer) -> Callable[[str], str]:
    """`url("/account")`: the absolute address of a path on the live server (for `to_have_url` and the like)."""
    return live_server.url


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the browser tests; each test gets a fresh context (cookies, storage) of it."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"the browser tests need Debian's Chromium at {CHROMIUM}: run `apt-get install -y chromium` "
                    "(.ci/run installs it on a fresh machine)", pytrace=False)
    # Chromium refuses to start its sandbox as root (CI and these machines run as root).
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield launched
        launched.close()


def _new_page(browser: Browser, live_server: LiveServer, viewport: ViewportSize) -> Iterator[Page]:
    """A page in a fresh context; a script error or a content-security-policy violation on it fails the test."""
    context = browser.new_context(base_url=live_server.base_url, locale="zh-CN", viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on("console", lambda message: problems.append(f"console: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text else None)
        yield page
    finally:
        context.close()
    assert not problems, f"the browser reported: {problems}"


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, tmp_path: Path) -> Iterator[Page]:
    """A desktop-sized page (1280x800, zh-CN) in its own context; `page.goto("/login")` is relative to the server."""
    yield from _new_page(browser, live_server, DESKTOP)


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer, tmp_path: Path) -> Iterator[Page]:
    """A phone-sized page (390x844, zh-CN) for the responsive checks."""
    yield from _new_page(browser, live_server, PHONE)


@pytest.fixture
def page_for(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[User], Page]]:
    """`page_for(user)`: a desktop page signed in as `user`, one per user for the test (several people at once)."""
    opened: dict[int, tuple[Iterator[Page], Page]] = {}

    def open_for(user: User) -> Page:
        if user.id not in opened:
            pages = _new_page(browser, live_server, DESKTOP)
            signed = next(pages)
            sign_in(signed, user)
            opened[user.id] = (pages, signed)
        return opened[user.id][1]

    yield open_for
    for pages, _ in opened.values():
        next(pages, None)  # closes the context


def submit_sign_in(page: Page, username: str, password: str) -> None:
    """Fill the real sign-in form and submit it with its button; returns once the answer page has loaded."""
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^\s*(登录|Sign in)\s*$")).click()


def sign_in(page: Page, user: User | str, password: str | None = None) -> None:
    """Sign `user` in through the form and check it worked; the password defaults to the `world` one.

    Users made by tests/conftest.py `make_user` have the password "pw-<username>".
    """
    username = user if isinstance(user, str) else user.username
    submit_sign_in(page, username, password if password is not None else "pw-" + username)
    if re.search(r"/login(\?|$)", page.url):
        errors = page.locator(".error, [role=alert]").all_inner_texts()
        pytest.fail(f"sign-in of {username!r} failed; the page says: {errors or page.title()!r}", pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    """On a failure, save what the browser showed under the test's tmp path and name the file in the report."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.failed or report.when == "teardown":
        return
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    tmp_path = funcargs.get("tmp_path")
    for name in PAGE_FIXTURES:
        shown = funcargs.get(name)
        if not isinstance(shown, Page) or tmp_path is None or shown.is_closed():
            continue
        path = Path(tmp_path) / f"failure-{name}.png"
        try:
            shown.screenshot(path=str(path), full_page=True, timeout=TIMEOUT_MS)
        except Exception as error:  # a crashed page must not hide the test's own failure
            report.sections.append((f"browser screenshot ({name})", f"could not be taken: {error}"))
            continue
        report.sections.append((f"browser screenshot ({name})", f"{path}  (page: {shown.url})"))
