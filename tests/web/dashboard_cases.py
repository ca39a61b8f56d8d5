"""A small world for the dashboard: cases overdue by 3, 10 and 40 days in two districts, on 2026-06-20.

Each case waits for the enterprise's written response, due 20 calendar days after the proposal was
received (no holiday moves these dates): received 05-28 -> due 06-17 (3 days late on 06-20),
05-21 -> 06-10 (10 days late), 04-21 -> 05-11 (40 days late), 06-10 -> 06-30 (not late).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from app.models import Case
from tests.conftest import World
from tests.service.flows import proposal_received

TODAY = "2026-06-20"


@dataclass
class LateCases:
    """Overdue in district 1 (和平区): 3 and 40 days; in district 2 (沈河区): 10 days; one more on time."""

    three: Case
    ten: Case
    forty: Case
    on_time: Case


def late_cases(world: World) -> LateCases:
    other = replace(world, enterprise=world.other_enterprise, supervisor=world.other_supervisor,
                    union=world.other_union)
    cases = LateCases(
        three=proposal_received(world, "2026-05-28", "2026-05-28"),
        ten=proposal_received(other, "2026-05-21", "2026-05-21"),
        forty=proposal_received(world, "2026-04-21", "2026-04-21"),
        on_time=proposal_received(world, "2026-06-10", "2026-06-10"),
    )
    due = {name: next(t.due_on for t in c.tasks if t.state == "ready") for name, c in vars(cases).items()}
    assert due == {"three": date(2026, 6, 17), "ten": date(2026, 6, 10), "forty": date(2026, 5, 11),
                   "on_time": date(2026, 6, 30)}, due
    return cases
