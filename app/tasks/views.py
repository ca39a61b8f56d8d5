"""Pages of the tasks: the inbox, claiming and releasing a step, and the task page with its form.

The pages read and write through the functions the API uses (tasks.service): the inbox is
`service.inbox` with the API's TaskListArgs, a step is done with `service.complete` and the case version
the page was drawn with, so a page and an API client can never disagree on a rule. The form is drawn
from the task's JSON Schema (web_form.py); an approval step shows the draft it decides on first
(approval.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from workflows import clock

from ..accounts import permissions
from ..cases import queries as case_queries
from ..cases.labels import STAGE_LABELS, lane_label, stage_label
from ..errors import Conflict, Invalid, field_errors
from ..i18n import _, current_lang, say
from ..models import CaseTask, User
from ..navigation import page_exists
from ..pages import field_messages, is_htmx, signed_in, web_blueprint
from . import approval, service
from .form_labels import GUIDELINE_POSITIONS, choice_label, field_label
from .schemas import LANES, TaskListArgs
from .service import TaskDetail, TaskView
from .step_names import step_name
from .web_form import apply_action, build_fields, read_form

bp = web_blueprint("tasks_web", __name__)
CASE_PAGE = "cases_web.case_page"


# ---------------------------------------------------------------------------- inbox
@dataclass
class InboxRow:
    """A task as one line of the inbox: its names in the page's language and what the user may do."""

    task: TaskView
    step: str
    stage: str
    days: int | None  # due in this many days (negative: overdue by as many)
    can_claim: bool
    can_release: bool


def _days_left(due_on: date | None) -> int | None:
    return (due_on - clock.today()).days if due_on is not None else None


def inbox_row(view: TaskView, user: User, mine: bool) -> InboxRow:
    """A row with its buttons. Rows of "mine" are the user's to act on by the inbox query's own clause,
    so only who holds them is asked; other rows ask the permission rules."""
    lang, row = current_lang(), view.row
    ready = row.state == "ready"
    if mine:
        claim, release = ready and row.assignee_id is None, ready and row.assignee_id == user.id
    else:
        claim = ready and row.assignee_id is None and permissions.can_claim_task(user, row.case, row)
        release = ready and row.assignee_id is not None and permissions.can_release_task(user, row.case, row)
    return InboxRow(view, step_name(row.bpmn_id, row.name, lang), stage_label(row.stage, lang),
                    _days_left(row.due_on), claim, release)


def _list_args(query: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The API's inbox filters from the query string; a bad filter is dropped and told at its field."""
    given = {key: value for key, value in query.items() if value != "" and key != "lang"}
    try:
        return TaskListArgs().load(given), {}
    except ValidationError as error:
        errors = field_errors(error.messages)
        kept = {key: value for key, value in given.items() if key not in errors}
        return TaskListArgs().load(kept), field_messages(errors)


@bp.get("/inbox")
@signed_in(permissions.has_inbox)
def inbox() -> Any:
    """What waits for the signed-in user (or every step of their cases), due first, overdue on top."""
    args, errors = _list_args(request.args)
    page = service.inbox(current_user, args)
    mine = args["scope"] == "mine"
    rows = [inbox_row(view, current_user, mine) for view in page["items"]]
    lang = current_lang()
    return render_template(
        "tasks/inbox.html", page=page, rows=rows, args=args, errors=errors,
        lanes=[(lane, lane_label(lane, lang)) for lane in LANES],
        stages=[(key, stage_label(key, lang)) for key in STAGE_LABELS],
    ), 422 if errors else 200


def _hand_over_answer(detail: TaskDetail, message: str) -> Any:
    """After a claim or release: the updated row for htmx, else back to where the user was."""
    if is_htmx():
        return render_template("tasks/_row.html", item=inbox_row(detail, current_user, False))
    flash(message, "success")
    return redirect(request.referrer or url_for("tasks_web.inbox"))


@bp.post("/tasks/<int:task_id>/claim")
@signed_in(permissions.has_inbox)
def claim(task_id: int) -> Any:
    """Take a step: nobody else of its side sees it in their inbox any more."""
    return _hand_over_answer(service.claim(task_id, current_user), _("You took this step."))


@bp.post("/tasks/<int:task_id>/release")
@signed_in(permissions.has_inbox)
def release(task_id: int) -> Any:
    """Give a step back to its side."""
    return _hand_over_answer(service.release(task_id, current_user), _("You gave this step back."))


# ---------------------------------------------------------------------------- the task page
@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@signed_in()  # whoever may see the case sees its steps (the service answers 404 otherwise)
def task_page(task_id: int) -> Any:
    """A step with its form (or what was submitted); a POST does the step, or adds or removes a row."""
    detail = service.get_task(task_id, current_user)
    if request.method == "GET" or detail.form_schema is None:
        return _task_page(detail, detail.data)
    data = read_form(detail.form_schema, request.form)
    if apply_action(detail.form_schema, data, request.form.get("_action", "")):
        return _task_page(detail, data)
    try:
        done = service.complete(task_id, current_user, data, _version(request.form.get("case_version")))
    except Invalid as error:
        return _task_page(detail, data, field_messages(error.errors), [say(error.message)], status=422)
    except Conflict as error:
        return _conflict(task_id, data, error)
    row = done["task"].row
    flash(_("Done: %(step)s.", step=step_name(row.bpmn_id, row.name, current_lang())), "success")
    for text in (warning.get("message", "") for warning in done["warnings"]):
        flash(say(text), "warning")
    if page_exists(CASE_PAGE):
        return redirect(url_for(CASE_PAGE, case_id=row.case_id))
    return redirect(url_for("tasks_web.inbox"))


def _version(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _conflict(task_id: int, data: dict[str, Any], error: Conflict) -> Any:
    """409: the step as it is now. Done by someone else: what they submitted; still open (another step
    changed the case): the user's entries kept, with the new version, to check and send again."""
    detail = service.get_task(task_id, current_user)
    if detail.state != "ready":
        who = detail.row.completed_by.display_name if detail.row.completed_by else _("the system")
        alert = _("Someone else completed this step first (%(who)s). Nothing of yours was saved.", who=who)
        return _task_page(detail, detail.data, alert=alert, status=409)
    alert = " ".join([say(error.message), _("Your entries are kept: check them and send the form again.")])
    return _task_page(detail, data, alert=alert, status=409)


def _task_page(detail: TaskDetail, data: dict[str, Any], errors: dict[str, list[str]] | None = None,
               summary: list[str] | None = None, alert: str = "", status: int = 200) -> Any:
    row, lang = detail.row, current_lang()
    fields, leftover = [], []
    if detail.form_schema is not None:
        fields, leftover = build_fields(detail.form_schema, data, errors or {}, _documents(detail))
    is_approval = approval.is_approval(row)
    return render_template(
        "tasks/task.html", detail=detail, row=row, case=row.case, fields=fields,
        summary=[*(summary or []), *leftover] if errors or summary else [], alert=alert,
        step=step_name(row.bpmn_id, row.name, lang), stage=stage_label(row.stage, lang),
        lane=lane_label(row.lane, lang), days=_days_left(row.due_on),
        approval=is_approval, check=approval.draft_check(row) if is_approval else None,
        editable=detail.can_complete, has_groups=any(f.kind == "group" for f in fields),
        completed_by=_completed_by(row), choice_label=choice_label, field_label=field_label,
        position_label=lambda key: str(GUIDELINE_POSITIONS.get(key, key)),
    ), status


def _documents(detail: TaskDetail) -> list[tuple[str, str]]:
    """The case's documents, for a form's document fields (read only when the form has one)."""
    if not any(key.endswith("document_id") for key in (detail.form_schema or {}).get("properties", {})):
        return []
    found = case_queries.documents(detail.case_id, current_user, 1, 200)["items"]
    return [(str(doc["id"]), doc["filename"]) for doc in found]


def _completed_by(row: CaseTask) -> str | None:
    return row.completed_by.display_name if row.state == "completed" and row.completed_by else None
