"""Creating tables when several processes start together on a fresh database."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

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
