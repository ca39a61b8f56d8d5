"""Whole years into the holiday table at once: from `chinese-calendar`, or from a CSV of a new announcement.

Everything is validated before anything is written, and the write is one audited transaction: a file
with one bad line must not leave half a year in the table, where deadlines would silently use it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, date, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import chinese_calendar
from sqlalchemy import select

from workflows import clock
from workflows.calendar import package_covers

from ..audit import service as audit
from ..cases.engine_registry import runtime
from ..cases.service import transaction
from ..errors import Invalid
from ..extensions import db
from ..models import Holiday, User

MAX_CSV_BYTES = 1024 * 1024
NAME_LENGTH: int = Holiday.__table__.c.name.type.length

# Header names in either language; the key is the column's meaning.
_COLUMNS: Mapping[str, str] = {"date": "date", "日期": "date", "kind": "kind", "type": "kind", "类型": "kind",
                               "name": "name", "名称": "name"}
# What people write in the "kind" column; a bare 调休 is refused because it means either side of a swap.
_KINDS: Mapping[str, bool] = {
    **dict.fromkeys(("holiday", "off", "休", "假", "假日", "节假日", "放假"), False),
    **dict.fromkeys(("workday", "班", "上班", "补班", "调休上班", "工作日"), True),
}
# ISO 2027-01-01, and what Excel shows on Chinese Windows: 2027/1/1 (or 2027年1月1日).
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
# Characters no hand-made table contains; a decoded file full of them is binary that happened to decode.
_NOT_TEXT_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})


class ImportRefused(Invalid):
    """The source cannot be imported; `problems` lists every reason (by line for a file); nothing was saved."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("Nothing was imported: " + "; ".join(problems), {"source": list(problems)})
        self.problems = list(problems)


@dataclass(frozen=True)
class Entry:
    """One day to put in the table."""

    day: date
    is_workday: bool
    name: str


@dataclass(frozen=True)
class Source:
    """Where the entries came from, as the audit event records it."""

    entries: list[Entry]
    description: dict[str, Any]


@dataclass
class YearCount:
    """What an import does to one year, for the operator's summary and the audit event."""

    year: int
    holidays: int = 0
    workdays: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (f"{self.year}: {self.holidays} holidays, {self.workdays} workdays "
                f"(added {self.added}, updated {self.updated}, unchanged {self.unchanged})")


@dataclass(frozen=True)
class Change:
    """A day the import adds or rewrites; `before` is None for an added day."""

    entry: Entry
    before: Entry | None

    def __str__(self) -> str:
        after = _describe(self.entry)
        return f"add {after}" if self.before is None else f"update {_describe(self.before)} -> {after}"


@dataclass
class ImportResult:
    """The counts per year and the days that (would) change."""

    years: list[YearCount] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def summary(self) -> list[str]:
        return [str(y) for y in self.years]


def _describe(entry: Entry) -> str:
    return f"{entry.day.isoformat()} {'workday' if entry.is_workday else 'holiday'} {entry.name}".rstrip()


# ---------------------------------------------------------------------------- sources
def _package_version() -> str:
    return version("chinese_calendar")


def _package_years() -> list[int]:
    # Probed, like package_covers, so that upgrading the package needs no change here.
    return [y for y in range(1990, 2100) if package_covers(y)]


def package_entries(years: Iterable[int]) -> Source:
    """Every day off and swapped working day (调休) the package lists for `years`, with its holiday's name.

    A year the package does not know is refused (rather than imported as weekends only), because an
    imported year counts as "known" and would silence the no_holiday_data warning on its deadlines.
    """
    wanted = sorted(set(years))
    unknown = [y for y in wanted if not (MINYEAR <= y <= MAXYEAR and package_covers(y))]
    if unknown or not wanted:
        known = _package_years()
        span = f"{known[0]}-{known[-1]}" if known else "no year"
        raise ImportRefused([f"chinese-calendar {_package_version()} does not know the holidays of {y} (it knows "
                             f"{span}); import them from a CSV file instead (--csv FILE)" for y in unknown]
                            or ["no year given"])
    entries: list[Entry] = []
    for year in wanted:
        day = date(year, 1, 1)
        while day.year == year:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            if name:  # a named day is a holiday or its swapped working day; unnamed ones are plain weeks
                entries.append(Entry(day, not is_holiday, str(name)))
            day += timedelta(days=1)
    return Source(entries, {"kind": "chinese-calendar", "version": _package_version(), "years": wanted})


def _decode(raw: bytes) -> tuple[str, str]:
    """The file's text and encoding: UTF-8 (with or without BOM) or GB18030 (Excel on Chinese Windows)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(["the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" instead"])
    not_text = ImportRefused(["the file is not a CSV text file in UTF-8 or GB18030 (in Excel: save as \"CSV UTF-8\")"])
    if b"\x00" in raw:
        raise not_text
    if raw.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "utf-8")]
    else:
        candidates = [("utf-8", "utf-8"), ("gb18030", "gb18030")]
    for codec, label in candidates:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(c) in _NOT_TEXT_CATEGORIES for c in text if c not in "\t\r\n"):
            raise not_text
        return text, label
    raise not_text


def _parse_date(value: str) -> date | None:
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _header(cells: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column positions by meaning, and the header's problems."""
    positions: dict[str, int] = {}
    problems: list[str] = []
    for index, cell in enumerate(cells):
        label = cell.strip()
        meaning = _COLUMNS.get(label.lower())
        if not label:
            continue
        if meaning is None:
            problems.append(f'line 1: unknown column "{label}"; expected date,kind,name (or 日期,类型,名称)')
        elif meaning in positions:
            problems.append(f'line 1: column "{label}" is given twice')
        else:
            positions[meaning] = index
    missing = [m for m in ("date", "kind", "name") if m not in positions]
    if missing and not problems:
        problems.append(f"line 1: the header must name the columns date,kind,name (or 日期,类型,名称); "
                        f"missing {', '.join(missing)}")
    return positions, problems


def parse_csv(text: str) -> list[Entry]:
    """Entries from `date,kind,name` text with a header; every problem of every line is reported at once."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRefused(["the file is empty; it needs a header line date,kind,name"]) from None
    except csv.Error as exc:
        raise ImportRefused([f"line 1: {exc}"]) from None
    positions, problems = _header(header)
    if problems:
        raise ImportRefused(problems)

    entries: list[Entry] = []
    first_line: dict[date, int] = {}
    line = reader.line_num
    while True:
        start = line + 1  # a quoted cell may span lines: report where the record starts
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"line {start}: {exc}")
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        extra = [c for i, c in enumerate(cells) if i not in positions.values() and c.strip()]
        if extra:
            problems.append(f"line {start}: more cells than the header's columns date,kind,name "
                            "(a name with a comma must be in double quotes)")
            continue

        def cell(meaning: str, row: list[str] = cells) -> str:
            index = positions[meaning]
            return row[index].strip() if index < len(row) else ""

        raw_day, raw_kind, name = cell("date"), cell("kind"), cell("name")
        known = len(problems)
        day = _parse_date(raw_day)
        if not raw_day:
            problems.append(f"line {start}, date: missing")
        elif day is None:
            problems.append(f'line {start}, date: "{raw_day}" is not a date (use 2027-01-01 or 2027/1/1)')
        elif day in first_line:
            problems.append(f"line {start}, date: {day.isoformat()} is already given on line {first_line[day]}")
        else:
            first_line[day] = start
        is_workday = _KINDS.get(raw_kind.lower())
        if not raw_kind:
            problems.append(f"line {start}, kind: missing (holiday or workday)")
        elif is_workday is None:
            problems.append(f'line {start}, kind: "{raw_kind}" is not a kind; use holiday (休, 假日) '
                            "or workday (班, 调休上班)")
        if is_workday is False and not name:
            problems.append(f"line {start}, name: a holiday needs a name (e.g. 春节)")
        if len(name) > NAME_LENGTH:
            problems.append(f"line {start}, name: longer than {NAME_LENGTH} characters")
        if day is not None and is_workday is not None and len(problems) == known:
            entries.append(Entry(day, is_workday, name))
    if problems:
        raise ImportRefused(problems)
    if not entries:
        raise ImportRefused(["the file has a header but no rows"])
    return entries


def read_csv(path: Path) -> Source:
    """Entries from a CSV file of at most 1 MiB (a year is about 40 lines; anything bigger is not a holiday list)."""
    with path.open("rb") as handle:
        return read_upload(handle.read(MAX_CSV_BYTES + 1), path.name)


def read_upload(raw: bytes, filename: str) -> Source:
    """Entries from the bytes of a CSV file (an upload, or a file read by `read_csv`) of at most 1 MiB."""
    if len(raw) > MAX_CSV_BYTES:
        raise ImportRefused([f"{filename} is larger than 1 MiB; a holiday list is a few kilobytes"])
    text, encoding = _decode(raw)
    entries = parse_csv(text)
    return Source(entries, {"kind": "csv", "file": filename, "sha256": hashlib.sha256(raw).hexdigest(),
                            "encoding": encoding})


# ---------------------------------------------------------------------------- import
def _compare(entries: Sequence[Entry]) -> tuple[ImportResult, dict[date, Holiday]]:
    """What the entries change against the table, and the table's rows for their days."""
    days = [e.day for e in entries]
    rows = {r.day: r for r in db.session.execute(
        select(Holiday).where(Holiday.day >= min(days), Holiday.day <= max(days))).scalars()}
    counts: dict[int, YearCount] = {}
    result = ImportResult()
    for entry in sorted(entries, key=lambda e: e.day):
        count = counts.setdefault(entry.day.year, YearCount(entry.day.year))
        if entry.is_workday:
            count.workdays += 1
        else:
            count.holidays += 1
        row = rows.get(entry.day)
        if row is None:
            count.added += 1
            result.changes.append(Change(entry, None))
        elif (row.is_workday, row.name) == (entry.is_workday, entry.name):
            count.unchanged += 1
        else:
            count.updated += 1
            result.changes.append(Change(entry, Entry(row.day, row.is_workday, row.name)))
    result.years = [counts[y] for y in sorted(counts)]
    return result, rows


def import_entries(source: Source, *, actor: User | None, dry_run: bool = False) -> ImportResult:
    """Add or rewrite the source's days in one audited transaction; days not in the source stay as they are.

    With `dry_run` nothing is written and nothing audited: the result says what would change.
    """
    entries = [Entry(e.day, e.is_workday, e.name.strip()) for e in source.entries]
    if dry_run:
        return _compare(entries)[0]
    with transaction():
        result, rows = _compare(entries)
        now = clock.now()
        for change in result.changes:
            entry = change.entry
            row = rows.get(entry.day)
            if row is None:
                db.session.add(Holiday(day=entry.day, is_workday=entry.is_workday, name=entry.name, updated_at=now))
            else:
                row.is_workday, row.name, row.updated_at = entry.is_workday, entry.name, now
        audit.record("holidays_imported", {
            "source": source.description,
            "years": {str(y.year): {"holidays": y.holidays, "workdays": y.workdays, "added": y.added,
                                    "updated": y.updated, "unchanged": y.unchanged} for y in result.years},
            "added": [c.entry.day.isoformat() for c in result.changes if c.before is None],
            "updated": [{"day": c.entry.day.isoformat(), "before": {"is_workday": c.before.is_workday,
                                                                    "name": c.before.name}}
                        for c in result.changes if c.before is not None],
        }, actor=actor)
    runtime().invalidate_holidays()
    return result
