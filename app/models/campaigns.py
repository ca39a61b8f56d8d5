"""The yearly "double contract month" campaign: its targets, its own BPMN cycle, and its launch."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import JsonType, UtcDateTime

CAMPAIGN_STATUSES = ("planning", "launching", "running", "closed")

# One case per campaign and enterprise: the launch is idempotent because this key says so. A
# regional or industry case holds a row for each enterprise it covers.
campaign_enterprise = Table(
    "campaign_enterprise",
    db.metadata,
    Column("campaign_id", ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_id", ForeignKey("enterprise.id"), primary_key=True),
    Column("case_id", ForeignKey("case.id", ondelete="CASCADE"), nullable=False, index=True),
)


class Campaign(db.Model):
    """One year's campaign; cases launched by it carry its id, so lists and KPIs can filter on it.

    The campaign runs its own process (`bpmn/contract_month.bpmn`): like a case, it stores the
    serialised workflow and keeps what people filter on in columns.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Coverage targets in percent, e.g. {"coverage_pct": 95, "wage_coverage_pct": 87}.
    targets: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16), default="planning", server_default="planning")
    process_id: Mapped[str | None] = mapped_column(String(64))
    spec_version: Mapped[str | None] = mapped_column(ForeignKey("process_version.content_hash"))
    workflow_state: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(32))
    next_timer_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    # The launch: which enterprises, how many of them, how far it got.
    launch_filters: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    launch_total: Mapped[int | None] = mapped_column(Integer)
    launch_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    launch_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    launch_finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": lock_version}
