"""Roster files: formula text is escaped on the way out and read back as written; broken files are refused."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import load_workbook

from workflows.registry.roster_files import (
    HTTP_MAX_ROWS,
    STRINGS_PER_ROW,
    RosterFileError,
    read_table,
    write_csv,
    write_xlsx,
)

TEXTS = ['=HYPERLINK("http://x")', "+86 138", "-DEMO-1", "@SUM(A1)", "普通文本", ""]


def test_csv_escapes_formulas_and_reads_them_back_as_written() -> None:
    data = write_csv(["a"], [[t] for t in TEXTS])
    raw = [row[0] if row else "" for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))]
    assert raw[1].startswith("'=") and raw[3] == "'-DEMO-1" and raw[5] == "普通文本"
    rows = read_table(data, "csv").rows
    assert [r[0] for r in rows if r and r[0]] == [t for t in TEXTS if t]


def test_xlsx_cells_are_text_a_spreadsheet_will_not_run() -> None:
    data = write_xlsx([("花名册", ["a"], [[t] for t in TEXTS])])
    cells = [row[0] for row in load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, values_only=True)]
    assert cells[0] == '\'=HYPERLINK("http://x")'  # stored as text with the escape, never as a formula
    rows = read_table(data, "xlsx").rows
    assert [r[0] for r in rows if r and r[0]] == [t for t in TEXTS if t]


def test_a_gbk_csv_from_excel_is_read() -> None:
    table = read_table("户编号\nH-0001\n".encode("gb18030"), "csv")
    assert (table.headers, table.rows) == (["户编号"], [["H-0001"]])


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (210 * 1024 * 1024))
    with pytest.raises(RosterFileError, match="expands"):
        read_table(buffer.getvalue(), "xlsx")


def test_a_shared_string_table_too_long_for_its_rows_is_refused_before_it_is_loaded() -> None:
    # Small on the wire, under the expansion cap, yet millions of one-letter texts: each would cost memory.
    texts = b"".join(b"<si><t>%d</t></si>" % (i % 10) for i in range(HTTP_MAX_ROWS * STRINGS_PER_ROW + 1))
    data = write_xlsx([("花名册", ["户编号"], [["H-0001"]])])
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/sharedStrings.xml", b"<sst>" + texts + b"</sst>")
    assert len(out.getvalue()) < 2 * 1024 * 1024
    with pytest.raises(RosterFileError, match="distinct texts"):
        read_table(out.getvalue(), "xlsx")
    read_table(data, "xlsx")  # the same workbook without them reads


def test_size_and_emptiness_limits() -> None:
    with pytest.raises(RosterFileError):
        read_table(b"", "csv")
    with pytest.raises(RosterFileError):
        read_table(b"x" * 11, "csv", max_bytes=10)
    with pytest.raises(RosterFileError):
        read_table(b"a\x00b\n", "csv")


def _rewrite_sheet(data: bytes, change: Callable[[str], str]) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content.decode()).encode()
            target.writestr(item, content)
    return out.getvalue()


ROWS = [["户编号", "姓名"], ["H-0001", "甲"], ["H-0001", "乙"], ["H-0001", "丙"]]


@pytest.mark.parametrize(
    "change",
    [
        lambda xml: xml[: len(xml) // 2],  # truncated
        lambda xml: re.sub(r'<c r="B2"[^>]*><is><t>[^<]*</t></is></c>', '<c r="B2" t="s"><v>99999</v></c>', xml),
        lambda xml: xml.replace('r="B3"', 'r="ZZZZ3"'),
    ],
    ids=["truncated", "shared-string-out-of-range", "bad-cell-reference"],
)
def test_a_broken_worksheet_is_a_file_error_not_a_crash(change: Callable[[str], str]) -> None:
    data = _rewrite_sheet(write_xlsx([("花名册", ROWS[0], ROWS[1:])]), change)
    with pytest.raises(RosterFileError):
        read_table(data, "xlsx")


def test_rows_beyond_a_stale_dimension_are_read() -> None:
    data = write_xlsx([("花名册", ROWS[0], ROWS[1:])])
    stale = _rewrite_sheet(data, lambda xml: re.sub(r'<dimension ref="[^"]*" ?/>', '<dimension ref="A1:B2"/>', xml))
    assert b'<dimension ref="A1:B2"/>' in zipfile.ZipFile(io.BytesIO(stale)).read("xl/worksheets/sheet1.xml")
    assert [r[1] for r in read_table(stale, "xlsx").rows] == ["甲", "乙", "丙"]


def test_row_numbers_are_the_files_own_with_blank_lines_kept() -> None:
    data = b"\n\n\xe6\x88\xb7\xe7\xbc\x96\xe5\x8f\xb7\n\nH-1\n"  # two blank lines, the header (户编号), a blank line
    table = read_table(data, "csv")
    assert table.first_row == 4 and table.rows == [[], ["H-1"]]


def test_the_row_limit_holds() -> None:
    data = ("户编号\n" + "H-1\n" * 11).encode()
    with pytest.raises(RosterFileError, match="more than 10 rows"):
        read_table(data, "csv", max_rows=10)
