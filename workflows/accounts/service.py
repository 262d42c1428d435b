"""User accounts' use cases, shared by the API and the command line: keep accounts, list them, and judge a token
against its user's account (revocation: a disabled account, or a token older than a change of role or area).

Accounts are written through the ledger directly, exactly once per command id, like the registry's records: there is
no process to manage. A token is judged against its user's account as read from the store at most
``CACHE_SECONDS`` earlier: a change made through this process is seen by its next request, one made elsewhere (another
API replica, `dixian user`) within that second. Reading the account on every request instead halved the API's
throughput under load (docs/benchmarks.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.accounts.accounts import AccountAdded, UserAccount
from domain.accounts.commands import AccountRecord
from domain.kernel.actors import Actor
from domain.kernel.areas import contains
from domain.kernel.envelope import Envelope
from domain.kernel.errors import DomainError, ErrorKind
from domain.ledger import Ledger

_PAGE = 500
CACHE_SECONDS = 1.0  # how stale a process's view of an account may be: the delay of a revocation made elsewhere


class AccountRefusedError(DomainError):
    """The token's user has an account that refuses it: disabled, or changed since the token was issued."""

    kind = ErrorKind.UNAUTHENTICATED


_REFUSALS = {
    "account_disabled": "此账号已停用，请联系管理员 (the account is disabled)",
    "account_changed": "账号的角色或区划已变更，请重新登录 (the account's role or area has changed: sign in again)",
    "token_before_change": "令牌早于账号的变更，请重新登录 (issued before the account changed: sign in again)",
}


class AccountService:
    def __init__(self, ledger: Ledger, clock: Callable[[], float] = time.monotonic) -> None:
        self.ledger = ledger
        self.clock = clock
        self._seen: dict[str, tuple[float, UserAccount | None]] = {}  # user id → (when read, the account or none)

    @classmethod
    def connect(cls, env: Mapping[str, str]) -> AccountService:
        return cls(Ledger(env))

    def put(self, record: AccountRecord, *, actor: Actor, command_id: str, now: datetime, reason: str
            ) -> dict[str, Any]:  # fmt: skip
        """Add an account, or change one to ``record`` (what differs is recorded, old and new)."""
        envelope = Envelope(actor=actor, command_id=command_id, now=now)
        try:
            return self.ledger.accounts.view(self.ledger.accounts.add(envelope, record, reason=reason))
        finally:
            self._seen.pop(record.user_id, None)  # this process's next request reads the account as changed

    def disable(self, user_id: str, *, actor: Actor, command_id: str, now: datetime, reason: str) -> dict[str, Any]:
        return self._switch(self.ledger.accounts.disable, user_id, actor, command_id, now, reason)

    def enable(self, user_id: str, *, actor: Actor, command_id: str, now: datetime, reason: str) -> dict[str, Any]:
        return self._switch(self.ledger.accounts.enable, user_id, actor, command_id, now, reason)

    def _switch(
        self,
        switch: Callable[..., UserAccount],
        user_id: str,
        actor: Actor,
        command_id: str,
        now: datetime,
        reason: str,
    ) -> dict[str, Any]:
        try:
            return self.ledger.accounts.view(
                switch(Envelope(actor=actor, command_id=command_id, now=now), user_id, reason=reason)
            )
        finally:
            self._seen.pop(user_id, None)  # this process's next request reads the account as changed

    def active(self, user_id: str) -> Actor | None:
        """Who an enabled account acts as (for the console's sign-in), or None."""
        account = self.ledger.accounts.find(user_id)
        return None if account is None or account.disabled else account.actor

    def account(self, user_id: str, actor: Actor) -> dict[str, Any]:
        return self.ledger.accounts.view(self.ledger.accounts.get(user_id, actor))

    def accounts(self, area_code: str) -> list[dict[str, Any]]:
        """Every account of an area, by user id (accounts are few: each is read from its events)."""
        topic = get_topic(AccountAdded)
        found: list[dict[str, Any]] = []
        start = 1
        while True:
            page = self.ledger.recorder.select_notifications(start, _PAGE, topics=[topic])
            for n in page:
                account = self.ledger.find(UserAccount, UUID(str(n.originator_id)))
                if account is not None and contains(area_code, account.facts["area_code"]):
                    found.append(self.ledger.accounts.view(account))
            if len(page) < _PAGE:
                break
            start = page[-1].id + 1
        return sorted(found, key=lambda a: a["user_id"])

    def office_holders(self, village_code: str) -> dict[str, str]:
        """Who holds each office of the village that signs its reports (office -> user id)."""
        return self.ledger.accounts.office_holders(village_code)

    def check(self, actor: Actor, issued_at: datetime | None) -> None:
        """Refuse a token whose user's account refuses it (``UserAccount.refusal``); a user without one is taken as
        the token says."""
        now = self.clock()
        seen = self._seen.get(actor.id)
        if seen is None or now - seen[0] >= CACHE_SECONDS:
            seen = self._seen[actor.id] = (now, self.ledger.accounts.find(actor.id))
        account = seen[1]
        if account is None:
            return
        rule = account.refusal(actor.role, actor.area_code, issued_at, actor.department)
        if rule is not None:
            raise AccountRefusedError(_REFUSALS[rule], field="Authorization", rule=rule)
