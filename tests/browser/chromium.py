"""The browser the console's tests drive: the distribution's Chromium (Playwright's own download is not reachable
from these machines). `make test` runs this first: it uses a Chromium already installed, installs the
distribution's package (with the CJK fonts, so Chinese renders) when it is absent and it can, and otherwise stops
with what to do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

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
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        sys.exit(
            "The console's tests need Chromium and the Noto CJK fonts. Install them (Debian/Ubuntu: "
            f"`sudo apt-get install -y {' '.join(PACKAGES)}`) or set DIXIAN_CHROMIUM to a Chromium binary."
        )
    print(f"installing {' '.join(PACKAGES)} from the distribution (for the console's browser tests)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", *PACKAGES]):
        if subprocess.run(argv, env=env, check=False, stdout=subprocess.DEVNULL).returncode != 0:
            sys.exit(f"`{' '.join(argv)}` failed: install {' '.join(PACKAGES)} by hand, or set DIXIAN_CHROMIUM")
    found = find()
    if found is None:
        sys.exit("Chromium was installed but is not on the PATH: set DIXIAN_CHROMIUM to its binary")
    return found


if __name__ == "__main__":
    print(f"browser: {ensure()}")
