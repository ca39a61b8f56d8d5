"""Operator commands: due-date, verify-audit, seed-demo and run-deadlines, as an operator runs them."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import delete, func, select, update

from app import create_app
from app.audit.service import record
from app.enterprises.credit_code import problem
from app.extensions import db
from app.models import ROLES, AuditEvent, Case, CaseTask, District, Enterprise, User
from tests.conftest import at
from tests.helpers import complete, open_case, ready_ids, reload
from workflows import clock


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


# ---------------------------------------------------------------------------- due-date
def test_due_date_of_a_filing_signed_before_national_day(app: Flask) -> None:
    result = run(app, "due-date", "national-2004", "filing", "2025-09-26")
    assert result.exit_code == 0, result.output
    first, explanation = result.output.splitlines()
    assert first == "2025-10-09"
    assert explanation.startswith("due 2025-10-09: 10 calendar days from signature of the agreement on 2025-09-26")
    assert "National Day" in explanation


def test_due_date_under_the_wage_measures_rolls_seven_days_past_the_holiday(app: Flask) -> None:
    # 7 days from 2025-09-26 is 2025-10-03, inside the 1-8 October holiday: the first working day is 10-09.
    result = run(app, "due-date", "wage-measures-2000", "filing", "2025-09-26")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2025-10-09"
    assert "7 calendar days" in result.output
    assert "National Day" in result.output


def test_due_date_explains_in_chinese(app: Flask) -> None:
    result = run(app, "due-date", "national-2004", "filing", "2025-09-26", "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert "国庆节" in result.output
    assert "顺延" in result.output


def test_due_date_with_an_unknown_rule_set_lists_the_known_ones(app: Flask) -> None:
    result = run(app, "due-date", "national-1994", "filing", "2025-09-26")
    assert result.exit_code != 0
    assert "unknown rule set" in result.output
    assert "national-2004" in result.output


def test_due_date_with_an_unknown_clock_lists_the_known_ones(app: Flask) -> None:
    result = run(app, "due-date", "national-2004", "signing", "2025-09-26")
    assert result.exit_code != 0
    assert "unknown clock" in result.output
    assert "filing" in result.output


def test_due_date_with_a_bad_date_says_what_is_expected(app: Flask) -> None:
    result = run(app, "due-date", "national-2004", "filing", "26/09/2025")
    assert result.exit_code != 0
    assert "Invalid value for START:" in result.output
    assert "YYYY-MM-DD" in result.output


def test_due_date_with_a_shorter_amount(app: Flask) -> None:
    result = run(app, "due-date", "national-2004", "coordination_extension", "2026-03-02", "--amount", "5")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2026-03-09"  # Saturday 7 March rolled to Monday


def test_due_date_refuses_a_negative_amount_without_a_traceback(app: Flask) -> None:
    result = run(app, "due-date", "national-2004", "coordination_extension", "2026-03-02", "--amount", "-1")
    assert result.exit_code == 2
    assert "Invalid value for '--amount'" in result.output
    assert "Traceback" not in result.output


def test_due_date_of_a_clock_the_rule_set_switches_off(app: Flask) -> None:
    result = run(app, "due-date", "national-2004", "publication", "2025-09-26")
    assert result.exit_code == 3
    assert "publication has no deadline under national-2004" in result.stderr
    assert result.stdout == ""


# ---------------------------------------------------------------------------- verify-audit
def audit_chain(count: int = 3) -> list[int]:
    """Append `count` events, each in its own transaction, as the app does."""
    for i in range(count):
        record("test_event", {"n": i, "note": "事件"}, actor=None)
        db.session.commit()
    return list(db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())


def test_verify_audit_accepts_an_intact_chain(app: Flask) -> None:
    audit_chain()
    result = run(app, "verify-audit")
    assert result.exit_code == 0, result.output
    assert "intact: 3 event(s)" in result.output


def test_verify_audit_names_an_edited_row(app: Flask) -> None:
    ids = audit_chain()
    db.session.execute(update(AuditEvent.__table__).where(AuditEvent.__table__.c.id == ids[1])
                       .values(payload={"n": 99, "note": "事件"}))
    db.session.commit()
    result = run(app, "verify-audit")
    assert result.exit_code == 1
    assert f"BROKEN at event id {ids[1]}" in result.stderr
    assert "edited" in result.stderr


def test_verify_audit_names_the_row_after_a_deleted_one(app: Flask) -> None:
    ids = audit_chain()
    db.session.execute(delete(AuditEvent.__table__).where(AuditEvent.__table__.c.id == ids[1]))
    db.session.commit()
    result = run(app, "verify-audit")
    assert result.exit_code == 1
    assert f"BROKEN at event id {ids[2]}" in result.stderr
    assert "removed" in result.stderr


# ---------------------------------------------------------------------------- seed-demo
def test_seed_demo_refuses_where_seeding_is_not_allowed(app: Flask) -> None:
    locked = create_app({"ENV_NAME": "testing", "SEED_DEMO_ALLOWED": False,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with locked.app_context():
        result = locked.test_cli_runner().invoke(args=["seed-demo", "--force"])
        assert result.exit_code != 0
        assert "refuses" in result.stderr
        assert db.session.execute(select(func.count()).select_from(User)).scalar() == 0
    assert db.session.execute(select(func.count()).select_from(User)).scalar() == 0


def count(model: Any) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_seed_demo_fills_an_empty_database_once(app: Flask) -> None:
    now = at("2026-06-15")
    with clock.frozen_at(now):
        result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert count(District) == 3
    assert 50 <= count(Enterprise) <= 70
    codes = db.session.execute(select(Enterprise.credit_code)).scalars().all()
    assert len(set(codes)) == len(codes)
    assert [c for c in codes if problem(c)] == []
    roles = set(db.session.execute(select(User.role)).scalars())
    assert roles == set(ROLES)
    stages = set(db.session.execute(select(Case.stage)).scalars())
    assert len(stages) >= 10, stages
    overdue = db.session.execute(select(func.count()).select_from(CaseTask).where(
        CaseTask.state == "ready", CaseTask.due_at < now)).scalar()
    assert overdue >= 1
    before = {m.__name__: count(m) for m in (District, Enterprise, User, Case)}

    with clock.frozen_at(now):
        again = run(app, "seed-demo")
    assert again.exit_code == 0, again.output
    assert "nothing seeded" in again.output
    assert {m.__name__: count(m) for m in (District, Enterprise, User, Case)} == before


# ---------------------------------------------------------------------------- run-deadlines
def test_run_deadlines_fires_what_is_due_by_the_given_day(app: Flask, world: Any) -> None:
    case = open_case(world, on="2026-03-02")
    complete(case, "assign_instructor", world.supervisor,
             {"instructor": world.instructor.username, "assigned_on": "2026-03-02"}, on="2026-03-02")
    assert ready_ids(case) == ["accept_assignment"]
    result = run(app, "run-deadlines", "--as-of", "2030-01-01", "--force")
    assert result.exit_code == 0, result.output
    # A naive day is read in the bureau's zone: midnight in Shanghai is 16:00 UTC the day before.
    assert result.output.startswith("as of 2029-12-31T16:00:00+00:00: 1 case(s) advanced by timers")
    # The instructor did not answer in 3 working days: the assignment goes back to the bureau.
    assert ready_ids(reload(case)) == ["assign_instructor"]


def test_run_deadlines_leaves_what_is_not_due_yet(app: Flask, world: Any) -> None:
    case = open_case(world, on="2026-03-02")
    complete(case, "assign_instructor", world.supervisor,
             {"instructor": world.instructor.username, "assigned_on": "2026-03-02"}, on="2026-03-02")
    # 3 working days from Monday 2 March end with Thursday 5 March.
    result = run(app, "run-deadlines", "--as-of", "2026-03-05T23:59:00")
    assert result.exit_code == 0, result.output
    # Nothing fired; the instructor was reminded the day before (the 3-day reminder predates the task).
    assert "0 case(s) advanced by timers, 0 instructor(s) assigned, 1 reminder(s), 0 step(s) marked overdue" \
        in result.output
    assert ready_ids(reload(case)) == ["accept_assignment"]


def test_run_deadlines_refuses_a_future_instant_without_force(app: Flask, world: Any) -> None:
    case = open_case(world, on="2026-03-02")
    complete(case, "assign_instructor", world.supervisor,
             {"instructor": world.instructor.username, "assigned_on": "2026-03-02"}, on="2026-03-02")
    with clock.frozen_at(at("2026-03-03")):
        result = run(app, "run-deadlines", "--as-of", "2030-01-01")
    assert result.exit_code != 0
    assert "is in the future" in result.output and "--force" in result.output
    assert ready_ids(reload(case)) == ["accept_assignment"]


def test_run_deadlines_refuses_a_value_that_is_not_a_date(app: Flask) -> None:
    result = run(app, "run-deadlines", "--as-of", "yesterday")
    assert result.exit_code != 0
    assert "'yesterday' is not an ISO 8601 date" in result.output
    assert "--as-of" in result.output
