"""The accounts context's commands: add, change, disable and enable a user's account, each exactly once per command
id, by an administrator (管理员) of an area that holds the account's area."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.accounts.accounts import UserAccount, account_id
from domain.accounts.offices import VillageOffices, village_offices_id
from domain.kernel.actors import PERSON_ROLES, USER_ID, Actor, Role
from domain.kernel.areas import contains
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotFoundError, NotPermittedError, RuleViolationError
from domain.kernel.offices import VillageOffice
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
    department: str = ""  # a 行业部门's Department value
    offices: tuple[str, ...] | None = None  # 村职务 held in the village (VillageOffice); None: as they are


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
            check_actor_level(Actor(id=r.user_id, role=Role(r.role), area_code=r.area_code, department=r.department))
        except NotPermittedError as e:
            out.append((e.field, e.rule, e.message))
    known, offices = {o.value for o in VillageOffice}, r.offices or ()
    if any(o not in known for o in offices) or len(set(offices)) != len(offices):
        out.append(("offices", "known_office", f"村职务须为 {', '.join(sorted(known))} 中的不同项"))
    elif offices and r.role != Role.VILLAGE_CADRE.value:
        out.append(("offices", "office_role", "只有村干部可以登记村党组织书记、村委会主任职务"))
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
        if record.department or (account is not None and "department" in account.facts):
            facts["department"] = record.department  # kept only by the accounts that ever named one
        worked_in = account.facts["area_code"] if account is not None else record.area_code  # before this change
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
        wanted = record.offices
        if wanted is None:  # as they are, while the user stays a cadre of the same village
            here = self.offices(record.area_code) if record.role == Role.VILLAGE_CADRE.value else None
            wanted = tuple(here.held_by(record.user_id)) if here is not None else ()
        offices = self._hold(record.user_id, worked_in, record.area_code, wanted, envelope, why)
        self.store.save_all(account, *offices, field="user_id")
        return account

    # ----- 村职务 ---------------------------------------------------------------------------------------------------

    def offices(self, village_code: str) -> VillageOffices | None:
        return self.store.find(VillageOffices, village_offices_id(village_code))

    def office_holders(self, village_code: str) -> dict[str, str]:
        """Who holds each office of the village now (office -> user id); a vacant office is absent."""
        offices = self.offices(village_code)
        return dict(offices.holders) if offices is not None else {}

    def view(self, account: UserAccount) -> dict[str, Any]:
        """The account as shown, with the offices its user holds in their village."""
        offices = self.offices(account.facts["area_code"])
        held = offices.held_by(account.user_id) if offices is not None else []
        return {**account.view(), "offices": held, "offices_labels": [VillageOffice(o).label for o in held]}

    def _hold(
        self, user_id: str, worked_in: str, village: str, wanted: tuple[str, ...], envelope: Envelope, reason: str
    ) -> list[VillageOffices]:
        """The offices the user holds after this change: those ``wanted`` in ``village``, none in ``worked_in`` (where
        they worked before it) if that is elsewhere. An office held by another user is refused (the administrator
        takes it from them first); one the user no longer wants falls vacant. Returns the villages' offices that
        changed."""
        changed = self.release(user_id, worked_in, envelope, reason) if worked_in != village else []
        here = self.offices(village)
        if here is None and not wanted:
            return changed
        here = here or VillageOffices.open(village)
        for office in VillageOffice:
            holder = here.holders.get(office.value, "")
            if office.value in wanted and holder not in ("", user_id) and self._holds(holder, village):
                raise RuleViolationError(
                    f"本村的{office.label}已登记为账号 {holder}：请先在该账号上取消此职务，再登记新的{office.label}",
                    field="offices", rule="office_held",
                )  # fmt: skip
            target = user_id if office.value in wanted else ("" if holder == user_id else holder)
            here.set(office.value, target, actor=envelope.actor, command_id=envelope.command_id, now=envelope.now,
                     reason=reason)  # fmt: skip
        return [*changed, here] if here.pending_events else changed

    def release(self, user_id: str, village: str, envelope: Envelope, reason: str) -> list[VillageOffices]:
        """The offices the user holds in ``village`` fall vacant (their account is disabled, or moves away)."""
        offices = self.offices(village)
        if offices is None or not offices.held_by(user_id):
            return []
        for office in offices.held_by(user_id):
            offices.set(office, "", actor=envelope.actor, command_id=envelope.command_id, now=envelope.now,
                        reason=reason)  # fmt: skip
        return [offices]

    def _holds(self, user_id: str, village: str) -> bool:
        """The user's account still stands for the office: enabled, a village cadre of the village."""
        account = self.find(user_id)
        return (account is not None and not account.disabled and account.facts["area_code"] == village
                and account.facts["role"] == Role.VILLAGE_CADRE.value)  # fmt: skip

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
            vacated = self.release(user_id, account.facts["area_code"], envelope, why) if account.disabled else []
            self.store.save_all(account, *vacated, field="user_id")
        return account
