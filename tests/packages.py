"""Programs from the distribution the suite needs besides Python's (a browser for the console, LibreOffice to print the
tables): `make test` finds each one, or installs its packages when it is absent and it can (Debian's apt-get, as
root), and otherwise stops saying what to install. Nothing is downloaded at run time: these are the machine's own
distribution packages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Program:
    what: str  # as a sentence names it
    env: str  # the variable that names its binary instead of the PATH
    names: tuple[str, ...]  # its binaries, tried in order on the PATH
    packages: tuple[str, ...]  # the distribution's packages that bring it

    def find(self) -> str | None:
        """The binary ``env`` names, or the first of ``names`` on the PATH."""
        given = os.environ.get(self.env)
        if given:
            return given if os.access(given, os.X_OK) else None
        return next((path for path in map(shutil.which, self.names) if path), None)

    def ensure(self) -> str:
        """The binary, installed from the distribution first when it is absent and it can be."""
        found = self.find()
        if found:
            return found
        self._install()
        found = self.find()
        if found is None:
            sys.exit(f"{self.what} was installed but is not on the PATH: set {self.env} to its binary")
        return found

    def _install(self) -> None:
        instead = f"set {self.env} to its binary"
        apt = shutil.which("apt-get")
        if apt is None or os.geteuid() != 0:
            sys.exit(f"The suite needs {self.what} ({' '.join(self.packages)}). Install them (Debian/Ubuntu: "
                     f"`sudo apt-get install -y {' '.join(self.packages)}`) or {instead}.")  # fmt: skip
        print(f"installing {' '.join(self.packages)} from the distribution (for {self.what})", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for argv in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", *self.packages]):
            if subprocess.run(argv, env=env, check=False, stdout=subprocess.DEVNULL).returncode != 0:
                sys.exit(f"`{' '.join(argv)}` failed: install {' '.join(self.packages)} by hand, or {instead}")
