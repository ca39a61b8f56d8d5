"""A browser without a browser: the Flask test client as a server sees it, with sign-in and CSRF tokens."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.extensions import db


class Browser:
    """A test client that sends each request in its own app context, as a server does.

    The tests run inside an app context; without a fresh one per request, Flask-Login's cached user
    and the database session would carry over from one request to the next.
    """

    def __init__(self, app: Flask, address: str = "127.0.0.1", base_url: str = "http://localhost",
                 headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.address, self.base_url, self.headers = address, base_url, headers or {}

    def open(self, method: str, url: str, **kwargs: Any) -> TestResponse:
        db.session.commit()  # end the test's transaction: the request sees its data, the test sees the request's
        kwargs.setdefault("environ_overrides", {"REMOTE_ADDR": self.address})
        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("headers", self.headers)
        with self.app.app_context():
            return self.client.open(url, method=method, **kwargs)

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.open("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> TestResponse:
        return self.open("POST", url, **kwargs)

    def csrf_token(self, url: str = "/login") -> str:
        """The hidden csrf_token of the form on `url`, as a browser would submit it."""
        return hidden_input(self.get(url).get_data(as_text=True), "csrf_token")

    def sign_in(self, username: str, password: str, next_url: str | None = None) -> TestResponse:
        form = {"csrf_token": self.csrf_token(), "username": username, "password": password}
        if next_url is not None:
            form["next"] = next_url
        return self.post("/login", data=form)

    def sign_out(self) -> TestResponse:
        return self.post("/logout", data={"csrf_token": self.csrf_token("/account")})


def hidden_input(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert found, f"no {name} input on the page"
    return unescape(found.group(1))


def text(response: TestResponse) -> str:
    """The page a response carries, with HTML entities decoded (what a reader sees, tags aside)."""
    return unescape(response.get_data(as_text=True))


def error_at(page: str, name: str) -> str:
    """The message under the field `name`, which must be marked invalid and described by it (a screen reader
    then says the message on the field itself); the message's text is returned."""
    found = re.search(rf'<(?:p|ul) class="error" id="error-{re.escape(name)}">(.*?)</(?:p|ul)>', page, re.S)
    assert found, f"no error shown at {name}"
    assert re.search(rf'id="(?:f|group)-{re.escape(name)}"[^>]*aria-invalid="true"', page, re.S), \
        f"{name} is not marked invalid"
    assert re.search(rf'id="(?:f|group)-{re.escape(name)}"[^>]*aria-describedby="[^"]*error-{re.escape(name)}',
                     page, re.S), f"{name} is not described by its error"
    return re.sub(r"<[^>]+>", " ", found.group(1))

