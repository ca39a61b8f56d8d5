"""The enterprise registry's rules: who may register or change which enterprise, and what a valid entry is.

Every change is one transaction with its audit event (on the global chain: an enterprise belongs to no
case). A duplicate credit code is refused without naming the enterprise that holds it, which the caller
may not be allowed to see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, or_, select

from workflows import clock

from ..accounts.permissions import can_create_enterprise, can_edit_enterprise, visible_enterprises_clause
from ..api.paging import paginate
from ..audit import service as audit
from ..cases.service import transaction
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..i18n import N_
from ..models import Case, District, Enterprise, User, case_enterprise
from ..models.cases import OPEN_STATUSES
from . import credit_code

FIELDS = ("credit_code", "name", "district_id", "industry", "employees", "women_employees", "has_union", "ownership")


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with the wildcards a user typed taken literally (escape "\\")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def visible(actor: User) -> Select[tuple[Enterprise]]:
    """SELECT of the enterprises `actor` may see."""
    return select(Enterprise).where(visible_enterprises_clause(actor))


def list_enterprises(actor: User, filters: Mapping[str, Any], page: int, per_page: int) -> dict[str, Any]:
    """One page of the visible enterprises matching `filters`, by name then id, with the visible total."""
    query = visible(actor)
    for key in ("district_id", "industry", "has_union"):
        if filters.get(key) is not None:
            query = query.where(getattr(Enterprise, key) == filters[key])
    if filters.get("min_employees") is not None:
        query = query.where(Enterprise.employees >= filters["min_employees"])
    if filters.get("max_employees") is not None:
        query = query.where(Enterprise.employees <= filters["max_employees"])
    if filters.get("q"):
        pattern = like_pattern(filters["q"].strip())
        query = query.where(or_(Enterprise.name.ilike(pattern, escape="\\"),
                                Enterprise.credit_code.ilike(pattern, escape="\\")))
    return paginate(query.order_by(Enterprise.name, Enterprise.id), page, per_page)


def get_enterprise(enterprise_id: int, actor: User) -> Enterprise:
    """An enterprise the actor may see, or NotFound (a foreign enterprise is never revealed)."""
    row = db.session.execute(visible(actor).where(Enterprise.id == enterprise_id)).scalar()
    if row is None:
        raise NotFound(N_("No such enterprise."))
    return row


def create_enterprise(data: Mapping[str, Any], actor: User) -> Enterprise:
    """Register an enterprise: admins anywhere, supervisors in their own districts."""
    with transaction():
        if not can_create_enterprise(actor, data["district_id"]):
            raise Forbidden(N_("Only an administrator, or a supervisor of the district, may register an enterprise "
                               "there."))
        values = _checked(dict(data), current=None)
        enterprise = Enterprise(**values, created_at=clock.now())
        db.session.add(enterprise)
        db.session.flush()
        audit.record("enterprise_created", {"enterprise_id": enterprise.id, **values}, actor=actor)
    return enterprise


def update_enterprise(enterprise_id: int, data: Mapping[str, Any], actor: User) -> Enterprise:
    """Change some fields of an enterprise; the whole result is validated, and only real changes are audited."""
    with transaction():
        enterprise = get_enterprise(enterprise_id, actor)
        if not can_edit_enterprise(actor, enterprise):
            raise Forbidden(N_("Only an administrator, or a supervisor of its district, may change this enterprise."))
        moving = "district_id" in data and data["district_id"] != enterprise.district_id
        if moving and not can_create_enterprise(actor, data["district_id"]):
            raise Forbidden(N_("You may move an enterprise only into a district of yours."))
        current = {name: getattr(enterprise, name) for name in FIELDS}
        values = _checked({**current, **data}, current=enterprise)
        changes = {name: [current[name], values[name]] for name in FIELDS if values[name] != current[name]}
        if not changes:
            return enterprise
        if "district_id" in changes and _has_open_case(enterprise):
            raise Conflict(N_("The enterprise has an open case in its district; finish or cancel it before moving it."))
        for name, (_, new) in changes.items():
            setattr(enterprise, name, new)
        enterprise.updated_at = clock.now()
        audit.record("enterprise_updated", {"enterprise_id": enterprise.id, "credit_code": values["credit_code"],
                                            "changes": changes}, actor=actor)
    return enterprise


def _checked(values: dict[str, Any], current: Enterprise | None) -> dict[str, Any]:
    """The normalised field values, or Invalid naming every field at fault."""
    errors: dict[str, list[str]] = {}
    code = credit_code.normalise(values["credit_code"])
    name = (values["name"] or "").strip()
    problem = credit_code.problem(code)
    if problem:
        errors["credit_code"] = [problem]
    elif (current is None or code != current.credit_code) and _code_taken(code):
        errors["credit_code"] = ["This credit code is already registered."]
    if not name:
        errors["name"] = ["Give the enterprise's name."]
    if db.session.get(District, values["district_id"]) is None:
        errors["district_id"] = [f"No district with id {values['district_id']}."]
    if values["women_employees"] > values["employees"]:
        errors["women_employees"] = [f"Cannot exceed the number of employees ({values['employees']})."]
    if errors:
        raise Invalid(N_("The enterprise has invalid fields."), errors)
    return {**{k: values[k] for k in FIELDS}, "credit_code": code, "name": name}


def _code_taken(code: str) -> bool:
    return db.session.execute(select(exists().where(Enterprise.credit_code == code))).scalar_one()


def with_open_case() -> ColumnElement[bool]:
    """WHERE clause on Enterprise: it is covered by a case that is still open (active or in force)."""
    return exists().where(case_enterprise.c.enterprise_id == Enterprise.id, case_enterprise.c.case_id == Case.id,
                          Case.status.in_(OPEN_STATUSES))


def _has_open_case(enterprise: Enterprise) -> bool:
    return db.session.execute(select(exists().where(Enterprise.id == enterprise.id, with_open_case()))).scalar_one()


def ids_by_credit_code(codes: Iterable[str], actor: User | None = None) -> dict[str, int]:
    """The ids of the enterprises with these codes (normalised), among those `actor` may see when given; an
    unknown code is simply absent, for the caller to name in its own field."""
    wanted = [credit_code.normalise(c) for c in codes]
    query = select(Enterprise.credit_code, Enterprise.id).where(Enterprise.credit_code.in_(wanted))
    if actor is not None:
        query = query.where(visible_enterprises_clause(actor))
    return {row.credit_code: row.id for row in db.session.execute(query)}
