"""The audit context's command: every read of personal data or history, and every export, is itself recorded."""

from __future__ import annotations

from datetime import datetime

from domain.audit.access_log import Access
from domain.kernel.actors import Actor
from domain.kernel.store import CommandSet


class AuditCommands(CommandSet):
    def record_access(
        self, *, actor: Actor, at: datetime, what: str, target: str, village_code: str, purpose: str, path: str
    ) -> None:
        """Append one read to the access log."""
        self.store.save(
            Access.record(
                actor=actor,
                at=at,
                what=what,
                target=target,
                village_code=village_code,
                purpose=purpose.strip()[:200],
                path=path,
            )
        )
