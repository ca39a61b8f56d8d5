"""Reference data an administrator maintains: wage guidelines, the holiday table and local rule sets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import JsonType, UtcDateTime


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


class StoredRuleSet(db.Model):
    """A local rule set an administrator defined as data (`RuleSet.to_dict()`), beside the built-in ones.

    Cases copy the definition when they open, so editing a row never moves a running case's deadlines.
    """

    __tablename__ = "rule_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
