"""GET /api/v1/reports/kpis and /kpis.xlsx: the figures as JSON and as the form's file, for those who may see them."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from tests.api.conftest import ApiClient
from tests.conftest import at
from workflows import clock

from .conftest import KpiWorld

URL = "/api/v1/reports/kpis"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_json_report_of_a_supervisor(api: ApiClient, kpi: KpiWorld) -> None:
    response = api.get(f"{URL}?campaign_id={kpi.campaign.id}&as_of=2026-06-30", as_=kpi.world.supervisor)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["as_of"], body["by"], body["campaign"]["id"]) == ("2026-06-30", "district", kpi.campaign.id)
    [row] = body["rows"]
    assert (row["key"], row["label"], row["enterprises"], row["covered"]) == ("210102", "和平区", 5, 4)
    assert (row["coverage_pct"], row["dynamic_coverage_pct"], row["regional_share_pct"]) == ("80.00", "60.00", "50.00")
    assert row["average_wage_increase_pct"] == "4.33"  # (6.50 + 2.50 + 4.00) / 3
    assert body["total"]["enterprises"] == 5
    assert body["targets"][0] == {"key": "coverage_pct", "label": "已建工会企业集体合同签订率",
                                  "label_en": "Collective contracts in unionised enterprises",
                                  "target_pct": "95.00", "actual_pct": "100.00"}  # E1 E3 E5 of district 1
    assert row["target_rates"]["wage_coverage_pct"] == "60.00"
    assert body["guideline"]["baseline_pct"] == "6.00"
    assert body["overdue_by_step"] == [
        {"bpmn_id": "hold_meeting", "name": "hold_meeting", "name_zh": "召开协商会议", "count": 1}]


def test_by_industry_and_as_of_today_by_default(api: ApiClient, kpi: KpiWorld) -> None:
    with clock.frozen_at(at("2026-06-30", 15)):
        body = api.get(f"{URL}?campaign_id={kpi.campaign.id}&by=industry", as_=kpi.world.admin).get_json()
    assert body["as_of"] == "2026-06-30"
    assert [(r["key"], r["coverage_pct"]) for r in body["rows"]] == [("C", "66.67"), ("G", "33.33"), ("H", "100.00")]
    assert body["total"]["coverage_pct"] == "57.14"  # 4 / 7


def test_an_empty_population_answers_null_rates(api: ApiClient, kpi: KpiWorld) -> None:
    body = api.get(f"{URL}?campaign_id={kpi.empty_campaign.id}", as_=kpi.world.admin).get_json()
    assert body["rows"] == []
    assert body["total"]["coverage_pct"] is None and body["total"]["dynamic_coverage_pct"] is None


def test_representatives_get_403_and_bad_queries_422(api: ApiClient, kpi: KpiWorld) -> None:
    for path in (URL, URL + ".xlsx"):
        refused = api.get(path, as_=kpi.world.union)
        assert (refused.status_code, refused.get_json()["code"]) == (403, "forbidden")
    admin = kpi.world.admin
    for query, field in [("by=ownership", "by"), ("as_of=1989-12-31", "as_of"), ("as_of=2026-02-30", "as_of"),
                         ("campaign_id=987654", "campaign_id"), ("campaign_id=0", "campaign_id")]:
        response = api.get(f"{URL}?{query}", as_=admin)
        assert response.status_code == 422, query
        assert field in response.get_json()["errors"], query


def test_the_xlsx_download(api: ApiClient, kpi: KpiWorld) -> None:
    response = api.get(f"{URL}.xlsx?campaign_id={kpi.campaign.id}&as_of=2026-06-30", as_=kpi.world.other_supervisor)
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=wage-kpis-campaign-{kpi.campaign.id}-district-2026-06-30.xlsx")
    sheet = load_workbook(BytesIO(response.data))["汇总表"]
    # District 2's supervisor: their row and the total, both 2 enterprises, none covered.
    assert [sheet.cell(row, column).value for row in (5, 6) for column in (1, 2, 3, 4)] == [
        "沈河区", 2, 0, 0.0, "合计", 2, 0, 0.0]


def test_the_openapi_document_describes_both_operations(api: ApiClient, kpi: KpiWorld) -> None:
    paths = api.get("/api/v1/openapi.json").get_json()["paths"]
    report = paths["/api/v1/reports/kpis"]["get"]
    assert {p["name"] for p in report["parameters"]} == {"campaign_id", "by", "as_of"}
    assert "KpiReport" in report["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    export = paths["/api/v1/reports/kpis.xlsx"]["get"]
    assert list(export["responses"]["200"]["content"]) == [XLSX]
