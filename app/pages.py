"""What every web page shares: its blueprint, sign-in and permission checks, and domain errors shown as pages.

A service raises a `DomainError` with an English message marked by `N_()`; the API answers it as JSON,
while a page shows it translated: a full error page for a plain request, and for an htmx request the
JSON body, which `static/js/app.js` puts in the page's alert region. A form page that wants the errors
at its fields catches `Invalid` itself and renders them with `field_messages()`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user, login_required

from .errors import DomainError, Forbidden
from .i18n import N_, say
from .models import User

F = TypeVar("F", bound=Callable[..., Any])

# The validators' own messages, so that the catalog translates them when a page shows them.
VALIDATOR_MESSAGES = (
    N_("Missing data for required field."), N_("Field may not be null."), N_("Not a valid integer."),
    N_("Not a valid number."), N_("Not a valid date."), N_("Not a valid datetime."), N_("Not a valid string."),
    N_("Not a valid boolean."), N_("Unknown field."), N_("Invalid input."), N_("Not a valid list."),
)


def web_blueprint(name: str, import_name: str, **options: Any) -> Blueprint:
    """A blueprint of pages: its domain errors are answered as pages (or htmx alerts), never raw JSON."""
    bp = Blueprint(name, import_name, **options)
    bp.register_error_handler(DomainError, error_page)
    return bp


def signed_in(permission: Callable[[User], bool] | None = None) -> Callable[[F], F]:
    """Sign-in required, then `permission(user)` (from accounts.permissions) or 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if permission is not None and not permission(current_user):
                raise Forbidden(N_("You may not open this page."))
            return view(*args, **kwargs)

        return login_required(guarded)  # type: ignore[return-value]

    return decorate


def field_messages(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """A service's or schema's field errors in the page's language."""
    return {field: [say(message) for message in messages] for field, messages in errors.items()}


def error_page(error: DomainError) -> Any:
    """A domain error as the user sees it: translated, with its status and headers."""
    message = say(error.template, **error.details) if "%(" in error.template else say(error.template)
    if request.headers.get("HX-Request"):
        body = {"code": error.code, "message": message, "errors": field_messages(error.errors)}
        return jsonify(body), error.status, error.headers
    return render_template("errors/page.html", error=error, message=message,
                           errors=field_messages(error.errors)), error.status, error.headers


def is_htmx() -> bool:
    """Was this request sent by htmx (so it wants a fragment, not a page)?"""
    return bool(request.headers.get("HX-Request"))
