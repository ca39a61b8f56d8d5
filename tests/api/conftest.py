"""API test fixtures: a client that signs requests with a bearer token for any user."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from app.accounts import tokens
from app.models import User


class ApiClient:
    """The test client with `as_=user` to send that user's bearer token (none: anonymous)."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()
        self._tokens: dict[int, str] = {}

    def token(self, user: User) -> str:
        if user.id not in self._tokens:
            self._tokens[user.id] = tokens.issue(user)[0]
        return self._tokens[user.id]

    def request(self, method: str, url: str, as_: User | None = None, headers: dict[str, str] | None = None,
                **kwargs: Any) -> TestResponse:
        headers = dict(headers or {})
        if as_ is not None:
            headers["Authorization"] = f"Bearer {self.token(as_)}"
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, as_: User | None = None, **kw: Any) -> TestResponse:
        return self.request("GET", url, as_, **kw)

    def post(self, url: str, as_: User | None = None, **kw: Any) -> TestResponse:
        return self.request("POST", url, as_, **kw)

    def patch(self, url: str, as_: User | None = None, **kw: Any) -> TestResponse:
        return self.request("PATCH", url, as_, **kw)

    def put(self, url: str, as_: User | None = None, **kw: Any) -> TestResponse:
        return self.request("PUT", url, as_, **kw)

    def delete(self, url: str, as_: User | None = None, **kw: Any) -> TestResponse:
        return self.request("DELETE", url, as_, **kw)


@pytest.fixture
def api(app: Flask) -> ApiClient:
    return ApiClient(app)
