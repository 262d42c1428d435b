"""What a context's commands need of the event store, as a protocol: find an aggregate (as it is, or as it stood at
a version), save aggregates together in one transaction, read a stream's stored events, and the configured areas
and policies. ``domain.store.EventStore`` is the one implementation; the contexts never import it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.kernel.areas import AreaTree
from domain.kernel.policy import PolicyVersions

A = TypeVar("A", bound=Aggregate)


class Reader(Protocol):
    """What reading needs of the store: find an aggregate, read a stream, the configured areas."""

    areas: AreaTree

    def find(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A | None:
        """The aggregate of that id if it is a ``cls`` (at ``version``, if given), else None."""

    def stored_events(self, aggregate_id: UUID) -> Iterable[Any]:
        """A stream's events, in order, as stored."""


class Store(Reader, Protocol):
    """What a context's commands need besides reading: the policies, and saving aggregates together."""

    policies: PolicyVersions

    def save(self, *aggregates: Aggregate) -> Any:
        """Save every pending event of ``aggregates`` in one transaction; a concurrent change raises the store's
        ``IntegrityError``."""

    def save_all(self, *aggregates: Aggregate, field: str) -> None:
        """As ``save``, a concurrent change refused as a ``VersionConflictError`` naming ``field``."""


class CommandSet:
    """A context's commands, composed onto the store by ``domain.ledger.Ledger`` (``ledger.cases``, …)."""

    def __init__(self, store: Store) -> None:
        self.store = store


# ----- what one request wrote ---------------------------------------------------------------------------------------
# Every event the store saves while a request is ``collecting`` is noted here (record, version, hash), so that the
# request's answer can carry a signed receipt for exactly what it wrote (api/main.py). A context variable: each
# request sees its own list, also from the worker thread that runs its commands.

Written = list[tuple[UUID, int, str]]
_WRITTEN: ContextVar[Written | None] = ContextVar("dixian_written", default=None)


@contextmanager
def collecting() -> Iterator[Written]:
    """Note every event saved inside the block; the list is filled as they are saved."""
    written: Written = []
    token = _WRITTEN.set(written)
    try:
        yield written
    finally:
        _WRITTEN.reset(token)


def note_written(events: Iterable[Any]) -> None:
    """Called by the store for the events it has just saved."""
    written = _WRITTEN.get()
    if written is not None:
        written.extend(
            (UUID(str(e.originator_id)), int(e.originator_version), str(getattr(e, "hash", ""))) for e in events
        )
