"""Matrix entries: the inbox, a task, claim, release, assign, complete.

The own task is case A's union_team (ready, nobody holds it): the union rep may take and do it; the
others bound to case A see it but may not (403); admins see every task and do none.
"""

from tests.helpers import team

from . import OK, SEE_OWN, Entry, everyone, same


def _task(action: str = "") -> object:
    return lambda mw, t: f"/api/v1/tasks/{mw.task_id(t, 'union_team')}{action}"


ACTOR_ONLY = {  # the side of the task may act; the others bound to the case see but may not
    "admin": (403, 403, 404),
    "supervisor": (403, 404, 404),
    "instructor": (403, 404, 404),
    "union_rep": (OK, 404, 404),
    "enterprise_rep": (403, 404, 404),
}

ENTRIES = [
    Entry("tasks.list_tasks", "GET", lambda mw, t: "/api/v1/tasks", everyone(same(OK)),
          notes="everyone has an inbox (an admin's is empty)"),
    Entry("tasks.get_task", "GET", _task(), SEE_OWN),
    Entry("tasks.claim_task", "POST", _task("/claim"), ACTOR_ONLY),
    Entry("tasks.release_task", "POST", _task("/release"), {**ACTOR_ONLY, "supervisor": (OK, 404, 404)},
          notes="nobody holds the task: releasing it changes nothing for who might have held or handed it"),
    Entry("tasks.assign_task", "POST", _task("/assign"),
          {**ACTOR_ONLY, "union_rep": (403, 404, 404), "supervisor": (OK, 404, 404)},
          body=lambda mw, t: {"user_id": mw.world.union.id}),
    Entry("tasks.complete_task", "POST", _task("/complete"), ACTOR_ONLY,
          body=lambda mw, t: team("职工方")),
]
