"""Users and roles: list, create, edit, disable or enable, and reset a password.

The rules (user name form, password length, which role binds to what, nobody disables themselves) are
`accounts.users`'; these pages turn the form into the data the API takes and show the refusals at the
fields. A generated password is shown once, on the answer to the POST, and never stored in the session.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts import users
from ..accounts.permissions import can_manage_users
from ..accounts.user_routes import UserCreateSchema, UserQuerySchema, UserUpdateSchema
from ..enterprises.industries import SECTIONS, section_name
from ..errors import Invalid
from ..i18n import _, current_lang
from ..models import User
from ..pages import signed_in
from . import formdata
from .blueprint import bp
from .labels import ROLE_LABELS

PER_PAGE = 25
# Credit codes typed one a line, or separated by commas or spaces.
_CODES = re.compile(r"[\s,，;；、]+")


# ---------------------------------------------------------------------------- list
@bp.get("/users")
@signed_in(can_manage_users)
def user_list() -> Any:
    """Users by user name, filtered by role, active or disabled, and part of the name."""
    asked = {k: v.strip() for k, v in request.args.items() if k in ("role", "active", "q", "page") and v.strip()}
    args, errors = formdata.load(UserQuerySchema(), asked)
    if errors:
        page = {"items": [], "total": 0, "page": 1, "pages": 0}
    else:
        page = users.list_users(current_user, {k: v for k, v in args.items() if k not in ("page", "per_page")},
                                args.get("page", 1), PER_PAGE)
    return render_template("admin/users.html", page=page, asked=asked, errors=formdata.shown(errors),
                           roles=ROLE_LABELS), 422 if errors else 200


# ---------------------------------------------------------------------------- create
@bp.route("/users/new", methods=["GET", "POST"])
@signed_in(can_manage_users)
def user_new() -> Any:
    """A new account; an empty password field means "generate one", shown once on the answer."""
    if request.method == "GET":
        return _user_form(None, {"role": request.args.get("role", "instructor")}, {})
    form = request.form
    values = _posted(form)
    generated = not formdata.text(form, "password")
    data = {**_typed(values), "username": values["username"], "password": (
        users.one_time_password() if generated else form.get("password", ""))}
    if not data["display_name"]:
        del data["display_name"]  # left empty: the service names the user by their user name
    errors = _enterprise_errors(values, data)
    user = None
    loaded, schema_errors = formdata.load(UserCreateSchema(), data)
    errors.update(schema_errors)
    if not errors:
        try:
            user = users.create_user(loaded, current_user)
        except Invalid as error:
            errors = formdata.invalid_errors(error)
    if user is None:
        return _user_form(None, values, errors)
    if not generated:
        flash(_("User %(username)s created.", username=user.username), "success")
        return redirect(url_for("admin_web.user_list", q=user.username))
    return _password_page(user, data["password"], created=True)


# ---------------------------------------------------------------------------- edit
@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@signed_in(can_manage_users)
def user_edit(user_id: int) -> Any:
    """Change a user's name, e-mail, role and bindings (the password and the status have their own buttons)."""
    user = users.get_user(user_id, current_user)
    if request.method == "GET":
        return _user_form(user, _current(user), {})
    values = _posted(request.form)
    data = _typed(values)
    errors = _enterprise_errors(values, data)
    loaded, schema_errors = formdata.load(UserUpdateSchema(), data)
    errors.update(schema_errors)
    if not errors:
        try:
            users.update_user(user.id, loaded, current_user)
        except Invalid as error:
            errors = formdata.invalid_errors(error)
    if errors:
        return _user_form(user, values, errors)
    flash(_("User %(username)s saved.", username=user.username), "success")
    return redirect(url_for("admin_web.user_list", q=user.username))


@bp.post("/users/<id:user_id>/active")
@signed_in(can_manage_users)
def user_active(user_id: int) -> Any:
    """Disable (signing the user out everywhere) or enable an account."""
    user = users.get_user(user_id, current_user)
    active = request.form.get("active") == "1"
    try:
        users.update_user(user.id, {"active": active}, current_user)
    except Invalid as error:
        return _user_form(user, _current(user), formdata.invalid_errors(error))
    flash((_("User %(username)s enabled.", username=user.username) if active
           else _("User %(username)s disabled; they are signed out everywhere.", username=user.username)), "success")
    return redirect(url_for("admin_web.user_edit", user_id=user.id))


@bp.post("/users/<id:user_id>/password")
@signed_in(can_manage_users)
def user_password(user_id: int) -> Any:
    """A new one-time password for the user, shown once; their tokens are revoked."""
    user = users.get_user(user_id, current_user)
    password = users.one_time_password()
    users.update_user(user.id, {"password": password}, current_user)
    return _password_page(user, password, created=False)


# ---------------------------------------------------------------------------- helpers
def _posted(form: Any) -> dict[str, Any]:
    """What the form sent, as it is shown again when refused."""
    return {
        "username": formdata.text(form, "username"), "display_name": formdata.text(form, "display_name"),
        "role": formdata.text(form, "role"), "email": formdata.text(form, "email"),
        "district_ids": form.getlist("district_ids"), "enterprise_codes": formdata.text(form, "enterprise_ids"),
        "industries": form.getlist("industries"), "max_caseload": formdata.text(form, "max_caseload"),
    }


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the API's schemas take them."""
    return {"display_name": values["display_name"], "role": values["role"], "email": values["email"] or None,
            "district_ids": formdata.numbers(values["district_ids"]), "industries": values["industries"],
            "max_caseload": formdata.number(values["max_caseload"])}


def _enterprise_errors(values: dict[str, Any], data: dict[str, Any]) -> dict[str, list[str]]:
    """Look up the enterprises typed by credit code into `data`; unknown codes are errors at the field."""
    codes = [c for c in _CODES.split(values["enterprise_codes"]) if c]
    try:
        data["enterprise_ids"] = users.enterprise_ids_coded(codes)
    except Invalid as error:
        data["enterprise_ids"] = []
        return dict(error.errors)
    return {}


def _current(user: User) -> dict[str, Any]:
    """A user's stored values, as the form shows them."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "email": user.email or "", "district_ids": [str(d.id) for d in user.districts],
            "enterprise_codes": "\n".join(e.credit_code for e in user.enterprises),
            "industries": user.industries, "max_caseload": "" if user.max_caseload is None else str(user.max_caseload)}


def _user_form(user: User | None, values: dict[str, Any], errors: dict[str, list[str]]) -> Any:
    status, lang = (422 if errors else 200), current_lang()
    return render_template("admin/user_form.html", user=user, v=values, errors=formdata.shown(errors),
                           roles=ROLE_LABELS, industry_options=[(letter, f"{letter} {section_name(letter, lang)}")
                                                                for letter, _zh, _en in SECTIONS],
                           district_options=[(str(d.id), d.name) for d in users.all_districts()]), status


def _password_page(user: User, password: str, created: bool) -> Response:
    response = make_response(render_template("admin/user_password.html", user=user, password=password,
                                             created=created, roles=ROLE_LABELS))
    response.headers["Cache-Control"] = "no-store"  # the password is shown once: no cache keeps it
    return response
