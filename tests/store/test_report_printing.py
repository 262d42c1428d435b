"""The tables print as they are handed up (issue 20): each XLSX rendered to A4 by LibreOffice, as a township officer
would open and print it, is one landscape page with the title and every column on it."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from domain.reports.tables import Table
from tests.printing import find
from tests.store.test_report_tables import SPRING, Scenario, T, scenario  # noqa: F401 - the fixture
from workflows.reports.files import to_xlsx


def printed(xlsx: dict[str, bytes], folder: Path) -> dict[str, PdfReader]:
    """Each workbook converted to PDF by LibreOffice headless, in one run."""
    soffice = find()
    if soffice is None:
        pytest.fail("LibreOffice is missing: `make test` installs it (python -m tests.printing)")
    for name, data in xlsx.items():
        (folder / f"{name}.xlsx").write_bytes(data)
    profile = (folder / "profile").as_uri()
    argv = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(folder),
            *(str(folder / f"{name}.xlsx") for name in xlsx)]  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True, timeout=240)
    return {name: PdfReader(io.BytesIO((folder / f"{name}.pdf").read_bytes())) for name in xlsx}


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_each_table_prints_on_one_landscape_a4_page_with_its_title_and_every_column(
    scenario: Scenario,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    scenario.catch_up()
    reports = scenario.reports()
    docs = {t.value: reports.table(t, T, SPRING) for t in Table}
    pdfs = printed({name: to_xlsx(doc) for name, doc in docs.items()}, tmp_path)
    for name, pdf in pdfs.items():
        doc = docs[name]
        assert len(pdf.pages) == 1, (name, len(pdf.pages))
        page = pdf.pages[0]
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width > height and round(width) in (841, 842) and round(height) in (595, 596), (name, width, height)
        text = squeezed(page.extract_text())
        assert squeezed(doc["title"]) in text and squeezed(doc["annex"]) in text, name
        for header in doc["headers"]:
            assert squeezed(header["text"]) in text, (name, header["text"])
        assert squeezed(doc["rows"][-1]["unit"]) in text, name  # down to the last row
