"""Real `flask` commands in their own processes on the test's database, and killing them mid-work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parents[1]
WAIT_SECONDS = 120


def flask_env(app: Flask, **settings: str) -> dict[str, str]:
    """The environment of a `flask` process on the test app's database (WAGECASE_<NAME> settings added)."""
    return {**os.environ, "FLASK_APP": "app:create_app", "WAGECASE_ENV": "testing",
            "WAGECASE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            **{f"WAGECASE_{name}": value for name, value in settings.items()}}


def start_flask(app: Flask, args: list[str], output: Path) -> subprocess.Popen[bytes]:
    """`flask ARGS` in its own process, as an operator or cron runs it; its output goes to `output`."""
    with output.open("wb") as sink:
        return subprocess.Popen([sys.executable, "-m", "flask", *args], cwd=ROOT, env=flask_env(app),
                                stdout=sink, stderr=subprocess.STDOUT)


def kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool], output: Path, what: str) -> None:
    """SIGKILL `proc` as soon as `ready()` holds (polling the database, never guessing a delay)."""
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while not ready():
            if proc.poll() is not None:
                pytest.fail(f"{what} ended (exit {proc.returncode}) before it could be killed:\n"
                            + output.read_text(errors="replace"))
            assert time.monotonic() < deadline, f"{what} did too little to be killed halfway"
            time.sleep(0.005)
    finally:
        proc.kill()
        proc.wait(WAIT_SECONDS)
    assert proc.returncode == -signal.SIGKILL, output.read_text(errors="replace")
