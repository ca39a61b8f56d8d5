"""Two representatives approving the same step at once: exactly one transition, the other gets 409, nothing lost.

Each representative has their own test client in their own thread and app context (so their own
database session), as two browsers would, and both requests load the same state before either writes.
The loser is stopped by the case's optimistic lock, by the conditional UPDATE of a claim, or on SQLite
by its single writer: whichever, one 200 and one 409, never a 500, on both databases.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from flask import Flask

from app.accounts import tokens
from app.audit.service import verify
from app.cases import service
from app.extensions import db
from app.tasks import service as tasks
from tests.conftest import World, at, make_user
from tests.helpers import open_case, ready_ids, reload
from tests.service.flows import events, form, task_rows, walk_until
from workflows import clock


def post_together(app: Flask, monkeypatch: pytest.MonkeyPatch, url: str, body: dict[str, Any] | None,
                  bearer: list[str], meet_at: tuple[Any, str]) -> list[Any]:
    """POST `body` to `url` once per token, each from its own thread, client and app context, at once.

    The threads start together at a barrier and meet again when each calls the function `meet_at`
    names (after loading the case and task), so both act on the same state before either commits.
    """
    start = threading.Barrier(len(bearer), timeout=30)
    loaded = threading.Barrier(len(bearer), timeout=30)
    module, name = meet_at
    original = getattr(module, name)

    def together(*args: Any, **kwargs: Any) -> Any:
        # If the other request stopped before getting here (it was refused), go on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            loaded.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, together)
    answers: list[Any] = [None] * len(bearer)

    def attempt(i: int, token: str) -> None:
        with app.app_context():
            client = app.test_client()
            try:
                start.wait()
                response = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
                answers[i] = (response.status_code, response.get_json())
            except Exception as exc:  # the test reports what each representative was told
                answers[i] = exc
            finally:
                loaded.abort()  # done: the other request no longer waits for this one at validation

    threads = [threading.Thread(target=attempt, args=(i, t)) for i, t in enumerate(bearer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.setattr(module, name, original)
    db.session.rollback()
    return answers


def test_two_representatives_signing_at_once_make_one_transition(app: Flask, world: World,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    case = open_case(world)
    day = walk_until(case, world, "union_signature", "2026-03-02")
    colleague = make_user("union3", "union_rep", enterprises=[world.enterprise])
    db.session.commit()
    row = task_rows(case, "union_signature")[0]
    version = reload(case).lock_version
    clock.set_global(at(day))
    bearer = [tokens.issue(world.union)[0], tokens.issue(colleague)[0]]

    answers = post_together(app, monkeypatch, f"/api/v1/tasks/{row.id}/complete", form("union_signature", day),
                            bearer, meet_at=(service, "_validate"))

    assert sorted(a[0] for a in answers if isinstance(a, tuple)) == [200, 409], answers
    loser = next(a[1] for a in answers if a[0] == 409)
    assert loser["code"] == "conflict" and loser["current"]["lock_version"] == version + 1
    assert [t["bpmn_id"] for t in loser["current"]["ready_tasks"]] == ["enterprise_signature"]
    assert [t.state for t in task_rows(case, "union_signature")] == ["completed"]
    completed = [e for e in events(case, "task_completed") if e.payload["task_row"] == row.id]
    assert len(completed) == 1
    assert reload(case).lock_version == version + 1
    assert ready_ids(case) == ["enterprise_signature"]
    assert reload(case).stage == "signature"
    assert verify().ok


def test_two_representatives_claiming_at_once_one_holds_it(app: Flask, world: World,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    case = open_case(world)
    day = walk_until(case, world, "union_team", "2026-03-02")
    colleague = make_user("union3", "union_rep", enterprises=[world.enterprise])
    db.session.commit()
    row = task_rows(case, "union_team")[0]
    clock.set_global(at(day))
    bearer = [tokens.issue(world.union)[0], tokens.issue(colleague)[0]]

    answers = post_together(app, monkeypatch, f"/api/v1/tasks/{row.id}/claim", None, bearer,
                            meet_at=(tasks, "can_claim_task"))

    assert sorted(a[0] for a in answers if isinstance(a, tuple)) == [200, 409], answers
    winner = next(a[1] for a in answers if a[0] == 200)["assignee"]
    assert winner["id"] in (world.union.id, colleague.id)
    assert task_rows(case, "union_team")[0].assignee_id == winner["id"]
    assert [e.payload["assignee_id"] for e in events(case, "task_claimed")] == [winner["id"]]
    assert verify().ok
