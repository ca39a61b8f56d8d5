"""The holiday table an administrator extends: a new year's announcement moves deadlines at once."""

from __future__ import annotations

from flask import Flask

from app.audit.service import verify
from app.extensions import db
from app.models import AuditEvent


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_an_announced_holiday_moves_a_2027_deadline_and_silences_the_warning(app: Flask) -> None:
    # 2027-01-22 + 10 calendar days = 2027-02-01, a Monday: with weekends only, no roll and a warning.
    before = run(app, "due-date", "national-2004", "filing", "2027-01-22")
    assert before.output.splitlines()[0] == "2027-02-01"
    assert "no holiday data for 2027" in before.output

    for day in ("2027-02-01", "2027-02-02"):
        assert run(app, "holidays", "set", day, "--off", "--name", "春节").exit_code == 0
    after = run(app, "due-date", "national-2004", "filing", "2027-01-22")
    assert after.output.splitlines()[0] == "2027-02-03"
    assert "Spring Festival" in after.output
    assert "no holiday data" not in after.output


def test_a_swapped_working_day_counts_as_a_working_day(app: Flask) -> None:
    # Three working days from Friday 2027-01-08 end on Wednesday 13th, or Tuesday 12th when Sunday 10th is worked.
    assert run(app, "due-date", "national-2004", "instructor_answer", "2027-01-08").output.startswith("2027-01-13")
    assert run(app, "holidays", "set", "2027-01-10", "--workday").exit_code == 0
    assert run(app, "due-date", "national-2004", "instructor_answer", "2027-01-08").output.startswith("2027-01-12")
    listing = run(app, "holidays", "list", "--year", "2027")
    assert listing.output.strip() == "2027-01-10\tworkday"


def test_removing_an_entry_restores_the_packaged_calendar_and_is_audited(app: Flask) -> None:
    run(app, "holidays", "set", "2027-02-01", "--off", "--name", "春节")
    assert run(app, "holidays", "remove", "2027-02-01").exit_code == 0
    assert run(app, "due-date", "national-2004", "filing", "2027-01-22").output.startswith("2027-02-01")
    kinds = [e.kind for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert kinds == ["holiday_set", "holiday_removed"]
    assert verify().ok
    missing = run(app, "holidays", "remove", "2027-02-01")
    assert missing.exit_code == 1 and "not in the holiday table" in missing.output


def test_a_bad_day_is_refused(app: Flask) -> None:
    result = run(app, "holidays", "set", "2027-13-01", "--off")
    assert result.exit_code != 0 and "not an ISO date" in result.output
