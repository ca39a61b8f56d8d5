"""Configuration classes; every setting can be overridden by a WAGECASE_* environment variable."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

BASE_DIR = Path(__file__).resolve().parent
ENV_PREFIX = "WAGECASE_"


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = "dev-only-not-secret"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{BASE_DIR / 'instance' / 'wagecase.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    # Where the BPMN files live; they are the single source of truth for every process.
    BPMN_DIR = str(BASE_DIR / "bpmn")
    # Uploaded documents are stored by sha256 below this folder, never overwritten.
    DOCUMENTS_DIR = str(BASE_DIR / "instance" / "documents")
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # Enterprise registry import (flask import-enterprises, POST /api/v1/enterprises/import): the largest
    # file accepted, in bytes (a 50,000-row workbook is about 2 MiB, the same rows as CSV about 5 MiB).
    IMPORT_MAX_BYTES = 10 * 1024 * 1024
    # Data rows one file may hold; a bigger registry is imported in several files.
    IMPORT_MAX_ROWS = 50_000
    # An .xlsx is a zip: the sum of its members' uncompressed sizes, checked before anything is unpacked
    # (a zip bomb is refused without being inflated).
    IMPORT_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
    # Statutory rule set a new case is pinned to unless told otherwise.
    DEFAULT_RULE_SET = "national-2004"
    # Wall-clock time zone of the bureau: due dates are calendar dates in this zone.
    TIMEZONE = "Asia/Shanghai"
    # How often a process looks for holiday-table edits made by another process.
    HOLIDAY_CHECK_SECONDS = 10.0
    # The city whose wage guideline applies (one deployment serves one city).
    CITY = "示范市"
    SEED_DEMO_ALLOWED = True
    BABEL_DEFAULT_LOCALE = "zh_CN"
    # The REST API and its OpenAPI document; the docs page loads Swagger UI from the app itself.
    API_TITLE = "wagecase"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/"
    # Bearer tokens live this long; a client signs in again afterwards.
    TOKEN_TTL_HOURS = 12
    # Reverse proxies in front of the app (gunicorn behind nginx: 1); their X-Forwarded-For gives the
    # client address that sign-in throttling counts. 0 trusts no header.
    PROXY_FIX_HOPS = 0
    # Sign-in throttling: failures counted over the window, per account and per client address.
    LOGIN_WINDOW_SECONDS = 900
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    # Web session cookie: never readable by scripts, not sent on cross-site requests.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    # Argon2id cost: about 50 ms and 64 MiB per sign-in on the reference machine.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_KIB = 65536
    # E-mail: off by default; the outbox is still written, so nothing is lost when it is switched on.
    MAIL_ENABLED = False
    # The SMTP relay the outbox is sent through (plain SMTP, or STARTTLS when asked).
    MAIL_SERVER = "127.0.0.1"
    # Port of the relay: 25 plain, 587 submission with STARTTLS.
    MAIL_PORT = 25
    # Upgrade the connection with STARTTLS before sending (and before any login).
    MAIL_USE_STARTTLS = False
    # Login to the relay; an empty user name sends without logging in.
    MAIL_USERNAME = ""
    # Password of MAIL_USERNAME (set it through WAGECASE_MAIL_PASSWORD, never in the file).
    MAIL_PASSWORD = ""
    # The From address of every message.
    MAIL_SENDER = "wagecase@localhost"
    # Seconds each SMTP operation may take before the attempt counts as failed.
    MAIL_TIMEOUT_SECONDS = 10
    # Failed attempts (retried 1, 2, 4, ... minutes apart, at most an hour) before a message is marked failed.
    MAIL_MAX_ATTEMPTS = 8
    # Messages one run of the sender handles at most.
    MAIL_BATCH = 100
    # Seconds between two runs of the mail sender in the scheduler.
    MAIL_SEND_SECONDS = 60
    # Run the deadline scheduler inside the web process (started by its first request): right for
    # one machine on SQLite. Production runs `flask run-scheduler` as its own process instead.
    SCHEDULER_IN_WEB = False
    # Seconds between two deadline sweeps (fire due timers, reminders, overdue, digests).
    DEADLINE_SWEEP_SECONDS = 60
    # Remind the people who owe a step this many days before its due day (at REMINDER_HOUR).
    REMINDER_DAYS: ClassVar[list[int]] = [3, 1]
    # Bureau-local hour at which reminders go out on their day.
    REMINDER_HOUR = 8
    # Bureau-local hour from which each supervisor gets the day's digest of overdue and soon-due steps.
    DIGEST_HOUR = 8
    # The digest lists the steps due within this many days too.
    DIGEST_SOON_DAYS = 3
    # Open cases an instructor may hold at once, unless their account says otherwise.
    INSTRUCTOR_MAX_CASELOAD = 40
    # The deadline sweep assigns an instructor to every case waiting for one, by district, industry
    # and caseload; off: supervisors assign by hand.
    AUTO_ASSIGN_INSTRUCTORS = True


class DevelopmentConfig(Config):
    """The laptop default: embedded SQLite under instance/."""

    ENV_NAME = "development"
    SCHEDULER_IN_WEB = True


class TestingConfig(Config):
    """Tests: SQLite in memory unless WAGECASE_DATABASE_URL points elsewhere (CI runs PostgreSQL too)."""

    ENV_NAME = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # Cases keep waiting for a person's assignment unless a test turns the automatic one on.
    AUTO_ASSIGN_INSTRUCTORS = False
    # Cheap hashes keep the suite fast; the algorithm is the same.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024


class ProductionConfig(Config):
    """Production: PostgreSQL and a real secret are required, demo seeding is refused."""

    ENV_NAME = "production"
    SECRET_KEY = ""
    SEED_DEMO_ALLOWED = False
    SQLALCHEMY_DATABASE_URI = ""
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

# Environment names that do not follow the WAGECASE_<ATTRIBUTE> rule.
ALIASES = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _parse(raw: str, default: Any = None, name: str = "") -> Any:
    """Read a value from the environment as the type of the setting's default.

    Text settings stay text (a secret of digits must not become a number); booleans accept the usual
    spellings (``False`` must not become the truthy string "False"); anything else is JSON or text.
    """
    if isinstance(default, bool):
        word = raw.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise ValueError(f"{name}={raw!r} is not a boolean; use true or false")
    if isinstance(default, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_config(name_or_object: str | type[Config] | dict[str, Any] | None = None) -> dict[str, Any]:
    """Resolve a config name, class or mapping, then apply WAGECASE_* overrides from the environment."""
    if isinstance(name_or_object, dict):
        base = dict(name_or_object)
        cls: type[Config] = CONFIGS[base.pop("ENV_NAME", "testing")]
    else:
        if name_or_object is None:
            name_or_object = os.environ.get(f"{ENV_PREFIX}ENV", "development")
        cls = CONFIGS[name_or_object] if isinstance(name_or_object, str) else name_or_object
        base = {}
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    for env_key, raw in os.environ.items():
        if not env_key.startswith(ENV_PREFIX) or env_key == f"{ENV_PREFIX}ENV":
            continue
        key = env_key[len(ENV_PREFIX):]
        key = ALIASES.get(key, key)
        settings[key] = _parse(raw, settings.get(key), env_key)
    settings.update(base)
    return settings
