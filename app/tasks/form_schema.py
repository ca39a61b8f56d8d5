"""A task form as JSON Schema, generated from its marshmallow class, so clients check what the server checks.

apispec's converter does the field work (required, enums, ranges, lengths, nested objects and lists,
date formats); nested schemas are inlined, so each form's schema stands alone. Rules that need the
case (team sizes, the guideline) stay on the server and answer 422 with field messages.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from apispec.ext.marshmallow import OpenAPIConverter
from marshmallow import fields, validate

from ..cases.forms import FORMS, EventDate

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DECIMAL_TEXT = r"^-?\d+(\.\d+)?$"


def _decimal_as_text(self: OpenAPIConverter, field: fields.Field, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Decimals are accepted as numbers or as text ("6.50"), and stored as text."""
    if not isinstance(field, fields.Decimal):
        return {}
    return {"type": ["number", "string", *(["null"] if field.allow_none else [])], "pattern": DECIMAL_TEXT}


def _plain_bounds(self: OpenAPIConverter, field: fields.Field, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Range bounds as JSON numbers, exclusive where the validator says so (apispec keeps Decimals, and
    writes an exclusive bound as an inclusive one)."""
    if "minimum" not in ret and "maximum" not in ret:
        return {}
    ret.pop("minimum", None)
    ret.pop("maximum", None)
    bounds: dict[str, Any] = {}
    for rule in (v for v in field.validators if isinstance(v, validate.Range)):
        for value, inclusive, key in ((rule.min, rule.min_inclusive, "minimum"),
                                      (rule.max, rule.max_inclusive, "maximum")):
            if value is not None:
                number = int(value) if value == int(value) else float(value)
                bounds[key if inclusive else "exclusive" + key.capitalize()] = number
    return bounds


def _event_date(self: OpenAPIConverter, field: fields.Field, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """The date something happened cannot be in the future: say so, as JSON Schema cannot."""
    return {"description": "The date it happened: today or earlier."} if isinstance(field, EventDate) else {}


@functools.cache
def _converter() -> OpenAPIConverter:
    # OpenAPI 3.1 schemas are JSON Schema 2020-12 (nullable is "type": [..., "null"]); a resolver
    # answering None inlines nested schemas instead of referring to a spec's components.
    converter = OpenAPIConverter("3.1.0", lambda _schema: None, spec=None)  # type: ignore[arg-type]
    converter.add_attribute_function(_decimal_as_text)
    converter.add_attribute_function(_plain_bounds)
    converter.add_attribute_function(_event_date)
    return converter


@functools.cache
def _generate(form: str) -> dict[str, Any]:
    form_cls = FORMS[form]
    schema = _converter().schema2jsonschema(form_cls())
    doc = (form_cls.__doc__ or "").strip()
    return {"$schema": DIALECT, "title": form, **({"description": doc} if doc else {}), **schema}


def form_schema(form: str | None) -> dict[str, Any] | None:
    """The JSON Schema of the named form (a copy: callers may change it), or None for a step without one."""
    if not form or form not in FORMS:
        return None
    return copy.deepcopy(_generate(form))
