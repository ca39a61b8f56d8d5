"""How the admin pages name roles and clock units to people (the data keeps their keys)."""

from __future__ import annotations

from flask_babel import LazyString

from ..i18n import lazy

ROLE_LABELS: dict[str, LazyString] = {
    "admin": lazy("Administrator"), "supervisor": lazy("Bureau supervisor"),
    "instructor": lazy("Negotiation instructor"), "union_rep": lazy("Union representative"),
    "enterprise_rep": lazy("Enterprise representative"),
}

UNIT_LABELS: dict[str, LazyString] = {
    "calendar_days": lazy("calendar days"), "working_days": lazy("working days"), "months": lazy("months"),
}
