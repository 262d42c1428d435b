"""The accounts context's commands: add, change, disable and enable a user's account, each exactly once per command
id, by an administrator (管理员) of an area that holds the account's area."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.accounts.accounts import UserAccount, account_id
from domain.kernel.actors import PERSON_ROLES, USER_ID, Actor, Role
from domain.kernel.areas import contains
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotFoundError, NotPermittedError, RuleViolationError
from domain.kernel.permissions import check_actor_level
from domain.kernel.store import CommandSet

ACCOUNT_ROLES = PERSON_ROLES  # the system's own identity is never an account


@dataclass(frozen=True)
class AccountRecord:
    user_id: str
    name: str
    role: str
    area_code: str
    unit: str = ""


def _problems(r: AccountRecord, commands: AccountCommands) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    if not USER_ID.fullmatch(r.user_id):
        out.append(("user_id", "format", "用户账号须为1–64位字母、数字或 . _ @ -"))
    if not r.name.strip() or len(r.name) > 50 or any(ord(c) < 32 for c in r.name):
        out.append(("name", "required", "姓名不能为空且不超过50字"))
    if len(r.unit) > 100 or any(ord(c) < 32 for c in r.unit):
        out.append(("unit", "length", "工作单位不超过100字"))
    if r.role not in {role.value for role in ACCOUNT_ROLES}:
        out.append(("role", "known_role", f"角色须为 {', '.join(sorted(role.value for role in ACCOUNT_ROLES))} 之一"))
    elif commands.store.areas.get(r.area_code) is None:
        out.append(("area_code", "known_area", f"区划 {r.area_code} 不在本系统的区划中"))
    else:
        try:
            check_actor_level(Actor(id=r.user_id, role=Role(r.role), area_code=r.area_code))
        except NotPermittedError as e:
            out.append(("area_code", "role_area_level", e.message))
    return out


def check_administers(actor: Actor) -> None:
    """Accounts are kept by an administrator (管理员); the command line acts as one, and the system seeds the
    development users."""
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise NotPermittedError("user accounts are kept by an administrator (管理员)", field="role", rule="admin_only")


def check_may_administer(actor: Actor, area_code: str) -> None:
    """An administrator keeps the accounts of users of their area."""
    check_administers(actor)
    if not contains(actor.area_code, area_code):
        raise NotPermittedError(
            f"area {area_code} lies outside your area {actor.area_code}", field="area_code", rule="jurisdiction"
        )


def _reason(reason: str) -> str:
    if not reason.strip() or len(reason) > 500:
        raise RuleViolationError("须写明原因 (1–500字)", field="reason", rule="required")
    return reason.strip()


class AccountCommands(CommandSet):
    def find(self, user_id: str) -> UserAccount | None:
        return self.store.find(UserAccount, account_id(user_id)) if USER_ID.fullmatch(user_id) else None

    def get(self, user_id: str, actor: Actor) -> UserAccount:
        check_administers(actor)  # the caller's role first: it tells nothing of the account asked for
        account = self.find(user_id)
        if account is None or not contains(actor.area_code, account.facts["area_code"]):
            # One answer for a missing account and one outside the caller's area: no oracle of who has one.
            raise NotFoundError(f"no account {user_id!r} in your area", field="user_id", rule="known_account")
        return account

    def add(self, envelope: Envelope, record: AccountRecord, *, reason: str) -> UserAccount:
        check_administers(envelope.actor)  # who may keep accounts at all, before what the record says
        problems = _problems(record, self)
        if problems:
            f, rule, message = problems[0]
            raise RuleViolationError(
                message, field=f, rule=rule, violations=[{"field": a, "rule": b, "message": c} for a, b, c in problems]
            )
        check_may_administer(envelope.actor, record.area_code)
        why = _reason(reason)
        facts = {"name": record.name.strip(), "role": record.role, "area_code": record.area_code,
                 "unit": record.unit.strip()}  # fmt: skip
        account = self.find(record.user_id)
        if account is None:
            account = UserAccount.add(
                user_id=record.user_id, facts=facts, actor=envelope.actor, command_id=envelope.command_id,
                now=envelope.now, reason=why,
            )  # fmt: skip
        else:
            check_may_administer(envelope.actor, account.facts["area_code"])  # where they work now, too
            if envelope.command_id in account.command_versions:
                return account
            account.change(facts=facts, actor=envelope.actor, command_id=envelope.command_id, now=envelope.now,
                           reason=why)  # fmt: skip
        self.store.save_all(account, field="user_id")
        return account

    def disable(self, envelope: Envelope, user_id: str, *, reason: str) -> UserAccount:
        return self._switch(envelope, user_id, reason, UserAccount.disable)

    def enable(self, envelope: Envelope, user_id: str, *, reason: str) -> UserAccount:
        return self._switch(envelope, user_id, reason, UserAccount.enable)

    def _switch(self, envelope: Envelope, user_id: str, reason: str, switch: Callable[..., bool]) -> UserAccount:
        """Disable or enable an account (``switch``), once per command id; nothing is recorded when it already is."""
        account = self.get(user_id, envelope.actor)
        why = _reason(reason)
        if envelope.command_id not in account.command_versions and switch(
            account, actor=envelope.actor, command_id=envelope.command_id, now=envelope.now, reason=why
        ):
            self.store.save_all(account, field="user_id")
        return account
