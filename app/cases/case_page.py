"""What the case page shows, gathered from the cases API's own reads, and the state of its forms.

The page is one template fed by one context: the view that shows it and the views that answer a form
with its errors (422) build it here, so a refused form re-renders the same page with the values kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..accounts.permissions import can_add_document, can_cancel_case, can_comment
from ..i18n import current_lang
from ..models import User
from ..models.cases import OPEN_STATUSES
from . import comments, deadlines, queries, service
from .labels import lane_label, stage_label
from .list_filters import STATUS_LABELS
from .step_names import StepNames
from .timeline import describe

TIMELINE_PER_PAGE = 20
# Documents and comments are listed whole on the page; a case gathers tens, not hundreds.
LISTED = 200


@dataclass
class Forms:
    """The page's forms as the user left them: field errors and the values to show again."""

    comment_errors: dict[str, list[str]] = field(default_factory=dict)
    comment_body: str = ""
    document_errors: dict[str, list[str]] = field(default_factory=dict)
    extend_errors: dict[str, list[str]] = field(default_factory=dict)
    extend_values: dict[str, str] = field(default_factory=dict)
    cancel_errors: dict[str, list[str]] = field(default_factory=dict)
    cancel_reason: str = ""


def case_page_context(case_id: int, user: User, page: int, forms: Forms, sections: bool = True) -> dict[str, Any]:
    """The case page's data for `user` (404 when the case is not visible); `sections=False` gives only the
    case and what the user may do, for a fragment answering an htmx form."""
    case = service.get_case(case_id, user, with_tasks=True)
    lang = current_lang()
    context: dict[str, Any] = {
        "case": case, "forms": forms, "lang": lang,
        "may_comment": can_comment(user, case), "may_add_document": can_add_document(user, case),
        "may_cancel": can_cancel_case(user, case) and case.status in OPEN_STATUSES,
    }
    if not sections:
        return context
    names = StepNames(case)
    history = queries.history(case_id, user, page, TIMELINE_PER_PAGE, newest_first=True)
    history["items"] = [describe(event, names, lang) for event in history["items"]]
    running = deadlines.list_deadlines(case_id, user)
    extendable = [d for d in running if d["can_extend"]]
    context.update(
        detail=queries.detail(case, user), names=names, stage_label=stage_label, lane_label=lane_label,
        status_label=lambda status: STATUS_LABELS.get(status, status),
        campaign_name=queries.campaign_names([case.campaign_id]).get(case.campaign_id or 0),
        deadlines=running, extendable=extendable, timeline=history,
        extend_options=[(d["id"], f'{d["name_zh"] if lang == "zh" else d["name"]} ({d["due_on"] or ""})')
                        for d in extendable],
        documents=queries.documents(case_id, user, 1, LISTED)["items"],
        comments=comments.list_comments(case_id, user, 1, LISTED)["items"],
    )
    return context
