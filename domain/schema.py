"""Creating tables when several processes start together on a fresh database."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL, Identifier

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
