"""Tasks: the inbox query, and claiming, releasing, assigning and completing one step of a case.

The inbox reads the indexed task rows (one query per page; the workflow is never loaded). Claim,
release and assign change only who holds a task: each is one conditional UPDATE that names the
holder it expects, so of two people claiming at once exactly one wins and the other is told by whom.
Completing goes through the case service, the one way a workflow advances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.orm import aliased, contains_eager, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from workflows import clock

from ..accounts.permissions import (
    actionable_tasks_clause,
    can_act_in_lane,
    can_assign_task,
    can_claim_task,
    can_release_task,
    visible_cases_clause,
    visible_tasks_clause,
)
from ..api.paging import paginate
from ..audit import service as audit
from ..cases import service as cases
from ..cases.conflicts import explaining
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..i18n import N_
from ..models import Case, CaseTask, User
from .form_schema import form_schema

Assignee = aliased(User, name="assignee")


@dataclass
class TaskView:
    """A task row with what its page shows beside it: who holds it, and whether it is overdue now."""

    row: CaseTask
    assignee: User | None
    overdue: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


@dataclass
class TaskDetail(TaskView):
    """A task with its form, its data, and what the caller may do with it."""

    form_schema: dict[str, Any] | None
    data: dict[str, Any]
    warnings: list[dict[str, Any]]
    can_complete: bool
    can_claim: bool
    can_assign: bool
    case_version: int


def _view(row: CaseTask, assignee: User | None, now: datetime) -> TaskView:
    return TaskView(row, assignee, row.state == "ready" and row.due_at is not None and row.due_at < now)


def overdue_tasks_clause(now: datetime) -> Any:
    """A WHERE clause on CaseTask: ready and past its due instant (the inbox, the dashboard's overdue list)."""
    return and_(CaseTask.state == "ready", CaseTask.due_at < now)


# ---------------------------------------------------------------------------- read
def inbox_query(user: User, args: dict[str, Any], now: datetime) -> Select[Any]:
    """The tasks of the inbox filters, due first (overdue on top, no deadline last), with case and assignee."""
    mine = args.get("scope", "mine") == "mine"
    clauses = [actionable_tasks_clause(user) if mine else visible_cases_clause(user)]  # Case is joined below
    state = args.get("state") or ("ready" if mine else None)
    if state:
        clauses.append(CaseTask.state == state)
    for name in ("lane", "case_id", "stage"):
        if args.get(name) is not None:
            clauses.append(getattr(CaseTask, name) == args[name])
    if args.get("due_before") is not None:
        clauses.append(CaseTask.due_at <= args["due_before"])
    if args.get("overdue") is True:
        clauses.append(overdue_tasks_clause(now))
    elif args.get("overdue") is False:
        clauses.append(or_(CaseTask.state != "ready", CaseTask.due_at.is_(None), CaseTask.due_at >= now))
    return (
        select(CaseTask, Assignee)
        .join(CaseTask.case)
        .outerjoin(Assignee, Assignee.id == CaseTask.assignee_id)
        .where(*clauses)
        # The list shows four columns of the case: load those in the same query, and nothing of its relations.
        .options(contains_eager(CaseTask.case).load_only(Case.id, Case.title, Case.stage, Case.opened_at)
                 .options(lazyload(Case.district), lazyload(Case.instructor), lazyload(Case.enterprises)))
        .order_by(CaseTask.due_at.asc().nulls_last(), CaseTask.id)
    )


def inbox(user: User, args: dict[str, Any]) -> dict[str, Any]:
    """One page of the caller's tasks ("mine" by default, or every visible one) with the total."""
    now = clock.now()
    page = paginate(inbox_query(user, args, now), args["page"], args["per_page"], scalars=False)
    page["items"] = [_view(row, assignee, now) for row, assignee in page["items"]]
    return page


def _find(task_id: int, user: User) -> tuple[CaseTask, User | None]:
    """A task of a case the user may see, with its assignee, or NotFound."""
    found = db.session.execute(
        select(CaseTask, Assignee).outerjoin(Assignee, Assignee.id == CaseTask.assignee_id)
        .where(CaseTask.id == task_id, visible_tasks_clause(user))
    ).one_or_none()
    if found is None:
        raise NotFound(N_("No such task."))
    return found[0], found[1]


def _prefill(row: CaseTask) -> dict[str, Any]:
    """What was submitted; for a ready step, what was submitted the last time this step was done (a draft
    sent back), so nobody types it again."""
    if row.state != "ready":
        return dict(row.form_data or {})
    last = db.session.execute(
        select(CaseTask.form_data).where(CaseTask.case_id == row.case_id, CaseTask.bpmn_id == row.bpmn_id,
                                         CaseTask.state == "completed").order_by(CaseTask.id.desc()).limit(1)
    ).scalar()
    return dict(last or {})


def get_task(task_id: int, user: User) -> TaskDetail:
    """A task with its form's JSON Schema and what the caller may do with it (NotFound if its case is hidden)."""
    row, assignee = _find(task_id, user)
    return _detail(row, assignee, user)


def _detail(row: CaseTask, assignee: User | None, user: User) -> TaskDetail:
    case = row.case
    ready = row.state == "ready"
    free = row.assignee_id in (None, user.id)
    view = _view(row, assignee, clock.now())
    return TaskDetail(
        row, assignee, view.overdue,
        form_schema=form_schema(row.form), data=_prefill(row), warnings=list(row.warnings or []),
        can_complete=ready and free and can_act_in_lane(user, case, row.lane),
        can_claim=ready and free and can_claim_task(user, case, row),
        can_assign=ready and can_assign_task(user, case),
        case_version=case.lock_version,
    )


# ---------------------------------------------------------------------------- who holds a task
def _default_holder(row: CaseTask, case: Case) -> int | None:
    """Who holds a task nobody claimed: the case's instructor for the instructor's steps, else nobody."""
    return case.instructor_id if row.lane == "instructor" else None


def _holder(user_id: int | None) -> dict[str, Any] | None:
    user = db.session.get(User, user_id) if user_id is not None else None
    return {"id": user.id, "display_name": user.display_name} if user else None


def _must_be_ready(row: CaseTask) -> None:
    if row.state != "ready":
        raise Conflict(N_("This task is already %(task_state)s."), task_state=row.state)


def _hand_over(row: CaseTask, expected: int | None, new: int | None) -> None:
    """Set the holder with one conditional UPDATE: only if the task is still ready and held by `expected`.

    A concurrent claim makes the UPDATE match nothing (on PostgreSQL it waits for the other
    transaction and re-reads the row), and the caller is told who holds the task now.
    """
    held = CaseTask.assignee_id.is_(None) if expected is None else CaseTask.assignee_id == expected
    result = db.session.execute(
        update(CaseTask).where(CaseTask.id == row.id, CaseTask.state == "ready", held)
        .values(assignee_id=new).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        state, holder = db.session.execute(
            select(CaseTask.state, CaseTask.assignee_id).where(CaseTask.id == row.id)).one()
        if state != "ready":
            raise Conflict(N_("This task was %(task_state)s meanwhile."), task_state=state)
        who = _holder(holder)
        raise Conflict(N_("This task was taken meanwhile by %(name)s."),
                       name=who["display_name"] if who else "nobody", assignee=who)
    set_committed_value(row, "assignee_id", new)


def _audit(kind: str, row: CaseTask, case: Case, actor: User, previous: int | None) -> None:
    audit.record(kind, {"task": row.bpmn_id, "task_row": row.id, "assignee_id": row.assignee_id,
                        "previous_assignee_id": previous}, actor=actor, case=case)


def claim(task_id: int, user: User) -> TaskDetail:
    """The caller takes the task: nobody else of their side sees it in their inbox any more."""
    row, _ = _find(task_id, user)
    case = row.case
    with explaining(case.id), cases.transaction():
        if not can_claim_task(user, case, row):
            raise Forbidden(N_("Only the %(lane)s side of this case may take this step."), lane=row.lane)
        _must_be_ready(row)
        if row.assignee_id not in (None, user.id):
            who = _holder(row.assignee_id)
            raise Conflict(N_("This task is already claimed by %(name)s."),
                           name=who["display_name"] if who else "someone else", assignee=who)
        if row.assignee_id is None:
            _hand_over(row, None, user.id)
            _audit("task_claimed", row, case, user, None)
    return get_task(task_id, user)


def release(task_id: int, user: User) -> TaskDetail:
    """The holder (or a supervisor of the district) gives the task back to its side, or to the instructor."""
    row, _ = _find(task_id, user)
    case = row.case
    with explaining(case.id), cases.transaction():
        default = _default_holder(row, case)
        previous = row.assignee_id
        held = previous != default
        # Releasing a task nobody holds changes nothing: anyone who might have held it may ask.
        allowed = (can_release_task(user, case, row) if held
                   else can_claim_task(user, case, row) or can_assign_task(user, case))
        if not allowed:
            raise Forbidden(N_("Only who holds this task, or a supervisor of the case's district, may release it."))
        _must_be_ready(row)
        if held:
            _hand_over(row, previous, default)
            _audit("task_released", row, case, user, previous)
    return get_task(task_id, user)


def assign(task_id: int, user: User, assignee_id: int) -> TaskDetail:
    """A supervisor of the district hands the task to someone who may do it."""
    row, _ = _find(task_id, user)
    case = row.case
    with explaining(case.id), cases.transaction():
        if not can_assign_task(user, case):
            raise Forbidden(N_("Only a supervisor of the case's district may hand out its tasks."))
        _must_be_ready(row)
        target = db.session.get(User, assignee_id)
        if target is None or not can_act_in_lane(target, case, row.lane):
            message = f"Choose a user of the {row.lane} side of this case."
            raise Invalid(message, {"user_id": [message]})
        previous = row.assignee_id
        if previous != target.id:
            _hand_over(row, previous, target.id)
            _audit("task_assigned", row, case, user, previous)
    return get_task(task_id, user)


# ---------------------------------------------------------------------------- complete
def complete(task_id: int, user: User, data: dict[str, Any], expected_version: int | None) -> dict[str, Any]:
    """Complete the task with its form data through the case service; a 409 says what the case is now."""
    row, _ = _find(task_id, user)
    case_id = row.case_id
    with explaining(case_id):
        done = cases.complete_task(case_id, row.id, data, user, expected_version)
    # The service kept what it wrote: answer from it, without reading the case back.
    holder = db.session.get(User, done.task.assignee_id) if done.task.assignee_id is not None else None
    next_tasks = [t for t in done.case.tasks if t.state == "ready"]
    return {"task": _detail(done.task, holder, user), "case": done.case, "warnings": done.warnings,
            "next_tasks": next_tasks}


def case_form_data(row: CaseTask, form: str) -> dict[str, Any] | None:
    """The latest completed data of `form` in the case of `row` (a task the caller found through
    `get_task`): the approval steps show the draft they approve."""
    found = db.session.execute(
        select(CaseTask.form_data).where(CaseTask.case_id == row.case_id, CaseTask.form == form,
                                         CaseTask.state == "completed").order_by(CaseTask.id.desc()).limit(1)
    ).scalar()
    return dict(found) if found is not None else None
