"""A county's data against its floors, on one embedded PostgreSQL, side by side.

- Roster import: a generated county roster (200,000 households by default) through `import_roster` (every row
  checked, households with their ID-number claims hash-chained, encrypted and appended), its new households written
  by one process a CPU (four at most) as `dixian import` writes them, with the projector running as in production,
  against PostgreSQL COPY of the same rows into a plain table.
- Cases: 10,000 generated cases taken through the ledger to a spread of stages (identifying to rolled back).
- Projections: a `dixian projector` process, started with empty read models before the import, folds the log
  while the roster and the cases are written and until it has every event (case list, registry, report facts):
  log events per second from its start until it has the last, against a raw read of the same notification log.
- Reports 3-1 to 3-4 for the county over the year, answered from the read models over HTTP (goal: < 1 s each).
- With `--verify`: verifying the whole store (every event decrypted, re-hashed and chained) against the same raw
  read (not in `make bench`, to keep it within 15 minutes).

Run: `make bench` (or `python -m bench.bench_county --households 200000 --cases 10000`).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from bench.support import (
    ACTORS,
    cpu_seconds,
    embedded_postgres,
    own_cpu_seconds,
    postgres_cpu,
    print_rows,
    serve_app,
    spawn,
    stop,
)
from domain.audit import checkpoints as audit
from domain.ledger import Ledger
from domain.readmodels.cases import open_summary_view
from domain.readmodels.registry import open_registry_view
from domain.readmodels.reports import open_report_view
from domain.registry.roster import COLUMNS
from tests.domain.support import CaseDriver
from worker.demo.township import generate, roster_file
from worker.national_sync import conninfo_from
from workflows.kernel.keys import check
from workflows.kernel.observability import configure_logging
from workflows.ops.service import lag_of
from workflows.registry.parallel_import import MAX_JOBS
from workflows.registry.roster_files import CLI_MAX_BYTES, CLI_MAX_ROWS
from workflows.registry.service import RegistryService

# Where the generated cases stop (a stage of the happy path, tests/domain/support.py STAGES) and how many stop there.
CASE_MIX = {
    "visit": 0.25,
    "close_notice": 0.10,
    "monitored": 0.35,
    "assisted": 0.20,
    "eliminated": 0.07,
    "rolled_back": 0.03,
}
T = TypeVar("T")
REPORT_PERIOD = "2026-01-01..2026-12-31"  # the generated cases' business dates lie in 2026
DEFAULT_JOBS = min(MAX_JOBS, os.cpu_count() or 1)  # as `dixian import` writes a county's roster


def copy_floor(conninfo: str, data: bytes) -> float:
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


def raw_log_read(conninfo: str) -> tuple[int, float]:
    """The notification log read whole, in order, as a projection reads it (without decoding)."""
    with psycopg.connect(conninfo) as conn:
        started = time.perf_counter()
        n = 0
        with conn.cursor(name="log") as cur:
            cur.itersize = 5000
            cur.execute(
                "SELECT notification_id, originator_id, originator_version, topic, state FROM cases_events "
                "ORDER BY notification_id"
            )
            for _ in cur:
                n += 1
        return n, time.perf_counter() - started


def timed_import(env: dict[str, str], content: bytes, households: int, jobs: int = 1) -> float:
    """Seconds for `import_roster` to take a roster file of ``households`` new households, every one created, with
    ``jobs`` processes writing them (as `dixian import --jobs`)."""
    ledger = Ledger(env)
    service = RegistryService(ledger, open_registry_view(env))
    started = time.perf_counter()
    report = service.import_roster(
        content,
        "csv",
        actor=ACTORS["county"],
        now=datetime.now(UTC),
        max_bytes=CLI_MAX_BYTES,
        max_rows=CLI_MAX_ROWS,
        jobs=jobs,
    )
    seconds = time.perf_counter() - started
    ledger.close()
    assert report["households"]["created"] == households, report["households"]
    return seconds


def import_roster(
    env: dict[str, str], conninfo: str, households: int, jobs: int, projector_pid: int | None = None
) -> dict[str, Any]:
    """The import against COPY, and the CPU each component spent while the import ran: the importing process with
    its spawned writers, PostgreSQL, and the projector folding alongside (``projector_pid``)."""
    demo = generate(households, seed=1, today=date(2023, 3, 1))
    content = roster_file(demo, "csv")
    rows = content.decode("utf-8-sig").count("\n") - 1
    copy_s = copy_floor(conninfo, content)
    meters: dict[str, Callable[[], float]] = {"import": own_cpu_seconds, "postgres": postgres_cpu(conninfo)}
    if projector_pid is not None:
        meters["projector"] = lambda: cpu_seconds(projector_pid)
    ledger = Ledger(env)  # the log's tables made, if the projector has not made them yet
    try:
        first = ledger.recorder.max_notification_id() or 0
        before = {name: read() for name, read in meters.items()}
        import_s = timed_import(env, content, households, jobs)
        cpu = {name: round(read() - before[name], 1) for name, read in meters.items()}
        events = (ledger.recorder.max_notification_id() or 0) - first
    finally:
        ledger.close()
    return {
        "households": households,
        "jobs": jobs,
        "rows": rows,
        "import_rows_per_s": round(rows / import_s),
        "copy_rows_per_s": round(rows / copy_s),
        "import_share_of_copy": round(copy_s / import_s, 4),
        "import_seconds": round(import_s, 1),
        "events": events,
        "cpu_seconds": cpu,
        "cpu_ms_per_household": {name: round(v * 1000 / households, 3) for name, v in cpu.items()},
    }


def roster_cpu_ms(imported: dict[str, Any], projection: dict[str, Any]) -> float:
    """CPU milliseconds a household of the roster cost in all: the importing processes, PostgreSQL and the projector
    while the import ran, and the share of the roster's events (of every event in the log) of what PostgreSQL and
    the projector spent afterwards, on the cases written then and on catching up."""
    during = sum(imported["cpu_seconds"].values())
    after = sum(projection["after_import_cpu_seconds"].values()) * imported["events"] / projection["log_events"]
    return float((during + after) * 1000 / imported["households"])


def cores_for(seconds: float, imported: dict[str, Any], projection: dict[str, Any], households: int) -> float:
    """Cores a county of ``households`` needs to import in ``seconds`` with the projector keeping pace, at this
    run's CPU a household (``roster_cpu_ms``), the work spread over the cores perfectly: the import's serial parts
    (the parse, the inserts under the table lock) do not allow that much beyond a few cores."""
    return roster_cpu_ms(imported, projection) * households / 1000 / seconds


def generate_cases(env: dict[str, str], cases: int) -> dict[str, Any]:
    rng = random.Random(9)
    stops = rng.choices(list(CASE_MIX), weights=list(CASE_MIX.values()), k=cases)
    ledger = Ledger(env)
    first = ledger.recorder.max_notification_id() or 0
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda stop: CaseDriver(ledger).through(stop), stops))
    seconds = time.perf_counter() - started
    events = (ledger.recorder.max_notification_id() or 0) - first
    ledger.close()
    return {"cases": cases, "events": events, "seconds": round(seconds, 1), "events_per_s": round(events / seconds)}


def lags(env: dict[str, str]) -> dict[str, int]:
    """Each read model's own events not yet folded."""
    ledger = Ledger(env)
    views = {"case_summaries": open_summary_view(env), "registry": open_registry_view(env),
             "reports": open_report_view(env)}  # fmt: skip
    try:
        return {name: lag_of(ledger, name, view) for name, view in views.items()}
    finally:
        ledger.close()
        for view in views.values():
            view.datastore.close()


def with_projector(env: dict[str, str], conninfo: str, households: int, cases: int, jobs: int) -> dict[str, Any]:
    """The projector as production runs it, a `dixian projector` process of its own, running from the start (its
    read models empty) while the roster is imported and the cases are written, then until it has every event."""
    data_dir = Path(tempfile.mkdtemp(prefix="dixian-bench-projector-"))
    postgres = postgres_cpu(conninfo)
    projector = spawn("projector", env, "", data_dir)
    started = time.perf_counter()
    try:
        imported = progress(
            "import (the projector running)", lambda: import_roster(env, conninfo, households, jobs, projector.pid)
        )
        after_import = {"postgres": postgres(), "projector": cpu_seconds(projector.pid)}
        generated = progress("cases (the projector running)", lambda: generate_cases(env, cases))
        written = time.perf_counter()
        while any(lags(env).values()):
            assert projector.poll() is None, (data_dir / "projector.log").read_text()[-2000:]
            time.sleep(1)
        done = time.perf_counter()
        projector_cpu = cpu_seconds(projector.pid)
        # what the cases and the projector's catch-up cost PostgreSQL and the projector after the import
        caught_up = {
            "postgres": postgres() - after_import["postgres"],
            "projector": projector_cpu - after_import["projector"],
        }
    finally:
        stop(projector)
        shutil.rmtree(data_dir, ignore_errors=True)
    events, raw_s = raw_log_read(conninfo)
    seconds = done - started
    projected = {
        "log_events": events,
        "seconds": round(seconds, 1),
        "after_last_write_seconds": round(done - written, 1),
        "events_per_s": round(events / seconds),
        "raw_read_events_per_s": round(events / raw_s),
        "share_of_raw": round(raw_s / seconds, 4),
        "projector_cpu_seconds": round(projector_cpu, 1),
        "projector_cpu_ms_per_event": round(projector_cpu * 1000 / events, 3),
        "after_import_cpu_seconds": {name: round(v, 1) for name, v in caught_up.items()},
    }
    return {"import": imported, "cases": generated, "projection": projected}


async def reports(env: dict[str, str]) -> dict[str, Any]:
    timings: dict[str, float] = {}
    async with serve_app(env) as (http, headers):
        for table in ("3-1", "3-2", "3-3", "3-4"):
            path = f"/reports/{table}?scope=990102&period={REPORT_PERIOD}"
            times = []
            for _ in range(3):
                started = time.perf_counter()
                r = await http.get(path, headers=headers("county"))
                times.append(time.perf_counter() - started)
                assert r.status_code == 200, r.text
            timings[table] = round(statistics.median(times) * 1000, 1)
        console = await console_pages(http, headers)
    return {"report_ms": timings, "console": console}


# Console pages against the JSON the same people would otherwise read, for the same area and the same data: what
# drawing the page adds (tables, pictures, labels) on top of reading it.
CONSOLE_PAGES = {
    "reports page, county, 4 tables": (f"/console/reports?scope=990102&period={REPORT_PERIOD}",
                                       [f"/reports/{t}?scope=990102&period={REPORT_PERIOD}" for t in
                                        ("3-1", "3-2", "3-3", "3-4")]),
    "findings board, county": ("/console/inspection", ["/audit/findings"]),
}  # fmt: skip


async def console_pages(http: Any, headers: Callable[[str], dict[str, str]]) -> dict[str, Any]:
    from api.console import session
    from bench.support import COMMAND_KEY

    cookie, _ = session.issue(session.session_key(COMMAND_KEY), ACTORS["county"], datetime.now(UTC))
    cookies = {session.COOKIE: cookie}
    out = {}
    for name, (page, baseline) in CONSOLE_PAGES.items():
        page_s, json_s = [], []
        for _ in range(3):
            started = time.perf_counter()
            r = await http.get(page, cookies=cookies)
            page_s.append(time.perf_counter() - started)
            assert r.status_code == 200 and "<html" in r.text, r.text[:300]
            started = time.perf_counter()
            for path in baseline:
                j = await http.get(path, headers=headers("county"))
                assert j.status_code == 200, j.text[:300]
            json_s.append(time.perf_counter() - started)
        out[name] = {"page_ms": round(statistics.median(page_s) * 1000, 1),
                     "json_ms": round(statistics.median(json_s) * 1000, 1)}  # fmt: skip
    return out


def verify(env: dict[str, str], conninfo: str, raw: dict[str, Any]) -> dict[str, Any]:
    ledger = Ledger(env)
    started = time.perf_counter()
    verified = audit.verify_log(ledger, check, "00" * 32)
    seconds = time.perf_counter() - started
    ledger.close()
    assert verified["first_break"] is None
    events = raw["log_events"]
    return {
        "verify_events_per_s": round(events / seconds),
        "verify_share_of_raw": round(events / seconds / raw["raw_read_events_per_s"], 4),
    }


def progress(what: str, step: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = step()
    print(f"[bench] county: {what} in {time.perf_counter() - started:.0f} s", flush=True)
    return result


def run(households: int, cases: int, with_verify: bool = False, jobs: int = DEFAULT_JOBS) -> dict[str, Any]:
    configure_logging(json=True, level="WARNING")
    with embedded_postgres("county") as env:
        conninfo = conninfo_from(env)
        written = progress("projections caught up", lambda: with_projector(env, conninfo, households, cases, jobs))
        answered = progress("reports", lambda: asyncio.run(reports(env)))
        verified = progress("verify", lambda: verify(env, conninfo, written["projection"])) if with_verify else {}
    return {**written, **answered, "verify": verified}


def report(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    i, p, v = result["import"], result["projection"], result["verify"]
    rows = [
        (f"roster import, {i['households']:,} households, {i['jobs']} process(es) (rows/s)",
         f"{i['copy_rows_per_s']:,}",
         f"{i['import_rows_per_s']:,}", f"{i['import_share_of_copy']:.2%}"),
        (f"projections, {p['log_events']:,} events (events/s)", f"{p['raw_read_events_per_s']:,}",
         f"{p['events_per_s']:,}", f"{p['share_of_raw']:.1%}"),
    ]  # fmt: skip
    if "cpu_ms_per_household" in i:
        cpu = i["cpu_ms_per_household"]
        rows += [
            (f"  CPU a household ({i['events'] / i['households']:.1f} events): import / PostgreSQL / projector (ms)",
             "", f"{cpu['import']:.2f} / {cpu['postgres']:.2f} / {cpu.get('projector', 0):.2f}", ""),
            ("  projector CPU an event, whole run (ms)", "", f"{p['projector_cpu_ms_per_event']:.2f}", ""),
            ("  CPU a household in all, the projector's catch-up included (ms)", "",
             f"{roster_cpu_ms(i, p):.2f}", ""),
            ("  cores for 200,000 households in 60 s, projector keeping pace", f"{os.cpu_count()} here",
             f"{cores_for(60, i, p, 200_000):.1f}", ""),
        ]  # fmt: skip
    if v:
        rows.append(("verifying the whole store (events/s)", f"{p['raw_read_events_per_s']:,}",
                     f"{v['verify_events_per_s']:,}", f"{v['verify_share_of_raw']:.1%}"))  # fmt: skip
    for table, ms in result["report_ms"].items():
        rows.append((f"report {table}, county, one year (ms)", "goal 1,000", f"{ms:,.0f}", f"{ms / 1000:.2f}×"))
    for name, c in result.get("console", {}).items():
        rows.append((f"console: {name} (ms; floor: the JSON)", f"{c['json_ms']:,.0f}", f"{c['page_ms']:,.0f}",
                     f"{c['page_ms'] / max(c['json_ms'], 0.1):.2f}×"))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--verify", action="store_true", help="also verify the whole store (about 30 s more)")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help="processes writing the roster's households")
    args = parser.parse_args()
    print_rows(report(run(args.households, args.cases, args.verify, args.jobs)))


if __name__ == "__main__":
    main()
