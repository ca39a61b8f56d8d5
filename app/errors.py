"""Domain errors and their one mapping to HTTP answers: JSON {"code", "message", "errors"}."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """Base of every error a service raises on purpose; carries its HTTP status and a stable code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": self.errors, **self.details}


class NotFound(DomainError):
    """Missing, or not visible to this user: the two are never told apart."""

    status, code = 404, "not_found"


class Forbidden(DomainError):
    """The user may see the object but not take this step."""

    status, code = 403, "forbidden"


class Conflict(DomainError):
    """Stale or conflicting state: someone else changed the case first."""

    status, code = 409, "conflict"


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule; `errors` maps fields to messages."""

    status, code = 422, "invalid"


def register(app: Flask) -> None:
    """Answer domain errors and HTTP errors as JSON."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Any:
        return jsonify(error.as_dict()), error.status

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        code = (error.name or "error").lower().replace(" ", "_")
        return jsonify({"code": code, "message": error.description, "errors": {}}), error.code
