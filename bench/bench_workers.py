"""Many open case workflows on one worker process, against bare workflows on the same Temporal dev server.

- Dixian: 10,000 cases opened through their workflows (update-with-start of `CaseWorkflow.open`, its local activity
  appending the opening to the event store), 64 at a time, on one `dixian worker` process; then that process's
  resident memory (goal: < 1 GiB), against its memory before the first case.
- The CPU each costs the Temporal dev server (a bare start against an opening) and the worker, read from /proc:
  steadier than the rates on a shared 2-core machine, where the server and the worker take turns on the CPUs.
- Floor: as many bare workflows started (no update, no activity), 64 at a time, on the same server. (Until issue 22
  the floor was measured on 2,000 starts only, while the server was still empty; its rate falls as open workflows
  accumulate, as Dixian's does, so both are now measured on the same number.)

Run: `make bench` (or `python -m bench.bench_workers --cases 10000`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.floor import FloorWorkflow
from bench.support import (
    ACTORS,
    COMMAND_KEY,
    cpu_seconds,
    embedded_postgres,
    own_cpu_seconds,
    postgres_cpu,
    print_rows,
    spawn,
    stop,
)
from domain.cases.values import case_id_for_command
from domain.kernel.time import local_date
from worker.national_sync import conninfo_from
from worker.stack import find_binary
from workflows.cases.client import open_case, opening
from workflows.cases.contracts import CaseWorkflowState, OpenCaseInput, OpenCaseRequest
from workflows.cases.search_attributes import ALL
from workflows.cases.signing import sign
from workflows.kernel.contracts import ActorModel
from workflows.kernel.observability import configure_logging
from workflows.kernel.temporal import data_converter

CONCURRENCY = 64


def temporal_server_pid() -> int:
    """The Temporal dev server this process started (WorkflowEnvironment.start_local runs it as a child)."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(") ", 1)
        except (OSError, IndexError):
            continue
        if name == "temporal" and rest.split()[1] == me:
            return int(stat.parent.name)
    raise RuntimeError("no Temporal dev server among this process's children")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def in_batches(n: int, make: Any) -> float:
    """Seconds to run ``make(i)`` for i < n, CONCURRENCY at a time."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with gate:
            await make(i)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - started


async def floor(client: Client, n: int) -> float:
    queue = f"floor-{uuid.uuid4().hex[:6]}"
    async with Worker(client, task_queue=queue, workflows=[FloorWorkflow]):
        return await in_batches(
            n, lambda i: client.start_workflow(FloorWorkflow.run, id=f"floor-{queue}-{i}", task_queue=queue)
        )


async def open_cases(client: Client, queue: str, n: int, today: date) -> float:
    actor = ACTORS["cadre"]
    model = ActorModel(id=actor.id, role=actor.role, area_code=actor.area_code, name=actor.name)
    run = uuid.uuid4().hex[:6]

    async def one(i: int) -> None:
        command_id = f"bench-open-{run}-{i}"
        case_id = case_id_for_command(command_id)
        # households not registered: opened as self-applications (a cadre's screening names a registered one)
        body = OpenCaseRequest(household_number=f"W-{run}-{i:05d}", village_code=actor.area_code,
                               source="self_application", clue_date=today)  # fmt: skip
        cmd = sign(OpenCaseInput(case_id=case_id, command_id=command_id, actor=model, request=body), COMMAND_KEY)
        await open_case(client, cmd, opening(CaseWorkflowState.begin(case_id), queue))

    return await in_batches(n, one)


async def main(cases: int) -> dict[str, Any]:
    configure_logging(json=True, level="WARNING")
    data_dir = Path(tempfile.mkdtemp(prefix="dixian-bench-workers-"))
    with embedded_postgres("workers") as env:
        postgres = postgres_cpu(conninfo_from(env))
        async with await WorkflowEnvironment.start_local(
            dev_server_existing_path=find_binary("temporal"),
            data_converter=data_converter(env["CIPHER_KEY"]),
            search_attributes=list(ALL),
        ) as temporal:
            client = temporal.client
            server = temporal_server_pid()
            server_cpu, own_cpu = cpu_seconds(server), own_cpu_seconds()
            floor_s = await floor(client, cases)
            floor_server_cpu = cpu_seconds(server) - server_cpu
            floor_own_cpu = own_cpu_seconds() - own_cpu
            queue = f"bench-{uuid.uuid4().hex[:6]}"
            worker = spawn("worker", env, client.service_client.config.target_host, data_dir, DIXIAN_TASK_QUEUE=queue)
            try:
                await open_cases(client, queue, 1, local_date(datetime.now().astimezone()))  # the worker is up
                idle = rss_mib(worker.pid)
                server_cpu, worker_cpu = cpu_seconds(server), cpu_seconds(worker.pid)
                own_cpu, pg_cpu = own_cpu_seconds(), postgres()
                opened_s = await open_cases(client, queue, cases, local_date(datetime.now().astimezone()))
                open_server_cpu = cpu_seconds(server) - server_cpu
                open_worker_cpu = cpu_seconds(worker.pid) - worker_cpu
                open_own_cpu, open_pg_cpu = own_cpu_seconds() - own_cpu, postgres() - pg_cpu
                await asyncio.sleep(2)
                loaded = rss_mib(worker.pid)
            finally:
                stop(worker)
    return {
        "cases": cases,
        "floor_starts_per_s": round(cases / floor_s),
        "open_cases_per_s": round(cases / opened_s),
        "open_share_of_floor": round(floor_s / opened_s, 3),
        "worker_rss_idle_mib": round(idle),
        "worker_rss_mib": round(loaded),
        "open_seconds": round(opened_s, 1),
        # CPU milliseconds per workflow: the dev server for a bare start and for an opening, and the worker
        "floor_server_cpu_ms": round(floor_server_cpu / cases * 1000, 2),
        "open_server_cpu_ms": round(open_server_cpu / cases * 1000, 2),
        "open_worker_cpu_ms": round(open_worker_cpu / cases * 1000, 2),
        # and the benchmark's own process: the client's starts with the floor's worker, then the client's openings
        "floor_bench_cpu_ms": round(floor_own_cpu / cases * 1000, 2),
        "open_bench_cpu_ms": round(open_own_cpu / cases * 1000, 2),
        "open_postgres_cpu_ms": round(open_pg_cpu / cases * 1000, 2),
    }


def report(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    r = result
    floor_all = r["floor_server_cpu_ms"] + r["floor_bench_cpu_ms"]
    open_all = r["open_server_cpu_ms"] + r["open_worker_cpu_ms"] + r["open_postgres_cpu_ms"] + r["open_bench_cpu_ms"]
    return [
        (f"open {r['cases']:,} case workflows (per s)", f"{r['floor_starts_per_s']:,}", f"{r['open_cases_per_s']:,}",
         f"{r['open_share_of_floor']:.0%}"),
        (f"worker memory, {r['cases']:,} open cases (MiB)", f"{r['worker_rss_idle_mib']:,} idle",
         f"{r['worker_rss_mib']:,}", f"{r['worker_rss_mib'] / 1024:.2f} GiB"),
        ("Temporal dev server CPU per workflow (ms)", f"{r['floor_server_cpu_ms']:.1f}",
         f"{r['open_server_cpu_ms']:.1f}", f"{r['open_server_cpu_ms'] / r['floor_server_cpu_ms']:.1f}×"),
        ("worker CPU per opening (ms)", "", f"{r['open_worker_cpu_ms']:.1f}", ""),
        ("PostgreSQL CPU per opening (ms)", "", f"{r['open_postgres_cpu_ms']:.1f}", ""),
        ("the benchmark's client (and the floor's worker) CPU (ms)", f"{r['floor_bench_cpu_ms']:.1f}",
         f"{r['open_bench_cpu_ms']:.1f}", ""),
        ("all CPU per workflow (ms): what bounds the rate on shared cores", f"{floor_all:.1f}", f"{open_all:.1f}",
         f"{floor_all / open_all:.0%}"),
    ]  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    print_rows(report(asyncio.run(main(args.cases))))
