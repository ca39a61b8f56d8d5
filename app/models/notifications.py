"""In-app notifications per user, and the e-mail outbox that carries some of them by SMTP."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UtcDateTime

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class Notification(db.Model):
    """One message in a user's list, stored in the language it was written for them; unread until read_at.

    The text is stored, not derived: what the user was told stays what they were told, whatever
    happens to the case later.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        # "My unread, newest first" and "my unread count" are one index range each.
        Index("ix_notification_user_read_created", "user_id", "read_at", "created_at"),
    )


class OutboxMessage(db.Model):
    """An e-mail waiting to be sent, being sent, sent, or given up on; rows are kept, never deleted.

    Written in the same transaction as the change that caused it, so a rolled-back change sends
    nothing and a committed one is never lost, even while the mail server is down. A sender claims a
    row (status "sending" with its `claim_token`) before talking to the server; `next_attempt_at` is
    when it is due, or, while it is being sent, when an abandoned claim may be taken over.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id", ondelete="SET NULL"),
                                                        index=True)
    claim_token: Mapped[str | None] = mapped_column(String(32))

    notification: Mapped[Notification | None] = relationship()

    __table_args__ = (
        # The sender's poll: due rows of a status, oldest due first.
        Index("ix_outbox_message_status_next", "status", "next_attempt_at"),
    )
