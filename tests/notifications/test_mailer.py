"""The outbox sender against a real SMTP server on loopback (aiosmtpd): down, up, retried, never twice.

Time is moved with the clock, never slept: a failed attempt is due again only when the clock has
passed its backoff.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask
from sqlalchemy import select, update

from app.cases.service import transaction
from app.extensions import db
from app.models import AuditEvent, OutboxMessage, User
from app.notifications import mailer, service
from tests.conftest import USING_POSTGRES, World, at, make_user
from workflows import clock

T0 = at("2026-03-02", 9)


class Recorder:
    """An aiosmtpd handler that keeps every message it accepted, and can refuse recipients."""

    def __init__(self, refuse: str | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = refuse
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


def free_port() -> int:
    """A loopback port nobody listens on (until the test starts a server there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server(port: int, handler: Recorder, **kwargs: Any) -> Iterator[Recorder]:
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def port(app: Flask, monkeypatch: pytest.MonkeyPatch) -> int:
    """Mail switched on, pointing at a free loopback port."""
    chosen = free_port()
    for key, value in {"MAIL_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": chosen,
                       "MAIL_TIMEOUT_SECONDS": 5, "MAIL_SENDER": "wagecase@bureau.example"}.items():
        monkeypatch.setitem(app.config, key, value)
    return chosen


def people(world: World, count: int) -> list[User]:
    users = [make_user(f"rep{i}", "union_rep", enterprises=[world.enterprise], email=f"rep{i}@example.org")
             for i in range(count)]
    db.session.commit()
    return users


def queue(users: list[User], subject: str = "提醒：答复即将到期") -> None:
    """One notification per user, at T0 (the clock is set for every thread)."""
    clock.set_global(T0)
    with transaction():
        for user in users:
            service.notify(user, "reminder", {"zh": subject}, {"zh": f"{user.username}，请及时答复。"},
                           link="https://wagecase.example/cases/1")


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def send(now: datetime, batch: int | None = None) -> mailer.SendReport:
    report = mailer.send_pending(now, batch)
    db.session.rollback()
    return report


# ---------------------------------------------------------------------------- down, then up
def test_the_server_down_then_up_delivers_every_message_once(world: World, port: int) -> None:
    queue(people(world, 5))

    down = send(T0)

    assert (down.sent, down.retrying, down.failed) == (0, 5, 0)
    for row in rows():
        assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
        assert row.next_attempt_at == T0 + timedelta(minutes=1)
        assert f"127.0.0.1:{port}" in (row.last_error or "") and "Connection" in (row.last_error or "")

    with smtp_server(port, Recorder()) as server:
        early = send(T0 + timedelta(seconds=59))
        assert early.handled == 0 and server.messages == []  # the backoff is honoured

        up = send(T0 + timedelta(minutes=1))

        assert (up.sent, up.retrying, up.failed) == (5, 0, 0)
        assert sorted(m["To"] for m in server.messages) == [f"rep{i}@example.org" for i in range(5)]
        assert len(set(server.ids())) == 5
        assert all(row.status == "sent" and row.sent_at == T0 + timedelta(minutes=1) for row in rows())

        again = send(T0 + timedelta(hours=2))
        assert again.handled == 0 and len(server.messages) == 5


def test_the_email_says_what_the_notification_says(world: World, port: int) -> None:
    [user] = people(world, 1)
    queue([user], subject="提醒：工资集体协商答复即将到期")
    with smtp_server(port, Recorder()) as server:
        assert send(T0).sent == 1

    [message] = server.messages
    assert message["Subject"] == "提醒：工资集体协商答复即将到期"
    assert message["From"] == "wagecase@bureau.example" and message["To"] == "rep0@example.org"
    assert message["Message-ID"].endswith("@bureau.example>")
    text = message.get_content()
    assert "rep0，请及时答复。" in text and "https://wagecase.example/cases/1" in text


# ---------------------------------------------------------------------------- two senders
def test_two_senders_at_once_never_send_one_message_twice(app: Flask, world: World, port: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    queue(people(world, 12))
    # Both senders read a due message before either claims one: on SQLite the same one (the
    # conditional claim lets one win), on PostgreSQL different ones (SKIP LOCKED passes the row the
    # other holds locked; a plain FOR UPDATE would wait for it, and they would never meet).
    met = threading.Barrier(2, timeout=10)
    seen = threading.local()
    picked: list[int | None] = []
    original = mailer.next_due

    def together(now: datetime) -> OutboxMessage | None:
        row = original(now)
        if not getattr(seen, "met", False):
            seen.met = True
            with contextlib.suppress(threading.BrokenBarrierError):
                met.wait()
                picked.append(row.id if row else None)
        return row

    monkeypatch.setattr(mailer, "next_due", together)
    reports: list[Any] = [None, None]

    def sender(i: int) -> None:
        with app.app_context():
            try:
                reports[i] = mailer.send_pending(T0, 100)
            except Exception as exc:  # the test reports what went wrong in the thread
                reports[i] = exc
            finally:
                met.abort()

    with smtp_server(port, Recorder()) as server:
        threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    assert all(isinstance(r, mailer.SendReport) for r in reports), reports
    assert sum(r.sent for r in reports) == 12 and sum(r.handled for r in reports) == 12
    assert len(server.messages) == 12 and len(set(server.ids())) == 12
    assert all(row.status == "sent" for row in rows())
    assert len(picked) == 2 and None not in picked, "the two senders did not read a due message at once"
    assert len(set(picked)) == (2 if USING_POSTGRES else 1)


# ---------------------------------------------------------------------------- giving up, refusals
def test_a_message_failing_max_attempts_times_is_marked_failed_and_kept(world: World, port: int,
                                                                        app: Flask,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    queue(people(world, 1))

    assert send(T0).retrying == 1
    assert rows()[0].next_attempt_at == T0 + timedelta(minutes=1)
    assert send(T0 + timedelta(minutes=1)).retrying == 1
    assert rows()[0].next_attempt_at == T0 + timedelta(minutes=3)  # then 2 minutes
    assert send(T0 + timedelta(minutes=3)).failed == 1

    [row] = rows()
    assert (row.status, row.attempts, row.sent_at) == ("failed", 3, None)
    assert "Connection" in (row.last_error or "")
    [event] = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "mail_failed")).scalars()
    assert event.payload["outbox_id"] == row.id and event.payload["attempts"] == 3
    with smtp_server(port, Recorder()) as server:
        assert send(T0 + timedelta(days=1)).handled == 0
    assert server.messages == [] and rows()[0].status == "failed"


def test_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    assert [mailer.backoff(n) // timedelta(minutes=1) for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_a_recipient_refused_for_good_fails_at_once_and_the_others_go(world: World, port: int) -> None:
    queue(people(world, 3))
    with smtp_server(port, Recorder(refuse="rep1@example.org")) as server:
        report = send(T0)

    assert (report.sent, report.retrying, report.failed) == (2, 0, 1)
    assert sorted(m["To"] for m in server.messages) == ["rep0@example.org", "rep2@example.org"]
    refused = next(r for r in rows() if r.to_address == "rep1@example.org")
    assert refused.status == "failed" and "550" in (refused.last_error or "")


def test_a_claim_abandoned_by_a_dead_sender_is_taken_over_after_its_lease(world: World, port: int) -> None:
    queue(people(world, 1))
    lease_end = T0 + timedelta(minutes=15)
    db.session.execute(update(OutboxMessage).values(status="sending", claim_token="dead", next_attempt_at=lease_end))
    db.session.commit()

    with smtp_server(port, Recorder()) as server:
        assert send(lease_end - timedelta(seconds=1)).handled == 0  # still held
        assert send(lease_end).sent == 1
    assert len(server.messages) == 1 and rows()[0].status == "sent"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_sender_logs_in_when_told_to(world: World, port: int, app: Flask,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"wagecase", b"s3cret")
        return AuthResult(success=ok, handled=False)

    monkeypatch.setitem(app.config, "MAIL_USERNAME", "wagecase")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "wrong")
    queue(people(world, 1))
    with smtp_server(port, Recorder(), authenticator=authenticator, auth_require_tls=False,
                     auth_required=True) as server:
        assert send(T0).retrying == 1
        assert "535" in (rows()[0].last_error or "")
        monkeypatch.setitem(app.config, "MAIL_PASSWORD", "s3cret")
        assert send(T0 + timedelta(minutes=1)).sent == 1
    assert len(server.messages) == 1


# ---------------------------------------------------------------------------- disabled, and the command
def test_with_mail_disabled_the_outbox_is_kept_and_nothing_is_sent(world: World, port: int, app: Flask,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MAIL_ENABLED", False)
    queue(people(world, 2))
    with smtp_server(port, Recorder()) as server:
        report = send(T0)
        assert not report.enabled and report.waiting == 2 and "disabled" in str(report)
        assert server.messages == []
        assert [(r.status, r.attempts) for r in rows()] == [("pending", 0), ("pending", 0)]

        monkeypatch.setitem(app.config, "MAIL_ENABLED", True)  # switched on later: everything goes
        assert send(T0).sent == 2
    assert len(server.messages) == 2


def test_flask_send_mail_once(world: World, port: int, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    queue(people(world, 3))
    monkeypatch.setitem(app.config, "MAIL_BATCH", 2)  # more than one batch is due: --once sends them all
    monkeypatch.setitem(app.config, "MAIL_ENABLED", False)
    disabled = app.test_cli_runner().invoke(args=["send-mail", "--once"])
    assert disabled.exit_code == 0 and "disabled" in disabled.output and "3 message(s) wait" in disabled.output

    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    with smtp_server(port, Recorder()) as server:
        result = app.test_cli_runner().invoke(args=["send-mail", "--once"])
    assert result.exit_code == 0, result.output
    assert "3 sent, 0 to retry later, 0 given up" in result.output
    assert len(server.messages) == 3
