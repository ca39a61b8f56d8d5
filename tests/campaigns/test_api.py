"""The campaigns API: create with validation, steps, the launch and its progress, regional cases, who may do what."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app.deadlines.jobs import sweep
from tests.api.conftest import ApiClient
from tests.conftest import World, at
from workflows import clock

from .helpers import covered, make_enterprises

URL = "/api/v1/campaigns"


@pytest.fixture
def api(app: Flask) -> ApiClient:
    return ApiClient(app)


@pytest.fixture
def june(world: World) -> Iterator[None]:
    """Every request of the test is made on 20 May 2026, 10:00 bureau time, unless the test moves the clock."""
    clock.set_global(at("2026-05-20", 10))
    yield
    clock.set_global(None)


def move(app: Flask, day: str, hour: int) -> ApiClient:
    """Move the clock; a fresh client issues fresh tokens (one from a month ago may have expired)."""
    clock.set_global(at(day, hour))
    return ApiClient(app)


def new(**overrides: Any) -> dict[str, Any]:
    return {"name": "2026年双合同月", "year": 2026, "starts_on": "2026-06-01", "ends_on": "2026-06-30",
            "targets": {"coverage_pct": 95, "wage_coverage_pct": 87}, **overrides}


def created(api: ApiClient, world: World, **overrides: Any) -> dict[str, Any]:
    response = api.post(URL, as_=world.supervisor, json=new(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def do(api: ApiClient, world: World, campaign_id: int, bpmn_id: str, data: dict[str, Any], code: int = 200) -> Any:
    response = api.post(f"{URL}/{campaign_id}/steps/{bpmn_id}", as_=world.supervisor, json=data)
    assert response.status_code == code, response.get_json()
    return response.get_json()


def planned(api: ApiClient, world: World, filters: dict[str, Any] | None = None) -> int:
    campaign_id = created(api, world)["id"]
    do(api, world, campaign_id, "plan_targets", {"targets": {"coverage_pct": 95}})
    do(api, world, campaign_id, "confirm_enterprises", {"filters": filters or {}})
    body = do(api, world, campaign_id, "assign_instructors", {"confirmed": True})
    assert [s["bpmn_id"] for s in body["ready_steps"]] == ["launch_cases"]
    return campaign_id


# ---------------------------------------------------------------------------- create and read
def test_a_campaign_with_bad_fields_is_refused_field_by_field(api: ApiClient, world: World, june: None) -> None:
    body = api.post(URL, as_=world.admin, json=new(name="  ", targets={"coverage_pct": 120})).get_json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"name", "targets.coverage_pct"}
    body = api.post(URL, as_=world.admin, json=new(targets={})).get_json()
    assert set(body["errors"]) == {"targets._schema"}
    body = api.post(URL, as_=world.admin, json=new(year=2027, ends_on="2026-05-31")).get_json()
    assert (body["code"], set(body["errors"])) == ("invalid", {"starts_on", "ends_on"})
    assert api.post(URL, as_=world.admin, json=new()).status_code == 201
    duplicate = api.post(URL, as_=world.supervisor, json=new(name=" 2026年双合同月 "))
    assert (duplicate.status_code, list(duplicate.get_json()["errors"])) == (422, ["name"])


def test_administrators_and_supervisors_create_campaigns_representatives_do_not_see_them(
        api: ApiClient, world: World, june: None) -> None:
    for person in (world.instructor, world.union, world.employer):
        assert api.post(URL, as_=person, json=new()).status_code == 403
    response = api.post(URL, as_=world.supervisor, json=new())
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/campaigns/{body['id']}")
    assert response.headers["ETag"] == f'"{body["lock_version"]}"'
    assert (body["status"], body["stage"], body["launch"]["status"]) == ("planning", "planning", "not_started")
    assert body["ready_steps"] == [{"bpmn_id": "plan_targets", "name": "Plan the targets", "name_zh": "制定目标任务",
                                    "form": "campaign_targets", "stage": "planning", "can_act": True}]
    assert body["targets"] == {"coverage_pct": 95.0, "wage_coverage_pct": 87.0}
    assert body["created_by"]["username"] == "sup1"
    as_admin = api.get(f"{URL}/{body['id']}", as_=world.admin).get_json()
    assert as_admin["ready_steps"][0]["can_act"] is False  # administrators set up, supervisors act
    assert api.get(f"{URL}/{body['id']}", as_=world.instructor).status_code == 200
    assert api.get(f"{URL}/{body['id']}", as_=world.union).status_code == 403
    assert api.get(URL, as_=world.union).status_code == 403
    assert [c["name"] for c in api.get(URL, as_=world.instructor).get_json()["items"]] == ["2026年双合同月"]


# ---------------------------------------------------------------------------- steps
def test_steps_are_taken_by_supervisors_with_valid_forms_in_order(api: ApiClient, world: World, june: None) -> None:
    campaign_id = created(api, world)["id"]
    step_url = f"{URL}/{campaign_id}/steps/plan_targets"
    assert api.post(step_url, as_=world.admin, json={"targets": {"coverage_pct": 90}}).status_code == 403
    assert api.post(step_url, as_=world.instructor, json={"targets": {"coverage_pct": 90}}).status_code == 403
    invalid = do(api, world, campaign_id, "plan_targets", {"targets": {"coverage_pct": -1}}, 422)
    assert list(invalid["errors"]) == ["targets.coverage_pct"]
    do(api, world, campaign_id, "weekly_check", {"checked_on": "2026-05-20"}, 409)
    do(api, world, campaign_id, "no_such_step", {}, 404)
    stale = api.post(step_url, as_=world.supervisor, json={"targets": {"coverage_pct": 90}},
                     headers={"If-Match": '"999"'})
    assert stale.status_code == 409
    body = do(api, world, campaign_id, "plan_targets", {"targets": {"coverage_pct": 96, "wage_coverage_pct": 90}})
    assert body["targets"] == {"coverage_pct": 96.0, "wage_coverage_pct": 90.0}
    unknown_district = do(api, world, campaign_id, "confirm_enterprises",
                          {"filters": {"district_ids": [987654]}}, 422)
    assert list(unknown_district["errors"]) == ["filters.district_ids"]
    do(api, world, campaign_id, "confirm_enterprises", {"filters": {"size_bands": ["huge"]}}, 422)
    body = do(api, world, campaign_id, "confirm_enterprises", {"filters": {"industries": ["c"], "has_union": True}})
    assert body["launch"]["filters"] == {"district_ids": [], "industries": ["C"], "size_bands": [],
                                         "has_union": True, "without_agreement_in_force": False}
    refused = do(api, world, campaign_id, "assign_instructors", {"confirmed": False}, 422)
    assert list(refused["errors"]) == ["confirmed"]
    body = do(api, world, campaign_id, "assign_instructors", {"confirmed": True})
    assert (body["stage"], body["ready_steps"][0]["bpmn_id"], body["ready_steps"][0]["can_act"]) == (
        "launch", "launch_cases", False)  # the system's step until the launch ends
    do(api, world, campaign_id, "launch_cases", {}, 409)


# ---------------------------------------------------------------------------- launch
def test_a_supervisors_launch_stays_in_their_districts_and_its_progress_shows(
        app: Flask, api: ApiClient, world: World, june: None) -> None:
    made = make_enterprises(30, [world.district, world.other_district])
    campaign_id = created(api, world)["id"]
    launch_url = f"{URL}/{campaign_id}/launch"
    assert api.post(launch_url, as_=world.supervisor, json={}).status_code == 409  # planning not done
    do(api, world, campaign_id, "plan_targets", {"targets": {"coverage_pct": 95}})
    do(api, world, campaign_id, "confirm_enterprises", {"filters": {}})
    do(api, world, campaign_id, "assign_instructors", {"confirmed": True})

    assert api.post(launch_url, as_=world.instructor, json={}).status_code == 403
    foreign = api.post(launch_url, as_=world.supervisor, json={"filters": {"district_ids": [world.other_district.id]}})
    assert foreign.status_code == 403
    api = move(app, "2026-06-01", 9)
    started = api.post(launch_url, as_=world.supervisor,
                       json={"filters": {"district_ids": [world.district.id, world.other_district.id]}})
    assert started.status_code == 202
    progress = started.get_json()
    in_district = 1 + sum(1 for row in made.rows if row["district_id"] == world.district.id)
    assert (progress["status"], progress["total"], progress["done"]) == ("running", in_district, 0)
    assert progress["filters"]["district_ids"] == [world.district.id]  # the other district was cut away
    assert api.post(launch_url, as_=world.admin, json={}).status_code == 409  # one launch at a time
    assert api.get(launch_url, as_=world.instructor).get_json()["status"] == "running"

    sweep(at("2026-06-01", 9))  # the scheduler carries the launch out
    progress = api.get(launch_url, as_=world.supervisor).get_json()
    assert (progress["status"], progress["total"], progress["done"]) == ("finished", in_district, in_district)
    assert progress["finished_at"] is not None
    detail = api.get(f"{URL}/{campaign_id}", as_=world.supervisor).get_json()
    assert (detail["status"], detail["stage"], detail["ready_steps"]) == ("running", "running", [])
    assert (detail["cases"], detail["enterprises_covered"]) == (in_district, in_district)
    assert [(t["bpmn_id"], t["due_at"]) for t in detail["timers"]] == [("next_check", "2026-06-07T16:00:00+00:00")]

    by_admin = api.post(launch_url, as_=world.admin, json={"filters": {}})  # administrators launch anywhere
    assert by_admin.get_json()["total"] == 30 + 2 - in_district
    sweep(at("2026-06-01", 10))
    assert len(covered(campaign_id)) == 32


def test_a_regional_case_is_opened_for_several_enterprises_of_one_district(
        api: ApiClient, world: World, june: None) -> None:
    made = make_enterprises(4, [world.district])
    campaign_id = planned(api, world)
    url = f"{URL}/{campaign_id}/regional-cases"
    members = [world.enterprise.id, made.ids[0], made.ids[2]]
    assert api.post(url, as_=world.admin, json={"enterprise_ids": members}).status_code == 403
    assert api.post(url, as_=world.supervisor, json={"enterprise_ids": members[:1]}).status_code == 422
    mixed = api.post(url, as_=world.supervisor, json={"enterprise_ids": [made.ids[0], world.other_enterprise.id]})
    assert mixed.status_code == 422  # an enterprise the supervisor may not see is unknown
    response = api.post(url, as_=world.supervisor, json={"enterprise_ids": members, "title": "机械行业协商"})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert (case["kind"], case["title"], case["campaign_id"]) == ("regional", "机械行业协商", campaign_id)
    assert sorted(e["id"] for e in case["enterprises"]) == sorted(members)
    assert response.headers["Location"].endswith(f"/cases/{case['id']}")
    again = api.post(url, as_=world.supervisor, json={"enterprise_ids": [made.ids[1], made.ids[2]]})
    assert again.status_code == 409
    assert again.get_json()["case_id"] == case["id"]
    detail = api.get(f"{URL}/{campaign_id}", as_=world.supervisor).get_json()
    assert (detail["cases"], detail["enterprises_covered"]) == (1, 3)


def test_a_case_opened_through_the_cases_api_covers_its_enterprise_in_the_campaign(
        api: ApiClient, world: World, june: None) -> None:
    campaign_id = planned(api, world)
    body = {"enterprise_ids": [world.enterprise.id], "campaign_id": campaign_id}
    first = api.post("/api/v1/cases", as_=world.supervisor, json=body)
    assert first.status_code == 201, first.get_json()
    again = api.post("/api/v1/cases", as_=world.supervisor, json=body)
    assert again.status_code == 409
    assert again.get_json()["case_id"] == first.get_json()["id"]
    unknown = api.post("/api/v1/cases", as_=world.supervisor, json={**body, "campaign_id": 10_000})
    assert unknown.status_code == 422 and "campaign_id" in unknown.get_json()["errors"]
    detail = api.get(f"{URL}/{campaign_id}", as_=world.supervisor).get_json()
    assert (detail["cases"], detail["enterprises_covered"]) == (1, 1)
