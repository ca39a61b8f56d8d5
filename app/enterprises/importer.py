"""The enterprise registry from a spreadsheet: an .xlsx workbook or a CSV file, as district offices keep it.

Why everything is checked before anything is written: a registry half-imported is worse than none
(campaigns would target half the enterprises, silently). So the file is read whole, every row is
checked and every error is collected with its spreadsheet row and the column's header as the file
has it; only a file without a single error is written, in one transaction with one audit event. A
dry run does all of that and writes nothing.

Rows are matched to the registry by credit code: a new code registers an enterprise, a known one is
updated where the file says something else, and a row that changes nothing is left alone, so the
same file imported twice changes nothing the second time.

The file is untrusted input. Its size is capped; a CSV must be text; an .xlsx must be an Office
Open XML workbook, and its zip directory is checked before a byte is inflated: the declared sizes
bound what `zipfile` will ever produce (it stops at the declared size and then fails the CRC), so a
zip bomb is refused by its declared total and compression ratio without being unpacked. openpyxl
parses the XML through defusedxml (installed), so entity expansion is refused too.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from workflows import clock

from ..accounts.permissions import can_import_enterprise_row, can_import_enterprises
from ..audit import service as audit
from ..cases.service import transaction
from ..errors import Forbidden, Invalid, TooLarge
from ..extensions import db
from ..i18n import N_
from ..models import Case, District, Enterprise, User, case_enterprise
from ..models.cases import OPEN_STATUSES
from ..models.enterprises import OWNERSHIPS
from ..query_plans import planned_for_values
from . import credit_code
from .industries import SECTIONS

# (phase, rows done in the phase, rows in the phase): "checking" every row, then "saving" the changed ones.
Progress = Callable[[str, int, int], None]
# (spreadsheet row number, cell values) of a file, blank rows included.
Rows = Generator[tuple[int, Sequence[Any]], None, None]

MAX_COLUMNS = 100  # a registry has about ten; cells further right are never read (a row of 16,384 is no table)
MAX_SHEET_ROW = 1_048_576  # Excel's last row: a sheet claiming more is not a worksheet
MAX_ZIP_MEMBERS = 1_000  # a workbook has a dozen parts
MAX_RATIO = 100  # real worksheets deflate 10-20 times; a run of zeros a thousand times
RATIO_FLOOR = 1024 * 1024  # small members may compress as they like
BATCH = 500  # credit codes per lookup, rows per INSERT/UPDATE batch
NAME_LENGTH: int = Enterprise.__table__.c.name.type.length
MAX_PEOPLE = 10_000_000  # as the registry API accepts

# GB/T 4754-2017: the twenty sections, letter -> Chinese name (the one table is industries.py).
INDUSTRY_SECTIONS: Mapping[str, str] = {letter: zh for letter, zh, _ in SECTIONS}
# Registration types as offices write them, and the registry's own keys (see OWNERSHIPS).
_OWNERSHIP_WORDS: Mapping[str, str] = {
    "国有": "state", "集体": "collective", "私营": "private", "民营": "private", "外商投资": "foreign",
    "外资": "foreign", "港澳台投资": "hmt", "港澳台商投资": "hmt", "其他": "other", "其它": "other",
    **{key: key for key in OWNERSHIPS},
}
_YES = frozenset({"是", "有", "已建", "已建会", "yes", "y", "true", "1"})
_NO = frozenset({"否", "无", "没有", "未建", "未建会", "no", "n", "false", "0"})


@dataclass(frozen=True)
class Column:
    """A field of the registry and the headers that name it; `label` is how messages name the column."""

    field: str
    aliases: tuple[str, ...]
    required: bool = True

    @property
    def label(self) -> str:
        return f"{self.aliases[0]} ({self.field})"


COLUMNS: tuple[Column, ...] = (
    Column("credit_code", ("统一社会信用代码", "信用代码", "社会信用代码", "credit code",
                           "unified social credit code")),
    Column("name", ("企业名称", "单位名称", "name", "enterprise name", "company name")),
    Column("district", ("所属区", "区县", "所在区", "所属区县", "district")),
    Column("industry", ("行业", "行业门类", "所属行业", "industry")),
    Column("employees", ("职工人数", "从业人数", "employees", "number of employees")),
    Column("women_employees", ("女职工人数", "女职工", "women employees", "female employees"), required=False),
    Column("has_union", ("是否建立工会", "已建会", "是否建会", "has union")),
    Column("ownership", ("登记注册类型", "经济类型", "ownership"), required=False),
)


# ---------------------------------------------------------------------------- results
class ImportRefused(Invalid):
    """The file as a whole cannot be imported (not a spreadsheet, a zip bomb, no rows...); nothing was saved."""

    def __init__(self, message: str) -> None:
        super().__init__(message, {"file": [message]})


class FileTooLarge(TooLarge):
    """The file is above IMPORT_MAX_BYTES; nothing was read."""

    def __init__(self, message: str) -> None:
        super().__init__(message, {"file": [message]})


@dataclass(frozen=True)
class RowError:
    """One fault: the spreadsheet row, the column's header as written in the file, the field, and why."""

    row: int
    column: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}" if self.column else f"row {self.row}: {self.message}"


@dataclass
class Report:
    """What an import found and did; in a dry run `created`/`updated` say what a real run would do."""

    file: str
    format: str
    sha256: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    saved: bool = False
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Limits:
    """The caps of config.py, read once per import."""

    max_bytes: int
    max_rows: int
    max_uncompressed: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(config["IMPORT_MAX_BYTES"], config["IMPORT_MAX_ROWS"], config["IMPORT_MAX_UNCOMPRESSED_BYTES"])


@dataclass
class Sheet:
    """The table read from a file: where each field's column is, and the non-blank rows below the header."""

    format: str
    header_row: int
    columns: dict[str, tuple[int, str]]  # field -> (position, header text)
    records: list[tuple[int, tuple[Any, ...]]]  # (spreadsheet row, cells)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- reading the file
def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def _what_it_is(content: bytes) -> str:
    """What the bytes look like, for a message that says why a file is refused."""
    signatures = ((b"%PDF", "a PDF document"), (b"\xd0\xcf\x11\xe0", "an old-format (.xls) or password-protected "
                  "Office file"), (b"PK\x03\x04", "a zip archive"), (b"\x89PNG", "a PNG image"),
                  (b"\xff\xd8\xff", "a JPEG image"), (b"{\\rtf", "an RTF document"))
    for magic, description in signatures:
        if content.startswith(magic):
            return description
    if b"\x00" in content[:4096]:
        return "a binary file"
    return "a text file" if content.strip() else "empty"


def _checked_zip(name: str, content: bytes, limits: Limits) -> None:
    """Refuse anything but an OOXML workbook whose declared unpacked size is sane, before inflating a byte."""
    not_xlsx = f'"{name}" is not an Excel workbook (.xlsx)'
    if not content.startswith(b"PK\x03\x04"):
        what = _what_it_is(content)
        hint = "; save it in Excel as .xlsx" if "xls" in what else ""
        raise ImportRefused(f"{not_xlsx}: it is {what}{hint}.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ImportRefused(f"{not_xlsx}: the zip archive is damaged ({exc}).") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRefused(f"{not_xlsx}: a zip archive of {len(members)} files.")
    names = {m.filename for m in members}
    missing = [part for part in ("[Content_Types].xml", "xl/workbook.xml") if part not in names]
    if missing:
        raise ImportRefused(f"{not_xlsx}: a zip archive without {' and '.join(missing)}.")
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed:
        raise ImportRefused(f'"{name}" would unpack to {_mib(total)}, more than the {_mib(limits.max_uncompressed)} '
                            "a registry workbook may hold (a zip bomb?); nothing was unpacked.")
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise ImportRefused(f'"{name}": {member.filename} is compressed {ratio} times, which no worksheet is '
                                "(a zip bomb?); nothing was unpacked.")


def _xlsx_rows(name: str, content: bytes, limits: Limits) -> Rows:
    """(row number, cell values) of the first worksheet, blank rows included so the numbers are Excel's."""
    _checked_zip(name, content, limits)
    from openpyxl import load_workbook  # openpyxl is slow to import and only needed here

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a parser of untrusted input fails in many ways; each means "not readable"
        raise ImportRefused(f'"{name}" could not be read as an Excel workbook ({type(exc).__name__}: {exc}).') from None
    try:
        if not workbook.worksheets:
            raise ImportRefused(f'"{name}" has no worksheet.')
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the stored dimension may be wrong (some tools write "A1"): read every row
        try:
            for number, values in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), 1):
                if number > MAX_SHEET_ROW:
                    raise ImportRefused(f'"{name}": the first worksheet claims rows past {MAX_SHEET_ROW}.')
                yield number, values
        except ImportRefused:
            raise
        except Exception as exc:  # damaged worksheet XML, found while reading it
            raise ImportRefused(f'"{name}": the first worksheet could not be read ({type(exc).__name__}: {exc}).'
                                ) from None
    finally:
        workbook.close()


def _decode(name: str, content: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM) or GB18030, as Excel on Chinese Windows saves it."""
    not_text = (f'"{name}" is not a CSV text file: it is {_what_it_is(content)}. Save the sheet in Excel as '
                '"CSV UTF-8", or import the .xlsx itself.')
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(f'"{name}" is UTF-16 text (Excel\'s "Unicode text"); save it as "CSV UTF-8" instead.')
    if b"\x00" in content or content.startswith(b"PK\x03\x04"):
        raise ImportRefused(not_text)
    codecs_to_try = ("utf-8-sig",) if content.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    for codec in codecs_to_try:
        try:
            text = content.decode(codec)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in set(text) - {"\t", "\r", "\n"}):
            raise ImportRefused(not_text)
        return text
    raise ImportRefused(f'"{name}" is neither UTF-8 nor GB18030 text; save the sheet in Excel as "CSV UTF-8".')


def _delimiter(text: str) -> str:
    """Comma, unless the header line has none and tabs or semicolons instead (Excel's other text formats)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "," in first:
        return ","
    return "\t" if "\t" in first else ";" if ";" in first else ","


def _csv_rows(name: str, content: bytes) -> Rows:
    """(record number, cells): a record is a spreadsheet row, blank lines included, as Excel numbers them."""
    text = _decode(name, content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportRefused(f'"{name}" is not valid CSV at row {number + 1}: {exc}.') from None
        number += 1
        yield number, cells[:MAX_COLUMNS]


def _key(header: str) -> str:
    """A header as compared: full-width folded, case-free, without spaces, underscores, dashes or stars."""
    return re.sub(r"[\s_\-*:]+", "", unicodedata.normalize("NFKC", header).casefold())


_ALIASES: Mapping[str, Column] = {_key(alias): column for column in COLUMNS for alias in column.aliases}


def _column_of(header: str) -> Column | None:
    """The field a header names; a unit in brackets is allowed after it, e.g. 职工人数（人）."""
    key = _key(header)
    return _ALIASES.get(key) or _ALIASES.get(re.sub(r"\([^)]*\)$", "", key))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_header(number: int, cells: Sequence[Any]) -> Sheet:
    sheet = Sheet(format="", header_row=number, columns={}, records=[])
    for position, cell in enumerate(cells):
        if _blank(cell):
            continue
        header = str(cell).strip()
        column = _column_of(header)
        if column is None:
            sheet.warnings.append(f'Column "{header}" is not a registry field; it was ignored.')
        elif column.field in sheet.columns:
            first = sheet.columns[column.field][1]
            sheet.errors.append(RowError(number, header, column.field,
                                         f'The column "{first}" already gives {column.label}; keep one of the two.'))
        else:
            sheet.columns[column.field] = (position, header)
    for column in COLUMNS:
        if column.required and column.field not in sheet.columns:
            sheet.errors.append(RowError(number, None, column.field, f"Required column missing: {column.label}; "
                                         f"accepted headers: {' / '.join(column.aliases)}."))
    return sheet


def _table(name: str, rows: Rows, limits: Limits) -> Sheet | None:
    """The header and the non-blank rows (their mapped cells' part only); None when every row is blank."""
    sheet: Sheet | None = None
    positions: list[int] = []
    for number, cells in rows:
        if sheet is None:
            if any(not _blank(c) for c in cells):
                sheet = _map_header(number, cells)
                positions = [p for p, _ in sheet.columns.values()]
            continue
        if all(p >= len(cells) or _blank(cells[p]) for p in positions):
            continue
        if len(sheet.records) >= limits.max_rows:
            raise ImportRefused(f'"{name}" has more than {limits.max_rows:,} rows; import it in several files.')
        sheet.records.append((number, tuple(cells[:max(positions) + 1])))
    return sheet


def read_sheet(name: str, content: bytes, limits: Limits) -> Sheet:
    """The header (the first non-blank row) mapped to fields, and every non-blank row below it."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        rows, kind = _xlsx_rows(name, content, limits), "xlsx"
    elif suffix == ".csv":
        rows, kind = _csv_rows(name, content), "csv"
    elif suffix == ".xls":
        raise ImportRefused(f'"{name}" is an old-format Excel file (.xls); save it in Excel as .xlsx.')
    else:
        raise ImportRefused(f'"{name}": only Excel workbooks (.xlsx) and CSV files (.csv) are imported.')
    with closing(rows):  # a refusal half-way still closes the workbook
        sheet = _table(name, rows, limits)
    if sheet is None:
        raise ImportRefused(f'"{name}" is empty: it needs a header row and a row per enterprise.')
    if not sheet.records and not sheet.errors:
        raise ImportRefused(f'"{name}" has a header (row {sheet.header_row}) but no enterprise below it.')
    sheet.format = kind
    return sheet


# ---------------------------------------------------------------------------- checking the cells
class CellError(ValueError):
    """A cell's value is not acceptable; the message says what would be."""


def _folded(value: Any) -> str:
    """Cell text for matching words and numbers: full-width folded, stripped; an integral float without ".0"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _credit_code(value: Any) -> str:
    if isinstance(value, float):
        raise CellError("The code was stored as a number, which Excel rounds to 15 digits; format the column as "
                        "text and type the code again.")
    code = credit_code.normalise(re.sub(r"\s+", "", _folded(value)))
    problem = credit_code.problem(code)
    if problem:
        raise CellError(problem)
    return code


def _name(value: Any) -> str:
    name = str(value).strip()  # full-width brackets are part of a registered Chinese name: kept as written
    if len(name) > NAME_LENGTH:
        raise CellError(f"At most {NAME_LENGTH} characters (this one has {len(name)}).")
    return name


def _count(value: Any) -> int:
    if isinstance(value, (bool, datetime, date, time)):
        raise CellError("Give a whole number of people, e.g. 120.")
    text = _folded(value).replace(",", "").replace(" ", "")
    match = re.fullmatch(r"(-?\d+)(?:\.0*)?", text)
    if match is None:
        raise CellError(f'"{text}" is not a whole number of people.')
    number = int(match.group(1))
    if not 0 <= number <= MAX_PEOPLE:
        raise CellError(f"Give a number of people from 0 to {MAX_PEOPLE:,}, not {number:,}.")
    return number


def _compact_industry(text: str) -> str:
    """A section as compared: no spaces or punctuation (制造业, "C 制造业", "农林牧渔业" all match)."""
    return re.sub(r"[\s、,.:\-]+", "", text)


_SECTION_BY_NAME: Mapping[str, str] = {_compact_industry(name): letter for letter, name in INDUSTRY_SECTIONS.items()}


def _industry(value: Any) -> str:
    """A section letter, its Chinese name, or both ("C 制造业")."""
    text = _folded(value)
    compact = _compact_industry(text)
    letter = compact[:1].upper()
    if len(compact) == 1 and letter in INDUSTRY_SECTIONS:
        return letter
    if compact in _SECTION_BY_NAME:
        return _SECTION_BY_NAME[compact]
    if letter in INDUSTRY_SECTIONS and _SECTION_BY_NAME.get(compact[1:]) == letter:
        return letter
    raise CellError(f'"{text}" is not a GB/T 4754 section: give its letter A to T or its name, e.g. C or 制造业.')


def _has_union(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = _folded(value).casefold()
    if word in _YES or word in _NO:
        return word in _YES
    raise CellError(f'"{word}" is neither yes nor no: write 是 or 否 (or yes/no, 1/0).')


def _ownership(value: Any) -> str:
    word = _folded(value).casefold()
    found = _OWNERSHIP_WORDS.get(word) or _OWNERSHIP_WORDS.get(word.removesuffix("企业"))
    if found is None:
        raise CellError(f'"{word}" is not a registration type: one of 国有, 集体, 私营, 外商投资, 港澳台投资, 其他 '
                        f"(or {', '.join(OWNERSHIPS)}).")
    return found


class _Districts:
    """Every district by name and by code (a handful of rows: loaded once per import)."""

    def __init__(self) -> None:
        self.by_key: dict[str, int] = {}
        for district in db.session.execute(select(District)).scalars():
            self.by_key[_folded(district.name).replace(" ", "")] = district.id
            self.by_key[_folded(district.code)] = district.id

    def __call__(self, value: Any) -> int:
        text = _folded(value)
        found = self.by_key.get(text.replace(" ", ""))
        if found is None:
            raise CellError(f'No district is named or coded "{text}".')
        return found


@dataclass
class Candidate:
    """A row that passed every cell check: its credit code and the fields it gives (blank optional ones left out)."""

    row: int
    code: str
    values: dict[str, Any]


def _check_rows(sheet: Sheet, actor: User | None, progress: Progress | None) -> tuple[list[Candidate], list[RowError]]:
    """Every row's cells checked; duplicates of a credit code name the row that gave it first."""
    districts = _Districts()
    parse: dict[str, Callable[[Any], Any]] = {
        "credit_code": _credit_code, "name": _name, "district": districts, "industry": _industry,
        "employees": _count, "women_employees": _count, "has_union": _has_union, "ownership": _ownership}
    required = {c.field for c in COLUMNS if c.required}
    candidates: list[Candidate] = []
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    total = len(sheet.records)
    for done, (number, cells) in enumerate(sheet.records, 1):
        values: dict[str, Any] = {}
        row_errors: list[RowError] = []
        for name, (position, header) in sheet.columns.items():
            raw = cells[position] if position < len(cells) else None
            if _blank(raw):
                if name in required:
                    row_errors.append(RowError(number, header, name, "Required: the cell is empty."))
                continue
            try:
                values[name] = parse[name](raw)
            except CellError as exc:
                row_errors.append(RowError(number, header, name, str(exc)))
        row_errors.extend(_row_rules(number, values, sheet, actor, first_row))
        errors.extend(row_errors)
        if not row_errors:
            code = values.pop("credit_code")
            values["district_id"] = values.pop("district")
            candidates.append(Candidate(number, code, values))
        if progress is not None and (done % BATCH == 0 or done == total):
            progress("checking", done, total)
    return candidates, errors


def _row_rules(number: int, values: Mapping[str, Any], sheet: Sheet, actor: User | None,
               first_row: dict[str, int]) -> Iterator[RowError]:
    """The checks that look at more than one cell, or at other rows."""
    header = {name: text for name, (_, text) in sheet.columns.items()}
    code = values.get("credit_code")
    if code is not None:
        if code in first_row:
            yield RowError(number, header["credit_code"], "credit_code",
                           f"{code} is already given on row {first_row[code]}.")
        else:
            first_row[code] = number
    women, employees = values.get("women_employees"), values.get("employees")
    if women is not None and employees is not None and women > employees:
        yield RowError(number, header["women_employees"], "women_employees",
                       f"{women} women employees is more than the {employees} employees.")
    district_id = values.get("district")
    if actor is not None and district_id is not None and not can_import_enterprise_row(actor, district_id):
        yield RowError(number, header["district"], "district",
                       "Not one of your districts: you may import only enterprises of your own districts.")


# ---------------------------------------------------------------------------- comparing with the registry
COMPARED = ("name", "district_id", "industry", "employees", "women_employees", "has_union", "ownership")


@dataclass
class Plan:
    """What the import writes: new enterprises, and (id, changed fields) of known ones."""

    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _registered(codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The registry's current values for `codes`, looked up in batches."""
    columns = [Enterprise.id, Enterprise.credit_code, *(getattr(Enterprise, name) for name in COMPARED)]
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(codes):
        for row in db.session.execute(select(*columns).where(Enterprise.credit_code.in_(chunk))).mappings():
            found[row["credit_code"]] = dict(row)
    return found


def _with_open_case(enterprise_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(enterprise_ids):
        found.update(db.session.execute(
            select(case_enterprise.c.enterprise_id).join(Case, Case.id == case_enterprise.c.case_id)
            .where(case_enterprise.c.enterprise_id.in_(chunk), Case.status.in_(OPEN_STATUSES))).scalars())
    return found


def _plan(candidates: Sequence[Candidate], sheet: Sheet, actor: User | None) -> tuple[Plan, list[RowError]]:
    """Each checked row against the registry: create, update (only what differs) or leave alone."""
    header = {name: text for name, (_, text) in sheet.columns.items()}
    current = _registered([c.code for c in candidates])
    plan, errors = Plan(), []
    moves: dict[int, Candidate] = {}
    for candidate in candidates:
        row, values = candidate.row, candidate.values
        before = current.get(candidate.code)
        if before is None:
            plan.creates.append({"credit_code": candidate.code, "women_employees": 0, "ownership": None, **values})
            continue
        if actor is not None and not can_import_enterprise_row(actor, before["district_id"]):
            errors.append(RowError(row, header["credit_code"], "credit_code",
                                   "This credit code is already registered outside your districts."))
            continue
        changes = {name: value for name, value in values.items() if value != before[name]}
        women = values.get("women_employees", before["women_employees"])
        if women > values["employees"]:
            errors.append(RowError(row, header["employees"], "employees",
                                   f"Fewer than the {women} women employees the registry has; give 女职工人数 too."))
            continue
        if not changes:
            plan.unchanged += 1
            continue
        if "district_id" in changes:
            moves[before["id"]] = candidate
        plan.updates.append((before["id"], changes))
    for enterprise_id in sorted(_with_open_case(list(moves))):
        errors.append(RowError(moves[enterprise_id].row, header["district"], "district",
                               "The enterprise has an open case in its district; finish or cancel it before "
                               "moving it."))
    return plan, errors


def _write(plan: Plan, progress: Progress | None) -> None:
    """INSERT and UPDATE in batches (the ORM's bulk forms: no object per row)."""
    now = clock.now()
    total, done = len(plan.creates) + len(plan.updates), 0
    for chunk in _chunks(plan.creates):
        db.session.execute(insert(Enterprise), [{**values, "created_at": now} for values in chunk])
        done += len(chunk)
        if progress is not None:
            progress("saving", done, total)
    for chunk in _chunks(plan.updates):
        db.session.execute(update(Enterprise), [{"id": ident, **changes, "updated_at": now}
                                                for ident, changes in chunk])
        done += len(chunk)
        if progress is not None:
            progress("saving", done, total)


# ---------------------------------------------------------------------------- the import
def _sorted(errors: Iterable[RowError], sheet: Sheet) -> list[RowError]:
    order = {name: position for name, (position, _) in sheet.columns.items()}
    return sorted(errors, key=lambda e: (e.row, order.get(e.field or "", -1)))


def import_file(name: str, content: bytes, *, actor: User | None, dry_run: bool,
                progress: Progress | None = None, limits: Limits | None = None) -> Report:
    """Check a whole registry file and, unless `dry_run` or any row has an error, write it in one transaction.

    `actor` None is the system (the operator's command line) with an administrator's rights. Raises
    Forbidden for someone who may not import, FileTooLarge and ImportRefused for a file that is not a
    registry spreadsheet; row errors are in the report, and then nothing is written.
    """
    if actor is not None and not can_import_enterprises(actor):
        raise Forbidden(N_("Only administrators, and supervisors for their own districts, import the registry."))
    limits = limits or Limits.from_config(current_app.config)
    name = PurePath(name.replace("\\", "/")).name[-200:] or "upload"
    if len(content) > limits.max_bytes:
        raise FileTooLarge(f'"{name}" is larger than {_mib(limits.max_bytes)}; import the registry in several files.')
    sheet = read_sheet(name, content, limits)
    report = Report(file=name, format=sheet.format, sha256=hashlib.sha256(content).hexdigest(), dry_run=dry_run,
                    rows=len(sheet.records), warnings=list(sheet.warnings))
    if sheet.errors:  # the columns themselves are wrong: row checks would only repeat it
        report.errors = _sorted(sheet.errors, sheet)
        return report
    candidates, errors = _check_rows(sheet, actor, progress)
    with transaction():
        with planned_for_values():
            plan, registry_errors = _plan(candidates, sheet, actor)
        report.errors = _sorted([*errors, *registry_errors], sheet)
        report.created, report.updated, report.unchanged = len(plan.creates), len(plan.updates), plan.unchanged
        if dry_run or report.errors:
            return report  # nothing was written: the transaction commits nothing
        _write(plan, progress)
        audit.record("enterprises_imported", {
            "file": name, "sha256": report.sha256, "format": sheet.format, "rows": report.rows,
            "created": report.created, "updated": report.updated, "unchanged": report.unchanged}, actor=actor)
    db.session.expire_all()  # the bulk statements bypassed any enterprise already loaded in this session
    report.saved = True
    return report
