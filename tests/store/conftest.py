"""The ledger the store tests write through, on the test's own PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.ledger import Ledger


@pytest.fixture
def ledger(es_env: dict[str, str]) -> Iterator[Ledger]:
    app = Ledger(es_env)
    yield app
    app.close()
