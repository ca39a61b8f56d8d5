"""API: The enterprise registry."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import current_app

from ..accounts.permissions import can_import_enterprises
from ..api.auth import current_user, make_blueprint
from ..api.multipart import MultipartParser
from ..api.paging import page_schema
from ..errors import Forbidden, Invalid
from ..i18n import N_
from ..models import Enterprise
from . import importer, service
from .schemas import (
    EnterpriseCreateSchema,
    EnterpriseImportSchema,
    EnterpriseQuerySchema,
    EnterpriseSchema,
    EnterpriseUpdateSchema,
    ImportFailedSchema,
    ImportReportSchema,
)

blp = make_blueprint("enterprises", "/enterprises", "The enterprise registry.")
blp.ARGUMENTS_PARSER = MultipartParser()  # the import's file and dry_run come as one multipart body


@blp.route("", methods=["GET"])
@blp.arguments(EnterpriseQuerySchema, location="query")
@blp.response(200, page_schema(EnterpriseSchema))
def list_enterprises(args: dict[str, Any]) -> dict[str, Any]:
    """The enterprises you may see, by name; filters narrow the list and its total."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return service.list_enterprises(current_user(), args, page, per_page)


@blp.route("", methods=["POST"])
@blp.arguments(EnterpriseCreateSchema)
@blp.response(201, EnterpriseSchema)
def create_enterprise(args: dict[str, Any]) -> Enterprise:
    """Register an enterprise (administrators anywhere, supervisors in their own districts)."""
    return service.create_enterprise(args, current_user())


@blp.route("/<id:enterprise_id>", methods=["GET"])
@blp.response(200, EnterpriseSchema)
def get_enterprise(enterprise_id: int) -> Enterprise:
    """One enterprise you may see."""
    return service.get_enterprise(enterprise_id, current_user())


@blp.route("/<id:enterprise_id>", methods=["PATCH"])
@blp.arguments(EnterpriseUpdateSchema)
@blp.response(200, EnterpriseSchema)
def update_enterprise(args: dict[str, Any], enterprise_id: int) -> Enterprise:
    """Change some fields; the credit code may be corrected but is checked like a new one."""
    return service.update_enterprise(enterprise_id, args, current_user())


@blp.route("/import", methods=["POST"])
@blp.arguments(EnterpriseImportSchema, location="files")
@blp.response(200, ImportReportSchema)
@blp.alt_response(413, response=HTTPStatus.REQUEST_ENTITY_TOO_LARGE.name)
@blp.alt_response(422, schema=ImportFailedSchema,
                  description="The file is refused (errors.file says why), or rows have errors (the report lists "
                              "each by row and column); nothing was saved")
def import_enterprises(args: dict[str, Any]) -> dict[str, Any]:
    """Import the registry from an .xlsx or CSV file (administrators; supervisors for their own districts).

    Every row is checked; the report lists each error by row and column. A dry run (the default) saves
    nothing and answers 200 with the report, errors included. A real run saves only a file without
    errors, in one transaction (new credit codes created, changed fields updated, the rest untouched);
    otherwise it answers 422 with the report. Above IMPORT_MAX_BYTES: 413.
    """
    actor = current_user()
    if not can_import_enterprises(actor):  # before the file is read: it tells nothing to whoever may not import
        raise Forbidden(N_("Only administrators, and supervisors for their own districts, import the registry."))
    upload = args["file"]
    content = upload.stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    report = importer.import_file(upload.filename or "upload", content, actor=actor, dry_run=args["dry_run"])
    body = ImportReportSchema().dump(report.as_dict())
    if report.errors and not report.dry_run:
        count = len(report.errors)
        raise Invalid(f"The file has {count} error{'s' if count > 1 else ''}; nothing was saved.",
                      {"file": [f"{count} error{'s' if count > 1 else ''} in the rows; see the report."]},
                      report=body)
    return body
