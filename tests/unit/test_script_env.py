"""The rules diagrams call: congress vote, guideline band, agreement term, and deadline instants in Shanghai."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from workflows import clock
from workflows.calendar import HolidayCalendar
from workflows.rulesets import RuleSet, get_rule_set
from workflows.script_env import (
    NO_DEADLINE,
    ScriptEnvironment,
    guideline_position,
    pinned,
    term_end,
    vote_passed,
    vote_result,
)

NATIONAL = get_rule_set("national-2004")
ENV = ScriptEnvironment(HolidayCalendar())
GUIDELINE = {"floor_pct": "3.00", "baseline_pct": "6.00", "upper_pct": "9.00"}


def strict_majority() -> RuleSet:
    data = NATIONAL.to_dict()
    data["majority_inclusive"] = False
    return RuleSet.from_dict(data)


def test_two_thirds_of_all_must_be_present() -> None:
    assert vote_result(120, 80, 80, NATIONAL).present_needed == 80
    assert vote_result(120, 80, 80, NATIONAL).quorate
    short = vote_result(120, 79, 79, NATIONAL)
    assert not short.quorate
    assert not short.passed  # 79 in favour would be a majority, but the congress was not quorate


def test_exactly_half_of_all_passes_when_half_is_inclusive() -> None:
    result = vote_result(120, 80, 60, NATIONAL)
    assert result.in_favour_needed == 60
    assert result.passed
    assert not vote_result(120, 80, 59, NATIONAL).passed


def test_exactly_half_fails_when_more_than_half_is_required() -> None:
    rules = strict_majority()
    result = vote_result(120, 80, 60, rules)
    assert result.in_favour_needed == 61
    assert not result.passed
    assert vote_result(120, 80, 61, rules).passed


def test_the_majority_counts_all_members_not_those_present() -> None:
    # 60 of the 80 present is three quarters of those present but only half of all 120.
    assert not vote_result(120, 80, 59, NATIONAL).passed
    assert not vote_result(120, 119, 59, NATIONAL).passed


def test_odd_totals_round_up() -> None:
    result = vote_result(7, 5, 4, NATIONAL)
    assert (result.present_needed, result.in_favour_needed) == (5, 4)
    assert result.passed
    assert not vote_result(7, 4, 4, NATIONAL).quorate
    assert not vote_result(7, 5, 3, NATIONAL).passed
    assert vote_result(7, 5, 4, strict_majority()).in_favour_needed == 4


def test_the_gateway_reads_the_form_and_the_pinned_rules() -> None:
    vote = {"total": "120", "present": "80", "in_favour": "60"}
    assert vote_passed(vote, "national-2004")
    with pinned(strict_majority()):
        assert not vote_passed(vote, "national-2004")
    assert vote_passed(vote, "national-2004")


@pytest.mark.parametrize(
    ("pct", "position"),
    [
        ("2.99", "below_floor"),
        ("-1", "below_floor"),
        ("3.00", "floor_to_baseline"),
        ("5.99", "floor_to_baseline"),
        ("6", "baseline_to_upper"),
        ("9.00", "baseline_to_upper"),
        ("9.01", "above_upper"),
        (12.5, "above_upper"),
        (Decimal("4.5"), "floor_to_baseline"),
    ],
)
def test_guideline_position_on_each_band(pct: object, position: str) -> None:
    assert guideline_position(pct, GUIDELINE) == position


@pytest.mark.parametrize("guideline", [
    {"floor_pct": "3.00", "baseline_pct": "6.00"},
    {"floor_pct": "3.00", "baseline_pct": "6.00", "upper_pct": None},
])
def test_a_guideline_without_upper_line_never_flags_the_top(guideline: dict) -> None:
    assert guideline_position("50", guideline) == "baseline_to_upper"
    assert guideline_position("2", guideline) == "below_floor"


@pytest.mark.parametrize(
    ("effective_on", "months", "last_day"),
    [
        ("2026-01-01", 12, "2026-12-31"),
        ("2026-01-15", 1, "2026-02-14"),
        ("2026-03-01", 1, "2026-03-31"),
        ("2026-12-01", 1, "2026-12-31"),
        ("2026-07-01", 36, "2029-06-30"),
        ("2026-01-28", 1, "2026-02-27"),
    ],
)
def test_a_term_ends_the_day_before_the_same_day_of_its_last_month(effective_on: str, months: int,
                                                                  last_day: str) -> None:
    assert term_end(effective_on, months) == last_day


@pytest.mark.parametrize(
    ("effective_on", "months", "last_day"),
    [
        # Jan 31 + 1 month: February has no 31st, so the term runs to the end of February.
        ("2026-01-31", 1, "2026-02-28"),
        ("2026-01-29", 1, "2026-02-28"),
        # In force on 29 Feb 2028 for a year: 2029 has no 29 Feb, the year ends on 28 Feb (365 days).
        ("2028-02-29", 12, "2029-02-28"),
    ],
)
def test_a_term_whose_last_month_lacks_the_day_ends_with_that_month(effective_on: str, months: int,
                                                                    last_day: str) -> None:
    assert term_end(effective_on, months) == last_day


def test_deadline_is_the_first_moment_after_the_due_day_in_shanghai() -> None:
    instant = ENV.deadline("response", "2026-03-02", "national-2004")
    # 20 days = Sunday 2026-03-22, rolled to Monday 2026-03-23; the timer fires when that day ends.
    assert instant == "2026-03-24T00:00:00+08:00"
    assert datetime.fromisoformat(instant).utcoffset().total_seconds() == 8 * 3600
    assert clock.zone().key == "Asia/Shanghai"


def test_deadline_rolls_past_national_day() -> None:
    assert ENV.due_on("filing", "2025-09-26", "national-2004") == "2025-10-09"
    assert ENV.deadline("filing", "2025-09-26", "national-2004") == "2025-10-10T00:00:00+08:00"


def test_opens_is_the_first_moment_of_the_window_day() -> None:
    # Renewal opens 3 months before expiry and is never rolled.
    assert ENV.opens("renewal_window", "2027-03-31", "national-2004") == "2026-12-31T00:00:00+08:00"
    assert ENV.opens("renewal_window", "2027-03-31", "wage-measures-2000") == "2027-01-30T00:00:00+08:00"


def test_explain_gives_the_same_instant_and_a_sentence() -> None:
    explained = ENV.explain("response", "2026-03-02", "national-2004")
    assert explained["instant"] == ENV.deadline("response", "2026-03-02", "national-2004")
    assert explained["due_on"] == "2026-03-23"
    assert explained["disabled"] is False
    assert explained["text"]["en"].startswith("due 2026-03-23: 20 calendar days")
    assert "顺延" in explained["text"]["zh"]


def test_a_disabled_clock_sets_no_deadline_and_says_so() -> None:
    assert ENV.deadline("publication", "2026-03-02", "national-2004") == NO_DEADLINE
    assert ENV.opens("publication", "2026-03-02", "national-2004") == NO_DEADLINE
    explained = ENV.explain("publication", "2026-03-02", "national-2004")
    assert explained["disabled"] is True
    assert explained["due_on"] is None
    assert explained["instant"] is None
    with pytest.raises(ValueError, match="switched off"):
        ENV.due_on("publication", "2026-03-02", "national-2004")


def test_the_same_clock_is_enabled_under_the_wage_measures() -> None:
    assert ENV.deadline("publication", "2026-03-02", "wage-measures-2000") != NO_DEADLINE
