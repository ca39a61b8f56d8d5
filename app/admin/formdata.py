"""From a posted form to the typed data the API's schemas and the services take, and errors back to fields.

The pages load their input through the same marshmallow schemas as the API, so a field is checked in one
place; a browser only sends text, so numbers and lists are turned into what the schemas expect first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from ..errors import Invalid, field_errors
from ..pages import field_messages


def text(form: MultiDict[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def optional(form: MultiDict[str, str], name: str) -> str | None:
    """The field's text, or None when left empty (an optional value not given)."""
    return text(form, name) or None


def number(value: str | None) -> int | str | None:
    """An integer from its text; other text is passed on for the schema to refuse; empty is None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return value


def numbers(values: Iterable[str]) -> list[int | str | None]:
    return [number(v) for v in values if v.strip()]


def checked(form: MultiDict[str, str], name: str) -> bool:
    """A checkbox: sent when ticked, absent when not."""
    return name in form


def load(schema: Schema, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The schema's result and no errors, or no result and its errors by (dotted) field."""
    try:
        return schema.load(data), {}
    except ValidationError as error:
        return {}, field_errors(error.messages)


def shown(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Field errors in the page's language."""
    return field_messages(dict(errors))


def invalid_errors(error: Invalid) -> dict[str, list[str]]:
    """A service's refusal as field errors; a refusal naming no field is shown in the form's summary."""
    return dict(error.errors) or {"_schema": [error.template % error.details if error.details else error.template]}
