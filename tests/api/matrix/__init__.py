"""The permission matrix: every API endpoint × every role × (own object, foreign object, no object).

Each feature module here lists `ENTRIES`; `test_permission_matrix.py` runs them all and fails when an
endpoint of the app's URL map has no entry. The world every entry runs in (`MatrixWorld`): two
districts, each with an enterprise and a case at the representatives stage (the union's and the
enterprise's team tasks are ready). The signed-in user of each role is bound to the *own* side:

- supervisor of district 1; instructor assigned to case A; union and enterprise reps of enterprise 1;
- *foreign*: district 2's enterprise, case B, its tasks, documents and comments;
- *none*: an id that does not exist.

An expectation is a status code, or OK: the permission check let the request through (any status
but 401, 403 and 404: the body may still be invalid, which is 422, or the state conflict, 409).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

OK = "ok"
ROLES = ("admin", "supervisor", "instructor", "union_rep", "enterprise_rep")
TARGETS = ("own", "foreign", "none")
MISSING_ID = 987654

Expect = int | str


@dataclass(frozen=True)
class Entry:
    """One endpoint and method, how to call it for each target, and the expected status per role."""

    endpoint: str
    method: str
    path: Callable[[Any, str], str]
    expect: Mapping[str, tuple[Expect, Expect, Expect]]
    body: Callable[[Any, str], Any] | None = None
    multipart: bool = False
    public: bool = False
    notes: str = field(default="")


def same(value: Expect) -> tuple[Expect, Expect, Expect]:
    """The same expectation for own, foreign and no object (collection endpoints)."""
    return (value, value, value)


def everyone(value: tuple[Expect, Expect, Expect]) -> dict[str, tuple[Expect, Expect, Expect]]:
    return dict.fromkeys(ROLES, value)


# Common rows: see your own (admins see everything), 404 for what you may not see.
SEE_OWN = {"admin": (OK, OK, 404), **dict.fromkeys(ROLES[1:], (OK, 404, 404))}
ADMIN_ONLY = {"admin": (OK, OK, 404), **dict.fromkeys(ROLES[1:], same(403))}
ADMIN_ONLY_COLLECTION = {"admin": same(OK), **dict.fromkeys(ROLES[1:], same(403))}
