"""The registry commands of the ledger (domain/registry/commands.py, ledger.registry) and the household rules of
``open_case``: households registered, changed and left unchanged exactly once per command id; one household per ID
number; staff; screenings and the case they name; campaigns and their milestones; one open case per household.

Every test runs on the in-memory (POPO) store and on SQLite, so what is stored survives transcoding."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.campaigns.rules import seed_milestones
from domain.campaigns.screening import ScreeningFindings
from domain.campaigns.values import Milestone, ScreeningMethod, screening_open_command
from domain.cases.values import CountyDecision, LookBackOutcome, Source, case_id_for_command
from domain.kernel.actors import Actor
from domain.kernel.envelope import Envelope
from domain.kernel.errors import (
    CaseAlreadyOpenError,
    CaseNotFoundError,
    DomainError,
    DuplicateIdNumberError,
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
    VersionConflictError,
)
from domain.kernel.time import SHANGHAI
from domain.ledger import Ledger
from domain.registry.household import (
    HouseholdChanged,
    HouseholdRegistered,
    IdNumberClaim,
    IdNumberContested,
    household_id,
    id_claim_id,
)
from domain.registry.rules import HouseholdRecord, Member
from domain.registry.values import Relation, Risk, StaffIdentity
from tests.domain.registry_support import family, household, id_number, member, staff, wrong_check, yuan
from tests.domain.support import (
    CLUE_DATE,
    COUNTY_APPROVER,
    COUNTY_CODE,
    INSPECTOR,
    NOW,
    OTHER_TOWNSHIP_REVIEWER,
    OTHER_VILLAGE_CADRE,
    OTHER_VILLAGE_CODE,
    PATH,
    RESETTLEMENT_SITE_CODE,
    TOWNSHIP_CODE,
    TOWNSHIP_REVIEWER,
    VILLAGE_CADRE,
    VILLAGE_CODE,
    CaseDriver,
    at,
    mar,
    sep,
)

SCREENED_ON = date(2026, 2, 28)
# A household of three (the sample family): 9000 a year is 3000 each, below the line of 7100; 60000 is 20000 each.
AT_RISK = ScreeningFindings(wage_income=Decimal("9000"))
NOT_AT_RISK = ScreeningFindings(wage_income=Decimal("60000"))
CAMPAIGN_ID = UUID("6a0c1b7e-0000-4000-8000-000000000001")
# The happy path of tests/domain/support.py up to the announcement of the elimination.
PATH_TO_ELIMINATED = PATH[: PATH.index("elimination_announcement") + 1]


@pytest.fixture(params=["popo", "sqlite"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """The ledger on in-memory persistence and on an SQLite file (overrides the conftest's in-memory one)."""
    env = None
    if request.param == "sqlite":
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "cases.sqlite")}
    app = Ledger(env)
    yield app
    app.close()


# --- helpers ------------------------------------------------------------------------------------------------------


def register(
    ledger: Ledger,
    record: HouseholdRecord | None = None,
    *,
    actor: Actor = VILLAGE_CADRE,
    command_id: str | None = None,
    now: datetime = NOW,
    reason: str = "建档立卡",
    demo: bool = False,
) -> dict[str, Any]:
    return ledger.registry.register_household(
        Envelope(actor, command_id or f"register-{uuid4()}", now),
        household() if record is None else record,
        reason=reason,
        demo=demo,
    )


def events_of(ledger: Ledger, household_number: str) -> list[Any]:
    return list(ledger.events.get(household_id(household_number)))


def without(record: HouseholdRecord, seq: int) -> HouseholdRecord:
    """The record without the member whose ID number is ``id_number(…, seq)`` (any birth date)."""
    return replace(record, members=tuple(m for m in record.members if m.id_number[14:17] != f"{seq:03d}"))


def with_member(record: HouseholdRecord, m: Member) -> HouseholdRecord:
    return replace(record, members=(*record.members, m))


def register_screener(
    ledger: Ledger,
    number: str = "S-001",
    area_code: str = VILLAGE_CODE,
    *,
    actor: Actor = VILLAGE_CADRE,
    identity: StaffIdentity = StaffIdentity.GRID_WORKER,
) -> dict[str, Any]:
    return ledger.registry.register_staff(
        Envelope(actor, f"staff-{uuid4()}", NOW), staff(number, area_code, identity), reason="参与排查"
    )


def screen(
    ledger: Ledger,
    findings: ScreeningFindings = NOT_AT_RISK,
    *,
    household_number: str = "HH-0001",
    method: ScreeningMethod = ScreeningMethod.IN_PERSON,
    screened_on: date = SCREENED_ON,
    screener: str = "S-001",
    campaign_id: UUID | None = None,
    command_id: str | None = None,
    actor: Actor = VILLAGE_CADRE,
    now: datetime = NOW,
    comment: str = "",
) -> dict[str, Any]:
    return ledger.campaigns.record_screening(
        Envelope(actor, command_id or f"screen-{uuid4()}", now),
        household_number=household_number,
        campaign_id=campaign_id,
        screened_on=screened_on,
        method=method,
        screener=screener,
        findings=findings,
        comment=comment,
    )


def screenable(ledger: Ledger, record: HouseholdRecord | None = None) -> None:
    """A registered household and a registered screener of its village."""
    register(ledger, record)
    register_screener(ledger)


def open_for(ledger: Ledger, household_number: str, **kw: Any) -> CaseDriver:
    case = CaseDriver(ledger)
    case.open(household_number=household_number, **kw)
    return case


def start_campaign(
    ledger: Ledger,
    *,
    campaign_id: UUID = CAMPAIGN_ID,
    scope: list[str] | None = None,
    starts_on: date = date(2026, 2, 15),
    actor: Actor = TOWNSHIP_REVIEWER,
    command_id: str = "campaign-1",
    name: str = " 百日攻坚春季行动 ",
) -> dict[str, Any]:
    return ledger.campaigns.start_campaign(
        Envelope(actor, command_id, NOW),
        campaign_id=campaign_id,
        name=name,
        scope=[TOWNSHIP_CODE] if scope is None else scope,
        starts_on=starts_on,
        milestones=seed_milestones(2026),
    )


# --- registering households ---------------------------------------------------------------------------------------


def test_a_new_household_is_created_with_its_members(ledger: Ledger) -> None:
    record = household()

    result = register(ledger, record)

    assert result == {"household_number": "HH-0001", "result": "created", "version": 1}
    found = ledger.registry.household("HH-0001")
    assert found["household_number"] == "HH-0001"
    assert found["household_type"] == "ordinary"
    assert found["village_code"] == VILLAGE_CODE
    assert found["address"] == record.address
    assert found["phone"] == record.phone
    assert found["at_resettlement_site"] is False
    assert found["members"] == [m.as_dict() for m in record.members]
    assert (found["demo"], found["version"], found["open_cases"], found["screenings"]) == (False, 1, [], [])


def test_the_registration_records_who_when_and_why(ledger: Ledger) -> None:
    register(ledger, command_id="c-1", reason="首次建档", now=mar(1, 9))

    [event] = events_of(ledger, "HH-0001")

    assert isinstance(event, HouseholdRegistered)
    assert event.actor == VILLAGE_CADRE.as_dict()
    assert (event.command_id, event.reason, event.household_number) == ("c-1", "首次建档", "HH-0001")
    assert event.occurred_at == mar(1, 9)


def test_a_demo_household_is_marked_as_demo(ledger: Ledger) -> None:
    register(ledger, demo=True)

    assert ledger.registry.household("HH-0001")["demo"] is True


def test_the_same_command_twice_registers_once(ledger: Ledger) -> None:
    register(ledger, command_id="c-1")

    again = register(ledger, command_id="c-1")

    assert again == {"household_number": "HH-0001", "result": "unchanged", "version": 1}
    assert len(events_of(ledger, "HH-0001")) == 1


def test_a_retried_command_does_not_apply_other_facts(ledger: Ledger) -> None:
    register(ledger, command_id="c-1")

    again = register(ledger, household(phone="13911112222"), command_id="c-1")

    assert again["result"] == "unchanged"
    assert ledger.registry.household("HH-0001")["phone"] == "13800138000"


def test_registering_the_same_facts_again_changes_nothing(ledger: Ledger) -> None:
    register(ledger, command_id="c-1")

    again = register(ledger, command_id="c-2")

    assert again == {"household_number": "HH-0001", "result": "unchanged", "version": 1}
    assert len(events_of(ledger, "HH-0001")) == 1


def test_a_change_records_only_what_differs_with_previous_values_actor_and_reason(ledger: Ledger) -> None:
    register(ledger, command_id="c-1")

    result = register(
        ledger,
        household(phone="13911112222", address="玉坪村四组3号"),
        actor=TOWNSHIP_REVIEWER,
        command_id="c-2",
        reason="电话和住址变更",
        now=mar(5),
    )

    assert result == {"household_number": "HH-0001", "result": "changed", "version": 2}
    event = events_of(ledger, "HH-0001")[-1]
    assert isinstance(event, HouseholdChanged)
    assert event.changes == {"phone": "13911112222", "address": "玉坪村四组3号"}
    assert event.previous == {"phone": "13800138000", "address": "玉坪村三组12号"}
    assert event.actor == TOWNSHIP_REVIEWER.as_dict()
    assert (event.reason, event.command_id, event.occurred_at) == ("电话和住址变更", "c-2", mar(5))
    found = ledger.registry.household("HH-0001")
    assert (found["phone"], found["address"], found["version"]) == ("13911112222", "玉坪村四组3号", 2)
    assert found["members"] == [m.as_dict() for m in family()]


def test_a_change_of_members_records_the_whole_list_before_and_after(ledger: Ledger) -> None:
    record = household()
    register(ledger, record)
    baby = member(9, Relation.GRANDCHILD, date(2025, 12, 1), name="刘小宝")

    register(ledger, with_member(record, baby), reason="新生儿落户")

    event = events_of(ledger, "HH-0001")[-1]
    assert set(event.changes) == {"members"}
    assert event.previous["members"] == [m.as_dict() for m in record.members]
    assert event.changes["members"] == [*(m.as_dict() for m in record.members), baby.as_dict()]
    assert len(ledger.registry.household("HH-0001")["members"]) == 4


def test_a_retried_change_is_recorded_once(ledger: Ledger) -> None:
    register(ledger, command_id="c-1")
    register(ledger, household(phone="13911112222"), command_id="c-2")

    again = register(ledger, household(phone="13911112222"), command_id="c-2")

    assert again == {"household_number": "HH-0001", "result": "unchanged", "version": 2}
    assert len(events_of(ledger, "HH-0001")) == 2


def test_a_replayed_earlier_command_does_not_undo_a_later_change(ledger: Ledger) -> None:
    register(ledger, command_id="c-1")
    register(ledger, household(phone="13911112222"), command_id="c-2")

    register(ledger, household(), command_id="c-1")

    assert ledger.registry.household("HH-0001")["phone"] == "13911112222"


def test_an_invalid_household_is_refused_with_every_problem_and_nothing_written(ledger: Ledger) -> None:
    head = member(1, Relation.HEAD)
    bad = household(members=(head, replace(head, relation=Relation.SPOUSE, name="")), phone="123")

    with pytest.raises(RuleViolationError) as excinfo:
        register(ledger, bad)

    found = {(v["field"], v["rule"]) for v in excinfo.value.violations}
    assert {("id_number", "unique_in_household"), ("phone", "format"), ("name", "required")} <= found
    with pytest.raises(NotFoundError):
        ledger.registry.household("HH-0001")


def test_a_member_with_a_wrong_check_character_is_refused(ledger: Ledger) -> None:
    head = member(1, Relation.HEAD)
    bad = replace(head, id_number=wrong_check(head.id_number))

    with pytest.raises(RuleViolationError) as excinfo:
        register(ledger, household(members=(bad,)))

    assert (excinfo.value.field, excinfo.value.rule) == ("id_number", "id_number")


@pytest.mark.parametrize("village_code", ["990102101099", TOWNSHIP_CODE, COUNTY_CODE, "abc"])
def test_a_household_must_be_in_a_known_village(ledger: Ledger, village_code: str) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        register(ledger, household(village_code=village_code), actor=COUNTY_APPROVER)

    assert (excinfo.value.field, excinfo.value.rule) == ("village_code", "known_village")


def test_a_household_of_the_resettlement_site_is_marked_as_living_there(ledger: Ledger) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        register(ledger, household(village_code=RESETTLEMENT_SITE_CODE), actor=TOWNSHIP_REVIEWER)
    assert (excinfo.value.field, excinfo.value.rule) == ("at_resettlement_site", "resettlement_site")

    result = register(
        ledger, household(village_code=RESETTLEMENT_SITE_CODE, at_resettlement_site=True), actor=TOWNSHIP_REVIEWER
    )

    assert result["result"] == "created"
    assert ledger.registry.household("HH-0001")["at_resettlement_site"] is True


@pytest.mark.parametrize(
    "actor",
    [OTHER_VILLAGE_CADRE, OTHER_TOWNSHIP_REVIEWER, INSPECTOR],
    ids=["other-village", "other-township", "inspector"],
)
def test_only_the_households_village_township_or_county_may_register_it(ledger: Ledger, actor: Actor) -> None:
    with pytest.raises(NotPermittedError):
        register(ledger, actor=actor)

    with pytest.raises(NotFoundError):
        ledger.registry.household("HH-0001")


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, TOWNSHIP_REVIEWER, COUNTY_APPROVER])
def test_the_village_township_and_county_may_register_a_household(ledger: Ledger, actor: Actor) -> None:
    assert register(ledger, actor=actor)["result"] == "created"


def test_another_village_may_not_change_a_household_of_this_village(ledger: Ledger) -> None:
    register(ledger)

    with pytest.raises(NotPermittedError):
        register(ledger, household(phone="13911112222"), actor=OTHER_VILLAGE_CADRE)

    assert ledger.registry.household("HH-0001")["version"] == 1


def test_another_village_may_not_take_over_a_household_by_moving_it(ledger: Ledger) -> None:
    register(ledger)

    with pytest.raises(NotPermittedError):
        register(ledger, household(village_code=OTHER_VILLAGE_CODE, phone="13911112222"), actor=OTHER_VILLAGE_CADRE)

    found = ledger.registry.household("HH-0001")
    assert (found["village_code"], found["phone"], found["version"]) == (VILLAGE_CODE, "13800138000", 1)


def test_the_township_may_move_a_household_between_its_villages(ledger: Ledger) -> None:
    register(ledger)

    result = register(ledger, household(village_code=OTHER_VILLAGE_CODE), actor=TOWNSHIP_REVIEWER, reason="迁居")

    assert result["result"] == "changed"
    assert ledger.registry.household("HH-0001")["village_code"] == OTHER_VILLAGE_CODE


def test_an_unknown_household_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(NotFoundError) as excinfo:
        ledger.registry.household("HH-9999")

    assert excinfo.value.field == "household_number"


# --- one household per ID number ----------------------------------------------------------------------------------


def test_an_id_number_of_another_household_is_refused_and_nothing_is_written(ledger: Ledger) -> None:
    register(ledger, household("HH-0001", family(1)))
    lodger = member(1, Relation.HEAD, name="刘大山")  # the head of HH-0001
    newcomer = member(20, Relation.SPOUSE, date(1980, 1, 1), name="陈某")

    with pytest.raises(DuplicateIdNumberError) as excinfo:
        register(ledger, household("HH-0002", (lodger, newcomer)))

    assert (excinfo.value.field, excinfo.value.rule) == ("id_number", "unique_id_number")
    with pytest.raises(NotFoundError):
        ledger.registry.household("HH-0002")
    assert ledger.registry.household("HH-0001")["version"] == 1
    # the other member's number was not claimed either: a third household may register it
    assert register(ledger, household("HH-0003", (replace(newcomer, relation=Relation.HEAD),)))["result"] == "created"


def test_adding_a_member_of_another_household_is_refused_and_the_household_is_unchanged(ledger: Ledger) -> None:
    register(ledger, household("HH-0001", family(1)))
    second = household("HH-0002", family(10))
    register(ledger, second)

    with pytest.raises(DuplicateIdNumberError):
        register(ledger, with_member(second, member(3, Relation.CHILD, date(2012, 3, 15))))

    found = ledger.registry.household("HH-0002")
    assert found["version"] == 1
    assert found["members"] == [m.as_dict() for m in family(10)]


def test_a_member_kept_through_a_change_keeps_the_id_number(ledger: Ledger) -> None:
    register(ledger, household("HH-0001", family(1)))
    register(ledger, household("HH-0001", family(1), phone="13911112222"))

    with pytest.raises(DuplicateIdNumberError):
        register(ledger, household("HH-0002", (member(1, Relation.HEAD),)))


def test_a_removed_member_frees_the_id_number_for_another_household(ledger: Ledger) -> None:
    first = household("HH-0001", family(1))
    register(ledger, first)
    child = member(3, Relation.CHILD, date(2012, 3, 15), name="刘小明")

    moved_out = register(ledger, without(first, 3), reason="子女分户")
    moved_in = register(ledger, household("HH-0002", (replace(child, relation=Relation.HEAD),)), reason="分户")

    assert moved_out["result"] == "changed"
    assert moved_in["result"] == "created"
    assert [m["id_number"] for m in ledger.registry.household("HH-0002")["members"]] == [child.id_number]
    # and now the first household may not take the number back
    with pytest.raises(DuplicateIdNumberError):
        register(ledger, first)


def test_a_removed_member_may_return_to_the_same_household(ledger: Ledger) -> None:
    first = household("HH-0001", family(1))
    register(ledger, first)
    register(ledger, without(first, 3))

    back = register(ledger, first, reason="回户")

    assert back == {"household_number": "HH-0001", "result": "changed", "version": 3}
    assert len(ledger.registry.household("HH-0001")["members"]) == 3


def test_the_refusal_names_a_household_within_the_actors_area(ledger: Ledger) -> None:
    register(ledger, household("HH-0001", family(1)))

    with pytest.raises(DuplicateIdNumberError) as excinfo:
        register(
            ledger,
            household("HH-0002", (member(1, Relation.HEAD),), village_code=OTHER_VILLAGE_CODE),
            actor=TOWNSHIP_REVIEWER,
        )

    assert "HH-0001" in excinfo.value.message


def test_a_person_registered_outside_the_actors_area_is_not_revealed_and_the_conflict_goes_to_the_county(
    ledger: Ledger,
) -> None:
    register(ledger, household("HH-0001", family(1)))
    contested = household("HH-0002", (member(1, Relation.HEAD),), village_code=OTHER_VILLAGE_CODE)
    fresh = household("HH-0003", (member(40, Relation.HEAD),), village_code=OTHER_VILLAGE_CODE)

    # The same answer whether or not the person is registered elsewhere: nothing to test an ID number with.
    answers = [register(ledger, h, actor=OTHER_VILLAGE_CADRE) for h in (contested, fresh)]
    assert [a["result"] for a in answers] == ["created", "created"]
    assert register(ledger, contested, actor=OTHER_VILLAGE_CADRE)["result"] == "unchanged"

    # The number stays with its household; the conflict is recorded once, for the county.
    claim = ledger.find(IdNumberClaim, id_claim_id(id_number(seq=1)))
    assert claim is not None and claim.household_number == "HH-0001" and claim.contesting == ["HH-0002"]
    contested_events = [e for e in ledger.stored_events(claim.id) if isinstance(e, IdNumberContested)]
    assert len(contested_events) == 1
    (conflict,) = ledger.registry.id_number_conflicts(contested_events)
    assert (conflict["household_number"], conflict["contested_by"], conflict["status"]) == (
        "HH-0001",
        "HH-0002",
        "open",
    )
    assert (
        conflict["contested_by_village_code"] == OTHER_VILLAGE_CODE
        and conflict["recorded_by"] == OTHER_VILLAGE_CADRE.id
    )

    # Resolved once the person is listed by one household only.
    register(ledger, household("HH-0002", (member(41, Relation.HEAD),), village_code=OTHER_VILLAGE_CODE),
             actor=OTHER_VILLAGE_CADRE, reason="核实后移出")  # fmt: skip
    assert ledger.registry.id_number_conflicts(contested_events)[0]["status"] == "resolved"


def test_two_registrations_racing_for_one_id_number_conflict_in_the_store(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(ledger, household("HH-0001", family(1)))
    claim = id_claim_id(id_number(seq=1))
    real_read = ledger.stored_events

    def stale_read(aggregate_id: UUID, *args: Any, **kw: Any) -> Any:
        # the second registration read the claims before the first was saved
        if aggregate_id == claim:
            return []
        return real_read(aggregate_id, *args, **kw)

    monkeypatch.setattr(ledger, "stored_events", stale_read)
    with pytest.raises(VersionConflictError) as excinfo:
        register(ledger, household("HH-0002", (member(1, Relation.HEAD),)))
    monkeypatch.undo()

    assert excinfo.value.rule == "concurrent_change"
    with pytest.raises(NotFoundError):
        ledger.registry.household("HH-0002")


@pytest.mark.parametrize("card_digits", ["11", "1123"])
def test_a_disability_card_number_of_a_member_of_another_household_is_refused(ledger: Ledger, card_digits: str) -> None:
    # a 20/22-character number is the same person's 18-character number followed by disability-card digits
    register(ledger, household("HH-0001", family(1)))
    same_person = replace(member(1, Relation.HEAD), id_number=id_number(seq=1) + card_digits)

    with pytest.raises(DuplicateIdNumberError):
        register(ledger, household("HH-0002", (same_person,)))

    with pytest.raises(NotFoundError):
        ledger.registry.household("HH-0002")


def test_an_18_character_number_of_a_member_of_another_household_with_a_card_number_is_refused(
    ledger: Ledger,
) -> None:
    card_holder = replace(member(1, Relation.HEAD), id_number=id_number(seq=1) + "11")
    register(ledger, household("HH-0001", (card_holder,)))

    with pytest.raises(DuplicateIdNumberError):
        register(ledger, household("HH-0002", (member(1, Relation.HEAD),)))


def test_a_member_may_change_to_their_disability_card_number_and_back(ledger: Ledger) -> None:
    head, spouse, child = family(1)
    register(ledger, household("HH-0001", (head, spouse, child)))
    card = replace(spouse, id_number=spouse.id_number + "42")

    assert register(ledger, household("HH-0001", (head, card, child)))["result"] == "changed"
    # the person is still this household's
    with pytest.raises(DuplicateIdNumberError):
        register(ledger, household("HH-0002", (replace(spouse, relation=Relation.HEAD),)))
    assert register(ledger, household("HH-0001", (head, spouse, child)))["result"] == "changed"


def test_a_removed_card_holder_frees_the_person_for_another_household(ledger: Ledger) -> None:
    head, spouse, child = family(1)
    card = replace(spouse, id_number=spouse.id_number + "42")
    register(ledger, household("HH-0001", (head, card, child)))
    register(ledger, household("HH-0001", (head, child)), reason="离婚分户")

    result = register(ledger, household("HH-0002", (replace(spouse, relation=Relation.HEAD),)))

    assert result["result"] == "created"


def test_an_id_number_with_a_trailing_newline_cannot_bypass_the_claim(ledger: Ledger) -> None:
    register(ledger, household("HH-0001", family(1)))
    same_person = replace(member(1, Relation.HEAD), id_number=id_number(seq=1) + "\n")

    with pytest.raises(RuleViolationError) as excinfo:
        register(ledger, household("HH-0002", (same_person,)))

    assert (excinfo.value.field, excinfo.value.rule) == ("id_number", "id_number")
    with pytest.raises(NotFoundError):
        ledger.registry.household("HH-0002")


# --- staff --------------------------------------------------------------------------------------------------------


def test_a_staff_member_is_registered_with_one_identity(ledger: Ledger) -> None:
    result = ledger.registry.register_staff(
        Envelope(VILLAGE_CADRE, "st-1", NOW),
        staff("S-001", name=" 张网格 ", identity=StaffIdentity.GRID_WORKER),
        reason="参与排查",
    )

    assert result == {"staff_number": "S-001", "result": "created", "version": 1}
    assert ledger.registry.staff_member("S-001") == {
        "staff_number": "S-001",
        "name": "张网格",
        "identity": "grid_worker",
        "area_code": VILLAGE_CODE,
        "phone": "13900139000",
        "demo": False,
        "version": 1,
    }


def test_staff_are_registered_once_per_command_and_changed_only_when_different(ledger: Ledger) -> None:
    record = staff("S-001")

    def cmd(command_id: str) -> Envelope:
        return Envelope(VILLAGE_CADRE, command_id, NOW)

    kw: dict[str, Any] = {"reason": "参与排查"}
    ledger.registry.register_staff(cmd("st-1"), record, **kw)

    assert ledger.registry.register_staff(cmd("st-1"), record, **kw)["result"] == "unchanged"
    assert ledger.registry.register_staff(cmd("st-2"), record, **kw)["result"] == "unchanged"
    changed = ledger.registry.register_staff(cmd("st-3"), replace(record, identity=StaffIdentity.VILLAGE_DOCTOR), **kw)
    assert changed == {"staff_number": "S-001", "result": "changed", "version": 2}
    assert ledger.registry.register_staff(cmd("st-3"), record, **kw)["result"] == "unchanged"
    assert ledger.registry.staff_member("S-001")["identity"] == "village_doctor"


def test_an_invalid_staff_record_is_refused(ledger: Ledger) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        ledger.registry.register_staff(Envelope(VILLAGE_CADRE, "st-1", NOW), staff("S", name=""), reason="")

    assert {(v["field"], v["rule"]) for v in excinfo.value.violations} == {
        ("staff_number", "format"),
        ("name", "required"),
    }
    with pytest.raises(NotFoundError):
        ledger.registry.staff_member("S")


def test_a_staff_member_works_in_a_known_area(ledger: Ledger) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        ledger.registry.register_staff(
            Envelope(TOWNSHIP_REVIEWER, "st-1", NOW), staff(area_code="990102101099"), reason=""
        )

    assert (excinfo.value.field, excinfo.value.rule) == ("area_code", "known_area")


def test_township_staff_are_registered_by_the_township_not_a_village(ledger: Ledger) -> None:
    township_staff = staff("T-001", TOWNSHIP_CODE, StaffIdentity.TOWNSHIP_CADRE)

    with pytest.raises(NotPermittedError):
        ledger.registry.register_staff(Envelope(VILLAGE_CADRE, "st-1", NOW), township_staff, reason="")
    result = ledger.registry.register_staff(Envelope(TOWNSHIP_REVIEWER, "st-2", NOW), township_staff, reason="")

    assert result["result"] == "created"


def test_inspectors_do_not_register_staff(ledger: Ledger) -> None:
    with pytest.raises(NotPermittedError):
        ledger.registry.register_staff(Envelope(INSPECTOR, "st-1", NOW), staff(), reason="")


def test_another_village_may_not_take_over_a_staff_member(ledger: Ledger) -> None:
    register_screener(ledger)

    with pytest.raises(NotPermittedError):
        ledger.registry.register_staff(
            Envelope(OTHER_VILLAGE_CADRE, "st-x", NOW), staff("S-001", OTHER_VILLAGE_CODE), reason=""
        )

    assert ledger.registry.staff_member("S-001")["area_code"] == VILLAGE_CODE


def test_the_township_may_move_a_staff_member_between_its_villages(ledger: Ledger) -> None:
    register_screener(ledger)

    result = ledger.registry.register_staff(
        Envelope(TOWNSHIP_REVIEWER, "st-x", NOW), staff("S-001", OTHER_VILLAGE_CODE), reason="调动"
    )

    assert result["result"] == "changed"
    assert ledger.registry.staff_member("S-001")["area_code"] == OTHER_VILLAGE_CODE


def test_an_unknown_staff_member_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(NotFoundError) as excinfo:
        ledger.registry.staff_member("S-404")

    assert excinfo.value.field == "staff_number"


# --- screenings ---------------------------------------------------------------------------------------------------


def test_a_screening_records_what_was_found_and_the_assessment(ledger: Ledger) -> None:
    screenable(ledger)

    record = screen(ledger, NOT_AT_RISK, command_id="sc-1", comment="  收入稳定  ")

    assert record["screening_id"] == "sc-1"
    assert record["campaign_id"] == ""
    assert record["household_number"] == "HH-0001"
    assert record["village_code"] == VILLAGE_CODE
    assert record["screened_on"] == "2026-02-28"
    assert record["method"] == "in_person"
    assert record["screener"] == {"staff_number": "S-001", "name": "张网格", "identity": "grid_worker"}
    assert (record["household_size"], record["persons"]) == (3, 3)
    assert record["findings"]["wage_income"] == "60000"
    assert record["assessment"]["at_risk"] is False
    assert record["assessment"]["per_capita_net_income"] == "20000.00"
    assert record["assessment"]["policy"] == "seed-township@1"
    assert record["assessment"]["monitoring_line"] == "7100"
    assert (record["case_id"], record["opens_case"]) == ("", False)
    assert record["comment"] == "收入稳定"
    assert record["recorded_by"] == VILLAGE_CADRE.as_dict()
    assert record["version"] == 2
    found = ledger.registry.household("HH-0001")
    assert found["version"] == 2
    assert found["screenings"] == [record]


def test_every_screening_is_kept_in_order(ledger: Ledger) -> None:
    screenable(ledger)

    screen(ledger, command_id="sc-1", screened_on=date(2026, 2, 20))
    screen(ledger, command_id="sc-2", screened_on=date(2026, 2, 28))

    assert [s["screening_id"] for s in ledger.registry.household("HH-0001")["screenings"]] == ["sc-1", "sc-2"]


def test_an_at_risk_household_without_an_open_case_names_the_case_the_screening_opens(ledger: Ledger) -> None:
    screenable(ledger)

    record = screen(ledger, AT_RISK, command_id="sc-1")

    assert record["assessment"]["at_risk"] is True
    assert record["opens_case"] is True
    assert record["case_id"] == str(case_id_for_command(screening_open_command("sc-1", "HH-0001")))
    assert record["case_id"] != str(case_id_for_command("sc-1"))


def test_the_case_named_by_a_screening_opens_and_later_screenings_name_it(ledger: Ledger) -> None:
    screenable(ledger)
    first = screen(ledger, AT_RISK, command_id="sc-1")
    ledger.cases.open_case(
        Envelope(VILLAGE_CADRE, screening_open_command("sc-1", "HH-0001"), NOW),
        case_id=UUID(first["case_id"]),
        household_number="HH-0001",
        household_head="",
        village_code=VILLAGE_CODE,
        source=Source.CADRE_SCREENING,
        clue_date=SCREENED_ON,
        reported_risks=[],
    )

    later = screen(ledger, AT_RISK, command_id="sc-2")

    assert ledger.registry.household("HH-0001")["open_cases"] == [first["case_id"]]
    assert (later["case_id"], later["opens_case"]) == (first["case_id"], False)


def test_an_at_risk_household_with_an_open_case_names_that_case(ledger: Ledger) -> None:
    screenable(ledger)
    case = open_for(ledger, "HH-0001")

    record = screen(ledger, AT_RISK, command_id="sc-1")

    assert (record["case_id"], record["opens_case"]) == (str(case.case_id), False)


def test_a_household_whose_case_ended_opens_a_new_one(ledger: Ledger) -> None:
    screenable(ledger)
    case = open_for(ledger, "HH-0001")
    case.visit(authorisation_signed=False, authorisation_ref="", refusal_reason="不愿申请", risks=[])

    record = screen(ledger, AT_RISK, command_id="sc-1")

    assert record["opens_case"] is True
    assert record["case_id"] == str(case_id_for_command(screening_open_command("sc-1", "HH-0001")))


def test_a_screening_is_recorded_once_per_command(ledger: Ledger) -> None:
    screenable(ledger)
    first = screen(ledger, AT_RISK, command_id="sc-1")

    again = screen(ledger, NOT_AT_RISK, command_id="sc-1", screened_on=date(2026, 2, 1))

    assert again == first
    found = ledger.registry.household("HH-0001")
    assert found["version"] == 2
    assert len(found["screenings"]) == 1


def test_a_retried_screening_returns_the_record_as_first_made_even_after_the_case_opened(ledger: Ledger) -> None:
    screenable(ledger)
    first = screen(ledger, AT_RISK, command_id="sc-1")
    open_for(ledger, "HH-0001")

    assert screen(ledger, AT_RISK, command_id="sc-1") == first


def test_a_screening_reusing_the_command_id_of_a_registration_is_refused_as_a_domain_error(
    ledger: Ledger,
) -> None:
    register(ledger, command_id="vc-1:key-1")
    register_screener(ledger)

    with pytest.raises(DomainError) as refused:
        screen(ledger, command_id="vc-1:key-1")
    assert refused.value.rule == "command_reused"


def test_a_registration_reusing_the_command_id_of_a_screening_is_refused(ledger: Ledger) -> None:
    register(ledger, command_id="vc-1:key-1")
    register_screener(ledger)
    screen(ledger, command_id="vc-1:key-2")

    with pytest.raises(DomainError) as refused:
        register(ledger, command_id="vc-1:key-2")
    assert refused.value.rule == "command_reused"


def test_the_household_size_is_that_of_the_registered_members(ledger: Ledger) -> None:
    screenable(ledger)  # three members

    at_line = screen(ledger, ScreeningFindings(wage_income=yuan(21300)))
    above = screen(ledger, ScreeningFindings(wage_income=yuan("21300.03")))

    assert (at_line["assessment"]["per_capita_net_income"], at_line["assessment"]["at_risk"]) == ("7100.00", True)
    assert (above["assessment"]["per_capita_net_income"], above["assessment"]["at_risk"]) == ("7100.01", False)


def test_the_policy_is_the_one_in_force_on_the_screening_date(ledger: Ledger) -> None:
    screenable(ledger)
    f = ScreeningFindings(wage_income=yuan(19500))  # 6500 each: below 7100 (2023 on), above 6000 (national)

    in_2022 = screen(ledger, f, screened_on=date(2022, 6, 1))
    in_2026 = screen(ledger, f)

    assert (in_2022["assessment"]["policy"], in_2022["assessment"]["at_risk"]) == ("national@1", False)
    assert (in_2026["assessment"]["policy"], in_2026["assessment"]["at_risk"]) == ("seed-township@1", True)


def test_an_unknown_household_cannot_be_screened(ledger: Ledger) -> None:
    register_screener(ledger)

    with pytest.raises(NotFoundError) as excinfo:
        screen(ledger, household_number="HH-9999")

    assert excinfo.value.field == "household_number"


def test_an_unregistered_screener_is_refused(ledger: Ledger) -> None:
    register(ledger)

    with pytest.raises(RuleViolationError) as excinfo:
        screen(ledger, screener="S-404")

    assert (excinfo.value.field, excinfo.value.rule) == ("screener", "registered_staff")
    assert ledger.registry.household("HH-0001")["screenings"] == []


def test_a_screener_of_another_village_is_refused(ledger: Ledger) -> None:
    register(ledger)
    register_screener(ledger, "S-002", OTHER_VILLAGE_CODE, actor=TOWNSHIP_REVIEWER)

    with pytest.raises(RuleViolationError) as excinfo:
        screen(ledger, screener="S-002")

    assert (excinfo.value.field, excinfo.value.rule) == ("screener", "screener_area")
    assert ledger.registry.household("HH-0001")["version"] == 1


@pytest.mark.parametrize(
    ("area_code", "identity", "actor"),
    [
        (TOWNSHIP_CODE, StaffIdentity.TOWNSHIP_CADRE, TOWNSHIP_REVIEWER),
        (COUNTY_CODE, StaffIdentity.COUNTY_DEPARTMENT, COUNTY_APPROVER),
    ],
)
def test_township_and_county_staff_may_screen_any_village_of_their_area(
    ledger: Ledger, area_code: str, identity: StaffIdentity, actor: Actor
) -> None:
    register(ledger)
    register_screener(ledger, "S-009", area_code, actor=actor, identity=identity)

    record = screen(ledger, screener="S-009")

    assert record["screener"]["identity"] == identity.value


@pytest.mark.parametrize(
    ("actor", "refusal"), [(OTHER_VILLAGE_CADRE, NotFoundError), (INSPECTOR, NotPermittedError)],
    ids=["other-village", "inspector"],
)  # fmt: skip
def test_only_the_households_area_records_a_screening(ledger: Ledger, actor: Actor, refusal: type[Exception]) -> None:
    screenable(ledger)

    # Another village's cadre is told the household is unknown (whether it exists elsewhere is not told); an
    # inspector, who may screen no household, is refused for the role.
    with pytest.raises(refusal):
        screen(ledger, actor=actor)

    assert ledger.registry.household("HH-0001")["screenings"] == []


@pytest.mark.parametrize("method", [ScreeningMethod.PHONE, ScreeningMethod.WECHAT])
def test_phone_or_wechat_is_refused_for_a_household_living_in_the_village(
    ledger: Ledger, method: ScreeningMethod
) -> None:
    screenable(ledger)

    with pytest.raises(RuleViolationError) as excinfo:
        screen(ledger, method=method)

    assert (excinfo.value.field, excinfo.value.rule) == ("method", "remote_screening_for_migrants")
    assert ledger.registry.household("HH-0001")["screenings"] == []


@pytest.mark.parametrize("method", [ScreeningMethod.PHONE, ScreeningMethod.WECHAT])
def test_phone_or_wechat_is_accepted_for_a_household_with_a_migrant_member(
    ledger: Ledger, method: ScreeningMethod
) -> None:
    head, spouse, child = family()
    migrant = replace(spouse, migrant_work_months=8, migrant_work_place="浙江省宁波市")
    screenable(ledger, household(members=(head, migrant, child)))

    record = screen(ledger, method=method)

    assert record["method"] == method.value


def test_a_screening_dated_after_today_is_refused(ledger: Ledger) -> None:
    screenable(ledger)

    with pytest.raises(RuleViolationError) as excinfo:
        screen(ledger, screened_on=date(2026, 3, 2))

    assert (excinfo.value.field, excinfo.value.rule) == ("screened_on", "date_range")
    assert screen(ledger, screened_on=date(2026, 3, 1))["screened_on"] == "2026-03-01"


def test_today_is_the_calendar_day_in_shanghai(ledger: Ledger) -> None:
    screenable(ledger)
    late_utc = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)  # 2026-03-01 01:00 in Shanghai

    record = screen(ledger, screened_on=date(2026, 3, 1), now=late_utc)

    assert record["screened_on"] == "2026-03-01"


def test_invalid_findings_are_refused(ledger: Ledger) -> None:
    screenable(ledger)

    with pytest.raises(RuleViolationError) as excinfo:
        screen(ledger, ScreeningFindings(wage_income=yuan(-1)))

    assert (excinfo.value.field, excinfo.value.rule) == ("wage_income", "range")


def test_every_problem_of_a_screening_is_reported_with_the_date_first(ledger: Ledger) -> None:
    screenable(ledger)

    with pytest.raises(RuleViolationError) as excinfo:
        screen(
            ledger,
            ScreeningFindings(medical_expenditure=yuan(-5)),
            method=ScreeningMethod.PHONE,
            screened_on=date(2026, 3, 9),
        )

    assert [(v["field"], v["rule"]) for v in excinfo.value.violations] == [
        ("screened_on", "date_range"),
        ("medical_expenditure", "range"),
        ("method", "remote_screening_for_migrants"),
    ]
    assert excinfo.value.field == "screened_on"


def test_a_screening_of_a_campaign_names_the_campaign(ledger: Ledger) -> None:
    screenable(ledger)
    start_campaign(ledger)

    record = screen(ledger, campaign_id=CAMPAIGN_ID)

    assert record["campaign_id"] == str(CAMPAIGN_ID)


def test_a_screening_of_an_unknown_campaign_is_refused(ledger: Ledger) -> None:
    screenable(ledger)

    with pytest.raises(NotFoundError) as excinfo:
        screen(ledger, campaign_id=uuid4())

    assert excinfo.value.field == "campaign_id"


def test_a_household_outside_the_campaigns_scope_is_refused(ledger: Ledger) -> None:
    screenable(ledger)
    start_campaign(ledger, scope=[OTHER_VILLAGE_CODE])

    with pytest.raises(RuleViolationError) as excinfo:
        screen(ledger, campaign_id=CAMPAIGN_ID)

    assert (excinfo.value.field, excinfo.value.rule) == ("campaign_id", "campaign_scope")


def test_a_screening_of_a_campaign_is_not_dated_before_it_started(ledger: Ledger) -> None:
    screenable(ledger)
    start_campaign(ledger, starts_on=date(2026, 2, 15))

    with pytest.raises(RuleViolationError) as excinfo:
        screen(ledger, campaign_id=CAMPAIGN_ID, screened_on=date(2026, 2, 14))
    assert (excinfo.value.field, excinfo.value.rule) == ("screened_on", "date_range")

    assert screen(ledger, campaign_id=CAMPAIGN_ID, screened_on=date(2026, 2, 15))["screened_on"] == "2026-02-15"


# --- one open case per household ----------------------------------------------------------------------------------


def test_a_household_with_an_open_case_cannot_have_a_second(ledger: Ledger) -> None:
    first = open_for(ledger, "HH-0001")
    second = CaseDriver(ledger)

    with pytest.raises(CaseAlreadyOpenError) as excinfo:
        second.open(household_number="HH-0001")

    assert (excinfo.value.field, excinfo.value.rule) == ("household_number", "one_open_case")
    assert str(first.case_id) in excinfo.value.message
    with pytest.raises(CaseNotFoundError):
        second.view()
    assert ledger.registry.open_cases_of("HH-0001") == [str(first.case_id)]


def test_the_household_number_is_compared_trimmed(ledger: Ledger) -> None:
    open_for(ledger, "HH-0001")

    with pytest.raises(CaseAlreadyOpenError):
        open_for(ledger, "  HH-0001 ")


def test_retrying_the_opening_of_the_open_case_is_not_a_second_case(ledger: Ledger) -> None:
    case = CaseDriver(ledger)
    case.open(household_number="HH-0001", command_id="open-1")

    again = case.open(household_number="HH-0001", command_id="open-1")

    assert again["case_id"] == str(case.case_id)
    assert ledger.registry.open_cases_of("HH-0001") == [str(case.case_id)]


def test_different_households_each_have_their_case(ledger: Ledger) -> None:
    a = open_for(ledger, "HH-0001")
    b = open_for(ledger, "HH-0002")

    assert ledger.registry.open_cases_of("HH-0001") == [str(a.case_id)]
    assert ledger.registry.open_cases_of("HH-0002") == [str(b.case_id)]


def test_a_registered_households_case_is_in_its_registered_village(ledger: Ledger) -> None:
    register(ledger)
    elsewhere = CaseDriver(ledger)

    with pytest.raises(RuleViolationError) as excinfo:
        elsewhere.open(household_number="HH-0001", village_code=OTHER_VILLAGE_CODE, actor=TOWNSHIP_REVIEWER)

    assert (excinfo.value.field, excinfo.value.rule) == ("village_code", "household_village")
    assert VILLAGE_CODE in excinfo.value.message  # the township sees both villages: told where it is registered
    # A cadre of the other village is refused alike, and not told where the household lives.
    with pytest.raises(RuleViolationError) as excinfo:
        CaseDriver(ledger).open(household_number="HH-0001", village_code=OTHER_VILLAGE_CODE, actor=OTHER_VILLAGE_CADRE)
    assert excinfo.value.rule == "household_village" and VILLAGE_CODE not in excinfo.value.message
    with pytest.raises(CaseNotFoundError):
        elsewhere.view()
    case = open_for(ledger, "HH-0001")
    assert ledger.registry.household("HH-0001")["open_cases"] == [str(case.case_id)]


def test_a_registered_households_case_takes_the_head_from_the_registry(ledger: Ledger) -> None:
    register(ledger)

    view = ledger.cases.open_case(
        Envelope(VILLAGE_CADRE, "open-1", NOW),
        case_id=uuid4(),
        household_number="HH-0001",
        household_head="  ",
        village_code=VILLAGE_CODE,
        source=Source.CADRE_SCREENING,
        clue_date=CLUE_DATE,
        reported_risks=[Risk.ILLNESS],
    )

    household = view["household"]
    assert (household["household_number"], household["household_head"]) == ("HH-0001", "刘大山")
    assert household["registered"] is True
    assert household["fact_sources"][0]["source"] == "registry"


def test_a_case_closed_when_the_household_declines_frees_the_household(ledger: Ledger) -> None:
    first = open_for(ledger, "HH-0001")
    closed = first.visit(authorisation_signed=False, authorisation_ref="", refusal_reason="不愿申请", risks=[])
    assert closed["stage"] == "closed"
    assert ledger.registry.open_cases_of("HH-0001") == []

    second = open_for(ledger, "HH-0001")

    assert ledger.registry.open_cases_of("HH-0001") == [str(second.case_id)]


def test_a_case_rejected_by_the_county_frees_the_household(ledger: Ledger) -> None:
    first = CaseDriver(ledger)
    first.open(household_number="HH-0001")
    first.through("township_review", skip=("open",))
    first.decide(decision=CountyDecision.REJECT, category=None, reason="收入超标")

    second = open_for(ledger, "HH-0001")

    assert ledger.registry.open_cases_of("HH-0001") == [str(second.case_id)]


def test_an_eliminated_case_frees_the_household(ledger: Ledger) -> None:
    register(ledger)
    first = CaseDriver(ledger)
    first.open(household_number="HH-0001")
    assert first.through("eliminated", skip=("open",))["stage"] == "eliminated"
    assert ledger.registry.household("HH-0001")["open_cases"] == []

    second = open_for(ledger, "HH-0001", now=sep(20), clue_date=date(2026, 9, 20))

    assert ledger.registry.household("HH-0001")["open_cases"] == [str(second.case_id)]


def test_a_case_in_monitoring_still_holds_the_household(ledger: Ledger) -> None:
    first = CaseDriver(ledger)
    first.open(household_number="HH-0001")
    first.through("assisted", skip=("open",))

    with pytest.raises(CaseAlreadyOpenError):
        open_for(ledger, "HH-0001", now=mar(20), clue_date=date(2026, 3, 20))


def test_a_rolled_back_case_is_open_again(ledger: Ledger) -> None:
    case = CaseDriver(ledger)
    case.open(household_number="HH-0001")
    case.through("eliminated", skip=("open",))
    assert ledger.registry.open_cases_of("HH-0001") == []

    case.through("rolled_back", skip=PATH_TO_ELIMINATED)

    assert ledger.registry.open_cases_of("HH-0001") == [str(case.case_id)]
    with pytest.raises(CaseAlreadyOpenError):
        open_for(ledger, "HH-0001", now=at(2027, 3, 20), clue_date=date(2027, 3, 20))


def test_a_look_back_that_finds_a_new_risk_holds_the_household_with_the_new_case(ledger: Ledger) -> None:
    case = CaseDriver(ledger)
    case.open(household_number="HH-0001")
    case.through("eliminated", skip=("open",))

    view = case.look_back(outcome=LookBackOutcome.NEW_RISK, new_risks=[Risk.ILLNESS])

    assert ledger.registry.open_cases_of("HH-0001") == [view["new_case_id"]]


def test_a_rollback_never_gives_a_household_two_open_cases(ledger: Ledger) -> None:
    old = CaseDriver(ledger)
    old.open(household_number="HH-0001")
    old.through("eliminated", skip=("open",))
    new = open_for(ledger, "HH-0001", now=sep(20), clue_date=date(2026, 9, 20))
    old.look_back()
    old.request_rollback()
    versions = len(old.events())

    with pytest.raises(CaseAlreadyOpenError) as excinfo:
        old.decide_rollback()

    assert (excinfo.value.field, excinfo.value.rule) == ("household_number", "one_open_case")
    assert str(new.case_id) in excinfo.value.message
    assert len(old.events()) == versions
    assert old.view(at(2027, 3, 16))["stage"] == "eliminated"
    assert ledger.registry.open_cases_of("HH-0001") == [str(new.case_id)]


def test_a_look_back_never_gives_a_household_two_open_cases(ledger: Ledger) -> None:
    old = CaseDriver(ledger)
    old.open(household_number="HH-0001")
    old.through("eliminated", skip=("open",))
    new = open_for(ledger, "HH-0001", now=sep(20), clue_date=date(2026, 9, 20))
    versions = len(old.events())

    with pytest.raises(CaseAlreadyOpenError) as excinfo:
        old.look_back(outcome=LookBackOutcome.NEW_RISK, new_risks=[Risk.ILLNESS])

    assert (excinfo.value.field, excinfo.value.rule) == ("household_number", "one_open_case")
    assert len(old.events()) == versions
    assert old.view(at(2027, 3, 11))["new_case_id"] is None
    assert ledger.registry.open_cases_of("HH-0001") == [str(new.case_id)]


# --- campaigns ----------------------------------------------------------------------------------------------------


def test_a_campaign_starts_with_the_seeds_milestones(ledger: Ledger) -> None:
    view = start_campaign(ledger)

    assert view == {
        "campaign_id": str(CAMPAIGN_ID),
        "name": "百日攻坚春季行动",
        "scope": [TOWNSHIP_CODE],
        "starts_on": "2026-02-15",
        "milestones": {"screening_done": "2026-03-10", "procedures_done": "2026-03-25", "summary_done": "2026-03-30"},
        "passed": {},
        "look_backs": None,
        "started_by": TOWNSHIP_REVIEWER.as_dict(),
        "version": 1,
        "demo": False,
    }
    assert ledger.campaigns.campaign(CAMPAIGN_ID) == view


def test_starting_a_campaign_is_idempotent_per_command(ledger: Ledger) -> None:
    first = start_campaign(ledger, command_id="campaign-1")

    assert start_campaign(ledger, command_id="campaign-1") == first
    with pytest.raises(VersionConflictError) as excinfo:
        start_campaign(ledger, command_id="campaign-2")
    assert excinfo.value.rule == "unique"
    assert ledger.campaigns.campaign(CAMPAIGN_ID)["version"] == 1


def test_an_invalid_campaign_is_refused_and_not_started(ledger: Ledger) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        start_campaign(ledger, name=" ", starts_on=date(2026, 3, 11))

    assert {(v["field"], v["rule"]) for v in excinfo.value.violations} == {
        ("name", "required"),
        ("milestones", "after_start"),
    }
    with pytest.raises(NotFoundError):
        ledger.campaigns.campaign(CAMPAIGN_ID)


@pytest.mark.parametrize(
    ("actor", "scope", "rule"),
    [
        (VILLAGE_CADRE, [VILLAGE_CODE], "campaign_role"),
        (INSPECTOR, [TOWNSHIP_CODE], "campaign_role"),
        (TOWNSHIP_REVIEWER, [COUNTY_CODE], "jurisdiction"),
    ],
)
def test_only_a_township_or_county_starts_a_campaign_in_its_area(
    ledger: Ledger, actor: Actor, scope: list[str], rule: str
) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        start_campaign(ledger, actor=actor, scope=scope)

    assert excinfo.value.rule == rule
    with pytest.raises(NotFoundError):
        ledger.campaigns.campaign(CAMPAIGN_ID)


def test_a_county_may_start_a_county_wide_campaign(ledger: Ledger) -> None:
    assert start_campaign(ledger, actor=COUNTY_APPROVER, scope=[COUNTY_CODE])["scope"] == [COUNTY_CODE]


def test_an_unknown_campaign_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(NotFoundError):
        ledger.campaigns.campaign(uuid4())
    with pytest.raises(NotFoundError):
        ledger.campaigns.pass_milestone(campaign_id=uuid4(), milestone=Milestone.SCREENING_DONE, missing={}, now=NOW)
    with pytest.raises(NotFoundError):
        ledger.campaigns.schedule_look_backs(campaign_id=uuid4(), case_ids=[], due_on=date(2026, 3, 10), now=NOW)


def test_a_milestone_passes_with_what_was_missing_and_whom_it_told(ledger: Ledger) -> None:
    start_campaign(ledger)
    when = datetime(2026, 3, 11, 0, 0, tzinfo=SHANGHAI)

    view = ledger.campaigns.pass_milestone(
        campaign_id=CAMPAIGN_ID, milestone=Milestone.SCREENING_DONE, missing={"unscreened": ["HH-0001"]}, now=when
    )

    assert view["passed"] == {
        "screening_done": {
            "due_on": "2026-03-10",
            "recorded_at": when.isoformat(),
            "missing": {"unscreened": ["HH-0001"]},
            "escalated_to": [COUNTY_CODE],
            "version": 2,
        }
    }
    assert view["version"] == 2
    assert ledger.campaigns.campaign(CAMPAIGN_ID)["passed"] == view["passed"]


def test_a_milestone_passes_exactly_once(ledger: Ledger) -> None:
    start_campaign(ledger)
    first = ledger.campaigns.pass_milestone(
        campaign_id=CAMPAIGN_ID, milestone=Milestone.SCREENING_DONE, missing={"unscreened": 3}, now=mar(11)
    )

    again = ledger.campaigns.pass_milestone(
        campaign_id=CAMPAIGN_ID, milestone=Milestone.SCREENING_DONE, missing={"unscreened": 0}, now=mar(12)
    )

    assert again == first
    assert again["version"] == 2
    assert again["passed"]["screening_done"]["missing"] == {"unscreened": 3}


def test_each_milestone_passes_once_of_its_own(ledger: Ledger) -> None:
    start_campaign(ledger)

    for day, milestone in zip((11, 26, 31), Milestone, strict=True):
        ledger.campaigns.pass_milestone(campaign_id=CAMPAIGN_ID, milestone=milestone, missing={}, now=mar(day))
        ledger.campaigns.pass_milestone(campaign_id=CAMPAIGN_ID, milestone=milestone, missing={}, now=mar(day))

    view = ledger.campaigns.campaign(CAMPAIGN_ID)
    assert view["version"] == 4
    assert {m: p["due_on"] for m, p in view["passed"].items()} == {
        "screening_done": "2026-03-10",
        "procedures_done": "2026-03-25",
        "summary_done": "2026-03-30",
    }


@pytest.mark.parametrize(
    ("scope", "actor", "escalated"),
    [
        ([VILLAGE_CODE, OTHER_VILLAGE_CODE], TOWNSHIP_REVIEWER, [TOWNSHIP_CODE]),
        ([TOWNSHIP_CODE], TOWNSHIP_REVIEWER, [COUNTY_CODE]),
        ([COUNTY_CODE], COUNTY_APPROVER, []),
    ],
    ids=["villages", "township", "county"],
)
def test_a_passed_milestone_is_escalated_to_the_level_above_the_scope(
    ledger: Ledger, scope: list[str], actor: Actor, escalated: list[str]
) -> None:
    start_campaign(ledger, scope=scope, actor=actor)

    view = ledger.campaigns.pass_milestone(
        campaign_id=CAMPAIGN_ID, milestone=Milestone.SCREENING_DONE, missing={}, now=mar(11)
    )

    assert view["passed"]["screening_done"]["escalated_to"] == escalated


def test_look_backs_are_scheduled_once(ledger: Ledger) -> None:
    start_campaign(ledger)

    first = ledger.campaigns.schedule_look_backs(
        campaign_id=CAMPAIGN_ID, case_ids=["c-1", "c-2"], due_on=date(2026, 3, 10), now=NOW
    )
    again = ledger.campaigns.schedule_look_backs(
        campaign_id=CAMPAIGN_ID, case_ids=["c-3"], due_on=date(2026, 3, 25), now=NOW
    )

    assert first["look_backs"] == {"case_ids": ["c-1", "c-2"], "villages": {}, "due_on": "2026-03-10"}
    assert again == first
    assert again["version"] == 2


def test_new_households_go_in_by_batch_or_not_at_all(ledger: Ledger) -> None:
    """An import's fast path: a batch of new households with their claims in one transaction; a batch meeting an
    existing household or person writes nothing, and the one-by-one path then reports it."""
    batch = [(household("HH-0001", family(1)), "c-1", None), (household("HH-0002", family(10)), "c-2", None)]
    assert ledger.registry.register_new_households(batch, actor=COUNTY_APPROVER, now=NOW, reason="导入", demo=False)
    assert ledger.registry.household("HH-0002")["members"] == [m.as_dict() for m in family(10)]
    # The claims were written: the same people cannot go into another household.
    with pytest.raises(DuplicateIdNumberError):
        register(ledger, household("HH-0003", family(1)))

    lodger = household("HH-0004", (member(1, Relation.HEAD, name="刘大山"),))  # HH-0001's head
    fresh = household("HH-0005", family(30))
    refused = [(fresh, "c-5", None), (lodger, "c-4", None)]
    assert not ledger.registry.register_new_households(
        refused, actor=COUNTY_APPROVER, now=NOW, reason="导入", demo=False
    )
    for number in ("HH-0004", "HH-0005"):
        with pytest.raises(NotFoundError):
            ledger.registry.household(number)
    # Two new households of one batch claiming one person: refused whole, too.
    twins = [(household("HH-0006", family(40)), "c-6", None), (household("HH-0007", family(40)), "c-7", None)]
    assert not ledger.registry.register_new_households(twins, actor=COUNTY_APPROVER, now=NOW, reason="导入", demo=False)
    with pytest.raises(NotFoundError):
        ledger.registry.household("HH-0006")
    # A household already registered: refused, and left as it was.
    again = [(household("HH-0002", family(50)), "c-8", None)]
    assert not ledger.registry.register_new_households(again, actor=COUNTY_APPROVER, now=NOW, reason="导入", demo=False)
    assert ledger.registry.household("HH-0002")["members"] == [m.as_dict() for m in family(10)]


def test_a_member_s_id_number_finds_their_household_for_those_who_see_id_numbers_inside_their_area(
    ledger: Ledger,
) -> None:
    """The console's search by ID number: the person's household (by their 18-character number, whichever card
    number is typed, in any case), for the roles that see ID numbers, and nothing outside their area."""
    record = household()
    register(ledger, record)
    number = record.members[0].id_number
    found = (record.household_number, record.village_code)
    assert ledger.registry.household_by_id_number(VILLAGE_CADRE, number) == found
    assert ledger.registry.household_by_id_number(TOWNSHIP_REVIEWER, f" {number.lower()} ") == found
    assert ledger.registry.household_by_id_number(VILLAGE_CADRE, number + "11") == found  # a disability card number
    assert ledger.registry.household_by_id_number(OTHER_VILLAGE_CADRE, number) is None  # as unknown as a free number
    assert ledger.registry.household_by_id_number(INSPECTOR, number) is None  # inspectors see ID numbers masked
    assert ledger.registry.household_by_id_number(VILLAGE_CADRE, "990102197001010000") is None


def test_a_household_s_changes_are_listed_with_who_when_and_why(ledger: Ledger) -> None:
    record = household()
    register(ledger, record, reason="建档立卡")
    ledger.registry.register_household(Envelope(VILLAGE_CADRE, "change-1", NOW), replace(record, address="新址 1 号"),
                                       reason="搬家")  # fmt: skip
    changes = ledger.registry.household_changes(record.household_number)
    assert [(c["what"], c["fields"], c["reason"]) for c in changes] == [
        ("registered", [], "建档立卡"), ("changed", ["address"], "搬家"),
    ]  # fmt: skip
    assert changes[1]["actor_name"] == VILLAGE_CADRE.name and changes[1]["version"] == 2


def test_a_records_business_days_run_forward(ledger: Ledger) -> None:
    """Issue 20: the tables count a household or a person of the staff as of a day by their latest change, so a
    change may not be dated before the record's last registration or change; without a date it holds from the day
    recorded. A repeated command, or a change of nothing, is not judged."""

    def change(number: str, address: str, on: date | None) -> dict[str, Any]:
        return ledger.registry.register_household(
            Envelope(VILLAGE_CADRE, f"c-{address}", NOW), household(number, address=address), reason="更正",
            effective_on=on,
        )  # fmt: skip

    ledger.registry.register_household(Envelope(VILLAGE_CADRE, "r", NOW), household("HH-FWD"), reason="建档",
                                       effective_on=date(2026, 2, 10))  # fmt: skip
    assert change("HH-FWD", "一组1号", date(2026, 2, 20))["result"] == "changed"
    with pytest.raises(RuleViolationError) as back:
        change("HH-FWD", "一组2号", date(2026, 2, 15))
    assert back.value.rule == "after_previous_change" and "2026-02-20" in back.value.message
    assert change("HH-FWD", "一组3号", None)["result"] == "changed"  # the day recorded, 03-01
    with pytest.raises(RuleViolationError):
        change("HH-FWD", "一组4号", date(2026, 2, 25))

    ledger.registry.register_staff(Envelope(VILLAGE_CADRE, "s1", NOW), staff("S-FWD"), reason="登记",
                                   effective_on=date(2026, 2, 20))  # fmt: skip
    with pytest.raises(RuleViolationError) as staff_back:
        ledger.registry.register_staff(Envelope(VILLAGE_CADRE, "s2", NOW), staff("S-FWD", phone="13900000000"),
                                       reason="改电话", effective_on=date(2026, 2, 10))  # fmt: skip
    assert staff_back.value.rule == "after_previous_change"
    again = ledger.registry.register_staff(Envelope(VILLAGE_CADRE, "s1", NOW), staff("S-FWD"), reason="登记",
                                           effective_on=date(2026, 2, 20))  # fmt: skip
    assert again["result"] == "unchanged"
