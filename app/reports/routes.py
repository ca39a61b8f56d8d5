"""API: The campaign's KPIs, as JSON and as the district summary form (XLSX)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import send_file

from ..api.auth import current_user, make_blueprint
from .export import XLSX_TYPE, filename, workbook
from .kpis import campaign_kpis
from .schemas import KpiQuerySchema, KpiReportSchema

blp = make_blueprint("reports", "/reports", "The campaign's KPIs, as JSON and as the district summary form.")

BINARY = {"type": "string", "format": "binary"}
ATTACHMENT = {"Content-Disposition": {"description": "attachment; filename=wage-kpis-....xlsx",
                                      "schema": {"type": "string"}}}


@blp.route("/kpis", methods=["GET"])
@blp.arguments(KpiQuerySchema, location="query")
@blp.response(200, KpiReportSchema)
def get_kpis(args: dict[str, Any]) -> dict[str, Any]:
    """Coverage (static and dynamic), employees covered, agreements by type, wage increases against the
    guideline, cases by stage, overdue steps and instructors' load, by district, industry or size band.

    Administrators see the whole city, supervisors their districts, instructors their own cases;
    representatives get 403. The definitions of every figure are in `app/reports/kpis.py`.
    """
    return campaign_kpis(current_user(), **args)


@blp.route("/kpis.xlsx", methods=["GET"])
@blp.arguments(KpiQuerySchema, location="query")
@blp.response(200, BINARY, content_type=XLSX_TYPE, headers=ATTACHMENT,
              description="The district summary form (双合同月工资集体协商情况汇总表) as an XLSX attachment")
def export_kpis(args: dict[str, Any]) -> Any:
    """The same figures as GET /reports/kpis, as the summary form districts file, with sheets for the
    instructors, the overdue steps and the cases by stage."""
    report = campaign_kpis(current_user(), **args)
    return send_file(BytesIO(workbook(report)), mimetype=XLSX_TYPE, as_attachment=True,
                     download_name=filename(report))
