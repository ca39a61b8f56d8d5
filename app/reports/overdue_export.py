"""The dashboard's overdue list as a file: CSV (UTF-8 with a BOM, so Excel reads the Chinese) and XLSX.

Both files hold the same columns and rows, from `dashboard.overdue_list()`; the headings, stage and step
names are in the page's language. Dates are real dates and days late numbers in the workbook, so it sorts
and sums; the CSV writes them as ISO dates and integers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from io import BytesIO, StringIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from ..cases.labels import stage_label
from ..i18n import lazy

CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
HEADINGS = (lazy("Case number"), lazy("Title"), lazy("District"), lazy("Stage"), lazy("Step"),
            lazy("Due date"), lazy("Days late"), lazy("Instructor"))


def _rows(items: list[dict[str, Any]], lang: str) -> Iterator[list[Any]]:
    for item in items:
        yield [item["ref"], item["title"], item["district"], stage_label(item["stage"], lang),
               item["step_name_zh"] if lang == "zh" else item["step_name"], item["due_on"], item["days_late"],
               item["instructor"] or ""]


def csv_bytes(items: list[dict[str, Any]], lang: str) -> bytes:
    """The overdue list as CSV text in UTF-8, led by a byte order mark."""
    out = StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(h) for h in HEADINGS])
    for row in _rows(items, lang):
        writer.writerow([value.isoformat() if hasattr(value, "isoformat") else value for value in row])
    return (BOM + out.getvalue()).encode("utf-8")


def xlsx_bytes(items: list[dict[str, Any]], lang: str) -> bytes:
    """The overdue list as a one-sheet workbook, headings in bold and frozen."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(lazy("Overdue"))[:31]
    sheet.append([str(h) for h in HEADINGS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(items, lang):
        sheet.append(row)
    for column, width in zip("ABCDEFGH", (18, 36, 12, 14, 28, 12, 10, 14), strict=True):
        sheet.column_dimensions[column].width = width
    for (due,) in sheet.iter_rows(min_row=2, min_col=6, max_col=6):
        due.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
