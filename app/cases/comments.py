"""Comments on a case: its parties add remarks, everyone who sees the case reads them; never edited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflows import clock

from ..accounts.permissions import can_comment
from ..api.paging import paginate
from ..audit import service as audit
from ..errors import Forbidden, Invalid
from ..extensions import db
from ..i18n import N_
from ..models import Comment, User
from .service import get_case, transaction

MAX_BODY = 4000


def add_comment(case_id: int, actor: User, body: str) -> Comment:
    """Add a remark to a case the actor takes part in (an administrator sees the case but may not)."""
    text = (body or "").strip()
    if not text or len(text) > MAX_BODY:
        raise Invalid(N_("Write a comment of 1 to 4000 characters."),
                      {"body": [N_("Length must be between 1 and 4000.")]})
    with transaction():
        case = get_case(case_id, actor)
        if not can_comment(actor, case):
            raise Forbidden(N_("Only the parties of the case may comment on it."))
        comment = Comment(case_id=case.id, author_id=actor.id, body=text, created_at=clock.now())
        db.session.add(comment)
        db.session.flush()
        audit.record("comment_added", {"comment_id": comment.id, "body": text}, actor=actor, case=case)
    return comment


def list_comments(case_id: int, actor: User, page: int, per_page: int) -> dict[str, Any]:
    """The comments of a case the actor may see, oldest first."""
    get_case(case_id, actor)
    query = select(Comment).where(Comment.case_id == case_id).order_by(Comment.created_at, Comment.id)
    return paginate(query, page, per_page)
