"""When the deadline job speaks about a task: reminders before its due day, then "overdue" when it passes.

Pure functions of the task's due date and the configured offsets, shared by the case service (which
sets a new task's first notice) and the deadline job (which sends it and sets the next one).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from workflows import clock

OVERDUE = "overdue"


def reminder_kind(days: int) -> str:
    """The notice kind of the reminder `days` days before the due day."""
    return f"reminder_{days}d"


def notice_plan(due_at: datetime, due_on: date | None, reminder_days: Iterable[int],
                reminder_hour: int) -> list[tuple[str, datetime]]:
    """Every notice of one deadline, earliest first: a reminder `d` days before the due day at
    `reminder_hour` (bureau time) for each offset, then "overdue" at the deadline itself."""
    day = due_on or due_at.astimezone(clock.zone()).date()
    plan = []
    for days in sorted({int(d) for d in reminder_days if int(d) > 0}, reverse=True):
        instant = datetime.combine(day - timedelta(days=days), time(reminder_hour), clock.zone())
        if instant < due_at:
            plan.append((reminder_kind(days), instant))
    plan.append((OVERDUE, due_at))
    return plan


def next_notice(plan: list[tuple[str, datetime]], after: datetime) -> datetime | None:
    """The first notice strictly after `after`; reminders whose time passed before a task existed are
    never sent late (a step handed over two days before its deadline gets the one-day reminder only)."""
    return next((instant for _, instant in plan if instant > after), None)


def due_notice(plan: list[tuple[str, datetime]], since: datetime, now: datetime) -> str | None:
    """The one notice to send now: the latest whose time came between `since` and `now` (earlier ones
    missed while the job was down are superseded by it, so nobody gets "3 days left" and "1 day
    left" in the same minute)."""
    due = [kind for kind, instant in plan if since <= instant <= now]
    return due[-1] if due else None


def first_notice(plan: list[tuple[str, datetime]], created: datetime) -> datetime:
    """When a new task's first notice is due: the next one after its creation, or at once ("overdue")
    when its deadline had already passed as it became ready."""
    return next_notice(plan, created) or plan[-1][1]
