"""A case step through the whole stack against its floor, measured side by side on the same servers.

Dixian: HTTP (uvicorn on loopback) → workflow update with validator → local activity → event store → view.
Floor: a bare workflow update whose handler inserts one row through a local activity (libraries.md §3d).
Both run on one embedded PostgreSQL and one Temporal dev server started here. Figures are printed as a table and
written to bench/results.json; ratios are Dixian over floor (latency) and Dixian over floor (throughput).

Run: `make bench` (or `python -m bench.bench_step --steps 200 --clients 16`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.auth import issue_token
from bench.floor import CONNINFO, FloorWorkflow, insert_row
from bench.support import print_rows, spawn, stop
from domain.kernel.actors import Actor, Role
from domain.kernel.time import local_date
from worker.national_sync import conninfo_from
from worker.stack import EmbeddedPostgres, find_binary
from workflows.cases.search_attributes import ALL
from workflows.kernel.observability import configure_logging
from workflows.kernel.settings import Settings
from workflows.kernel.temporal import data_converter

SECRET = "bench-secret-bench-secret-bench-secret"
CADRE = Actor("bench-cadre", Role.VILLAGE_CADRE, "990102101001")
TOWNSHIP = Actor("bench-township", Role.TOWNSHIP_REVIEWER, "990102101")


# ----- the floor ---------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    p50_ms: float
    p99_ms: float
    throughput: float


def summarise(latencies: list[float], concurrent_steps: int, concurrent_seconds: float) -> Figures:
    ordered = sorted(latencies)
    return Figures(
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        throughput=concurrent_steps / concurrent_seconds,
    )


async def floor(env: WorkflowEnvironment, steps: int, clients: int) -> Figures:
    queue = f"floor-{uuid.uuid4().hex[:6]}"
    with ThreadPoolExecutor(max_workers=clients) as pool:
        async with Worker(
            env.client, task_queue=queue, workflows=[FloorWorkflow], activities=[insert_row], activity_executor=pool
        ):
            handles = [
                await env.client.start_workflow(FloorWorkflow.run, id=f"floor-{uuid.uuid4()}", task_queue=queue)
                for _ in range(clients)
            ]
            for i in range(20):  # warm-up
                await handles[i % len(handles)].execute_update(FloorWorkflow.step, i)
            latencies = []
            for i in range(steps):
                started = time.perf_counter()
                await handles[i % len(handles)].execute_update(FloorWorkflow.step, i)
                latencies.append(time.perf_counter() - started)

            async def client(handle: Any) -> None:
                for i in range(steps // clients):
                    await handle.execute_update(FloorWorkflow.step, i)

            started = time.perf_counter()
            await asyncio.gather(*(client(h) for h in handles))
            elapsed = time.perf_counter() - started
            for handle in handles:
                await handle.signal(FloorWorkflow.finish)
    return summarise(latencies, (steps // clients) * clients, elapsed)


# ----- Dixian through HTTP ---------------------------------------------------------------------------------------


def headers(actor: Actor, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, actor)}", "Idempotency-Key": key or uuid.uuid4().hex}


async def open_visited_case(http: httpx.AsyncClient, today: str) -> str:
    # A household of its own for each case: a household has at most one open case. Not registered, so a
    # self-application (a cadre's screening names a registered household), its visit typing its figures.
    body = {"household_number": f"B-{uuid.uuid4().hex[:10]}", "village_code": "990102101001",
            "source": "self_application", "clue_date": today}  # fmt: skip
    r = await http.post("/cases", json=body, headers=headers(CADRE))
    assert r.status_code == 201, r.text
    case_id = str(r.json()["case_id"])
    visit = {
        "visitors": ["甲"],
        "household_type": "ordinary",
        "household_size": 3,
        "labour_capable_members": 1,
        "per_capita_net_income": "6000",
        "risks": ["illness"],
        "authorisation_signed": True,
        "authorisation_ref": "A",
    }
    r = await http.post(f"/cases/{case_id}/steps/household-visit", json=visit, headers=headers(CADRE))
    assert r.status_code == 200, r.text
    return case_id


async def cross_check(http: httpx.AsyncClient, case_id: str, i: int) -> None:
    body = {"departments": [f"部门{i}"], "consistent": True}
    r = await http.post(f"/cases/{case_id}/steps/cross-check", json=body, headers=headers(TOWNSHIP))
    assert r.status_code == 200, r.text


async def dixian(env: WorkflowEnvironment, es_env: dict[str, str], steps: int, clients: int, port: int) -> Figures:
    """As `dixian run` deploys it: the API, the worker and the projector each in a process of its own."""
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    data_dir = Path(tempfile.mkdtemp(prefix="dixian-bench-step-"))
    address = env.client.service_client.config.target_host
    settings = {"DIXIAN_TASK_QUEUE": queue, "DIXIAN_API_PORT": str(port)}
    processes = [spawn(role, es_env, address, data_dir, **settings) for role in ("worker", "projector", "api")]
    try:
        today = local_date(await env.get_current_time()).isoformat()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for _ in range(600):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            cases = [await open_visited_case(http, today) for _ in range(clients)]
            for i in range(20):  # warm-up
                await cross_check(http, cases[i % len(cases)], i)
            latencies = []
            for i in range(steps):  # one at a time, in turn over the cases: each grows as a real case does
                started = time.perf_counter()
                await cross_check(http, cases[i % len(cases)], i)
                latencies.append(time.perf_counter() - started)

            async def client(case_id: str) -> None:
                for i in range(steps // clients):
                    await cross_check(http, case_id, i)

            started = time.perf_counter()
            await asyncio.gather(*(client(c) for c in cases[1:] + cases[:1]))
            elapsed = time.perf_counter() - started
    finally:
        stop(*processes)
        shutil.rmtree(data_dir, ignore_errors=True)
    return summarise(latencies, (steps // clients) * clients, elapsed)


async def main(steps: int, clients: int, port: int) -> dict[str, Any]:
    configure_logging(json=False, level="WARNING")  # per-request logs would be measured too
    data_dir = Path(tempfile.mkdtemp(prefix="dixian-bench-"))
    pg = EmbeddedPostgres.start(data_dir)
    try:
        es_env = Settings(database_url=pg.database_url).eventsourcing_env()
        CONNINFO["dsn"] = conninfo_from(es_env)
        with psycopg.connect(CONNINFO["dsn"], autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, n int, payload text)")
        async with await WorkflowEnvironment.start_local(
            dev_server_existing_path=find_binary("temporal"),
            data_converter=data_converter(es_env["CIPHER_KEY"]),
            search_attributes=list(ALL),
        ) as env:
            base = await floor(env, steps, clients)
            ours = await dixian(env, es_env, steps, clients, port)
    finally:
        pg.stop()
    return {
        "what": "case step (cross-check) over HTTP vs bare update + local-activity insert, same servers",
        "steps": steps,
        "clients": clients,
        "floor": base.__dict__,
        "dixian": ours.__dict__,
        "ratios": {
            "p50": ours.p50_ms / base.p50_ms,
            "p99": ours.p99_ms / base.p99_ms,
            "throughput": ours.throughput / base.throughput,
        },
    }


def report_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    f, d, r = result["floor"], result["dixian"], result["ratios"]
    return [
        ("case step over HTTP: p50 latency (ms)", f"{f['p50_ms']:.1f}", f"{d['p50_ms']:.1f}", f"{r['p50']:.2f}×"),
        ("case step over HTTP: p99 latency (ms)", f"{f['p99_ms']:.1f}", f"{d['p99_ms']:.1f}", f"{r['p99']:.2f}×"),
        (f"case steps, {result['clients']} clients (steps/s)", f"{f['throughput']:.0f}", f"{d['throughput']:.0f}",
         f"{r['throughput']:.0%}"),
    ]  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    print_rows(report_rows(asyncio.run(main(args.steps, args.clients, args.port))))
