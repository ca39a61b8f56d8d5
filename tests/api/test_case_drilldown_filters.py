"""The case list's drill-down filters the dashboard links to: how late (`overdue_days`) and where a case waits
(`step`)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import World, at
from tests.web.dashboard_cases import TODAY, LateCases, late_cases
from workflows import clock

from .conftest import ApiClient
from .test_cases import CASES, ids


@pytest.fixture
def late(world: World) -> LateCases:
    cases = late_cases(world)
    clock.set_global(at(TODAY))
    return cases


@pytest.fixture
def api_now(app: Flask, late: LateCases) -> ApiClient:
    return ApiClient(app)  # tokens issued at the frozen instant


def test_overdue_days_buckets_count_from_the_due_date(api_now: ApiClient, world: World, late: LateCases) -> None:
    assert ids(api_now.get(f"{CASES}?overdue_days=1-7", as_=world.admin)) == [late.three.id]     # 3 days
    assert ids(api_now.get(f"{CASES}?overdue_days=8-30", as_=world.admin)) == [late.ten.id]      # 10 days
    assert ids(api_now.get(f"{CASES}?overdue_days=31%2B", as_=world.admin)) == [late.forty.id]   # 40 days
    every = ids(api_now.get(f"{CASES}?overdue=true", as_=world.admin))
    assert sorted(every) == sorted([late.three.id, late.ten.id, late.forty.id])


@pytest.mark.parametrize(("day", "bucket", "expected"), [
    ("2026-06-17", "1-7", {"ten"}),             # three is due today, not late; ten (due 06-10) 7 days late
    ("2026-06-18", "1-7", {"three"}),           # three 1 day late; ten 8 days: the next bucket
    ("2026-06-18", "8-30", {"ten"}),
    ("2026-07-10", "8-30", {"three", "ten", "on_time"}),  # 23, 30 and 10 days late
    ("2026-07-11", "31+", {"ten", "forty"}),    # ten 31 days late
])
def test_the_bucket_edges(app: Flask, world: World, late: LateCases, day: str, bucket: str,
                          expected: set[str]) -> None:
    clock.set_global(at(day))
    found = ids(ApiClient(app).get(f"{CASES}?overdue_days={bucket.replace('+', '%2B')}", as_=world.admin))
    assert sorted(found) == sorted(getattr(late, name).id for name in expected)


def test_step_lists_the_cases_waiting_at_that_step(api_now: ApiClient, world: World, late: LateCases) -> None:
    waiting = ids(api_now.get(f"{CASES}?step=enterprise_response", as_=world.admin))
    assert sorted(waiting) == sorted([late.three.id, late.ten.id, late.forty.id, late.on_time.id])
    assert ids(api_now.get(f"{CASES}?step=union_response", as_=world.admin)) == []
    # The filters combine, and the visibility clause still applies: sup1 does not see the 沈河区 case.
    assert ids(api_now.get(f"{CASES}?step=enterprise_response&overdue_days=8-30", as_=world.supervisor)) == []
    assert ids(api_now.get(f"{CASES}?step=enterprise_response&overdue_days=8-30", as_=world.other_supervisor)) == [
        late.ten.id]


@pytest.mark.parametrize("query", ["overdue_days=2-5", "overdue_days=", "step=", f"step={'x' * 65}"])
def test_bad_filter_values_are_refused_with_the_field(api_now: ApiClient, world: World, query: str) -> None:
    response = api_now.get(f"{CASES}?{query}", as_=world.admin)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {query.split("=")[0]}
