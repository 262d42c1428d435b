"""Session-wide infrastructure: embedded PostgreSQL, a Temporal dev server, a time-skipping test server.

Nothing here knows the domain. Feature fixtures belong in conftest files of the test subfolders.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import pytest_asyncio
from psycopg import sql
from temporalio.testing import WorkflowEnvironment

from worker.stack import EmbeddedPostgres, ensure_search_attributes, find_binary
from workflows.cases.search_attributes import ALL
from workflows.cases.signing import CommandVerifier
from workflows.kernel.keys import SigningKey
from workflows.kernel.settings import Settings
from workflows.kernel.temporal import data_converter

# Every store the tests write is encrypted at rest, as in production; with a fixed key (set before any Settings is
# read), so that no test writes a generated key into the checkout's .dixian/.
TEST_CIPHER_KEY = "ZGl4aWFuLXRlc3QtY2lwaGVyLWtleS0zMi1ieXRlcyE="
os.environ.setdefault("DIXIAN_CIPHER_KEY", TEST_CIPHER_KEY)
# What every Temporal client and worker of the tests speaks: payloads sealed with the key derived from it.
TEST_CONVERTER = data_converter(TEST_CIPHER_KEY)
# The API's command key in the tests (the API signs with it; the workers check with TEST_VERIFIER).
TEST_COMMAND_KEY = SigningKey(bytes(range(64, 96)))
TEST_VERIFIER = CommandVerifier(TEST_COMMAND_KEY.public_key)


def with_database(url: str, dbname: str) -> str:
    """The same server URL pointing at another database (keeps `?host=<socket dir>`)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of an embedded PostgreSQL server started for this test session (unix socket, trust auth).

    Its data lives in a directory of its own, not under pytest's basetemp: a concurrent pytest session prunes old
    basetemp folders and would delete a running server's data."""
    data_dir = Path(tempfile.mkdtemp(prefix="dixian-test-pg-"))
    server = EmbeddedPostgres.start(data_dir)
    try:
        yield server.database_url
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def fresh_database(pg_url: str) -> Iterator[dict[str, str]]:
    """eventsourcing env for a fresh, empty database of its own, dropped on leaving."""
    dbname = f"test_{uuid.uuid4().hex}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    try:
        yield Settings(database_url=with_database(pg_url, dbname)).eventsourcing_env()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


@pytest.fixture
def es_env(pg_url: str) -> Iterator[dict[str, str]]:
    """eventsourcing env for a fresh, empty database of its own (dropped after the test)."""
    with fresh_database(pg_url) as env:
        yield env


def free_port() -> int:
    """A TCP port on the loopback nobody listens on now (for a process a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def connect(env: Mapping[str, str], **options: Any) -> psycopg.Connection[Any]:
    """A direct connection to the database an eventsourcing ``env`` points at, to look at what is stored."""
    return psycopg.connect(
        host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"], **options,
    )  # fmt: skip


async def dev_server(*extra_args: str) -> WorkflowEnvironment:
    """A real Temporal dev server (in-memory) with Dixian's search attributes and the pydantic data converter."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"),
        data_converter=TEST_CONVERTER,
        search_attributes=list(ALL),
        namespace="default",
        dev_server_extra_args=list(extra_args),
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    async with await dev_server() as env:
        yield env


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server; search attributes registered (unregistered ones make workflows hang)."""
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    ) as env:
        await ensure_search_attributes(env.client, "default")
        yield env
