"""A task's JSON Schema as an HTML form, and the submitted HTML form back as the JSON data the API takes.

The page knows no form by name: every property of the schema becomes a labelled input of its type
(text, long text, integer, number, date, yes/no, one choice, several choices, a case document), and an
array of objects (a team's members) becomes repeatable fieldsets named `members.0.name`, the same
dotted keys the service uses for its field errors, so each message lands at its input.

Rows are added and removed by submit buttons (`_action=add:members`, `remove:members.1`) that redraw
the page with the values kept and save nothing: it works with the keyboard and without any script.
An empty input is left out of the data, so the form's own default or "required" message applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from .form_labels import choice_label, field_label

LONG_TEXT = frozenset({"content", "note", "agenda", "summary", "comment", "opinion", "reason"})
ACTION = re.compile(r"^(add):(\w+)$|^(remove):(\w+)\.(\d+)$")


@dataclass
class FormField:
    """One input (or, for `kind == "group"`, one repeatable fieldset) as the template draws it."""

    name: str
    key: str
    label: str
    kind: str
    required: bool
    value: Any = None
    errors: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    rows: list[list[FormField]] = field(default_factory=list)
    hint: str = ""


def _types(prop: Mapping[str, Any]) -> set[str]:
    kind = prop.get("type", "string")
    return set(kind) if isinstance(kind, list) else {kind}


def kind_of(key: str, prop: Mapping[str, Any]) -> str:
    """The input a property needs, from its JSON Schema."""
    types = _types(prop)
    if "array" in types:
        return "group" if prop.get("items", {}).get("type") == "object" else "choices"
    if key.endswith("document_id"):
        return "document"
    if "enum" in prop:
        return "select"
    if "boolean" in types:
        return "checkbox"
    if "integer" in types:
        return "integer"
    if "number" in types:
        return "number"
    if prop.get("format") == "date":
        return "date"
    if key in LONG_TEXT or prop.get("maxLength", 0) > 200:
        return "textarea"
    return "text"


def _properties(schema: Mapping[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    required = set(schema.get("required", ()))
    return [(key, prop, key in required) for key, prop in schema.get("properties", {}).items()]


# ---------------------------------------------------------------------------- HTML form -> data
def read_form(schema: Mapping[str, Any], form: MultiDict[str, str], prefix: str = "") -> dict[str, Any]:
    """The submitted form as the task's data: typed where the text parses, left as typed where it does not
    (so the service's message says what is wrong and the page shows the text again)."""
    data: dict[str, Any] = {}
    for key, prop, _required in _properties(schema):
        name, kind = prefix + key, kind_of(key, prop)
        if kind == "group":
            data[key] = [read_form(prop["items"], form, f"{name}.{i}.") for i in _row_indexes(form, name)]
        elif kind == "choices":
            data[key] = form.getlist(name)
        elif kind == "checkbox":
            data[key] = name in form
        else:
            text = (form.get(name) or "").strip()
            if text:
                data[key] = _number(text) if kind in ("integer", "document") else text
    return data


def _number(text: str) -> int | str:
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _row_indexes(form: MultiDict[str, str], name: str) -> list[int]:
    pattern = re.compile(rf"^{re.escape(name)}\.(\d+)\.")
    return sorted({int(m.group(1)) for key in form for m in [pattern.match(key)] if m})


def apply_action(schema: Mapping[str, Any], data: dict[str, Any], action: str) -> bool:
    """Add or remove a row of a repeatable group as `action` asks; False when it names no such group."""
    found = ACTION.match(action or "")
    if not found:
        return False
    key = found.group(2) or found.group(4)
    prop = schema.get("properties", {}).get(key)
    if prop is None or kind_of(key, prop) != "group":
        return False
    rows = list(data.get(key) or [])
    if found.group(1):
        rows.append({})
    elif int(found.group(5)) < len(rows):
        del rows[int(found.group(5))]
    data[key] = rows
    return True


# ---------------------------------------------------------------------------- schema + data -> fields
def build_fields(schema: Mapping[str, Any], data: Mapping[str, Any], errors: Mapping[str, Sequence[str]],
                 documents: Sequence[tuple[str, str]] = ()) -> tuple[list[FormField], list[str]]:
    """The fields to draw, each with its value and messages; the messages no field took (form-level ones)."""
    taken: set[str] = set()
    fields = _fields(schema, data, errors, documents, "", taken)
    leftover = [m for key, messages in errors.items() if key not in taken for m in messages]
    return fields, leftover


def _fields(schema: Mapping[str, Any], data: Mapping[str, Any], errors: Mapping[str, Sequence[str]],
            documents: Sequence[tuple[str, str]], prefix: str, taken: set[str]) -> list[FormField]:
    out = []
    for key, prop, required in _properties(schema):
        name, kind = prefix + key, kind_of(key, prop)
        value = data.get(key, prop.get("default"))
        item = FormField(name, key, field_label(key), kind, required, value, list(errors.get(name, ())))
        taken.add(name)
        if kind == "group":
            rows = list(value or []) or [{}]
            item.rows = [_fields(prop["items"], row or {}, errors, documents, f"{name}.{i}.", taken)
                         for i, row in enumerate(rows)]
        elif kind in ("select", "choices"):
            values = prop["enum"] if kind == "select" else prop.get("items", {}).get("enum", [])
            item.choices = [(v, choice_label(key, v)) for v in values]
        elif kind == "document":
            item.choices = list(documents)
            item.value = "" if value is None else str(value)
        out.append(item)
    return out
