"""Who is calling the API: every endpoint needs a valid bearer token unless it is marked public."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_smorest import Blueprint

from ..accounts import tokens
from ..errors import Unauthorized
from ..models import User

F = TypeVar("F", bound=Callable[..., Any])
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="wagecase"'}


def public(view: F) -> F:
    """Mark a view that answers without a token (signing in)."""
    view._public = True  # type: ignore[attr-defined]
    return view


def make_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    """A resource blueprint whose every view requires a signed-in user, except those marked public."""
    blp = Blueprint(name, __name__, url_prefix=f"/api/v1{url_prefix}", description=description)
    blp.before_request(_require_token)
    return blp


def _require_token() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "_public", False):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized("Sign in: send Authorization: Bearer <token>.", headers=CHALLENGE)
    found = tokens.resolve(raw.strip())
    if found is None:
        raise Unauthorized("The token is unknown, expired or revoked; sign in again.", headers=CHALLENGE)
    g.api_user, g.api_token = found


def current_user() -> User:
    """The signed-in user of this API request."""
    return g.api_user
