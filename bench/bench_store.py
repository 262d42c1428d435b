"""The event store through the ledger against raw psycopg, on one embedded PostgreSQL, side by side.

- Append rate: case steps taken through the ledger (read the case, check every rule, hash-chain, encrypt, append,
  build the view), one transaction each, against inserting the very rows they stored with raw psycopg, one
  transaction each, into a copy of the events table.
- Replay: the view of a case of 1,000 events, read with snapshots (every 25 events) and without, against a raw read
  of the same 1,000 rows.
- Timeline: GET /cases/{id}/timeline of that case through the API app, against the same raw read.

Run: `make bench` (or `python -m bench.bench_store`).
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import psycopg

from bench.support import embedded_postgres, median_ms, raw_reinsert, serve_app
from domain.ledger import Ledger
from tests.domain.support import CaseDriver
from worker.national_sync import conninfo_from
from workflows.kernel.observability import configure_logging

STEPS_PER_CASE = 20
APPEND_CASES = 100
LONG_CASE_EVENTS = 1000


class UnsnapshottedLedger(Ledger):
    """The same ledger in tables of its own, with no snapshots: every read replays every event."""

    name = "Unsnapshotted"
    snapshotting_intervals: ClassVar = {}


def checks(driver: CaseDriver, n: int) -> None:
    for _ in range(n):
        driver.cross_check()


def append_rate(ledger: Ledger, conninfo: str) -> dict[str, Any]:
    drivers = [CaseDriver(ledger) for _ in range(APPEND_CASES)]
    for d in drivers:
        d.through("visit")
    first = ledger.recorder.max_notification_id() or 0
    started = time.perf_counter()
    for d in drivers:
        checks(d, STEPS_PER_CASE)
    ledger_s = time.perf_counter() - started
    events, raw_s = raw_reinsert(conninfo, first, "bench_raw_events", one_transaction=False)
    steps = APPEND_CASES * STEPS_PER_CASE
    return {
        "steps": steps,
        "events": events,
        "ledger_events_per_s": round(events / ledger_s),
        "raw_insert_rows_per_s": round(events / raw_s),
        "ledger_share_of_raw": round(raw_s / ledger_s, 3),
    }


def long_case(ledger: Ledger) -> uuid.UUID:
    d = CaseDriver(ledger)
    d.through("visit")
    checks(d, LONG_CASE_EVENTS - 2)
    return d.case_id


def raw_read_ms(conninfo: str, table: str, case_id: uuid.UUID) -> float:
    with psycopg.connect(conninfo) as conn:
        query = f"SELECT originator_version, topic, state FROM {table} WHERE originator_id = %s ORDER BY 1"

        def read() -> None:
            assert len(conn.execute(query, (case_id,)).fetchall()) == LONG_CASE_EVENTS  # type: ignore[arg-type]

        return median_ms(read, 10)


def replay(env: dict[str, str], ledger: Ledger, conninfo: str) -> tuple[dict[str, Any], uuid.UUID]:
    snapshotted = long_case(ledger)
    plain_ledger = UnsnapshottedLedger(env)
    plain = long_case(plain_ledger)
    now = datetime.now(UTC)
    with_ms = median_ms(lambda: ledger.cases.view(snapshotted, now), 10)
    without_ms = median_ms(lambda: plain_ledger.cases.view(plain, now), 10)
    raw_ms = raw_read_ms(conninfo, "cases_events", snapshotted)
    plain_ledger.close()
    return {
        "events": LONG_CASE_EVENTS,
        "raw_read_ms": round(raw_ms, 2),
        "view_with_snapshots_ms": round(with_ms, 2),
        "view_without_snapshots_ms": round(without_ms, 2),
        "with_snapshots_vs_raw": round(with_ms / raw_ms, 2),
        "without_snapshots_vs_raw": round(without_ms / raw_ms, 2),
    }, snapshotted


async def timeline(env: dict[str, str], case_id: uuid.UUID, raw_ms: float) -> dict[str, Any]:
    async with serve_app(env) as (http, headers):
        path = f"/cases/{case_id}/timeline"

        async def get() -> None:
            r = await http.get(path, headers=headers("inspector"))
            assert r.status_code == 200, r.text

        await get()
        times = []
        for _ in range(10):
            started = time.perf_counter()
            await get()
            times.append(time.perf_counter() - started)
    ms = statistics.median(times) * 1000
    return {"timeline_ms": round(ms, 1), "timeline_vs_raw": round(ms / raw_ms, 1)}


async def main() -> dict[str, Any]:
    configure_logging(json=True, level="WARNING")
    with embedded_postgres("store") as env:
        conninfo = conninfo_from(env)
        ledger = Ledger(env)
        appended = append_rate(ledger, conninfo)
        replayed, case_id = replay(env, ledger, conninfo)
        served = await timeline(env, case_id, replayed["raw_read_ms"])
        ledger.close()
    return {"append": appended, "replay": {**replayed, **served}}


def report(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    a, r = result["append"], result["replay"]
    return [
        ("event append through the ledger (events/s)", f"{a['raw_insert_rows_per_s']:,}",
         f"{a['ledger_events_per_s']:,}", f"{a['ledger_share_of_raw']:.0%}"),
        ("case of 1,000 events: view, snapshots (ms)", f"{r['raw_read_ms']:.1f}", f"{r['view_with_snapshots_ms']:.1f}",
         f"{r['with_snapshots_vs_raw']:.1f}×"),
        ("case of 1,000 events: view, no snapshots (ms)", f"{r['raw_read_ms']:.1f}",
         f"{r['view_without_snapshots_ms']:.1f}", f"{r['without_snapshots_vs_raw']:.1f}×"),
        ("case of 1,000 events: timeline over HTTP (ms)", f"{r['raw_read_ms']:.1f}", f"{r['timeline_ms']:.1f}",
         f"{r['timeline_vs_raw']:.1f}×"),
    ]  # fmt: skip


if __name__ == "__main__":
    import asyncio

    from bench.support import print_rows

    print_rows(report(asyncio.run(main())))
