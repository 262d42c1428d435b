"""Processes that start together (an API, a worker and the projector; replicas of each) create the event store's and
the read models' tables at the same moment: none of them fails for it (PostgreSQL refuses concurrent catalog changes of one table
with "tuple concurrently updated", a relation that "already exists" or a duplicate type unless they take turns)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
from eventsourcing.utils import resolve_topic
from psycopg import sql

from domain.readmodels.cases import open_summary_view
from domain.readmodels.registry import open_registry_view
from domain.readmodels.reports import open_report_view
from domain.readmodels.schema import TakingTurns
from domain.store import EventStore
from tests.conftest import with_database
from workflows.kernel.settings import Settings


def open_all(env: dict[str, str]) -> None:
    EventStore(env).close()
    for view in (open_summary_view(env), open_registry_view(env), open_report_view(env)):
        view.datastore.close()


def test_tables_are_created_by_many_processes_at_once(pg_url: str) -> None:
    for _ in range(6):  # the race is lost only now and then: six fresh databases
        dbname = f"test_start_{uuid.uuid4().hex}"
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        try:
            env = Settings(database_url=with_database(pg_url, dbname)).eventsourcing_env()
            with ThreadPoolExecutor(max_workers=12) as pool:
                results = [pool.submit(open_all, env) for _ in range(12)]
                assert [f.exception() for f in results] == [None] * 12
        finally:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


def test_the_factory_every_process_uses_is_the_one_that_takes_turns() -> None:
    env = Settings(database_url="postgresql://u@localhost/db").eventsourcing_env()
    assert resolve_topic(env["PERSISTENCE_MODULE"]) is TakingTurns
