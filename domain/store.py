"""The event store: one eventsourcing Application, one notification log, one transaction for every save, however
many aggregates of however many contexts it holds (a household, its ID-number claims, its open-case index and its
cases are saved together where a rule spans them).

``EventStore`` reads and saves; it knows no command. The contexts' command sets are composed onto it by
``domain.ledger.Ledger``, and readers (the API's case queries, the projections) use it alone. It imports every module
that holds a stored class, so that every stored name resolves whichever process reads (``domain.kernel.topics``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

# Every module holding a stored class (see the module's docstring).
from domain.accounts import accounts as _accounts  # noqa: F401
from domain.audit import access_log as _access_log  # noqa: F401
from domain.audit.checkpoints import AuditLog
from domain.campaigns import campaign as _campaign  # noqa: F401
from domain.cases.case import MonitoringCase
from domain.kernel.areas import AREAS_ENV, DEFAULT_AREAS, AreaTree
from domain.kernel.chain import checked_stream
from domain.kernel.errors import DamagedRecordError, VersionConflictError
from domain.kernel.policy import PolicyVersions
from domain.kernel.store import note_written
from domain.ops import repairs as _repairs  # noqa: F401
from domain.registry import household as _household  # noqa: F401
from domain.reports import village_report as _village_report  # noqa: F401

A = TypeVar("A", bound=Aggregate)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"  # stored in the data: never rename

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EventStore(Application[UUID]):
    name = "Cases"  # tables cases_events and cases_snapshots: a stored name, never changed
    # A snapshot every 25 events bounds the replay of a long-lived case (a case of years has hundreds of events).
    snapshotting_intervals: ClassVar = {MonitoringCase: 25, AuditLog: 100}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The library names an application after its class unless told otherwise, and the name is the tables' name:
        # a subclass (the ledger) keeps the store's tables unless it names others on purpose (a benchmark's own).
        named = "name" in cls.__dict__
        super().__init_subclass__(**kwargs)
        if not named:
            cls.name = EventStore.name

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        policies: PolicyVersions | None = None,
        areas: AreaTree | None = None,
    ) -> None:
        super().__init__(env)
        self.policies = policies or PolicyVersions()
        configured = (env or {}).get(AREAS_ENV)
        self.areas = areas or (AreaTree.from_records(json.loads(configured)) if configured else DEFAULT_AREAS)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def find(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A | None:
        """The aggregate as its events give it, each checked on the way (see :meth:`stored_events`)."""
        aggregate: Any = None
        for event in self.stored_events(aggregate_id, version):
            aggregate = event.mutate(aggregate)
        return aggregate if isinstance(aggregate, cls) else None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """The library's ``Application.save``, collecting the pending events of Dixian's aggregates directly: the
        library asks of every object whether it satisfies two runtime protocols, which cost more than encrypting its
        events when a roster saves a hundred households and their claims at once."""
        processing = ProcessingEvent[UUID]()
        for obj in objs:  # in the order given, as the library's own loop
            if isinstance(obj, Aggregate):
                processing.events.extend(obj.collect_events())
                processing.aggregates[obj.id] = obj
            elif obj is not None:
                processing.collect_events(obj)  # a bare event, or an aggregate of another kind: the library's way
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        note_written(r.domain_event for r in recordings)  # for the receipt of the request that wrote them
        return recordings

    def save_all(self, *aggregates: Aggregate, field: str) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise VersionConflictError(
                "another change to the same record was saved first; read it and retry",
                field=field,
                rule="concurrent_change",
            ) from None

    def stored_events(self, aggregate_id: UUID, version: int | None = None) -> list[Any]:
        """A stream's events, refused whole if one of them cannot be read or its hash chain does not hold: a damaged
        or moved record is never served as data (DamagedRecordError names it)."""
        events, broken = checked_stream(self, aggregate_id, version)
        if broken is not None and broken.kind != "unchained":  # chains began with a release; older rows have none
            raise DamagedRecordError(
                f"the stored record {broken.originator_id} is damaged at version {broken.version} ({broken.detail}); "
                "it is not served: verify it (POST /audit/verify) and restore it from a backup",
                field="record",
                rule="chain_holds",
            )
        return events

    def ping(self) -> None:
        """One round trip to the event store's database, without the store's own retries: raises its connection
        error at once (or after the pool's connect timeout) while the database is unreachable."""
        datastore = getattr(self.recorder, "datastore", None)
        if datastore is None:  # an in-memory store is always there
            return
        with datastore.get_connection() as conn:
            conn.execute("SELECT 1")
