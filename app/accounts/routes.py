"""API: sign in for a bearer token, revoke it, and say who is signed in."""

from __future__ import annotations

from typing import Any

from flask import g, request

from ..api.auth import current_user, make_blueprint, public
from . import tokens
from .schemas import TokenRequestSchema, TokenSchema, UserSchema
from .signin import authenticate

blp = make_blueprint("auth", "", "Sign in with a user name and password; API clients then send a bearer token.")


@blp.route("/auth/tokens", methods=["POST"])
@public
@blp.doc(security=[])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(args: dict[str, Any]) -> dict[str, Any]:
    """Sign in: a bearer token with an expiry (failed attempts are throttled per account and address)."""
    user = authenticate(args["username"], args["password"], request.remote_addr or "")
    raw, row = tokens.issue(user, args.get("label"))
    return {"token": raw, "id": row.id, "expires_at": row.expires_at}


@blp.route("/auth/tokens", methods=["DELETE"])
@blp.response(204)
def revoke_token() -> None:
    """Sign out: revoke the token this request was made with."""
    tokens.revoke(g.api_token)


@blp.route("/me", methods=["GET"])
@blp.response(200, UserSchema)
def me() -> Any:
    """The signed-in user, with their role and the districts or enterprises they are bound to."""
    return current_user()
