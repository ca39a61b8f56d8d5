"""Importing the enterprise registry from a page: upload, the importer's dry run as a preview, then confirm.

The preview is the importer's own dry run (the API's `dry_run`), so the page shows exactly what the
import would do: counts of new, updated and unchanged enterprises, or every row error with its row
number as Excel shows it, and then nothing is saved. A clean file is kept on the server
(enterprises/import_uploads.py says why) and the "confirm import" button imports those same bytes.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.permissions import can_import_enterprises
from ..enterprises import import_uploads, importer
from ..enterprises.import_messages import import_message
from ..errors import DomainError
from ..i18n import _
from ..pages import signed_in
from .views import bp


@bp.get("/campaigns/import")
@signed_in(can_import_enterprises)
def import_form() -> Any:
    """The upload form."""
    return _page()


@bp.post("/campaigns/import")
@signed_in(can_import_enterprises)
def import_preview() -> Any:
    """The dry run of the uploaded file: its counts, or its row errors (422); a clean file is kept for confirming."""
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        limit = current_app.config["IMPORT_MAX_BYTES"] / (1024 * 1024)
        return _page({"file": [_("The file is larger than %(size)s MiB; import the registry in several files.",
                                 size=f"{limit:g}")]}, 413)
    if upload is None or not upload.filename:
        return _page({"file": [_("Choose an Excel workbook (.xlsx) or a CSV file.")]}, 422)
    content = upload.stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    try:
        report = importer.import_file(upload.filename, content, actor=current_user, dry_run=True)
    except DomainError as exc:  # refused as a whole: not a workbook, a zip bomb, too large, too many rows
        return _page(_file_errors(exc), exc.status)
    if report.errors:
        return _page(report=report, status=422)
    token = import_uploads.keep(report.file, content, current_user.id)
    return _page(report=report, token=token)


@bp.post("/campaigns/import/confirm")
@signed_in(can_import_enterprises)
def import_confirm() -> Any:
    """Import the file kept at the preview; every row is checked again, so a registry changed since is caught."""
    token = request.form.get("token", "")
    kept = import_uploads.take(token, current_user.id)
    if kept is None:
        return _page({"file": [_("The preview has expired; choose the file again.")]}, 422)
    try:
        report = importer.import_file(kept.name, kept.content, actor=current_user, dry_run=False)
    except DomainError as exc:
        import_uploads.discard(token)
        return _page(_file_errors(exc), exc.status)
    import_uploads.discard(token)
    if report.errors:
        return _page(report=report, status=422)
    flash(_("%(file)s imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.", file=report.file,
            created=report.created, updated=report.updated, unchanged=report.unchanged), "success")
    return redirect(url_for("campaigns_web.import_form"), 303)


def _file_errors(error: DomainError) -> dict[str, list[str]]:
    messages = error.errors.get("file") or [error.message]
    return {"file": [import_message(m) for m in messages]}


def _page(errors: dict[str, list[str]] | None = None, status: int = 200, *, report: importer.Report | None = None,
          token: str | None = None) -> Any:
    return render_template("campaigns/import.html", errors=errors or {}, report=report, token=token,
                           message=import_message, max_rows=current_app.config["IMPORT_MAX_ROWS"]), status
