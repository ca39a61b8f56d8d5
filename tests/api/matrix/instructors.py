"""Matrix entries: instructors' caseloads and handing their cases on."""

from __future__ import annotations

from typing import Any

from . import MISSING_ID, ROLES, Entry, same

INSTRUCTORS = "/api/v1/instructors"
MANAGERS = ("admin", "supervisor")


def instructor_id(mw: Any, target: str) -> int:
    """Own: the instructor of the caller's district's case; foreign: the other district's; none: nobody."""
    return {"own": mw.world.instructor.id, "foreign": mw.world.other_instructor.id, "none": MISSING_ID}[target]


ENTRIES = [
    Entry("instructors.list_caseloads", "GET", lambda mw, t: INSTRUCTORS,
          {**{r: same(200) for r in MANAGERS}, **{r: same(403) for r in ROLES if r not in MANAGERS}}),
    Entry("instructors.reassign", "POST", lambda mw, t: f"{INSTRUCTORS}/{instructor_id(mw, t)}/reassign",
          {**{r: (200, 200, 404) for r in MANAGERS}, **{r: same(403) for r in ROLES if r not in MANAGERS}},
          body=lambda mw, t: {"reason": "matrix"},
          notes="a supervisor moves only the cases of their districts: another district's instructor gives an "
                "empty result, not a refusal"),
]
