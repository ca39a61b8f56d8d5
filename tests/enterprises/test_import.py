"""Importing the enterprise registry from .xlsx and CSV files: the service and `flask import-enterprises`."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import func, select

from app.audit.service import verify
from app.enterprises import importer
from app.enterprises.importer import FileTooLarge, ImportRefused, Report
from app.errors import Forbidden
from app.extensions import db
from app.models import AuditEvent, Enterprise, User
from tests.conftest import World
from tests.helpers import open_case

from . import EN, ZH, code, csv_bytes, wrong_check, xlsx, zip_bomb

# Three enterprises as an office would list them: district by name or by code, industry by name or letter.
ROWS: list[list[Any]] = [
    [code(1), "华信精密机械有限公司", "和平区", "制造业", 250, 80, "是", "私营"],
    [code(2), "北方物流（沈阳）有限公司", "210103", "G", 40, None, "否", "外商投资"],
    [code(3), "和平区第一幼儿园", "和平区", "P 教育", 12, 11, "有", None],
]
EXPECTED = {
    code(1): ("华信精密机械有限公司", "和平区", "C", 250, 80, True, "private"),
    code(2): ("北方物流（沈阳）有限公司", "沈河区", "G", 40, 0, False, "foreign"),
    code(3): ("和平区第一幼儿园", "和平区", "P", 12, 11, True, None),
}


def run(name: str, content: bytes, actor: User | None = None, dry_run: bool = False) -> Report:
    return importer.import_file(name, content, actor=actor, dry_run=dry_run)


def registry(codes: Any = None) -> dict[str, tuple[Any, ...]]:
    """The registry's rows (all, or those of `codes`) as the import sets them."""
    db.session.expire_all()
    rows = db.session.execute(select(Enterprise)).scalars()
    return {e.credit_code: (e.name, e.district.name, e.industry, e.employees, e.women_employees, e.has_union,
                            e.ownership) for e in rows if codes is None or e.credit_code in codes}


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Enterprise))


def import_events() -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.kind == "enterprises_imported")
                                   .order_by(AuditEvent.id)).scalars())


def where(report: Report) -> set[tuple[int, str | None, str | None]]:
    return {(e.row, e.column, e.field) for e in report.errors}


# ---------------------------------------------------------------------------- valid files
@pytest.mark.parametrize(("name", "build", "header"), [
    ("名录.xlsx", xlsx, ZH), ("registry.xlsx", xlsx, EN), ("名录.csv", csv_bytes, ZH), ("registry.csv", csv_bytes, EN),
], ids=["xlsx-zh", "xlsx-en", "csv-zh", "csv-en"])
def test_a_valid_file_registers_every_enterprise_with_its_fields(world: World, name: str, build: Any,
                                                                 header: tuple[str, ...]) -> None:
    content = build(ROWS, header=header)
    report = run(name, content)
    assert (report.rows, report.created, report.updated, report.unchanged, report.errors) == (3, 3, 0, 0, [])
    assert report.saved and report.warnings == []
    assert registry(EXPECTED) == EXPECTED
    assert count() == 5  # the world's two, and the three
    (event,) = import_events()
    assert event.actor == "system"
    assert event.payload == {"file": name, "sha256": report.sha256, "format": name.rsplit(".", 1)[1], "rows": 3,
                             "created": 3, "updated": 0, "unchanged": 0}
    assert verify().ok


def test_gb18030_csv_as_excel_saves_it_on_chinese_windows(world: World) -> None:
    content = csv_bytes(ROWS, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really not UTF-8
    report = run("名录.csv", content)
    assert report.created == 3 and not report.errors
    assert registry(EXPECTED) == EXPECTED


def test_the_header_is_the_first_non_blank_row_and_rows_are_numbered_as_excel_shows_them(world: World) -> None:
    rows = [ROWS[0], None, [wrong_check(code(2)), *ROWS[1][1:]], ROWS[2]]
    report = run("名录.xlsx", xlsx(rows, blank_rows_above=2))  # header on row 3; rows 4, (5 blank), 6, 7
    assert report.rows == 3
    assert where(report) == {(6, "统一社会信用代码", "credit_code")}


def test_unknown_columns_are_ignored_with_a_warning(world: World) -> None:
    header = (*ZH[:2], "备注", *ZH[2:])
    rows = [[*row[:2], "老客户", *row[2:]] for row in ROWS]
    report = run("名录.xlsx", xlsx(rows, header=header))
    assert report.created == 3 and not report.errors
    assert report.warnings == ['Column "备注" is not a registry field; it was ignored.']


# ---------------------------------------------------------------------------- errors
def test_an_error_in_every_column_is_reported_by_row_and_column_and_nothing_is_saved(world: World) -> None:
    rows: list[list[Any]] = [
        [wrong_check(code(1)), "甲公司", "和平区", "C", 10, 2, "是", "私营"],    # 2: check character
        [code(2), "  ", "和平区", "C", 10, 2, "是", "私营"],                    # 3: name required
        [code(3), "丙公司", "铁西区", "C", 10, 2, "是", "私营"],                 # 4: unknown district
        [code(4), "丁公司", "和平区", "制药业", 10, 2, "是", "私营"],            # 5: no such section
        [code(5), "戊公司", "和平区", "C", "十人", 2, "是", "私营"],             # 6: not a number
        [code(6), "己公司", "和平区", "C", -3, None, "是", "私营"],              # 7: negative
        [code(7), "庚公司", "和平区", "C", 10, 12, "是", "私营"],                # 8: more women than employees
        [code(8), "辛公司", "和平区", "C", 10, 2, "也许", "私营"],               # 9: neither yes nor no
        [code(9), "壬公司", "和平区", "C", 10, 2, "是", "合伙"],                 # 10: unknown ownership
        [code(10), "癸公司", "和平区", "C", 10, 2, "是", "私营"],                # 11: fine
        [code(10), "癸公司二", "和平区", "C", 10, 2, "是", "私营"],              # 12: duplicate of row 11
        [9.14403001922038e17, "子公司", "和平区", "C", 10.5, 2, None, "私营"],  # 13: number code, 10.5, blank
    ]
    before = count()
    report = run("名录.xlsx", xlsx(rows))
    assert where(report) == {
        (2, "统一社会信用代码", "credit_code"), (3, "企业名称", "name"), (4, "所属区", "district"),
        (5, "行业", "industry"), (6, "职工人数", "employees"), (7, "职工人数", "employees"),
        (8, "女职工人数", "women_employees"), (9, "是否建立工会", "has_union"), (10, "登记注册类型", "ownership"),
        (12, "统一社会信用代码", "credit_code"), (13, "统一社会信用代码", "credit_code"), (13, "职工人数", "employees"),
        (13, "是否建立工会", "has_union"),
    }
    messages = {(e.row, e.field): e.message for e in report.errors}
    assert messages[(2, "credit_code")].startswith("The check character should be")
    assert "铁西区" in messages[(4, "district")]
    assert messages[(12, "credit_code")] == f"{code(10)} is already given on row 11."
    assert "15 digits" in messages[(13, "credit_code")]
    assert messages[(13, "has_union")] == "Required: the cell is empty."
    assert str(report.errors[0]).startswith("row 2, 统一社会信用代码: The check character should be")
    assert [e.row for e in report.errors] == sorted(e.row for e in report.errors)
    assert not report.saved and count() == before and import_events() == []


def test_missing_required_columns_are_named_and_no_row_is_checked(world: World) -> None:
    header = ("信用代码", "单位名称", "区县", "从业人数")  # no industry, no union column
    report = run("名录.csv", csv_bytes([[code(1), "甲", "和平区", "x"]], header=header))
    assert {(e.field, e.column) for e in report.errors} == {("industry", None), ("has_union", None)}
    assert all(e.row == 1 for e in report.errors)
    assert "行业" in next(e.message for e in report.errors if e.field == "industry")
    assert count() == 2


def test_a_column_given_twice_is_an_error(world: World) -> None:
    header = (*ZH, "信用代码")
    report = run("名录.csv", csv_bytes([[*ROWS[0][:7], "私营", code(9)]], header=header))
    assert where(report) == {(1, "信用代码", "credit_code")}


def test_a_dry_run_checks_everything_and_writes_nothing(world: World) -> None:
    report = run("名录.xlsx", xlsx(ROWS), dry_run=True)
    assert (report.created, report.updated, report.unchanged, report.saved) == (3, 0, 0, False)
    assert count() == 2 and import_events() == []


# ---------------------------------------------------------------------------- refused files
@pytest.mark.parametrize(("content", "says"), [
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "it is a PDF document"),
    ("统一社会信用代码,企业名称\n".encode(), "it is a text file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old-format (.xls)"),
    (b"", "it is empty"),
], ids=["pdf", "text", "xls", "empty"])
def test_a_file_named_xlsx_that_is_no_workbook_is_refused(world: World, content: bytes, says: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        run("名录.xlsx", content)
    assert refused.value.errors["file"][0].startswith('"名录.xlsx" is not an Excel workbook (.xlsx): ')
    assert says in refused.value.message
    assert count() == 2 and import_events() == []


def test_a_zip_that_is_not_a_workbook_is_refused(world: World, tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")  # a Word file
    with pytest.raises(ImportRefused, match=r"without xl/workbook\.xml"):
        run("名录.xlsx", path.read_bytes())


def test_binary_content_named_csv_is_refused(world: World) -> None:
    with pytest.raises(ImportRefused, match="not a CSV text file"):
        run("名录.csv", "统一社会信用代码\x00企业名称".encode())
    with pytest.raises(ImportRefused, match="not a CSV text file"):
        run("名录.csv", xlsx(ROWS))


@pytest.mark.parametrize(("megabytes", "says"), [(200, "would unpack to 200 MiB"), (60, "compressed")],
                         ids=["over-the-total", "absurd-ratio"])
def test_a_zip_bomb_is_refused_without_being_inflated(world: World, monkeypatch: pytest.MonkeyPatch,
                                                      megabytes: int, says: str) -> None:
    bomb = zip_bomb(megabytes)
    assert len(bomb) < 1024 * 1024  # small enough to pass the size limit

    def inflating(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a member of the zip bomb was read")

    monkeypatch.setattr(zipfile.ZipFile, "open", inflating)  # every member read goes through it
    monkeypatch.setattr(openpyxl, "load_workbook", inflating)
    with pytest.raises(ImportRefused) as refused:
        run("名录.xlsx", bomb)
    assert says in refused.value.message and "zip bomb" in refused.value.message
    assert count() == 2


def test_a_file_above_the_size_limit_is_refused_unread(app: Flask, world: World,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    content = csv_bytes(ROWS)
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", len(content) - 1)
    with pytest.raises(FileTooLarge) as refused:
        run("名录.csv", content)
    assert refused.value.status == 413 and "larger than" in refused.value.message
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", len(content))
    assert run("名录.csv", content, dry_run=True).created == 3


def test_more_rows_than_the_limit_are_refused(app: Flask, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    with pytest.raises(ImportRefused, match="more than 2 rows"):
        run("名录.xlsx", xlsx(ROWS))
    assert count() == 2


# ---------------------------------------------------------------------------- upsert
def test_importing_the_same_file_again_changes_nothing(world: World) -> None:
    content = xlsx(ROWS)
    run("名录.xlsx", content)
    first = {e.credit_code: (e.created_at, e.updated_at) for e in db.session.execute(select(Enterprise)).scalars()}
    again = run("名录.xlsx", content)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 3, [])
    db.session.expire_all()
    assert {e.credit_code: (e.created_at, e.updated_at)
            for e in db.session.execute(select(Enterprise)).scalars()} == first
    assert all(updated is None for _, updated in first.values())
    assert registry(EXPECTED) == EXPECTED and count() == 5


def test_an_update_changes_only_what_changed(world: World) -> None:
    run("名录.xlsx", xlsx(ROWS))
    changed = [list(row[:7]) for row in ROWS]  # no ownership column: ownership stays as registered
    changed[1][4] = 45                          # employees of enterprise 2
    changed[2][6] = "否"                        # union of enterprise 3
    report = run("名录.csv", csv_bytes(changed, header=ZH[:7]))
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    assert registry(EXPECTED) == {
        code(1): EXPECTED[code(1)],
        code(2): ("北方物流（沈阳）有限公司", "沈河区", "G", 45, 0, False, "foreign"),
        code(3): ("和平区第一幼儿园", "和平区", "P", 12, 11, False, None),
    }
    stamped = {e.credit_code for e in db.session.execute(select(Enterprise)).scalars() if e.updated_at is not None}
    assert stamped == {code(2), code(3)}
    assert [e.payload["updated"] for e in import_events()] == [0, 2]


def test_the_world_enterprise_is_updated_by_its_credit_code(world: World) -> None:
    row = [world.enterprise.credit_code, world.enterprise.name, "和平区", "C", 300, 40, "是", "国有企业"]
    report = run("名录.xlsx", xlsx([row]))
    assert (report.created, report.updated) == (0, 1)
    db.session.expire_all()
    enterprise = db.session.get(Enterprise, world.enterprise.id)
    assert (enterprise.employees, enterprise.women_employees, enterprise.ownership) == (300, 40, "state")


def test_fewer_employees_than_the_registered_women_is_a_row_error(world: World) -> None:
    row = [world.enterprise.credit_code, world.enterprise.name, "和平区", "C", 10, "是"]  # 40 women registered
    report = run("名录.csv", csv_bytes([row], header=(*ZH[:5], ZH[6])))
    assert where(report) == {(2, "职工人数", "employees")}


def test_moving_an_enterprise_with_an_open_case_is_a_row_error(world: World) -> None:
    open_case(world)
    row = [world.enterprise.credit_code, world.enterprise.name, "沈河区", "C", 120, 40, "是", None]
    report = run("名录.xlsx", xlsx([row]))
    assert where(report) == {(2, "所属区", "district")}
    assert "open case" in report.errors[0].message
    db.session.expire_all()
    assert db.session.get(Enterprise, world.enterprise.id).district_id == world.district.id


# ---------------------------------------------------------------------------- who may import
def test_a_supervisor_imports_their_own_districts_rows_only(world: World) -> None:
    rows = [ROWS[0], ROWS[1],  # row 3: 沈河区 is not sup1's
            [world.other_enterprise.credit_code, "东方商贸有限公司", "和平区", "F", 50, 10, "是", None]]
    report = run("名录.xlsx", xlsx(rows), actor=world.supervisor)
    assert where(report) == {(3, "所属区", "district"), (4, "统一社会信用代码", "credit_code")}
    assert report.errors[1].message == "This credit code is already registered outside your districts."
    assert count() == 2
    mine = run("名录.xlsx", xlsx([ROWS[0], ROWS[2]]), actor=world.supervisor)
    assert mine.created == 2 and mine.saved
    assert import_events()[0].actor == "sup1"


@pytest.mark.parametrize("role", ["instructor", "union", "employer"])
def test_other_roles_may_not_import(world: World, role: str) -> None:
    with pytest.raises(Forbidden):
        run("名录.xlsx", b"not even read", actor=getattr(world, role), dry_run=True)


# ---------------------------------------------------------------------------- the command
def invoke(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["import-enterprises", *args])


def test_the_command_imports_with_a_progress_bar_and_prints_the_counts(app: Flask, world: World,
                                                                       tmp_path: Path) -> None:
    path = tmp_path / "名录.xlsx"
    path.write_bytes(xlsx(ROWS))
    result = invoke(app, str(path))
    assert result.exit_code == 0, result.output
    assert "checking rows" in result.output and "saving" in result.output
    assert result.output.splitlines()[-1] == "created 3, updated 0, unchanged 0"
    assert registry(EXPECTED) == EXPECTED
    again = invoke(app, str(path))
    assert again.exit_code == 0 and again.output.splitlines()[-1] == "created 0, updated 0, unchanged 3"


def test_the_command_dry_run_saves_nothing(app: Flask, world: World, tmp_path: Path) -> None:
    path = tmp_path / "名录.csv"
    path.write_bytes(csv_bytes(ROWS))
    result = invoke(app, str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, would be created 3, updated 0, unchanged 0; nothing saved" in result.output
    assert count() == 2


def test_the_command_prints_each_error_by_row_and_column_and_exits_1(app: Flask, world: World,
                                                                     tmp_path: Path) -> None:
    rows = [[wrong_check(code(n)), f"企业{n}", "和平区", "C", 10, 2, "是", None] for n in range(205)]
    rows[0][3] = "Z"
    path = tmp_path / "名录.csv"
    path.write_bytes(csv_bytes(rows))
    result = invoke(app, str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("row 2, 统一社会信用代码: The check character should be") for line in lines)
    assert 'row 2, 行业: "Z" is not a GB/T 4754 section' in result.output
    assert sum(line.startswith("row ") for line in lines) == 200
    assert "... and 6 more errors" in lines and lines[-1] == "206 error(s): nothing saved"
    assert count() == 2


def test_the_command_refuses_a_file_that_is_no_spreadsheet(app: Flask, world: World, tmp_path: Path) -> None:
    path = tmp_path / "名录.xlsx"
    path.write_bytes(b"%PDF-1.4 not a workbook")
    result = invoke(app, str(path))
    assert result.exit_code == 1
    assert 'error: "名录.xlsx" is not an Excel workbook (.xlsx): it is a PDF document.' in result.output
    assert result.output.splitlines()[-1] == "nothing saved"


def test_the_command_acts_as_a_user_with_their_permissions(app: Flask, world: World, tmp_path: Path) -> None:
    path = tmp_path / "名录.xlsx"
    path.write_bytes(xlsx(ROWS))
    as_supervisor = invoke(app, str(path), "--as", "sup1")
    assert as_supervisor.exit_code == 1
    assert "row 3, 所属区: Not one of your districts" in as_supervisor.output
    as_union = invoke(app, str(path), "--as", "union1")
    assert as_union.exit_code == 1 and "error: Only administrators" in as_union.output
    nobody = invoke(app, str(path), "--as", "nobody")
    assert nobody.exit_code == 1 and "no user named 'nobody'" in nobody.output
    assert count() == 2
