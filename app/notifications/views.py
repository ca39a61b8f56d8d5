"""The notifications page: my notifications newest first, marked read one by one or all at once (htmx).

The list and the marking are the API's functions (service.py), so a notification is someone's alone
here too. The unread count next to the menu entry comes from one context processor, computed only
when the menu shows the entry (one range of the user/read_at index).
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ..api.ids import IdConverter
from ..models import Notification
from ..navigation import page_exists
from ..pages import is_htmx, signed_in, web_blueprint
from . import service

bp = web_blueprint("notifications_web", __name__)
# `<id:...>` in the routes, as in the API (a number past the id column's range is no page): registered
# before this blueprint's rules, whichever blueprint the app mounts first.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("id", IdConverter))
PER_PAGE = 20


def _any_user(user: Any) -> bool:
    return bool(user.active)


@bp.app_context_processor
def _unread_badge() -> dict[str, Any]:
    """`unread_notifications()` for the menu: the signed-in user's unread count (None when signed out)."""

    def unread_notifications() -> int | None:
        if not current_user.is_authenticated:
            return None
        return service.unread_count(current_user)

    return {"unread_notifications": unread_notifications}


@bp.get("/notifications")
@signed_in(_any_user)
def notification_list() -> Any:
    """My notifications, newest first, paged; `?unread=1` keeps the unread ones."""
    only_unread = True if request.args.get("unread") == "1" else None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    result = service.list_notifications(current_user, only_unread, page, PER_PAGE)
    return render_template("notifications/list.html", page=result, only_unread=only_unread, target=target)


@bp.post("/notifications/<id:notification_id>/read")
@signed_in(_any_user)
def mark_read(notification_id: int) -> Any:
    """Mark one read: htmx gets the item and the new count; a plain form goes back to the list."""
    row = service.mark_read(notification_id, current_user)
    if is_htmx():
        return render_template("notifications/_marked.html", n=row, target=target,
                               unread=service.unread_count(current_user))
    return redirect(_back(), 303)


@bp.post("/notifications/read-all")
@signed_in(_any_user)
def mark_all_read() -> Any:
    """Mark all read: htmx gets the list again; a plain form goes back to it."""
    service.mark_all_read(current_user)
    if is_htmx():
        result = service.list_notifications(current_user, None, 1, PER_PAGE)
        return render_template("notifications/_list.html", page=result, only_unread=None, target=target,
                               unread=0, oob=True)
    return redirect(_back(), 303)


def target(n: Notification) -> str | None:
    """Where a notification leads: its link when it is a page of this site, else its case's page."""
    link = n.link or ""
    if link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    if n.case_id is not None and page_exists("cases_web.case_page"):
        return url_for("cases_web.case_page", case_id=n.case_id)
    return None


def _back() -> str:
    return url_for("notifications_web.notification_list", **{k: v for k, v in request.args.items()
                                                              if k in ("page", "unread")})
