"""Roster files: formula text is escaped on the way out and read back as written; broken files are refused."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from workflows.roster_files import RosterFileError, read_table, write_csv, write_xlsx

TEXTS = ['=HYPERLINK("http://x")', "+86 138", "-DEMO-1", "@SUM(A1)", "普通文本", ""]


def test_csv_escapes_formulas_and_reads_them_back_as_written() -> None:
    data = write_csv(["a"], [[t] for t in TEXTS])
    raw = [row[0] if row else "" for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))]
    assert raw[1].startswith("'=") and raw[3] == "'-DEMO-1" and raw[5] == "普通文本"
    _, rows = read_table(data, "csv")
    assert [r[0] for r in rows] == [t for t in TEXTS if t]  # the blank line is skipped


def test_xlsx_cells_are_text_a_spreadsheet_will_not_run() -> None:
    data = write_xlsx([("花名册", ["a"], [[t] for t in TEXTS])])
    cells = [row[0] for row in load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, values_only=True)]
    assert cells[0] == '\'=HYPERLINK("http://x")'  # stored as text with the escape, never as a formula
    _, rows = read_table(data, "xlsx")
    assert [r[0] for r in rows] == [t for t in TEXTS if t]


def test_a_gbk_csv_from_excel_is_read() -> None:
    _, rows = read_table("户编号\nH-0001\n".encode("gb18030"), "csv")
    assert rows == [["H-0001"]]


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (210 * 1024 * 1024))
    with pytest.raises(RosterFileError, match="expands"):
        read_table(buffer.getvalue(), "xlsx")


def test_size_and_emptiness_limits() -> None:
    with pytest.raises(RosterFileError):
        read_table(b"", "csv")
    with pytest.raises(RosterFileError):
        read_table(b"x" * 11, "csv", max_bytes=10)
    with pytest.raises(RosterFileError):
        read_table(b"a\x00b\n", "csv")
