"""Two people completing steps of one case at the same moment: one wins, the other is told, nothing is lost."""

import threading

from sqlalchemy import func, select

from app.audit.service import verify
from app.cases import service
from app.errors import Conflict
from app.extensions import db
from app.models import Case, User
from tests.conftest import at
from tests.helpers import complete, open_case, ready_ids, reload, team
from tests.service.flows import events, form, task_rows, walk_until
from workflows import clock


def race(app, monkeypatch, attempts):
    """Run each (case_id, task_id, data, user_id) in its own thread and app context, overlapping for sure.

    The threads start together at a barrier, and meet again once each has loaded the case and its
    ready task (at form validation), so both act on the same version before either commits.
    """
    start = threading.Barrier(len(attempts), timeout=30)
    loaded = threading.Barrier(len(attempts), timeout=30)
    validate = service._validate

    def validate_together(*args, **kwargs):
        loaded.wait()
        return validate(*args, **kwargs)

    monkeypatch.setattr(service, "_validate", validate_together)
    results = [None] * len(attempts)

    def attempt(i, case_id, task_id, data, user_id):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                start.wait()
                results[i] = service.complete_task(case_id, task_id, data, user)
            except Exception as exc:  # the test inspects what each person was told
                results[i] = exc

    threads = [threading.Thread(target=attempt, args=(i, *a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    monkeypatch.setattr(service, "_validate", validate)
    db.session.rollback()
    return results


def outcomes(results):
    return sorted(type(r).__name__ for r in results)


def test_the_same_signature_submitted_twice_at_once_counts_once(app, world, monkeypatch):
    """The union chief's signature sent from two tabs: one Completion, one Conflict, one audit event."""
    case = open_case(world, "2026-03-02")
    walk_until(case, world, "union_signature", "2026-03-02")
    row = task_rows(case, "union_signature")[0]
    version = reload(case).lock_version
    db.session.commit()

    clock.set_global(at("2026-03-16"))
    data = form("union_signature", "2026-03-16")
    results = race(app, monkeypatch, [(case.id, row.id, data, world.union.id)] * 2)

    assert outcomes(results) == ["Completion", "Conflict"], results
    assert all(isinstance(r, service.Completion | Conflict) for r in results)
    assert [t.state for t in task_rows(case, "union_signature")] == ["completed"]
    assert [e.payload["task"] for e in events(case, "task_completed")].count("union_signature") == 1
    assert reload(case).lock_version == version + 1
    assert ready_ids(case) == ["enterprise_signature"]
    assert verify().ok


def test_both_teams_named_at_once_lose_nothing(app, world, monkeypatch):
    """Union and enterprise name their teams together: the loser is told to retry, and the retry succeeds."""
    case = open_case(world, "2026-03-02")
    walk_until(case, world, "union_team", "2026-03-02")
    union_row, enterprise_row = task_rows(case, "union_team")[0], task_rows(case, "enterprise_team")[0]
    db.session.commit()

    clock.set_global(at("2026-03-06"))
    results = race(app, monkeypatch, [
        (case.id, union_row.id, team("职工方"), world.union.id),
        (case.id, enterprise_row.id, team("企业方"), world.employer.id),
    ])

    assert outcomes(results) == ["Completion", "Conflict"], results
    loser_lane = "enterprise" if isinstance(results[0], service.Completion) else "union"
    assert ready_ids(case) == [f"{loser_lane}_team"]
    completed = [e.payload["task"] for e in events(case, "task_completed")]
    assert completed[-1] == ("union_team" if loser_lane == "enterprise" else "enterprise_team")
    assert f"{loser_lane}_team" not in completed

    clock.set_global(None)
    loser = world.employer if loser_lane == "enterprise" else world.union
    complete(case, f"{loser_lane}_team", loser, team("企业方" if loser_lane == "enterprise" else "职工方"),
             "2026-03-06")
    assert ready_ids(case) == ["prepare_talks"]
    assert [t.state for t in task_rows(case, "union_team") + task_rows(case, "enterprise_team")] == [
        "completed", "completed"]
    completed = [e.payload["task"] for e in events(case, "task_completed")]
    assert (completed.count("union_team"), completed.count("enterprise_team")) == (1, 1)
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == 1
    assert verify().ok
