"""村职务: who holds each office of a village that signs its reports (``domain.kernel.offices.VillageOffice``), one
person at a time, with the history of every change (who made it, when and why). Set with the holder's account
(``AccountCommands.add``, an account's ``offices``), released when the holder's account moves away, changes role or
is disabled; read when a village report is approved."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.kernel.actors import Actor
from domain.kernel.chain import ChainedAggregate, ChainedCreated, ChainedEvent
from domain.kernel.offices import VillageOffice
from domain.kernel.topics import stored_as

_NAMESPACE = uuid5(NAMESPACE_URL, "https://dixian.example/village-offices")


def village_offices_id(village_code: str) -> UUID:
    return uuid5(_NAMESPACE, village_code)


@stored_as("domain.accounts:VillageOfficesOpened")
class VillageOfficesOpened(ChainedCreated):
    village_code: str

    def apply(self, offices: VillageOffices) -> None:
        offices.village_code = self.village_code
        offices.holders = {}
        offices.history = []


@stored_as("domain.accounts:OfficeHolderChanged")
class OfficeHolderChanged(ChainedEvent):
    office: str
    user_id: str  # "" : the office is vacant
    previous: str
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    reason: str

    def apply(self, offices: VillageOffices) -> None:
        if self.user_id:
            offices.holders[self.office] = self.user_id
        else:
            offices.holders.pop(self.office, None)
        offices.history.append({"office": self.office, "user_id": self.user_id, "previous": self.previous,
                                "at": self.occurred_at.isoformat(), "by": self.actor.get("id", "")})  # fmt: skip


@stored_as("domain.accounts:VillageOffices")
class VillageOffices(ChainedAggregate):
    village_code: str
    holders: dict[str, str]  # office -> user id
    history: list[dict[str, Any]]

    def __init__(self) -> None:
        """State is set by ``VillageOfficesOpened.apply``."""

    @classmethod
    def open(cls, village_code: str) -> VillageOffices:
        offices: VillageOffices = cls._create(
            VillageOfficesOpened, id=village_offices_id(village_code), village_code=village_code
        )
        return offices

    def held_by(self, user_id: str) -> list[str]:
        """The offices the user holds here, 书记 first."""
        return [o.value for o in VillageOffice if self.holders.get(o.value) == user_id]

    def set(self, office: str, user_id: str, *, actor: Actor, command_id: str, now: datetime, reason: str) -> None:
        previous = self.holders.get(office, "")
        if previous != user_id:
            self.trigger_event(
                OfficeHolderChanged, office=office, user_id=user_id, previous=previous, actor=actor.as_dict(),
                command_id=command_id, occurred_at=now, reason=reason,
            )  # fmt: skip
