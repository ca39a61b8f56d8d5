"""Pages of cases: the list with its filters, the case page (summary, steps, deadlines, timeline, documents,
comments, cancel) and the JSON its live diagram is drawn from.

Every read and write goes through the functions the cases API calls (queries, service, comments,
deadlines, documents), so a page shows and changes exactly what the API would; what a user may see or
do comes from accounts.permissions, through those functions or, for showing a form, directly.
"""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from workflows.rulesets import DEFAULT_RULE_SET

from ..accounts.permissions import can_cancel_case, can_open_cases
from ..api.ids import MAX_ID
from ..documents import service as documents
from ..errors import Conflict, Forbidden, Invalid
from ..i18n import N_, _, current_lang, say
from ..pages import field_messages, is_htmx, signed_in, web_blueprint
from . import comments, conflicts, deadlines, list_filters, opening, queries, service
from .case_page import Forms, case_page_context
from .labels import STAGE_LABELS, stage_label
from .schemas import CaseDiagramSchema, DeadlineExtendSchema

bp = web_blueprint("cases_web", __name__)

CASE = f"/cases/<int(min=1, max={MAX_ID}):case_id>"  # a bigger number is no id: 404 before any query
LIST_PER_PAGE = 25


# ---------------------------------------------------------------------------- the list
@bp.get("/cases")
@signed_in()
def case_list() -> Any:
    """The cases the user may see, filtered by the API's list arguments; a bad value is a 422 naming its field."""
    raw = {key: value for key, value in request.args.items() if key != "lang"}
    choices = queries.filter_choices(current_user)
    names = {"district_id": {d.id: d.name for d in choices["districts"]},
             "instructor_id": {u.id: u.display_name for u in choices["instructors"]},
             "campaign_id": {c.id: c.name for c in choices["campaigns"]}}
    lang = current_lang()
    context = {
        "raw": raw, "choices": choices, "statuses": list_filters.STATUS_LABELS, "sorts": list_filters.SORT_LABELS,
        "lang": lang, "stage_label": stage_label, "may_open": can_open_cases(current_user),
        "stage_options": [(key, stage_label(key, lang)) for key in STAGE_LABELS],
        **{f"{name.removesuffix('_id')}_options": list(shown.items()) for name, shown in names.items()},
    }
    try:
        args = list_filters.parse(raw)
    except list_filters.ListArgsError as error:
        errors = field_messages(error.errors)
        labelled = [(list_filters.field_label(name), messages) for name, messages in errors.items()]
        return render_template("cases/list.html", errors=errors, labelled_errors=labelled, result=None,
                               chips=[], **context), 422
    args.setdefault("per_page", LIST_PER_PAGE)
    result = queries.list_cases(current_user, args)
    chips = list_filters.chips(args, raw, names)
    return render_template("cases/list.html", errors={}, labelled_errors=[], result=result, chips=chips, **context)


# ---------------------------------------------------------------------------- opening a case
@bp.route("/cases/new", methods=["GET", "POST"])
@signed_in(can_open_cases)
def open_case() -> Any:
    """A supervisor opens a case for an enterprise of their districts (several: a regional or industry case)."""
    if request.method == "GET":
        return _open_form({"rule_set": DEFAULT_RULE_SET, "campaign_id": request.args.get("campaign_id", "")}, {})
    values = opening.read(request.form)
    try:
        case = service.open_case(actor=current_user, **opening.arguments(values, current_user))
    except Invalid as error:
        errors = {opening.FIELD_OF.get(name, name): messages
                  for name, messages in field_messages(error.errors).items()}
        return _open_form(values, errors, [say(error.message)], 422)
    except Conflict as error:
        return _open_form(values, {}, [say(error.template, **error.details)], 409)
    flash(_("Case %(ref)s opened.", ref=case.ref), "success")
    return redirect(url_for("cases_web.case_page", case_id=case.id))


def _open_form(values: dict[str, str], errors: dict[str, list[str]], summary: list[str] | None = None,
               status: int = 200) -> Any:
    return render_template("cases/new.html", v=values, errors=errors, summary=summary or [],
                           choices=opening.choices(current_user, current_lang())), status


# ---------------------------------------------------------------------------- the case page
@bp.get(CASE)
@signed_in()
def case_page(case_id: int) -> Any:
    """Everything about one case the user may see (404 otherwise), with the forms they may use."""
    return _page(case_id, Forms())


def _page(case_id: int, forms: Forms, status: int = 200) -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    return render_template("cases/page.html", **case_page_context(case_id, current_user, page, forms)), status


@bp.get(CASE + "/diagram.json")
@signed_in()
def case_diagram(case_id: int) -> Any:
    """The data of the API's diagram route: the case's BPMN and the state of each step, for case_diagram.js."""
    return jsonify(CaseDiagramSchema().dump(queries.diagram(case_id, current_user)))


# ---------------------------------------------------------------------------- comments
@bp.post(CASE + "/comments")
@signed_in()
def add_comment(case_id: int) -> Any:
    """Add a comment: for htmx the comment and a fresh form, else back to the page; empty is refused at the field."""
    body = request.form.get("body", "")
    try:
        with conflicts.explaining(case_id):
            comment = comments.add_comment(case_id, current_user, body)
    except Invalid as error:
        forms = Forms(comment_errors=field_messages(error.errors), comment_body=body)
        if is_htmx():
            context = case_page_context(case_id, current_user, 1, forms, sections=False)
            return render_template("cases/_comment_form.html", **context), 422
        return _page(case_id, forms, 422)
    if is_htmx():
        context = case_page_context(case_id, current_user, 1, Forms(), sections=False)
        return render_template("cases/_comment_added.html", comment=comment, **context)
    flash(_("Your comment was added."), "success")
    return redirect(url_for("cases_web.case_page", case_id=case_id, _anchor="comments"))


# ---------------------------------------------------------------------------- documents
@bp.post(CASE + "/documents")
@signed_in()
def upload_document(case_id: int) -> Any:
    """Attach a file to the case; the documents service's rules (not empty, not too large) answer at the field."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(case_id, Forms(document_errors={"file": [_("Choose a file to upload.")]}), 422)
    try:
        with conflicts.explaining(case_id):
            doc = documents.upload(case_id, current_user, upload.filename, upload.read())
    except Invalid as error:
        return _page(case_id, Forms(document_errors=field_messages(error.errors)), 422)
    flash(_("The document %(name)s was added.", name=doc.filename), "success")
    return redirect(url_for("cases_web.case_page", case_id=case_id, _anchor="documents"))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Any:
    """A body above MAX_CONTENT_LENGTH is refused before it is read: say so at the file field of the case page."""
    case_id = (request.view_args or {}).get("case_id")
    if request.endpoint != "cases_web.upload_document" or case_id is None:
        return error
    limit = request.max_content_length or 0
    message = _("The file is too large: at most %(mib)s MiB.", mib=limit // (1024 * 1024))
    return _page(case_id, Forms(document_errors={"file": [message]}), 413)


@bp.get(CASE + "/documents/<int(min=1, max=" + str(MAX_ID) + "):document_id>")
@signed_in()
def download_document(case_id: int, document_id: int) -> Any:
    """Download a document of a case the user may see, as the API sends it."""
    doc = queries.document(case_id, document_id, current_user)
    response = send_file(documents.path_for(doc.sha256), mimetype=doc.content_type, as_attachment=True,
                         download_name=doc.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------- deadlines
@bp.post(CASE + "/deadlines/extend")
@signed_in()
def extend_deadline(case_id: int) -> Any:
    """Extend one of the case's deadlines through the API's deadline service (supervisors of the district)."""
    form = request.form
    values = {"timer_id": form.get("timer_id", ""), "days": form.get("days", ""), "reason": form.get("reason", "")}
    try:
        args = DeadlineExtendSchema().load({"days": values["days"], "reason": values["reason"]})
    except ValidationError as error:
        errors = {key: [str(m) for m in value] for key, value in error.normalized_messages().items()}
        return _page(case_id, Forms(extend_errors=field_messages(errors), extend_values=values), 422)
    with conflicts.explaining(case_id):
        try:
            view = deadlines.extend_deadline(case_id, values["timer_id"], args["days"], args.get("reason"),
                                             current_user, form.get("version", type=int))
        except Invalid as error:
            return _page(case_id, Forms(extend_errors=field_messages(error.errors), extend_values=values), 422)
    flash(_("The deadline now falls on %(day)s.", day=view["due_on"].isoformat() if view["due_on"] else "-"),
          "success")
    return redirect(url_for("cases_web.case_page", case_id=case_id, _anchor="deadlines"))


# ---------------------------------------------------------------------------- cancel
@bp.post(CASE + "/cancel")
@signed_in()
def cancel_case(case_id: int) -> Any:
    """Cancel the case (supervisors of its district): a reason and an explicit confirmation are required."""
    case = service.get_case(case_id, current_user)
    if not can_cancel_case(current_user, case):
        raise Forbidden(N_("Only a supervisor of the case's district may cancel it."))
    reason = request.form.get("cancel_reason", "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["cancel_reason"] = [_("Give a reason for cancelling.")]
    if request.form.get("confirm") != "yes":
        errors["confirm"] = [_("Confirm that the case is to be cancelled.")]
    if errors:
        return _page(case_id, Forms(cancel_errors=errors, cancel_reason=reason), 422)
    with conflicts.explaining(case_id):
        service.cancel_case(case_id, current_user, reason)
    flash(_("The case was cancelled."), "success")
    return redirect(url_for("cases_web.case_page", case_id=case_id))
