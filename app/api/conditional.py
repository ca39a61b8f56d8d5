"""Conditional requests: the case version a client last saw, sent back as If-Match."""

from __future__ import annotations

from flask import request

from ..errors import BadRequest


def if_match_version() -> int | None:
    """The case version from If-Match ("7", W/"7" or 7); none or * checks nothing."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    try:
        return int(raw.removeprefix("W/").strip('"'))
    except ValueError:
        raise BadRequest("If-Match must be the case version, as sent in the ETag.",
                         {"If-Match": ["Send the case version, e.g. \"7\"."]}) from None
