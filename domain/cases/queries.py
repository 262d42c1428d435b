"""Read-only access to cases for the API: views and stored events straight from the event store."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.ledger import CaseLedger


class CaseQueries:
    """Wraps a ledger and exposes only reads, so the API can never append an event through it."""

    def __init__(self, ledger: CaseLedger) -> None:
        self._ledger = ledger

    @classmethod
    def connect(cls, env: Mapping[str, str]) -> CaseQueries:
        """Queries over the event store the eventsourcing ``env`` points at."""
        return cls(CaseLedger(env))

    def view(self, case_id: UUID, now: datetime, version: int | None = None) -> dict[str, Any]:
        return self._ledger.view(case_id, now, version)

    def view_after_command(self, case_id: UUID, command_id: str, now: datetime) -> dict[str, Any] | None:
        return self._ledger.view_after_command(case_id, command_id, now)

    def events(self, case_id: UUID) -> list[dict[str, Any]]:
        return self._ledger.event_records(case_id)

    def ping(self) -> None:
        """One round trip to the event store's database, without the store's own retries: raises its connection
        error at once (or after the pool's connect timeout) while the database is unreachable."""
        datastore = getattr(self._ledger.recorder, "datastore", None)
        if datastore is None:  # an in-memory store is always there
            return
        with datastore.get_connection() as conn:
            conn.execute("SELECT 1")

    def close(self) -> None:
        self._ledger.close()
