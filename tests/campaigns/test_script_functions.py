"""The day arithmetic the campaign's timers use: days after a day, and a day's first and last moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from workflows import clock
from workflows.calendar import HolidayCalendar
from workflows.expressions import check
from workflows.script_env import FUNCTION_NAMES, ScriptEnvironment, days_after, end_of_day, start_of_day


@pytest.mark.parametrize(("start", "days", "expected"), [
    ("2026-06-01", 7, "2026-06-08"),
    ("2026-06-29", 7, "2026-07-06"),   # across a month
    ("2026-12-28", 7, "2027-01-04"),   # across a year
    ("2028-02-26", 3, "2028-02-29"),   # into a leap day
    (date(2026, 6, 1), 0, "2026-06-01"),
    ("2026-06-08T10:30:00+08:00", 7, "2026-06-15"),  # an instant counts by its day
])
def test_days_after_counts_calendar_days(start: str | date, days: int, expected: str) -> None:
    assert days_after(start, days) == expected


def test_a_day_starts_and_ends_at_midnight_in_the_bureaus_time_zone() -> None:
    assert start_of_day("2026-06-08") == datetime.combine(date(2026, 6, 8), time.min, clock.zone()).isoformat()
    assert datetime.fromisoformat(start_of_day("2026-06-08")) == datetime(2026, 6, 7, 16, tzinfo=UTC)
    assert end_of_day("2026-06-30") == start_of_day("2026-07-01")
    assert end_of_day(date(2026, 12, 31)) == start_of_day("2027-01-01")


def test_the_campaigns_timer_expressions_may_call_them() -> None:
    names = set(ScriptEnvironment(HolidayCalendar()).functions())
    assert {"days_after", "start_of_day", "end_of_day"} <= names <= FUNCTION_NAMES
    check("start_of_day(min(days_after(launch_cases['launched_on'], 7 * (checks + 1)), days_after(ends_on, 1)))")
    check("days_after(launch_cases['launched_on'], 7 * checks) > ends_on")
    check("checks = checks + 1", "exec")
