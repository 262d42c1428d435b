"""Fixtures of the domain tests: an in-memory ledger (no database) and a case driver on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.ledger import CaseLedger
from tests.domain.support import CaseDriver


@pytest.fixture
def ledger() -> Iterator[CaseLedger]:
    """A ledger with the default policies and areas, on in-memory persistence."""
    app = CaseLedger()
    yield app
    app.close()


@pytest.fixture
def case(ledger: CaseLedger) -> CaseDriver:
    """A case not yet opened: call ``case.open()`` or ``case.through(step)``."""
    return CaseDriver(ledger)
