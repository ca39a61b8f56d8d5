"""Wage guidelines: each year's floor, baseline and upper line; list them, and set a year (new or again).

The form is loaded through the API's `GuidelineInputSchema` (percentages, two decimals) and saved with
`reference.guidelines.put_guideline`, which keeps the lines from crossing; both refusals land at the fields.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.permissions import can_manage_reference
from ..errors import Invalid, NotFound
from ..i18n import _
from ..models import WageGuideline
from ..pages import signed_in
from ..reference import guidelines
from ..reference.schemas import GuidelineInputSchema
from . import formdata
from .blueprint import bp

FIELDS = ("floor_pct", "baseline_pct", "upper_pct", "published_on")


@bp.get("/guidelines")
@signed_in(can_manage_reference)
def guideline_list() -> Any:
    """Every year's guideline, newest first (a few dozen rows at most: one page)."""
    rows = guidelines.list_guidelines(1, 200)["items"]
    return render_template("admin/guidelines.html", rows=rows)


@bp.route("/guidelines/edit", methods=["GET", "POST"])
@signed_in(can_manage_reference)
def guideline_edit() -> Any:
    """Set a year's guideline; `?year=` opens a year already set with its values."""
    if request.method == "GET":
        values: dict[str, Any] = {"year": request.args.get("year", "")}
        row = _existing(values["year"])
        if row is not None:
            values.update({name: _shown(getattr(row, name)) for name in FIELDS})
        return _form(values, {}, row)
    form = request.form
    values = {"year": formdata.text(form, "year"), **{name: formdata.text(form, name) for name in FIELDS}}
    year = formdata.number(values["year"])
    data, errors = formdata.load(GuidelineInputSchema(), {
        "floor_pct": values["floor_pct"], "baseline_pct": values["baseline_pct"],
        "upper_pct": values["upper_pct"] or None, "published_on": values["published_on"] or None})
    if not isinstance(year, int):
        errors["year"] = [_("Give a year, e.g. 2027.")]
    if not errors:
        try:
            guidelines.put_guideline(year, data, current_user)  # type: ignore[arg-type]
        except Invalid as error:
            errors = formdata.invalid_errors(error)
    if errors:
        return _form(values, errors, None)
    flash(_("The wage guideline of %(year)s is saved.", year=year), "success")
    return redirect(url_for("admin_web.guideline_list"))


def _existing(year: str) -> WageGuideline | None:
    number = formdata.number(year)
    if not isinstance(number, int):
        return None
    try:
        return guidelines.get_guideline(number)
    except NotFound:
        return None


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _form(values: dict[str, Any], errors: dict[str, list[str]], row: WageGuideline | None) -> Any:
    return render_template("admin/guideline_form.html", v=values, errors=formdata.shown(errors),
                           row=row), 422 if errors else 200
