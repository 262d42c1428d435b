"""The browser the console's tests drive: the distribution's Chromium (Playwright's own download is not reachable
from these machines). `make test` runs this first: it uses a Chromium already installed, installs the
distribution's package (with the CJK fonts, so Chinese renders) when it is absent and it can, and otherwise stops
with what to do."""

from __future__ import annotations

import os
import shutil
import sys

from tests.packages import install

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PACKAGES = ("chromium", "fonts-noto-cjk")


def find() -> str | None:
    """DIXIAN_CHROMIUM, or the first Chromium on the PATH."""
    given = os.environ.get("DIXIAN_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure() -> str:
    found = find()
    if found:
        return found
    install(
        PACKAGES,
        "The console's tests need Chromium and the Noto CJK fonts.",
        "set DIXIAN_CHROMIUM to a Chromium binary",
    )
    found = find()
    if found is None:
        sys.exit("Chromium was installed but is not on the PATH: set DIXIAN_CHROMIUM to its binary")
    return found


if __name__ == "__main__":
    print(f"browser: {ensure()}")
