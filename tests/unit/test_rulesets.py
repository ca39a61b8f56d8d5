"""Built-in rule sets, their snapshots, and the one-sentence explanations of deadlines."""

import json
from dataclasses import replace
from datetime import date
from fractions import Fraction

import pytest

from workflows.calendar import ClockRule, DayOverride, HolidayCalendar, compute_due
from workflows.rulesets import (
    CLOCK_LABELS,
    CLOCK_NAMES,
    DEFAULT_RULE_SET,
    RULE_SETS,
    RuleSet,
    UnknownRuleSet,
    explain,
    get_rule_set,
)

CAL = HolidayCalendar()
NATIONAL = get_rule_set("national-2004")
WAGE = get_rule_set("wage-measures-2000")
LOCAL = get_rule_set("local-working-days")


def test_the_default_is_the_2004_provisions() -> None:
    assert DEFAULT_RULE_SET == "national-2004"
    assert get_rule_set() is NATIONAL
    assert set(RULE_SETS) == {"national-2004", "wage-measures-2000", "local-working-days"}


@pytest.mark.parametrize("name", ["national-2004", "wage-measures-2000", "local-working-days"])
def test_every_rule_set_has_every_clock_and_every_clock_a_label(name: str) -> None:
    assert tuple(get_rule_set(name).clocks) == CLOCK_NAMES
    assert set(CLOCK_LABELS) == set(CLOCK_NAMES)


def test_national_clocks() -> None:
    c = NATIONAL.clocks
    assert c["response"] == ClockRule(20, "calendar_days")
    assert c["info_supply"].amount == 5 and c["info_supply"].before
    assert c["vacancy"].amount == 15
    assert c["coordination"].amount == 30
    assert c["coordination_extension"].amount == 15
    assert c["filing"] == ClockRule(10, "calendar_days")
    assert c["review"] == ClockRule(15, "calendar_days")
    assert c["renewal_window"] == ClockRule(3, "months", roll_forward=False, before=True)
    assert c["instructor_answer"] == ClockRule(3, "working_days")
    assert not c["talks_start"].enabled
    assert not c["filing_correction"].enabled
    assert not c["publication"].enabled  # CCP 48: "promptly"
    assert (NATIONAL.team_min, NATIONAL.team_max) == (3, None)
    assert (NATIONAL.term_months_min, NATIONAL.term_months_max) == (12, 36)
    assert NATIONAL.quorum_fraction == Fraction(2, 3)
    assert NATIONAL.majority_fraction == Fraction(1, 2)
    assert NATIONAL.majority_inclusive is True
    assert NATIONAL.expert_max_fraction == Fraction(1, 3)


def test_wage_measures_clocks() -> None:
    c = WAGE.clocks
    assert c["filing"] == ClockRule(7, "calendar_days")
    assert c["publication"] == ClockRule(5, "calendar_days")
    assert c["renewal_window"] == ClockRule(60, "calendar_days", roll_forward=False, before=True)
    assert not c["talks_start"].enabled
    assert not c["filing_correction"].enabled
    assert (WAGE.term_months_min, WAGE.term_months_max) == (12, 12)


def test_local_variant_counts_review_in_working_days() -> None:
    c = LOCAL.clocks
    assert c["review"] == ClockRule(15, "working_days")
    assert c["talks_start"] == ClockRule(10, "working_days")
    assert c["filing_correction"] == ClockRule(7, "calendar_days")
    assert LOCAL.team_max == 10
    assert c["filing"].amount == 10


def test_review_across_national_day_calendar_versus_working_days() -> None:
    start = date(2025, 9, 26)
    # 15 calendar days end on 2025-10-11, a Saturday worked in exchange for the holiday.
    assert compute_due(start, NATIONAL.clocks["review"], CAL).due == date(2025, 10, 11)
    assert compute_due(start, LOCAL.clocks["review"], CAL).due == date(2025, 10, 23)


def test_renewal_under_the_wage_measures_opens_60_days_before_expiry() -> None:
    due = compute_due(date(2027, 3, 31), WAGE.clocks["renewal_window"], CAL)
    assert due.due == date(2027, 1, 30)


def test_unknown_rule_set_names_the_known_ones() -> None:
    with pytest.raises(UnknownRuleSet) as caught:
        get_rule_set("shanghai-1999")
    assert isinstance(caught.value, KeyError)
    message = str(caught.value)
    assert "shanghai-1999" in message
    for name in RULE_SETS:
        assert name in message


@pytest.mark.parametrize("name", ["national-2004", "wage-measures-2000", "local-working-days"])
def test_snapshot_round_trips_through_json(name: str) -> None:
    rule_set = get_rule_set(name)
    data = json.loads(json.dumps(rule_set.to_dict()))
    assert RuleSet.from_dict(data) == rule_set
    assert RuleSet.from_dict(data).to_dict() == rule_set.to_dict()


def test_snapshot_stores_fractions_as_text() -> None:
    data = NATIONAL.to_dict()
    assert data["quorum_fraction"] == "2/3"
    assert data["majority_fraction"] == "1/2"
    assert data["expert_max_fraction"] == "1/3"
    assert data["clocks"]["renewal_window"] == {
        "amount": 3,
        "unit": "months",
        "roll_forward": False,
        "before": True,
        "enabled": True,
    }


def test_a_pinned_snapshot_keeps_its_own_rules() -> None:
    data = NATIONAL.to_dict()
    data["clocks"]["filing"]["amount"] = 14
    pinned = RuleSet.from_dict(data)
    assert pinned.clocks["filing"].amount == 14
    assert NATIONAL.clocks["filing"].amount == 10
    assert compute_due(date(2026, 3, 2), pinned.clocks["filing"], CAL).due == date(2026, 3, 16)


def test_built_in_clocks_cannot_be_edited_in_place() -> None:
    with pytest.raises(TypeError):
        NATIONAL.clocks["filing"] = ClockRule(30, "calendar_days")  # type: ignore[index]
    assert NATIONAL.clocks["filing"].amount == 10


def test_inconsistent_team_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="team_max"):
        replace(NATIONAL, team_max=2)
    with pytest.raises(ValueError, match="quorum_fraction"):
        replace(NATIONAL, quorum_fraction=Fraction(3, 2))


def test_explain_filing_rolled_past_national_day() -> None:
    due = compute_due(date(2025, 9, 26), NATIONAL.clocks["filing"], CAL)
    assert explain("filing", due, NATIONAL) == (
        "due 2025-10-09: 10 calendar days from signature of the agreement on 2025-09-26, "
        "rolled past Mid-autumn Festival and National Day"
    )
    assert explain("filing", due, NATIONAL, "zh") == (
        "2025-10-09 到期：自协议签字（2025-09-26）起 10 个自然日，遇中秋节、国庆节顺延"
    )


def test_explain_a_count_that_did_not_roll() -> None:
    due = compute_due(date(2026, 1, 10), NATIONAL.clocks["response"], CAL)
    assert explain("response", due, NATIONAL) == (
        "due 2026-01-30: 20 calendar days from receipt of the written proposal on 2026-01-10"
    )
    assert explain("response", due, NATIONAL, "zh") == (
        "2026-01-30 到期：自收到协商要约书（2026-01-10）起 20 个自然日"
    )


def test_explain_working_days() -> None:
    due = compute_due(date(2025, 9, 26), LOCAL.clocks["review"], CAL)
    assert explain("review", due, LOCAL) == (
        "due 2025-10-23: 15 working days from receipt of the filing on 2025-09-26"
    )
    assert explain("review", due, LOCAL, "zh") == (
        "2025-10-23 到期：自收到报送文本（2025-09-26）起 15 个工作日"
    )


def test_explain_the_renewal_window() -> None:
    due = compute_due(date(2027, 3, 31), NATIONAL.clocks["renewal_window"], CAL)
    assert explain("renewal_window", due, NATIONAL) == (
        "opens 2026-12-31: 3 months before expiry of the agreement on 2027-03-31"
    )
    assert explain("renewal_window", due, NATIONAL, "zh") == (
        "2026-12-31 开始：协议期满（2027-03-31）前 3 个月"
    )


def test_explain_a_year_without_holiday_data() -> None:
    due = compute_due(date(2027, 1, 6), NATIONAL.clocks["response"], HolidayCalendar())
    assert explain("response", due, NATIONAL) == (
        "due 2027-01-26: 20 calendar days from receipt of the written proposal on 2027-01-06"
        " (no holiday data for 2027: weekends only)"
    )
    assert explain("response", due, NATIONAL, "zh") == (
        "2027-01-26 到期：自收到协商要约书（2027-01-06）起 20 个自然日（2027 年无节假日数据，仅按周末计算）"
    )


def test_explain_a_weekend_roll_and_an_administrators_holiday() -> None:
    cal = HolidayCalendar({date(2027, 1, 1): DayOverride(False, "元旦")})
    due = compute_due(date(2026, 12, 22), NATIONAL.clocks["filing"], cal)
    assert explain("filing", due, NATIONAL) == (
        "due 2027-01-04: 10 calendar days from signature of the agreement on 2026-12-22, "
        "rolled past New Year's Day and the weekend"
    )
    assert explain("filing", due, NATIONAL, "zh") == (
        "2027-01-04 到期：自协议签字（2026-12-22）起 10 个自然日，遇元旦、周末顺延"
    )


def test_explain_a_shortened_extension_and_an_instructor_deadline() -> None:
    extension = compute_due(date(2026, 3, 2), NATIONAL.clocks["coordination_extension"], CAL, amount=10)
    assert explain("coordination_extension", extension, NATIONAL) == (
        "due 2026-03-12: 10 calendar days from expiry of the coordination period on 2026-03-02"
    )
    answer = compute_due(date(2026, 2, 13), NATIONAL.clocks["instructor_answer"], CAL)
    assert explain("instructor_answer", answer, NATIONAL) == (
        "due 2026-02-25: 3 working days from assignment to the instructor on 2026-02-13"
    )
    assert explain("instructor_answer", answer, NATIONAL, "zh") == (
        "2026-02-25 到期：自指派指导员（2026-02-13）起 3 个工作日"
    )


def test_explain_refuses_an_unknown_language() -> None:
    due = compute_due(date(2026, 1, 10), NATIONAL.clocks["response"], CAL)
    with pytest.raises(ValueError, match="language"):
        explain("response", due, NATIONAL, "fr")
