"""A province compressed in time: several counties' rosters, cases and projections run against the real stack at
small scale, each component measured on its own, so that docs/scaling.md can extrapolate a province of 100
counties from per-component costs.

Each county is a cell of its own, as docs/scaling.md decides: its own database (event store and read models) on a
shared PostgreSQL server, its own projector process, its own workers. Measured:

- roster import: households per second into one county's database, one importer;
- case steps (the ledger's append path, every rule checked): events per second with ``--counties`` writer processes
  at once, (a) each into its own county's database, (b) all into one database: what the event store's table lock
  costs when counties share a database;
- projection: each county's `dixian projector` folding its own log from empty, all counties at once, events per
  second (against a raw read of the same log);
- reports: the four statistical tables for each county, and the province's, summed from the counties' tables.

Run: `python -m bench.province` (about 5 minutes with the defaults), or with `--counties 3 --households 3000
--cases 300`. Part of `make bench`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.bench_county import CASE_MIX, raw_log_read, timed_import
from bench.support import embedded_postgres, print_rows, spawn, stop
from domain.ledger import Ledger
from domain.readmodels.registry import open_registry_view
from domain.readmodels.reports import open_report_view
from domain.reports.tables import Table
from worker.demo.township import generate, roster_file
from worker.national_sync import conninfo_from
from workflows.kernel.observability import configure_logging
from workflows.ops.service import lag_of
from workflows.reports.service import ReportService

COUNTY = "990102"  # each cell's own county; here they share the demo county's codes (their stores are apart)
PERIOD = "2026-01-01..2026-12-31"


def county_env(env: dict[str, str], name: str) -> dict[str, str]:
    """The eventsourcing env of database ``name`` on the same server, created if missing."""
    with psycopg.connect(conninfo_from(env), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return {**env, "POSTGRES_DBNAME": name}


def import_county(env: dict[str, str], households: int, seed: int) -> dict[str, Any]:
    content = roster_file(generate(households, seed=seed, today=date(2023, 3, 1)), "csv")
    return {"households": households, "seconds": timed_import(env, content, households)}


def write_cases(args: tuple[dict[str, str], int, int]) -> float:
    """In a process of its own: ``cases`` cases through the ledger to a spread of stages; the seconds it took."""
    import random

    from tests.domain.support import CaseDriver

    env, cases, seed = args
    configure_logging(json=True, level="WARNING")
    rng = random.Random(seed)
    stops = rng.choices(list(CASE_MIX), weights=list(CASE_MIX.values()), k=cases)
    ledger = Ledger(env)
    started = time.perf_counter()
    for stop_at in stops:
        CaseDriver(ledger).through(stop_at)
    seconds = time.perf_counter() - started
    ledger.close()
    return seconds


def log_length(env: dict[str, str]) -> int:
    ledger = Ledger(env)
    try:
        return ledger.recorder.max_notification_id() or 0
    finally:
        ledger.close()


def concurrent_writers(envs: list[dict[str, str]], cases: int) -> dict[str, Any]:
    """One writer process per env, all at once; the events they stored per second of the slowest writer (the
    events counted in the logs themselves: writers sharing a database each see the others' events too)."""
    databases = {env["POSTGRES_DBNAME"]: env for env in envs}
    before = {name: log_length(env) for name, env in databases.items()}
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(envs)) as pool:
        seconds = max(pool.map(write_cases, [(env, cases, i) for i, env in enumerate(envs)]))
    events = sum(log_length(env) - before[name] for name, env in databases.items())
    return {"writers": len(envs), "databases": len(databases), "events": events, "seconds": round(seconds, 1),
            "events_per_s": round(events / seconds)}  # fmt: skip


def lagging(env: dict[str, str]) -> int:
    ledger = Ledger(env)
    views = {"registry": open_registry_view(env), "reports": open_report_view(env)}
    try:
        from domain.readmodels.cases import open_summary_view

        views["case_summaries"] = open_summary_view(env)  # type: ignore[assignment]
        return sum(lag_of(ledger, name, view) for name, view in views.items())
    finally:
        ledger.close()
        for view in views.values():
            view.datastore.close()


def project_all(envs: list[dict[str, str]]) -> dict[str, Any]:
    """Each county's own projector, started on empty read models, all at once, until each has its whole log."""
    dirs = [Path(tempfile.mkdtemp(prefix="dixian-province-")) for _ in envs]
    started = time.perf_counter()
    projectors = [spawn("projector", env, "", d) for env, d in zip(envs, dirs, strict=True)]
    try:
        pending = set(range(len(envs)))
        while pending:
            for i in list(pending):
                assert projectors[i].poll() is None, (dirs[i] / "projector.log").read_text()[-2000:]
                if not lagging(envs[i]):
                    pending.discard(i)
            time.sleep(0.5)
        seconds = time.perf_counter() - started
    finally:
        stop(*projectors)
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
    events, raw_s = 0, 0.0
    for env in envs:
        n, s = raw_log_read(conninfo_from(env))
        events, raw_s = events + n, raw_s + s
    return {"counties": len(envs), "events": events, "seconds": round(seconds, 1),
            "events_per_s": round(events / seconds), "raw_events_per_s": round(events / raw_s)}  # fmt: skip


def reports(envs: list[dict[str, str]]) -> dict[str, Any]:
    """The four tables for each county, and the province's as the sum of the counties' (the tables' figures are
    counts by area: a province is its counties added up)."""
    county_ms: list[float] = []
    province: dict[str, list[list[int]]] = {}
    started_all = time.perf_counter()
    for env in envs:
        ledger = Ledger(env)
        service = ReportService(ledger, open_report_view(env), open_registry_view(env), None)
        today = date(2026, 12, 31)
        for table in Table:
            started = time.perf_counter()
            answer = service.table(table, COUNTY, service.period(COUNTY, PERIOD, today))
            county_ms.append((time.perf_counter() - started) * 1000)
            totals = answer["rows"][0]["values"]  # the first row is the county's total (合计)
            figures = [v for v in totals if isinstance(v, int)]
            into = province.setdefault(table.value, [])
            into.append(figures)
        ledger.close()
    summed = {t: [sum(col) for col in zip(*rows, strict=False)] for t, rows in province.items()}
    seconds = time.perf_counter() - started_all
    return {"county_table_ms_median": round(statistics.median(county_ms), 1),
            "province_ms": round(seconds * 1000), "province_totals": summed}  # fmt: skip


def run(counties: int, households: int, cases: int) -> dict[str, Any]:
    configure_logging(json=True, level="WARNING")
    with embedded_postgres("province") as env:
        envs = [county_env(env, f"county_{i}") for i in range(counties)]
        shared = county_env(env, "shared")
        imported = [import_county(e, households, seed=i + 1) for i, e in enumerate(envs)]
        print(f"[bench] province: {counties} rosters imported", flush=True)
        together = concurrent_writers([shared] * counties, cases)
        apart = concurrent_writers(envs, cases)
        print("[bench] province: cases written, apart and together", flush=True)
        projected = project_all(envs)
        print("[bench] province: projections caught up", flush=True)
        answered = reports(envs)
    per_s = [i["households"] / i["seconds"] for i in imported]
    return {
        "counties": counties,
        "import_households_per_s": round(statistics.median(per_s)),
        "cases_apart": apart,
        "cases_together": together,
        "projection": projected,
        "reports": answered,
    }


def report(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    a, t, p, rep = r["cases_apart"], r["cases_together"], r["projection"], r["reports"]
    return [
        ("province: roster import, one county (households/s)", "", f"{r['import_households_per_s']:,}", ""),
        (f"province: case events, {a['writers']} writers, one database (events/s; floor: a database each)",
         f"{a['events_per_s']:,}", f"{t['events_per_s']:,}", f"{t['events_per_s'] / a['events_per_s']:.0%}"),
        (f"province: {p['counties']} projectors at once (events/s; floor: raw read)", f"{p['raw_events_per_s']:,}",
         f"{p['events_per_s']:,}", f"{p['events_per_s'] / p['raw_events_per_s']:.1%}"),
        ("province: a county's table (ms, median)", "goal 1,000", f"{rep['county_table_ms_median']:,.0f}", ""),
        (f"province: 4 tables of {r['counties']} counties, summed (ms)", "", f"{rep['province_ms']:,}", ""),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--counties", type=int, default=3)
    parser.add_argument("--households", type=int, default=3_000)
    parser.add_argument("--cases", type=int, default=300, help="cases each writer takes through the ledger")
    args = parser.parse_args()
    print_rows(report(run(args.counties, args.households, args.cases)))


if __name__ == "__main__":
    main()
