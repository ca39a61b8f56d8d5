"""What the deadline job has already said: one row per notice, so no notice is ever sent twice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime


class DeadlineNotice(db.Model):
    """A reminder or overdue notice about one task's deadline, written with the notifications it caused.

    The unique key includes the due instant: after an extension the new deadline gets its own
    reminders, while a second job run (or a second scheduler process) can never repeat one.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("case_task.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("task_id", "kind", "due_at", name="uq_deadline_notice_task_kind_due"),)


class DigestSent(db.Model):
    """A supervisor's daily digest for one bureau-local day: present once it went out (or had nothing to say)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
