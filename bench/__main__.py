"""`make bench`: every benchmark, each measured side by side with its floor in this run; one table at the end, and
every figure in bench/results.json with the machine it ran on.

Run: `make bench` (or `python -m bench`; `--quick` for a small county, to try the harness).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import bench_county, bench_discovery, bench_step, bench_store, bench_workers, province
from bench.support import machine, print_rows

RESULTS = Path(__file__).parent / "results.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 households, 200 cases, 500 workflows")
    args = parser.parse_args()
    households, cases, workflows = (2_000, 200, 500) if args.quick else (200_000, 10_000, 10_000)
    started = time.perf_counter()
    results: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    rows: list[tuple[str, str, str, str]] = []

    def section(name: str, run: Any, report: Any) -> None:
        t = time.perf_counter()
        results[name] = run()
        results[name]["seconds"] = round(time.perf_counter() - t, 1)
        rows.extend(report(results[name]))
        print(f"[bench] {name} done in {results[name]['seconds']} s", flush=True)

    section("step", lambda: asyncio.run(bench_step.main(200, 16, 8765)), bench_step.report_rows)
    section("store", lambda: asyncio.run(bench_store.main()), bench_store.report)
    section("county", lambda: bench_county.run(households, cases), bench_county.report)
    section("workers", lambda: asyncio.run(bench_workers.main(workflows)), bench_workers.report)
    section("discovery", bench_discovery.main, bench_discovery.report)
    counties = (2, 1_000, 100) if args.quick else (3, 3_000, 300)
    section("province", lambda: province.run(*counties), province.report)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print()
    print_rows(rows)
    print(f"\n{results['machine']}; {results['total_seconds']} s in all; figures in {RESULTS.name}")


if __name__ == "__main__":
    main()
