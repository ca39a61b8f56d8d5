"""The case service: the only code that changes a case. Open, complete a task, fire timers, cancel.

Every change, from a click, an API call or a timer, runs here in one database transaction: the
workflow blob, the read-model columns, the task rows and the audit events move together or not at
all. The case row carries an optimistic lock; a stale write becomes a Conflict, never a lost update.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import Table, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from workflows import clock
from workflows.engine import Action, Snapshot, TaskNotAvailable
from workflows.rulesets import DEFAULT_RULE_SET, RuleSet, UnknownRuleSet, get_rule_set
from workflows.timers import PendingTimer

from ..accounts.permissions import (
    can_act_in_lane,
    can_cancel_case,
    can_open_case,
    can_open_cases,
    can_see_case,
    visible_enterprises_clause,
)
from ..audit import service as audit
from ..campaigns.locking import lock as lock_campaign
from ..deadlines.claiming import claiming
from ..deadlines.plan import first_notice, notice_plan
from ..errors import Conflict, Forbidden, Invalid, NotFound, field_errors
from ..extensions import db
from ..i18n import N_
from ..models import (
    AuditEvent,
    Campaign,
    Case,
    CaseTask,
    Document,
    Enterprise,
    StoredRuleSet,
    User,
    WageGuideline,
    campaign_enterprise,
)
from ..models.cases import OPEN_STATUSES
from .engine_registry import runtime
from .forms import FORMS, FormContext, to_json

PROCESS_ID = "wage_negotiation"
log = logging.getLogger(__name__)


@dataclass
class Completion:
    """What completing a task produced: the case as it now stands, the task row, and any warnings."""

    case: Case
    task: CaseTask
    warnings: list[dict[str, str]]


@contextmanager
def transaction() -> Iterator[None]:
    """One unit of work: commit on success; roll back on any error; stale writes become Conflict."""
    try:
        # One flush at commit: fewer round trips, and the case's version moves once per change.
        with db.session.no_autoflush:
            yield
        # What was just written is what the answer shows: keep it, instead of reading it all back.
        session = db.session()
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = True
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise Conflict(N_("Someone else changed this meanwhile, or it already exists; reload and try again.")) from exc
    except OperationalError as exc:
        db.session.rollback()
        if "locked" in str(exc).lower() or "could not serialize" in str(exc).lower():
            raise Conflict(N_("Someone else is changing this right now; try again.")) from exc
        raise
    except BaseException:
        db.session.rollback()
        raise
    finally:
        db.session().info.pop("instructors", None)


# ---------------------------------------------------------------------------- open
def open_case(*, enterprise_ids: Sequence[int], actor: User | None, rule_set: str | None = None,
              title: str | None = None, campaign_id: int | None = None) -> Case:
    """Open a negotiation case for one enterprise, or several for a regional/industry negotiation.

    The actor's role is checked before any enterprise is looked up, and an enterprise the actor may
    not see is as unknown as a missing one: a refusal never tells that a foreign enterprise exists.
    A case opened into a campaign covers its enterprises there (campaign_enterprise), exactly as a
    launch does: an enterprise the campaign covers already is refused (409), and the launch passes
    over the ones this case covers. The campaign row is locked meanwhile, so a launch batch and this
    case take turns instead of both covering an enterprise.
    """
    with transaction():
        if actor is not None and not can_open_cases(actor):
            raise Forbidden(N_("Only a supervisor of the enterprise's district may open its case."))
        enterprises = _enterprises(enterprise_ids, actor)
        if actor is not None and not can_open_case(actor, enterprises[0].district_id):
            raise Forbidden(N_("Only a supervisor of the enterprise's district may open its case."))
        campaign = _campaign_taking(campaign_id, enterprises) if campaign_id is not None else None
        case = _open(enterprises, actor, rule_set or DEFAULT_RULE_SET, title, previous=None,
                     campaign_id=campaign_id)
        if campaign is not None:
            _cover(campaign, [(enterprise.id, case.id) for enterprise in enterprises])
    return case


def _campaign_taking(campaign_id: int, enterprises: Sequence[Enterprise]) -> Campaign:
    """The campaign a new case joins, locked: it exists, is not closed, and covers none of `enterprises`."""
    campaign = lock_campaign(campaign_id)
    if campaign is None:
        raise Invalid(N_("Unknown campaign."), {"campaign_id": [f"No campaign with id {campaign_id}."]})
    if campaign.status == "closed":
        raise Conflict(N_("The campaign is closed."), campaign_id=campaign.id)
    covered = db.session.execute(select(campaign_enterprise.c.enterprise_id, campaign_enterprise.c.case_id).where(
        campaign_enterprise.c.campaign_id == campaign.id,
        campaign_enterprise.c.enterprise_id.in_([e.id for e in enterprises]))).first()
    if covered is not None:
        raise Conflict(N_("Enterprise %(enterprise_id)s is covered by another case of this campaign."),
                       enterprise_id=covered.enterprise_id, case_id=covered.case_id)
    return campaign


def _enterprises(ids: Sequence[int], actor: User | None) -> list[Enterprise]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise Invalid(N_("Name at least one enterprise."), {"enterprise_ids": [N_("Name at least one enterprise.")]})
    query = select(Enterprise).where(Enterprise.id.in_(unique))
    if actor is not None:
        query = query.where(visible_enterprises_clause(actor))
    rows = db.session.execute(query).scalars().all()
    by_id = {e.id: e for e in rows}
    missing = [i for i in unique if i not in by_id]
    if missing:
        raise Invalid(N_("Unknown enterprise."), {"enterprise_ids": [f"No enterprise with id {missing[0]}."]})
    if len({e.district_id for e in rows}) > 1:
        # A case belongs to one district's supervisors; a negotiation across districts is two cases.
        raise Invalid(N_("The enterprises are in different districts."),
                      {"enterprise_ids": [N_("A regional or industry case covers enterprises of one district.")]})
    return [by_id[i] for i in unique]


def _rule_set(name: str) -> RuleSet:
    """A built-in rule set, else a local one an administrator stored; the case snapshots whichever it gets."""
    try:
        return get_rule_set(name)
    except UnknownRuleSet as exc:
        stored = db.session.execute(select(StoredRuleSet).where(StoredRuleSet.name == name)).scalar()
        if stored is not None:
            return RuleSet.from_dict(stored.definition)
        raise Invalid(N_("Unknown rule set."), {"rule_set": [str(exc.args[0])]}) from exc


def _open(enterprises: list[Enterprise], actor: User | None, rule_set_name: str, title: str | None,
          previous: Case | None, campaign_id: int | None = None) -> Case:
    """Start the workflow and write the case with its first task rows, inside the caller's transaction."""
    case, effects = _new_case(enterprises, actor, _rule_set(rule_set_name), title, previous, campaign_id)
    db.session.flush()  # one INSERT with the final columns; the audit event needs the id
    _record_opened(case, effects, actor)
    return case


def _new_case(enterprises: list[Enterprise], actor: User | None, rs: RuleSet, title: str | None,
              previous: Case | None, campaign_id: int | None) -> tuple[Case, list[str]]:
    """Start the workflow and add the case with its first task rows to the session, not flushed yet;
    returns the case and the side effects its first steps carried out."""
    rt = runtime()
    bundle = rt.current[PROCESS_ID]
    rt.ensure_stored(bundle)
    rt.refresh_holidays()
    wf, snapshot = rt.engine.start(bundle, rs, {})
    now = clock.now()
    kind = "enterprise" if len(enterprises) == 1 else "regional"
    case = Case(
        title=title or (enterprises[0].name if len(enterprises) == 1
                        else f"{enterprises[0].name} 等 {len(enterprises)} 家企业"),
        kind=kind,
        district_id=enterprises[0].district_id,
        rule_set=rs.name,
        rules=rs.to_dict(),
        process_id=PROCESS_ID,
        spec_version=bundle.version,
        workflow_state=rt.engine.dump(wf),
        stage=snapshot.stage,
        status="active",
        opened_at=now,
        opened_by_id=actor.id if actor else None,
        previous_case_id=previous.id if previous else None,
        campaign_id=campaign_id,
        enterprises=enterprises,
        tasks=[],  # a new case has no rows yet: say so, rather than let the ORM ask the database
    )
    db.session.add(case)
    return case, _apply_snapshot(case, snapshot, actor, completed=None)


def _record_opened(case: Case, effects: list[str], actor: User | None) -> AuditEvent:
    """The case's first audit event (the case has its id: flushed, or given one beforehand)."""
    return audit.record("case_opened", {"ref": case.ref, "rule_set": case.rule_set,
                                        "spec_version": case.spec_version,
                                        "enterprise_ids": [e.id for e in case.enterprises],
                                        "previous_case_id": case.previous_case_id, "campaign_id": case.campaign_id,
                                        "effects": effects},
                        actor=actor, case=case)


# ---------------------------------------------------------------------------- campaign cases
def open_campaign_batch(campaign: Campaign, enterprises: Sequence[Enterprise], actor: User | None) -> list[Case]:
    """Open one case per enterprise for `campaign` and record each in campaign_enterprise, in the caller's
    transaction.

    Every case is made by the code that opens a single case (workflow, rule set snapshot, task rows,
    audit event). Only the writing differs: the new rows get their ids beforehand, so the cases, their
    task rows and their audit events (with the cases' audit heads already set) each leave in one
    multi-row INSERT, instead of a statement per row (SQLite) or a slowly parsed giant one with
    RETURNING (PostgreSQL). An enterprise another launcher took meanwhile breaks the (campaign,
    enterprise) key: the caller's transaction then rolls the whole batch back.
    """
    rs = _rule_set(DEFAULT_RULE_SET)
    opened = [_new_case([enterprise], actor, rs, None, None, campaign.id) for enterprise in enterprises]
    cases = [case for case, _ in opened]
    case_ids = _reserve_ids(Case.__table__, len(cases))
    if case_ids is None:  # a database without a way to reserve ids: they come back from the INSERT
        db.session.flush()
        for case, effects in opened:
            _record_opened(case, effects, actor)
    else:
        tasks = [task for case in cases for task in case.tasks]
        _give_ids(cases, case_ids)
        _give_ids(tasks, _reserve_ids(CaseTask.__table__, len(tasks)) or [])
        events = [_record_opened(case, effects, actor) for case, effects in opened]  # sets the audit heads
        _give_ids(events, _reserve_ids(AuditEvent.__table__, len(events)) or [])
        for event in events:  # nothing tells the flush that an event follows its case: two flushes say it
            db.session.expunge(event)
        db.session.flush()
        db.session.add_all(events)
        db.session.flush()
    _cover(campaign, [(enterprise.id, case.id) for enterprise, case in zip(enterprises, cases, strict=True)])
    return cases


def _reserve_ids(table: Table, count: int) -> list[int] | None:
    """`count` new ids of `table`, in the open transaction; None where the database offers no way.

    PostgreSQL draws them from the table's sequence. SQLite gives a new row the id after the largest:
    a write that changes nothing takes the database's write lock first, so no other writer can insert
    before this transaction ends, and the ids after the largest are this transaction's.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return sorted(db.session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": f'"{table.name}"', "count": count}).scalars())
    if dialect == "sqlite":
        db.session.execute(text(f'UPDATE "{table.name}" SET id = id WHERE 0 = 1'))
        largest = db.session.execute(text(f'SELECT max(id) FROM "{table.name}"')).scalar() or 0
        return list(range(largest + 1, largest + 1 + count))
    return None


def _give_ids(rows: Sequence[Any], ids: Sequence[int]) -> None:
    for row, row_id in zip(rows, ids, strict=True):
        row.id = row_id


def _cover(campaign: Campaign, pairs: Sequence[tuple[int, int]]) -> None:
    """campaign_enterprise rows for (enterprise id, case id) pairs, in one multi-row INSERT."""
    if pairs:
        db.session.execute(insert(campaign_enterprise), [
            {"campaign_id": campaign.id, "enterprise_id": enterprise_id, "case_id": case_id}
            for enterprise_id, case_id in pairs])


# ---------------------------------------------------------------------------- read helpers
def get_case(case_id: int, actor: User, with_tasks: bool = False) -> Case:
    """A case the actor may see, or NotFound (never revealing that a foreign case exists)."""
    query = select(Case).where(Case.id == case_id)
    if with_tasks:
        query = query.options(joinedload(Case.tasks))
    case = db.session.execute(query).unique().scalar()
    if case is None or not can_see_case(actor, case):
        raise NotFound(N_("No such case."))
    return case


def _find_instructor(username: str) -> User | None:
    """An active instructor by user name (remembered for the rest of the transaction)."""
    cache = db.session().info.setdefault("instructors", {})
    if username not in cache:
        cache[username] = db.session.execute(
            select(User).where(User.username == username, User.role == "instructor", User.active.is_(True))
        ).scalar()
    return cache[username]


def _guideline(year: int) -> dict[str, Any] | None:
    row = db.session.execute(select(WageGuideline).where(WageGuideline.year == year)).scalar()
    if row is None:
        return None
    return {"year": row.year, "floor_pct": row.floor_pct, "baseline_pct": row.baseline_pct,
            "upper_pct": row.upper_pct}


def _form_context(case: Case, row: CaseTask, data: dict[str, Any], rs: RuleSet) -> FormContext:
    others: dict[tuple[str, str], dict[str, Any]] = {}
    for done in sorted((t for t in case.tasks if t.state == "completed" and t.form), key=lambda t: t.id):
        others[(done.form, done.lane)] = done.form_data or {}
    today = clock.today()
    return FormContext(
        rule_set=rs, today=today, lane=row.lane, data=data, other_forms=others,
        find_guideline=lambda: _guideline(today.year), find_instructor=_find_instructor,
        find_documents=lambda: frozenset(
            db.session.execute(select(Document.id).where(Document.case_id == case.id)).scalars()),
    )


# ---------------------------------------------------------------------------- complete
def complete_task(case_id: int, task_id: int, raw: dict[str, Any], actor: User,
                  expected_version: int | None = None) -> Completion:
    """Validate a task's form, advance the workflow, update the read model and audit, in one transaction."""
    with transaction():
        case = get_case(case_id, actor, with_tasks=True)
        row = next((t for t in case.tasks if t.id == task_id), None)
        if row is None:
            raise NotFound(N_("No such task in this case."))
        if expected_version is not None and expected_version != case.lock_version:
            raise Conflict(N_("The case changed since you loaded it."), current_version=case.lock_version)
        if row.state != "ready":
            raise Conflict(N_("This task is already %(task_state)s."), task_state=row.state)
        if not can_act_in_lane(actor, case, row.lane):
            raise Forbidden(N_("Only the %(lane)s side of this case may do this step."), lane=row.lane)
        if row.assignee_id not in (None, actor.id):
            holder = db.session.get(User, row.assignee_id)
            name = holder.display_name if holder else "someone else"
            raise Conflict(N_("This task is claimed by %(name)s."), name=name,
                           assignee={"id": row.assignee_id, "display_name": name})
        warnings = _complete_row(case, row, raw, actor)
    return Completion(case, row, warnings)


def complete_as_system(case: Case, row: CaseTask, raw: dict[str, Any], note: str) -> None:
    """Complete a ready task on the system's behalf (e.g. the automatic instructor assignment), in the
    caller's transaction: the same form, the same engine step, audited with actor "system" and why."""
    if row.state != "ready" or row.assignee_id is not None:
        raise Conflict(N_("The task is no longer waiting for the system."), task_state=row.state)
    _complete_row(case, row, raw, None, note)


def _complete_row(case: Case, row: CaseTask, raw: dict[str, Any], actor: User | None,
                  note: str | None = None) -> list[dict[str, str]]:
    """Validate the form, run the engine, write the read model and the audit event; returns the warnings."""
    rt = runtime()
    rt.refresh_holidays()
    rs = RuleSet.from_dict(case.rules)
    bundle = rt.bundle(case.process_id, case.spec_version)
    wf = rt.engine.restore(bundle, case.workflow_state)
    try:
        ready = rt.engine.find_ready(wf, bundle, row.spiff_id, row.lane)
    except TaskNotAvailable as exc:
        raise Conflict(str(exc)) from exc
    data, warnings = _validate(row, raw, _form_context(case, row, dict(ready.data), rs))
    snapshot = rt.engine.complete(wf, bundle, rs, row.spiff_id, row.lane, data)
    case.workflow_state = rt.engine.dump(wf)
    row.form_data, row.warnings = data, warnings or None
    row.completed_at, row.completed_by_id = clock.now(), actor.id if actor else None
    effects = _apply_snapshot(case, snapshot, actor, completed=row)
    payload = {"task": row.bpmn_id, "task_row": row.id, "form": row.form, "data": data, "warnings": warnings,
               "effects": effects}
    if note:
        payload["note"] = note
    audit.record("task_completed", payload, actor=actor, case=case)
    return warnings


def _validate(row: CaseTask, raw: dict[str, Any], ctx: FormContext) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Load the task's form; field errors and case-rule errors both answer 422 with field messages."""
    if not isinstance(raw, dict):
        raise Invalid(N_("The form data must be an object."), {"_schema": [N_("Expected an object.")]})
    schema = FORMS[row.form or ""]()
    try:
        loaded = schema.load(raw)
        warnings = schema.check(loaded, ctx)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": list(exc.messages)}
        if exc.field_name and exc.field_name != "_schema" and not isinstance(exc.messages, dict):
            errors = {exc.field_name: list(exc.messages)}
        raise Invalid(N_("The form has errors."), field_errors(errors)) from exc
    return to_json(loaded), [w.as_dict() for w in warnings]


# ---------------------------------------------------------------------------- timers
OnFired = Callable[[Case, Snapshot], None]


def _claim_due_case(as_of: datetime, skip: Collection[int]) -> int | None:
    """The id of the next case with a timer due before `as_of`, locked for this transaction.

    Strictly before, as the engine fires a timer only once its instant has passed: a case claimed at
    the very instant would fire nothing.

    Found through the index on next_timer_at, never by loading cases. On PostgreSQL the row lock
    is taken with SKIP LOCKED: a case another scheduler is firing right now is passed over, and once
    that one commits its next_timer_at has moved, so the case no longer matches. SQLite renders no
    FOR UPDATE: there one process runs the jobs, and the case's version column still turns a
    second writer into a conflict.
    """
    query = select(Case.id).where(Case.next_timer_at < as_of)
    if skip:
        query = query.where(Case.id.not_in(list(skip)))
    query = query.order_by(Case.next_timer_at, Case.id).limit(1).with_for_update(skip_locked=True)
    return db.session.execute(query).scalar()


def fire_next_due(as_of: datetime, skip: Collection[int] = (),
                  on_fired: OnFired | None = None) -> tuple[int, list[str]] | None:
    """Claim one due case and fire its due timers, in one transaction: (its id, the timers fired), or None.

    `on_fired` runs inside the same transaction (the deadline job tells people there), so a
    notice about a timer exists exactly when the timer fired. A failure rolls everything back and
    raises ClaimFailure naming the case, so the caller can pass over it for the rest of its run.
    """
    with claiming() as claimed, clock.frozen_at(as_of), transaction():
        case_id = _claim_due_case(as_of, skip)
        if case_id is None:
            return None
        claimed.append(case_id)
        case = db.session.execute(select(Case).where(Case.id == case_id)
                                  .options(joinedload(Case.tasks))
                                  .execution_options(populate_existing=True)).unique().scalar_one()
        rt = runtime()
        rt.refresh_holidays()
        rs = RuleSet.from_dict(case.rules)
        bundle = rt.bundle(case.process_id, case.spec_version)
        wf = rt.engine.restore(bundle, case.workflow_state)
        snapshot = rt.engine.fire_timers(wf, bundle, rs)
        case.workflow_state = rt.engine.dump(wf)
        effects = _apply_snapshot(case, snapshot, None, completed=None)
        for element in snapshot.fired:
            audit.record("timer_fired", {"element": element, "effects": effects}, actor=None, case=case)
        for clock_name in snapshot.escalations:
            audit.record("deadline_escalated", {"clock": clock_name}, actor=None, case=case)
        if snapshot.fired and on_fired is not None:
            on_fired(case, snapshot)
    return case_id, list(snapshot.fired)


# ---------------------------------------------------------------------------- cancel
def cancel_case(case_id: int, actor: User, reason: str) -> Case:
    """Cancel an open case with a reason (supervisors of its district only)."""
    if not (reason or "").strip():
        raise Invalid(N_("Give a reason."), {"reason": [N_("Give a reason for cancelling.")]})
    with transaction():
        case = get_case(case_id, actor)
        if case.status not in OPEN_STATUSES:
            raise Conflict(N_("The case is already %(status)s."), status=case.status)
        if not can_cancel_case(actor, case):
            raise Forbidden(N_("Only a supervisor of the case's district may cancel it."))
        rt = runtime()
        bundle = rt.bundle(case.process_id, case.spec_version)
        wf = rt.engine.restore(bundle, case.workflow_state)
        rt.engine.cancel(wf)
        case.workflow_state = rt.engine.dump(wf)
        now = clock.now()
        for row in case.tasks:
            if row.state == "ready":
                row.state = "cancelled"
        case.status, case.stage, case.closed_at = "cancelled", "cancelled", now
        case.next_due_at = case.next_timer_at = None
        audit.record("case_cancelled", {"reason": reason.strip()}, actor=actor, case=case)
    return case


# ---------------------------------------------------------------------------- read model
def _apply_snapshot(case: Case, snapshot: Snapshot, actor: User | None,
                    completed: CaseTask | None) -> list[str]:
    """Bring the case's columns and task rows in line with the workflow, in the open transaction.

    Returns the side effects carried out (the actions the BPMN asked for), for the caller's audit event.
    """
    for action in snapshot.actions:
        ACTIONS[action.name](case, action)
    _sync_tasks(case, snapshot, completed)
    now = clock.now()
    if snapshot.completed:
        case.status = "closed" if snapshot.outcome == "closed" else "completed"
        case.stage = case.status
        case.closed_at = case.closed_at or now
    else:
        case.status = "in_force" if case.effective_on else "active"
        case.stage = snapshot.stage or case.stage
    ready_due = [t.due_at for t in case.tasks if t.state == "ready" and t.due_at is not None]
    case.next_due_at = min(ready_due) if ready_due else None
    instants = [t.instant for t in snapshot.timers if t.instant is not None]
    case.next_timer_at = min(instants) if instants else None
    return [action.name for action in snapshot.actions]


def _sync_tasks(case: Case, snapshot: Snapshot, completed: CaseTask | None) -> None:
    now = clock.now()
    open_rows = {t.spiff_id: t for t in case.tasks if t.state == "ready"}
    ready_ids = {r.id for r in snapshot.ready}
    for spiff_id, row in open_rows.items():
        if spiff_id not in ready_ids:
            row.state = "completed" if row is completed else "cancelled"
            row.next_notice_at = None
            if row.state == "cancelled":
                row.completed_at = now
        elif (timer := _watching(snapshot, row.bpmn_id)) is not None:
            # An extension moves an open step's deadline; a timer that fired leaves it as it was.
            _set_due(row, timer, now)
    for ready in snapshot.ready:
        if ready.id in open_rows:
            continue
        row = CaseTask(
            spiff_id=ready.id, bpmn_id=ready.bpmn_id, name=ready.name, lane=ready.lane, stage=ready.stage,
            form=ready.form, state="ready", created_at=now,
            assignee_id=case.instructor_id if ready.lane == "instructor" else None,
        )
        _set_due(row, _watching(snapshot, ready.bpmn_id), now)
        case.tasks.append(row)


def _watching(snapshot: Snapshot, bpmn_id: str) -> PendingTimer | None:
    """The earliest timer watching a user task: its deadline."""
    timers = sorted((t for t in snapshot.timers if t.attached_to == bpmn_id and t.instant),
                    key=lambda t: t.instant)
    return timers[0] if timers else None


def _set_due(row: CaseTask, timer: PendingTimer | None, now: datetime) -> None:
    """Give a task row its deadline with the explanation, and schedule the deadline job's first notice."""
    due_at = timer.instant if timer else None
    explanation = timer.explanation if timer else None
    if row.due_at == due_at:
        if row.due_explanation != explanation:
            row.due_explanation = explanation
        return
    row.due_at = due_at
    row.due_on = date.fromisoformat(explanation["due_on"]) if explanation else None
    row.due_clock = explanation["clock"] if explanation else None
    row.due_explanation = explanation
    row.overdue_since = None
    row.next_notice_at = first_notice(notice_plan_for(row.due_at, row.due_on), now) if row.due_at else None


def notice_plan_for(due_at: datetime, due_on: date | None) -> list[tuple[str, datetime]]:
    """The notices of a deadline under this deployment's reminder settings."""
    return notice_plan(due_at, due_on, current_app.config["REMINDER_DAYS"], current_app.config["REMINDER_HOUR"])


# ---------------------------------------------------------------------------- actions
def _set_instructor(case: Case, action: Action) -> None:
    instructor = _find_instructor(action.data["assign_instructor"]["instructor"])
    # Both the column (new task rows read it before the flush) and the object (who is told, now).
    case.instructor_id, case.instructor = (instructor.id if instructor else None), instructor


def _release_instructor(case: Case, action: Action) -> None:
    case.instructor_id, case.instructor = None, None


def _accepted(case: Case, action: Action) -> None:
    """Nothing to change: the acceptance is in the audit log."""


def _signed(case: Case, action: Action) -> None:
    case.signed_on = date.fromisoformat(action.data["signed_on"])


def _in_force(case: Case, action: Action) -> None:
    draft = action.data["draft_agreement"]
    case.effective_on = date.fromisoformat(action.data["effective_on"])
    case.expires_on = date.fromisoformat(action.data["expires_on"])
    case.wage_increase_pct = Decimal(draft["wage_increase_pct"])
    case.guideline_position = draft.get("guideline_position")
    case.agreement_type = draft.get("agreement_type", "wage")


def _open_renewal(case: Case, action: Action) -> None:
    """The renewal window opened: open the next cycle's case, linked to this one, in this transaction."""
    _open(list(case.enterprises), None, case.rule_set, case.title, previous=case)


ACTIONS: dict[str, Callable[[Case, Action], None]] = {
    "set_instructor": _set_instructor,
    "release_instructor": _release_instructor,
    "instructor_accepted": _accepted,
    "agreement_signed": _signed,
    "agreement_in_force": _in_force,
    "open_renewal": _open_renewal,
}
