"""PostgreSQL's connections: the pools of every process of the stack and the embedded server's max_connections are
sized together (``Settings.connection_budget``), and a `dixian` command that finds the server full, or down, says so
in one line and exits 75 at once instead of waiting out its pools. Against real PostgreSQL servers."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
import psycopg_pool
import pytest
from eventsourcing.postgres import PostgresDatastore
from temporalio.testing import WorkflowEnvironment

from tests.conftest import free_port
from tests.worker.conftest import run
from worker.cli.failures import EXIT_UNAVAILABLE, database_line
from worker.national_sync import conninfo_from
from worker.stack import EmbeddedPostgres
from workflows.kernel.settings import STACK_POOLS, Settings, parse_database_url

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[PostgresDatastore]:
    """Every pool the eventsourcing library opens from here on (the real ones, on the real server)."""
    opened: list[PostgresDatastore] = []
    original = PostgresDatastore.__init__

    def record(self: PostgresDatastore, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(PostgresDatastore, "__init__", record)
    return opened


def settings_for(es_env: dict[str, str], tmp_path: Path, **more: Any) -> Settings:
    return Settings(
        postgres_host=es_env["POSTGRES_HOST"], postgres_port=int(es_env["POSTGRES_PORT"]),
        postgres_dbname=es_env["POSTGRES_DBNAME"], postgres_user=es_env["POSTGRES_USER"], data_dir=tmp_path, **more,
    )  # fmt: skip


def most(pools: list[PostgresDatastore]) -> int:
    """What these pools may hold at once."""
    return sum(int(p.pool.max_size) for p in pools)


def test_the_worker_and_the_projector_hold_no_more_than_the_budget_counts(
    es_env: dict[str, str], tmp_path: Path, pools: list[PostgresDatastore]
) -> None:
    """Their parts opened as the processes open them: a pool added to either, or grown, fails here until the budget
    (and so the embedded server's max_connections) counts it."""
    from worker.main import checkpoint_service, projection_runner, worker_parts

    settings = settings_for(es_env, tmp_path)
    budget = settings.connection_budget()
    env = settings.eventsourcing_env()
    parts = worker_parts(settings, env)
    try:
        # Each running activity also holds one outbox connection while it reports to the national system.
        assert most(pools) + settings.activity_threads == budget.processes["worker"] == 32
    finally:
        parts.ledger.close()
        for p in pools:
            p.close()
    pools.clear()

    audit = checkpoint_service(settings, env)
    try:
        with projection_runner(env):
            # and the lease's one connection, held apart from any pool (worker.lease)
            assert most(pools) + 1 == budget.processes["projector"] == 37
    finally:
        audit.ledger.close()
        for p in pools:
            p.close()


async def test_the_api_holds_no_more_than_the_budget_counts(
    es_env: dict[str, str], tmp_path: Path, pools: list[PostgresDatastore], temporal_env: WorkflowEnvironment
) -> None:
    from api.main import connect_services

    address = temporal_env.client.service_client.config.target_host
    settings = settings_for(es_env, tmp_path, temporal_address=address)
    services = await connect_services(settings)
    try:
        assert most(pools) == settings.connection_budget().processes["api"] == 22
    finally:
        services.database.close()
        for p in pools:
            p.close()


def test_the_budget_follows_the_pools_and_the_readme_states_it() -> None:
    budget = Settings().connection_budget()
    assert set(budget.processes) == set(STACK_POOLS)
    assert (budget.stack, budget.command, budget.max_connections) == (91, 12, 137)
    assert budget.max_connections == budget.stack + budget.commands_at_once * budget.command + budget.other_sessions
    # Ten more connections in every process's event-store pool: ten more for the API, twenty for a worker (it runs
    # as many activities at once, each reporting through the outbox); the projector follows one at a time.
    bigger = Settings(postgres_pool_size=20).connection_budget()
    assert dict(bigger.processes) == {"api": 32, "worker": 52, "projector": 37}
    assert bigger.max_connections == 137 + 30 and bigger.command == 12  # a command keeps its own small pool
    row = next(
        line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `POSTGRES_POOL_SIZE`")
    )
    for figure in ("API 22", "worker 32", "projector 37", "91", "12", "137"):
        assert figure in row, figure


def test_the_embedded_server_is_started_with_the_budget(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SHOW max_connections").fetchone()
    assert row is not None and int(row[0]) == Settings().connection_budget().max_connections


@pytest.fixture(scope="module")
def small_server() -> Iterator[str]:
    """A PostgreSQL of its own that admits five connections."""
    data_dir = Path(tempfile.mkdtemp(prefix="dixian-test-small-pg-"))
    server = EmbeddedPostgres.start(data_dir, max_connections=5)
    try:
        yield server.database_url
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def small_env(small_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    host, port, dbname, user, password = parse_database_url(small_server)
    given = {"POSTGRES_HOST": host, "POSTGRES_PORT": port, "POSTGRES_DBNAME": dbname, "POSTGRES_USER": user,
             "POSTGRES_PASSWORD": password}  # fmt: skip
    for key, value in given.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DIXIAN_DATA_DIR", str(tmp_path / ".dixian"))
    monkeypatch.setenv("DIXIAN_AUDIT_KEY", bytes(range(32)).hex())
    monkeypatch.setattr("worker.cli.configure_logging", lambda **_: None)
    return given


def one_line(captured: Any) -> str:
    assert captured.out == "", captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return str(lines[0])


def test_a_full_server_is_reported_in_one_line(
    small_server: str, small_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with ExitStack() as held:
        for _ in range(5):  # every connection the server admits, as a stack that took them all would
            held.enter_context(psycopg.connect(small_server))
        for argv in (("ops", "summary"), ("audit", "checkpoint"), ("report", "3-1"), ("user", "list")):
            assert run(*argv) == EXIT_UNAVAILABLE, argv
            line = one_line(capsys.readouterr())
            assert line.startswith("数据库连接已满（too many clients）："), line
            assert "max_connections" in line and "请稍后重试" in line

        # A pool that timed out does not say why; the line asks the server and says what it answered.
        pool = psycopg_pool.ConnectionPool(conninfo_from(small_env), min_size=1, timeout=1, open=True)
        try:
            with pytest.raises(psycopg_pool.PoolTimeout) as timed_out, pool.connection():
                pass
        finally:
            pool.close()
        assert database_line(timed_out.value, small_env, 1).startswith("数据库连接已满（too many clients）")

    # With room again, the command runs, and tells what the stack may hold beside what the server admits.
    assert run("ops", "connections") == 0
    out = capsys.readouterr().out
    assert "合计：max_connections" in out and "137" in out and "数据库现在：max_connections 5" in out


def test_a_server_that_is_not_there_is_reported_in_one_line(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSTGRES_HOST", "127.0.0.1")
    monkeypatch.setenv("POSTGRES_PORT", str(free_port()))  # nobody listens there
    assert run("ops", "overdue") == EXIT_UNAVAILABLE
    assert one_line(capsys.readouterr()).startswith("无法连接数据库（connection refused）：127.0.0.1:")

    monkeypatch.delenv("POSTGRES_HOST")  # nothing configured, and no stack running in the data folder
    assert run("audit", "verify-store") == EXIT_UNAVAILABLE
    assert one_line(capsys.readouterr()).startswith("找不到数据库（not configured）")
