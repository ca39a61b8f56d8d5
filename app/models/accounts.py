"""Users, their role and their ties to districts and enterprises."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UtcDateTime

ROLES = ("admin", "supervisor", "instructor", "union_rep", "enterprise_rep")

user_district = Table(
    "user_district",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("district.id", ondelete="CASCADE"), primary_key=True),
)

user_enterprise = Table(
    "user_enterprise",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_id", ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True, index=True),
)


user_industry = Table(
    "user_industry",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("industry", String(1), primary_key=True),
)


class UserIndustry(db.Model):
    """An industry (GB/T 4754 section letter) an instructor knows: assignment prefers a fit."""

    __table__ = user_industry


class District(db.Model):
    """An administrative district; supervisors and instructors are organised by it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class User(UserMixin, db.Model):
    """A person who signs in. One role each; supervisors are bound to districts, reps to enterprises."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Instructors: open cases they may hold at once (None: the configured INSTRUCTOR_MAX_CASELOAD).
    max_caseload: Mapped[int | None] = mapped_column(Integer)
    districts: Mapped[list[District]] = relationship(secondary=user_district)
    enterprises: Mapped[list[Enterprise]] = relationship(secondary=user_enterprise)  # noqa: F821
    industry_links: Mapped[list[UserIndustry]] = relationship(cascade="all, delete-orphan",
                                                              order_by=user_industry.c.industry)

    @property
    def industries(self) -> list[str]:
        """The industry section letters an instructor is known for, in order."""
        return [link.industry for link in self.industry_links]

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account's session stops working
        return bool(self.active)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for API clients. Only its sha256 is stored: a stolen database yields no token."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(db.Model):
    """One sign-in attempt; recent failures per account and per address throttle the next ones.

    Kept in the database, not in process memory, so every web worker sees the same count.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)

    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )
