"""What the benchmarks share: an embedded PostgreSQL of their own, the API app over services on it, and the table."""

from __future__ import annotations

import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from subprocess import Popen, TimeoutExpired
from typing import Any, cast

import httpx
import psycopg
from pydantic import SecretStr
from temporalio.client import Client

from api.auth import issue_token
from api.deps import Services
from api.main import create_app
from domain.cases.queries import CaseQueries
from domain.kernel.actors import Actor, Role
from domain.readmodels.cases import open_summary_view
from domain.readmodels.reports import open_report_view
from worker.stack import EmbeddedPostgres
from workflows.accounts.service import AccountService
from workflows.audit.service import AuditService
from workflows.campaigns.service import CampaignService
from workflows.kernel.keys import SigningKey
from workflows.kernel.settings import Settings
from workflows.ops.service import OpsService
from workflows.registry.service import RegistryService
from workflows.reports.service import ReportService

SECRET = "bench-secret-bench-secret-bench-secret"
COMMAND_SEED = bytes(range(96, 128))  # the API (in process or spawned) signs commands with it; the workers check them
COMMAND_KEY = SigningKey(COMMAND_SEED)
ACTORS = {
    "cadre": Actor("bench-cadre", Role.VILLAGE_CADRE, "990102101001"),
    "township": Actor("bench-township", Role.TOWNSHIP_REVIEWER, "990102101"),
    "county": Actor("bench-county", Role.COUNTY_APPROVER, "990102"),
    "inspector": Actor("bench-inspector", Role.INSPECTOR, "990102"),
}


@contextmanager
def embedded_postgres(name: str) -> Iterator[dict[str, str]]:
    """A fresh embedded PostgreSQL for one benchmark; yields its eventsourcing env; removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"dixian-bench-{name}-"))
    pg = EmbeddedPostgres.start(data_dir)
    try:
        yield Settings(database_url=pg.database_url).eventsourcing_env()
    finally:
        pg.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


POSTGRES_SETTINGS = ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME", "POSTGRES_USER", "POSTGRES_PASSWORD")


def spawn(role: str, env: dict[str, str], temporal_address: str, data_dir: Path, **settings: str) -> Popen[bytes]:
    """`dixian <role>` (worker, projector or api) in a process of its own, on the benchmark's servers, as
    `dixian run` starts it; its output goes to <data_dir>/<role>.log."""
    variables = {
        **os.environ,
        "TEMPORAL_ADDRESS": temporal_address,
        "DATABASE_URL": "",
        **{
            k: env[k]
            for k in ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME", "POSTGRES_USER", "POSTGRES_PASSWORD")
        },
        "DIXIAN_CIPHER_KEY": env["CIPHER_KEY"],
        "DIXIAN_TOKEN_SECRET": SECRET,
        "DIXIAN_COMMAND_KEY": COMMAND_SEED.hex(),
        "DIXIAN_COMMAND_PUBLIC_KEY": COMMAND_KEY.public_key,
        "DIXIAN_DATA_DIR": str(data_dir),
        "DIXIAN_AUDIT_WITNESS_FILE": str(data_dir / "witness.jsonl"),
        "DIXIAN_LOG_FORMAT": "json",
        "DIXIAN_RECONCILE_SECONDS": "0",
        **settings,
    }
    log = (data_dir / f"{role}.log").open("ab")
    return Popen([sys.executable, "-m", "worker.cli", role], env=variables, stdout=log, stderr=log)


def stop(*processes: Popen[bytes] | None) -> None:
    for process in processes:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except TimeoutExpired:
                process.kill()
                process.wait()


def services(env: dict[str, str], temporal: Client | None, task_queue: str = "bench") -> Services:
    """The API's services on one event-store pool, as `dixian api` has them (api/main.py connect_services)."""
    registry = RegistryService.connect(env)
    summaries = registry.summaries or open_summary_view(env)
    return Services(
        settings=Settings(task_queue=task_queue, token_secret=SecretStr(SECRET)),
        token_secret=SecretStr(SECRET),
        temporal=cast(Client, temporal),  # reads never reach Temporal
        queries=CaseQueries(registry.ledger),
        summaries=summaries,
        registry=registry,
        campaigns=CampaignService(registry),
        audit=AuditService(
            registry.ledger, summaries, registry.view, SigningKey(bytes(32)).public_key, signer=COMMAND_KEY
        ),
        ops=OpsService(registry.ledger, summaries, registry.view),
        reports=ReportService(registry.ledger, open_report_view(env), registry.view, None),
        signer=COMMAND_KEY,
        accounts=AccountService(registry.ledger),
    )


def headers(who: str, key: str | None = None) -> dict[str, str]:
    # every write needs an Idempotency-Key (api.deps.command_id): a fresh one unless the caller names it
    return {"Authorization": f"Bearer {issue_token(SECRET, ACTORS[who])}", "Idempotency-Key": key or uuid.uuid4().hex}


@asynccontextmanager
async def serve_app(
    env: dict[str, str],
) -> AsyncIterator[tuple[httpx.AsyncClient, Callable[[str], dict[str, str]]]]:
    """The API app in this process (ASGI, no socket), for reads that need no workflow."""
    transport = httpx.ASGITransport(app=create_app(services(env, None)))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as http:
        yield http, headers


def machine() -> dict[str, Any]:
    memory = 0
    with suppress(ValueError, OSError):
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
    }


def print_rows(rows: list[tuple[str, str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'':<{width}}{'floor':>14}{'Dixian':>14}{'ratio':>10}")
    for what, floor, ours, ratio in rows:
        print(f"{what:<{width}}{floor:>14}{ours:>14}{ratio:>10}")


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user and system), from /proc: a component's cost, steadier than a rate
    on a shared machine."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU time of this process (every thread) and of the children it has waited for (an import's spawned
    processes, once their pool is shut down)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def postgres_cpu(conninfo: str) -> Callable[[], float]:
    """A reader of the CPU time a local PostgreSQL server has used so far: its postmaster, the backends it has
    reaped, and the backends alive now (found as the postmaster's children in /proc)."""
    with psycopg.connect(conninfo) as conn:  # the backend's parent read while the backend is still there
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        postmaster = int(_stat(int(row[0]))[1])
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = _stat(postmaster)
        total = sum(int(f) for f in fields[11:15])  # utime, stime, and its reaped children's cutime, cstime
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with suppress(OSError, IndexError):
                    child = _stat(int(entry.name))
                    if int(child[1]) == postmaster:
                        total += int(child[11]) + int(child[12])
        return total / tick

    return read


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime,
    [14] cstime (proc(5), counted from field 3)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def raw_reinsert(conninfo: str, after: int, table: str, *, one_transaction: bool) -> tuple[int, float]:
    """The floor of an append: the rows the store holds after notification ``after``, read back and inserted with
    raw psycopg into ``table``, a fresh copy of the events table (one transaction each, or all in one). Returns the
    rows and the seconds their inserts took."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM cases_events WHERE notification_id > %s "
            "ORDER BY notification_id",
            (after,),
        ).fetchall()
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (LIKE cases_events INCLUDING ALL)")
        insert = f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
        started = time.perf_counter()
        if one_transaction:
            with conn.transaction():
                for row in rows:
                    conn.execute(insert, row)
        else:
            for row in rows:
                with conn.transaction():
                    conn.execute(insert, row)
        return len(rows), time.perf_counter() - started


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    """The median of ``repeat`` timed calls of ``fn``, in milliseconds, after one call to warm it."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000
