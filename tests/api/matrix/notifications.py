"""Matrix entries: my notifications (everyone, administrators included, sees only their own)."""

from typing import Any

from . import ROLES, Entry, everyone, same


def _read(mw: Any, t: str) -> str:
    return f"/api/v1/notifications/{mw.notification_id(t)}/read"


ENTRIES = [
    Entry("notifications.list_notifications", "GET", lambda mw, t: "/api/v1/notifications", everyone(same(200)),
          notes="everyone lists; the clause keeps their own rows"),
    Entry("notifications.mark_all_read", "POST", lambda mw, t: "/api/v1/notifications/read-all",
          everyone(same(200))),
    Entry("notifications.mark_read", "POST", _read, dict.fromkeys(ROLES, (200, 404, 404)),
          notes="own: the caller's notification; foreign: another user's, not found even for administrators"),
]
