"""Append events to the hash chains and verify them.

Every case has its own chain, and events that belong to no case (the holiday table, accounts) share
one global chain. A row stores sha256(previous hash + canonical JSON of the event); `prev_hash` is
unique, so no chain can fork. A case's newest hash is kept on the case row (`audit_head`): appending
costs no query and no lock (the case's optimistic version already serialises its changes), and a
deleted tail is found because the head no longer matches. Only the global chain takes a lock (an
advisory lock on PostgreSQL; SQLite has one writer anyway).
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
from ..models import AuditEvent, Case, User

GLOBAL_GENESIS = "0" * 64
_LOCK_KEY = 0x5741_4745  # "WAGE": the advisory lock that serialises the global chain on PostgreSQL
_SESSION_KEY = "audit_global_head"


def canonical(event: dict[str, Any]) -> str:
    """The exact text that is hashed: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(prev_hash: str, event: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def genesis(case_id: int | None) -> str:
    """The hash a chain starts from: distinct per case, so unique prev_hash holds across chains."""
    return GLOBAL_GENESIS if case_id is None else hashlib.sha256(f"wagecase:case:{case_id}".encode()).hexdigest()


def _content(row: Any) -> dict[str, Any]:
    return {
        "case_id": row.case_id,
        "actor_id": row.actor_id,
        "actor": row.actor,
        "kind": row.kind,
        "payload": row.payload,
        "created_at": row.created_at.isoformat(),
    }


def _global_head() -> str:
    session = db.session()
    cached = session.info.get(_SESSION_KEY)
    if cached:
        return cached
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = db.session.execute(
        select(AuditEvent.hash).where(AuditEvent.case_id.is_(None)).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar()
    return last or GLOBAL_GENESIS


def record(kind: str, payload: dict[str, Any], *, actor: User | None, case: Case | None = None) -> AuditEvent:
    """Append one event to its chain in the caller's transaction (a case must already have its id)."""
    prev = (case.audit_head or genesis(case.id)) if case is not None else _global_head()
    row = AuditEvent(
        case_id=case.id if case is not None else None,
        actor_id=actor.id if actor is not None else None,
        actor=actor.username if actor is not None else "system",
        kind=kind,
        payload=json.loads(canonical(payload)),
        created_at=clock.now().replace(microsecond=0),
        prev_hash=prev,
    )
    row.hash = digest(prev, _content(row))
    db.session.add(row)
    if case is not None:
        case.audit_head = row.hash
    else:
        db.session().info[_SESSION_KEY] = row.hash
    return row


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_on_transaction_end(session: Session) -> None:
    """The cached global head is only valid inside the transaction that holds the chain lock."""
    session.info.pop(_SESSION_KEY, None)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a verification: rows checked and the first broken row (or case), if any."""

    checked: int
    broken_id: int | None = None
    reason: str = ""
    broken_case_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None and self.broken_case_id is None


def _rows(batch: int = 1000) -> Iterator[Any]:
    """Plain rows in id order, a batch at a time: no ORM objects pile up in the session."""
    table = AuditEvent.__table__
    last_id = 0
    while True:
        rows = db.session.execute(select(table).where(table.c.id > last_id).order_by(table.c.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def verify() -> VerifyResult:
    """Walk every chain in id order; name the first row whose link or content does not hold.

    Then compare each case's stored head with its chain's last hash: a mismatch means the newest
    events of that case were removed (or the head was tampered with).
    """
    heads: dict[int | None, str] = {}
    checked = 0
    for row in _rows():
        expected = heads.get(row.case_id, genesis(row.case_id))
        if row.prev_hash != expected:
            return VerifyResult(checked, row.id, "its link does not match the previous row of its chain "
                                                 "(a row was removed or inserted)")
        if digest(row.prev_hash, _content(row)) != row.hash:
            return VerifyResult(checked, row.id, "its content does not match its hash (row edited)")
        heads[row.case_id] = row.hash
        checked += 1
    for case_id, head in db.session.execute(select(Case.id, Case.audit_head).order_by(Case.id)):
        if head != heads.get(case_id):
            return VerifyResult(checked, None, "the case's newest audit events are missing", case_id)
    return VerifyResult(checked)
