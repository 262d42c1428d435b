"""The access log: every read of a case's personal data or history, and every export, is itself recorded (who,
when, what, why) — domain.md §11: "An audit log for every view and export".

One ``AccessLog`` aggregate per reader and day keeps concurrent readers from contending for one stream; its events
are chained like every other, so the record of who looked at what is as tamper-evident as what they looked at."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from domain.chain import ChainedAggregate, ChainedCreated, ChainedEvent
from domain.values import Actor

ACCESS_NAMESPACE = UUID("2f7e1c9a-5b3d-4e80-9a1f-6c2d8e4b0a07")


def access_log_id(actor_id: str, day: date) -> UUID:
    return uuid5(ACCESS_NAMESPACE, f"{actor_id}:{day.isoformat()}")


class AccessLogStarted(ChainedCreated):
    actor_id: str
    day: date

    def apply(self, log: AccessLog) -> None:
        log.actor_id = self.actor_id
        log.day = self.day
        log.count = 0


class AccessRecorded(ChainedEvent):
    actor: dict[str, str]
    at: datetime
    what: str  # case | case_history | case_dossier | household | export
    target: str  # a case id, a household number, an area code
    village_code: str  # where the target lies ("" for an export of a whole area)
    purpose: str  # why, as the reader gave it (X-Purpose header / --purpose)
    path: str

    def apply(self, log: AccessLog) -> None:
        log.count += 1


class AccessLog(ChainedAggregate):
    actor_id: str
    day: date
    count: int

    def __init__(self) -> None:
        """State is set by ``AccessLogStarted.apply``."""

    @classmethod
    def start(cls, actor_id: str, day: date) -> AccessLog:
        log: AccessLog = cls._create(AccessLogStarted, id=access_log_id(actor_id, day), actor_id=actor_id, day=day)
        return log

    def record(self, *, actor: Actor, at: datetime, what: str, target: str, village_code: str, purpose: str,
               path: str) -> None:  # fmt: skip
        self.trigger_event(
            AccessRecorded, actor=actor.as_dict(), at=at, what=what, target=target, village_code=village_code,
            purpose=purpose, path=path,
        )  # fmt: skip


def access_row(event: AccessRecorded) -> dict[str, Any]:
    return {
        "at": event.at,
        "actor_id": event.actor["id"],
        "actor_name": event.actor.get("name", ""),
        "role": event.actor["role"],
        "actor_area": event.actor["area_code"],
        "what": event.what,
        "target": event.target,
        "village_code": event.village_code,
        "purpose": event.purpose,
        "path": event.path,
    }
