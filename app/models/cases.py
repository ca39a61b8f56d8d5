"""A negotiation case: the engine's blob plus the read-model rows people query."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows import clock

from ..extensions import db
from .accounts import District, User
from .enterprises import Enterprise
from .types import JsonType, UtcDateTime

case_enterprise = Table(
    "case_enterprise",
    db.metadata,
    Column("case_id", ForeignKey("case.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_id", ForeignKey("enterprise.id"), primary_key=True, index=True),
)

CASE_STATUSES = ("active", "in_force", "completed", "closed", "cancelled")
# A case still running: its deadlines tick, its instructor answers for it, it may still be cancelled.
OPEN_STATUSES = ("active", "in_force")


class Case(db.Model):
    """One negotiation cycle for one enterprise, or several in a regional/industry negotiation.

    `workflow_state` is the serialised SpiffWorkflow instance; everything people filter on is a
    typed, indexed column updated in the same transaction, so no read ever loads the workflow.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12), default="enterprise")
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    instructor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    rule_set: Mapped[str] = mapped_column(String(40))
    rules: Mapped[dict[str, Any]] = mapped_column(JsonType)
    process_id: Mapped[str] = mapped_column(String(64))
    spec_version: Mapped[str] = mapped_column(ForeignKey("process_version.content_hash"))
    workflow_state: Mapped[str] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    stage: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    next_timer_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    previous_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    wage_increase_pct: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    guideline_position: Mapped[str | None] = mapped_column(String(20))
    # "wage" (工资专项集体合同) or "comprehensive" (综合性集体合同), as agreed in the draft.
    agreement_type: Mapped[str | None] = mapped_column(String(16))
    signed_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Hash of the case's newest audit event: appends need no query, and a deleted tail shows.
    audit_head: Mapped[str | None] = mapped_column(String(64))

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": lock_version}
    # The deadline job claims "the next due case" in (next_timer_at, id) order: with the id in the
    # index, a day's timers (all due at the same midnight) are taken one index entry at a time.
    __table_args__ = (Index("ix_case_next_timer_id", "next_timer_at", "id"),)

    district: Mapped[District] = relationship(lazy="joined")
    instructor: Mapped[User | None] = relationship(foreign_keys=[instructor_id], lazy="joined")
    enterprises: Mapped[list[Enterprise]] = relationship(secondary=case_enterprise, lazy="selectin")
    tasks: Mapped[list[CaseTask]] = relationship(
        back_populates="case", order_by="CaseTask.id", lazy="select", cascade="all, delete-orphan"
    )

    @property
    def ref(self) -> str:
        """The number people quote, derived from the id and the year opened: WC-2026-000123."""
        return f"WC-{self.opened_at.astimezone(clock.zone()).year}-{self.id:06d}"


TASK_STATES = ("ready", "completed", "cancelled")


class CaseTask(db.Model):
    """One user task of a case that became ready: the inbox, overdue lists and dashboards read these."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    spiff_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(32))
    form: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_on: Mapped[date | None] = mapped_column(Date)
    due_clock: Mapped[str | None] = mapped_column(String(32))
    due_explanation: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    # When the deadline job next has something to say about this task (a reminder, then "overdue");
    # None once everything is said or the task has no deadline. The job's poll is one index range.
    next_notice_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set by the deadline job when it marks the task overdue (and tells the instructor and supervisors).
    overdue_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    form_data: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    warnings: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonType)

    case: Mapped[Case] = relationship(back_populates="tasks")
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    __table_args__ = (
        Index("ix_case_task_state_due", "state", "due_at"),
        Index("ix_case_task_lane_state", "lane", "state"),
        Index("ix_case_task_case_spiff", "case_id", "spiff_id", unique=True),
        Index("ix_case_task_state_notice", "state", "next_notice_at", "id"),
    )


class Comment(db.Model):
    """A remark on a case by one of its parties; comments are never edited, only added."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    author: Mapped[User] = relationship(lazy="joined")


class ProcessVersion(db.Model):
    """The BPMN a case started on, stored once per version instead of inside every case's JSON."""

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    files: Mapped[dict[str, str]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
