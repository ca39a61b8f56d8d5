"""The outbox sender: deliver due e-mails by SMTP, retry failures with backoff, never send one message twice.

A message is claimed before the server is contacted: on PostgreSQL the due row is picked with
`SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent senders pick different rows without waiting; on
both databases the claim itself is a conditional UPDATE (still due → "sending" with a fresh token),
so of two senders that picked the same row only one wins. The claim is committed before the SMTP
conversation, so no database lock is held while a slow server answers, and the row is marked sent
only after the server accepted the message. A claim also carries a lease (`next_attempt_at`): if a
sender dies mid-send, another takes the message over once the lease runs out.

A failed attempt keeps the error and is retried after 1, 2, 4, ... minutes (at most an hour); after
MAIL_MAX_ATTEMPTS the message is marked failed and kept for an administrator to see.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from workflows import clock

from ..audit import service as audit
from ..cases import service as cases
from ..extensions import db
from ..models import OutboxMessage

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
# How long a claim holds before another sender may take the message over: far longer than one SMTP
# conversation may take (each of its steps is bounded by MAIL_TIMEOUT_SECONDS).
LEASE_FLOOR = timedelta(minutes=15)
ERROR_MAX = 1000
WAITING = ("pending", "sending")


@dataclass(frozen=True)
class MailSettings:
    """The MAIL_* settings of the app, read once per run."""

    server: str
    port: int
    starttls: bool
    username: str
    password: str = field(repr=False)
    sender: str
    timeout: float
    max_attempts: int

    @classmethod
    def from_config(cls, config: Any) -> MailSettings:
        return cls(server=config["MAIL_SERVER"], port=int(config["MAIL_PORT"]),
                   starttls=bool(config["MAIL_USE_STARTTLS"]), username=config["MAIL_USERNAME"],
                   password=config["MAIL_PASSWORD"], sender=config["MAIL_SENDER"],
                   timeout=float(config["MAIL_TIMEOUT_SECONDS"]), max_attempts=int(config["MAIL_MAX_ATTEMPTS"]))

    @property
    def lease(self) -> timedelta:
        return max(LEASE_FLOOR, timedelta(seconds=20 * self.timeout))


@dataclass
class SendReport:
    """What one run did, for the command line and the logs."""

    enabled: bool
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # only counted when sending is disabled: what is kept for later

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed

    def add(self, other: SendReport) -> None:
        """Count another run's work in (the command's total over several batches)."""
        self.sent, self.retrying, self.failed = (self.sent + other.sent, self.retrying + other.retrying,
                                                 self.failed + other.failed)

    def __str__(self) -> str:
        if not self.enabled:
            return (f"mail is disabled (MAIL_ENABLED is false): nothing sent; "
                    f"{self.waiting} message(s) wait in the outbox")
        return f"{self.sent} sent, {self.retrying} to retry later, {self.failed} given up"


@dataclass(frozen=True)
class Claimed:
    """A message this sender holds: what to send, and the token that proves the claim is still ours."""

    id: int
    token: str
    to_address: str
    subject: str
    body: str
    attempts: int
    created_at: datetime
    notification_id: int | None


class Unreachable(Exception):
    """The server could not be reached or refused us (connect, STARTTLS, login): every message would fail alike."""


class Permanent(Exception):
    """The message itself was refused for good (5xx for its recipient) or cannot be built: retrying cannot help."""


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4, ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 10)), MAX_BACKOFF)


def send_pending(now: datetime | None = None, batch: int | None = None) -> SendReport:
    """Send up to `batch` due messages (default MAIL_BATCH); with MAIL_ENABLED false, send nothing and say so."""
    config = current_app.config
    now = now or clock.now()
    if not config["MAIL_ENABLED"]:
        report = SendReport(enabled=False, waiting=waiting_count())
        log.info("%s", report)
        return report
    settings = MailSettings.from_config(config)
    report = SendReport(enabled=True)
    relay = Relay(settings)
    try:
        for _ in range(batch or int(config["MAIL_BATCH"])):
            claimed = claim_next(now, settings.lease)
            if claimed is None:
                break
            try:
                relay.send(compose(claimed, settings.sender))
            except (Unreachable, Permanent, smtplib.SMTPException, OSError) as exc:
                if record_failure(claimed, now, describe(exc), isinstance(exc, Permanent), settings):
                    report.failed += 1
                else:
                    report.retrying += 1
            else:
                mark_sent(claimed, now)
                report.sent += 1
    finally:
        relay.close()
    if report.handled:
        log.info("outbox: %s", report)
    return report


def waiting_count() -> int:
    """Messages not yet sent nor given up: what switching mail on would deliver."""
    return db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status.in_(WAITING))).scalar_one()


def _due(now: datetime) -> Any:
    # Pending and due, or being sent by a sender whose lease ran out (it died mid-send).
    return OutboxMessage.status.in_(WAITING) & (OutboxMessage.next_attempt_at <= now)


def next_due(now: datetime) -> OutboxMessage | None:
    """The most overdue message, read in the current transaction; on PostgreSQL locked, skipping rows
    another sender holds locked, so concurrent senders pick different messages without waiting."""
    query = (select(OutboxMessage).where(_due(now)).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
             .limit(1).execution_options(populate_existing=True))  # the row as it is now, not as this session saw it
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.execute(query).scalar()


def claim_next(now: datetime, lease: timedelta) -> Claimed | None:
    """Claim the most overdue message for this sender, or None when nothing is due; commits the claim."""
    while True:
        with cases.transaction():
            row = next_due(now)
            if row is None:
                return None
            took_over = row.status == "sending"
            token = secrets.token_hex(16)
            won = db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id, _due(now))
                .values(status="sending", claim_token=token, next_attempt_at=now + lease)
                .execution_options(synchronize_session=False))
            claimed = Claimed(row.id, token, row.to_address, row.subject, row.body, row.attempts, row.created_at,
                              row.notification_id)
            db.session.expunge(row)  # the UPDATE changed it behind the ORM's back; keep no stale copy
        if getattr(won, "rowcount", 0) == 1:
            if took_over:
                log.warning("outbox message %s: took over a claim whose lease ran out", claimed.id)
            return claimed
        # Another sender claimed it between our read and our update (SQLite): look for the next one.


def mark_sent(claimed: Claimed, now: datetime) -> None:
    """The server accepted the message: it is sent, unless our claim was taken over meanwhile."""
    with cases.transaction():
        done = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == claimed.id, OutboxMessage.claim_token == claimed.token)
            .values(status="sent", sent_at=now, claim_token=None)
            .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        log.warning("outbox message %s was sent after its claim had been taken over", claimed.id)


def record_failure(claimed: Claimed, now: datetime, error: str, permanent: bool, settings: MailSettings) -> bool:
    """Keep the error and schedule the next attempt, or give up; returns True when the message is now failed."""
    attempts = claimed.attempts + 1
    gave_up = permanent or attempts >= settings.max_attempts
    values: dict[str, Any] = {"attempts": attempts, "last_error": error, "claim_token": None}
    if gave_up:
        values.update(status="failed", next_attempt_at=now)
    else:
        values.update(status="pending", next_attempt_at=now + backoff(attempts))
    with cases.transaction():
        result = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == claimed.id, OutboxMessage.claim_token == claimed.token)
            .values(**values).execution_options(synchronize_session=False))
        if getattr(result, "rowcount", 0) != 1:  # our lease ran out and another sender holds it now: theirs to record
            log.warning("outbox message %s failed after its claim had been taken over: %s", claimed.id, error)
            return False
        if gave_up:
            # An administrator looks for mail that never arrived; the address stays in the outbox row only.
            audit.record("mail_failed", {"outbox_id": claimed.id, "notification_id": claimed.notification_id,
                                         "attempts": attempts, "error": error}, actor=None)
    log.warning("outbox message %s attempt %s failed%s: %s", claimed.id, attempts,
                " for good" if gave_up else "", error)
    return gave_up


def compose(claimed: Claimed, sender: str) -> EmailMessage:
    """The e-mail of a claimed row. Its Message-ID is fixed per row, so a receiver can drop a duplicate
    (the one a sender that died between the server's answer and our commit would cause)."""
    try:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = claimed.to_address
        message["Subject"] = claimed.subject
        message["Date"] = format_datetime(claimed.created_at)
        domain = sender.rpartition("@")[2] or "localhost"
        message["Message-ID"] = f"<wagecase.outbox.{claimed.id}.{claimed.created_at:%Y%m%d%H%M%S}@{domain}>"
        message.set_content(claimed.body)
    except (ValueError, TypeError, IndexError) as exc:  # a malformed address or header never becomes valid
        raise Permanent(f"cannot build the message: {exc}") from exc
    return message


class Relay:
    """One SMTP connection per run: opened on first use, reopened after an error, given up when unreachable."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None
        self.down: str | None = None

    def send(self, message: EmailMessage) -> None:
        """Hand the message over; returns only once the server accepted it."""
        if self.down is not None:
            raise Unreachable(self.down)
        if self.smtp is None:
            try:
                self.smtp = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                # Every other message of this run would wait out the same timeout: they fail alike, at once.
                self.down = f"cannot use {self.settings.server}:{self.settings.port}: {describe(exc)}"
                raise Unreachable(self.down) from exc
        try:
            refused = self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise Permanent(describe(exc)) from exc
            raise
        except BaseException:
            self.close()  # the conversation is in an unknown state: start the next message afresh
            raise
        if refused:  # one recipient per message, so this is not expected; never call a refusal a delivery
            raise smtplib.SMTPRecipientsRefused(refused)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.server, s.port, timeout=s.timeout)
        try:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is None:
            return
        smtp, self.smtp = self.smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def describe(exc: BaseException) -> str:
    """The error as an operator reads it: the server's code and words, or the network error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(f"{address}: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items())
        text = f"recipient refused: {text}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    elif isinstance(exc, (Unreachable, Permanent)):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_MAX]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
