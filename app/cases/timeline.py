"""The case page's timeline: each audit event said in words, in the page's language.

The audit log keeps machine kinds and payloads ("task_completed", {"task": "record_proposal"}); people
read "Step done: 登记协商要约". A kind this table does not know yet is shown by its name, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import LazyString

from ..i18n import lazy
from .step_names import StepNames

# Each kind's sentence; %(step)s is the step (or timer) named in the payload.
EVENT_TEXT: dict[str, LazyString] = {
    "case_opened": lazy("Case opened"),
    "task_completed": lazy("Step done: %(step)s"),
    "task_returned": lazy("Returned: %(step)s"),
    "task_claimed": lazy("Step taken on: %(step)s"),
    "task_released": lazy("Step given back: %(step)s"),
    "task_assigned": lazy("Step assigned: %(step)s"),
    "timer_fired": lazy("Deadline reached: %(step)s"),
    "deadline_escalated": lazy("Deadline escalated"),
    "deadline_extended": lazy("Deadline extended by %(days)s days: %(step)s"),
    "comment_added": lazy("Comment added"),
    "document_added": lazy("Document added: %(filename)s"),
    "case_cancelled": lazy("Case cancelled"),
    "instructor_reassigned": lazy("Instructor changed"),
}


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: what happened, the detail worth quoting, who did it and when."""

    id: int
    kind: str
    text: str
    detail: str | None
    actor: str | None
    at: datetime


def describe(event: dict[str, Any], names: StepNames, lang: str) -> Entry:
    """An event of `queries.history` as a timeline entry."""
    payload = event["payload"] or {}
    step = payload.get("task") or payload.get("element") or payload.get("timer") or ""
    values = {"step": names.name(step, lang) if step else "", "days": payload.get("days", ""),
              "filename": payload.get("filename", "")}
    data = payload.get("data") or {}
    kind = event["kind"]
    if kind == "task_completed" and data.get("decision") == "return":
        kind = "task_returned"  # an approval sent back: say so, and quote why
    template = EVENT_TEXT.get(kind)
    text = str(template) % values if template is not None else kind
    detail = payload.get("reason") or payload.get("note") or data.get("comment") or None
    return Entry(event["id"], kind, text, detail, event["actor"], event["created_at"])
