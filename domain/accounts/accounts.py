"""User accounts (用户账号): who may call Dixian, with which role and area, and since when.

A deployment without an identity provider (a trial, the embedded default) keeps its users here (`dixian user
add|list|change|disable|enable`); one with an identity provider may keep accounts for the users it must be able to
stop at once. Either way an account governs the tokens of its user: a token whose role or area is not the account's,
or that was issued before the account last changed them or was enabled again, is refused, and so is every token of a
disabled account. A user with no account is taken as the token says (the token's issuer vouches for them).

Each change is an event naming who made it and why, so an inspector sees who could act as whom, when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.kernel.actors import Actor, Role
from domain.kernel.chain import ChainedAggregate, ChainedCreated, ChainedEvent
from domain.kernel.topics import stored_as

_NAMESPACE = uuid5(NAMESPACE_URL, "https://dixian.example/accounts")


def account_id(user_id: str) -> UUID:
    """One account per user id (a token's ``sub``)."""
    return uuid5(_NAMESPACE, user_id)


@stored_as("domain.accounts:AccountAdded")
class AccountAdded(ChainedCreated):
    user_id: str
    facts: dict[str, str]  # name, role, area_code, unit (and a 行业部门's department)
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    reason: str

    def apply(self, account: UserAccount) -> None:
        account.user_id = self.user_id
        account.facts = dict(self.facts)
        account.disabled = False
        account.valid_since = None  # tokens issued before the account existed, for its role and area, hold
        account.command_versions = {self.command_id: self.originator_version}


@stored_as("domain.accounts:AccountChanged")
class AccountChanged(ChainedEvent):
    user_id: str
    changes: dict[str, str]
    previous: dict[str, str]
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    reason: str

    def apply(self, account: UserAccount) -> None:
        account.facts.update(self.changes)
        account.command_versions[self.command_id] = self.originator_version
        if {"role", "area_code", "department"} & set(self.changes):
            account.valid_since = self.occurred_at  # a token of the old role or area is stale


@stored_as("domain.accounts:AccountDisabled")
class AccountDisabled(ChainedEvent):
    user_id: str
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    reason: str

    def apply(self, account: UserAccount) -> None:
        account.disabled = True
        account.command_versions[self.command_id] = self.originator_version


@stored_as("domain.accounts:AccountEnabled")
class AccountEnabled(ChainedEvent):
    user_id: str
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    reason: str

    def apply(self, account: UserAccount) -> None:
        account.disabled = False
        account.valid_since = self.occurred_at  # tokens from before the account was disabled stay refused
        account.command_versions[self.command_id] = self.originator_version


@stored_as("domain.accounts:UserAccount")
class UserAccount(ChainedAggregate):
    user_id: str
    facts: dict[str, str]
    disabled: bool
    valid_since: datetime | None
    command_versions: dict[str, int]

    def __init__(self) -> None:
        """State is set by ``AccountAdded.apply``."""

    @classmethod
    def add(cls, *, user_id: str, facts: dict[str, str], actor: Actor, command_id: str, now: datetime, reason: str
            ) -> UserAccount:  # fmt: skip
        account: UserAccount = cls._create(
            AccountAdded, id=account_id(user_id), user_id=user_id, facts=facts, actor=actor.as_dict(),
            command_id=command_id, occurred_at=now, reason=reason,
        )  # fmt: skip
        return account

    def change(self, *, facts: dict[str, str], actor: Actor, command_id: str, now: datetime, reason: str) -> bool:
        changes = {k: v for k, v in facts.items() if self.facts.get(k) != v}
        if not changes:
            return False
        self.trigger_event(
            AccountChanged, user_id=self.user_id, changes=changes, previous={k: self.facts.get(k, "") for k in changes},
            actor=actor.as_dict(), command_id=command_id, occurred_at=now, reason=reason,
        )  # fmt: skip
        return True

    def disable(self, *, actor: Actor, command_id: str, now: datetime, reason: str) -> bool:
        if self.disabled:
            return False
        self.trigger_event(
            AccountDisabled, user_id=self.user_id, actor=actor.as_dict(), command_id=command_id, occurred_at=now,
            reason=reason,
        )  # fmt: skip
        return True

    def enable(self, *, actor: Actor, command_id: str, now: datetime, reason: str) -> bool:
        if not self.disabled:
            return False
        self.trigger_event(
            AccountEnabled, user_id=self.user_id, actor=actor.as_dict(), command_id=command_id, occurred_at=now,
            reason=reason,
        )  # fmt: skip
        return True

    @property
    def actor(self) -> Actor:
        f = self.facts
        return Actor(id=self.user_id, role=Role(f["role"]), area_code=f["area_code"], name=f["name"],
                     department=f.get("department", ""))  # fmt: skip

    def refusal(self, role: Role, area_code: str, issued_at: datetime | None, department: str = "") -> str | None:
        """Why a token of this user, for ``role``, ``area_code`` (and a 行业部门's ``department``), issued at
        ``issued_at``, is refused (a rule name), or None. Token times are whole seconds: one issued in the second of a
        change is taken as after it."""
        if self.disabled:
            return "account_disabled"
        f = self.facts
        if role.value != f["role"] or area_code != f["area_code"] or department != f.get("department", ""):
            return "account_changed"
        if self.valid_since is not None and (
            issued_at is None or issued_at.timestamp() < int(self.valid_since.timestamp())
        ):
            return "token_before_change"
        return None

    def view(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            **self.facts,
            "role_label": Role(self.facts["role"]).label,
            "disabled": self.disabled,
            "status_label": "已停用" if self.disabled else "正常",
            "valid_since": self.valid_since.isoformat() if self.valid_since else None,
            "version": self.version,
        }
