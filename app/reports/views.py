"""The supervisors' dashboard pages: the overview, its heatmap data, and its downloads.

Thin views: the filters are read and checked here, every figure comes from `dashboard.py` (and through it
from `kpis.campaign_kpis`), and the files from `overdue_export.py` and `export.py`. The diagram and the
charts are drawn by `static/js/dashboard.js` from data-* attributes and `/dashboard/heatmap.json`.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import jsonify, render_template, request, send_file, url_for
from flask_login import current_user
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from workflows import clock

from ..accounts.permissions import can_watch_dashboard
from ..api.ids import Id
from ..cases.labels import stage_label
from ..errors import Invalid
from ..i18n import N_, current_lang, say
from ..navigation import page_exists
from ..pages import signed_in, web_blueprint
from . import dashboard as board
from .export import XLSX_TYPE, filename, workbook
from .kpis import campaign_kpis
from .overdue_export import CSV_TYPE, csv_bytes, xlsx_bytes

bp = web_blueprint("dashboard_web", __name__)
CASE_LIST = "cases_web.case_list"
ALL_CASES = "all"


class DashboardArgs(Schema):
    """?district_id=&campaign= (a campaign's id, or "all" for every case; none: the current campaign)."""

    class Meta:
        unknown = EXCLUDE

    district_id = Id()
    campaign = fields.String(validate=validate.Regexp(r"^(all|[1-9][0-9]{0,9})$"))


def _filters() -> tuple[board.Filters, list[Any]]:
    """The page's filters from the query string, checked against what the user watches; and the campaigns."""
    try:
        args = DashboardArgs().load({k: v for k, v in request.args.items() if v != ""})
    except ValidationError as error:
        raise Invalid(N_("Check the filters."), error.normalized_messages()) from error  # type: ignore[arg-type]
    choices = board.campaigns(current_user)
    campaign = args.get("campaign")
    campaign_id = int(campaign) if campaign and campaign != ALL_CASES else None
    filters = board.filters_for(current_user, args.get("district_id"), campaign_id, campaign == ALL_CASES,
                                    choices)
    return filters, choices


def _page_args(filters: board.Filters) -> dict[str, Any]:
    """The dashboard's own query arguments for these filters (exports and the heatmap keep them)."""
    args: dict[str, Any] = {"campaign": filters.campaign.id if filters.campaign else ALL_CASES}
    if filters.district:
        args["district_id"] = filters.district.id
    return args


def case_list_url(filters: board.Filters, **narrower: Any) -> str | None:
    """The case list filtered as a figure counts its cases, or None when the case list is not mounted."""
    if not page_exists(CASE_LIST):
        return None
    return url_for(CASE_LIST, **{**filters.query_args(), **narrower})


@bp.get("/dashboard")
@signed_in(can_watch_dashboard)
def dashboard() -> Any:
    """Overdue cases by district, stage and age; the process heatmap; instructors; the campaign's charts."""
    filters, choices = _filters()
    now = clock.now()
    lang = current_lang()
    figures = board.campaign_figures(current_user, filters)
    return render_template(
        "dashboard/dashboard.html", filters=filters, choices=choices, lang=lang,
        districts=board.districts_in_scope(current_user), page_args=_page_args(filters),
        table=board.overdue_table(current_user, filters, now), buckets=board.BUCKETS,
        heatmap=board.heatmap(current_user, filters, now), figures=figures, charts=_charts(figures, lang),
        case_list_url=case_list_url, stage_label=stage_label)


def _charts(figures: dict[str, Any], lang: str) -> dict[str, Any]:
    """The two charts' data as Chart.js takes it (labels, then one list per series), numbers as floats."""

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    targets = figures["targets"]
    if targets:
        coverage = {"labels": [t["label"] if lang == "zh" else t["label_en"] for t in targets],
                    "actual": [number(t["actual_pct"]) for t in targets],
                    "target": [number(t["target_pct"]) for t in targets]}
    else:
        row = figures["row"] or {}
        names = {"coverage_pct": N_("Coverage (static)"), "dynamic_coverage_pct": N_("Coverage (dynamic)"),
                 "wage_coverage_pct": N_("Wage contract coverage")}
        coverage = {"labels": [say(names[key]) for key in board.COVERAGE_RATES],
                    "actual": [number(row.get(key)) for key in board.COVERAGE_RATES], "target": []}
    stages = figures["cases_by_stage"]
    return {"coverage": coverage,
            "stages": {"labels": [stage_label(s, lang) for s in stages], "counts": list(stages.values())}}


@bp.get("/dashboard/heatmap.json")
@signed_in(can_watch_dashboard)
def heatmap() -> Any:
    """The process diagram's XML and, per element, the cases waiting there, the late ones and where a click leads."""
    filters, _ = _filters()
    data = board.heatmap(current_user, filters, clock.now())
    for element in data["elements"].values():
        element["url"] = case_list_url(filters, **element.pop("filter"))
    for step in data["steps"]:
        step["url"] = case_list_url(filters, step=step["bpmn_id"])
    return jsonify(data)


@bp.get("/dashboard/overdue.csv")
@signed_in(can_watch_dashboard)
def overdue_csv() -> Any:
    """Every overdue step in scope as CSV (UTF-8 with BOM)."""
    return _download(csv_bytes, CSV_TYPE, "csv")


@bp.get("/dashboard/overdue.xlsx")
@signed_in(can_watch_dashboard)
def overdue_xlsx() -> Any:
    """Every overdue step in scope as an XLSX workbook."""
    return _download(xlsx_bytes, XLSX_TYPE, "xlsx")


def _download(render: Any, mimetype: str, suffix: str) -> Any:
    filters, _ = _filters()
    now = clock.now()
    items = board.overdue_list(current_user, filters, now)
    name = f"overdue-{clock.today().isoformat()}.{suffix}"
    return send_file(BytesIO(render(items, current_lang())), mimetype=mimetype, as_attachment=True,
                     download_name=name, max_age=0)


@bp.get("/dashboard/kpis.xlsx")
@signed_in(can_watch_dashboard)
def kpi_workbook() -> Any:
    """The district summary form of the chosen campaign: the API's KPI workbook, for a signed-in browser."""
    filters, _ = _filters()
    report = campaign_kpis(current_user, filters.campaign.id if filters.campaign else None, "district")
    return send_file(BytesIO(workbook(report)), mimetype=XLSX_TYPE, as_attachment=True,
                     download_name=filename(report), max_age=0)
