"""The menu of the web app: which pages a role sees, and where each role starts its day.

A menu entry names a page's endpoint and the permission (from `accounts.permissions`, the one home of
who may see what) that shows it; an entry whose page is not mounted is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_babel import LazyString

from .accounts import permissions
from .i18n import lazy
from .models import User


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: LazyString
    allowed: Callable[[User], bool]


def _signed_in(user: User) -> bool:
    return user.active


NAV: tuple[Entry, ...] = (
    Entry("tasks_web.inbox", lazy("Inbox"), permissions.has_inbox),
    Entry("cases_web.case_list", lazy("Cases"), _signed_in),
    Entry("dashboard_web.dashboard", lazy("Dashboard"), permissions.can_watch_dashboard),
    Entry("campaigns_web.campaign_list", lazy("Campaigns"), permissions.can_see_campaigns),
    Entry("notifications_web.notification_list", lazy("Notifications"), _signed_in),
    Entry("admin_web.index", lazy("Administration"), permissions.can_administer),
)

# Where each role lands after signing in: the page it works from.
HOME_PAGES = {
    "instructor": "tasks_web.inbox", "union_rep": "tasks_web.inbox", "enterprise_rep": "tasks_web.inbox",
    "supervisor": "dashboard_web.dashboard", "admin": "admin_web.index",
}


def page_exists(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def menu(user: User) -> list[Entry]:
    """The entries `user` sees, in menu order."""
    return [entry for entry in NAV if page_exists(entry.endpoint) and entry.allowed(user)]


def home_url(user: User) -> str | None:
    """The page `user` starts from, or None when that page is not mounted."""
    endpoint = HOME_PAGES.get(user.role)
    if endpoint and page_exists(endpoint):
        return url_for(endpoint)
    entries = menu(user)
    return url_for(entries[0].endpoint) if entries else None


def init_app(app: Flask) -> None:
    """Every page gets `menu(user)` for its header and `page_exists(endpoint)` for links to optional pages."""
    app.context_processor(lambda: {"menu": menu, "page_exists": page_exists})
