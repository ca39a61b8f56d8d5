"""The holiday table: an administrator's days off and swapped working days, which win over the package.

The State Council announces each year's holidays around November; until `chinese-calendar` ships
them, an administrator enters them here and every deadline computed afterwards honours them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import extract, select

from workflows import clock

from ..audit import service as audit
from ..cases.engine_registry import runtime
from ..cases.service import transaction
from ..extensions import db
from ..models import Holiday, User


def set_day(day: date, is_workday: bool, name: str, actor: User | None) -> Holiday:
    """Record `day` as a day off (is_workday False) or a swapped working day (True); audited."""
    with transaction():
        row = db.session.get(Holiday, day)
        before = None if row is None else {"is_workday": row.is_workday, "name": row.name}
        if row is None:
            row = Holiday(day=day)
            db.session.add(row)
        row.is_workday, row.name, row.updated_at = is_workday, name.strip(), clock.now()
        audit.record("holiday_set", {"day": day.isoformat(), "is_workday": is_workday, "name": row.name,
                                     "before": before}, actor=actor)
    runtime().invalidate_holidays()
    return row


def remove_day(day: date, actor: User | None) -> bool:
    """Forget an entry; the package (or weekends) decide that day again. False when there was none."""
    with transaction():
        row = db.session.get(Holiday, day)
        if row is None:
            return False
        db.session.delete(row)
        audit.record("holiday_removed", {"day": day.isoformat()}, actor=actor)
    runtime().invalidate_holidays()
    return True


def list_days(year: int | None = None) -> list[Holiday]:
    """The table's entries, by date, optionally for one year."""
    query = select(Holiday).order_by(Holiday.day)
    if year is not None:
        query = query.where(extract("year", Holiday.day) == year)
    return list(db.session.execute(query).scalars())
