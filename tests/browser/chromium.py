"""The browser the console's tests drive: the distribution's Chromium (Playwright's own download is not reachable
from these machines). `make test` runs this first: it uses a Chromium already installed, installs the
distribution's package (with the CJK fonts, so Chinese renders) when it is absent and it can, and otherwise stops
with what to do."""

from __future__ import annotations

from tests.packages import Program

CHROMIUM = Program(
    "Chromium and the Noto CJK fonts",
    "DIXIAN_CHROMIUM",
    ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"),
    ("chromium", "fonts-noto-cjk"),
)
find, ensure = CHROMIUM.find, CHROMIUM.ensure

if __name__ == "__main__":
    print(f"browser: {ensure()}")
