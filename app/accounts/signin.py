"""Signing in with a user name and password, throttled per account and per client address.

Failed attempts are rows in `login_attempt`, so every web worker and API worker counts the same
failures. An unknown user name costs the same hash as a known one, so timing tells nothing.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from workflows import clock

from ..errors import TooManyRequests, Unauthorized
from ..extensions import db
from ..models import LoginAttempt, User
from .passwords import hash_password, verify_password

_DUMMY: dict[str, str] = {}


def authenticate(username: str, password: str, address: str) -> User:
    """The active user with these credentials; raises Unauthorized or TooManyRequests.

    Records the attempt in its own commit: a failure is counted even though the caller fails.
    """
    username = (username or "").strip()[:64]
    address = (address or "unknown")[:64]
    _check_throttle(username, address)
    user = db.session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        verify_password(_dummy_hash(), password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.active
    db.session.add(LoginAttempt(username=username, address=address, succeeded=ok, at=clock.now()))
    db.session.commit()
    if not ok or user is None:
        raise Unauthorized("Wrong user name or password, or the account is disabled.",
                           {"password": ["Wrong user name or password."]})
    return user


def _check_throttle(username: str, address: str) -> None:
    cfg = current_app.config
    window = timedelta(seconds=cfg["LOGIN_WINDOW_SECONDS"])
    since = clock.now() - window
    for column, value, limit in ((LoginAttempt.username, username, cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
                                 (LoginAttempt.address, address, cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"])):
        failures = db.session.execute(
            select(func.count(), func.min(LoginAttempt.at))
            .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
        ).one()
        if failures[0] >= limit:
            retry = max(1, int((failures[1] + window - clock.now()).total_seconds()) + 1)
            raise TooManyRequests("Too many failed sign-ins; wait before trying again.",
                                  {"username": [f"Try again in {retry} seconds."]},
                                  headers={"Retry-After": str(retry)}, retry_after=retry)


def _dummy_hash() -> str:
    key = f"{current_app.config['ARGON2_TIME_COST']}:{current_app.config['ARGON2_MEMORY_KIB']}"
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-password")
    return _DUMMY[key]
