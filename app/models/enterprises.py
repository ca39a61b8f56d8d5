"""The enterprise registry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import District
from .types import UtcDateTime

# state-owned, collective, private, foreign-invested, invested from Hong Kong/Macao/Taiwan, other.
OWNERSHIPS = ("state", "collective", "private", "foreign", "hmt", "other")


class Enterprise(db.Model):
    """An employer, identified by its unified social credit code (GB 32100-2015)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    industry: Mapped[str] = mapped_column(String(1), index=True)
    employees: Mapped[int] = mapped_column(Integer)
    women_employees: Mapped[int] = mapped_column(Integer, default=0)
    has_union: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Registration type, for the campaign's targets by kind of enterprise (see OWNERSHIPS).
    ownership: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    district: Mapped[District] = relationship(lazy="joined")
