"""What the fault tests look at: the commands in the event store, read back through the ledger (the store is
encrypted at rest, so raw SQL sees only ciphertext)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any
from uuid import UUID

from api.errors import DATABASE_UNAVAILABLE
from tests.integration.conftest import Stack


def stored_commands(stack: Stack, case_id: str) -> dict[str, int]:
    """For each command id in the case's stream, how many times its events were stored (1 = exactly once: a
    repeated command would store its events again under the same id)."""
    records = stack.services.queries.event_records(UUID(case_id))
    per_event = Counter((r["command_id"], r["type"]) for r in records)
    times: dict[str, int] = {}
    for (command_id, _), n in per_event.items():
        times[command_id] = max(times.get(command_id, 0), n)
    return times


async def summary_version(stack: Stack, case_id: str, version: int, within: float = 60.0) -> dict[str, Any]:
    """The case-list row of a case, once the projection has reached ``version`` (fails after ``within`` s)."""
    deadline = time.monotonic() + within
    while True:
        try:
            rows = await asyncio.to_thread(
                stack.services.summaries.search, area_prefix="", filters={}, limit=200, offset=0
            )
        except DATABASE_UNAVAILABLE:  # its pool is still reconnecting after an outage
            rows = []
        row = next((r for r in rows if str(r["case_id"]) == case_id), None)
        if row is not None and row["version"] >= version:
            return row
        assert time.monotonic() < deadline, f"the read model did not reach version {version}: {row}"
        await asyncio.sleep(0.2)
