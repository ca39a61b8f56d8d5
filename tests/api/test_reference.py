"""Reference data over the API: wage guidelines, rule sets and the holiday table; read by all, set by admins."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.audit.service import verify
from app.errors import Invalid
from app.extensions import db
from app.models import AuditEvent, Case, WageGuideline
from tests.conftest import World
from tests.helpers import open_case, ready_tasks
from tests.service.flows import walk_until

from .conftest import ApiClient


def events(kind: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id))
                .scalars())


# ---------------------------------------------------------------------------- wage guidelines
GUIDE = "/api/v1/guidelines"


def test_everyone_reads_the_guidelines(api: ApiClient, world: World) -> None:
    body = api.get(GUIDE, as_=world.union).get_json()
    assert body["total"] == 1
    assert body["items"][0] == {"year": 2026, "floor_pct": "3.00", "baseline_pct": "6.00", "upper_pct": "9.00",
                                "published_on": None}
    assert api.get(f"{GUIDE}/2026", as_=world.employer).get_json()["baseline_pct"] == "6.00"
    assert api.get(f"{GUIDE}/1999", as_=world.employer).status_code == 404


def test_an_admin_sets_a_new_year_and_replaces_one_with_an_audit_trail(api: ApiClient, world: World) -> None:
    created = api.put(f"{GUIDE}/2027", as_=world.admin, json={"floor_pct": 2.5, "baseline_pct": "5.5",
                                                               "upper_pct": "8", "published_on": "2027-03-01"})
    assert created.status_code == 200, created.get_json()
    assert created.get_json() == {"year": 2027, "floor_pct": "2.50", "baseline_pct": "5.50", "upper_pct": "8.00",
                                  "published_on": "2027-03-01"}
    replaced = api.put(f"{GUIDE}/2026", as_=world.admin, json={"floor_pct": "3", "baseline_pct": "6.5"})
    assert replaced.get_json()["upper_pct"] is None  # a PUT replaces the whole guideline
    assert [g["year"] for g in api.get(GUIDE, as_=world.instructor).get_json()["items"]] == [2027, 2026]
    first, second = events("guideline_set")
    assert first.payload["before"] is None and first.actor == "admin"
    assert second.payload["before"]["baseline_pct"] == "6.00" and second.payload["baseline_pct"] == "6.50"


@pytest.mark.parametrize(("body", "field"), [
    ({"floor_pct": "7", "baseline_pct": "6", "upper_pct": "9"}, "baseline_pct"),
    ({"floor_pct": "3", "baseline_pct": "6", "upper_pct": "5"}, "upper_pct"),
    ({"floor_pct": "-1", "baseline_pct": "6", "upper_pct": "9"}, "floor_pct"),
    ({"floor_pct": "3", "baseline_pct": "6", "upper_pct": "100.5"}, "upper_pct"),
    ({"floor_pct": "3.125", "baseline_pct": "6", "upper_pct": "9"}, "floor_pct"),
    ({"floor_pct": "three", "baseline_pct": "6", "upper_pct": "9"}, "floor_pct"),
    ({"floor_pct": "3", "upper_pct": "9"}, "baseline_pct"),
])
def test_a_guideline_whose_lines_cross_or_leave_0_100_is_refused(api: ApiClient, world: World,
                                                                 body: dict[str, Any], field: str) -> None:
    response = api.put(f"{GUIDE}/2026", as_=world.admin, json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]
    db.session.expire_all()
    assert db.session.execute(select(WageGuideline.baseline_pct)).scalar_one() == 6
    assert events("guideline_set") == []


def test_only_admins_set_guidelines(api: ApiClient, world: World) -> None:
    for user in (world.supervisor, world.instructor, world.union):
        assert api.put(f"{GUIDE}/2026", as_=user, json={"floor_pct": 1, "baseline_pct": 2}).status_code == 403
    assert api.put(f"{GUIDE}/1800", as_=world.admin, json={"floor_pct": 1, "baseline_pct": 2}).status_code == 422


# ---------------------------------------------------------------------------- rule sets
RULES = "/api/v1/rule-sets"


def local(**overrides: Any) -> dict[str, Any]:
    return {"based_on": "national-2004", "title_en": "Shenyang 2026", "title_zh": "沈阳市规定（2026）",
            "source": "沈阳市集体合同条例第12条", **overrides}


def full_definition() -> dict[str, Any]:
    """Every clock spelled out, no base."""
    national = {"response": (20, "calendar_days"), "info_supply": (5, "calendar_days"),
                "talks_start": (10, "working_days"), "vacancy": (15, "calendar_days"),
                "coordination": (30, "calendar_days"), "coordination_extension": (15, "calendar_days"),
                "filing": (10, "calendar_days"), "filing_correction": (7, "calendar_days"),
                "review": (15, "calendar_days"), "publication": (5, "calendar_days"),
                "renewal_window": (3, "months"), "instructor_answer": (3, "working_days")}
    clocks = {name: {"amount": amount, "unit": unit} for name, (amount, unit) in national.items()}
    for name in ("info_supply", "renewal_window"):
        clocks[name].update(before=True, roll_forward=False)
    return {**local(), "based_on": None, "clocks": clocks}


def test_everyone_reads_the_built_in_rule_sets_with_their_clocks(api: ApiClient, world: World) -> None:
    listing = api.get(RULES, as_=world.union).get_json()
    assert [r["name"] for r in listing["items"]] == ["national-2004", "wage-measures-2000", "local-working-days"]
    assert all(r["built_in"] for r in listing["items"]) and listing["total"] == 3
    detail = api.get(f"{RULES}/national-2004", as_=world.employer).get_json()
    filing = next(c for c in detail["clocks"] if c["name"] == "filing")
    assert (filing["amount"], filing["unit"], filing["starts_en"]) == (10, "calendar_days",
                                                                       "signature of the agreement")
    renewal = next(c for c in detail["clocks"] if c["name"] == "renewal_window")
    assert (renewal["amount"], renewal["unit"], renewal["before"], renewal["opens"]) == (3, "months", True, True)
    assert (detail["team_min"], detail["quorum_fraction"], detail["majority_fraction"]) == (3, "2/3", "1/2")
    assert "集体合同规定" in detail["source"]
    assert api.get(f"{RULES}/no-such", as_=world.union).status_code == 404


def test_an_admin_defines_a_local_rule_set_based_on_a_built_in_one(api: ApiClient, world: World) -> None:
    body = local(clocks={"filing": {"amount": 12}, "review": {"amount": 15, "unit": "working_days"}},
                 team_max=9, quorum_fraction="3/4")
    response = api.put(f"{RULES}/shenyang-2026", as_=world.admin, json=body)
    assert response.status_code == 200, response.get_json()
    detail = api.get(f"{RULES}/shenyang-2026", as_=world.union).get_json()
    clocks = {c["name"]: c for c in detail["clocks"]}
    assert (clocks["filing"]["amount"], clocks["filing"]["unit"]) == (12, "calendar_days")
    assert clocks["review"]["unit"] == "working_days"
    assert clocks["response"]["amount"] == 20  # from the base
    assert (detail["built_in"], detail["team_max"], detail["quorum_fraction"]) == (False, 9, "3/4")
    assert [r["name"] for r in api.get(RULES, as_=world.union).get_json()["items"]][-1] == "shenyang-2026"
    [event] = events("rule_set_defined")
    assert event.actor == "admin" and event.payload["definition"]["clocks"]["filing"]["amount"] == 12
    full = api.put(f"{RULES}/spelled-out", as_=world.admin, json=full_definition())
    assert full.status_code == 200, full.get_json()


def test_a_built_in_rule_set_cannot_be_overwritten_or_deleted(api: ApiClient, world: World) -> None:
    assert api.put(f"{RULES}/national-2004", as_=world.admin, json=local()).status_code == 409
    assert api.delete(f"{RULES}/national-2004", as_=world.admin).status_code == 409


def test_only_admins_define_or_delete_rule_sets(api: ApiClient, world: World) -> None:
    for user in (world.supervisor, world.instructor, world.union, world.employer):
        assert api.put(f"{RULES}/mine", as_=user, json=local()).status_code == 403
    api.put(f"{RULES}/mine", as_=world.admin, json=local())
    assert api.delete(f"{RULES}/mine", as_=world.supervisor).status_code == 403


@pytest.mark.parametrize(("change", "field"), [
    ({"clocks": {"filing": {"amount": 0}}}, "clocks.filing.amount"),
    ({"clocks": {"filing": {"amount": 5000}}}, "clocks.filing.amount"),
    ({"clocks": {"filing": {"unit": "fortnights"}}}, "clocks.filing.unit"),
    ({"clocks": {"filing": {"amount": "ten"}}}, "clocks.filing.amount"),
    ({"clocks": {"signing": {"amount": 3, "unit": "calendar_days"}}}, "clocks.signing"),
    ({"clocks": {"renewal_window": {"before": False}}}, "clocks.renewal_window.before"),
    ({"clocks": {"review": {"enabled": False}}}, "clocks.review.enabled"),
    ({"quorum_fraction": "3/2"}, "quorum_fraction"),
    ({"majority_fraction": "half"}, "majority_fraction"),
    ({"expert_max_fraction": "1/0"}, "expert_max_fraction"),
    ({"team_min": 5, "team_max": 4}, "team_max"),
    ({"team_min": 0}, "team_min"),
    ({"term_months_min": 24, "term_months_max": 12}, "term_months_max"),
    ({"based_on": "national-1994"}, "based_on"),
    ({"name": "other-name"}, "name"),
    ({"title_zh": ""}, "title_zh"),
    ({"source": None}, "source"),
])
def test_a_bad_definition_names_the_field(api: ApiClient, world: World, change: dict[str, Any], field: str) -> None:
    response = api.put(f"{RULES}/shenyang-2026", as_=world.admin, json={**local(), **change})
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()
    assert api.get(f"{RULES}/shenyang-2026", as_=world.admin).status_code == 404


def test_a_definition_without_a_base_names_every_missing_clock(api: ApiClient, world: World) -> None:
    definition = full_definition()
    del definition["clocks"]["filing"], definition["clocks"]["review"]["unit"]
    response = api.put(f"{RULES}/spelled-out", as_=world.admin, json=definition)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"clocks.filing", "clocks.review.unit"}


def test_a_bad_name_is_refused(api: ApiClient, world: World) -> None:
    response = api.put(f"{RULES}/Shenyang 2026", as_=world.admin, json=local())
    assert response.status_code == 422 and "name" in response.get_json()["errors"]


def test_a_case_keeps_the_rules_it_opened_with_when_its_rule_set_is_redefined(api: ApiClient, world: World) -> None:
    api.put(f"{RULES}/shenyang-2026", as_=world.admin, json=local(clocks={"response": {"amount": 25}}))
    before = open_case(world, rule_set="shenyang-2026")
    api.put(f"{RULES}/shenyang-2026", as_=world.admin, json=local(clocks={"response": {"amount": 30}}))
    after = open_case(world, rule_set="shenyang-2026")
    for case in (before, after):  # the response clock starts after the redefinition for both
        walk_until(case, world, "enterprise_response", "2026-03-02")
    due = {case.id: next(t for t in ready_tasks(case) if t.bpmn_id == "enterprise_response").due_explanation
           for case in (before, after)}
    assert (due[before.id]["amount"], due[after.id]["amount"]) == (25, 30)
    assert db.session.get(Case, before.id).rule_set == "shenyang-2026"


def test_a_rule_set_in_use_is_not_deleted_and_an_unused_one_is(api: ApiClient, world: World) -> None:
    api.put(f"{RULES}/used", as_=world.admin, json=local())
    api.put(f"{RULES}/unused", as_=world.admin, json=local())
    open_case(world, rule_set="used")
    used = api.delete(f"{RULES}/used", as_=world.admin)
    assert used.status_code == 409 and "1 case" in used.get_json()["message"]
    assert api.delete(f"{RULES}/unused", as_=world.admin).status_code == 204
    assert api.get(f"{RULES}/unused", as_=world.admin).status_code == 404
    assert api.delete(f"{RULES}/unused", as_=world.admin).status_code == 404
    assert [e.payload["name"] for e in events("rule_set_deleted")] == ["unused"]
    with pytest.raises(Invalid):
        open_case(world, rule_set="unused")


# ---------------------------------------------------------------------------- holidays
HOLIDAYS = "/api/v1/holidays"


def test_a_year_without_holiday_data_says_so_until_an_admin_enters_it(app: Flask, api: ApiClient,
                                                                     world: World) -> None:
    body = api.get(f"{HOLIDAYS}?year=2027", as_=world.union).get_json()
    assert body == {"year": 2027, "package_data": False, "has_data": False,
                    "warnings": ["no_holiday_data:2027"], "days": []}
    assert api.get(f"{HOLIDAYS}?year=2026", as_=world.union).get_json()["package_data"] is True
    for day in ("2027-02-01", "2027-02-02"):
        response = api.put(f"{HOLIDAYS}/{day}", as_=world.admin, json={"is_workday": False, "name": "春节"})
        assert response.status_code == 200, response.get_json()
    body = api.get(f"{HOLIDAYS}?year=2027", as_=world.union).get_json()
    assert (body["has_data"], body["warnings"]) == (True, [])
    assert [(d["day"], d["is_workday"], d["name"]) for d in body["days"]] == [
        ("2027-02-01", False, "春节"), ("2027-02-02", False, "春节")]
    # The engine's calendar saw the change at once: the deadline rolls past the new holiday.
    due = app.test_cli_runner().invoke(args=["due-date", "national-2004", "filing", "2027-01-22"])
    assert due.output.splitlines()[0] == "2027-02-03"
    assert [e.actor for e in events("holiday_set")] == ["admin", "admin"]


def test_an_admin_removes_an_entry(api: ApiClient, world: World) -> None:
    api.put(f"{HOLIDAYS}/2027-01-10", as_=world.admin, json={"is_workday": True})
    assert api.delete(f"{HOLIDAYS}/2027-01-10", as_=world.admin).status_code == 204
    assert api.get(f"{HOLIDAYS}?year=2027", as_=world.admin).get_json()["days"] == []
    assert api.delete(f"{HOLIDAYS}/2027-01-10", as_=world.admin).status_code == 404
    assert [e.kind for e in db.session.query(AuditEvent).order_by(AuditEvent.id)] == ["holiday_set",
                                                                                      "holiday_removed"]
    assert verify().ok


def test_only_admins_change_the_holiday_table(api: ApiClient, world: World) -> None:
    for user in (world.supervisor, world.instructor, world.union):
        assert api.put(f"{HOLIDAYS}/2027-02-01", as_=user, json={"is_workday": False}).status_code == 403
        assert api.delete(f"{HOLIDAYS}/2027-02-01", as_=user).status_code == 403
    assert api.get(f"{HOLIDAYS}?year=2027", as_=world.admin).get_json()["days"] == []


def test_a_bad_day_or_body_is_refused(api: ApiClient, world: World) -> None:
    bad_day = api.put(f"{HOLIDAYS}/2027-13-01", as_=world.admin, json={"is_workday": False})
    assert bad_day.status_code == 422 and "day" in bad_day.get_json()["errors"]
    no_flag = api.put(f"{HOLIDAYS}/2027-02-01", as_=world.admin, json={"name": "春节"})
    assert no_flag.status_code == 422 and "is_workday" in no_flag.get_json()["errors"]
    assert api.get(f"{HOLIDAYS}?year=1800", as_=world.admin).status_code == 422
