"""Test fixtures: the app on a throwaway SQLite file, or on PostgreSQL when WAGECASE_DATABASE_URL says so."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.accounts.passwords import hash_password
from app.extensions import db
from app.models import District, Enterprise, User, WageGuideline
from tests.webclient import Browser
from workflows import clock

USING_POSTGRES = os.environ.get("WAGECASE_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app per run; the schema is built by the migrations, as in production."""
    overrides: dict[str, Any] = {"DOCUMENTS_DIR": str(tmp_path_factory.mktemp("documents"))}
    if not USING_POSTGRES:
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    application = create_app({"ENV_NAME": "testing", **overrides})
    with application.app_context():
        if USING_POSTGRES:
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
    yield application


@pytest.fixture(autouse=True)
def _clean(app: Flask) -> Iterator[None]:
    """Each test starts on empty tables and a wall clock, inside an app context."""
    with app.app_context():
        yield
        db.session.rollback()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        if USING_POSTGRES:
            db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                db.session.execute(text(f'DELETE FROM "{table}"'))
        db.session.commit()
        db.session.remove()
    clock.set_global(None)
    runtime = app.extensions["wagecase_engine"]
    runtime.holidays_token = None
    runtime.invalidate_holidays()
    runtime.known_versions.clear()


def at(day: date | str, hour: int = 10) -> datetime:
    """A bureau-local instant on `day`, as aware UTC."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(d, time(hour), clock.zone()).astimezone(UTC)


@dataclass
class World:
    """A district with one enterprise and one user of every role bound to it."""

    district: District
    other_district: District
    enterprise: Enterprise
    other_enterprise: Enterprise
    admin: User
    supervisor: User
    other_supervisor: User
    instructor: User
    other_instructor: User
    union: User
    employer: User
    other_union: User


def make_user(username: str, role: str, **links: Any) -> User:
    user = User(username=username, display_name=username, role=role, password_hash=hash_password("pw-" + username),
                active=True, created_at=clock.now(), **links)
    db.session.add(user)
    return user


def make_enterprise(name: str, district: District, code: str, employees: int = 120) -> Enterprise:
    e = Enterprise(credit_code=code, name=name, district=district, industry="C", employees=employees,
                   women_employees=employees // 3, has_union=True, created_at=clock.now())
    db.session.add(e)
    return e


def build_world() -> World:
    """Two districts, an enterprise in each, and a user of every role, committed (tests and benchmarks)."""
    d1, d2 = District(code="210102", name="和平区"), District(code="210103", name="沈河区")
    db.session.add_all([d1, d2])
    e1 = make_enterprise("华信机械制造有限公司", d1, "914403001922038216")
    e2 = make_enterprise("东方商贸有限公司", d2, "91110000802100433B")
    w = World(
        district=d1, other_district=d2, enterprise=e1, other_enterprise=e2,
        admin=make_user("admin", "admin"),
        supervisor=make_user("sup1", "supervisor", districts=[d1]),
        other_supervisor=make_user("sup2", "supervisor", districts=[d2]),
        instructor=make_user("ins1", "instructor"),
        other_instructor=make_user("ins2", "instructor"),
        union=make_user("union1", "union_rep", enterprises=[e1]),
        employer=make_user("employer1", "enterprise_rep", enterprises=[e1]),
        other_union=make_user("union2", "union_rep", enterprises=[e2]),
    )
    db.session.add(WageGuideline(year=2026, floor_pct=Decimal("3.00"), baseline_pct=Decimal("6.00"),
                                 upper_pct=Decimal("9.00")))
    db.session.commit()
    return w


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def browser(app: Flask) -> Browser:
    """A signed-out browser on the test app (tests/webclient.py)."""
    return Browser(app)
