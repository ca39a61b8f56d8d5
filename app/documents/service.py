"""Store documents by sha256 under DOCUMENTS_DIR: the same bytes are kept once and never overwritten."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from uuid import uuid4

from flask import current_app

from workflows import clock

from ..errors import Invalid
from ..i18n import N_
from ..models import Case, CaseTask, Document, User
from .content_types import detect


def path_for(sha256: str) -> Path:
    """Where the bytes of a document live: DOCUMENTS_DIR/ab/abcdef..."""
    return Path(current_app.config["DOCUMENTS_DIR"]) / sha256[:2] / sha256


def _write_once(sha256: str, content: bytes) -> None:
    target = path_for(sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{uuid4().hex}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, target)  # atomic: a reader never sees half a file


def attach(case: Case, filename: str, content: bytes, actor: User | None, task: CaseTask | None = None) -> Document:
    """Add a document row to the caller's transaction; the file is written before the row is committed.

    Its type is read from its bytes (content_types.detect): the name and the browser's claim are not trusted."""
    if not content:
        raise Invalid(N_("The file is empty."), {"file": [N_("The file is empty.")]})
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if len(content) > limit:
        raise Invalid(N_("The file is too large."), {"file": [f"At most {limit // (1024 * 1024)} MiB."]})
    content_type = detect(content, filename)
    name = Path(filename or "document").name[:255]
    sha = hashlib.sha256(content).hexdigest()
    _write_once(sha, content)
    doc = Document(case_id=case.id, case_task_id=task.id if task else None, filename=name,
                   content_type=content_type, size=len(content), sha256=sha,
                   uploaded_by_id=actor.id if actor else None, uploaded_at=clock.now())
    return doc


def upload(case_id: int, actor: User, filename: str, content: bytes, task_id: int | None = None) -> Document:
    """Attach a file to a case (and optionally one of its tasks) as a person bound to the case."""
    from ..accounts.permissions import can_add_document
    from ..audit import service as audit
    from ..cases.service import get_case, transaction
    from ..errors import Forbidden, NotFound
    from ..extensions import db

    with transaction():
        case = get_case(case_id, actor)
        if not can_add_document(actor, case):
            raise Forbidden(N_("Only the parties of the case may add documents."))
        task = None
        if task_id is not None:
            task = next((t for t in case.tasks if t.id == task_id), None)
            if task is None:
                raise NotFound(N_("No such task in this case."))
        doc = attach(case, filename, content, actor, task)
        db.session.add(doc)
        db.session.flush()
        audit.record("document_added", {"document_id": doc.id, "filename": doc.filename, "sha256": doc.sha256,
                                        "size": doc.size}, actor=actor, case=case)
    return doc
