"""The admin pages: an index of the sections, whose pages live in one module each and attach to `bp`."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user

from workflows import clock

from ..accounts import permissions, users
from ..pages import signed_in
from ..reference import guidelines, holidays, rulesets
from . import guideline_pages, holiday_pages, messages, ruleset_pages, user_pages  # noqa: F401  (routes, catalog)
from .blueprint import bp

__all__ = ["bp"]


@bp.get("")
@signed_in(permissions.can_administer)
def index() -> Any:
    """Links to the sections, each with a one-line count, as far as the administrator may see them."""
    sections: dict[str, Any] = {}
    if permissions.can_manage_users(current_user):
        everyone = users.list_users(current_user, {}, 1, 1)["total"]
        active = users.list_users(current_user, {"active": True}, 1, 1)["total"]
        sections["users"] = {"total": everyone, "disabled": everyone - active}
    if permissions.can_manage_reference(current_user):
        year = clock.today().year
        latest = guidelines.list_guidelines(1, 1)
        sections["guidelines"] = {"total": latest["total"],
                                  "latest": latest["items"][0].year if latest["items"] else None}
        days = holidays.list_days(year)
        sections["holidays"] = {"year": year, "off": sum(not d.is_workday for d in days),
                                "work": sum(d.is_workday for d in days)}
        entries = rulesets.list_rule_sets()
        sections["rule_sets"] = {"built_in": sum(e.built_in for e in entries),
                                 "custom": sum(not e.built_in for e in entries)}
    return render_template("admin/index.html", sections=sections)
