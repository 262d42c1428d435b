"""Roster files: CSV and XLSX in, rows of text out; and the template (and any table of text) back out as a file.

Reading is bounded (size, rows, columns) and never evaluates anything: XLSX is read with cached values only
(``data_only``), so a formula's text is never run, and a cell holding a number where text is needed (an 18-digit ID
typed as a number loses its last digits in Excel) is refused by the roster rules. Writing escapes text that a
spreadsheet would take for a formula (=, +, -, @ at the start), so an export cannot carry formula injection.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.kernel.errors import DomainError, ErrorKind
from domain.registry.roster import COLUMNS, MAX_ROWS, Column

MAX_BYTES = 20 * 1024 * 1024  # 20 MiB over HTTP: a township roster (~5,000 households) is about 3 MiB
HTTP_MAX_ROWS = 100_000  # rows over HTTP: a township has ~20,000 members; a county's roster goes by `dixian import`
CLI_MAX_BYTES = 2 * 1024 * 1024 * 1024  # `dixian import` reads a county's roster (~200 bytes a member) from disk
CLI_MAX_ROWS = MAX_ROWS
MAX_COLUMNS = 40
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  # refuse zip bombs before openpyxl inflates them
STRINGS_PER_ROW = 8  # distinct texts a roster row may bring (name, ID number, address, phone, …): the table's cap
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class RosterFileError(DomainError):
    """The file cannot be read as a roster at all (format, size, encoding)."""

    kind = ErrorKind.INVALID
    problem_type = "RuleViolationError"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="body", rule="roster_file")


class RosterFormatError(RosterFileError):
    """The file is of a media type rosters do not come in."""

    kind = ErrorKind.UNSUPPORTED
    problem_type = "UnsupportedMediaError"

    def __init__(self, message: str) -> None:
        DomainError.__init__(self, message, field="Content-Type", rule="roster_format")


def detect_format(content_type: str, filename: str = "") -> str:
    ct = content_type.split(";")[0].strip().lower()
    if ct in (CSV_TYPE, "application/csv") or filename.lower().endswith(".csv"):
        return "csv"
    if ct == XLSX_TYPE or filename.lower().endswith(".xlsx"):
        return "xlsx"
    raise RosterFormatError(f"unsupported roster type {ct or '(none)'}: send text/csv or {XLSX_TYPE}")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]  # every row after the header, blank ones included, so row numbers stay the file's
    first_row: int  # the file's row number of rows[0] (the header's + 1)


def read_table(data: bytes, fmt: str, max_bytes: int = MAX_BYTES, max_rows: int = HTTP_MAX_ROWS) -> Table:
    """The header row and the rows after it of a CSV or XLSX roster, as text (a cell :func:`safe_cell` escaped is
    read back as written). Bounded: bytes, rows, columns; nothing in the file is evaluated."""
    if len(data) > max_bytes:
        raise RosterFileError(f"the file is larger than {max_bytes // (1024 * 1024)} MiB")
    if not data:
        raise RosterFileError("the file is empty")
    rows = _read_csv(data, max_rows) if fmt == "csv" else _read_xlsx(data, max_rows)
    start = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if start is None:
        raise RosterFileError("the file has no header row")
    header = rows[start]
    while header and not header[-1].strip():
        header = header[:-1]
    if len(header) > MAX_COLUMNS:
        raise RosterFileError(f"more than {MAX_COLUMNS} columns")
    body = [[unescape_cell(c) for c in r[: len(header)]] for r in rows[start + 1 :]]
    return Table([h.strip() for h in header], body, start + 2)


def _read_csv(data: bytes, max_rows: int) -> list[list[str]]:
    # Excel in China saves CSV as GB18030 (GBK) unless told otherwise; UTF-8 (with or without BOM) is tried first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError("the CSV file is neither UTF-8 nor GB18030 text")
    if "\x00" in text:
        raise RosterFileError("the CSV file contains NUL characters")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        rows: list[list[str]] = []
        for row in reader:
            rows.append(row[: MAX_COLUMNS + 1])
            if len(rows) > max_rows + 1:  # the header and max_rows rows
                raise RosterFileError(f"more than {max_rows} rows")
        return rows
    except csv.Error as e:
        raise RosterFileError(f"malformed CSV: {e}") from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return "#number:" + repr(value)  # a long number typed as a number: refused by the row rules
    return str(value)


def _check_shared_strings(z: zipfile.ZipFile, most: int) -> None:
    """openpyxl reads a workbook's whole shared-string table into memory before the first row, some 60 bytes of
    Python a string however short: a small file of millions of one-letter strings would take the API's memory.
    Counted in the compressed stream first, a piece at a time."""
    name = next((n for n in z.namelist() if n.lower().endswith("sharedstrings.xml")), None)
    if name is None:
        return
    count, tail = 0, b""
    with z.open(name) as part:
        while piece := part.read(1 << 20):
            chunk = tail + piece
            count += chunk.count(b"<si>") + chunk.count(b"<si ")
            tail = chunk[-3:]  # a tag split across pieces is counted in the next (3 bytes cannot hold one)
            if count > most:
                raise RosterFileError(f"the XLSX file holds more than {most} distinct texts")


def _read_xlsx(data: bytes, max_rows: int) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise RosterFileError("the XLSX file expands to more than 200 MiB")
            _check_shared_strings(z, max_rows * STRINGS_PER_ROW)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except RosterFileError:
        raise
    except Exception as e:  # openpyxl raises many types for a broken file; none of them is the caller's bug
        raise RosterFileError(f"not a readable XLSX workbook ({type(e).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # read every row there is, not only those a stale <dimension> names
        rows: list[list[str]] = []
        # Read-only mode parses the sheet lazily: a broken sheet fails here, inside the iteration.
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            rows.append([_cell_text(v) for v in row])
            if len(rows) > max_rows + 1:  # the header and max_rows rows
                raise RosterFileError(f"more than {max_rows} rows")
        return rows
    except RosterFileError:
        raise
    except Exception as e:
        raise RosterFileError(f"not a readable XLSX worksheet ({type(e).__name__})") from None
    finally:
        workbook.close()


def safe_cell(text: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def unescape_cell(text: str) -> str:
    """The inverse of :func:`safe_cell`: an apostrophe before a formula character was ours."""
    return text[1:] if text.startswith("'") and text[1:2] in _FORMULA_START and text[1:2] else text


def write_csv(headers: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue().encode("utf-8-sig")  # with BOM, so Excel reads UTF-8


def write_xlsx(sheets: list[tuple[str, list[str], list[list[str]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append([safe_cell(h) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(c) for c in row])
            for cell in sheet[sheet.max_row]:
                cell.number_format = "@"  # text, so ID numbers keep every digit
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template(fmt: str) -> bytes:
    """The roster template: the header row of the roster (and, in XLSX, a sheet explaining every column)."""
    headers = [c.header for c in COLUMNS]
    if fmt == "csv":
        return write_csv(headers, [])
    help_rows = [[c.header, c.key, "必填" if c.required else "选填", _level(c), c.help] for c in COLUMNS]
    return write_xlsx(
        [
            ("花名册", headers, []),
            ("填写说明", ["列名", "英文键", "是否必填", "层级", "说明"], help_rows),
        ]
    )


def _level(c: Column) -> str:
    return "户（同一户各行须一致）" if c.household_level else "人"
