"""The only functions BPMN conditions, scripts and timer expressions may call.

Each rule of the procedure that a diagram needs (day counting, the congress vote, the guideline
band, the agreement's term) has its one home here; the app's form validation calls the same
functions, so a rule never exists twice.
"""

from __future__ import annotations

import builtins
import calendar
import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from . import clock
from .calendar import ClockRule, DueDate, HolidayCalendar, compute_due
from .rulesets import RuleSet, explain, get_rule_set

# A clock the rule set switches off (e.g. publication "promptly" under national-2004) still needs
# a timer instant for the diagram's timer event: it is this one, which never comes.
NO_DEADLINE = "9999-12-31T00:00:00+00:00"

SAFE_BUILTIN_NAMES = ("len", "min", "max", "abs", "round", "int", "float", "str", "bool", "sum", "any", "all")
SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}


def as_date(value: date | str) -> date:
    """Task data holds dates as ISO strings; accept both."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# The rule set the case being run is pinned to. Task data names it (`rules = "national-2004"`)
# rather than copying it into every task of the instance; the engine pins the case's own snapshot
# here while it runs, so a later change of the built-in set never reaches a running case.
_pinned: ContextVar[RuleSet | None] = ContextVar("pinned_rule_set", default=None)


def rule_set_of(rules: str | Mapping[str, Any] | RuleSet) -> RuleSet:
    """The case's rule set: the pinned snapshot for its name, else a built-in or a snapshot dict."""
    if isinstance(rules, RuleSet):
        return rules
    if isinstance(rules, str):
        pinned = _pinned.get()
        return pinned if pinned is not None and pinned.name == rules else get_rule_set(rules)
    return RuleSet.from_dict(dict(rules))


@contextlib.contextmanager
def pinned(rule_set: RuleSet | None) -> Iterator[None]:
    """Evaluate expressions of one case against its own pinned rule set."""
    token = _pinned.set(rule_set)
    try:
        yield
    finally:
        _pinned.reset(token)


@dataclass(frozen=True)
class VoteResult:
    """The outcome of a workers' congress vote under a rule set (CCP art. 36, Civil Code 1259)."""

    quorate: bool
    passed: bool
    present_needed: int
    in_favour_needed: int


def _at_least(total: int, fraction: Fraction) -> int:
    """The smallest whole number that is at least `fraction` of `total`."""
    share = fraction * total
    return int(share) if share.denominator == 1 else int(share) + 1


def vote_result(total: int, present: int, in_favour: int, rules: str | Mapping[str, Any] | RuleSet) -> VoteResult:
    """Quorum is a share of ALL present; adoption needs a share of ALL (not of those present) in favour.

    With `majority_inclusive` (the literal reading of "半数以上"), exactly half passes; otherwise more
    than half is needed.
    """
    rs = rule_set_of(rules)
    present_needed = _at_least(total, rs.quorum_fraction)
    # "半数以上" read literally includes exactly half; the strict reading needs more than half.
    half = rs.majority_fraction * total
    in_favour_needed = _at_least(total, rs.majority_fraction) if rs.majority_inclusive else int(half) + 1
    quorate = present >= present_needed
    return VoteResult(quorate, quorate and in_favour >= in_favour_needed, present_needed, in_favour_needed)


def vote_passed(vote: Mapping[str, Any], rules: str | Mapping[str, Any]) -> bool:
    """Gateway condition: was the draft adopted by the congress whose counts the form recorded?"""
    return vote_result(int(vote["total"]), int(vote["present"]), int(vote["in_favour"]), rules).passed


GUIDELINE_POSITIONS = ("below_floor", "floor_to_baseline", "baseline_to_upper", "above_upper")


def guideline_position(increase_pct: Decimal | float | str, guideline: Mapping[str, Any]) -> str:
    """Where a proposed wage increase stands against the year's guideline (floor, baseline, upper line).

    Below the floor and above the upper line are the two positions to flag; a guideline with no
    upper line (some cities publish only baseline and floor) never flags the top.
    """
    pct = Decimal(str(increase_pct))
    if pct < Decimal(str(guideline["floor_pct"])):
        return "below_floor"
    if pct < Decimal(str(guideline["baseline_pct"])):
        return "floor_to_baseline"
    upper = guideline.get("upper_pct")
    if upper is not None and pct > Decimal(str(upper)):
        return "above_upper"
    return "baseline_to_upper"


def day_after(value: date | str) -> str:
    """The next calendar day, ISO."""
    return (as_date(value) + timedelta(days=1)).isoformat()


def term_end(effective_on: date | str, months: int) -> str:
    """Last day of a term of `months` starting on `effective_on` (Civil Code 202).

    The term ends the day before the corresponding day of its last month (2026-01-01 + 12 months
    -> 2026-12-31); when that month has no corresponding day, it ends on the month's last day
    (2026-01-31 + 1 month -> 2026-02-28).
    """
    start = as_date(effective_on)
    month_index = start.month - 1 + int(months)
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:
        return date(year, month, last_day).isoformat()
    return (date(year, month, start.day) - timedelta(days=1)).isoformat()


def days_after(value: date | str, days: int) -> str:
    """The calendar day `days` after `value`, ISO: a campaign's n-th weekly check is days_after(launched, 7 * n)."""
    return (as_date(value) + timedelta(days=int(days))).isoformat()


def start_of_day(value: date | str) -> str:
    """Timer instant of a day's first moment in the bureau's time zone: a step that is due that morning."""
    return datetime.combine(as_date(value), time.min, clock.zone()).isoformat()


def end_of_day(value: date | str) -> str:
    """Timer instant of a day's end in the bureau's time zone: a period whose last day is `value` is a whole day."""
    return start_of_day(as_date(value) + timedelta(days=1))


class ScriptEnvironment:
    """Builds the functions a diagram may call, bound to one holiday calendar.

    `functions()` is what the engine evaluates with; `functions(explain=True)` replaces the timer
    functions by ones that return the due date's explanation instead of an instant, so the same
    timer expression both sets the timer and explains it.
    """

    def __init__(self, calendar: HolidayCalendar) -> None:
        self.calendar = calendar

    def due(self, clock_name: str, start: date | str, rules: str | Mapping[str, Any] | RuleSet,
            amount: int | None = None) -> tuple[RuleSet, ClockRule, DueDate | None]:
        """Compute a clock's due date under the case's rule set; None when the rule set switches it off."""
        rs = rule_set_of(rules)
        rule = rs.clocks[clock_name]
        if not rule.enabled:
            return rs, rule, None
        return rs, rule, compute_due(as_date(start), rule, self.calendar, int(amount) if amount else None)

    def _instant(self, day: date) -> str:
        return datetime.combine(day, time.min, clock.zone()).isoformat()

    def end_of(self, day: date) -> str:
        """Timer instant of a deadline falling on `day`: the end of that day in the bureau's time zone."""
        return self._instant(day + timedelta(days=1))

    def deadline(self, clock_name: str, start: date | str, rules: str | Mapping[str, Any],
                 amount: int | None = None) -> str:
        """Timer instant of a deadline: the end of the due day in the bureau's time zone."""
        _, _, due = self.due(clock_name, start, rules, amount)
        return NO_DEADLINE if due is None else self.end_of(due.due)

    def opens(self, clock_name: str, start: date | str, rules: str | Mapping[str, Any],
              amount: int | None = None) -> str:
        """Timer instant of a window that opens on the due day (the renewal window): its first moment."""
        _, _, due = self.due(clock_name, start, rules, amount)
        return NO_DEADLINE if due is None else self._instant(due.due)

    def due_on(self, clock_name: str, start: date | str, rules: str | Mapping[str, Any],
               amount: int | None = None) -> str:
        """The due date itself, ISO (for chaining, e.g. an extension counted from the first period's end)."""
        _, _, due = self.due(clock_name, start, rules, amount)
        if due is None:
            raise ValueError(f"clock {clock_name!r} is switched off in this rule set")
        return due.due.isoformat()

    def explain(self, clock_name: str, start: date | str, rules: str | Mapping[str, Any],
                amount: int | None = None, *, opens: bool = False) -> dict[str, Any]:
        """Everything a person needs to trust a due date: rule, start, count, calendar, holidays, warnings."""
        rs, rule, due = self.due(clock_name, start, rules, amount)
        if due is None:
            return {"clock": clock_name, "rule_set": rs.name, "disabled": True, "due_on": None, "instant": None}
        instant = self._instant(due.due if opens else due.due + timedelta(days=1))
        return {
            "clock": clock_name,
            "rule_set": rs.name,
            "disabled": False,
            **due.to_dict(),
            "due_on": due.due.isoformat(),
            "instant": instant,
            "roll_forward": rule.roll_forward,
            "text": {"en": explain(clock_name, due, rs, "en"), "zh": explain(clock_name, due, rs, "zh")},
        }

    def functions(self, explain: bool = False) -> dict[str, Callable[..., Any]]:
        """The names a BPMN expression may call."""
        fns: dict[str, Callable[..., Any]] = {
            "deadline": self.deadline,
            "opens": self.opens,
            "due_on": self.due_on,
            "day_after": day_after,
            "term_end": term_end,
            "days_after": days_after,
            "start_of_day": start_of_day,
            "end_of_day": end_of_day,
            "vote_passed": vote_passed,
            "guideline_position": guideline_position,
        }
        if explain:
            fns["deadline"] = self.explain
            fns["opens"] = lambda *a, **k: self.explain(*a, **k, opens=True)
        return fns


FUNCTION_NAMES = frozenset(ScriptEnvironment(HolidayCalendar()).functions()) | frozenset(SAFE_BUILTIN_NAMES)
