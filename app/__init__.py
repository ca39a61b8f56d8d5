"""Application factory: create_app reads as the table of contents of the app."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import load_config

from .extensions import csrf, db, login_manager, migrate


def create_app(config: Any = None) -> Flask:
    """Build the app for a config name ("development", "testing", "production"), class or mapping."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_config(config))
    check_config(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    register_extensions(app)
    register_blueprints(app)
    register_security_headers(app)
    register_errorhandlers(app)
    register_commands(app)
    register_engine(app)
    register_scheduler(app)
    return app


def check_config(app: Flask) -> None:
    """Refuse to start production without a secret or a real database."""
    if app.config["ENV_NAME"] == "production":
        required = {"SECRET_KEY": "WAGECASE_SECRET_KEY", "SQLALCHEMY_DATABASE_URI": "WAGECASE_DATABASE_URL"}
        missing = [variable for key, variable in required.items() if not app.config.get(key)]
        if missing:
            raise RuntimeError(f"production needs {', '.join(missing)} to be set")


def register_extensions(app: Flask) -> None:
    """Bind the extensions declared in app.extensions."""
    from . import i18n, navigation
    from .models.types import render_item

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     compare_type=True, render_as_batch=True, render_item=render_item)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    from .accounts import sessions  # noqa: F401  (registers the user loader)


def register_blueprints(app: Flask) -> None:
    """Mount each feature's routes."""
    from .accounts.views import bp as auth_web_bp
    from .admin.views import bp as admin_web_bp
    from .api import register as register_api
    from .campaigns.views import bp as campaigns_web_bp
    from .cases.views import bp as cases_web_bp
    from .health import bp as health_bp
    from .notifications.views import bp as notifications_web_bp
    from .reports.views import bp as dashboard_web_bp
    from .tasks.views import bp as tasks_web_bp
    from .web import bp as web_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(auth_web_bp)
    app.register_blueprint(campaigns_web_bp)
    app.register_blueprint(notifications_web_bp)
    app.register_blueprint(cases_web_bp)
    app.register_blueprint(tasks_web_bp)
    app.register_blueprint(dashboard_web_bp)
    register_api(app)
    app.register_blueprint(admin_web_bp)


def register_security_headers(app: Flask) -> None:
    """CSP, frame denial, no-sniff and the referrer policy on every answer (app/security_headers.py)."""
    from . import security_headers

    security_headers.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    """Map domain errors to HTTP answers."""
    from .errors import register

    register(app)


def register_commands(app: Flask) -> None:
    """Add the operator commands (flask seed-demo, run-deadlines, due-date, verify-audit, ...)."""
    from .cli import register

    register(app)


def register_engine(app: Flask) -> None:
    """Load and validate every BPMN process once, at start, so a broken file stops the app early."""
    from .cases.engine_registry import init_engine

    logging.getLogger("spiff").setLevel(logging.WARNING)
    init_engine(app)


def register_scheduler(app: Flask) -> None:
    """On the single-machine default, the deadline jobs run inside the web process."""
    if app.config["SCHEDULER_IN_WEB"]:
        from .deadlines.scheduler import start_in_web

        start_in_web(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Enforce foreign keys and use WAL on SQLite files, so readers never block the writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
