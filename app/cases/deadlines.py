"""A case's running deadlines, and their extension by the bureau with the rule or the reason recorded.

The law allows one extension of some clocks (the coordination period: once, at most 15 days, CCP
52): a supervisor grants it without more. Any other extension, or a longer one, needs a reason
that stays with the deadline's explanation and in the audit log. Extending moves the engine's own
timer, so the step's due date, its reminders and the timer's firing all follow.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from workflows import clock
from workflows.calendar import ClockRule, compute_due
from workflows.rulesets import RuleSet, explain_extension
from workflows.timers import PendingTimer

from ..accounts.permissions import can_extend_deadline
from ..audit import service as audit
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..i18n import N_
from ..models import Case, User
from ..models.cases import OPEN_STATUSES
from .engine_registry import runtime
from .service import _apply_snapshot, get_case, transaction

MAX_EXTENSION_DAYS = 366


def list_deadlines(case_id: int, actor: User) -> list[dict[str, Any]]:
    """The case's running timers, earliest first, each with its explanation and what the actor may do."""
    case = get_case(case_id, actor, with_tasks=True)
    if case.status not in OPEN_STATUSES:
        return []
    rt = runtime()
    rt.refresh_holidays()
    rs = RuleSet.from_dict(case.rules)
    bundle = rt.bundle(case.process_id, case.spec_version)
    snapshot = rt.engine.snapshot(rt.engine.restore(bundle, case.workflow_state), bundle, rs)
    timers = sorted((t for t in snapshot.timers if t.instant is not None), key=lambda t: t.instant)
    return [_view(case, timer, rs, actor) for timer in timers]


def extend_deadline(case_id: int, timer_id: str, days: int, reason: str | None, actor: User,
                    expected_version: int | None = None) -> dict[str, Any]:
    """Move a step's deadline `days` later (counted as its clock counts, rolled past holidays)."""
    reason = (reason or "").strip() or None
    with transaction():
        case = get_case(case_id, actor, with_tasks=True)
        if not can_extend_deadline(actor, case):
            raise Forbidden(N_("Only a supervisor of the case's district may extend its deadlines."))
        if expected_version is not None and expected_version != case.lock_version:
            raise Conflict(N_("The case changed since you loaded it."), current_version=case.lock_version)
        if case.status not in OPEN_STATUSES:
            raise Conflict(N_("The case is %(status)s: its deadlines no longer run."), status=case.status)
        rt = runtime()
        rt.refresh_holidays()
        rs = RuleSet.from_dict(case.rules)
        bundle = rt.bundle(case.process_id, case.spec_version)
        wf = rt.engine.restore(bundle, case.workflow_state)
        timer = _running(rt.engine.snapshot(wf, bundle, rs).timers, timer_id)
        explanation = timer.explanation or {}
        if timer.attached_to is None or not explanation.get("due_on"):
            raise Invalid(N_("Only the deadline of a step can be extended."),
                          {"timer_id": [f"{timer.name} is not a step's deadline."]})
        clock_name = explanation["clock"]
        within = _within_rules(rs, clock_name, explanation, days)
        if not within and reason is None:
            raise Invalid(N_("Give a reason for this extension."),
                          {"reason": [_why_reason(rs, clock_name, explanation)]})
        rule = rs.extension_rule(clock_name) if within else rs.clock(clock_name)
        unit = "calendar_days" if rule is None or rule.unit == "months" else rule.unit
        start = date.fromisoformat(explanation["due_on"])
        due = compute_due(start, ClockRule(days, unit), rt.engine.calendar)
        record = {
            "days": days, "unit": unit, "from_due_on": start.isoformat(), "due_on": due.due.isoformat(),
            "instant": rt.engine.env.end_of(due.due), "within_rules": within, "reason": reason,
            "by": actor.username, "at": clock.now().isoformat(), "rolled_past": list(due.rolled_past),
            "warnings": list(due.warnings),
            "text": {"en": explain_extension(due, reason, "en"), "zh": explain_extension(due, reason, "zh")},
        }
        snapshot = rt.engine.extend_timer(wf, bundle, rs, timer.task_id, record["instant"], record)
        case.workflow_state = rt.engine.dump(wf)
        _apply_snapshot(case, snapshot, actor, completed=None)
        audit.record("deadline_extended", {"timer": timer.bpmn_id, "clock": clock_name, **record},
                     actor=actor, case=case)
        extended = next(t for t in snapshot.timers if t.task_id == timer.task_id)
        view = _view(case, extended, rs, actor)
    return view


def _running(timers: list[PendingTimer], timer_id: str) -> PendingTimer:
    found = next((t for t in timers if t.task_id == timer_id and t.instant is not None), None)
    if found is None:
        raise NotFound(N_("No such running deadline in this case."))
    return found


def _used_rule_extension(explanation: dict[str, Any]) -> bool:
    return any(e.get("within_rules") for e in explanation.get("extensions", []))


def _within_rules(rs: RuleSet, clock_name: str, explanation: dict[str, Any], days: int) -> bool:
    """Is this the one extension the law allows the clock, within its bound?"""
    rule = rs.extension_rule(clock_name)
    return rule is not None and not _used_rule_extension(explanation) and days <= rule.amount


def _why_reason(rs: RuleSet, clock_name: str, explanation: dict[str, Any]) -> str:
    rule = rs.extension_rule(clock_name)
    if rule is None:
        return "The rules allow no extension of this deadline: give the reason for it."
    if _used_rule_extension(explanation):
        return "The one extension the rules allow was granted already: give the reason for another."
    return f"The rules allow at most {rule.amount} days: give the reason for a longer extension."


def _view(case: Case, timer: PendingTimer, rs: RuleSet, actor: User) -> dict[str, Any]:
    """A running deadline as the API shows it."""
    explanation = timer.explanation or {}
    props = runtime().bundle(case.process_id, case.spec_version).task_properties.get(timer.bpmn_id, {})
    step = next((t for t in case.tasks if t.state == "ready" and t.bpmn_id == timer.attached_to), None)
    rule = rs.extension_rule(explanation.get("clock", ""))
    allowance = rule.amount if rule is not None and not _used_rule_extension(explanation) else 0
    is_deadline = timer.attached_to is not None and bool(explanation.get("due_on"))
    return {
        "id": timer.task_id, "element": timer.bpmn_id, "name": timer.name, "name_zh": props.get("name_zh", timer.name),
        "task": step, "clock": explanation.get("clock"), "due_at": timer.instant,
        "due_on": date.fromisoformat(explanation["due_on"]) if explanation.get("due_on") else None,
        "interrupting": timer.interrupting,
        "explanation": timer.explanation, "extensions": explanation.get("extensions", []),
        "extendable": is_deadline, "extension_allowed_days": allowance if is_deadline else 0,
        "can_extend": is_deadline and can_extend_deadline(actor, case) and case.status in OPEN_STATUSES,
    }

