"""Every class of a kind, wherever it is defined: for the tests that hold a rule over all of them (stored names,
error kinds, labels). A class is only found once its module is imported, so the packages are imported first."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def import_all(*packages: ModuleType) -> None:
    for package in packages:
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)


def descendants(cls: type) -> set[type]:
    """Every subclass of ``cls`` at any depth (not ``cls`` itself)."""
    found: set[type] = set()
    todo = [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def family(cls: type) -> set[type]:
    """``cls`` and every subclass of it."""
    return descendants(cls) | {cls}
