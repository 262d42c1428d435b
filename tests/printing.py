"""LibreOffice, which the suite uses to print the statistical tables as a township officer would (the XLSX rendered to
A4 PDF, tests/store/test_report_printing.py): found on the PATH or by DIXIAN_SOFFICE, else installed from the
distribution (tests/packages.py). `make test` runs this before the suite."""

from __future__ import annotations

from tests.packages import Program

LIBREOFFICE = Program(
    "LibreOffice's Calc and the Noto CJK fonts",
    "DIXIAN_SOFFICE",
    ("soffice", "libreoffice"),
    ("libreoffice-calc-nogui", "fonts-noto-cjk"),
)
find, ensure = LIBREOFFICE.find, LIBREOFFICE.ensure

if __name__ == "__main__":
    print(f"office: {ensure()}")
