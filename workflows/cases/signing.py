"""Commands are authentic end to end: the API signs each command it hands a case workflow (who, which command,
which step on which case, the whole body, when) with a key only the API holds, and the worker checks the signature
before anything is appended. Whoever reaches Temporal without that key — a script with the cluster's address, a
forged update, a workflow started by hand — cannot take a step as anyone: the activity refuses it and logs a
security event. Only Ed25519's public half is on the workers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import structlog

from domain.kernel.errors import NotPermittedError
from workflows.cases.contracts import OpenCaseInput, StepInput
from workflows.kernel.keys import SigningKey, canonical_bytes, check

log = structlog.get_logger("dixian.security")
Command = TypeVar("Command", OpenCaseInput, StepInput)
UNSIGNED = ("now", "signature")  # the workflow sets ``now``; the signature cannot cover itself


def signed_bytes(cmd: OpenCaseInput | StepInput) -> bytes:
    """What the signature covers: every field but the workflow's clock and the signature, canonical JSON."""
    return canonical_bytes({"kind": type(cmd).__name__, **cmd.model_dump(mode="json", exclude=set(UNSIGNED))})


def sign(cmd: Command, key: SigningKey, now: datetime | None = None) -> Command:
    """The command as the API sends it: stamped with the time it was signed, and signed."""
    stamped = cmd.model_copy(update={"signed_at": now or datetime.now(UTC)})
    signature, _, _ = key.sign(signed_bytes(stamped))
    return stamped.model_copy(update={"signature": signature})


class CommandVerifier:
    """The workers' check: the public half of the API's command key."""

    def __init__(self, public_key: str) -> None:
        self.public_key = public_key

    def check(self, cmd: OpenCaseInput | StepInput) -> None:
        if cmd.signature and check(signed_bytes(cmd), cmd.signature, self.public_key):
            return
        log.warning(
            "security_event", kind="unsigned_command", command_id=cmd.command_id, case_id=str(cmd.case_id),
            actor=cmd.actor.id, signed=bool(cmd.signature),
        )  # fmt: skip
        raise NotPermittedError(
            "this command was not signed by Dixian's API: steps are taken through the API only",
            field="signature",
            rule="signed_by_the_api",
        )
