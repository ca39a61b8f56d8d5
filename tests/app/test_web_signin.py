"""Signing in with the browser: session cookie flags, CSRF, throttling, safe redirects, language."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from app import create_app
from app.extensions import db
from tests.conftest import World, at
from tests.webclient import Browser, hidden_input
from workflows import clock


def field_error(response: TestResponse, field: str) -> str:
    """The error shown under `field` of the form on the page ("" when there is none)."""
    page = response.get_data(as_text=True)
    block = re.search(rf'<div class="field[^"]*" id="field-{field}">(.*?)</div>', page, re.S)
    assert block, f"no {field} field on the page"
    message = re.search(r'<p class="error"[^>]*>(.*?)</p>', block.group(1), re.S)
    return unescape(message.group(1)).strip() if message else ""


def session_cookie(response: TestResponse) -> dict[str, str | bool]:
    """The attributes of the session cookie the response sets, e.g. {"HttpOnly": True, "SameSite": "Lax"}."""
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == "session":
            attributes: dict[str, str | bool] = {}
            for part in rest.split(";")[1:]:
                key, eq, value = part.strip().partition("=")
                attributes[key.lower()] = value if eq else True
            return attributes
    raise AssertionError("the response sets no session cookie")


def signed_in_as(browser: Browser) -> str | None:
    """The display name in the page header, or None when the header offers to sign in."""
    found = re.search(r'id="signed-in-as">([^<]*)<', browser.get("/account").get_data(as_text=True))
    return unescape(found.group(1)) if found else None


# ---------------------------------------------------------------------------- signing in and out
def test_signing_in_sets_a_session_cookie_scripts_cannot_read_and_other_sites_do_not_send(
        browser: Browser, world: World) -> None:
    response = browser.sign_in("sup1", "pw-sup1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookie = session_cookie(response)
    assert cookie.get("httponly") is True
    assert cookie.get("samesite") == "Lax"
    assert "secure" not in cookie  # not in testing: so the production check below is not blind
    assert "expires" in cookie  # a permanent session: it ends after PERMANENT_SESSION_LIFETIME, not never
    assert signed_in_as(browser) == "sup1"


def test_in_production_the_session_cookie_is_only_sent_over_https(app: Flask, world: World) -> None:
    production = create_app({"ENV_NAME": "production", "SECRET_KEY": "x" * 32,
                             "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    # Over HTTPS, Flask-WTF also checks that the form was sent from a page of this site.
    browser = Browser(production, base_url="https://wagecase.example",
                      headers={"Referer": "https://wagecase.example/login"})
    response = browser.sign_in("sup1", "pw-sup1")
    assert response.status_code == 302
    cookie = session_cookie(response)
    assert cookie.get("secure") is True
    assert cookie.get("httponly") is True
    assert cookie.get("samesite") == "Lax"


def test_the_login_page_is_never_cached(browser: Browser, world: World) -> None:
    assert browser.get("/login").headers["Cache-Control"] == "no-store"
    assert browser.sign_in("sup1", "wrong").headers["Cache-Control"] == "no-store"


def test_signing_in_starts_a_fresh_session(app: Flask, browser: Browser, world: World) -> None:
    """A session cookie planted before sign-in does not carry into the signed-in session (fixation)."""
    browser.get("/login")
    with browser.client.session_transaction() as planted:
        planted["planted"] = "by-an-attacker"
    browser.sign_in("sup1", "pw-sup1")
    with browser.client.session_transaction() as after:
        assert "planted" not in after
        assert after.get("_user_id") == str(world.supervisor.id)


def test_signing_out_ends_the_session(browser: Browser, world: World) -> None:
    browser.sign_in("sup1", "pw-sup1")
    response = browser.sign_out()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert signed_in_as(browser) is None
    assert browser.get("/account").status_code == 302


def test_the_header_shows_who_is_signed_in_and_a_sign_out_form(browser: Browser, world: World) -> None:
    browser.sign_in("union1", "pw-union1")
    page = browser.get("/account").get_data(as_text=True)
    assert 'id="signed-in-as">union1<' in page
    sign_out = re.search(r'<form[^>]*action="/logout"[^>]*>(.*?)</form>', page, re.S)
    assert sign_out and 'method="post"' in sign_out.group(0)
    assert 'name="csrf_token"' in sign_out.group(1)
    assert "华信机械制造有限公司" in page  # the enterprise the union rep is bound to


# ---------------------------------------------------------------------------- CSRF
def test_signing_in_without_a_csrf_token_is_refused(browser: Browser, world: World) -> None:
    response = browser.post("/login", data={"username": "sup1", "password": "pw-sup1"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "请求已失效" in response.get_data(as_text=True)
    assert signed_in_as(browser) is None


def test_signing_in_with_a_wrong_csrf_token_is_refused(browser: Browser, world: World) -> None:
    browser.get("/login")
    response = browser.post("/login", data={"csrf_token": "forged", "username": "sup1", "password": "pw-sup1"})
    assert response.status_code == 400
    assert signed_in_as(browser) is None


def test_a_csrf_token_of_another_session_is_refused(app: Flask, browser: Browser, world: World) -> None:
    stolen = Browser(app).csrf_token()
    browser.get("/login")
    response = browser.post("/login", data={"csrf_token": stolen, "username": "sup1", "password": "pw-sup1"})
    assert response.status_code == 400
    assert signed_in_as(browser) is None


def test_signing_out_without_a_csrf_token_is_refused(browser: Browser, world: World) -> None:
    browser.sign_in("sup1", "pw-sup1")
    response = browser.post("/logout")
    assert response.status_code == 400
    assert signed_in_as(browser) == "sup1"


def test_the_csrf_page_speaks_english_when_chosen(browser: Browser, world: World) -> None:
    browser.get("/login?lang=en")
    page = browser.post("/login", data={"username": "sup1", "password": "pw-sup1"}).get_data(as_text=True)
    assert "This form has expired" in page


def test_the_api_keeps_answering_json_and_needs_no_csrf_token(browser: Browser, world: World) -> None:
    issued = browser.post("/api/v1/auth/tokens", json={"username": "sup1", "password": "pw-sup1"})
    assert issued.status_code == 201
    refused = browser.post("/api/v1/auth/tokens", json={"username": "sup1"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"password": ["Missing data for required field."]}


# ---------------------------------------------------------------------------- wrong credentials
def test_a_wrong_password_is_told_at_the_password_field(browser: Browser, world: World) -> None:
    response = browser.sign_in("sup1", "pw-sup2")
    assert response.status_code == 401
    assert field_error(response, "password") == "用户名或密码错误，或账号已停用。"
    assert field_error(response, "username") == ""
    page = response.get_data(as_text=True)
    assert 'value="sup1"' in page  # the user name is kept, the password is not
    assert "pw-sup2" not in page
    assert signed_in_as(browser) is None


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(browser: Browser, world: World) -> None:
    unknown, wrong = browser.sign_in("nobody", "pw-sup1"), browser.sign_in("sup1", "pw-nobody")
    assert unknown.status_code == wrong.status_code == 401
    assert field_error(unknown, "password") == field_error(wrong, "password") != ""


def test_a_disabled_user_cannot_sign_in(browser: Browser, world: World) -> None:
    world.supervisor.active = False
    db.session.commit()
    response = browser.sign_in("sup1", "pw-sup1")
    assert response.status_code == 401
    assert signed_in_as(browser) is None


def test_empty_fields_are_told_at_each_field(browser: Browser, world: World) -> None:
    response = browser.post("/login", data={"csrf_token": browser.csrf_token(), "username": "", "password": ""})
    assert response.status_code == 422
    assert field_error(response, "username") == "请输入用户名。"
    assert field_error(response, "password") == "请输入密码。"


# ---------------------------------------------------------------------------- throttling
def test_after_too_many_failures_even_the_right_password_waits_for_the_window(
        app: Flask, browser: Browser, world: World) -> None:
    limit, window = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], app.config["LOGIN_WINDOW_SECONDS"]
    start = at("2026-03-02", 9)
    with clock.frozen_at(start):
        for _ in range(limit):
            assert browser.sign_in("sup1", "guess").status_code == 401
        refused = browser.sign_in("sup1", "pw-sup1")
        elsewhere = Browser(app, address="10.9.8.7").sign_in("sup1", "pw-sup1")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(window + 1)
    assert field_error(refused, "username") == f"登录失败次数过多，请 {window + 1} 秒后再试。"
    assert elsewhere.status_code == 429  # the account is throttled from every address
    assert signed_in_as(browser) is None
    with clock.frozen_at(start + timedelta(seconds=window - 1)):
        assert browser.sign_in("sup1", "pw-sup1").status_code == 429
    with clock.frozen_at(start + timedelta(seconds=window + 1)):
        assert browser.sign_in("sup1", "pw-sup1").status_code == 302
    assert signed_in_as(browser) == "sup1"


def test_many_user_names_from_one_address_throttle_that_address(app: Flask, world: World) -> None:
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    sprayer, neighbour = Browser(app, address="203.0.113.9"), Browser(app, address="198.51.100.4")
    with clock.frozen_at(at("2026-03-02", 9)):
        for n in range(limit):
            assert sprayer.sign_in(f"user{n}", "123456").status_code == 401
        refused = sprayer.sign_in("sup1", "pw-sup1")
        accepted = neighbour.sign_in("sup1", "pw-sup1")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert accepted.status_code == 302


# ---------------------------------------------------------------------------- redirects after sign-in
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example", " /account", "/\t/evil.example"])
def test_sign_in_never_redirects_to_another_site(browser: Browser, world: World, target: str) -> None:
    response = browser.sign_in("sup1", "pw-sup1", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_returns_to_the_page_that_asked_for_it(browser: Browser, world: World) -> None:
    asked = browser.get("/account")
    assert asked.status_code == 302
    login_url = asked.headers["Location"]
    assert login_url.startswith("/login?next=")
    next_url = hidden_input(browser.get(login_url).get_data(as_text=True), "next")
    assert next_url == "/account"
    response = browser.sign_in("sup1", "pw-sup1", next_url=next_url)
    assert response.headers["Location"] == "/account"
    assert browser.get("/account").status_code == 200


# ---------------------------------------------------------------------------- disabled accounts
def test_a_disabled_users_session_stops_working_on_the_next_request(browser: Browser, world: World) -> None:
    browser.sign_in("ins1", "pw-ins1")
    assert browser.get("/account").status_code == 200
    world.instructor.active = False
    db.session.commit()
    response = browser.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert signed_in_as(browser) is None


# ---------------------------------------------------------------------------- language
def test_the_language_switch_shows_english_then_chinese_and_is_remembered(browser: Browser, world: World) -> None:
    chinese = browser.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in chinese and "<h1>登录</h1>" in chinese and 'for="username">用户名<' in chinese
    english = browser.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "<h1>Sign in</h1>" in english and 'for="username">User name<' in english
    assert "登录" not in english
    remembered = browser.get("/login").get_data(as_text=True)
    assert "<h1>Sign in</h1>" in remembered
    failed = browser.sign_in("sup1", "wrong")
    assert field_error(failed, "password") == "Wrong user name or password, or the account is disabled."
    browser.sign_in("sup1", "pw-sup1")
    assert "Sign out" in browser.get("/account").get_data(as_text=True)  # the choice outlives signing in
    back = browser.get("/account?lang=zh").get_data(as_text=True)
    assert "退出登录" in back and "Sign out" not in back


def test_the_language_switch_keeps_where_the_user_was_going(browser: Browser) -> None:
    page = browser.get("/login?next=%2Faccount").get_data(as_text=True)
    switch = re.search(r'<a href="([^"]*)"[^>]*id="lang-switch"', page)
    assert switch and unescape(switch.group(1)) == "/login?next=%2Faccount&lang=en"
