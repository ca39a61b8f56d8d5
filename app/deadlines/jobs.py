"""The deadline jobs: fire due timers, remind, mark overdue and escalate, send supervisors' digests.

Each job walks its due rows one at a time, each in its own transaction that claims the row first
(`FOR UPDATE SKIP LOCKED` on PostgreSQL), so any number of scheduler processes share the work and
none repeats another's. Every job is idempotent: what it did is written with what it changed, so a
run killed halfway leaves whole steps behind, and the next run carries on from there. A row that
fails is logged and passed over for the rest of the run; the next run tries it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial

from flask import current_app
from sqlalchemy import and_, func, select

from workflows import clock

from ..campaigns import service as campaigns
from ..cases import service as cases
from ..cases.labels import stage_label
from ..extensions import db
from ..instructors.assignment import assign_waiting
from ..models import Case, CaseTask, DeadlineNotice, DigestSent, User
from ..models.accounts import user_district
from ..notifications.service import notify
from . import notices
from .claiming import claiming, each_claimed
from .plan import OVERDUE, due_notice, next_notice

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one sweep did, for the log and the command line."""

    cases_advanced: int = 0
    assigned: int = 0
    reminders: int = 0
    overdue: int = 0
    digests: int = 0
    failed_cases: list[int] = field(default_factory=list)
    failed_tasks: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        text = (f"{self.cases_advanced} case(s) advanced by timers, {self.assigned} instructor(s) assigned, "
                f"{self.reminders} reminder(s), "
                f"{self.overdue} step(s) marked overdue, {self.digests} digest(s)")
        if self.failed_cases or self.failed_tasks:
            text += f"; failed, retried next run: cases {self.failed_cases}, tasks {self.failed_tasks}"
        return text


def sweep(as_of: datetime | None = None) -> SweepReport:
    """One pass of every deadline job as of `as_of` (default: now); timers first, so a step a timer
    closed is never reminded."""
    instant = as_of or clock.now()
    report = SweepReport()
    fire_due_timers(instant, report)
    campaigns.sweep(instant)  # campaign timers, then unfinished launches: their new cases are assigned next
    report.assigned = assign_waiting(instant).assigned  # after timers: a lapsed offer is offered again
    send_task_notices(instant, report)
    send_digests(instant, report)
    return report


# ---------------------------------------------------------------------------- timers
def fire_due_timers(as_of: datetime, report: SweepReport | None = None) -> SweepReport:
    """Fire every timer due by `as_of`, one case per transaction, telling people as the case moves."""
    report = report or SweepReport()
    step = partial(cases.fire_next_due, as_of, on_fired=notices.timers_fired)
    for fired in each_claimed(step, "firing the timers of case", report.failed_cases):
        if fired:
            report.cases_advanced += 1
    return report


# ---------------------------------------------------------------------------- reminders, overdue
def _claim_task_notice(as_of: datetime, skip: set[int]) -> CaseTask | None:
    """The next ready task with a notice due, locked for this transaction (skipped if another holds it)."""
    query = select(CaseTask).where(CaseTask.state == "ready", CaseTask.next_notice_at <= as_of)
    if skip:
        query = query.where(CaseTask.id.not_in(list(skip)))
    query = (query.order_by(CaseTask.next_notice_at, CaseTask.id).limit(1)
             .with_for_update(skip_locked=True).execution_options(populate_existing=True))
    return db.session.execute(query).scalar()


def send_task_notices(as_of: datetime, report: SweepReport | None = None) -> SweepReport:
    """Send each due reminder or overdue notice once, and schedule the task's next one."""
    report = report or SweepReport()
    for kind in each_claimed(partial(_next_task_notice, as_of), "the deadline notice of task", report.failed_tasks):
        if kind == OVERDUE:
            report.overdue += 1
        elif kind:
            report.reminders += 1
    return report


def _next_task_notice(as_of: datetime, skip: set[int]) -> tuple[int, str | None] | None:
    """Claim the next task with a notice due and send it, in one transaction: (its id, the notice sent)."""
    with claiming() as claimed, clock.frozen_at(as_of), cases.transaction():
        task = _claim_task_notice(as_of, skip)
        if task is None:
            return None
        claimed.append(task.id)
        return task.id, _notice_task(task, as_of)


def _notice_task(task: CaseTask, as_of: datetime) -> str | None:
    """Send the notice due for `task` (if any, and if not sent already) and move its next_notice_at on."""
    if task.due_at is None or task.next_notice_at is None:
        task.next_notice_at = None
        return None
    plan = cases.notice_plan_for(task.due_at, task.due_on)
    kind = due_notice(plan, task.next_notice_at, as_of)
    task.next_notice_at = next_notice(plan, as_of)
    if kind is None:
        return None
    sent = db.session.execute(select(DeadlineNotice.id).where(
        DeadlineNotice.task_id == task.id, DeadlineNotice.kind == kind, DeadlineNotice.due_at == task.due_at)).first()
    if sent is not None:
        return None
    db.session.add(DeadlineNotice(task_id=task.id, kind=kind, due_at=task.due_at, sent_at=clock.now()))
    if kind == OVERDUE:
        task.overdue_since = task.due_at
    notices.task_notice(db.session.get(Case, task.case_id), task, kind)
    return kind


# ---------------------------------------------------------------------------- digests
def send_digests(as_of: datetime, report: SweepReport | None = None) -> SweepReport:
    """From DIGEST_HOUR (bureau time) on, each active supervisor gets one digest a day of the overdue
    and soon-due steps in their districts; a day with nothing to report sends nothing."""
    report = report or SweepReport()
    local = as_of.astimezone(clock.zone())
    if local.time() < time(current_app.config["DIGEST_HOUR"]):
        return report
    day = local.date()
    pending = select(User.id).where(
        User.role == "supervisor", User.active.is_(True),
        ~select(DigestSent.user_id).where(DigestSent.user_id == User.id, DigestSent.day == day).exists(),
    ).order_by(User.id)
    for user_id in db.session.execute(pending).scalars().all():
        try:
            with clock.frozen_at(as_of), cases.transaction():
                claimed = db.session.execute(select(User).where(User.id == user_id)
                                             .with_for_update(skip_locked=True)).scalar()
                if claimed is None or db.session.get(DigestSent, (user_id, day)) is not None:
                    continue  # another scheduler is on it, or has done it
                db.session.add(DigestSent(user_id=user_id, day=day, sent_at=clock.now()))
                if _digest(claimed, as_of):
                    report.digests += 1
        except Exception:
            log.exception("the digest of supervisor %s failed; the next run retries it", user_id)
    return report


def _digest(user: User, as_of: datetime) -> bool:
    """Write one supervisor's digest; False when there was nothing to tell."""
    districts = select(user_district.c.district_id).where(user_district.c.user_id == user.id)
    open_in_districts = and_(CaseTask.state == "ready", Case.district_id.in_(districts))
    overdue = db.session.execute(
        select(CaseTask.stage, func.count()).join(Case, Case.id == CaseTask.case_id)
        .where(open_in_districts, CaseTask.due_at <= as_of).group_by(CaseTask.stage)).all()
    # "Due within 3 days" counts due days, as people do: on the 27th, a step due on the 30th is. A
    # deadline falls at the end of its due day, so that is a range of the (state, due_at) index.
    last_day = as_of.astimezone(clock.zone()).date() + timedelta(days=current_app.config["DIGEST_SOON_DAYS"])
    soon_until = datetime.combine(last_day + timedelta(days=1), time.min, clock.zone())
    soon = db.session.execute(
        select(func.count()).select_from(CaseTask).join(Case, Case.id == CaseTask.case_id)
        .where(open_in_districts, CaseTask.due_at > as_of, CaseTask.due_at <= soon_until)).scalar_one()
    late = sum(n for _, n in overdue)
    if not late and not soon:
        return False
    oldest = db.session.execute(
        select(Case, CaseTask).join(CaseTask, Case.id == CaseTask.case_id)
        .where(open_in_districts, CaseTask.due_at <= as_of).order_by(CaseTask.due_at).limit(10)).all()
    lines_zh = [f"逾期 {late} 项，{current_app.config['DIGEST_SOON_DAYS']} 日内到期 {soon} 项。"]
    lines_en = [f"{late} step(s) overdue, {soon} due within {current_app.config['DIGEST_SOON_DAYS']} days."]
    for stage, count in sorted(overdue, key=lambda r: -r[1]):
        lines_zh.append(f"· {stage_label(stage, 'zh')}：逾期 {count} 项")
        lines_en.append(f"· {stage_label(stage, 'en')}: {count} overdue")
    if oldest:
        lines_zh.append("逾期最久：")
        lines_en.append("Longest overdue:")
    for case, task in oldest:
        due = task.due_on.isoformat() if task.due_on else ""
        lines_zh.append(f"· {case.ref} {case.title}：{stage_label(task.stage, 'zh')}，应于 {due}")
        lines_en.append(f"· {case.ref} {case.title}: {stage_label(task.stage, 'en')}, due {due}")
    day = as_of.astimezone(clock.zone()).date().isoformat()
    notify(user, "deadline_digest",
           {"zh": f"每日督办：逾期 {late} 项，即将到期 {soon} 项（{day}）",
            "en": f"Daily digest: {late} overdue, {soon} due soon ({day})"},
           {"zh": "\n".join(lines_zh), "en": "\n".join(lines_en)}, link="/")
    return True
