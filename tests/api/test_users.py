"""User administration over the API: administrators only; roles fit their bindings; disabling signs out."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import World

from .conftest import ApiClient

URL = "/api/v1/users"


def events(kind: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id))
                .scalars())


def new(**overrides: Any) -> dict[str, Any]:
    return {"username": "wang.fang", "display_name": "王芳", "role": "instructor", "password": "long-enough-pw",
            **overrides}


def test_an_admin_creates_a_user_who_can_sign_in(api: ApiClient, world: World) -> None:
    body = new(role="union_rep", email="wang@example.org", enterprise_ids=[world.enterprise.id])
    response = api.post(URL, as_=world.admin, json=body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["username"], created["role"], created["active"], created["email"]) == (
        "wang.fang", "union_rep", True, "wang@example.org")
    assert [e["id"] for e in created["enterprises"]] == [world.enterprise.id] and created["districts"] == []
    assert "password" not in created and "password_hash" not in created
    signin = api.post("/api/v1/auth/tokens", json={"username": "wang.fang", "password": "long-enough-pw"})
    assert signin.status_code == 201
    [event] = events("user_created")
    assert event.actor == "admin" and event.payload["enterprise_ids"] == [world.enterprise.id]
    assert "long-enough-pw" not in str(event.payload) and "password" not in str(event.payload)


def test_no_output_ever_holds_a_password_hash(api: ApiClient, world: World) -> None:
    for url in (URL, f"{URL}/{world.union.id}"):
        text = api.get(url, as_=world.admin).get_data(as_text=True)
        assert "argon2" not in text and "password" not in text


@pytest.mark.parametrize(("changes", "field"), [
    ({"username": "Wang Fang"}, "username"),
    ({"username": "wf"}, "username"),
    ({"username": "admin"}, "username"),  # taken
    ({"password": "short"}, "password"),
    ({"password": "          "}, "password"),
    ({"role": "mayor"}, "role"),
    ({"display_name": " "}, "display_name"),
    ({"email": "not-an-address"}, "email"),
    ({"role": "supervisor"}, "district_ids"),
    ({"role": "union_rep"}, "enterprise_ids"),
    ({"role": "enterprise_rep", "district_ids": [1], "enterprise_ids": [1]}, "district_ids"),
    ({"role": "admin", "enterprise_ids": [1]}, "enterprise_ids"),
    ({"role": "instructor", "enterprise_ids": [1]}, "enterprise_ids"),
    ({"role": "supervisor", "district_ids": [987654]}, "district_ids"),
    ({"password": None}, "password"),
])
def test_a_bad_user_names_the_field(api: ApiClient, world: World, changes: dict[str, Any], field: str) -> None:
    count = db.session.query(User).count()
    response = api.post(URL, as_=world.admin, json=new(**changes))
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()
    assert db.session.query(User).count() == count
    assert events("user_created") == []


def test_bindings_that_fit_the_role_are_accepted(api: ApiClient, world: World) -> None:
    d = world.district.id
    for username, role, districts, enterprises in (("boss", "admin", [], []), ("sup9", "supervisor", [d], []),
                                                   ("ins9", "instructor", [d], []), ("ins8", "instructor", [], []),
                                                   ("emp9", "enterprise_rep", [], [world.enterprise.id])):
        response = api.post(URL, as_=world.admin, json=new(username=username, role=role, district_ids=districts,
                                                            enterprise_ids=enterprises))
        assert response.status_code == 201, (role, response.get_json())


def test_everyone_but_admins_is_refused(api: ApiClient, world: World) -> None:
    for user in (world.supervisor, world.instructor, world.union, world.employer):
        assert api.get(URL, as_=user).status_code == 403
        assert api.get(f"{URL}/{user.id}", as_=user).status_code == 403
        assert api.get(f"{URL}/987654", as_=user).status_code == 403
        assert api.post(URL, as_=user, json=new()).status_code == 403
        assert api.patch(f"{URL}/{user.id}", as_=user, json={"display_name": "me"}).status_code == 403
    assert api.get(f"{URL}/987654", as_=world.admin).status_code == 404


def test_the_list_filters_and_counts(api: ApiClient, world: World) -> None:
    def names(query: str = "") -> list[str]:
        body = api.get(f"{URL}?{query}", as_=world.admin).get_json()
        assert body["total"] == len(body["items"])
        return [u["username"] for u in body["items"]]

    assert names() == sorted(["admin", "sup1", "sup2", "ins1", "ins2", "union1", "employer1", "union2"])
    assert names("role=supervisor") == ["sup1", "sup2"]
    assert names(f"district_id={world.other_district.id}") == ["sup2"]
    assert names(f"enterprise_id={world.enterprise.id}") == ["employer1", "union1"]
    assert names("q=UNION") == ["union1", "union2"]
    api.patch(f"{URL}/{world.union.id}", as_=world.admin, json={"active": False})
    assert names("active=false") == ["union1"]
    assert api.get(f"{URL}?per_page=3", as_=world.admin).get_json()["pages"] == 3


def test_disabling_a_user_revokes_their_tokens_at_once(api: ApiClient, world: World) -> None:
    assert api.get("/api/v1/me", as_=world.union).status_code == 200
    response = api.patch(f"{URL}/{world.union.id}", as_=world.admin, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert api.get("/api/v1/me", as_=world.union).status_code == 401  # the same token as before
    signin = api.post("/api/v1/auth/tokens", json={"username": "union1", "password": "pw-union1"})
    assert signin.status_code == 401
    [event] = events("user_updated")
    assert event.payload["changes"] == {"active": [True, False]} and event.actor == "admin"
    # Enabling again lets them sign in again, but the old token stays revoked.
    api.patch(f"{URL}/{world.union.id}", as_=world.admin, json={"active": True})
    assert api.get("/api/v1/me", as_=world.union).status_code == 401
    assert api.post("/api/v1/auth/tokens", json={"username": "union1", "password": "pw-union1"}).status_code == 201


def test_an_admin_changes_role_bindings_and_password(api: ApiClient, world: World) -> None:
    url = f"{URL}/{world.instructor.id}"
    promoted = api.patch(url, as_=world.admin, json={"role": "supervisor", "district_ids": [world.district.id],
                                                     "display_name": "李主任", "email": "li@example.org"})
    assert promoted.status_code == 200, promoted.get_json()
    body = promoted.get_json()
    assert (body["role"], body["display_name"], [d["id"] for d in body["districts"]]) == (
        "supervisor", "李主任", [world.district.id])
    refused = api.patch(url, as_=world.admin, json={"role": "union_rep"})  # keeps the district, has no enterprise
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"district_ids", "enterprise_ids"}
    assert api.patch(url, as_=world.admin, json={"password": "short"}).status_code == 422
    assert api.patch(url, as_=world.admin, json={"password": "a-new-long-password"}).status_code == 200
    signin = api.post("/api/v1/auth/tokens", json={"username": "ins1", "password": "a-new-long-password"})
    assert signin.status_code == 201
    last = events("user_updated")[-1]
    assert last.payload["password_changed"] is True and "a-new-long-password" not in str(last.payload)


def test_an_admin_neither_disables_nor_demotes_themselves(api: ApiClient, world: World) -> None:
    url = f"{URL}/{world.admin.id}"
    disabled = api.patch(url, as_=world.admin, json={"active": False})
    assert disabled.status_code == 422 and "active" in disabled.get_json()["errors"]
    demoted = api.patch(url, as_=world.admin, json={"role": "instructor"})
    assert demoted.status_code == 422 and "role" in demoted.get_json()["errors"]
    assert api.get("/api/v1/me", as_=world.admin).get_json()["role"] == "admin"
    assert api.patch(url, as_=world.admin, json={"display_name": "管理员"}).status_code == 200


def test_an_instructor_has_industries_and_a_maximum_caseload(api: ApiClient, world: World) -> None:
    response = api.patch(f"/api/v1/users/{world.instructor.id}", as_=world.admin,
                         json={"industries": ["c", "F", "C"], "max_caseload": 12})
    assert response.status_code == 200, response.json
    assert (response.json["industries"], response.json["max_caseload"]) == (["C", "F"], 12)
    wrong = api.patch(f"/api/v1/users/{world.instructor.id}", as_=world.admin, json={"industries": ["Z"]})
    assert wrong.status_code == 422 and "industries" in wrong.json["errors"]
    not_instructor = api.patch(f"/api/v1/users/{world.union.id}", as_=world.admin, json={"max_caseload": 5})
    assert not_instructor.status_code == 422 and "max_caseload" in not_instructor.json["errors"]
