"""API: Negotiation cases: open, read, history, diagram, documents, comments."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import send_file, url_for

from ..api.auth import current_user, make_blueprint
from ..api.conditional import if_match_version
from ..api.multipart import MultipartParser
from ..api.paging import PageArgs, page_schema
from ..documents import service as documents
from . import comments, conflicts, deadlines, queries, service
from .schemas import (
    CaseCancelSchema,
    CaseCommentInSchema,
    CaseCommentSchema,
    CaseDetailSchema,
    CaseDiagramSchema,
    CaseDocumentSchema,
    CaseDocumentUploadSchema,
    CaseEventSchema,
    CaseListArgs,
    CaseSummarySchema,
    DeadlineExtendSchema,
    DeadlineSchema,
    OpenCaseSchema,
)

blp = make_blueprint("cases", "/cases", "Negotiation cases: open, read, history, diagram, documents, comments.")

ETAG = {"ETag": {"description": "The case's lock_version, quoted", "schema": {"type": "string"}}}
LOCATION = {"Location": {"description": "URL of the new case", "schema": {"type": "string"}}}
BINARY = {"type": "string", "format": "binary"}
CASE = "/<id:case_id>"  # a bigger number is no id: 404 before any query
DOCUMENT = f"{CASE}/documents/<id:document_id>"


blp.ARGUMENTS_PARSER = MultipartParser()  # the document upload's file and task_id come as one body


def _with_etag(detail: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    return detail, {"ETag": f'"{detail["lock_version"]}"'}


# ---------------------------------------------------------------------------- cases
@blp.route("", methods=["GET"])
@blp.arguments(CaseListArgs, location="query")
@blp.response(200, page_schema(CaseSummarySchema))
def list_cases(args: dict[str, Any]) -> dict[str, Any]:
    """The cases the caller may see, filtered and sorted (default: newest first)."""
    return queries.list_cases(current_user(), args)


@blp.route("", methods=["POST"])
@blp.arguments(OpenCaseSchema)
@blp.response(201, CaseDetailSchema, headers={**LOCATION, **ETAG})
def open_case(args: dict[str, Any]) -> Any:
    """Open a case for an enterprise (several: a regional or industry case); supervisors of its district only.

    An enterprise the caller may not see answers as an unknown one (422).
    """
    actor = current_user()
    case = service.open_case(enterprise_ids=args["enterprise_ids"], actor=actor, rule_set=args.get("rule_set"),
                             title=args.get("title"), campaign_id=args.get("campaign_id"))
    detail, headers = _with_etag(queries.detail(case, actor))
    return detail, 201, {**headers, "Location": url_for("cases.get_case", case_id=case.id)}


@blp.route(CASE, methods=["GET"])
@blp.response(200, CaseDetailSchema, headers=ETAG)
def get_case(case_id: int) -> Any:
    """The case page: where it stands, its open tasks with due dates explained, and what was done."""
    return _with_etag(queries.case_detail(case_id, current_user()))


@blp.route(CASE + "/cancel", methods=["POST"])
@blp.arguments(CaseCancelSchema)
@blp.response(200, CaseDetailSchema, headers=ETAG)
@blp.alt_response(409, response=HTTPStatus.CONFLICT.name)  # already closed: `current` says how it stands
def cancel_case(args: dict[str, Any], case_id: int) -> Any:
    """Cancel an open case with a reason (supervisors of its district); a closed case answers 409."""
    actor = current_user()
    with conflicts.explaining(case_id):
        case = service.cancel_case(case_id, actor, args["reason"])
    return _with_etag(queries.detail(case, actor))


@blp.route(CASE + "/history", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(CaseEventSchema))
def case_history(args: dict[str, Any], case_id: int) -> dict[str, Any]:
    """The case's audit log, oldest first; payloads as recorded (task data included)."""
    return queries.history(case_id, current_user(), args["page"], args["per_page"])


@blp.route(CASE + "/diagram", methods=["GET"])
@blp.response(200, CaseDiagramSchema)
def case_diagram(case_id: int) -> dict[str, Any]:
    """The BPMN the case runs on, with each element's state (completed, current, overdue, cancelled)."""
    return queries.diagram(case_id, current_user())


# ---------------------------------------------------------------------------- deadlines
@blp.route(CASE + "/deadlines", methods=["GET"])
@blp.response(200, DeadlineSchema(many=True))
def list_deadlines(case_id: int) -> list[dict[str, Any]]:
    """The case's running deadlines, earliest first, each explained (rule, start, count, holidays, extensions)."""
    return deadlines.list_deadlines(case_id, current_user())


@blp.route(CASE + "/deadlines/<string(maxlength=36):timer_id>/extend", methods=["POST"])
@blp.arguments(DeadlineExtendSchema)
@blp.response(200, DeadlineSchema, headers=ETAG)
@blp.alt_response(409, response=HTTPStatus.CONFLICT.name)
def extend_deadline(args: dict[str, Any], case_id: int, timer_id: str) -> Any:
    """Extend a step's deadline (supervisors of the case's district). The one extension the rules allow
    (coordination: once, at most 15 days) needs no reason; any other does. Recorded in the audit log.
    `If-Match` with the case's version refuses a stale change with 409."""
    actor = current_user()
    with conflicts.explaining(case_id):
        view = deadlines.extend_deadline(case_id, timer_id, args["days"], args.get("reason"), actor,
                                         if_match_version())
    version = service.get_case(case_id, actor).lock_version
    return view, {"ETag": f'"{version}"'}


# ---------------------------------------------------------------------------- documents
@blp.route(CASE + "/documents", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(CaseDocumentSchema))
def list_documents(args: dict[str, Any], case_id: int) -> dict[str, Any]:
    """The case's documents, oldest first."""
    return queries.documents(case_id, current_user(), args["page"], args["per_page"])


@blp.route(CASE + "/documents", methods=["POST"])
@blp.arguments(CaseDocumentUploadSchema, location="files")
@blp.response(201, CaseDocumentSchema)
@blp.alt_response(413, response=HTTPStatus.REQUEST_ENTITY_TOO_LARGE.name)
def upload_document(args: dict[str, Any], case_id: int) -> Any:
    """Attach a file (multipart/form-data) to the case, or to one of its tasks; parties of the case only.

    PDF, Word, Excel, PNG, JPEG, TIFF or plain text, judged by the content (not the name): another kind, or an
    empty file, answers 422; a body above the configured limit 413.
    """
    actor = current_user()
    upload = args["file"]
    with conflicts.explaining(case_id):
        doc = documents.upload(case_id, actor, upload.filename or "document", upload.read(),
                               task_id=args.get("task_id"))
    return queries.document_view(doc, actor)


@blp.route(DOCUMENT, methods=["GET"])
@blp.response(200, BINARY, content_type="*/*",  # whatever type the file was uploaded as: PDF, image, ...
              description="The file's bytes, sent as an attachment with its stored content type")
def download_document(case_id: int, document_id: int) -> Any:
    """Download a document of the case."""
    doc = queries.document(case_id, document_id, current_user())
    response = send_file(documents.path_for(doc.sha256), mimetype=doc.content_type, as_attachment=True,
                         download_name=doc.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------- comments
@blp.route(CASE + "/comments", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(CaseCommentSchema))
def list_comments(args: dict[str, Any], case_id: int) -> dict[str, Any]:
    """The case's comments, oldest first."""
    return comments.list_comments(case_id, current_user(), args["page"], args["per_page"])


@blp.route(CASE + "/comments", methods=["POST"])
@blp.arguments(CaseCommentInSchema)
@blp.response(201, CaseCommentSchema)
def add_comment(args: dict[str, Any], case_id: int) -> Any:
    """Add a comment; the parties of the case only (administrators read but do not comment)."""
    with conflicts.explaining(case_id):
        return comments.add_comment(case_id, current_user(), args["body"])
