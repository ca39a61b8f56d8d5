"""Automatic instructor assignment and bulk reassignment.

Choice: among active instructors below their maximum caseload (their own `max_caseload`, else
INSTRUCTOR_MAX_CASELOAD), those bound to the case's district (an instructor bound to no district
serves the whole city), never one who already had the case offered (declined or let it lapse);
then the best fit first: of the case's district, knowing one of its enterprises' industries, and
the lightest load relative to their maximum. Assignment goes through the BPMN: the system completes
the bureau's assignment step with the chosen name, and the instructor still accepts or declines it
(`bpmn/instructor_assignment.bpmn`), so a decline or silence brings the case back here.

Reassignment (an instructor leaves) moves every open case and the instructor's waiting steps to
another instructor, chosen the same way or named, in one transaction; each case's audit log keeps
who had it before, when and why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from workflows import clock

from ..accounts.permissions import can_reassign_cases, visible_cases_clause
from ..audit import service as audit
from ..cases import service as cases
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..i18n import N_
from ..models import AuditEvent, Case, CaseTask, User
from ..models.cases import OPEN_STATUSES
from ..notifications.service import notify

log = logging.getLogger(__name__)

ASSIGNMENT_FORM = "assignment"  # the form of the BPMN step that names a case's instructor


@dataclass
class Candidate:
    """An instructor as the assignment weighs them."""

    user: User
    districts: set[int]
    industries: set[str]
    load: int
    limit: int

    def fits(self, case: Case) -> bool:
        return self.load < self.limit and (not self.districts or case.district_id in self.districts)

    def score(self, case: Case) -> tuple[bool, bool, float, int]:
        """Higher is better: own district, known industry, lightest relative load, then the oldest account."""
        industries = {e.industry for e in case.enterprises}
        return (case.district_id in self.districts, bool(industries & self.industries),
                -self.load / self.limit, -self.user.id)


def caseloads(user_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Cases under negotiation per instructor (status active; an offer not yet answered counts: the case
    names them already). An agreement in force asks little of its instructor and does not count."""
    query = (select(Case.instructor_id, func.count()).where(Case.status == "active",
                                                            Case.instructor_id.is_not(None))
             .group_by(Case.instructor_id))
    if user_ids is not None:
        query = query.where(Case.instructor_id.in_(list(user_ids)))
    return dict(db.session.execute(query).all())


def max_caseload(user: User) -> int:
    """The most cases an instructor holds at once: their own maximum, else the configured one."""
    return user.max_caseload or int(current_app.config["INSTRUCTOR_MAX_CASELOAD"])


def candidates() -> list[Candidate]:
    """Every active instructor with their districts, industries, load and maximum."""
    people = db.session.execute(
        select(User).where(User.role == "instructor", User.active.is_(True))
        .options(selectinload(User.districts), selectinload(User.industry_links)).order_by(User.id)).scalars().all()
    loads = caseloads()
    return [Candidate(u, {d.id for d in u.districts}, set(u.industries), loads.get(u.id, 0), max_caseload(u))
            for u in people]


def choose(case: Case, pool: list[Candidate], exclude: set[int]) -> Candidate | None:
    """The best fitting instructor with room for one more case, or None."""
    fitting = [c for c in pool if c.user.id not in exclude and c.fits(case)]
    return max(fitting, key=lambda c: c.score(case)) if fitting else None


def offered_before(case: Case) -> set[int]:
    """Instructors this case was offered to already (from its audit log: the assignment steps done)."""
    names = set()
    for payload in db.session.execute(select(AuditEvent.payload).where(
            AuditEvent.case_id == case.id, AuditEvent.kind == "task_completed")).scalars():
        if payload.get("form") == ASSIGNMENT_FORM:
            names.add((payload.get("data") or {}).get("instructor"))
    if not names:
        return set()
    return set(db.session.execute(select(User.id).where(User.username.in_(names))).scalars())


# ---------------------------------------------------------------------------- the sweep's job
@dataclass
class AssignReport:
    assigned: int = 0
    waiting: int = 0
    failed: list[int] = field(default_factory=list)


def assign_waiting(as_of: datetime) -> AssignReport:
    """Offer every case waiting for an instructor to the best fitting one, one case per transaction.

    The waiting steps are claimed with SKIP LOCKED like the other deadline jobs, so several scheduler
    processes share the work. A case nobody fits keeps waiting for a supervisor.
    """
    report = AssignReport()
    if not current_app.config["AUTO_ASSIGN_INSTRUCTORS"]:
        return report
    pool = candidates()
    waiting = db.session.execute(
        select(CaseTask.id, Case.district_id).join(Case, Case.id == CaseTask.case_id)
        .where(CaseTask.state == "ready", CaseTask.form == ASSIGNMENT_FORM, CaseTask.assignee_id.is_(None))
        .order_by(CaseTask.id)).all()
    db.session.rollback()
    for task_id, district_id in waiting:
        if not any(c.load < c.limit and (not c.districts or district_id in c.districts) for c in pool):
            report.waiting += 1  # nobody has room in this district: no need to load the case
            continue
        try:
            with clock.frozen_at(as_of), cases.transaction():
                chosen = _assign_one(task_id, pool)
        except Exception:
            log.exception("assigning an instructor to task %s failed; the next run retries it", task_id)
            report.failed.append(task_id)
            continue
        if chosen is None:
            report.waiting += 1
        else:
            chosen.load += 1
            report.assigned += 1
    return report


def _assign_one(task_id: int, pool: list[Candidate]) -> Candidate | None:
    row = db.session.execute(select(CaseTask).where(CaseTask.id == task_id, CaseTask.state == "ready",
                                                    CaseTask.assignee_id.is_(None))
                             .with_for_update(skip_locked=True).execution_options(populate_existing=True)).scalar()
    if row is None:
        return None  # done meanwhile, or another scheduler holds it
    case = db.session.execute(select(Case).where(Case.id == row.case_id).options(joinedload(Case.tasks))
                              .execution_options(populate_existing=True)).unique().scalar_one()
    chosen = choose(case, pool, offered_before(case))
    if chosen is None:
        return None
    why = (f"automatic: caseload {chosen.load}/{chosen.limit}"
           + (", same district" if case.district_id in chosen.districts else ", city-wide")
           + (", knows the industry" if chosen.score(case)[1] else ""))
    cases.complete_as_system(case, row, {"instructor": chosen.user.username, "note": why}, note=why)
    notify(chosen.user, "case_offered",
           {"zh": f"新的指派：{case.ref}「{case.title}」，请确认是否接受",
            "en": f"New assignment: {case.ref} “{case.title}”: please accept or decline"},
           {"zh": f"{case.title}\n{why}", "en": f"{case.title}\n{why}"}, case=case, link=f"/cases/{case.id}")
    return chosen


# ---------------------------------------------------------------------------- reassignment
@dataclass
class Move:
    case: Case
    to: User | None
    reason: str | None = None


def reassign_cases(from_user_id: int, actor: User | None, reason: str, to_user_id: int | None = None) -> list[Move]:
    """Hand every open case of an instructor (of the actor's districts) to another, in one transaction.

    With `to_user_id` every case goes to that instructor (a supervisor's decision, even above their
    usual maximum); without, each goes to the best fitting instructor with room, and a case nobody
    fits stays where it is and is reported. The instructor's waiting steps move with the case.
    """
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(N_("Give a reason."),
                      {"reason": [N_("Say why the cases are handed on (e.g. the instructor left).")]})
    with cases.transaction():
        if actor is not None and not can_reassign_cases(actor):
            raise Forbidden(N_("Only supervisors and administrators hand cases on."))
        source = _instructor(from_user_id, "from_user_id")
        target = _instructor(to_user_id, "to_user_id") if to_user_id is not None else None
        if target is not None and target.id == source.id:
            raise Invalid(N_("Choose another instructor."), {"to_user_id": [N_("The cases already are theirs.")]})
        query = (select(Case).where(Case.instructor_id == source.id, Case.status.in_(OPEN_STATUSES))
                 .options(joinedload(Case.tasks)).order_by(Case.id))
        if actor is not None:
            query = query.where(visible_cases_clause(actor))
        moves: list[Move] = []
        pool = candidates()
        for case in db.session.execute(query).unique().scalars():
            chosen = target or _pick(case, pool, source.id)
            if chosen is None:
                moves.append(Move(case, None, "No instructor of the district has room for another case."))
                continue
            _move(case, source, chosen, actor, reason)
            moves.append(Move(case, chosen))
    return moves


def _pick(case: Case, pool: list[Candidate], source_id: int) -> User | None:
    candidate = choose(case, pool, {source_id})
    if candidate is None:
        return None
    candidate.load += 1
    return candidate.user


def _move(case: Case, source: User, target: User, actor: User | None, reason: str) -> None:
    moved = []
    for row in case.tasks:
        if row.state == "ready" and row.lane == "instructor" and row.assignee_id in (None, source.id):
            row.assignee_id = target.id
            moved.append(row.id)
    case.instructor_id, case.instructor = target.id, target
    audit.record("instructor_reassigned", {"from": source.username, "to": target.username, "reason": reason,
                                           "tasks_moved": moved}, actor=actor, case=case)
    notify(target, "case_reassigned",
           {"zh": f"案件移交：{case.ref}「{case.title}」现由您指导",
            "en": f"Case handed to you: {case.ref} “{case.title}”"},
           {"zh": f"原指导员：{source.display_name}。原因：{reason}",
            "en": f"Previously: {source.display_name}. Why: {reason}"},
           case=case, link=f"/cases/{case.id}")


def _instructor(user_id: int, field_name: str) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != "instructor":
        if field_name == "from_user_id":
            raise NotFound(N_("No such instructor."))
        raise Invalid(N_("Unknown instructor."), {field_name: [f"No instructor with id {user_id}."]})
    if field_name == "to_user_id" and not user.active:
        raise Invalid(N_("That instructor's account is disabled."), {field_name: [N_("Choose an active instructor.")]})
    return user


def caseload_rows(actor: User) -> list[dict[str, Any]]:
    """Every instructor with their open cases (those the actor may see counted), maximum and fit."""
    pool = candidates()
    visible = dict(db.session.execute(
        select(Case.instructor_id, func.count()).where(Case.status == "active", Case.instructor_id.is_not(None),
                                                       visible_cases_clause(actor)).group_by(Case.instructor_id)).all())
    return [{"user": c.user, "open_cases": c.load, "open_cases_visible": visible.get(c.user.id, 0),
             "max_caseload": c.limit, "districts": c.user.districts, "industries": sorted(c.industries)}
            for c in pool]
