"""Ids in URLs, query strings and bodies: the columns are 32-bit INTEGERs, so a bigger number is no id.

It is refused here, as a 404 in the path or a 422 in a field, before any query could fail on it.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1
ID_RANGE = validate.Range(min=1, max=MAX_ID, error="No such id.")


def Id(**kwargs: Any) -> fields.Integer:
    """An integer field that only takes a possible id."""
    return fields.Integer(validate=ID_RANGE, **kwargs)


class IdConverter(IntegerConverter):
    """`<id:case_id>` in a route: a positive integer up to MAX_ID; anything else does not match (404)."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)
