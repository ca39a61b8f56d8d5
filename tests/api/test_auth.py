"""API sign-in: bearer tokens that expire, can be revoked, are stored hashed; throttled failures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import text
from werkzeug.test import TestResponse

from app.extensions import db
from tests.conftest import World, at
from workflows import clock

from .conftest import ApiClient

TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/me"
CHALLENGE = 'Bearer realm="wagecase"'


def sign_in(api: ApiClient, username: str, password: str, address: str = "127.0.0.1") -> TestResponse:
    return api.post(TOKENS, json={"username": username, "password": password},
                    environ_overrides={"REMOTE_ADDR": address})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_of(response: TestResponse) -> str:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def assert_refused(response: TestResponse) -> None:
    """401 with the bearer challenge, in the API's error format."""
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == CHALLENGE
    assert response.get_json()["code"] == "unauthorized"


# ---------------------------------------------------------------------------- issue, use, expiry
def test_a_token_is_issued_with_an_expiry_and_identifies_its_user(app: Flask, api: ApiClient, world: World) -> None:
    start = at("2026-03-02", 9)
    with clock.frozen_at(start):
        response = sign_in(api, "sup1", "pw-sup1")
    assert response.status_code == 201
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert datetime.fromisoformat(body["expires_at"]) == start + timedelta(hours=app.config["TOKEN_TTL_HOURS"])
    with clock.frozen_at(start + timedelta(hours=1)):
        me = api.get(ME, headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.get_json()["username"] == "sup1"
    assert me.get_json()["role"] == "supervisor"
    assert [d["name"] for d in me.get_json()["districts"]] == ["和平区"]
    assert "password_hash" not in me.get_json()


def test_a_token_stops_working_when_it_expires(app: Flask, api: ApiClient, world: World) -> None:
    start = at("2026-03-02", 9)
    with clock.frozen_at(start):
        token = token_of(sign_in(api, "sup1", "pw-sup1"))
    expires = start + timedelta(hours=app.config["TOKEN_TTL_HOURS"])
    with clock.frozen_at(expires - timedelta(seconds=1)):
        assert api.get(ME, headers=bearer(token)).status_code == 200
    with clock.frozen_at(expires + timedelta(seconds=1)):
        expired = api.get(ME, headers=bearer(token))
    assert_refused(expired)
    assert "expired" in expired.get_json()["message"]


def test_the_scheme_name_is_case_insensitive(api: ApiClient, world: World) -> None:
    token = token_of(sign_in(api, "sup1", "pw-sup1"))
    assert api.get(ME, headers={"Authorization": f"bearer {token}"}).status_code == 200


# ---------------------------------------------------------------------------- revocation, disabled users
def test_signing_out_revokes_only_that_token(api: ApiClient, world: World) -> None:
    laptop, phone = token_of(sign_in(api, "union1", "pw-union1")), token_of(sign_in(api, "union1", "pw-union1"))
    response = api.delete(TOKENS, headers=bearer(laptop))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_refused(api.get(ME, headers=bearer(laptop)))
    assert_refused(api.delete(TOKENS, headers=bearer(laptop)))
    assert api.get(ME, headers=bearer(phone)).status_code == 200


def test_the_token_of_a_disabled_user_is_refused(api: ApiClient, world: World) -> None:
    token = token_of(sign_in(api, "ins1", "pw-ins1"))
    assert api.get(ME, headers=bearer(token)).status_code == 200
    world.instructor.active = False
    db.session.commit()
    assert_refused(api.get(ME, headers=bearer(token)))


def test_a_disabled_user_cannot_sign_in(api: ApiClient, world: World) -> None:
    world.instructor.active = False
    db.session.commit()
    response = sign_in(api, "ins1", "pw-ins1")
    assert response.status_code == 401
    assert "token" not in response.get_json()


def test_only_a_hash_of_the_token_is_stored(api: ApiClient, world: World) -> None:
    token = token_of(sign_in(api, "sup1", "pw-sup1"))
    rows = db.session.execute(text("SELECT * FROM api_token")).all()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert token not in stored
    assert token[:16] not in stored


# ---------------------------------------------------------------------------- malformed headers
@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Token {token}", "Basic c3VwMTpwdy1zdXAx", "{token}",
                                    "Bearer{token}", "Bearer {token}x", "Bearer x{token}"])
def test_a_malformed_authorization_header_is_refused(api: ApiClient, world: World, header: str) -> None:
    token = token_of(sign_in(api, "sup1", "pw-sup1"))
    assert_refused(api.get(ME, headers={"Authorization": header.format(token=token)}))


def test_no_authorization_header_is_refused(api: ApiClient, world: World) -> None:
    assert_refused(api.get(ME))


# ---------------------------------------------------------------------------- wrong credentials, throttling
def test_an_unknown_user_is_told_the_same_as_a_wrong_password(api: ApiClient, world: World) -> None:
    unknown, wrong = sign_in(api, "nobody", "pw-sup1"), sign_in(api, "sup1", "pw-nobody")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()


def test_after_too_many_failures_the_account_waits_for_the_window(app: Flask, api: ApiClient, world: World) -> None:
    limit, window = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], app.config["LOGIN_WINDOW_SECONDS"]
    start = at("2026-03-02", 9)
    with clock.frozen_at(start):
        for _ in range(limit):
            assert sign_in(api, "sup1", "guess").status_code == 401
        refused = sign_in(api, "sup1", "pw-sup1")
        elsewhere = sign_in(api, "sup1", "pw-sup1", address="10.9.8.7")
        other_user = sign_in(api, "sup2", "pw-sup2")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(window + 1)
    assert refused.get_json()["code"] == "too_many_requests"
    assert "token" not in refused.get_json()
    assert elsewhere.status_code == 429
    assert other_user.status_code == 201
    with clock.frozen_at(start + timedelta(seconds=window // 2)):
        assert int(sign_in(api, "sup1", "pw-sup1").headers["Retry-After"]) == window - window // 2 + 1
    with clock.frozen_at(start + timedelta(seconds=window + 1)):
        assert sign_in(api, "sup1", "pw-sup1").status_code == 201


def test_many_user_names_from_one_address_throttle_that_address(app: Flask, api: ApiClient, world: World) -> None:
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    with clock.frozen_at(at("2026-03-02", 9)):
        for n in range(limit):
            assert sign_in(api, f"user{n}", "123456", address="203.0.113.9").status_code == 401
        refused = sign_in(api, "sup1", "pw-sup1", address="203.0.113.9")
        neighbour = sign_in(api, "sup1", "pw-sup1", address="198.51.100.4")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert neighbour.status_code == 201


def test_signing_in_needs_both_fields(api: ApiClient, world: World) -> None:
    response = api.post(TOKENS, json={"username": "sup1"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"password": ["Missing data for required field."]}
