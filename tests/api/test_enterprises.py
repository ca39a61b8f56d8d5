"""The enterprise registry API: who sees and changes which enterprise, and what a valid entry is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.enterprises.credit_code import check_character
from app.extensions import db
from app.models import AuditEvent, Enterprise
from tests.conftest import World, make_enterprise
from tests.helpers import open_case

from .conftest import ApiClient

URL = "/api/v1/enterprises"


def code(first17: str) -> str:
    """A valid credit code from its first 17 characters."""
    return first17 + check_character(first17)


def new(world: World, **overrides: Any) -> dict[str, Any]:
    return {"credit_code": code("91210102MA0000001"), "name": "北方重工有限公司", "district_id": world.district.id,
            "industry": "C", "employees": 300, "women_employees": 90, "has_union": True, **overrides}


def events(kind: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id))
                .scalars())


# ---------------------------------------------------------------------------- list and read
def test_an_admin_lists_every_enterprise_by_name(api: ApiClient, world: World) -> None:
    body = api.get(URL, as_=world.admin).get_json()
    assert body["total"] == 2
    assert [e["name"] for e in body["items"]] == sorted([world.enterprise.name, world.other_enterprise.name])
    first = next(e for e in body["items"] if e["id"] == world.enterprise.id)
    assert first["credit_code"] == "914403001922038216"
    assert first["district"]["name"] == "和平区"


def test_a_union_rep_lists_only_their_enterprise(api: ApiClient, world: World) -> None:
    body = api.get(URL, as_=world.union).get_json()
    assert body["total"] == 1
    assert [e["id"] for e in body["items"]] == [world.enterprise.id]


def test_a_supervisor_lists_their_districts_enterprises_and_an_instructor_those_of_their_cases(
        api: ApiClient, world: World) -> None:
    assert [e["id"] for e in api.get(URL, as_=world.other_supervisor).get_json()["items"]] == [
        world.other_enterprise.id]
    assert api.get(URL, as_=world.instructor).get_json()["total"] == 0


def test_filters_narrow_the_list_and_its_total(api: ApiClient, world: World) -> None:
    small = make_enterprise("小微餐饮店", world.district, code("92210102MA0000002"), employees=8)
    small.industry, small.has_union = "H", False
    db.session.commit()

    def ids(query: str) -> list[int]:
        body = api.get(f"{URL}?{query}", as_=world.admin).get_json()
        assert body["total"] == len(body["items"])
        return [e["id"] for e in body["items"]]

    assert ids(f"district_id={world.district.id}") == [world.enterprise.id, small.id]
    assert ids("industry=h") == [small.id]
    assert ids("has_union=false") == [small.id]
    assert ids("max_employees=10") == [small.id]
    assert ids("min_employees=100&district_id=" + str(world.other_district.id)) == [world.other_enterprise.id]
    assert ids("q=华信") == [world.enterprise.id]
    assert ids("q=802100433b") == [world.other_enterprise.id]  # part of a credit code, any case
    assert ids("q=%25") == []  # a % typed by the user is a character, not a wildcard


def test_pages_carry_the_total(api: ApiClient, world: World) -> None:
    body = api.get(f"{URL}?per_page=1&page=2", as_=world.admin).get_json()
    assert (body["total"], body["pages"], len(body["items"])) == (2, 2, 1)


def test_a_foreign_enterprise_is_not_found(api: ApiClient, world: World) -> None:
    assert api.get(f"{URL}/{world.enterprise.id}", as_=world.union).status_code == 200
    assert api.get(f"{URL}/{world.other_enterprise.id}", as_=world.union).status_code == 404
    assert api.get(f"{URL}/987654", as_=world.admin).status_code == 404


# ---------------------------------------------------------------------------- create
def test_an_admin_registers_an_enterprise_and_it_is_audited(api: ApiClient, world: World) -> None:
    response = api.post(URL, as_=world.admin, json=new(world, credit_code=" " + code("91210102MA0000001").lower()))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["credit_code"] == code("91210102MA0000001")  # stored upper case, trimmed
    assert (body["name"], body["industry"], body["employees"], body["women_employees"]) == (
        "北方重工有限公司", "C", 300, 90)
    [event] = events("enterprise_created")
    assert event.actor == "admin" and event.case_id is None
    assert event.payload["enterprise_id"] == body["id"] and event.payload["credit_code"] == body["credit_code"]


def test_a_supervisor_registers_only_in_their_district(api: ApiClient, world: World) -> None:
    assert api.post(URL, as_=world.supervisor, json=new(world)).status_code == 201
    foreign = new(world, district_id=world.other_district.id, credit_code=code("91210103MA0000003"))
    assert api.post(URL, as_=world.supervisor, json=foreign).status_code == 403
    for user in (world.instructor, world.union, world.employer):
        assert api.post(URL, as_=user, json=new(world)).status_code == 403
    assert db.session.query(Enterprise).count() == 3


def test_a_mistyped_credit_code_is_refused_with_the_right_check_character(api: ApiClient, world: World) -> None:
    good = code("91210102MA0000001")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = api.post(URL, as_=world.admin, json=new(world, credit_code=wrong))
    assert response.status_code == 422
    assert f"should be {good[17]}" in response.get_json()["errors"]["credit_code"][0]
    short = api.post(URL, as_=world.admin, json=new(world, credit_code="91210102"))
    assert "18 characters" in short.get_json()["errors"]["credit_code"][0]


def test_a_registered_credit_code_is_refused_without_naming_its_holder(api: ApiClient, world: World) -> None:
    response = api.post(URL, as_=world.supervisor, json=new(world, credit_code="91110000802100433b"))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"credit_code": ["This credit code is already registered."]}
    assert world.other_enterprise.name not in response.get_data(as_text=True)


def test_every_invalid_field_is_named(api: ApiClient, world: World) -> None:
    response = api.post(URL, as_=world.admin, json=new(world, name="  ", district_id=987654, women_employees=301))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"name", "district_id", "women_employees"}
    assert errors["women_employees"] == ["Cannot exceed the number of employees (300)."]
    for field, value in (("industry", "Z"), ("employees", -1), ("employees", "many"), ("has_union", "perhaps")):
        response = api.post(URL, as_=world.admin, json=new(world, **{field: value}))
        assert response.status_code == 422 and field in response.get_json()["errors"], (field, value)
    missing = api.post(URL, as_=world.admin, json={"name": "x"})
    assert {"credit_code", "district_id", "industry", "employees"} <= set(missing.get_json()["errors"])
    assert db.session.query(Enterprise).count() == 2
    assert events("enterprise_created") == []


# ---------------------------------------------------------------------------- update
def test_a_supervisor_updates_some_fields_and_the_changes_are_audited(api: ApiClient, world: World) -> None:
    url = f"{URL}/{world.enterprise.id}"
    response = api.patch(url, as_=world.supervisor, json={"employees": 150, "has_union": False})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["employees"], response.get_json()["has_union"]) == (150, False)
    assert response.get_json()["name"] == world.enterprise.name  # untouched
    [event] = events("enterprise_updated")
    assert event.actor == "sup1"
    assert event.payload["changes"] == {"employees": [120, 150], "has_union": [True, False]}
    assert api.patch(url, as_=world.supervisor, json={"employees": 150}).status_code == 200
    assert len(events("enterprise_updated")) == 1  # nothing changed, nothing audited


def test_an_update_is_checked_as_a_whole(api: ApiClient, world: World) -> None:
    url = f"{URL}/{world.enterprise.id}"
    response = api.patch(url, as_=world.admin, json={"employees": 10})  # 40 women already recorded
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"women_employees": ["Cannot exceed the number of employees (10)."]}
    duplicate = api.patch(url, as_=world.admin, json={"credit_code": world.other_enterprise.credit_code})
    assert duplicate.get_json()["errors"] == {"credit_code": ["This credit code is already registered."]}
    corrected = api.patch(url, as_=world.admin, json={"credit_code": code("91210102MA0000009")})
    assert corrected.status_code == 200 and corrected.get_json()["credit_code"] == code("91210102MA0000009")
    db.session.expire_all()
    assert db.session.get(Enterprise, world.enterprise.id).employees == 120


def test_only_an_admin_or_the_districts_supervisor_may_change_an_enterprise(api: ApiClient, world: World) -> None:
    url = f"{URL}/{world.enterprise.id}"
    assert api.patch(url, as_=world.union, json={"employees": 1}).status_code == 403
    assert api.patch(url, as_=world.other_supervisor, json={"employees": 1}).status_code == 404
    moved = api.patch(url, as_=world.supervisor, json={"district_id": world.other_district.id})
    assert moved.status_code == 403
    assert api.patch(url, as_=world.admin, json={"district_id": world.other_district.id}).status_code == 200
    assert api.get(url, as_=world.other_supervisor).status_code == 200


def test_an_enterprise_with_an_open_case_keeps_its_district(api: ApiClient, world: World) -> None:
    open_case(world)
    response = api.patch(f"{URL}/{world.enterprise.id}", as_=world.admin, json={"district_id": world.other_district.id})
    assert response.status_code == 409
    assert api.patch(f"{URL}/{world.enterprise.id}", as_=world.admin, json={"employees": 200}).status_code == 200


def test_the_registration_type_is_kept_and_an_edit_is_stamped(api: ApiClient, world: World) -> None:
    e = world.enterprise
    assert api.get(f"/api/v1/enterprises/{e.id}", as_=world.supervisor).json["ownership"] is None
    changed = api.patch(f"/api/v1/enterprises/{e.id}", as_=world.supervisor, json={"ownership": "private"})
    assert changed.status_code == 200, changed.json
    assert changed.json["ownership"] == "private" and changed.json["updated_at"] is not None
    wrong = api.patch(f"/api/v1/enterprises/{e.id}", as_=world.supervisor, json={"ownership": "mixed"})
    assert wrong.status_code == 422 and "ownership" in wrong.json["errors"]
