"""A department's alert file as its template lays it out (workflows.discovery.alert_files), for the tests that push
one over HTTP or through the console."""

from __future__ import annotations

import io

from openpyxl import Workbook

from workflows.discovery.alert_files import HEADERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def alert_file(rows: list[list[str]]) -> bytes:
    """An XLSX of the template's header row and ``rows``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
