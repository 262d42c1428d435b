"""The embedded runtime for real: PostgreSQL and Temporal restart on their data, the CLI starts."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from temporalio import workflow
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.devtokens import SEEDED_USERS
from tests.conftest import free_port
from worker.stack import (
    EmbeddedPostgres,
    PortInUseError,
    TemporalDevServer,
    ensure_search_attributes,
)
from workflows.cases.search_attributes import ALL, CASE_STATUS
from workflows.kernel.settings import Settings, parse_database_url

REPO = Path(__file__).resolve().parents[2]


@workflow.defn(sandboxed=False)
class ParkedWorkflow:
    """Marks itself open, then waits for `finish`."""

    def __init__(self) -> None:
        self._finished = False

    @workflow.run
    async def run(self) -> str:
        workflow.upsert_search_attributes([CASE_STATUS.value_set("open")])
        await workflow.wait_condition(lambda: self._finished)
        return "done"

    @workflow.signal
    def finish(self) -> None:
        self._finished = True


async def custom_attributes(client: Client) -> dict[str, int]:
    resp = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace="default"))
    return dict(resp.custom_attributes)


async def wait_until_open(handle: WorkflowHandle[ParkedWorkflow, str]) -> None:
    for _ in range(100):
        if (await handle.describe()).typed_search_attributes.get(CASE_STATUS) == "open":
            return
        await asyncio.sleep(0.1)
    raise AssertionError("CaseStatus was never upserted")


def test_embedded_postgres_starts_after_a_start_that_failed(tmp_path: Path) -> None:
    """A start that fails (here a setting PostgreSQL refuses; after a crash, the last backends' shared memory) must
    not make every later start in the process fail too: the supervisor of `dixian run` retries in the same one."""
    data_dir = tmp_path / "data"
    EmbeddedPostgres.start(data_dir).stop()
    conf = data_dir / "postgres" / "postgresql.conf"
    good = conf.read_text(encoding="utf-8")
    conf.write_text(good + "\nshared_buffers = 'not a size'\n", encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 (the wheel's own: pg_ctl's failure as it reports it)
        EmbeddedPostgres.start(data_dir)
    conf.write_text(good, encoding="utf-8")
    pg = EmbeddedPostgres.start(data_dir)
    try:
        assert pg.running()
        with psycopg.connect(pg.database_url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        pg.stop()


def test_embedded_postgres_keeps_data_across_restarts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    pg = EmbeddedPostgres.start(data_dir)
    try:
        assert "?host=" in pg.database_url
        with psycopg.connect(pg.database_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (id int PRIMARY KEY, note text)")
            conn.execute("INSERT INTO kept VALUES (1, '底线')")
    finally:
        pg.stop()
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "server still running after stop()"
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg.database_url, connect_timeout=2)

    pg = EmbeddedPostgres.start(data_dir)
    try:
        with psycopg.connect(pg.database_url) as conn:
            assert conn.execute("SELECT id, note FROM kept").fetchall() == [(1, "底线")]
    finally:
        pg.stop()


async def test_temporal_dev_server_keeps_workflows_and_search_attributes(tmp_path: Path) -> None:
    port, ui_port = free_port(), free_port()
    wanted = {key.name for key in ALL}
    workflow_id, task_queue = f"parked-{uuid.uuid4()}", f"tq-{uuid.uuid4()}"

    server = await TemporalDevServer.start(tmp_path, port=port, ui_port=ui_port)
    try:
        assert (server.address, server.ui_url) == (f"127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}")
        client = await Client.connect(server.address)
        assert wanted <= set(await custom_attributes(client))
        async with Worker(client, task_queue=task_queue, workflows=[ParkedWorkflow]):
            handle = await client.start_workflow(ParkedWorkflow.run, id=workflow_id, task_queue=task_queue)
            await wait_until_open(handle)
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert (tmp_path / "temporal.db").exists() and (tmp_path / "temporal.log").exists()

    server = await TemporalDevServer.start(tmp_path, port=port, ui_port=ui_port)
    try:
        client = await Client.connect(server.address)
        assert wanted <= set(await custom_attributes(client))
        # New attributes on an existing db file are not added by --search-attribute; the operator service does it.
        probe = SearchAttributeKey.for_keyword("DixianProbe")
        assert await ensure_search_attributes(client, "default", [*ALL, probe]) == ["DixianProbe"]
        assert await ensure_search_attributes(client, "default", [*ALL, probe]) == []
        with pytest.raises(RuntimeError, match="CaseStatus"):
            await ensure_search_attributes(client, "default", [SearchAttributeKey.for_bool("CaseStatus")])

        handle = client.get_workflow_handle_for(ParkedWorkflow.run, workflow_id)
        description = await handle.describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
        assert description.typed_search_attributes.get(CASE_STATUS) == "open"
        listed = [w.id async for w in client.list_workflows(f"WorkflowId = '{workflow_id}' AND CaseStatus = 'open'")]
        assert listed == [workflow_id]
        async with Worker(client, task_queue=task_queue, workflows=[ParkedWorkflow]):
            await handle.signal(ParkedWorkflow.finish)
            assert await handle.result() == "done"
    finally:
        server.stop()


async def test_temporal_port_conflict_names_the_setting(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(PortInUseError, match="DIXIAN_TEMPORAL_PORT"):
            await TemporalDevServer.start(tmp_path, port=busy.getsockname()[1], ui_port=free_port())


async def run_parked(env: WorkflowEnvironment) -> None:
    task_queue = f"tq-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=task_queue, workflows=[ParkedWorkflow]):
        handle = await env.client.start_workflow(ParkedWorkflow.run, id=f"p-{uuid.uuid4()}", task_queue=task_queue)
        await wait_until_open(handle)
        await handle.signal(ParkedWorkflow.finish)
        assert await handle.result() == "done"


async def test_time_skipping_env_accepts_dixian_search_attributes(ts_env: WorkflowEnvironment) -> None:
    await run_parked(ts_env)


async def test_dev_server_env_accepts_dixian_search_attributes(temporal_env: WorkflowEnvironment) -> None:
    await run_parked(temporal_env)


def test_es_env_points_at_a_fresh_database(es_env: dict[str, str], pg_url: str) -> None:
    assert es_env["PERSISTENCE_MODULE"] == "domain.readmodels.schema:TakingTurns"
    assert es_env["POSTGRES_DBNAME"].startswith("test_")
    assert es_env["POSTGRES_HOST"] == parse_database_url(pg_url)[0]
    conninfo = f"host={es_env['POSTGRES_HOST']} port={es_env['POSTGRES_PORT']} dbname={es_env['POSTGRES_DBNAME']}"
    with psycopg.connect(conninfo, user=es_env["POSTGRES_USER"]) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        assert tables == (0,)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://dixian:p%40ss@db.example:6543/cases", ("db.example", "6543", "cases", "dixian", "p@ss")),
        ("postgres://u@localhost/x", ("localhost", "5432", "x", "u", "")),
        ("postgresql://postgres:@/postgres?host=/run/pg", ("/run/pg", "5432", "postgres", "postgres", "")),
    ],
)
def test_parse_database_url_tcp_and_socket(url: str, expected: tuple[str, ...]) -> None:
    assert parse_database_url(url) == expected


def test_a_database_url_option_dixian_cannot_read_is_refused_not_dropped() -> None:
    with pytest.raises(ValueError, match="PGSSLMODE"):  # a TLS mode dropped in silence would connect without it
        parse_database_url("postgresql://u:p@db.example/x?sslmode=verify-full")


def test_settings_eventsourcing_env_from_socket_url() -> None:
    env = Settings(database_url="postgresql://postgres:@/cases?host=/run/pg").eventsourcing_env()
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == ("/run/pg", "5432", "cases")
    assert env["POSTGRES_PASSWORD"] == ""
    with pytest.raises(ValueError, match="postgresql://"):
        parse_database_url("mysql://u@h/db")


def test_token_secret_is_private_and_stable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    secret = settings.resolve_token_secret()
    assert len(secret) >= 40
    assert stat.S_IMODE((tmp_path / "token-secret").stat().st_mode) == 0o600
    assert Settings(data_dir=tmp_path).resolve_token_secret() == secret
    assert Settings(data_dir=tmp_path, token_secret="given").resolve_token_secret() == "given"
    with pytest.raises(ValueError, match="DIXIAN_TOKEN_SECRET"):
        Settings(data_dir=tmp_path, environment="production").resolve_token_secret()


def test_dixian_help_exits_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "worker.cli", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for command in ("run", "worker", "projector", "api"):
        assert command in result.stdout


def test_dixian_run_refuses_a_busy_api_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env = {**os.environ, "DIXIAN_DATA_DIR": str(tmp_path), "DIXIAN_API_PORT": str(busy.getsockname()[1])}
        result = subprocess.run(
            [sys.executable, "-m", "worker.cli", "run"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1
    assert "DIXIAN_API_PORT" in result.stderr
    assert not (tmp_path / "postgres").exists(), "nothing may start when a port is busy"


FAKE_CHILDREN = r'''
import asyncio, json, os, socket, sys, time
import worker.cli as cli
from worker.supervisor import RestartPolicy

async def fake_spawn(role, env):
    """Stand-ins for the worker and API: record their environment, the API listens on its port."""
    code = (
        "import json, os, socket, sys, time\n"
        "d = os.environ['DIXIAN_DATA_DIR']; role = sys.argv[1]\n"
        "keys = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'DIXIAN_TOKEN_SECRET']\n"
        "json.dump({'pid': os.getpid(), **{k: os.environ.get(k) for k in keys}}, open(f'{d}/{role}.json', 'w'))\n"
        "if role == 'api':\n"
        "    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "    s.bind(('127.0.0.1', int(os.environ['DIXIAN_API_PORT']))); s.listen()\n"
        "    if os.environ.get('FAKE_API_CRASH'): time.sleep(0.5); sys.exit(3)\n"
        "time.sleep(600)\n"
    )
    return await asyncio.create_subprocess_exec(sys.executable, "-c", code, role, env=env, start_new_session=True)

cli._spawn = fake_spawn
# Quick restarts, and three deaths in a minute stop the stack (the defaults: 1 s doubling to 30 s, five in 5 min).
cli.RESTART_POLICY = RestartPolicy(first_backoff=0.2, max_backoff=1.0, burst=3, window=60.0)
cli.main(["run"])
'''


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _pid_of(path: Path) -> int | None:
    try:
        text = path.read_text()
        return int(json.loads(text)["pid"]) if path.suffix == ".json" else int(text)
    except (FileNotFoundError, ValueError, KeyError):
        return None  # not written yet, or being written


def _replaced(path: Path, old_pid: int, within: float = 60.0) -> int:
    """Wait until the file names another, living process; return its pid."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        pid = _pid_of(path)
        if pid is not None and pid != old_pid and _pid_alive(pid):
            return pid
        time.sleep(0.1)
    raise AssertionError(f"{path.name}: no new process after {within:.0f} s (still {_pid_of(path)})")


@pytest.mark.parametrize("scenario", ["heals", "keeps-dying", "hangup"])
def test_dixian_run_supervises_and_stops_everything(tmp_path: Path, scenario: str) -> None:
    data_dir = tmp_path / "data"
    driver = tmp_path / "driver.py"
    driver.write_text(FAKE_CHILDREN)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "POSTGRES_", "TEMPORAL_"))}
    env.pop("DIXIAN_TOKEN_SECRET", None)
    env |= {"DIXIAN_DATA_DIR": str(data_dir), "DIXIAN_API_PORT": str(free_port())}
    env |= {"DIXIAN_TEMPORAL_PORT": str(free_port()), "DIXIAN_TEMPORAL_UI_PORT": str(free_port())}
    env |= {"DIXIAN_WORKER_METRICS": f"127.0.0.1:{free_port()}"}
    if scenario == "keeps-dying":
        env["FAKE_API_CRASH"] = "1"
    stderr = (tmp_path / "stderr.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(driver)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
    )
    assert proc.stdout is not None
    output = ""
    for line in proc.stdout:
        output += line
        if "Dixian is running" in line:
            break
    run = data_dir / "run"
    if scenario == "heals":
        # Each child killed without warning is started again, and the stack carries on.
        for role in ("worker", "projector", "api"):
            old = _pid_of(data_dir / f"{role}.json")
            assert old is not None and _pid_of(run / f"{role}.pid") == old
            os.kill(old, signal.SIGKILL)
            assert _replaced(data_dir / f"{role}.json", old) == _replaced(run / f"{role}.pid", old)
        old = _pid_of(run / "temporal.pid")
        assert old is not None
        os.kill(old, signal.SIGKILL)
        _replaced(run / "temporal.pid", old)
        with socket.create_connection(("127.0.0.1", int(env["DIXIAN_TEMPORAL_PORT"])), timeout=5):
            pass  # its gRPC port answers again, on the same address the children were given
        old = _pid_of(run / "postgres.pid")
        assert old is not None
        os.kill(old, signal.SIGKILL)
        _replaced(run / "postgres.pid", old)
        url = json.loads((data_dir / "worker.json").read_text())["DATABASE_URL"]
        with psycopg.connect(url, connect_timeout=10) as conn:  # the same socket address, the same data
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE '%_events'").fetchone()
            assert tables is not None and tables[0] > 0
        assert proc.poll() is None, "the stack stopped"
    if scenario == "heals":  # then Ctrl-C stops it all
        proc.send_signal(signal.SIGINT)
    if scenario == "hangup":  # its terminal closed: everything stops as on Ctrl-C, nothing is left running
        proc.send_signal(signal.SIGHUP)
    output += proc.stdout.read()
    returncode = proc.wait(timeout=90)
    errors = (tmp_path / "stderr.log").read_text()
    said = [ln for ln in errors.splitlines() if ln.startswith("dixian:")]

    assert "API docs" in output and "Temporal UI" in output, output + errors
    assert f"http://{env['DIXIAN_WORKER_METRICS']}/metrics (worker)" in output
    if scenario == "keeps-dying":
        assert returncode == 1, errors
        assert "dixian: the api process exited unexpectedly (status 3); restarting it in 0.2 s" in said, said
        assert "dixian: the api process exited unexpectedly (status 3); restarting it in 0.4 s" in said, said  # doubled
        assert said[-1].startswith("dixian: the api process died 3 times within 60 s"), said
    else:
        assert returncode == 0, errors
    if scenario == "heals":
        for role in ("worker", "projector", "api", "temporal", "postgres"):
            assert any(ln.startswith(f"dixian: the {role} process exited unexpectedly") for ln in said), (role, said)
    worker_env = json.loads((data_dir / "worker.json").read_text())
    projector_env = json.loads((data_dir / "projector.json").read_text())
    api_env = json.loads((data_dir / "api.json").read_text())
    assert worker_env["DATABASE_URL"].endswith(f"?host={data_dir / 'postgres'}")
    assert worker_env["TEMPORAL_ADDRESS"] == f"127.0.0.1:{env['DIXIAN_TEMPORAL_PORT']}"
    # No child is handed a secret it does not use; the API finds the development token secret in the data dir.
    assert worker_env["DIXIAN_TOKEN_SECRET"] is None and projector_env["DIXIAN_TOKEN_SECRET"] is None
    # A redirected start prints where the development tokens are, never a token.
    tokens = [p.read_text().strip() for p in (data_dir / "tokens").iterdir()]
    assert len(tokens) == len(SEEDED_USERS) == 9 and not any(t in output + errors for t in tokens)
    assert f"{data_dir / 'tokens'}/<role>" in output
    assert (data_dir / "tokens").stat().st_mode & 0o777 == 0o700
    # Nobody else lists the data dir (as root, PostgreSQL's own user may pass through it to its cluster).
    assert data_dir.stat().st_mode & 0o777 == (0o711 if os.geteuid() == 0 else 0o700)
    assert projector_env["DATABASE_URL"] == worker_env["DATABASE_URL"]
    for child in (worker_env, projector_env, api_env):
        assert not _pid_alive(child["pid"])
    assert not list(run.glob("*.pid")), "pid files left behind"
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL left running"
    with socket.socket() as sock:  # nothing listens on Temporal's gRPC port any more
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", int(env["DIXIAN_TEMPORAL_PORT"])))


def test_the_projector_s_parts_keep_one_connection_each_and_three_at_most(es_env: dict[str, str]) -> None:
    """It follows the log one event at a time: its pools grew to 46 connections while catching up and held them,
    leaving a running stack no room under PostgreSQL's 100 for an operator's `dixian audit …`."""
    from domain.readmodels.schema import follower_env
    from worker.main import projection_runner

    with projection_runner(es_env) as projections:
        stores = [r.view.datastore for r in projections.runners]
        stores += [r.app.recorder.datastore for r in projections.runners]  # type: ignore[attr-defined]
        assert {(s.pool.min_size, s.pool.max_size) for s in stores} == {(1, 3)}
    assert follower_env({"POSTGRES_POOL_SIZE": "10"})["POSTGRES_POOL_SIZE"] == "1"
