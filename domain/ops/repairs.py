"""Repairs by operations staff (restart a workflow, reconcile), recorded as events with who did it and why, so an
inspector sees every intervention beside the cases it touched."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from domain.kernel.actors import Actor
from domain.kernel.chain import ChainedAggregate, ChainedCreated
from domain.kernel.topics import stored_as


@stored_as("domain.repairs:RepairRecorded")
class RepairRecorded(ChainedCreated):
    actor: dict[str, str]
    at: datetime
    action: str  # restart_workflow
    case_id: str
    reason: str
    detail: str

    def apply(self, repair: Repair) -> None:
        repair.action = self.action


@stored_as("domain.repairs:Repair")
class Repair(ChainedAggregate):
    action: str

    def __init__(self) -> None:
        """State is set by ``RepairRecorded.apply``."""

    @classmethod
    def record(
        cls, *, actor: Actor, at: datetime, action: str, case_id: str, reason: str, detail: str, command_id: str = ""
    ) -> Repair:
        repair: Repair = cls._create(
            RepairRecorded, id=repair_id(command_id, case_id) if command_id else uuid4(), actor=actor.as_dict(),
            at=at, action=action, case_id=case_id, reason=reason, detail=detail,
        )  # fmt: skip
        return repair


REPAIR_NAMESPACE = uuid5(NAMESPACE_URL, "urn:dixian:repair")


def repair_id(command_id: str, case_id: str) -> UUID:
    """A repair's id from the command that asked for it and the case it repairs: one command repairs a case once."""
    return uuid5(REPAIR_NAMESPACE, f"{command_id}|{case_id}")
