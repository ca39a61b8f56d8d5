"""The district summary form: the workbook opens, is laid out like the paper form, and holds the KPI figures."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from app.reports.export import workbook
from app.reports.kpis import campaign_kpis

from .conftest import AS_OF, KpiWorld


def values(sheet: Worksheet, row: int, first: int = 1, last: int | None = None) -> list[Any]:
    last = last or sheet.max_column
    return [sheet.cell(row, column).value for column in range(first, last + 1)]


def form(kpi: KpiWorld, **kwargs: Any) -> Any:
    args = {"campaign_id": kpi.campaign.id, "by": "district", "as_of": AS_OF, **kwargs}
    return load_workbook(BytesIO(workbook(campaign_kpis(kpi.world.admin, **args))))


def test_the_summary_sheet_follows_the_paper_form(kpi: KpiWorld) -> None:
    book = form(kpi)
    assert book.sheetnames == ["汇总表", "指导员工作量", "逾期事项", "案件阶段"]
    sheet = book["汇总表"]
    assert sheet["A1"].value == "双合同月工资集体协商情况汇总表"
    assert "2026年双合同月" in sheet["A2"].value and "2026-06-30" in sheet["A2"].value
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:L1", "A2:L2", "A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:G3", "H3:J3", "K3:K4", "L3:L4"} <= merged
    assert values(sheet, 3) == ["地区", "应签企业数", "已签企业数", "建制率", None, "覆盖职工", None,
                                "集体合同（份）", None, None, "平均工资增幅", "逾期事项"]
    assert values(sheet, 4, 4, 10) == ["建制率（静态）", "动态建制率", "覆盖职工人数", "其中女职工", "工资专项",
                                       "综合性", "区域性/行业性"]
    # The figures of test_kpis.py: numbers as numbers, rates as fractions shown as percentages.
    assert values(sheet, 5) == ["和平区", 5, 4, 0.8, 0.6, 700, 290, 2, 1, 1, 0.0433, 1]
    assert values(sheet, 6) == ["沈河区", 2, 0, 0.0, 0.0, 0, 0, 0, 0, 0, None, 1]
    assert values(sheet, 7) == ["合计", 7, 4, 0.5714, 0.4286, 700, 290, 2, 1, 1, 0.0433, 2]
    # The targets beside their rates: the total, then each district.
    assert [values(sheet, row, 1, 5) for row in range(9, 14)] == [
        ["目标完成情况", "目标", "合计", "和平区", "沈河区"],
        ["已建工会企业集体合同签订率", 0.95, 0.6, 1.0, 0.0],
        ["工资专项集体合同签订率", 0.87, 0.4286, 0.6, 0.0],
        ["国有企业工资专项集体合同签订率", 1.0, 0.5, 1.0, 0.0],
        ["百人以上非公企业工资专项集体合同签订率", 0.9, 0.0, 0.0, 0.0]]
    assert sheet.cell(10, 2).number_format == "0.00%"
    assert {sheet.cell(5, c).number_format for c in (4, 5, 11)} == {"0.00%"}
    assert {sheet.cell(5, c).number_format for c in (2, 3, 6, 7, 8, 12)} == {"#,##0"}
    assert sheet["A7"].font.bold
    assert any("工资指导线（2026年）：下线 3.00%" in str(c.value) for c in sheet["A"] if c.value)


def test_the_other_sheets_list_instructors_overdue_steps_and_stages(kpi: KpiWorld) -> None:
    book = form(kpi)
    people = book["指导员工作量"]
    assert values(people, 2) == ["指导员", "账号", "在办案件（全市）", "案件上限", "负荷率", "本范围在办", "已签订",
                                 "逾期事项"]
    assert values(people, 3) == ["ins1", "ins1", 2, 2, 1.0, 1, 2, 1]
    assert values(people, 4) == ["ins2", "ins2", 1, 40, 0.025, 1, 1, 1]

    overdue = book["逾期事项"]
    assert values(overdue, 2) == ["步骤", "代码", "合计", "和平区", "沈河区"]
    assert values(overdue, 3) == ["企业报送备案", "file_agreement", 1, 0, 1]
    assert values(overdue, 4) == ["召开协商会议", "hold_meeting", 1, 1, 0]
    assert values(overdue, 5) == ["合计", None, 2, 1, 1]

    stages = book["案件阶段"]
    assert [values(stages, row) for row in range(3, 8)] == [
        ["协商会议", "negotiation", 1, 1, 0], ["报送备案", "filing", 1, 0, 1], ["协议生效", "in_force", 3, 2, 1],
        ["已完成", "completed", 1, 1, 0], ["合计", None, 6, 4, 2]]


def test_other_groupings_head_the_first_column_and_an_empty_form_has_empty_rates(kpi: KpiWorld) -> None:
    sheet = form(kpi, by="industry")["汇总表"]
    assert sheet["A3"].value == "行业"
    assert [sheet.cell(row, 1).value for row in range(5, 9)] == [
        "制造业", "交通运输、仓储和邮政业", "住宿和餐饮业", "合计"]
    empty = form(kpi, campaign_id=kpi.empty_campaign.id)["汇总表"]
    assert values(empty, 5) == ["合计", 0, 0, None, None, 0, 0, 0, 0, 0, None, 0]
