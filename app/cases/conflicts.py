"""A 409 says what changed: the case's current version, stage, status and open tasks, read afresh."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from ..errors import Conflict
from ..extensions import db
from ..models import Case, CaseTask


def current_state(case_id: int) -> dict[str, Any] | None:
    """The case as it stands in the database now (after the caller's rollback)."""
    row = db.session.execute(
        select(Case.lock_version, Case.stage, Case.status).where(Case.id == case_id)
    ).one_or_none()
    if row is None:
        return None
    tasks = db.session.execute(
        select(CaseTask.id, CaseTask.bpmn_id, CaseTask.lane, CaseTask.assignee_id)
        .where(CaseTask.case_id == case_id, CaseTask.state == "ready").order_by(CaseTask.id)
    ).all()
    return {"lock_version": row.lock_version, "stage": row.stage, "status": row.status,
            "ready_tasks": [{"id": t.id, "bpmn_id": t.bpmn_id, "lane": t.lane, "assignee_id": t.assignee_id}
                            for t in tasks]}


@contextmanager
def explaining(case_id: int) -> Iterator[None]:
    """Add the case's current state to any Conflict raised inside (only ever for a case the caller may see)."""
    try:
        yield
    except Conflict as exc:
        db.session.rollback()
        state = current_state(case_id)
        if state is not None:
            exc.details.setdefault("current", state)
        raise
