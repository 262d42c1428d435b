"""The access log: every read of a case's personal data or history, and every export, is itself recorded (who,
when, what, why) — domain.md §11: "An audit log for every view and export".

Each read is an aggregate of its own (one event), so concurrent readers never contend; the checkpoints cover these
events like every other, so the record of who looked at what is as tamper-evident as what they looked at."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from domain.kernel.actors import Actor
from domain.kernel.chain import ChainedAggregate, ChainedCreated
from domain.kernel.topics import stored_as


@stored_as("domain.access:AccessRecorded")
class AccessRecorded(ChainedCreated):
    actor: dict[str, str]
    at: datetime
    what: str  # case | case_history | case_dossier | household | …_list | coverage | findings | export
    target: str  # a case id, a household number, an area code
    village_code: str  # where the target lies ("" for a list or an export of an area: the target is its code)
    purpose: str  # why, as the reader gave it (X-Purpose header / --purpose)
    path: str

    def apply(self, access: Access) -> None:
        access.what = self.what


@stored_as("domain.access:Access")
class Access(ChainedAggregate):
    """One recorded read: a stream of its own, so concurrent readers never contend (the checkpoints cover it)."""

    what: str

    def __init__(self) -> None:
        """State is set by ``AccessRecorded.apply``."""

    @classmethod
    def record(cls, *, actor: Actor, at: datetime, what: str, target: str, village_code: str, purpose: str,
               path: str) -> Access:  # fmt: skip
        access: Access = cls._create(
            AccessRecorded, id=uuid4(), actor=actor.as_dict(), at=at, what=what, target=target,
            village_code=village_code, purpose=purpose, path=path,
        )  # fmt: skip
        return access


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
