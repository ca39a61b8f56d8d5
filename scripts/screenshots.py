"""Screenshots of the running demo for the README: the inbox, a case page and the supervisors' dashboard.

Seeds the demo into a throwaway SQLite database, serves it with `flask run` on a free port, signs in as
the demo instructor and supervisor in Debian's Chromium (Playwright) and writes
docs/screenshots/{inbox,case,dashboard}.png. Run with `make screenshots` (or this file with the venv's
Python); `--lang en` takes the English pages instead of the default Chinese.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "demo-pass-2026"  # the demo users' password (app/demo.py, README "Demo users")
VIEWPORT = {"width": 1280, "height": 860}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_demo(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """Migrate, seed and serve the demo on its own SQLite file; returns the server process once it answers."""
    env = {**os.environ, "FLASK_APP": "app:create_app",
           "WAGECASE_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}"}
    flask = str(Path(sys.executable).with_name("flask"))
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([flask, *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([flask, "run", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the demo server did not start")


def sign_in(page: Page, base: str, username: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def shoot(base: str, lang: str) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN" if lang == "zh" else "en-US")
        page = context.new_page()
        sign_in(page, base, "instructor1", lang)
        page.goto(f"{base}/inbox")
        page.wait_for_load_state("networkidle")
        written.append(_save(page, "inbox"))
        context.clear_cookies()
        sign_in(page, base, "supervisor1", lang)
        page.goto(f"{base}/dashboard")
        page.wait_for_selector("canvas", timeout=10_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(800)  # the charts' entry animation
        written.append(_save(page, "dashboard"))
        # A case filed late, its diagram in view: the steps done, the overdue one marked.
        page.goto(f"{base}/cases?overdue=true")
        page.click("tr[data-case] a[href^='/cases/']")
        page.wait_for_selector("#case-diagram figure[data-ready=true]", timeout=10_000)
        page.locator("#diagram-h").evaluate("heading => heading.scrollIntoView()")
        written.append(_save(page, "case"))
        browser.close()
    return written


def _save(page: Page, name: str) -> Path:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = serve_demo(Path(folder), port)
        try:
            for path in shoot(f"http://127.0.0.1:{port}", args.lang):
                print(path.relative_to(ROOT), f"{path.stat().st_size // 1024} KiB")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
