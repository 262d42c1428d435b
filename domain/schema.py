"""Read-model tables: creating them when several processes start together on a fresh database, emptying them for a
rebuild, and the base of the read models that own tables."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

T = TypeVar("T")


def created(make: Callable[[], T], attempts: int = 5) -> T:
    """Run ``make``, which creates tables if missing; processes starting together on a fresh database race on
    CREATE TABLE IF NOT EXISTS (PostgreSQL then reports a duplicate type), so the loser tries again."""
    for attempt in range(attempts):
        try:
            return make()
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def clear_read_model(view: PostgresTrackingRecorder, tables: list[str]) -> None:
    """Empty a read model's tables and its tracking position in one transaction: its projection then starts again
    from the first event (run it with the projector stopped: a running one would carry on from where it was)."""
    with view.datastore.transaction(commit=True) as curs:
        for table in [*tables, view.tracking_table_name]:
            curs.execute(SQL("DELETE FROM {0}.{1}").format(Identifier(view.datastore.schema), Identifier(table)))


class TablesView(PostgresTrackingRecorder):
    """A read model's own tables (``DDL``, with ``{s}`` for the schema) beside its tracking table, and the helpers
    its queries share."""

    DDL: tuple[str, ...] = ()

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        for ddl in self.DDL:
            self.sql_create_statements.append(SQL(ddl).format(s=schema))

    def _t(self, table: str) -> Composed:
        return SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(table))

    def _query(self, statement: Composed, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as curs:
            c: Cursor[DictRow] = curs
            c.execute(statement, params)
            return [dict(r) for r in c.fetchall()]
