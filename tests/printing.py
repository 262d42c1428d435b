"""LibreOffice, which the suite uses to print the statistical tables as a township officer would (the XLSX rendered to
A4 PDF, tests/store/test_report_printing.py): found on the PATH or by DIXIAN_SOFFICE, else installed from the
distribution (tests/packages.py). `make test` runs this before the suite."""

from __future__ import annotations

import os
import shutil
import sys

from tests.packages import install

PACKAGES = ("libreoffice-calc-nogui", "fonts-noto-cjk")


def find() -> str | None:
    given = os.environ.get("DIXIAN_SOFFICE")
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def ensure() -> str:
    found = find()
    if found:
        return found
    install(PACKAGES, "Printing the tables needs LibreOffice's Calc and the Noto CJK fonts.", "set DIXIAN_SOFFICE")
    found = find()
    if found is None:
        sys.exit("LibreOffice was installed but soffice is not on the PATH: set DIXIAN_SOFFICE to it")
    return found


if __name__ == "__main__":
    print(f"office: {ensure()}")
