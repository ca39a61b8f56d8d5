"""Matrix entries: user administration (administrators only, even for a missing user)."""

from typing import Any

from . import ADMIN_ONLY, ADMIN_ONLY_COLLECTION, Entry


def _path(mw: Any, t: str) -> str:
    return f"/api/v1/users/{mw.user_id(t)}"


def _new(mw: Any, t: str) -> dict[str, Any]:
    return {"username": f"new.{t}", "display_name": t, "role": "instructor", "password": "long-enough-pw"}


ENTRIES = [
    Entry("users.list_users", "GET", lambda mw, t: "/api/v1/users", ADMIN_ONLY_COLLECTION),
    Entry("users.create_user", "POST", lambda mw, t: "/api/v1/users", ADMIN_ONLY_COLLECTION, body=_new),
    Entry("users.get_user", "GET", _path, ADMIN_ONLY),
    Entry("users.update_user", "PATCH", _path, ADMIN_ONLY, body=lambda mw, t: {"display_name": "新名字"}),
]
