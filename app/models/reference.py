"""Reference data an administrator maintains: wage guidelines and the holiday table."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime


class WageGuideline(db.Model):
    """A year's wage guideline (工资指导线) as % increases of the average wage; the upper line is optional."""

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    floor_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    baseline_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    upper_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    published_on: Mapped[date | None] = mapped_column(Date)


class Holiday(db.Model):
    """An administrator's entry in the holiday table: it wins over the packaged calendar for that day."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
