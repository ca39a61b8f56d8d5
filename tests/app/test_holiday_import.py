"""`flask holidays import`: whole years from chinese-calendar or a CSV, all or nothing, and deadlines follow at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.audit.service import verify
from app.extensions import db
from app.models import AuditEvent, Holiday

SAMPLE = Path(__file__).parent.parent / "data" / "holidays_2027.csv"


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def table() -> dict[date, tuple[bool, str]]:
    return {r.day: (r.is_workday, r.name) for r in db.session.execute(select(Holiday)).scalars()}


def imports() -> list[dict[str, Any]]:
    return [e.payload for e in db.session.query(AuditEvent).filter_by(kind="holidays_imported").order_by(AuditEvent.id)]


def assert_nothing_saved() -> None:
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / "holidays.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


# ---------------------------------------------------------------------------- from chinese-calendar
def test_a_packaged_year_is_copied_with_its_swapped_working_days_and_names(app: Flask) -> None:
    # 2026 by hand: New Year 3 days, Spring Festival 9, Qingming 3, Labour Day 5, Dragon Boat 3, Mid-autumn 3,
    # National Day 7 = 33 days off; swapped working days 01-04, 02-14, 02-28, 05-09, 09-20, 10-10.
    result = run(app, "holidays", "import", "--year", "2026")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2026: 33 holidays, 6 workdays (added 39, updated 0, unchanged 0)"
    rows = table()
    assert len(rows) == 39
    assert [d for d, (_, name) in rows.items() if name == "National Day" and not rows[d][0]] == [
        date(2026, 10, d) for d in range(1, 8)]
    assert sorted(d for d, (workday, _) in rows.items() if workday) == [
        date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
        date(2026, 10, 10)]
    assert rows[date(2026, 10, 10)] == (True, "National Day")
    # The table now says what the package said: the same deadline, explained the same way.
    due = run(app, "due-date", "national-2004", "filing", "2026-09-25")
    assert due.output.splitlines()[0] == "2026-10-08" and "National Day" in due.output


def test_importing_a_year_again_changes_nothing_and_says_so(app: Flask) -> None:
    assert run(app, "holidays", "import", "--year", "2026").exit_code == 0
    again = run(app, "holidays", "import", "--year", "2026")
    assert again.exit_code == 0, again.output
    assert again.output.strip() == "2026: 33 holidays, 6 workdays (added 0, updated 0, unchanged 39)"
    assert len(table()) == 39
    first, second = imports()
    assert first["years"]["2026"] == {"holidays": 33, "workdays": 6, "added": 39, "updated": 0, "unchanged": 0}
    assert second["years"]["2026"]["unchanged"] == 39 and second["added"] == [] and second["updated"] == []
    assert second["source"]["kind"] == "chinese-calendar" and second["source"]["years"] == [2026]
    assert verify().ok


def test_an_import_rewrites_a_differing_entry_and_leaves_local_ones_alone(app: Flask) -> None:
    run(app, "holidays", "set", "2026-10-10", "--off", "--name", "Local fair")
    run(app, "holidays", "set", "2026-11-11", "--off", "--name", "Local fair")
    result = run(app, "holidays", "import", "--year", "2026")
    assert result.output.strip() == "2026: 33 holidays, 6 workdays (added 38, updated 1, unchanged 0)"
    rows = table()
    assert rows[date(2026, 10, 10)] == (True, "National Day")
    assert rows[date(2026, 11, 11)] == (False, "Local fair")
    assert imports()[0]["updated"] == [{"day": "2026-10-10", "before": {"is_workday": False, "name": "Local fair"}}]


def test_a_year_the_package_does_not_know_is_refused_and_nothing_is_saved(app: Flask) -> None:
    result = run(app, "holidays", "import", "--year", "2026", "--year", "2031")
    assert result.exit_code != 0
    assert "does not know the holidays of 2031" in result.output
    assert "--csv" in result.output and "nothing saved" in result.output
    assert_nothing_saved()


def test_the_command_needs_exactly_one_source(app: Flask) -> None:
    assert run(app, "holidays", "import").exit_code == 2
    both = run(app, "holidays", "import", "--year", "2026", "--csv", str(SAMPLE))
    assert both.exit_code == 2 and "not both" in both.output
    assert_nothing_saved()


# ---------------------------------------------------------------------------- from a CSV file
def test_an_imported_csv_moves_deadlines_at_once(app: Flask) -> None:
    # 10 days from 2027-01-30 is Tuesday 2027-02-09; 3 working days from Friday 2027-01-29 end on Wednesday 02-03.
    before = run(app, "due-date", "national-2004", "filing", "2027-01-30")
    assert before.output.splitlines()[0] == "2027-02-09" and "no holiday data for 2027" in before.output
    assert run(app, "due-date", "national-2004", "instructor_answer", "2027-01-29").output.startswith("2027-02-03")

    result = run(app, "holidays", "import", "--csv", str(SAMPLE))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2027: 11 holidays, 2 workdays (added 13, updated 0, unchanged 0)"

    # 02-09 is now 春节 (through 02-13), 02-14 a Sunday: the filing rolls to Monday 02-15, with no warning.
    after = run(app, "due-date", "national-2004", "filing", "2027-01-30")
    assert after.output.splitlines()[0] == "2027-02-15"
    assert "Spring Festival" in after.output and "no holiday data" not in after.output
    # Sunday 01-31 is a swapped working day: the third working day is Tuesday 02-02.
    assert run(app, "due-date", "national-2004", "instructor_answer", "2027-01-29").output.startswith("2027-02-02")

    rows = table()
    assert rows[date(2027, 2, 20)] == (True, "") and rows[date(2027, 1, 1)] == (False, "元旦")
    (event,) = imports()
    assert event["source"]["kind"] == "csv" and event["source"]["file"] == "holidays_2027.csv"
    assert len(event["added"]) == 13
    assert verify().ok


def test_every_error_of_a_bad_file_is_reported_by_line_and_nothing_is_saved(app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path, "\n".join([
        "日期,类型,名称",
        "2027-01-01,休,元旦",
        "2027-02-30,holiday,春节",
        "2027-02-06,放假啦,春节",
        "2027-02-07,holiday,",
        "2027/1/1,班,",
        "2027-13-01,周末,",
        "2027-02-08,,春节",
        '2027-02-09,假日,"春节, 第四天"',
        "2027-02-10,假日,春节,第五天",
        "",
    ]))
    result = run(app, "holidays", "import", "--csv", path)
    assert result.exit_code != 0
    problems = result.output.splitlines()
    assert problems == [
        'line 3, date: "2027-02-30" is not a date (use 2027-01-01 or 2027/1/1)',
        'line 4, kind: "放假啦" is not a kind; use holiday (休, 假日) or workday (班, 调休上班)',
        "line 5, name: a holiday needs a name (e.g. 春节)",
        "line 6, date: 2027-01-01 is already given on line 2",
        'line 7, date: "2027-13-01" is not a date (use 2027-01-01 or 2027/1/1)',
        'line 7, kind: "周末" is not a kind; use holiday (休, 假日) or workday (班, 调休上班)',
        "line 8, kind: missing (holiday or workday)",
        "line 10: more cells than the header's columns date,kind,name (a name with a comma must be in double quotes)",
        "nothing saved",
    ]
    assert_nothing_saved()


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_a_chinese_file_from_excel_is_read_in_its_encoding(app: Flask, tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, "日期,类型,名称\r\n2027/2/6,休,春节\r\n2027/2/7,假日,春节\r\n2027/1/31,调休上班,\r\n",
                 encoding)
    result = run(app, "holidays", "import", "--csv", path)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2027: 2 holidays, 1 workdays (added 3, updated 0, unchanged 0)"
    assert table() == {date(2027, 2, 6): (False, "春节"), date(2027, 2, 7): (False, "春节"),
                       date(2027, 1, 31): (True, "")}


@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not a CSV text file"),
    (bytes(range(0x81, 0xFF)) * 8, "not a CSV text file"),
    ("date,kind,name\n2027-01-01,holiday,元旦\n".encode("utf-16"), "UTF-16"),
    (b"date,kind,name\n" + b"2027-01-01,holiday,New Year\n" * 40_000, "larger than 1 MiB"),
    (b"", "the file is empty"),
    (b"date,kind,name\n", "no rows"),
    (b"day,kind,name\n2027-01-01,holiday,New Year\n", 'line 1: unknown column "day"'),
])
def test_a_file_that_is_not_a_holiday_list_is_refused(app: Flask, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    result = run(app, "holidays", "import", "--csv", str(path))
    assert result.exit_code != 0
    assert message in result.output and "nothing saved" in result.output
    assert_nothing_saved()


def test_a_dry_run_reports_the_changes_and_saves_nothing(app: Flask) -> None:
    run(app, "holidays", "set", "2027-02-20", "--off", "--name", "Local fair")
    result = run(app, "holidays", "import", "--csv", str(SAMPLE), "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2027: 11 holidays, 2 workdays (added 12, updated 1, unchanged 0)"
    assert "  would add 2027-01-01 holiday 元旦" in lines
    assert "  would update 2027-02-20 holiday Local fair -> 2027-02-20 workday" in lines
    assert lines[-1] == "dry run: nothing saved"
    assert table() == {date(2027, 2, 20): (False, "Local fair")}
    assert imports() == []
    assert run(app, "due-date", "national-2004", "filing", "2027-01-30").output.startswith("2027-02-09")
