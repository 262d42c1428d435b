"""Fixtures of the domain tests: an in-memory ledger (no database) and a case driver on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.ledger import Ledger
from tests.domain.support import CaseDriver


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    """A ledger with the default policies and areas, on in-memory persistence."""
    app = Ledger()
    yield app
    app.close()


@pytest.fixture
def case(ledger: Ledger) -> CaseDriver:
    """A case not yet opened: call ``case.open()`` or ``case.through(step)``."""
    return CaseDriver(ledger)
