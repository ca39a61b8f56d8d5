"""Helpers that drive a case through the case service the way people do, with the clock moved."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.cases import service
from app.deadlines.jobs import fire_due_timers
from app.extensions import db
from app.models import Case, CaseTask, User
from workflows import clock

from .conftest import at


def ready_tasks(case: Case) -> list[CaseTask]:
    db.session.expire_all()
    return [t for t in db.session.get(Case, case.id).tasks if t.state == "ready"]


def ready_ids(case: Case) -> list[str]:
    return sorted(t.bpmn_id for t in ready_tasks(case))


def complete(case: Case, bpmn_id: str, actor: User, data: dict[str, Any], on: date | str) -> service.Completion:
    """Complete the ready task `bpmn_id` of `case` as `actor` on the bureau-local day `on`."""
    row = next(t for t in ready_tasks(case) if t.bpmn_id == bpmn_id)
    with clock.frozen_at(at(on)):
        return service.complete_task(case.id, row.id, data, actor)


def open_case(world: Any, on: date | str = "2026-03-02", **kwargs: Any) -> Case:
    with clock.frozen_at(at(on, 9)):
        return service.open_case(enterprise_ids=[world.enterprise.id], actor=world.supervisor, **kwargs)


def fire(on: date | str, hour: int = 1) -> int:
    """Run the deadline job as of `on` at `hour` o'clock, bureau time."""
    return fire_due_timers(at(on, hour)).cases_advanced


def team(prefix: str, size: int = 3, experts: int = 0) -> dict[str, Any]:
    return {"members": [{"name": f"{prefix}{i}", "chief": i == 0, "outside_expert": i >= size - experts}
                        for i in range(size)]}


def reload(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)
