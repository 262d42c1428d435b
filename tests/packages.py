"""Distribution packages the suite needs besides Python's (a browser for the console, LibreOffice to print the tables):
`make test` installs one when it is absent and it can (Debian's apt-get, as root), and otherwise stops saying what to
install. Nothing is downloaded at run time: these are the machine's own distribution packages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def install(packages: tuple[str, ...], why: str, instead: str) -> None:
    """Install ``packages`` with apt-get, or stop with what to do (``instead``: the other way out)."""
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        sys.exit(f"{why} Install them (Debian/Ubuntu: `sudo apt-get install -y {' '.join(packages)}`) or {instead}.")
    print(f"installing {' '.join(packages)} from the distribution ({why})", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", *packages]):
        if subprocess.run(argv, env=env, check=False, stdout=subprocess.DEVNULL).returncode != 0:
            sys.exit(f"`{' '.join(argv)}` failed: install {' '.join(packages)} by hand, or {instead}")
