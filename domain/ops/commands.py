"""The operations context's command: a repair (restart, retry, reconcile) recorded with who did it and why."""

from __future__ import annotations

from datetime import datetime

from domain.kernel.actors import Actor
from domain.kernel.store import CommandSet
from domain.ops.repairs import Repair


class OpsCommands(CommandSet):
    def record_repair(self, *, actor: Actor, at: datetime, action: str, case_id: str, reason: str, detail: str) -> None:
        """Record an operator's repair (who, when, what, why)."""
        self.store.save(Repair.record(actor=actor, at=at, action=action, case_id=case_id, reason=reason, detail=detail))
