"""Calendar-day, working-day and month arithmetic for statutory clocks on China's holiday calendar."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, get_args

import chinese_calendar

Unit = Literal["calendar_days", "working_days", "months"]
UNITS: tuple[str, ...] = get_args(Unit)

# Marker stored in DueDate.rolled_past when the roll passed a plain weekend rather than a holiday,
# so that an explanation can still say why the day moved.
WEEKEND = "weekend"
WEEKEND_ZH = "周末"

# Name used for an administrator's non-working day entered without a name.
UNNAMED_HOLIDAY = "Holiday"
UNNAMED_HOLIDAY_ZH = "节假日"

NO_HOLIDAY_DATA = "no_holiday_data"

# The package's Chinese names are the short forms (清明, 端午, 中秋); users expect the official
# holiday names, so the translation is ours and the package's only serves as a fallback.
HOLIDAY_NAMES_ZH: Mapping[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
_HOLIDAY_NAMES_EN: Mapping[str, str] = {zh: en for en, zh in HOLIDAY_NAMES_ZH.items()} | {
    "清明": "Tomb-sweeping Day",
    "端午": "Dragon Boat Festival",
    "中秋": "Mid-autumn Festival",
}


@dataclass(frozen=True)
class DayOverride:
    """One row of the administrator's holiday table; it wins over the package so that a new
    State Council announcement (or a local holiday) takes effect without a software release."""

    is_workday: bool
    name: str = ""


@dataclass(frozen=True)
class HolidayName:
    """A holiday's name in both languages, because explanations are shown in either."""

    en: str
    zh: str


def holiday_name_from_text(name: str) -> HolidayName:
    """Bilingual name for a name typed by an administrator in either language, so that an
    override reads naturally in both interfaces whichever language it was entered in."""
    name = name.strip()
    if name in HOLIDAY_NAMES_ZH:
        return HolidayName(en=name, zh=HOLIDAY_NAMES_ZH[name])
    if name in _HOLIDAY_NAMES_EN:
        return HolidayName(en=_HOLIDAY_NAMES_EN[name], zh=HOLIDAY_NAMES_ZH[_HOLIDAY_NAMES_EN[name]])
    return HolidayName(en=name, zh=name)


@functools.cache
def package_covers(year: int) -> bool:
    """Whether `chinese_calendar` knows the year's holidays; probed rather than hard-coded so that
    upgrading the package extends coverage with no code change."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _is_weekend(d: date) -> bool:
    return d.weekday() >= 5


class HolidayCalendar:
    """Decides whether a day is a working day: the administrator's table first, then the
    `chinese_calendar` package, then Monday-Friday, so a year nobody has announced yet degrades
    to a visible approximation instead of an exception."""

    def __init__(self, overrides: Mapping[date, DayOverride] | None = None) -> None:
        self._overrides: dict[date, DayOverride] = {}
        self._override_years: frozenset[int] = frozenset()
        self.set_overrides(overrides or {})

    def set_overrides(self, overrides: Mapping[date, DayOverride]) -> None:
        """Replace the whole table, because the app reloads it from its database after each edit
        and a removed row must stop counting."""
        self._overrides = dict(overrides)
        self._override_years = frozenset(d.year for d in self._overrides)

    @property
    def overrides(self) -> Mapping[date, DayOverride]:
        """Read-only view, so callers can show the table without being able to bypass set_overrides."""
        return dict(self._overrides)

    def has_data(self, year: int) -> bool:
        """True when holidays of the year are known (package or administrator), i.e. when a count
        in that year is more than a weekends-only guess."""
        return package_covers(year) or year in self._override_years

    def is_workday(self, d: date) -> bool:
        """Whether `d` is a working day; swapped working days (调休) on a weekend count as working."""
        override = self._overrides.get(d)
        if override is not None:
            return override.is_workday
        if package_covers(d.year):
            return bool(chinese_calendar.is_workday(d))
        return not _is_weekend(d)

    def holiday_name(self, d: date) -> HolidayName | None:
        """Name of the holiday that makes `d` a day off, or None when `d` is a working day or only
        a weekend: explanations name holidays, not ordinary Saturdays."""
        override = self._overrides.get(d)
        if override is not None:
            if override.is_workday:
                return None
            if override.name.strip():
                return holiday_name_from_text(override.name)
            return None if _is_weekend(d) else HolidayName(UNNAMED_HOLIDAY, UNNAMED_HOLIDAY_ZH)
        if not package_covers(d.year) or chinese_calendar.is_workday(d):
            return None
        _, name = chinese_calendar.get_holiday_detail(d)
        if not name:
            return None
        return HolidayName(en=name, zh=HOLIDAY_NAMES_ZH.get(name, _package_zh(name)))


def _package_zh(name: str) -> str:
    """Chinese name as the package spells it, for a holiday added to the package after this module."""
    for holiday in chinese_calendar.Holiday:
        if holiday.value == name:
            return str(holiday.chinese)
    return name


@dataclass(frozen=True)
class ClockRule:
    """One statutory clock as data (amount, unit, direction), so a locality's variant is a
    configuration change, never a code change."""

    amount: int
    unit: Unit
    # Civil Code 203: a period whose last day is a holiday ends on the next working day.
    roll_forward: bool = True
    # Counted backwards from the start (e.g. the renewal window opens 3 months before expiry);
    # such a day is never rolled, since moving it later would shorten the period it opens.
    before: bool = False
    # A clock the rule set does not impose (e.g. publication is only "promptly" under CCP 48).
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}; expected one of {', '.join(UNITS)}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"amount must be a non-negative integer, got {self.amount!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form, for the rule-set snapshot a case is pinned to."""
        return {
            "amount": self.amount,
            "unit": self.unit,
            "roll_forward": self.roll_forward,
            "before": self.before,
            "enabled": self.enabled,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClockRule:
        """Inverse of to_dict; optional flags take their defaults so older snapshots still load."""
        return cls(
            amount=int(data["amount"]),
            unit=data["unit"],
            roll_forward=bool(data.get("roll_forward", True)),
            before=bool(data.get("before", False)),
            enabled=bool(data.get("enabled", True)),
        )


@dataclass(frozen=True)
class DueDate:
    """A computed deadline with everything needed to explain it, so a user can check the count
    by hand and see why it moved."""

    due: date
    start: date
    amount: int
    unit: Unit
    unrolled: date
    rolled_past: tuple[str, ...] = ()
    rolled_past_zh: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    before: bool = False

    @property
    def rolled(self) -> bool:
        """Whether Civil Code 203 moved the deadline."""
        return self.due != self.unrolled

    @property
    def years_without_data(self) -> tuple[int, ...]:
        """Years counted on weekends only, taken from the warnings, for display."""
        prefix = NO_HOLIDAY_DATA + ":"
        return tuple(int(w[len(prefix) :]) for w in self.warnings if w.startswith(prefix))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (ISO dates, lists) for the API and for storing on the case."""
        return {
            "due": self.due.isoformat(),
            "start": self.start.isoformat(),
            "amount": self.amount,
            "unit": self.unit,
            "unrolled": self.unrolled.isoformat(),
            "rolled_past": list(self.rolled_past),
            "rolled_past_zh": list(self.rolled_past_zh),
            "warnings": list(self.warnings),
            "before": self.before,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DueDate:
        """Inverse of to_dict, so a stored deadline is read back without recounting it on
        today's (possibly changed) holiday table."""
        return cls(
            due=date.fromisoformat(data["due"]),
            start=date.fromisoformat(data["start"]),
            amount=int(data["amount"]),
            unit=data["unit"],
            unrolled=date.fromisoformat(data["unrolled"]),
            rolled_past=tuple(data.get("rolled_past", ())),
            rolled_past_zh=tuple(data.get("rolled_past_zh", ())),
            warnings=tuple(data.get("warnings", ())),
            before=bool(data.get("before", False)),
        )


def add_months(d: date, months: int) -> date:
    """Shift by calendar months, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29),
    because the corresponding day does not exist in a shorter month."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, _days_in_month(year, month)))


def _days_in_month(year: int, month: int) -> int:
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - first).days


def _count_working_days(start: date, amount: int, step: int, calendar: HolidayCalendar) -> date:
    d = start
    counted = 0
    while counted < amount:
        d += timedelta(days=step)
        if calendar.is_workday(d):
            counted += 1
    return d


def _years(first: date, last: date) -> Iterator[int]:
    low, high = min(first, last), max(first, last)
    return iter(range(low.year, high.year + 1))


def compute_due(
    start: date, rule: ClockRule, calendar: HolidayCalendar, amount: int | None = None
) -> DueDate:
    """Deadline of `rule` started on `start`. The starting day is not counted (Civil Code 201);
    a last day off moves to the next working day when the rule says so (Civil Code 203).
    `amount` replaces the rule's amount, e.g. a coordination extension shorter than the maximum.
    A year without holiday data is counted on weekends only and flagged, never refused: a
    deadline early next year must be computable before the State Council has announced it."""
    if not rule.enabled:
        raise ValueError("this clock is disabled in its rule set, so it sets no deadline")
    n = rule.amount if amount is None else amount
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"amount must be a non-negative integer, got {n!r}")

    step = -1 if rule.before else 1
    if rule.unit == "calendar_days":
        unrolled = start + timedelta(days=step * n)
    elif rule.unit == "months":
        unrolled = add_months(start, step * n)
    else:
        unrolled = _count_working_days(start, n, step, calendar)

    due = unrolled
    names: list[str] = []
    names_zh: list[str] = []
    # A working-day count already ends on a working day; only a plain count can end on a day off.
    rolls = rule.roll_forward and not rule.before and rule.unit != "working_days"
    if rolls:
        while not calendar.is_workday(due):
            name = calendar.holiday_name(due) or HolidayName(WEEKEND, WEEKEND_ZH)
            if name.en not in names:
                names.append(name.en)
                names_zh.append(name.zh)
            due += timedelta(days=1)

    # Holiday data matters only where the calendar was consulted; a plain count of calendar days
    # or months with no roll is exact in any year and gets no warning.
    consulted = rolls or rule.unit == "working_days"
    warnings: tuple[str, ...] = ()
    if consulted:
        first = start + timedelta(days=step) if due != start else start
        warnings = tuple(
            f"{NO_HOLIDAY_DATA}:{year}" for year in _years(first, due) if not calendar.has_data(year)
        )

    return DueDate(
        due=due,
        start=start,
        amount=n,
        unit=rule.unit,
        unrolled=unrolled,
        rolled_past=tuple(names),
        rolled_past_zh=tuple(names_zh),
        warnings=warnings,
        before=rule.before,
    )
