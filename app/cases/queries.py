"""Reads of cases for the API: lists with filters, the case page, history, diagram and documents.

Every read starts from what the caller may see (the visibility clause inside the query, or
`service.get_case`, which answers 404 for a case not visible), and reads the read-model rows: no
workflow is restored to answer a read. The diagram reads the stored workflow JSON as data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import defer

from workflows import clock
from workflows.diagram import ElementState, diagram_state

from ..accounts.permissions import can_act_in_lane, visible_cases_clause
from ..api.paging import paginate
from ..errors import NotFound
from ..extensions import db
from ..i18n import N_
from ..models import AuditEvent, Campaign, Case, CaseTask, District, Document, Enterprise, ProcessVersion, User
from . import service
from .overdue import overdue_clause, overdue_days_clause, waiting_at_clause

REF = re.compile(r"^WC-(\d{4})-(\d{1,9})$", re.IGNORECASE)
SORT_COLUMNS = {"opened_at": Case.opened_at, "next_due_at": Case.next_due_at, "stage": Case.stage,
                "title": Case.title}


# ---------------------------------------------------------------------------- list
def list_cases(actor: User, args: dict[str, Any]) -> dict[str, Any]:
    """One page of the cases `actor` may see, filtered and sorted; the total counts only those."""
    now = clock.now()
    query = select(Case).where(visible_cases_clause(actor)).options(defer(Case.workflow_state), defer(Case.rules))
    query = _sorted(_filtered(query, args, now), args["sort"])
    page = paginate(query, args["page"], args["per_page"])
    page["items"] = [summary(case, now) for case in page["items"]]
    return page


def _filtered(query: Select[Any], args: dict[str, Any], now: datetime) -> Select[Any]:
    for column in ("status", "stage", "district_id", "instructor_id", "campaign_id"):
        if args.get(column) is not None:
            query = query.where(getattr(Case, column) == args[column])
    if args.get("overdue") is True:
        query = query.where(overdue_clause(now))
    elif args.get("overdue") is False:
        query = query.where(or_(Case.next_due_at.is_(None), Case.next_due_at >= now))
    if args.get("overdue_days") is not None:
        query = query.where(overdue_days_clause(args["overdue_days"], now))
    if args.get("step") is not None:
        query = query.where(waiting_at_clause(args["step"]))
    if args.get("q"):
        query = query.where(_text_match(args["q"]))
    return query


def filter_choices(actor: User) -> dict[str, list[Any]]:
    """What the case list's filters offer `actor`: the districts, instructors and campaigns of the cases
    they may see (so a choice never reveals a case, and never leads to an empty list by construction)."""
    visible = select(Case).where(visible_cases_clause(actor)).subquery()
    districts = db.session.execute(
        select(District).where(District.id.in_(select(visible.c.district_id))).order_by(District.code)).scalars()
    instructors = db.session.execute(
        select(User).where(User.id.in_(select(visible.c.instructor_id))).order_by(User.display_name)).scalars()
    campaigns = db.session.execute(
        select(Campaign).where(Campaign.id.in_(select(visible.c.campaign_id))).order_by(Campaign.id.desc())).scalars()
    return {"districts": list(districts), "instructors": list(instructors), "campaigns": list(campaigns)}


def campaign_names(ids: Iterable[int | None]) -> dict[int, str]:
    """The names of these campaigns, in one query (a case shows its campaign by name)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(wanted))).tuples().all())


def _text_match(q: str) -> Any:
    """A case number (WC-2026-000123) finds that case; other text the title, an enterprise's name or code."""
    ref = REF.match(q)
    if ref:
        return Case.id == int(ref.group(2))
    return or_(
        Case.title.icontains(q, autoescape=True),
        Case.enterprises.any(or_(Enterprise.name.icontains(q, autoescape=True),
                                 Enterprise.credit_code.icontains(q, autoescape=True))),
    )


def _sorted(query: Select[Any], sort: str) -> Select[Any]:
    descending = sort.startswith("-")
    column = SORT_COLUMNS[sort.removeprefix("-")]
    keys: list[Any] = []
    if column is Case.next_due_at:
        keys.append(Case.next_due_at.is_(None))  # nothing due sorts last either way, on every database
    keys.append(column.desc() if descending else column.asc())
    keys.append(Case.id.desc() if descending else Case.id.asc())
    return query.order_by(*keys)


def summary(case: Case, now: datetime) -> dict[str, Any]:
    """The fields of a case in a list (and at the top of its page)."""
    return {
        "id": case.id, "ref": case.ref, "title": case.title, "kind": case.kind, "stage": case.stage,
        "status": case.status, "district": case.district, "instructor": case.instructor,
        "enterprises": case.enterprises, "opened_at": case.opened_at, "next_due_at": case.next_due_at,
        "overdue": _overdue(case.next_due_at, now), "lock_version": case.lock_version,
    }


def _overdue(due_at: datetime | None, now: datetime) -> bool:
    return due_at is not None and due_at < now


# ---------------------------------------------------------------------------- the case page
def case_detail(case_id: int, actor: User) -> dict[str, Any]:
    """The case page of a case `actor` may see (404 otherwise)."""
    return detail(service.get_case(case_id, actor, with_tasks=True), actor)


def detail(case: Case, actor: User) -> dict[str, Any]:
    """Everything on the case page: summary, rules, outcome, open tasks with due dates, and what was done."""
    now = clock.now()
    tasks = sorted(case.tasks, key=lambda t: t.id)
    people = _users([case.opened_by_id, *(t.assignee_id for t in tasks), *(t.completed_by_id for t in tasks)])
    open_tasks = [{
        "id": t.id, "bpmn_id": t.bpmn_id, "name": t.name, "lane": t.lane, "stage": t.stage, "form": t.form,
        "assignee": people.get(t.assignee_id), "due_at": t.due_at, "due_on": t.due_on, "due_clock": t.due_clock,
        "due_explanation": t.due_explanation, "overdue": _overdue(t.due_at, now),
        "can_act": can_act_in_lane(actor, case, t.lane),
    } for t in tasks if t.state == "ready"]
    done = sorted((t for t in tasks if t.state == "completed"), key=lambda t: (t.completed_at or now, t.id))
    completed_tasks = [{
        "id": t.id, "bpmn_id": t.bpmn_id, "name": t.name, "lane": t.lane, "completed_at": t.completed_at,
        "completed_by": people.get(t.completed_by_id), "warnings": t.warnings,
    } for t in done]
    return {
        **summary(case, now),
        "rule_set": case.rule_set, "rules": case.rules, "spec_version": case.spec_version,
        "opened_by": people.get(case.opened_by_id), "closed_at": case.closed_at,
        "previous_case_id": case.previous_case_id, "campaign_id": case.campaign_id,
        "wage_increase_pct": case.wage_increase_pct, "guideline_position": case.guideline_position,
        "signed_on": case.signed_on, "effective_on": case.effective_on, "expires_on": case.expires_on,
        "open_tasks": open_tasks, "completed_tasks": completed_tasks,
    }


def _users(ids: Iterable[int | None]) -> dict[int, User]:
    """The users with these ids, in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.execute(select(User).where(User.id.in_(wanted))).scalars()}


# ---------------------------------------------------------------------------- history
def history(case_id: int, actor: User, page: int, per_page: int, newest_first: bool = False) -> dict[str, Any]:
    """The case's audit events, oldest first (the case page's timeline: newest first); the actor is a user
    name, or None for the system."""
    service.get_case(case_id, actor)
    order = AuditEvent.id.desc() if newest_first else AuditEvent.id
    query = select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(order)
    result = paginate(query, page, per_page)
    result["items"] = [{"id": e.id, "kind": e.kind, "actor": e.actor if e.actor_id is not None else None,
                        "created_at": e.created_at, "payload": e.payload} for e in result["items"]]
    return result


# ---------------------------------------------------------------------------- diagram
def diagram(case_id: int, actor: User) -> dict[str, Any]:
    """The BPMN the case runs on, and per element whether it is done, current, overdue or cut short.

    The states come from the stored workflow JSON; the due dates of user tasks from their rows, whose
    due instant is also that of the boundary timer watching them.
    """
    case = service.get_case(case_id, actor)
    version = db.session.execute(
        select(ProcessVersion).where(ProcessVersion.content_hash == case.spec_version)).scalar_one()
    rows = db.session.execute(
        select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.state == "ready")).scalars().all()
    due = {row.bpmn_id: row for row in rows}
    due_on_by_instant = {row.due_at: row.due_on for row in rows if row.due_at is not None}
    now = clock.now()

    def view(elements: dict[str, ElementState]) -> dict[str, dict[str, Any]]:
        out = {}
        for bpmn_id, element in elements.items():
            row = due.get(bpmn_id) if element.state == "current" else None
            due_at = row.due_at if row is not None else element.due_at
            due_on = row.due_on if row is not None else due_on_by_instant.get(due_at)
            state = "overdue" if element.state == "current" and _overdue(due_at, now) else element.state
            out[bpmn_id] = {"state": state, "due_at": due_at, "due_on": due_on, "count": element.count}
        return out

    state = diagram_state(case.workflow_state)
    file = _file_of(version.files, case.process_id)
    called = {}
    for process_id, elements in state.called.items():
        called_file = _file_of(version.files, process_id)
        called[process_id] = {"file": called_file, "xml": version.files.get(called_file or ""),
                              "elements": view(elements)}
    return {"process_id": case.process_id, "spec_version": case.spec_version, "file": file,
            "xml": version.files.get(file or ""), "elements": view(state.elements), "called": called}


def _file_of(files: dict[str, str], process_id: str) -> str | None:
    """The stored file that defines `process_id` (found by its id attribute: the XML is not parsed here)."""
    marker = f' id="{process_id}"'
    return next((name for name, text in sorted(files.items()) if marker in text), None)


# ---------------------------------------------------------------------------- documents
def documents(case_id: int, actor: User, page: int, per_page: int) -> dict[str, Any]:
    """The case's documents, oldest first, with who uploaded each."""
    service.get_case(case_id, actor)
    query = (select(Document, User).outerjoin(User, User.id == Document.uploaded_by_id)
             .where(Document.case_id == case_id).order_by(Document.id))
    result = paginate(query, page, per_page, scalars=False)
    result["items"] = [document_view(doc, user) for doc, user in result["items"]]
    return result


def document_view(doc: Document, uploaded_by: User | None) -> dict[str, Any]:
    return {"id": doc.id, "filename": doc.filename, "content_type": doc.content_type, "size": doc.size,
            "sha256": doc.sha256, "uploaded_by": uploaded_by, "uploaded_at": doc.uploaded_at,
            "task_id": doc.case_task_id}


def document(case_id: int, document_id: int, actor: User) -> Document:
    """A document of a case `actor` may see; 404 when the case is not visible or the document not of it."""
    service.get_case(case_id, actor)
    doc = db.session.execute(
        select(Document).where(Document.id == document_id, Document.case_id == case_id)).scalar()
    if doc is None:
        raise NotFound(N_("No such document in this case."))
    return doc
