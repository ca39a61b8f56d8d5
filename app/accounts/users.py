"""User administration: the one home of the rules for accounts, used by the API and the operator's CLI.

A role decides the bindings: supervisors need districts, representatives enterprises, administrators
none. Disabling an account revokes its tokens in the same transaction, so it signs out everywhere at
once. Passwords are hashed here and never leave this module, not even into the audit log. `actor` is
the signed-in administrator, or None for an operator at the console.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from workflows import clock

from ..api.paging import paginate
from ..audit import service as audit
from ..cases.service import transaction
from ..enterprises.credit_code import normalise
from ..enterprises.schemas import INDUSTRY_SECTIONS
from ..enterprises.service import like_pattern
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..i18n import N_
from ..models import ROLES, District, Enterprise, User
from ..models.accounts import UserIndustry, user_district, user_enterprise
from . import tokens
from .passwords import hash_password
from .permissions import can_manage_users

USERNAME = re.compile(r"[a-z0-9._-]{3,64}")
USERNAME_RULE = "Use 3 to 64 characters: lower-case letters, digits, dot, underscore or hyphen."
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PASSWORD_MIN, PASSWORD_MAX = 10, 1024
DISPLAY_NAME_MAX, EMAIL_MAX = 80, 200
# Which roles may be bound to what, and which must be.
DISTRICT_ROLES, DISTRICTS_REQUIRED = ("supervisor", "instructor"), ("supervisor",)
ENTERPRISE_ROLES = ("union_rep", "enterprise_rep")
EDITABLE = ("display_name", "email", "active", "role", "district_ids", "enterprise_ids", "industries",
            "max_caseload", "password")
INSTRUCTOR_ONLY = ("industries", "max_caseload")


def _authorise(actor: User | None) -> None:
    if actor is not None and not can_manage_users(actor):
        raise Forbidden(N_("Only an administrator may manage users."))


# ---------------------------------------------------------------------------- read
def list_users(actor: User, filters: Mapping[str, Any], page: int, per_page: int) -> dict[str, Any]:
    """One page of users by user name, filtered by role, active, district, enterprise or a part of the name."""
    _authorise(actor)
    query = select(User).options(selectinload(User.districts), selectinload(User.enterprises))
    if filters.get("role") is not None:
        query = query.where(User.role == filters["role"])
    if filters.get("active") is not None:
        query = query.where(User.active.is_(filters["active"]))
    if filters.get("district_id") is not None:
        query = query.where(exists().where(user_district.c.user_id == User.id,
                                           user_district.c.district_id == filters["district_id"]))
    if filters.get("enterprise_id") is not None:
        query = query.where(exists().where(user_enterprise.c.user_id == User.id,
                                           user_enterprise.c.enterprise_id == filters["enterprise_id"]))
    if filters.get("q"):
        pattern = like_pattern(filters["q"].strip())
        query = query.where(or_(User.username.ilike(pattern, escape="\\"),
                                User.display_name.ilike(pattern, escape="\\")))
    return paginate(query.order_by(User.username, User.id), page, per_page)


def all_users() -> list[User]:
    """Every user by user name, with their bindings (the operator's listing)."""
    return list(db.session.execute(select(User).options(selectinload(User.districts), selectinload(User.enterprises))
                                   .order_by(User.username)).scalars())


def all_districts() -> list[District]:
    """Every district by code: what supervisors and instructors can be bound to (a short list)."""
    return list(db.session.execute(select(District).order_by(District.code)).scalars())


def get_user(user_id: int, actor: User | None) -> User:
    _authorise(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    return user


def find_by_username(username: str) -> User:
    user = db.session.execute(select(User).where(User.username == username.strip())).scalar()
    if user is None:
        raise NotFound(N_("No user named %(username)s."), username=username)
    return user


def district_ids_named(names: Iterable[str]) -> list[int]:
    """Ids of districts given by name (the operator types names); Invalid names every unknown one."""
    names = [n.strip() for n in names]
    found = dict(db.session.execute(select(District.name, District.id).where(District.name.in_(names))).all())
    unknown = [n for n in names if n not in found]
    if unknown:
        raise Invalid(N_("Unknown district."), {"district_ids": [f"No district named {n}." for n in unknown]})
    return [found[n] for n in names]


def enterprise_ids_coded(codes: Iterable[str]) -> list[int]:
    """Ids of enterprises given by credit code; Invalid names every unknown code."""
    from ..enterprises.service import ids_by_credit_code

    codes = [normalise(c) for c in codes]
    found = ids_by_credit_code(codes)
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise Invalid(N_("Unknown enterprise."), {"enterprise_ids": [f"No enterprise with credit code {c}."
                                                                 for c in unknown]})
    return [found[c] for c in codes]


# ---------------------------------------------------------------------------- write
def create_user(data: Mapping[str, Any], actor: User | None) -> User:
    """A new account with a role, its bindings and a hashed password."""
    with transaction():
        _authorise(actor)
        values = {"display_name": data.get("display_name") or data.get("username") or "", "email": None,
                  "active": True, "district_ids": [], "enterprise_ids": [], "industries": [], "max_caseload": None,
                  **data}
        errors: dict[str, list[str]] = {}
        username = (values.get("username") or "").strip()
        if not USERNAME.fullmatch(username):
            errors["username"] = [USERNAME_RULE]
        elif db.session.execute(select(exists().where(User.username == username))).scalar_one():
            errors["username"] = ["This user name is taken."]
        if "password" not in values:
            errors["password"] = ["Missing data for required field."]
        districts, enterprises = _check(values, errors, target=None)
        if errors:
            raise Invalid(N_("The user has invalid fields."), errors)
        user = User(username=username, display_name=values["display_name"].strip(), role=values["role"],
                    password_hash=hash_password(values["password"]), active=bool(values["active"]),
                    email=_email(values["email"]), created_at=clock.now(), districts=districts,
                    enterprises=enterprises, max_caseload=values["max_caseload"],
                    industry_links=[UserIndustry(industry=i) for i in _industries(values)])
        db.session.add(user)
        db.session.flush()
        audit.record("user_created", {"user_id": user.id, **_plain(user)}, actor=actor)
    return user


def update_user(user_id: int, data: Mapping[str, Any], actor: User | None) -> User:
    """Change some of a user's fields; disabling (or a new password) revokes every token of theirs."""
    with transaction():
        user = get_user(user_id, actor)
        before = _plain(user)
        values = {"display_name": user.display_name, "email": user.email, "active": user.active, "role": user.role,
                  "district_ids": [d.id for d in user.districts], "enterprise_ids": [e.id for e in user.enterprises],
                  "industries": user.industries, "max_caseload": user.max_caseload,
                  **{k: v for k, v in data.items() if k in EDITABLE}}
        errors: dict[str, list[str]] = {}
        districts, enterprises = _check(values, errors, target=user)
        if actor is not None and actor.id == user.id:
            if not values["active"]:
                errors.setdefault("active", []).append("You cannot disable your own account.")
            if values["role"] != user.role:
                errors.setdefault("role", []).append("You cannot change your own role.")
        if errors:
            raise Invalid(N_("The user has invalid fields."), errors)
        user.display_name, user.email = values["display_name"].strip(), _email(values["email"])
        user.role, user.active = values["role"], bool(values["active"])
        user.districts, user.enterprises = districts, enterprises
        if _industries(values) != user.industries:
            user.industry_links = [UserIndustry(industry=i) for i in _industries(values)]
        user.max_caseload = values["max_caseload"]
        password_changed = "password" in data
        if password_changed:
            user.password_hash = hash_password(data["password"])
        after = _plain(user)
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if not changes and not password_changed:
            return user
        if password_changed or not user.active:
            tokens.revoke_all(user)
        audit.record("user_updated", {"user_id": user.id, "username": user.username, "changes": changes,
                                      "password_changed": password_changed}, actor=actor)
    return user


def one_time_password() -> str:
    """A random password for a new account or a reset, shown once to the administrator who hands it over."""
    return secrets.token_urlsafe(12)


def disable(username: str, actor: User | None) -> User:
    """Disable an account by user name and sign it out everywhere."""
    return update_user(find_by_username(username).id, {"active": False}, actor)


# ---------------------------------------------------------------------------- rules
def _check(values: Mapping[str, Any], errors: dict[str, list[str]],
           target: User | None) -> tuple[list[District], list[Enterprise]]:
    """Field rules shared by create and update; returns the districts and enterprises to bind."""
    role = values.get("role")
    if role not in ROLES:
        errors["role"] = [f"Choose one of: {', '.join(ROLES)}."]
    display_name = (values.get("display_name") or "").strip()
    if not display_name or len(display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = [f"Give a name of 1 to {DISPLAY_NAME_MAX} characters."]
    email = _email(values.get("email"))
    if email is not None and (len(email) > EMAIL_MAX or not EMAIL.fullmatch(email)):
        errors["email"] = ["Give an e-mail address such as name@example.org, or leave it empty."]
    if "password" in values:
        password = values["password"] or ""
        if len(password) < PASSWORD_MIN or not password.strip():
            errors["password"] = [f"Use at least {PASSWORD_MIN} characters."]
        elif len(password) > PASSWORD_MAX:
            errors["password"] = [f"Use at most {PASSWORD_MAX} characters."]
    districts = _rows(District, values.get("district_ids") or [], "district_ids", errors)
    enterprises = _rows(Enterprise, values.get("enterprise_ids") or [], "enterprise_ids", errors)
    if role in ROLES:
        _check_bindings(role, districts, enterprises, errors)
    for field in INSTRUCTOR_ONLY:
        if values.get(field) and role != "instructor":
            errors.setdefault(field, []).append(f"Only instructors have {field.replace('_', ' ')}.")
    unknown = [i for i in values.get("industries") or [] if i.strip().upper() not in INDUSTRY_SECTIONS]
    if unknown:
        errors.setdefault("industries", []).append(f"Not a GB/T 4754 section letter (A to T): {', '.join(unknown)}.")
    return districts, enterprises


def _industries(values: Mapping[str, Any]) -> list[str]:
    """The industry letters given, upper-case, each once, in order."""
    return sorted({i.strip().upper() for i in values.get("industries") or []})


def _check_bindings(role: str, districts: list[District], enterprises: list[Enterprise],
                    errors: dict[str, list[str]]) -> None:
    if districts and role not in DISTRICT_ROLES:
        errors.setdefault("district_ids", []).append(f"A user of role {role} is bound to no district.")
    if role in DISTRICTS_REQUIRED and not districts and "district_ids" not in errors:
        errors["district_ids"] = ["A supervisor needs at least one district."]
    if enterprises and role not in ENTERPRISE_ROLES:
        errors.setdefault("enterprise_ids", []).append(f"A user of role {role} is bound to no enterprise.")
    if role in ENTERPRISE_ROLES and not enterprises and "enterprise_ids" not in errors:
        errors["enterprise_ids"] = ["A representative needs at least one enterprise."]


def _rows(model: type[District] | type[Enterprise], ids: list[int], field: str,
          errors: dict[str, list[str]]) -> list[Any]:
    unique = list(dict.fromkeys(ids))
    found = {row.id: row for row in db.session.execute(select(model).where(model.id.in_(unique))).scalars()}
    missing = [i for i in unique if i not in found]
    if missing:
        errors[field] = [f"No {model.__name__.lower()} with id {i}." for i in missing]
    return [found[i] for i in unique if i in found]


def _email(value: str | None) -> str | None:
    return (value or "").strip() or None


def _plain(user: User) -> dict[str, Any]:
    """What the audit log keeps of a user: everything but the password."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role, "active": user.active,
            "email": user.email, "district_ids": sorted(d.id for d in user.districts),
            "enterprise_ids": sorted(e.id for e in user.enterprises), "industries": user.industries,
            "max_caseload": user.max_caseload}
