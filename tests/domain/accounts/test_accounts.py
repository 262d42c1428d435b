"""User accounts govern their users' tokens (revocation): a disabled account refuses every token, a change of role
or area refuses the tokens issued before it, and enabling an account again does not bring its old tokens back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from domain.accounts.commands import AccountRecord
from domain.kernel.actors import SYSTEM_ACTOR, Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotFoundError, NotPermittedError, RuleViolationError
from domain.ledger import Ledger

COUNTY, TOWNSHIP, VILLAGE, OTHER_VILLAGE = "990102", "990102101", "990102101001", "990102101002"
ADMIN = Actor("admin-1", Role.ADMIN, COUNTY, "管理员")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CADRE = AccountRecord(user_id="cadre-9", name="村干部九", role="village_cadre", area_code=VILLAGE, unit="玉坪村委会")


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    ledger = Ledger({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield ledger
    ledger.close()


def at(minutes: int, command_id: str, actor: Actor = ADMIN) -> Envelope:
    return Envelope(actor=actor, command_id=command_id, now=T0 + timedelta(minutes=minutes))


def test_a_disabled_account_refuses_every_token_and_enabling_it_does_not_revive_the_old_ones(ledger: Ledger) -> None:
    account = ledger.accounts.add(at(0, "c1"), CADRE, reason="新任")
    before = T0 + timedelta(minutes=5)
    assert account.refusal(Role.VILLAGE_CADRE, VILLAGE, before) is None

    ledger.accounts.disable(at(10, "c2"), "cadre-9", reason="调离")
    stored = ledger.accounts.find("cadre-9")
    assert stored is not None and stored.refusal(Role.VILLAGE_CADRE, VILLAGE, before) == "account_disabled"
    assert stored.refusal(Role.VILLAGE_CADRE, VILLAGE, T0 + timedelta(minutes=11)) == "account_disabled"

    ledger.accounts.enable(at(20, "c3"), "cadre-9", reason="返岗")
    stored = ledger.accounts.find("cadre-9")
    assert stored is not None
    assert stored.refusal(Role.VILLAGE_CADRE, VILLAGE, before) == "token_before_change"
    assert stored.refusal(Role.VILLAGE_CADRE, VILLAGE, T0 + timedelta(minutes=20)) is None  # same second: after


def test_a_changed_area_refuses_the_old_area_s_tokens(ledger: Ledger) -> None:
    ledger.accounts.add(at(0, "c1"), CADRE, reason="新任")
    moved = AccountRecord(**{**CADRE.__dict__, "area_code": OTHER_VILLAGE})
    ledger.accounts.add(at(30, "c2"), moved, reason="调往另一村")
    stored = ledger.accounts.find("cadre-9")
    assert stored is not None
    assert stored.refusal(Role.VILLAGE_CADRE, VILLAGE, T0 + timedelta(minutes=40)) == "account_changed"
    assert stored.refusal(Role.VILLAGE_CADRE, OTHER_VILLAGE, T0 + timedelta(minutes=29)) == "token_before_change"
    assert stored.refusal(Role.VILLAGE_CADRE, OTHER_VILLAGE, T0 + timedelta(minutes=31)) is None
    assert stored.refusal(Role.TOWNSHIP_REVIEWER, OTHER_VILLAGE, T0 + timedelta(minutes=31)) == "account_changed"
    renamed = AccountRecord(**{**moved.__dict__, "name": "村干部九号"})
    ledger.accounts.add(at(50, "c3"), renamed, reason="更正姓名")
    stored = ledger.accounts.find("cadre-9")
    assert stored is not None and stored.refusal(Role.VILLAGE_CADRE, OTHER_VILLAGE, T0 + timedelta(minutes=31)) is None


def test_each_command_counts_once_and_each_change_is_an_event_naming_who_and_why(ledger: Ledger) -> None:
    ledger.accounts.add(at(0, "c1"), CADRE, reason="新任")
    ledger.accounts.add(at(0, "c1"), CADRE, reason="新任")
    ledger.accounts.disable(at(5, "c2"), "cadre-9", reason="调离")
    ledger.accounts.disable(at(6, "c2"), "cadre-9", reason="调离")
    ledger.accounts.disable(at(7, "c3"), "cadre-9", reason="再次")  # already disabled: nothing to record
    account = ledger.accounts.find("cadre-9")
    assert account is not None and account.version == 2
    events = list(ledger.stored_events(account.id))
    assert [type(e).__name__ for e in events] == ["AccountAdded", "AccountDisabled"]
    assert events[1].actor["id"] == "admin-1" and events[1].reason == "调离"


def test_only_an_administrator_of_the_area_keeps_accounts(ledger: Ledger) -> None:
    township_admin = Actor("admin-2", Role.ADMIN, "990102102", "另一乡管理员")  # a township outside 101
    with pytest.raises(NotPermittedError) as e:
        ledger.accounts.add(at(0, "c1", Actor("county-1", Role.COUNTY_APPROVER, COUNTY)), CADRE, reason="新任")
    assert e.value.rule == "admin_only"
    with pytest.raises(NotPermittedError) as e:
        ledger.accounts.add(at(0, "c1", township_admin), CADRE, reason="新任")
    assert e.value.rule == "jurisdiction"
    ledger.accounts.add(at(0, "c1", SYSTEM_ACTOR), CADRE, reason="开发环境的演示用户")
    with pytest.raises(NotFoundError):  # outside the caller's area: as unknown as a missing one
        ledger.accounts.disable(at(1, "c2", township_admin), "cadre-9", reason="调离")
    with pytest.raises(NotFoundError):
        ledger.accounts.disable(at(1, "c3"), "nobody", reason="调离")
    # Anyone else is refused for their role, whichever account they name, and before what they sent is read.
    county = Actor("county-1", Role.COUNTY_APPROVER, COUNTY)
    for user_id in ("cadre-9", "nobody"):
        with pytest.raises(NotPermittedError) as e:
            ledger.accounts.disable(at(1, "c4", county), user_id, reason="调离")
        assert e.value.rule == "admin_only"
    with pytest.raises(NotPermittedError) as e:
        ledger.accounts.add(at(1, "c5", county), AccountRecord(user_id="bad id", name="", role="x", area_code="1"),
                            reason="")  # fmt: skip
    assert e.value.rule == "admin_only"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"user_id": "has space"}, "user_id", "format"),
        ({"name": " "}, "name", "required"),
        ({"role": "system"}, "role", "known_role"),
        ({"area_code": "990102999001"}, "area_code", "known_area"),
        ({"role": "township_reviewer"}, "area_code", "role_area_level"),  # a village code for a township role
        ({"unit": "x" * 101}, "unit", "length"),
    ],
)
def test_a_bad_account_is_refused_naming_the_field(ledger: Ledger, change: dict[str, str], field: str, rule: str
                                                   ) -> None:  # fmt: skip
    with pytest.raises(RuleViolationError) as e:
        ledger.accounts.add(at(0, "c1"), AccountRecord(**{**CADRE.__dict__, **change}), reason="新任")
    assert (e.value.field, e.value.rule) == (field, rule)
    assert ledger.accounts.find(CADRE.user_id) is None


def test_a_change_needs_a_reason(ledger: Ledger) -> None:
    ledger.accounts.add(at(0, "c1"), CADRE, reason="新任")
    with pytest.raises(RuleViolationError) as e:
        ledger.accounts.disable(at(1, "c2"), "cadre-9", reason="  ")
    assert e.value.field == "reason"


def test_a_process_sees_an_account_changed_elsewhere_within_a_second_and_its_own_changes_at_once(
    ledger: Ledger,
) -> None:
    from workflows.accounts.service import CACHE_SECONDS, AccountRefusedError, AccountService

    now = [100.0]
    api, elsewhere = AccountService(ledger, clock=lambda: now[0]), AccountService(ledger)
    token = (Actor("cadre-9", Role.VILLAGE_CADRE, VILLAGE, "村干部九"), T0 + timedelta(minutes=1))
    elsewhere.put(CADRE, actor=ADMIN, command_id="c1", now=T0, reason="新任")
    api.check(*token)  # read now, kept for a second
    elsewhere.disable("cadre-9", actor=ADMIN, command_id="c2", now=T0 + timedelta(minutes=2), reason="调离")
    api.check(*token)  # another process's change: not seen yet
    now[0] += CACHE_SECONDS
    with pytest.raises(AccountRefusedError):
        api.check(*token)
    api.enable("cadre-9", actor=ADMIN, command_id="c3", now=T0 + timedelta(minutes=3), reason="返岗")
    with pytest.raises(AccountRefusedError) as e:  # its own change: at once (an old token stays refused)
        api.check(*token)
    assert e.value.rule == "token_before_change"
