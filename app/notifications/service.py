"""Tell users something: a row in their in-app list and, when they have an address, an e-mail in the outbox.

`notify` writes in the caller's transaction and never commits: a notification about a change exists
exactly when the change does, and the e-mail is queued, not sent, so a slow or dead mail server
never slows or fails the change itself (`mailer.send_pending` delivers the outbox later).
Reading is not audited: marking one's own notification read changes nothing anyone else sees, and
the row keeps `read_at`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select, update

from workflows import clock

from ..accounts.permissions import visible_notifications_clause
from ..api.paging import paginate
from ..cases import service as cases  # the module, not its names: the case service may notify in turn
from ..errors import NotFound
from ..extensions import db
from ..i18n import DEFAULT_LANG, N_
from ..models import Case, Notification, OutboxMessage, User

# A text in one language, or the same text in several keyed by language ("zh", "en").
Text = str | Mapping[str, str]

SUBJECT_MAX = 200  # the column's length; a longer subject is cut, never refused
KIND_MAX = 40
LINK_MAX = 500


def text_in(text: Text, lang: str = DEFAULT_LANG) -> str:
    """The text in `lang`, else in Chinese, else in whichever language was given."""
    if isinstance(text, str):
        return text
    for candidate in (lang, DEFAULT_LANG, *text):
        if text.get(candidate):
            return text[candidate]
    raise ValueError("a notification needs a text in at least one language")


def _one_line(text: str, limit: int) -> str:
    """A subject is one header line in an e-mail: line breaks would be refused (or inject headers)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def notify(users: User | Iterable[User], kind: str, subject: Text, body: Text, *, case: Case | None = None,
           link: str | None = None, email: bool = True, lang: str = DEFAULT_LANG) -> list[Notification]:
    """Add a notification for each user (each once), and queue an e-mail to those with an address.

    `subject` and `body` are a text or a {language: text} mapping; the version in `lang` is stored
    (Chinese when that language is missing). A disabled account, or one without an address, gets the
    in-app row only. Runs in the caller's transaction and does not commit.
    """
    if not kind or len(kind) > KIND_MAX:
        raise ValueError(f"kind must be 1 to {KIND_MAX} characters")
    if link is not None and len(link) > LINK_MAX:
        raise ValueError(f"link must be at most {LINK_MAX} characters")
    given = [users] if isinstance(users, User) else list(users)
    if any(u.id is None for u in given) or (case is not None and case.id is None):
        db.session.flush()  # new users or a new case: their ids are needed now
    recipients = list({u.id: u for u in given}.values())
    title, text = _one_line(text_in(subject, lang), SUBJECT_MAX), text_in(body, lang)
    mail_body = f"{text}\n\n{link}" if link else text
    now = clock.now()
    rows = []
    for user in recipients:
        row = Notification(user_id=user.id, kind=kind, case_id=case.id if case is not None else None,
                           subject=title, body=text, link=link, created_at=now, read_at=None)
        db.session.add(row)
        address = (user.email or "").strip()
        if email and address and user.active:
            db.session.add(OutboxMessage(to_address=address, subject=title, body=mail_body, status="pending",
                                         attempts=0, next_attempt_at=now, created_at=now, notification=row))
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- the user's list
def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (one range of the user/read_at index)."""
    return db.session.execute(select(func.count()).select_from(Notification).where(
        visible_notifications_clause(user), Notification.read_at.is_(None))).scalar_one()


def list_notifications(user: User, unread: bool | None, page: int, per_page: int) -> dict[str, Any]:
    """The user's own notifications, newest first; `unread` True or False keeps only those. With the unread count."""
    query = select(Notification).where(visible_notifications_clause(user))
    if unread is not None:
        query = query.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    result = paginate(query.order_by(Notification.created_at.desc(), Notification.id.desc()), page, per_page)
    result["unread"] = unread_count(user)
    return result


def mark_read(notification_id: int, user: User) -> Notification:
    """Mark one of the user's notifications read; reading it again keeps the first time. Another's is not found."""
    with cases.transaction():
        row = db.session.execute(select(Notification).where(
            Notification.id == notification_id, visible_notifications_clause(user))).scalar()
        if row is None:
            raise NotFound(N_("No such notification."))
        if row.read_at is None:
            row.read_at = clock.now()
    return row


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many were unread."""
    with cases.transaction():
        result = db.session.execute(
            update(Notification)
            .where(visible_notifications_clause(user), Notification.read_at.is_(None))
            .values(read_at=clock.now()))
    return int(getattr(result, "rowcount", 0) or 0)
