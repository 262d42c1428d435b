"""The registry and the audit against their floors, measured side by side on one embedded PostgreSQL.

- Roster import (CSV → checked rows → one transaction per household with its ID claims) against PostgreSQL COPY of
  the same rows into a plain table: rows per second, and Dixian's rate as a share of COPY's.
- Verifying the whole store (every event's hash recomputed and chained) against reading the same notifications
  raw: events per second, and the ratio.

Run: `make bench` (or `python -m bench.bench_registry --households 2000`). Figures are printed and merged into
bench/results.json under "registry".
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg

from domain import audit
from domain.ledger import CaseLedger
from domain.registry_readmodel import open_registry_view
from domain.roster import COLUMNS
from domain.values import Actor, Role
from worker.demo import generate, roster_file
from worker.national_sync import conninfo_from
from worker.stack import EmbeddedPostgres
from workflows.audit_keys import check
from workflows.observability import configure_logging
from workflows.registry_service import RegistryService
from workflows.roster_files import CLI_MAX_BYTES, CLI_MAX_ROWS
from workflows.settings import Settings

COUNTY = Actor("bench-county", Role.COUNTY_APPROVER, "990102")


def _copy_baseline(conninfo: str, data: bytes) -> float:
    """Seconds to COPY the roster's rows into a plain table (no checks, one transaction)."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        columns = ", ".join(f"c{i} text" for i in range(len(COLUMNS)))
        conn.execute(f"DROP TABLE IF EXISTS bench_roster; CREATE TABLE bench_roster ({columns})")  # type: ignore[arg-type]
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY bench_roster FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return time.perf_counter() - started


def _raw_read(conninfo: str) -> tuple[int, float]:
    with psycopg.connect(conninfo) as conn:
        started = time.perf_counter()
        n = 0
        for _ in conn.execute("SELECT notification_id, state FROM cases_events ORDER BY notification_id"):
            n += 1
        return n, time.perf_counter() - started


def run(households: int) -> dict[str, Any]:
    configure_logging(json=True, level="WARNING")
    data_dir = Path(tempfile.mkdtemp(prefix="dixian-bench-registry-"))
    pg = EmbeddedPostgres.start(data_dir)
    try:
        env = Settings(database_url=pg.database_url).eventsourcing_env()
        conninfo = conninfo_from(env)
        demo = generate(households, seed=1, today=date(2023, 3, 1))
        content = roster_file(demo, "csv")
        rows = content.decode("utf-8-sig").count("\n") - 1
        ledger = CaseLedger(env)
        service = RegistryService(ledger, open_registry_view(env))
        copy_s = _copy_baseline(conninfo, content)
        started = time.perf_counter()
        report = service.import_roster(
            content, "csv", actor=COUNTY, now=datetime.now(UTC), max_bytes=CLI_MAX_BYTES, max_rows=CLI_MAX_ROWS
        )
        import_s = time.perf_counter() - started
        assert report["households"]["created"] == households, report["households"]
        events, raw_s = _raw_read(conninfo)
        started = time.perf_counter()
        verified = audit.verify_log(ledger, check, "00" * 32)
        verify_s = time.perf_counter() - started
        assert verified["first_break"] is None
        ledger.close()
        figures = {
            "households": households,
            "rows": rows,
            "import_rows_per_s": round(rows / import_s),
            "copy_rows_per_s": round(rows / copy_s),
            "import_share_of_copy": round(copy_s / import_s, 4),
            "events": events,
            "verify_events_per_s": round(events / verify_s),
            "raw_read_events_per_s": round(events / raw_s),
            "verify_share_of_raw_read": round(raw_s / verify_s, 4),
        }
    finally:
        pg.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=2000)
    args = parser.parse_args()
    figures = run(args.households)
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    path = Path(__file__).parent / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["registry"] = figures
    path.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
