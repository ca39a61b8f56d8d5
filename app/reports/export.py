"""The KPIs as the district summary form (双合同月工资集体协商情况汇总表), an XLSX workbook.

The first sheet follows the paper form districts file after the campaign month: a title, the
campaign and date, two header rows with merged group headings, one row per district (or industry,
or size band), the 合计 row, the campaign's targets beside their rates, and the signature line.
Further sheets list the instructors' caseload and results, the overdue steps by step, and the cases
by stage. Every cell is filled from one `campaign_kpis()` result: the workbook never computes a
figure of its own, so it cannot disagree with the API. Counts are numbers and rates are fractions
with a percent format, so they add up and chart in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..cases.labels import stage_label

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "双合同月工资集体协商情况汇总表"
DIMENSION_HEADINGS = {"district": "地区", "industry": "行业", "size_band": "企业规模"}
PERCENT, COUNT = "0.00%", "#,##0"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
BOLD = Font(bold=True)

# The form's columns after the first: (heading of the group or None, column heading, row field, format).
# A field ending in _pct is a percentage; "agreements.wage" reads a nested figure.
COLUMNS: tuple[tuple[str | None, str, str, str], ...] = (
    (None, "应签企业数", "enterprises", COUNT),
    (None, "已签企业数", "covered", COUNT),
    ("建制率", "建制率（静态）", "coverage_pct", PERCENT),
    ("建制率", "动态建制率", "dynamic_coverage_pct", PERCENT),
    ("覆盖职工", "覆盖职工人数", "employees_covered", COUNT),
    ("覆盖职工", "其中女职工", "women_covered", COUNT),
    ("集体合同（份）", "工资专项", "agreements.wage", COUNT),
    ("集体合同（份）", "综合性", "agreements.comprehensive", COUNT),
    ("集体合同（份）", "区域性/行业性", "agreements.regional", COUNT),
    (None, "平均工资增幅", "average_wage_increase_pct", PERCENT),
    (None, "逾期事项", "overdue_steps", COUNT),
)


def workbook(report: dict[str, Any]) -> bytes:
    """The XLSX file of a `campaign_kpis()` result."""
    book = Workbook()
    _summary(book.active, report)
    _instructors(book.create_sheet("指导员工作量"), report)
    _by_group(book.create_sheet("逾期事项"), report, "overdue_by_step", "步骤", _step_labels(report))
    stages = list(report["total"]["cases_by_stage"])
    _by_group(book.create_sheet("案件阶段"), report, "cases_by_stage", "阶段",
              [(stage, stage_label(stage, "zh")) for stage in stages])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def filename(report: dict[str, Any]) -> str:
    """The download's name: which campaign, which grouping, which day."""
    campaign = report["campaign"]
    which = f"campaign-{campaign['id']}" if campaign else "all"
    return f"wage-kpis-{which}-{report['by']}-{report['as_of'].isoformat()}.xlsx"


# ---------------------------------------------------------------------------- sheet 1: the form
def _summary(sheet: Worksheet, report: dict[str, Any]) -> None:
    sheet.title = "汇总表"
    width = 1 + len(COLUMNS)
    campaign = report["campaign"]
    _banner(sheet, 1, width, TITLE, Font(bold=True, size=16))
    scope = campaign["name"] if campaign else "全部企业和案件"
    _banner(sheet, 2, width, f"活动：{scope}　　统计截至：{report['as_of'].isoformat()}　　"
                             f"分组：按{DIMENSION_HEADINGS[report['by']]}", Font(size=11))
    _form_header(sheet, 3, DIMENSION_HEADINGS[report["by"]])
    row = 5
    for data in [*report["rows"], report["total"]]:
        _cells(sheet, row, [data["label"], *(_value(data, field) for _, _, field, _ in COLUMNS)],
               [None, *(fmt for *_, fmt in COLUMNS)], bold=data is report["total"])
        row += 1
    row += 1
    if report["targets"]:
        row = _targets(sheet, row, report) + 1
    guideline = report["guideline"]
    if guideline is not None:
        upper = f"，上线 {guideline['upper_pct']}%" if guideline["upper_pct"] is not None else ""
        sheet.cell(row, 1, f"工资指导线（{guideline['year']}年）：下线 {guideline['floor_pct']}%，"
                           f"基准线 {guideline['baseline_pct']}%{upper}")
        row += 1
    sheet.cell(row, 1, "填报单位：")
    sheet.cell(row, 4, "填报人：")
    sheet.cell(row, 7, "审核人：")
    sheet.cell(row, 10, f"填报日期：{report['as_of'].isoformat()}")
    _widths(sheet, [18, *([12] * len(COLUMNS))])
    sheet.freeze_panes = "B5"


def _targets(sheet: Worksheet, top: int, report: dict[str, Any]) -> int:
    """The campaign's targets beside their rates, total first then each group; returns the next free row."""
    groups = [report["total"], *report["rows"]]
    for column, text in enumerate(["目标完成情况", "目标", *(g["label"] for g in groups)], start=1):
        _header_cell(sheet, top, column, text)
    formats = [None, *([PERCENT] * (1 + len(groups)))]
    for row, target in enumerate(report["targets"], start=top + 1):
        _cells(sheet, row, [target["label"], _fraction(target["target_pct"]),
                            *(_fraction(g["target_rates"].get(target["key"])) for g in groups)], formats)
    return top + 1 + len(report["targets"])


def _form_header(sheet: Worksheet, top: int, first: str) -> None:
    """Two header rows: a group heading merged over its columns, a lone heading merged over both rows."""
    _header_cell(sheet, top, 1, first)
    sheet.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
    column = 2
    while column - 2 < len(COLUMNS):
        group = COLUMNS[column - 2][0]
        if group is None:
            _header_cell(sheet, top, column, COLUMNS[column - 2][1])
            _header_cell(sheet, top + 1, column, None)
            sheet.merge_cells(start_row=top, start_column=column, end_row=top + 1, end_column=column)
            column += 1
            continue
        span = sum(1 for g, *_ in COLUMNS[column - 2:] if g == group)
        _header_cell(sheet, top, column, group)
        for offset in range(span):
            _header_cell(sheet, top + 1, column + offset, COLUMNS[column - 2 + offset][1])
            if offset:
                _header_cell(sheet, top, column + offset, None)
        sheet.merge_cells(start_row=top, start_column=column, end_row=top, end_column=column + span - 1)
        column += span


def _value(data: dict[str, Any], field: str) -> Any:
    """A row's figure for the sheet: counts as they are, percentages as fractions (None stays empty)."""
    value: Any = data
    for part in field.split("."):
        value = value[part]
    return _fraction(value) if field.endswith("_pct") else value


def _fraction(value: Decimal | None) -> float | None:
    return None if value is None else float(value / 100)


# ---------------------------------------------------------------------------- sheet 2: instructors
INSTRUCTOR_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("指导员", "display_name", None), ("账号", "username", None),
    ("在办案件（全市）", "caseload", COUNT), ("案件上限", "max_caseload", COUNT), ("负荷率", "load_pct", PERCENT),
    ("本范围在办", "open_cases", COUNT), ("已签订", "concluded", COUNT), ("逾期事项", "overdue_steps", COUNT),
)


def _instructors(sheet: Worksheet, report: dict[str, Any]) -> None:
    _banner(sheet, 1, len(INSTRUCTOR_COLUMNS), "指导员工作量及成效", Font(bold=True, size=14))
    for column, (heading, _, _) in enumerate(INSTRUCTOR_COLUMNS, start=1):
        _header_cell(sheet, 2, column, heading)
    for row, person in enumerate(report["instructors"], start=3):
        _cells(sheet, row, [_value(person, field) for _, field, _ in INSTRUCTOR_COLUMNS],
               [fmt for *_, fmt in INSTRUCTOR_COLUMNS])
    _widths(sheet, [14, 14, *([12] * (len(INSTRUCTOR_COLUMNS) - 2))])
    sheet.freeze_panes = "A3"


# ---------------------------------------------------------------------------- sheets 3-4: cross tables
def _step_labels(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(step["bpmn_id"], step["name_zh"]) for step in report["overdue_by_step"]]


def _by_group(sheet: Worksheet, report: dict[str, Any], field: str, heading: str,
              items: Sequence[tuple[str, str]]) -> None:
    """Items (steps, stages) down, the total then each group across; the last row sums each column."""
    groups = [report["total"], *report["rows"]]
    _banner(sheet, 1, 2 + len(groups), f"{sheet.title}（按{DIMENSION_HEADINGS[report['by']]}）",
            Font(bold=True, size=14))
    for column, text in enumerate([heading, "代码", *(g["label"] for g in groups)], start=1):
        _header_cell(sheet, 2, column, text)
    formats = [None, None, *([COUNT] * len(groups))]
    row = 3
    for key, label in items:
        _cells(sheet, row, [label, key, *(g[field].get(key, 0) for g in groups)], formats)
        row += 1
    _cells(sheet, row, ["合计", None, *(sum(g[field].values()) for g in groups)], formats, bold=True)
    _widths(sheet, [22, 20, *([12] * len(groups))])
    sheet.freeze_panes = "C3"


# ---------------------------------------------------------------------------- cells
def _banner(sheet: Worksheet, row: int, width: int, text: str, font: Font) -> None:
    cell = sheet.cell(row, 1, text)
    cell.font, cell.alignment = font, CENTRE
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _header_cell(sheet: Worksheet, row: int, column: int, text: str | None) -> None:
    cell = sheet.cell(row, column, text)
    cell.font, cell.alignment, cell.border = BOLD, CENTRE, BOX


def _cells(sheet: Worksheet, row: int, values: Sequence[Any], formats: Sequence[str | None],
           bold: bool = False) -> None:
    for column, (value, fmt) in enumerate(zip(values, formats, strict=True), start=1):
        cell = sheet.cell(row, column, value)
        cell.border = BOX
        if fmt is not None:
            cell.number_format = fmt
        if bold:
            cell.font = BOLD


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
