"""Walk a case step by step with plausible forms, one day per step, to reach the stage a test needs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text

from app.cases.forms import FILING_DOCUMENTS, WAGE_AGREEMENT_ITEMS
from app.extensions import db
from app.models import AuditEvent, Case, CaseTask, User
from tests.helpers import complete, open_case, ready_ids, ready_tasks, reload, team


def day_of(value: date | str) -> date:
    """A date from an ISO string or a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def actor(world: Any, lane: str) -> User:
    """The world's user who acts in `lane`."""
    return {"bureau": world.supervisor, "instructor": world.instructor, "union": world.union,
            "enterprise": world.employer}[lane]


def form(bpmn_id: str, on: date | str, **overrides: Any) -> dict[str, Any]:
    """Valid form data for step `bpmn_id` done on `on`, with `overrides` applied."""
    iso = day_of(on).isoformat()
    data: dict[str, Any] = {
        "assign_instructor": {"instructor": "ins1", "assigned_on": iso},
        "accept_assignment": {"decision": "accept"},
        "record_proposal": {"proposing_side": "union", "received_on": iso, "content": "2026年度工资集体协商要约"},
        "union_response": {"decision": "accept", "responded_on": iso},
        "enterprise_response": {"decision": "accept", "responded_on": iso},
        "bureau_intervention": {"decision": "order_talks", "note": "责令协商", "decided_on": iso},
        "union_team": team("职工方"),
        "enterprise_team": team("企业方"),
        "prepare_talks": {"talks_on": (day_of(on) + timedelta(days=7)).isoformat(), "place": "会议室",
                          "agenda": "工资调整", "recorder": "记录员"},
        "hold_meeting": {"meeting_on": iso, "chaired_by": "union", "outcome": "agreement", "minutes_signed": True},
        "coordinate": {"outcome": "resume", "note": "协调后恢复协商", "decided_on": iso},
        "coordinate_extended": {"outcome": "resume", "note": "延期协调后恢复协商", "decided_on": iso},
        "draft_agreement": {"term_months": 12, "wage_increase_pct": "6.5", "items": list(WAGE_AGREEMENT_ITEMS)},
        "congress_vote": {"voted_on": iso, "body": "workers_congress", "total": 60, "present": 52,
                          "in_favour": 49, "against": 2, "abstained": 1},
        "union_signature": {"decision": "approve", "signed_on": iso},
        "enterprise_signature": {"decision": "approve", "signed_on": iso},
        "file_agreement": {"filed_on": iso, "copies": 3, "documents": list(FILING_DOCUMENTS)},
        "review_filing": {"decision": "no_objection", "reviewed_on": iso},
        "publish_agreement": {"published_on": iso, "method": "notice_board"},
    }[bpmn_id]
    return {**data, **overrides}


def step(case: Case, world: Any, bpmn_id: str, on: date | str, **overrides: Any):
    """Complete the ready task `bpmn_id` with valid data by the world's user of its lane."""
    row = next(t for t in ready_tasks(case) if t.bpmn_id == bpmn_id)
    return complete(case, bpmn_id, actor(world, row.lane), form(bpmn_id, on, **overrides), on)


def walk_until(case: Case, world: Any, target: str, on: date | str) -> date:
    """Complete ready tasks (in id order) one day apart until `target` is ready; returns the next free day."""
    day = day_of(on)
    for _ in range(40):
        ready = ready_tasks(case)
        if any(t.bpmn_id == target for t in ready):
            return day
        assert ready, f"nothing ready before {target}"
        step(case, world, ready[0].bpmn_id, day)
        day += timedelta(days=1)
    raise AssertionError(f"{target} never became ready")


def task_rows(case: Case, bpmn_id: str) -> list[CaseTask]:
    """Every row of `bpmn_id` in `case`, oldest first."""
    db.session.expire_all()
    return list(db.session.execute(
        select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.bpmn_id == bpmn_id).order_by(CaseTask.id)
    ).scalars())


def events(case: Case, kind: str) -> list[AuditEvent]:
    """The case's audit events of `kind`, oldest first."""
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.kind == kind).order_by(AuditEvent.id)
    ).scalars())


SNAPSHOT_TABLES = ("case", "case_task", "audit_event", "document")


def snapshot_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the case tables, to prove a refused step changed nothing."""
    db.session.rollback()
    return {t: sorted((tuple(r) for r in db.session.execute(text(f'SELECT * FROM "{t}"'))), key=repr)
            for t in SNAPSHOT_TABLES}


def proposal_received(world, received_on, recorded_on):
    """A case whose union proposal, received on `received_on`, waits for the enterprise's answer."""
    case = open_case(world, "2026-03-02")
    walk_until(case, world, "record_proposal", "2026-03-02")
    step(case, world, "record_proposal", recorded_on, received_on=received_on)
    assert ready_ids(case) == ["enterprise_response"]
    return case


def filed(world, rule_set="national-2004", filed_on="2026-04-02"):
    """A case whose agreement was filed on `filed_on` and waits for the bureau's review."""
    case = open_case(world, "2026-03-02", rule_set=rule_set)
    walk_until(case, world, "file_agreement", "2026-03-02")
    step(case, world, "file_agreement", filed_on)
    assert ready_ids(case) == ["review_filing"]
    return case


def impasse(world, on="2026-05-06"):
    """A case whose meeting on `on` ended in impasse: the bureau coordinates."""
    case = open_case(world, "2026-03-02")
    walk_until(case, world, "hold_meeting", "2026-03-02")
    step(case, world, "hold_meeting", on, outcome="impasse")
    assert ready_ids(case) == ["coordinate"]
    assert reload(case).stage == "coordination"
    return case
