"""Domain errors and their one mapping to HTTP answers: JSON {"code", "message", "errors"}."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, request
from marshmallow import INCLUDE, Schema, fields
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of every error a service raises on purpose; carries its HTTP status and a stable code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None,
                 headers: Mapping[str, str] | None = None, **details: Any) -> None:
        # `message` may name details as %(name)s: the API gets it filled in, in English, while a page
        # translates the template (marked with N_) and fills in the same values.
        self.template = message
        self.message = message % details if "%(" in message else message
        super().__init__(self.message)
        self.errors = errors or {}
        self.headers = dict(headers or {})
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": self.errors, **self.details}


class BadRequest(DomainError):
    """Malformed input: not JSON, wrong shape."""


class Unauthorized(DomainError):
    """Not signed in, or the credentials or token are not valid."""

    status, code = 401, "unauthorized"


class NotFound(DomainError):
    """Missing, or not visible to this user: the two are never told apart."""

    status, code = 404, "not_found"


class Forbidden(DomainError):
    """The user may see the object but not take this step."""

    status, code = 403, "forbidden"


class Conflict(DomainError):
    """Stale or conflicting state: someone else changed the case first."""

    status, code = 409, "conflict"


class TooLarge(DomainError):
    """An upload or body above the configured limit."""

    status, code = 413, "too_large"


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule; `errors` maps fields to messages."""

    status, code = 422, "invalid"


class TooManyRequests(DomainError):
    """Throttled: too many failed sign-ins for this account or from this address."""

    status, code = 429, "too_many_requests"


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
              422: "invalid", 429: "too_many_requests", 500: "internal_error", 503: "unavailable"}


def field_errors(messages: Any) -> dict[str, list[str]]:
    """Flatten marshmallow/webargs messages ({location: {field: [..]}} or {field: {sub: [..]}}) to dotted keys."""
    out: dict[str, list[str]] = {}
    if not isinstance(messages, dict):
        return {"_schema": [str(m) for m in (messages if isinstance(messages, list) else [messages])]}
    if set(messages) <= {"json", "query", "form", "files", "headers", "view_args", "path"}:
        merged: dict[str, Any] = {}
        for location in messages.values():
            merged.update(location if isinstance(location, dict) else {"_schema": location})
        messages = merged
    for key, value in messages.items():
        if isinstance(value, dict):
            for sub, inner in field_errors(value).items():
                out[f"{key}.{sub}"] = inner
        else:
            out[str(key)] = [str(m) for m in (value if isinstance(value, list) else [value])]
    return out


RETRY_AFTER_SECONDS = 5


def database_unreachable(error: BaseException) -> bool:
    """Is `error` the database being out of reach (refused, restarted, cut off), not a fault of the request?"""
    return isinstance(error, OperationalError) or (isinstance(error, DBAPIError) and error.connection_invalidated)


def register(app: Flask) -> None:
    """Answer domain errors and HTTP errors as JSON with the same three keys."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Any:
        return jsonify(error.as_dict()), error.status, error.headers

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        errors = field_errors(data["messages"]) if "messages" in data else {}
        message = data.get("message") or error.description
        if status == 422 and errors:
            message = "The request has invalid fields."
        elif status == 400 and errors:
            message = "The request is malformed: " + "; ".join(m for ms in errors.values() for m in ms)
        headers = dict(data.get("headers") or {})
        response = error.get_response()
        if "WWW-Authenticate" in response.headers:
            headers["WWW-Authenticate"] = response.headers["WWW-Authenticate"]
        if status == 405 and "Allow" in response.headers:
            headers["Allow"] = response.headers["Allow"]
        code = HTTP_CODES.get(status, (error.name or "error").lower().replace(" ", "_"))
        return jsonify({"code": code, "message": message, "errors": errors}), status, headers

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return _http(error)
        if database_unreachable(error):
            # The database restarting or out of reach: nothing was saved, and the client should try again soon.
            log.warning("database unreachable on %s %s: %s", request.method, request.path, error)
            unavailable = ServiceUnavailable("The database cannot be reached right now; nothing was saved. "
                                             "Try again in a moment.")
            answer, status, headers = _http(unavailable)
            return answer, status, {**headers, "Retry-After": str(RETRY_AFTER_SECONDS)}
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _http(InternalServerError("Something went wrong on our side; it has been logged."))


class ErrorSchema(Schema):
    """The body of every error answer (documented once as every operation's default response)."""

    code = fields.String(required=True, metadata={"description": "Stable machine-readable code, e.g. not_found"})
    message = fields.String(required=True, metadata={"description": "What went wrong, for a person"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"description": "Messages per field; empty when no field is at fault"})

    class Meta:
        unknown = INCLUDE  # a 409 adds what changed, e.g. current_version
