"""The campaign pages' forms: HTML fields in, the API's data out, and errors back at the fields.

An HTML form is flat (`name=value` pairs), while the campaign service takes the API's nested JSON
(`{"targets": {"coverage_pct": 95}}`). Each input is named by its dotted path in that JSON, behind the
form's prefix (the step's id, "launch" or "new"), so one page can hold several forms without two
inputs sharing an id; this module turns the pairs into the nested data and the service's dotted
field errors back into messages per input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from ..enterprises.import_messages import IMPORT_MESSAGES
from ..i18n import N_
from ..message_patterns import Patterns
from ..pages import field_messages

LISTS = frozenset({"filters.district_ids", "filters.industries", "filters.size_bands"})
# Checkboxes: absent from the form when unticked, which means False, not "not given".
CHECKBOXES = frozenset({"confirmed", "filters.without_agreement_in_force"})
SUMMARIES = "summaries"  # one textarea per district: summaries.<district id>

# The campaign checks' and the step forms' own messages (app/campaigns/service.py, forms.py, cases/forms.py).
CAMPAIGN_MESSAGES = Patterns((
    N_("Give the campaign a name."), N_("A campaign of this name exists already."),
    N_("The campaign of %(year)s starts in %(same)s."), N_("The campaign cannot end before it starts."),
    N_("A campaign runs %(days)s days at most."), N_("Give a percentage from 0 to 100."),
    N_("Set at least one target: %(keys)s."), N_("Give a GB/T 4754 section letter, A to T."),
    N_("Must be one of: %(choices)s."),
    N_("Confirm the coverage; resolve the gaps (instructors, caseloads) first if there are any."),
    N_("One summary per district."), N_("%(day)s is in the future."), N_("No district with id %(id)s."),
    N_("Longer than maximum length %(max)s."), N_("Shorter than minimum length %(min)s."),
    N_("Length must be between %(min)s and %(max)s."), N_("No such id."),
))


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    data[leaf] = value


def form_data(form: MultiDict[str, str], prefix: str, checkboxes: Iterable[str] = ()) -> dict[str, Any]:
    """The nested data of the inputs named `<prefix>.<path>`; blank inputs are left out (not given).

    `checkboxes` are this form's checkboxes: unticked, they are sent as False.
    """
    data: dict[str, Any] = {}
    start = prefix + "."
    summaries: list[dict[str, Any]] = []
    for name in form:
        if not name.startswith(start):
            continue
        path = name[len(start):]
        if path in LISTS:
            values = [v.strip() for v in form.getlist(name) if v.strip()]
            _set(data, path, values)
        elif path.startswith(SUMMARIES + "."):
            note = form.get(name, "").strip()
            if note:
                summaries.append({"district_id": path.split(".", 1)[1], "note": note})
        elif path in CHECKBOXES:
            _set(data, path, form.get(name) in ("on", "true", "1"))
        elif path == "filters.has_union":
            choice = form.get(name, "")
            _set(data, path, {"true": True, "false": False}.get(choice))
        else:
            value = form.get(name, "").strip()
            if value:
                _set(data, path, value)
    for path in checkboxes:
        if start + path not in form:
            _set(data, path, False)
    if any(name.startswith(start + SUMMARIES + ".") for name in form):
        data[SUMMARIES] = summaries
    return data


def translate(message: str) -> str:
    """A campaign or importer message, translated by its template when it was built with values."""
    translated = CAMPAIGN_MESSAGES.translate(message)
    return translated if translated != message else IMPORT_MESSAGES.translate(message)


def at_fields(errors: Mapping[str, list[str]], prefix: str, fields: Iterable[str]) -> tuple[dict[str, list[str]],
                                                                                          list[str]]:
    """Split a service's dotted field errors into messages per input (`<prefix>.<field>`) and the rest.

    An error of a list item ("filters.industries.0") or of a nested form ("targets._schema") goes to the
    longest field its key starts with; what matches no field is the form's own error, shown once on top.
    """
    known = sorted(fields, key=len, reverse=True)
    translated = {key: [translate(m) for m in messages] for key, messages in field_messages(dict(errors)).items()}
    per_field: dict[str, list[str]] = {}
    rest: list[str] = []
    for key, messages in translated.items():
        owner = next((f for f in known if key == f or key.startswith(f + ".")), None)
        if owner is None:
            rest.extend(messages)
        else:
            per_field.setdefault(f"{prefix}.{owner}", []).extend(messages)
    return per_field, rest
