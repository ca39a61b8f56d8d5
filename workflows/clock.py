"""The one source of "now" for the engine and the app, so tests move time instead of sleeping.

SpiffWorkflow computes and fires timers with its own ``datetime.now()``; `install()` points the
timer module at this clock once, so the engine and the app can never disagree about the time.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

_state = threading.local()
_frozen_global: datetime | None = None
_installed = False
_local_zone: tzinfo = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current instant, aware, in UTC: a frozen or moved time when one is set, else the wall clock."""
    frozen = getattr(_state, "frozen", None) or _frozen_global
    return frozen if frozen is not None else datetime.now(UTC)


def set_zone(zone: str | tzinfo) -> None:
    """Set the bureau's time zone: calendar dates (due dates, 'today') are read in it."""
    global _local_zone
    _local_zone = ZoneInfo(zone) if isinstance(zone, str) else zone


def zone() -> tzinfo:
    """The bureau's time zone."""
    return _local_zone


def today() -> date:
    """Today's date in the bureau's time zone."""
    return now().astimezone(_local_zone).date()


def deadline_day(value: date | datetime) -> date:
    """The day a deadline falls on. A deadline instant is the end of its last day (the next day's first
    moment in the bureau's zone), so its day is the one before; a date is already that day."""
    if not isinstance(value, datetime):
        return value
    return (_aware(value).astimezone(_local_zone) - timedelta(microseconds=1)).date()


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("the clock takes aware datetimes only")
    return instant.astimezone(UTC)


@contextlib.contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    """Run a block as if it were `instant` (this thread only): the scheduler's --as-of and the tests use it."""
    previous = getattr(_state, "frozen", None)
    _state.frozen = _aware(instant)
    try:
        yield
    finally:
        _state.frozen = previous


def set_global(instant: datetime | None) -> None:
    """Move time for every thread (tests of concurrent requests); None returns to the wall clock."""
    global _frozen_global
    _frozen_global = None if instant is None else _aware(instant)


class _ClockDatetime(datetime):
    """A datetime whose now() is the clock's; handed to SpiffWorkflow's timer module."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        instant = now()
        return instant.astimezone(tz) if tz is not None else instant.astimezone().replace(tzinfo=None)


def install() -> None:
    """Make SpiffWorkflow's timers compute and fire on this clock (idempotent)."""
    global _installed
    if _installed:
        return
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockDatetime  # type: ignore[misc]
    _installed = True
