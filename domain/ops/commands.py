"""The operations context's command: a repair (restart, retry, reconcile) recorded with who did it and why."""

from __future__ import annotations

from datetime import datetime

from domain.kernel.actors import Actor
from domain.kernel.store import CommandSet
from domain.ops.repairs import Repair, repair_id


class OpsCommands(CommandSet):
    def record_repair(
        self, *, actor: Actor, at: datetime, action: str, case_id: str, reason: str, detail: str, command_id: str = ""
    ) -> None:
        """Record an operator's repair (who, when, what, why), once per command and case."""
        self.store.save(Repair.record(actor=actor, at=at, action=action, case_id=case_id, reason=reason, detail=detail,
                                      command_id=command_id))  # fmt: skip

    def repaired(self, command_id: str, case_id: str) -> bool:
        """Whether this command has already repaired this case (a retried or double-clicked repair does nothing)."""
        return self.store.find(Repair, repair_id(command_id, case_id)) is not None
