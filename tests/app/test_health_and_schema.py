"""Health check, overview page, configuration from the environment, and models that match the migrations."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import Column, Integer, MetaData, inspect

from app import create_app
from app.extensions import db
from app.models import ROLES, Case, CaseTask, User
from app.web import STAGE_LABELS
from workflows.rulesets import CLOCK_NAMES, RULE_SETS
from workflows.script_env import GUIDELINE_POSITIONS

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/none"
PRODUCTION_DB = "postgresql+psycopg://wagecase@db.example/wagecase"


def schema_diff(metadata: MetaData) -> list[Any]:
    """What autogenerate would put in a new migration for `metadata` against the migrated database."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def tables() -> set[str]:
    db.engine.dispose()
    return set(inspect(db.engine).get_table_names())


# ---------------------------------------------------------------------------- health and overview
def test_healthz_is_ok_when_the_database_answers(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_healthz_is_503_when_the_database_is_unreachable() -> None:
    broken = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": UNREACHABLE})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert "127.0.0.1" not in response.get_data(as_text=True)  # no connection details for the prober


def test_the_overview_page_speaks_chinese_by_default(app: Flask) -> None:
    response = app.test_client().get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "工资集体协商" in page
    assert 'lang="zh-CN"' in page


def test_the_overview_page_speaks_english_on_request(app: Flask) -> None:
    response = app.test_client().get("/?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Wage negotiation cases" in page
    assert "工资集体协商" not in page
    assert 'lang="en"' in page


# ---------------------------------------------------------------------------- models and migrations
def test_the_models_match_the_migrations(app: Flask) -> None:
    assert schema_diff(db.metadata) == []


def test_a_model_column_without_a_migration_is_detected(app: Flask) -> None:
    """The comparison above is not blind: a column the migrations lack shows up as a difference."""
    changed = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["enterprise"].append_column(Column("phone_extension", Integer, nullable=True))
    diff = schema_diff(changed)
    assert [(d[0], d[2], d[3].name) for d in diff] == [("add_column", "enterprise", "phone_extension")]


def closed_sets(app: Flask) -> dict[Any, set[str]]:
    """Columns that store a value from a known set, with every value the code or the diagrams can write."""
    bundle = app.extensions["wagecase_engine"].current["wage_negotiation"]
    props = bundle.task_properties.values()
    specs = [s for spec in (bundle.spec, *bundle.subprocess_specs.values()) for s in spec.task_specs.values()]
    stages = {p["stage"] for p in props if "stage" in p} | set(STAGE_LABELS)
    return {
        Case.guideline_position: set(GUIDELINE_POSITIONS),
        Case.stage: stages,
        CaseTask.stage: stages,
        Case.rule_set: set(RULE_SETS),
        CaseTask.due_clock: set(CLOCK_NAMES),
        CaseTask.lane: {s.lane for s in specs if s.lane},
        CaseTask.form: {p["form"] for p in props if "form" in p},
        CaseTask.bpmn_id: {s.bpmn_id for s in specs if s.bpmn_id},
        User.role: set(ROLES),
    }


def test_every_value_of_a_closed_set_fits_its_column(app: Flask) -> None:
    """SQLite ignores VARCHAR lengths; PostgreSQL refuses the whole change, so check the lengths here."""
    too_long = {
        f"{column.class_.__name__}.{column.key}": sorted(v for v in values if len(v) > column.type.length)
        for column, values in closed_sets(app).items()
    }
    assert {k: v for k, v in too_long.items() if v} == {}


def test_the_migrations_go_down_to_nothing_and_back_up(app: Flask) -> None:
    runner = app.test_cli_runner()
    db.session.remove()  # no open transaction may hold a lock on the tables
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    down = runner.invoke(args=["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    assert tables() <= {"alembic_version"}
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert {t.name for t in db.metadata.sorted_tables} <= tables()
    assert schema_diff(db.metadata) == []


# ---------------------------------------------------------------------------- configuration
def test_production_without_a_secret_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAGECASE_SECRET_KEY", raising=False)
    monkeypatch.setenv("WAGECASE_DATABASE_URL", PRODUCTION_DB)
    with pytest.raises(RuntimeError, match="WAGECASE_SECRET_KEY"):
        create_app("production")


def test_production_without_a_database_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAGECASE_SECRET_KEY", "s3cret-from-the-vault")
    monkeypatch.delenv("WAGECASE_DATABASE_URL", raising=False)
    monkeypatch.delenv("WAGECASE_SQLALCHEMY_DATABASE_URI", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE") as info:
        create_app("production")
    assert "SECRET_KEY" not in str(info.value)


def test_production_with_secret_and_database_starts_without_demo_seeding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAGECASE_SECRET_KEY", "s3cret-from-the-vault")
    monkeypatch.setenv("WAGECASE_DATABASE_URL", PRODUCTION_DB)
    production = create_app("production")
    assert production.config["SECRET_KEY"] == "s3cret-from-the-vault"
    assert production.config["SQLALCHEMY_DATABASE_URI"] == PRODUCTION_DB
    assert production.config["SEED_DEMO_ALLOWED"] is False


def test_environment_overrides_reach_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAGECASE_CITY", "X")
    monkeypatch.setenv("WAGECASE_ARGON2_TIME_COST", "2")
    configured = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert configured.config["CITY"] == "X"
    assert configured.config["ARGON2_TIME_COST"] == 2


def test_text_settings_stay_text_even_when_they_look_like_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A generated secret of digits must stay a string, or signing a session cookie fails."""
    monkeypatch.setenv("WAGECASE_SECRET_KEY", "20261125")
    monkeypatch.setenv("WAGECASE_CITY", "null")
    configured = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert configured.config["SECRET_KEY"] == "20261125"
    assert configured.config["CITY"] == "null"


@pytest.mark.parametrize(("raw", "value"), [("False", False), ("false", False), ("0", False),
                                            ("True", True), ("true", True), ("1", True)])
def test_boolean_settings_read_the_usual_spellings(monkeypatch: pytest.MonkeyPatch, raw: str, value: bool) -> None:
    """WAGECASE_SEED_DEMO_ALLOWED=False must switch seeding off, not become the (truthy) string 'False'."""
    monkeypatch.setenv("WAGECASE_SEED_DEMO_ALLOWED", raw)
    configured = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert configured.config["SEED_DEMO_ALLOWED"] is value


def test_a_boolean_setting_with_a_typo_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAGECASE_SEED_DEMO_ALLOWED", "flase")
    with pytest.raises(ValueError, match="WAGECASE_SEED_DEMO_ALLOWED"):
        create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_explicit_settings_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAGECASE_CITY", "X")
    configured = create_app({"ENV_NAME": "testing", "CITY": "Y", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert configured.config["CITY"] == "Y"
