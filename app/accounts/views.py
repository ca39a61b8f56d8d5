"""Browser pages of the accounts: sign in and out with a session cookie, and the signed-in user's page.

Every form carries a CSRF token (CSRFProtect checks it app-wide before the view runs); the API takes
bearer tokens only and is exempt. Sign-in goes through `signin.authenticate`, so the web and the API
share one password check and one throttle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError

from ..errors import TooManyRequests, Unauthorized
from ..i18n import _
from .forms import LoginForm
from .signin import authenticate

bp = Blueprint("auth_web", __name__)


@bp.after_request
def _no_store(response: Response) -> Response:
    # Sign-in pages and a user's own page must never be kept by a browser or a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The sign-in form; on success a fresh session and a redirect to `next` when it is on this site."""
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return _login_page(form, 422 if form.is_submitted() else 200)
    try:
        user = authenticate(form.username.data or "", form.password.data or "", request.remote_addr or "")
    except TooManyRequests as error:
        wait = error.details["retry_after"]
        form.username.errors.append(_("Too many failed sign-ins; try again in %(wait)s seconds.", wait=wait))
        return _login_page(form, 429, error.headers)
    except Unauthorized:
        form.password.errors.append(_("Wrong user name or password, or the account is disabled."))
        return _login_page(form, 401)
    _fresh_session()
    session.permanent = True
    login_user(user)
    return redirect(safe_next(form.next.data))


@bp.post("/logout")
def logout() -> Any:
    """Sign out (a POST with the CSRF token: another site cannot sign a user out)."""
    logout_user()
    _fresh_session()
    return redirect(url_for("auth_web.login"))


@bp.get("/account")
@login_required
def account() -> Any:
    """Who is signed in: name, role and what they are bound to."""
    return render_template("auth/account.html", user=current_user)


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> Any:
    """A form without a valid CSRF token: a page saying what to do, not a bare error.

    Only browser forms can fail this way: the API blueprints are exempt and keep answering in JSON.
    """
    return render_template("auth/csrf_error.html", reason=error.description), 400


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site, else "/": sign-in never sends anyone to another site."""
    # A path of this site starts with one "/"; "//host", "/\host" and control characters lead browsers elsewhere.
    foreign = (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
               or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target))
    return "/" if foreign else target


def _login_page(form: LoginForm, status: int, headers: Mapping[str, str] | None = None) -> Any:
    return render_template("auth/login.html", form=form), status, dict(headers or {})


def _fresh_session() -> None:
    # Nothing set before sign-in (or kept after sign-out) survives, except the language the visitor chose.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
