"""API bearer tokens: issued at sign-in with an expiry, stored as sha256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from workflows import clock

from ..extensions import db
from ..models import ApiToken, User


def _digest(raw: str) -> str:
    # The token is 256 random bits: a fast hash is enough, no salt or stretching needed.
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user: User, label: str | None = None) -> tuple[str, ApiToken]:
    """A new token for `user`; the raw value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(user_id=user.id, token_hash=_digest(raw), label=label, created_at=now,
                   expires_at=now + timedelta(hours=current_app.config["TOKEN_TTL_HOURS"]))
    db.session.add(row)
    db.session.commit()
    return raw, row


def resolve(raw: str) -> tuple[User, ApiToken] | None:
    """The active user and token for a raw bearer value, or None if unknown, expired or revoked."""
    row = db.session.execute(select(ApiToken).where(ApiToken.token_hash == _digest(raw))).scalar()
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now() or not row.user.active:
        return None
    return row.user, row


def revoke(token: ApiToken) -> None:
    """End a token now; a revoked token never works again."""
    token.revoked_at = token.revoked_at or clock.now()
    db.session.commit()


def revoke_all(user: User) -> None:
    """End every token of a user, in the caller's transaction (a disabled account signs out everywhere)."""
    now = clock.now()
    for row in db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id,
                                                         ApiToken.revoked_at.is_(None))).scalars():
        row.revoked_at = now
