"""Reading cases from the event store: a case's view (now, or as it stood at a version or right after a command)
and its stored events as plain records. The command set answers with these; the API reads through ``CaseQueries``,
which holds a store and no command."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypedDict
from uuid import UUID

from domain.cases.case import MonitoringCase
from domain.cases.events import CaseOpened
from domain.cases.view import CaseViewData, case_view
from domain.kernel.actors import Role
from domain.kernel.privacy import sees_personal_data, unknown_case
from domain.kernel.store import Reader
from domain.registry.figures import RegistryVersion, reading_as_of, registry_since, registry_versions, without_health
from domain.registry.household import household_id


def case_of(store: Reader, case_id: UUID, version: int | None = None) -> MonitoringCase:
    case = store.find(MonitoringCase, case_id, version)  # another aggregate's id is no case
    if case is None:
        raise unknown_case()
    return case


def view(store: Reader, case_id: UUID, now: datetime, version: int | None = None) -> CaseViewData:
    return case_view(case_of(store, case_id, version), now, store.areas)


def view_at(store: Reader, case: MonitoringCase, version: int, now: datetime) -> CaseViewData:
    """The view of ``case`` as it stood at ``version``: the case at hand if it is there still, else read back."""
    return case_view(case, now, store.areas) if version == case.version else view(store, case.id, now, version)


def view_after_command(store: Reader, case_id: UUID, command_id: str, now: datetime) -> CaseViewData | None:
    """The view as it stood right after ``command_id`` was recorded on the case, or None if it never was."""
    case = store.find(MonitoringCase, case_id)
    if case is None or command_id not in case.command_versions:
        return None
    return view_at(store, case, case.command_versions[command_id], now)


class EventRecord(TypedDict):
    """A stored event of a case as plain data: what every event carries, and its own payload."""

    version: int
    type: str  # the event class's name
    recorded_at: datetime
    occurred_at: datetime  # the business time
    actor: dict[str, str]
    command_id: str
    comment: str
    prev_hash: str
    hash: str
    payload: dict[str, Any]


def event_records(store: Reader, case_id: UUID) -> list[EventRecord]:
    """The stored events of a case in order, as plain data."""
    events = list(store.stored_events(case_id))
    if not events or not isinstance(events[0], CaseOpened):  # another aggregate's id is no case
        raise unknown_case()
    records: list[EventRecord] = []
    for event in events:
        data = dict(vars(event))
        records.append(
            {
                "version": data.pop("originator_version"),
                "type": type(event).__name__,
                "recorded_at": data.pop("timestamp"),
                "occurred_at": data.pop("occurred_at"),
                "actor": data.pop("actor"),
                "command_id": data.pop("command_id"),
                "comment": data.pop("comment"),
                "prev_hash": str(data.pop("prev_hash", "") or ""),
                "hash": str(data.pop("hash", "") or ""),
                "payload": {k: v for k, v in data.items() if k not in ("originator_id", "originator_topic")},
            }
        )
    return records


class CaseReads:
    """A case's view and stored events, for whoever holds a store: the case commands and the API's queries."""

    def reader(self) -> Reader:
        raise NotImplementedError

    def view(self, case_id: UUID, now: datetime, version: int | None = None) -> CaseViewData:
        return view(self.reader(), case_id, now, version)

    def view_after_command(self, case_id: UUID, command_id: str, now: datetime) -> CaseViewData | None:
        return view_after_command(self.reader(), case_id, command_id, now)

    def event_records(self, case_id: UUID) -> list[EventRecord]:
        return event_records(self.reader(), case_id)

    def registry_versions(self, household_number: str) -> list[RegistryVersion]:
        """The household's facts in the registry, version by version ([] when it is not registered); its chain
        checked as read."""
        return registry_versions(self.reader().stored_events(household_id(household_number)))

    def registry_now(self, view: CaseViewData, role: Role) -> dict[str, Any]:
        """What the registry recorded of the case's household since the latest version the case read (its opening,
        its visit or its elimination proposal): the changes an open case should show; the health ones only to a
        ``role`` that sees personal data."""
        household = view["household"]
        read = [s["registry_version"] for s in household["fact_sources"] if s["registry_version"] is not None]
        versions = self.registry_versions(household["household_number"])
        if not read and household["registered"] is None:
            # a case opened before cases read the registry: what held on its clue date is what it knew of
            known = reading_as_of(household["household_number"], versions, view["clue_date"])
            read = [known.version.version if known and not known.after_the_date else 0]
        since = registry_since(versions, max(read) if read else None)
        return since if sees_personal_data(role) else without_health(since)

    def acknowledged(self, case_id: UUID, now: datetime, version: int) -> tuple[CaseViewData, str]:
        """The view at ``version`` and the hash of the event that made it: what a write's receipt names."""
        case = case_of(self.reader(), case_id, version)
        return case_view(case, now, self.reader().areas), str(case.chain_hash)


class ReadableStore(Reader, Protocol):
    def ping(self) -> None: ...

    def close(self) -> None: ...


class CaseQueries(CaseReads):
    """Read-only access to cases for the API: it holds a store it can only read (``Reader``), never a command."""

    def __init__(self, store: ReadableStore) -> None:
        self._store = store

    def reader(self) -> Reader:
        return self._store

    def ping(self) -> None:
        self._store.ping()

    def close(self) -> None:
        self._store.close()
