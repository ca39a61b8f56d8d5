"""The holiday table: a year's days off and swapped working days; add or remove a day; import a year's CSV.

An import is shown first as a preview (the service's dry run: what would be added or rewritten, or every
line's problem), and saved only when the administrator confirms it. The file travels back with the
confirmation as base64 in the form, so nothing is kept on the server between the two requests and the
saved file is exactly the one previewed (its sha256 goes into the audit log).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from workflows import clock
from workflows.calendar import package_covers

from ..accounts.permissions import can_manage_reference
from ..errors import NotFound
from ..i18n import N_, _
from ..pages import signed_in
from ..reference import holiday_import, holidays
from ..reference.schemas import HolidayInputSchema, HolidayQuerySchema
from . import formdata
from .blueprint import bp

KINDS = {"off": False, "work": True}


@bp.get("/holidays")
@signed_in(can_manage_reference)
def holiday_list() -> Any:
    """A year's entries, whether the packaged calendar knows the year, and the form to add a day."""
    asked, errors = formdata.load(HolidayQuerySchema(), {k: v for k, v in request.args.items() if k == "year" and v})
    year = asked.get("year") or clock.today().year
    return _page(year, {}, {}, 422 if errors else 200, errors)


@bp.post("/holidays")
@signed_in(can_manage_reference)
def holiday_add() -> Any:
    """Record a day off or a swapped working day; it wins over the packaged calendar from now on."""
    form = request.form
    values = {key: formdata.text(form, key) for key in ("day", "kind", "name")}
    data, errors = formdata.load(HolidayInputSchema(), {
        "name": values["name"], **({"is_workday": KINDS[values["kind"]]} if values["kind"] in KINDS else {})})
    if values["kind"] not in KINDS:
        errors["kind"] = [N_("Choose a day off or a working day.")]
    day = _parse_day(values["day"])
    if day is None:
        errors["day"] = [N_("Not a valid date.")]
    if errors:
        year = day.year if day else clock.today().year
        return _page(year, values, errors, 422)
    assert day is not None
    holidays.set_day(day, data["is_workday"], data["name"], actor=current_user)
    flash(_("%(day)s is saved in the holiday table.", day=day.isoformat()), "success")
    return redirect(url_for("admin_web.holiday_list", year=day.year))


@bp.post("/holidays/<day>/remove")
@signed_in(can_manage_reference)
def holiday_remove(day: str) -> Any:
    """Forget a day's entry: the packaged calendar (or the weekend) decides that day again."""
    parsed = _parse_day(day)
    if parsed is None or not holidays.remove_day(parsed, actor=current_user):
        raise NotFound(N_("%(day)s is not in the holiday table."), day=day)
    flash(_("%(day)s is removed from the holiday table.", day=parsed.isoformat()), "success")
    return redirect(url_for("admin_web.holiday_list", year=parsed.year))


@bp.route("/holidays/import", methods=["GET", "POST"])
@signed_in(can_manage_reference)
def holiday_import_page() -> Any:
    """Upload a CSV (date,kind,name): a preview first; "Import" saves exactly the previewed file."""
    if request.method == "GET":
        return render_template("admin/holiday_import.html", errors={}, preview=None)
    confirmed = "content" in request.form
    raw, filename = _uploaded() if not confirmed else _returned()
    if raw is None:
        return _import_page({"file": [N_("Choose a CSV file (date,kind,name).")]})
    try:
        source = holiday_import.read_upload(raw, filename)
        result = holiday_import.import_entries(source, actor=current_user, dry_run=not confirmed)
    except holiday_import.ImportRefused as refused:
        return _import_page({"file": refused.problems})
    if not confirmed:
        return render_template("admin/holiday_import.html", errors={}, preview=result, filename=filename,
                               content=base64.b64encode(raw).decode("ascii"))
    flash(_("Imported %(file)s: %(added)s days added, %(updated)s updated.", file=filename,
            added=sum(y.added for y in result.years), updated=sum(y.updated for y in result.years)), "success")
    return redirect(url_for("admin_web.holiday_list", year=result.years[0].year))


def _uploaded() -> tuple[bytes | None, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, ""
    return upload.read(holiday_import.MAX_CSV_BYTES + 1), upload.filename


def _returned() -> tuple[bytes | None, str]:
    try:
        return base64.b64decode(request.form["content"], validate=True), formdata.text(request.form, "filename")
    except (binascii.Error, ValueError):
        return None, ""


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _import_page(errors: dict[str, list[str]]) -> Any:
    return render_template("admin/holiday_import.html", errors=formdata.shown(errors), preview=None), 422


def _page(year: int, values: dict[str, str], errors: dict[str, list[str]], status: int,
          query_errors: dict[str, list[str]] | None = None) -> Any:
    days = holidays.list_days(year)
    return render_template("admin/holidays.html", year=year, days=days, package_data=package_covers(year),
                           v=values, errors=formdata.shown(errors), query_errors=formdata.shown(query_errors or {}),
                           ), status
