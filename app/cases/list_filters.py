"""The case list's query string: parsed by the API's own `CaseListArgs`, and shown back as removable chips.

The list page reads the same arguments as `GET /api/v1/cases`, so a filter added there (the dashboard's
drill-down adds some) works here at once. The chips are built from whatever the schema parsed, not from
a fixed list, so such a new filter is shown, and can be removed, without a change to this page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import url_for
from marshmallow import EXCLUDE, ValidationError

from ..i18n import _, current_lang, lazy
from .labels import stage_label
from .schemas import CaseListArgs

# Arguments that choose the page or the order, not which cases: never shown as filters.
NOT_FILTERS = frozenset({"page", "per_page", "sort"})

FILTER_LABELS = {
    "status": lazy("Status"), "stage": lazy("Stage"), "district_id": lazy("District"),
    "instructor_id": lazy("Instructor"), "campaign_id": lazy("Campaign"), "overdue": lazy("Overdue"),
    "q": lazy("Search"), "step": lazy("Step"),
}

STATUS_LABELS = {
    "active": lazy("Active"), "in_force": lazy("In force"), "completed": lazy("Completed"),
    "closed": lazy("Closed"), "cancelled": lazy("Cancelled"),
}

SORT_LABELS = {
    "-opened_at": lazy("Newest first"), "opened_at": lazy("Oldest first"),
    "next_due_at": lazy("Next due first"), "-next_due_at": lazy("Next due last"),
    "stage": lazy("By stage"), "title": lazy("By title"),
}


class ListArgsError(Exception):
    """The query string has values the list cannot take; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid case list arguments")
        self.errors = errors


def parse(query: Mapping[str, str]) -> dict[str, Any]:
    """The list arguments of `query`, as the API parses them; empty values (a form's "any") are left out.

    Arguments the schema does not know (`lang`) are ignored, as the API ignores them.
    """
    given = {key: value for key, value in query.items() if value.strip()}
    try:
        return CaseListArgs(unknown=EXCLUDE).load(given)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise ListArgsError({key: _flatten(value) for key, value in messages.items()}) from error


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flatten(v)]
    return [str(m) for m in value] if isinstance(value, list) else [str(value)]


def field_label(name: str) -> str:
    """How a filter is named to people; a filter this page does not know yet shows its own label or name."""
    if name in FILTER_LABELS:
        return str(FILTER_LABELS[name])
    field = CaseListArgs().fields.get(name)
    return str(field.metadata.get("label", name)) if field is not None else name


@dataclass(frozen=True)
class Chip:
    """One active filter: "Stage: Draft", with the address of the same list without it."""

    name: str
    label: str
    value: str
    remove_url: str


def chips(args: Mapping[str, Any], raw: Mapping[str, str], names: Mapping[str, Mapping[Any, str]]) -> list[Chip]:
    """A chip for every filter in effect. `names` gives display names of ids (district_id -> {3: "和平区"})."""
    shown = []
    for name, value in args.items():
        if name in NOT_FILTERS or value is None:
            continue
        kept = {key: v for key, v in raw.items() if key not in (name, "page") and v.strip()}
        shown.append(Chip(name, field_label(name), display_value(name, value, names),
                          url_for("cases_web.case_list", **kept)))
    return shown


def display_value(name: str, value: Any, names: Mapping[str, Mapping[Any, str]]) -> str:
    """A filter's value in words: a stage or status by its label, an id by the name it stands for."""
    render = VALUE_RENDERERS.get(name)
    if render is not None:
        return render(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name in names:
        return names[name].get(value, str(value))
    return str(value)


VALUE_RENDERERS: dict[str, Callable[[Any], str]] = {
    "stage": lambda value: stage_label(value, current_lang()),
    "status": lambda value: str(STATUS_LABELS.get(value, value)),
}
