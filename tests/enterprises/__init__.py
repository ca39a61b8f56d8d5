"""Enterprise registry tests; the registry files they import are built here, in memory (no binary fixtures)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

from app.enterprises.credit_code import check_character

ZH = ("统一社会信用代码", "企业名称", "所属区", "行业", "职工人数", "女职工人数", "是否建立工会", "登记注册类型")
EN = ("Unified Social Credit Code", "ENTERPRISE NAME", "district", "Industry", "Employees（人）", "women employees",
      "Has Union", "Ownership")


def code(n: int, district: str = "210102") -> str:
    """A valid credit code, different for each `n`."""
    first17 = f"91{district}MA{n:07d}"
    return first17 + check_character(first17)


def wrong_check(valid: str) -> str:
    """`valid` with another (wrong) check character."""
    return valid[:17] + ("0" if valid[17] != "0" else "1")


def xlsx(rows: Iterable[Sequence[Any]], header: Sequence[Any] = ZH, blank_rows_above: int = 0,
         title: str = "企业名录") -> bytes:
    """A workbook whose first sheet has `blank_rows_above` empty rows, the header, then `rows` (None: blank row)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for _ in range(blank_rows_above):
        sheet.append([])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row) if row is not None else [])
    book.create_sheet("说明").append(["第一张表是名录"])  # only the first sheet is read
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]], header: Sequence[Any] = ZH, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row if row is not None else [])
    return out.getvalue().encode(encoding)


def zip_bomb(megabytes: int) -> bytes:
    """A zip with an OOXML workbook's names whose worksheet inflates to `megabytes` MiB of zeros.

    The zeros are streamed into the archive, never held in memory; the archive is a few hundred KiB.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types '
                         'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("xl/workbook.xml", "<workbook/>")
        zeros = bytes(1024 * 1024)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(zeros)
    return out.getvalue()
