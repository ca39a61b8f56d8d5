"""Registry files kept between the preview of an import and its confirmation, on the server only.

Why keep the file rather than ask for it again or carry the rows in the page: the confirmation must
import exactly the bytes that were previewed (a second upload may be another file, and rows sent
back by the browser could be anything), and picking the file twice is a chore. So a clean preview
stores the upload under a random token in the instance folder with its owner, name, sha256 and an
expiry; the confirmation names the token, and only its owner may use it before it expires. The
import itself checks every row again when confirmed, so a registry changed meanwhile is caught.
Expired files are removed whenever a new one is kept.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app

from workflows import clock

KEEP_FOR = timedelta(hours=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}\Z")


@dataclass(frozen=True)
class KeptUpload:
    token: str
    name: str
    sha256: str
    content: bytes


def folder() -> Path:
    """IMPORT_UPLOADS_DIR, else `imports` in the instance folder; created when missing."""
    path = Path(current_app.config.get("IMPORT_UPLOADS_DIR") or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep(name: str, content: bytes, user_id: int) -> str:
    """Store the upload for `user_id`; its token."""
    _remove_expired()
    token = secrets.token_urlsafe(24)
    base = folder() / token
    base.with_suffix(".bin").write_bytes(content)
    meta = {"user_id": user_id, "name": name, "sha256": hashlib.sha256(content).hexdigest(),
            "expires_at": (clock.now() + KEEP_FOR).isoformat()}
    base.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def take(token: str, user_id: int) -> KeptUpload | None:
    """The upload kept under `token` for `user_id`, unless unknown, someone else's, expired or altered."""
    if not _TOKEN.match(token or ""):
        return None
    base = folder() / token
    try:
        meta = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
        content = base.with_suffix(".bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id or _expired(meta) or hashlib.sha256(content).hexdigest() != meta["sha256"]:
        return None
    return KeptUpload(token, meta["name"], meta["sha256"], content)


def discard(token: str) -> None:
    if _TOKEN.match(token or ""):
        for suffix in (".json", ".bin"):
            (folder() / token).with_suffix(suffix).unlink(missing_ok=True)


def _expired(meta: dict[str, str]) -> bool:
    try:
        return datetime.fromisoformat(meta["expires_at"]) <= clock.now()
    except (KeyError, ValueError):
        return True


def _remove_expired() -> None:
    for path in folder().glob("*.json"):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if _expired(meta):
            discard(path.stem)
