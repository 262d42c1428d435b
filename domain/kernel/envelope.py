"""What every command carries besides its own fields: who issues it, under which command id, when it happened and
when it is recorded.

The command id makes a command idempotent: a command id a stream has already recorded appends nothing and answers as
it did (activity retries, repeated Idempotency-Keys, replays). The business time (``occurred_at``) is when the step
happened as the person says (a visit entered the day after); ``now`` is the clock of the recording, by which "not in
the future" and the deadlines are judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.kernel.actors import Actor
from domain.kernel.time import aware


@dataclass(frozen=True)
class Envelope:
    actor: Actor
    command_id: str
    now: datetime
    occurred_at: datetime | None = None  # None: it happens now

    @property
    def at(self) -> datetime:
        """The business time: ``occurred_at`` (a time given without a zone is Shanghai's), or ``now``."""
        if self.occurred_at is None:
            return self.now
        return aware(self.occurred_at)
