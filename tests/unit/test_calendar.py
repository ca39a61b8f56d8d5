"""Deadlines counted on China's holiday calendar: the examples of DOMAIN.md and their edge cases."""

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar import (
    ClockRule,
    DayOverride,
    DueDate,
    HolidayCalendar,
    HolidayName,
    add_months,
    compute_due,
)

CAL = HolidayCalendar()
DAYS_10 = ClockRule(10, "calendar_days")
WORKING_10 = ClockRule(10, "working_days")


def test_signed_before_national_day_is_due_on_october_9() -> None:
    due = compute_due(date(2025, 9, 26), DAYS_10, CAL)
    assert due.due == date(2025, 10, 9)
    assert due.unrolled == date(2025, 10, 6)
    assert "National Day" in due.rolled_past
    # The package names 2025-10-06 itself Mid-autumn Festival (the two holidays were merged).
    assert due.rolled_past == ("Mid-autumn Festival", "National Day")
    assert due.rolled_past_zh == ("中秋节", "国庆节")
    assert due.rolled is True
    assert due.warnings == ()


def test_ten_working_days_from_september_26_count_the_swapped_days() -> None:
    due = compute_due(date(2025, 9, 26), WORKING_10, CAL)
    assert due.due == date(2025, 10, 16)
    assert due.rolled_past == ()


def test_swapped_weekend_days_are_working_days_and_holidays_are_not() -> None:
    assert CAL.is_workday(date(2025, 9, 28)) is True  # Sunday, worked for National Day
    assert CAL.is_workday(date(2025, 10, 11)) is True  # Saturday, worked for National Day
    assert CAL.is_workday(date(2025, 10, 1)) is False
    assert CAL.is_workday(date(2025, 10, 12)) is False  # an ordinary Sunday


def test_twenty_days_ending_on_a_friday_do_not_roll() -> None:
    due = compute_due(date(2026, 1, 10), ClockRule(20, "calendar_days"), CAL)
    assert due.due == date(2026, 1, 30)
    assert due.unrolled == date(2026, 1, 30)
    assert due.rolled is False


def test_working_days_skip_the_2026_spring_festival() -> None:
    # 2026-02-14 (Saturday) is worked; 02-15..02-23 are the holiday.
    due = compute_due(date(2026, 2, 13), ClockRule(5, "working_days"), CAL)
    assert due.due == date(2026, 2, 27)
    ten = compute_due(date(2026, 2, 13), WORKING_10, CAL)
    assert ten.due == date(2026, 3, 5)


def test_calendar_days_ending_in_spring_festival_roll_to_february_24() -> None:
    due = compute_due(date(2026, 2, 6), DAYS_10, CAL)
    assert due.unrolled == date(2026, 2, 16)
    assert due.due == date(2026, 2, 24)
    assert due.rolled_past == ("Spring Festival",)
    assert due.rolled_past_zh == ("春节",)


def test_a_year_without_data_counts_weekends_only_and_warns() -> None:
    cal = HolidayCalendar()
    assert cal.has_data(2027) is False
    assert cal.is_workday(date(2027, 1, 1)) is True  # New Year's Day unknown: a plain Friday
    due = compute_due(date(2027, 1, 6), DAYS_10, cal)
    assert due.unrolled == date(2027, 1, 16)  # Saturday
    assert due.due == date(2027, 1, 18)
    assert due.rolled_past == ("weekend",)
    assert due.rolled_past_zh == ("周末",)
    assert due.warnings == ("no_holiday_data:2027",)
    assert due.years_without_data == (2027,)


def test_ten_working_days_in_2027_without_data_are_two_plain_weeks() -> None:
    due = compute_due(date(2027, 1, 4), WORKING_10, HolidayCalendar())
    assert due.due == date(2027, 1, 18)
    assert due.warnings == ("no_holiday_data:2027",)


def test_a_count_crossing_into_an_unknown_year_warns_for_that_year_only() -> None:
    due = compute_due(date(2026, 12, 28), DAYS_10, HolidayCalendar())
    assert due.due == date(2027, 1, 7)
    assert due.warnings == ("no_holiday_data:2027",)


def test_administrator_overrides_for_2027_are_honoured_without_warning() -> None:
    cal = HolidayCalendar({date(2027, 1, 1): DayOverride(False, "New Year's Day")})
    assert cal.has_data(2027) is True
    assert cal.is_workday(date(2027, 1, 1)) is False
    assert cal.holiday_name(date(2027, 1, 1)) == HolidayName("New Year's Day", "元旦")
    due = compute_due(date(2026, 12, 22), DAYS_10, cal)
    assert due.unrolled == date(2027, 1, 1)
    assert due.due == date(2027, 1, 4)
    assert due.rolled_past == ("New Year's Day", "weekend")
    assert due.rolled_past_zh == ("元旦", "周末")
    assert due.warnings == ()


def test_without_the_override_the_same_count_ends_on_new_years_day() -> None:
    due = compute_due(date(2026, 12, 22), DAYS_10, HolidayCalendar())
    assert due.due == date(2027, 1, 1)
    assert due.warnings == ("no_holiday_data:2027",)


def test_an_override_wins_over_the_package_and_can_be_replaced() -> None:
    cal = HolidayCalendar({date(2025, 10, 9): DayOverride(False, "地方假日")})
    due = compute_due(date(2025, 9, 26), DAYS_10, cal)
    assert due.due == date(2025, 10, 10)
    assert due.rolled_past == ("Mid-autumn Festival", "National Day", "地方假日")
    cal.set_overrides({date(2025, 10, 8): DayOverride(True)})
    assert compute_due(date(2025, 9, 26), DAYS_10, cal).due == date(2025, 10, 8)
    cal.set_overrides({})
    assert compute_due(date(2025, 9, 26), DAYS_10, cal).due == date(2025, 10, 9)


def test_override_names_in_chinese_get_the_english_name() -> None:
    cal = HolidayCalendar({date(2027, 2, 8): DayOverride(False, "春节")})
    assert cal.holiday_name(date(2027, 2, 8)) == HolidayName("Spring Festival", "春节")


def test_holiday_names_come_in_english_and_chinese() -> None:
    assert CAL.holiday_name(date(2025, 10, 1)) == HolidayName("National Day", "国庆节")
    assert CAL.holiday_name(date(2026, 4, 5)) == HolidayName("Tomb-sweeping Day", "清明节")
    assert CAL.holiday_name(date(2026, 6, 19)) == HolidayName("Dragon Boat Festival", "端午节")
    assert CAL.holiday_name(date(2026, 5, 1)) == HolidayName("Labour Day", "劳动节")
    assert CAL.holiday_name(date(2025, 9, 27)) is None  # an ordinary Saturday
    assert CAL.holiday_name(date(2025, 9, 28)) is None  # a swapped working day
    assert CAL.holiday_name(date(2027, 1, 1)) is None  # no data


def test_three_months_before_expiry_is_new_years_eve_and_not_rolled() -> None:
    rule = ClockRule(3, "months", before=True, roll_forward=False)
    due = compute_due(date(2027, 3, 31), rule, HolidayCalendar())
    assert due.due == date(2026, 12, 31)
    assert due.before is True
    assert due.rolled is False
    assert due.warnings == ()  # no holiday was consulted


def test_a_before_rule_landing_on_a_holiday_is_not_moved() -> None:
    due = compute_due(date(2025, 10, 8), ClockRule(5, "calendar_days", before=True), CAL)
    assert due.due == date(2025, 10, 3)


def test_months_clamp_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2026, 5, 31), -3) == date(2026, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    one_month = ClockRule(1, "months")
    # 2026-02-28 is a Saturday, but a swapped working day of the Spring Festival: no roll.
    assert compute_due(date(2026, 1, 31), one_month, CAL).due == date(2026, 2, 28)
    # 2027-02-28 is a Sunday in a year without data: rolled to Monday.
    assert compute_due(date(2027, 1, 31), one_month, HolidayCalendar()).due == date(2027, 3, 1)


def test_an_explicit_amount_replaces_the_rule_amount() -> None:
    extension = ClockRule(15, "calendar_days")
    due = compute_due(date(2026, 3, 2), extension, CAL, amount=10)
    assert due.amount == 10
    assert due.due == date(2026, 3, 12)


def test_zero_days_from_a_holiday_roll_to_the_next_working_day() -> None:
    due = compute_due(date(2025, 10, 1), ClockRule(0, "calendar_days"), CAL)
    assert due.due == date(2025, 10, 9)


def test_a_year_before_the_package_range_does_not_raise() -> None:
    due = compute_due(date(2003, 6, 2), DAYS_10, HolidayCalendar())
    assert due.due == date(2003, 6, 12)
    assert due.warnings == ("no_holiday_data:2003",)


def test_a_disabled_clock_or_a_bad_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="disabled"):
        compute_due(date(2026, 3, 2), ClockRule(5, "calendar_days", enabled=False), CAL)
    with pytest.raises(ValueError, match="unit"):
        ClockRule(5, "weeks")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative"):
        compute_due(date(2026, 3, 2), DAYS_10, CAL, amount=-1)


def test_due_date_serialises_to_json_and_back() -> None:
    due = compute_due(date(2025, 9, 26), DAYS_10, CAL)
    data = due.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["due"] == "2025-10-09"
    assert data["unrolled"] == "2025-10-06"
    assert data["rolled_past"] == ["Mid-autumn Festival", "National Day"]
    assert DueDate.from_dict(data) == due


def test_clock_rule_serialises_to_json_and_back() -> None:
    rule = ClockRule(3, "months", roll_forward=False, before=True)
    assert rule.to_dict() == {
        "amount": 3,
        "unit": "months",
        "roll_forward": False,
        "before": True,
        "enabled": True,
    }
    assert ClockRule.from_dict(rule.to_dict()) == rule


days = st.dates(min_value=date(2004, 1, 1), max_value=date(2028, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=days, amount=st.integers(min_value=0, max_value=90))
def test_calendar_days_with_roll_end_on_a_working_day_no_earlier_than_the_count(
    start: date, amount: int
) -> None:
    due = compute_due(start, ClockRule(amount, "calendar_days"), CAL)
    assert due.unrolled == start + timedelta(days=amount)
    assert due.due >= start + timedelta(days=amount)
    assert CAL.is_workday(due.due)
    assert all(
        not CAL.is_workday(due.unrolled + timedelta(days=i)) for i in range((due.due - due.unrolled).days)
    )


@settings(max_examples=300, deadline=None)
@given(start=days, amount=st.integers(min_value=1, max_value=60))
def test_a_working_day_result_is_a_working_day(start: date, amount: int) -> None:
    due = compute_due(start, ClockRule(amount, "working_days"), CAL)
    assert CAL.is_workday(due.due)
    assert due.due > start


@settings(max_examples=300, deadline=None)
@given(start=days, amount=st.integers(min_value=0, max_value=60))
def test_one_more_working_day_is_always_later(start: date, amount: int) -> None:
    shorter = compute_due(start, ClockRule(amount, "working_days"), CAL)
    longer = compute_due(start, ClockRule(amount + 1, "working_days"), CAL)
    assert longer.due > shorter.due


def test_zero_working_days_is_the_start_day_itself() -> None:
    due = compute_due(date(2025, 10, 1), ClockRule(0, "working_days"), CAL)
    assert due.due == date(2025, 10, 1)
    assert due.rolled_past == ()
