"""notify(): what each user gets (in-app, e-mail), in whose transaction, in which language; reading them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.service import transaction
from app.errors import NotFound
from app.extensions import db
from app.models import Notification, OutboxMessage, User
from app.notifications import service
from tests.conftest import World, at, make_user
from tests.helpers import open_case
from workflows import clock

REMINDER = {"zh": "提醒：请提交答复", "en": "Reminder: send the response"}
BODY = {"zh": "案件 WC-2026-000001 的答复将于 3 月 20 日到期。",
        "en": "The response of case WC-2026-000001 is due on 20 March."}


def notifications(user: User) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.execute(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)).scalars())


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_each_user_gets_a_notification_and_those_with_an_address_an_email(world: World) -> None:
    world.union.email = "union1@example.org"
    world.employer.email = "  "  # blank is no address
    db.session.commit()
    with clock.frozen_at(at("2026-03-02")), transaction():
        service.notify([world.union, world.employer, world.instructor], "reminder", REMINDER, BODY,
                       link="/cases/1")

    for user in (world.union, world.employer, world.instructor):
        [row] = notifications(user)
        assert (row.kind, row.subject, row.body, row.link) == ("reminder", REMINDER["zh"], BODY["zh"], "/cases/1")
        assert row.read_at is None and row.created_at == at("2026-03-02")
    [mail] = outbox()
    assert mail.to_address == "union1@example.org"
    assert (mail.status, mail.attempts, mail.next_attempt_at) == ("pending", 0, at("2026-03-02"))
    assert mail.subject == REMINDER["zh"] and mail.body == BODY["zh"] + "\n\n/cases/1"
    assert mail.notification_id == notifications(world.union)[0].id


def test_a_disabled_account_is_not_mailed_and_email_false_mails_nobody(world: World) -> None:
    world.union.email, world.union.active = "union1@example.org", False
    world.employer.email = "employer1@example.org"
    db.session.commit()
    with transaction():
        service.notify(world.union, "reminder", "提醒", "正文")
        service.notify(world.employer, "digest", "摘要", "正文", email=False)

    assert len(notifications(world.union)) == 1 and len(notifications(world.employer)) == 1
    assert outbox() == []


def test_notify_is_part_of_the_callers_transaction(world: World) -> None:
    world.union.email = "union1@example.org"
    db.session.commit()
    with pytest.raises(RuntimeError), transaction():
        service.notify(world.union, "reminder", REMINDER, BODY)
        raise RuntimeError("the change that caused it failed")

    assert notifications(world.union) == [] and outbox() == []


def test_the_text_is_stored_in_the_language_asked_else_in_chinese(world: World) -> None:
    with transaction():
        service.notify(world.union, "reminder", REMINDER, BODY, lang="en")
        service.notify(world.union, "reminder", {"zh": "只有中文"}, "同一正文", lang="en")
        service.notify(world.union, "reminder", {"en": "English only"}, {"en": "Body"})

    assert [(n.subject, n.body) for n in notifications(world.union)] == [
        (REMINDER["en"], BODY["en"]), ("只有中文", "同一正文"), ("English only", "Body")]


def test_a_user_named_twice_is_notified_once_and_the_subject_is_one_line(world: World) -> None:
    case = open_case(world)
    with transaction():
        service.notify([world.union, world.union], "overdue", "逾期\r\nBcc: everyone@example.org " + "长" * 300,
                       "正文", case=case)

    [row] = notifications(world.union)
    assert row.case_id == case.id
    assert "\n" not in row.subject and "\r" not in row.subject
    assert row.subject.startswith("逾期 Bcc:") and len(row.subject) == service.SUBJECT_MAX
    assert row.subject.endswith("…")


def test_new_users_are_notified_in_the_transaction_that_creates_them(world: World) -> None:
    with transaction():
        newcomer = make_user("newcomer", "instructor", email="new@example.org")
        service.notify(newcomer, "welcome", "欢迎", "正文")

    assert [n.subject for n in notifications(newcomer)] == ["欢迎"]
    assert [m.to_address for m in outbox()] == ["new@example.org"]


def test_reading_marks_the_first_time_only_and_never_anothers(world: World) -> None:
    with clock.frozen_at(at("2026-03-02")), transaction():
        mine = service.notify(world.union, "reminder", "提醒", "正文")[0]
        theirs = service.notify(world.other_union, "reminder", "提醒", "正文")[0]

    with clock.frozen_at(at("2026-03-03")):
        assert service.mark_read(mine.id, world.union).read_at == at("2026-03-03")
    with clock.frozen_at(at("2026-03-04")):
        assert service.mark_read(mine.id, world.union).read_at == at("2026-03-03")
    with pytest.raises(NotFound):
        service.mark_read(theirs.id, world.union)
    with pytest.raises(NotFound):
        service.mark_read(theirs.id, world.admin)
    assert notifications(world.other_union)[0].read_at is None
    assert service.unread_count(world.union) == 0 and service.unread_count(world.other_union) == 1


def test_the_list_is_newest_first_filters_unread_and_counts_them(world: World) -> None:
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        with clock.frozen_at(at(day)), transaction():
            service.notify(world.union, "reminder", day, "正文")
    oldest = notifications(world.union)[0]
    service.mark_read(oldest.id, world.union)

    everything = service.list_notifications(world.union, None, 1, 25)
    assert [n.subject for n in everything["items"]] == ["2026-03-04", "2026-03-03", "2026-03-02"]
    assert (everything["total"], everything["unread"]) == (3, 2)
    unread = service.list_notifications(world.union, True, 1, 25)
    assert [n.subject for n in unread["items"]] == ["2026-03-04", "2026-03-03"]
    read = service.list_notifications(world.union, False, 1, 25)
    assert ([n.subject for n in read["items"]], read["total"], read["unread"]) == (["2026-03-02"], 1, 2)
    assert service.mark_all_read(world.union) == 2
    assert service.list_notifications(world.union, True, 1, 25)["total"] == 0


def test_a_notification_needs_a_kind_and_some_text(world: World) -> None:
    with pytest.raises(ValueError, match="kind"):
        service.notify(world.union, "", "提醒", "正文")
    with pytest.raises(ValueError, match="language"):
        service.notify(world.union, "reminder", {}, "正文")
    db.session.rollback()
