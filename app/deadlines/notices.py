"""Who is told what about a deadline, in both languages: reminders, overdue steps, timers that moved a case.

The texts name the steps and timers as the diagram does (its `name_zh` property and its name), so a
new step in the BPMN needs no new message here. Every function writes in the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy import select

from workflows.engine import Snapshot

from ..accounts.permissions import lane_members_clause
from ..cases.engine_registry import runtime
from ..cases.labels import lane_label, stage_label
from ..extensions import db
from ..models import Case, CaseTask, User
from ..notifications.service import notify
from .plan import OVERDUE


def case_link(case: Case) -> str:
    """Where a notification about a case points: its page."""
    return f"/cases/{case.id}"


def responsible(case: Case, task: CaseTask) -> list[User]:
    """Who owes the step: whoever claimed it, else everyone who may act on its side of the case."""
    if task.assignee_id is not None:
        holder = db.session.get(User, task.assignee_id)
        if holder is not None and holder.active:
            return [holder]
    return list(db.session.execute(select(User).where(lane_members_clause(case, task.lane))).scalars())


def overseers(case: Case) -> list[User]:
    """Who is told when a clock runs out: the case's instructor and the supervisors of its district."""
    people = list(db.session.execute(select(User).where(lane_members_clause(case, "bureau"))).scalars())
    if case.instructor is not None and case.instructor.active:
        people.insert(0, case.instructor)
    return people


def _task_names(case: Case, task: CaseTask) -> tuple[str, str]:
    props = runtime().bundle(case.process_id, case.spec_version).task_properties.get(task.bpmn_id, {})
    return props.get("name_zh") or task.name, task.name


def _due_text(task: CaseTask) -> dict[str, str]:
    text = (task.due_explanation or {}).get("text") or {}
    due = task.due_on.isoformat() if task.due_on else ""
    return {"zh": text.get("zh", due), "en": text.get("en", due)}


def task_notice(case: Case, task: CaseTask, kind: str) -> None:
    """A reminder to the people who owe the step; when it is overdue, they are told so and the
    instructor and the district's supervisors are told too (the escalation)."""
    zh, en = _task_names(case, task)
    due = task.due_on.isoformat() if task.due_on else ""
    why = _due_text(task)
    owners = responsible(case, task)
    if kind != OVERDUE:
        notify(owners, "deadline_reminder",
               {"zh": f"提醒：{case.ref}「{zh}」将于 {due} 到期", "en": f"Reminder: {case.ref} “{en}” is due {due}"},
               {"zh": f"{case.title}\n{why['zh']}", "en": f"{case.title}\n{why['en']}"},
               case=case, link=case_link(case))
        return
    notify(owners, "deadline_overdue",
           {"zh": f"已逾期：{case.ref}「{zh}」应于 {due} 前完成", "en": f"Overdue: {case.ref} “{en}” was due {due}"},
           {"zh": f"{case.title}\n{why['zh']}", "en": f"{case.title}\n{why['en']}"},
           case=case, link=case_link(case))
    owner_ids = {u.id for u in owners}
    notify([u for u in overseers(case) if u.id not in owner_ids], "deadline_escalated",
           {"zh": f"督办：{case.ref}「{zh}」已逾期（{due}）", "en": f"Escalated: {case.ref} “{en}” is overdue ({due})"},
           {"zh": f"{case.title}\n{why['zh']}\n待办方：{lane_label(task.lane, 'zh')}",
            "en": f"{case.title}\n{why['en']}\nOwed by: {lane_label(task.lane, 'en')}"},
           case=case, link=case_link(case))


def timers_fired(case: Case, snapshot: Snapshot) -> None:
    """A clock ran out and the procedure moved the case (a missing response goes to the bureau, the
    review period puts the agreement in force, the renewal window opens the next round): the
    instructor and the district's supervisors are told where the case now stands."""
    moved = [t for t in snapshot.fired_timers if t.moved_case]
    if not moved:
        return  # a timer that only marks its step late: the step's overdue notice says it
    names_zh = "、".join(t.name_zh for t in moved)
    names_en = "; ".join(t.name for t in moved)
    where = {"zh": f"案件现处于「{stage_label(case.stage, 'zh')}」。",
             "en": f"The case is now at “{stage_label(case.stage, 'en')}”."}
    if case.status == "in_force" and case.effective_on and case.expires_on:
        where["zh"] += f"协议自 {case.effective_on.isoformat()} 起生效，至 {case.expires_on.isoformat()} 止。"
        where["en"] += (f" The agreement is in force from {case.effective_on.isoformat()} "
                        f"to {case.expires_on.isoformat()}.")
    renewal = _renewal_opened(case, snapshot)
    if renewal is not None:
        where["zh"] += f"已开启下一轮协商：{renewal.ref}。"
        where["en"] += f" The next negotiation was opened: {renewal.ref}."
    notify(overseers(case), "deadline_passed",
           {"zh": f"期限届满：{case.ref}「{names_zh}」", "en": f"Deadline passed: {case.ref} “{names_en}”"},
           {"zh": f"{case.title}\n{where['zh']}", "en": f"{case.title}\n{where['en']}"},
           case=case, link=case_link(case))


def _renewal_opened(case: Case, snapshot: Snapshot) -> Case | None:
    """The case the renewal window just opened, if this change opened one."""
    if not any(action.name == "open_renewal" for action in snapshot.actions):
        return None
    return db.session.execute(select(Case).where(Case.previous_case_id == case.id)
                              .order_by(Case.id.desc()).limit(1)).scalar()
