"""Self-applications' use cases for the API: record one, read it, and the township's answer once the case it
accepts is open (the API opens it through its workflow, as any case; ``api.applications``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.kernel.actors import Actor
from domain.kernel.envelope import Envelope
from domain.ledger import Ledger
from workflows.discovery.contracts import ApplicationRequest


class ApplicationService:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def receive(self, body: ApplicationRequest, *, actor: Actor, command_id: str, now: datetime) -> dict[str, Any]:
        return self.ledger.applications.receive(Envelope(actor, command_id, now), body.record())

    def application(self, number: str, actor: Actor) -> dict[str, Any]:
        commands = self.ledger.applications
        return commands.view(commands.get(number, actor), actor)

    def answer(
        self, number: str, *, actor: Actor, command_id: str, now: datetime, accept: bool, case_id: str = "",
        reason: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        return self.ledger.applications.answer(Envelope(actor, command_id, now), number, accept=accept,
                                               case_id=case_id, reason=reason)  # fmt: skip
