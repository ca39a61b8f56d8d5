"""Append events to the hash chain and verify it.

Each row stores sha256(previous hash + canonical JSON of the event). Appends are serialised (an
advisory lock on PostgreSQL; SQLite has one writer anyway) and `prev_hash` is unique, so two
transactions can never fork the chain: the loser fails and nothing of its change is kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from workflows import clock

from ..extensions import db
from ..models import AuditEvent, User

GENESIS = "0" * 64
_LOCK_KEY = 0x5741_4745  # "WAGE": the advisory lock that serialises appends on PostgreSQL
_SESSION_KEY = "audit_last_hash"


def canonical(event: dict[str, Any]) -> str:
    """The exact text that is hashed: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(prev_hash: str, event: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def _content(row: AuditEvent) -> dict[str, Any]:
    return {
        "case_id": row.case_id,
        "actor_id": row.actor_id,
        "actor": row.actor,
        "kind": row.kind,
        "payload": row.payload,
        "created_at": row.created_at.isoformat(),
    }


def _last_hash() -> str:
    session = db.session()
    cached = session.info.get(_SESSION_KEY)
    if cached:
        return cached
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = db.session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    return last or GENESIS


def record(kind: str, payload: dict[str, Any], *, actor: User | None, case_id: int | None = None) -> AuditEvent:
    """Append one event in the caller's transaction (call it last: the chain lock is held to commit)."""
    prev = _last_hash()
    row = AuditEvent(
        case_id=case_id,
        actor_id=actor.id if actor is not None else None,
        actor=actor.username if actor is not None else "system",
        kind=kind,
        payload=json.loads(canonical(payload)),
        created_at=clock.now().replace(microsecond=0),
        prev_hash=prev,
    )
    row.hash = digest(prev, _content(row))
    db.session.add(row)
    db.session().info[_SESSION_KEY] = row.hash
    return row


def forget_session_chain() -> None:
    """Drop the cached chain head: the next append reads it afresh (and takes the lock again)."""
    db.session().info.pop(_SESSION_KEY, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_on_transaction_end(session: Session) -> None:
    """The cached head is only valid inside the transaction that holds the chain lock."""
    session.info.pop(_SESSION_KEY, None)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a verification: rows checked and the first broken row, if any."""

    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def _rows(batch: int = 1000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = db.session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        db.session.expunge_all()


def verify() -> VerifyResult:
    """Walk the chain in id order; name the first row whose links or content do not hold."""
    prev, checked = GENESIS, 0
    for row in _rows():
        if row.prev_hash != prev:
            return VerifyResult(checked, row.id, "its link does not match the previous row (row removed or inserted)")
        if digest(row.prev_hash, _content(row)) != row.hash:
            return VerifyResult(checked, row.id, "its content does not match its hash (row edited)")
        prev, checked = row.hash, checked + 1
    return VerifyResult(checked)
