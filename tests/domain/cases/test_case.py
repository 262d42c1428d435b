"""MonitoringCase commands through the in-memory ledger: step order, roles and areas, the rules of each step,
chronology, idempotency, deadlines and the stored events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.cases.values import (
    Category,
    CountyDecision,
    DeadlineKind,
    DeliberationOutcome,
    NoticeOutcome,
    Source,
    TownshipDecision,
)
from domain.kernel.actors import Actor, Role
from domain.kernel.areas import DEFAULT_AREAS, Area, AreaLevel, AreaTree
from domain.kernel.errors import (
    CaseAlreadyExistsError,
    CaseNotFoundError,
    NotPermittedError,
    RuleViolationError,
    StepNotAllowedError,
    VersionConflictError,
)
from domain.kernel.policy import PolicyVersions
from domain.kernel.steps import Step
from domain.kernel.time import SHANGHAI, end_of_day
from domain.ledger import Ledger
from domain.registry.values import HouseholdType, Risk
from tests.domain.support import (
    CLUE_DATE,
    COUNTY_APPROVER,
    DUE_DATE,
    INSPECTOR,
    NOW,
    OTHER_COUNTY_APPROVER,
    OTHER_TOWNSHIP_REVIEWER,
    OTHER_VILLAGE_CADRE,
    RESETTLEMENT_SITE_CODE,
    TOWNSHIP_REVIEWER,
    VILLAGE_CADRE,
    VILLAGE_CODE,
    VISIT_DEFAULTS,
    CaseDriver,
    allowed,
    deadline,
    deadline_kinds,
    feb,
    national_policy,
    seed_policy,
)


def rule_of(excinfo: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    return (excinfo.value.field, excinfo.value.rule)


# --- the happy path -----------------------------------------------------------------------------------------------


def test_a_case_goes_from_clue_to_monitored_through_every_step_in_order(case: CaseDriver) -> None:
    opened = case.open()
    assert (opened["status"], opened["stage"], opened["version"]) == ("clue_reported", "identifying", 1)
    assert allowed(opened) == {"household-visit": []}

    visited = case.visit()
    assert visited["status"] == "visit_verified"
    assert allowed(visited) == {"village-deliberation": [], "cross-check": []}

    assert case.cross_check()["status"] == "visit_verified"
    assert case.deliberate()["status"] == "deliberated"
    posted = case.post_notice()
    assert posted["status"] == "notice_posted"
    assert allowed(posted)["public-notice"] == ["objection", "close"]
    closed = case.close_notice()
    assert closed["status"] == "notice_closed"
    assert "township-review" in allowed(closed)
    assert case.review()["status"] == "township_passed"
    decided = case.decide(category=Category.MARGINAL_AT_RISK)
    assert (decided["status"], decided["category"]) == ("county_approved", "marginal_at_risk")
    assert allowed(decided) == {"announcement": []}

    final = case.announce()
    assert (final["status"], final["stage"], final["version"]) == ("monitored", "monitored", 9)
    assert final["category"] == "marginal_at_risk"
    assert final["identified_on"] == date(2026, 2, 23)  # the county decision's date
    # Monitored: assistance begins (a plan waits for the responsible person; only adding a first measure) and an
    # elimination may be proposed (its criteria are checked then).
    assert allowed(final) == {
        "responsible-person": [],
        "measures": ["add"],
        "review": [],
        "elimination-proposal": [],
    }
    assert deadline_kinds(final) == ["identification", "assistance_plan", "measures", "measures_from_clue"]
    identification = deadline(final, DeadlineKind.IDENTIFICATION)
    assert (identification["due_date"], identification["met_on"], identification["met_in_time"]) == (
        DUE_DATE,
        date(2026, 2, 23),
        True,
    )
    assert not final["overdue"]
    assert case.event_types() == [
        "CaseOpened",
        "HouseholdVisitRecorded",
        "CrossCheckRecorded",
        "VillageDeliberationRecorded",
        "PublicNoticePosted",
        "PublicNoticeClosed",
        "TownshipReviewed",
        "CountyDecided",
        "ResultAnnounced",
    ]


def test_a_case_may_be_identified_on_the_resettlement_site(case: CaseDriver) -> None:
    site_cadre = Actor(id="vc-9", role=Role.VILLAGE_CADRE, area_code=RESETTLEMENT_SITE_CODE)

    view = case.open(actor=site_cadre, village_code=RESETTLEMENT_SITE_CODE)

    assert view["policy"]["key"] == "seed-township@1"
    assert view["area"]["village_name"] == "玉坪乡易地扶贫搬迁集中安置点"


# --- opening ------------------------------------------------------------------------------------------------------


def test_opening_pins_the_policy_in_force_and_derives_the_township_and_county(case: CaseDriver) -> None:
    view = case.open()

    policy = view["policy"]
    assert {k: policy[k] for k in ("key", "year", "monitoring_line", "identification_days", "notice_min_days")} == {
        "key": "seed-township@1",
        "year": 2023,
        "monitoring_line": Decimal("7100"),
        "identification_days": 15,
        "notice_min_days": 5,
    }
    # The view shows the whole pinned version, including the assistance and elimination values.
    assert policy == PolicyVersions().get("seed-township@1").as_dict()
    assert (policy["jurisdiction"], policy["effective_from"]) == ("990102101", date(2023, 1, 1))
    assert view["area"] == {
        "county_code": "990102",
        "township_code": "990102101",
        "village_code": VILLAGE_CODE,
        "village_name": "玉坪村",
    }
    assert view["clue_date"] == CLUE_DATE
    assert case.events()[0]["payload"]["policy"]["key"] == "seed-township@1"


def test_a_case_outside_the_seed_township_is_pinned_to_the_national_policy() -> None:
    areas = AreaTree(
        [
            *DEFAULT_AREAS.all(),
            Area("990102102", "邻乡", AreaLevel.TOWNSHIP),
            Area("990102102001", "邻村", AreaLevel.VILLAGE),
        ]
    )
    ledger = Ledger(areas=areas)
    cadre = Actor(id="vc-n", role=Role.VILLAGE_CADRE, area_code="990102102001")

    view = CaseDriver(ledger).open(actor=cadre, village_code="990102102001")

    assert view["policy"]["key"] == "national@1"
    assert view["policy"]["monitoring_line"] == Decimal("6000")


@pytest.mark.parametrize("clue_date", [date(2026, 3, 1), date(2026, 2, 28)])
def test_a_clue_dated_up_to_today_opens_a_case(case: CaseDriver, clue_date: date) -> None:
    assert case.open(clue_date=clue_date)["clue_date"] == clue_date


def test_a_clue_dated_tomorrow_is_refused(case: CaseDriver) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        case.open(clue_date=date(2026, 3, 2))
    assert rule_of(excinfo) == ("clue_date", "not_in_future")


def test_today_is_the_calendar_day_in_shanghai(case: CaseDriver) -> None:
    # 2026-03-01 16:30 UTC is already 2 March in Shanghai.
    late_evening_utc = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)

    assert case.open(clue_date=date(2026, 3, 2), now=late_evening_utc)["clue_date"] == date(2026, 3, 2)


@pytest.mark.parametrize(("clue_date", "refused"), [(date(2020, 3, 1), False), (date(2020, 2, 29), True)])
def test_a_clue_before_the_mechanism_began_is_refused(clue_date: date, refused: bool) -> None:
    # A registry with a policy from 2020 isolates the mechanism-start rule from the policy lookup.
    ledger = Ledger(policies=PolicyVersions((national_policy(effective_from=date(2020, 1, 1)),)))
    case = CaseDriver(ledger)

    if refused:
        with pytest.raises(RuleViolationError) as excinfo:
            case.open(clue_date=clue_date)
        assert rule_of(excinfo) == ("clue_date", "after_mechanism_start")
    else:
        assert case.open(clue_date=clue_date)["policy"]["key"] == "national@1"


@pytest.mark.parametrize("village_code", ["990102101099", "990102101", "990102"])
def test_an_unknown_village_is_refused(case: CaseDriver, village_code: str) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        case.open(village_code=village_code)
    assert rule_of(excinfo) == ("village_code", "known_village")


@pytest.mark.parametrize(
    ("field", "code"), [("township_code", "990102102"), ("county_code", "990103"), ("township_code", "990102")]
)
def test_a_township_or_county_that_does_not_contain_the_village_is_refused(
    case: CaseDriver, field: str, code: str
) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        case.open(**{field: code})
    assert rule_of(excinfo) == (field, "area_nesting")


def test_the_matching_township_and_county_codes_are_accepted(case: CaseDriver) -> None:
    view = case.open(township_code="990102101", county_code="990102")

    assert view["area"]["township_code"] == "990102101"


@pytest.mark.parametrize("household_number", ["", "   "])
def test_a_household_reference_is_required(case: CaseDriver, household_number: str) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        case.open(household_number=household_number)
    assert rule_of(excinfo) == ("household_number", "required")


def test_a_clue_may_name_no_risk_yet(case: CaseDriver) -> None:
    assert case.open(reported_risks=[])["reported_risks"] == []


def test_a_clue_may_name_five_risks_but_not_six(case: CaseDriver) -> None:
    six = [Risk.ILLNESS, Risk.SCHOOLING, Risk.DISABILITY, Risk.ACCIDENT, Risk.LACK_OF_LABOUR, Risk.OTHER]

    with pytest.raises(RuleViolationError) as excinfo:
        case.open(reported_risks=six)
    assert rule_of(excinfo) == ("reported_risks", "max_risks")

    assert len(case.open(reported_risks=six[:5])["reported_risks"]) == 5


def test_a_clue_naming_a_risk_twice_is_refused(case: CaseDriver) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        case.open(reported_risks=[Risk.ILLNESS, Risk.ILLNESS])
    assert rule_of(excinfo) == ("reported_risks", "unique")


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, TOWNSHIP_REVIEWER, COUNTY_APPROVER])
def test_the_village_township_or_county_may_record_a_clue(case: CaseDriver, actor: Actor) -> None:
    assert case.open(actor=actor)["opened_by"]["id"] == actor.id


@pytest.mark.parametrize(
    ("actor", "field", "rule"),
    [
        (INSPECTOR, "role", "open_roles"),
        (OTHER_VILLAGE_CADRE, "area_code", "jurisdiction"),
        (OTHER_TOWNSHIP_REVIEWER, "area_code", "jurisdiction"),
        (OTHER_COUNTY_APPROVER, "area_code", "jurisdiction"),
        (Actor(id="vc-x", role=Role.VILLAGE_CADRE, area_code="990102101"), "area_code", "role_area_level"),
    ],
)
def test_a_clue_from_outside_the_area_or_an_open_role_is_refused(
    case: CaseDriver, actor: Actor, field: str, rule: str
) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        case.open(actor=actor)
    assert rule_of(excinfo) == (field, rule)


# --- household visit ----------------------------------------------------------------------------------------------


def test_a_declined_authorisation_closes_the_case_as_not_applied(case: CaseDriver) -> None:
    case.open()

    # Declining is an explicit decision with its reason: without one, nothing is recorded and the case stays open.
    with pytest.raises(RuleViolationError) as excinfo:
        case.visit(authorisation_signed=False, authorisation_ref="", refusal_reason="  ", risks=[])
    assert rule_of(excinfo) == ("refusal_reason", "refusal_reason")
    assert case.event_types() == ["CaseOpened"]

    view = case.visit(authorisation_signed=False, authorisation_ref="", refusal_reason="不愿申请", risks=[])

    assert (view["status"], view["stage"]) == ("closed_not_applied", "closed")
    assert view["allowed_steps"] == []
    assert view["facts"]["household_visit"]["refusal_reason"] == "不愿申请"


STEPS_AFTER_THE_VISIT: dict[str, Callable[[CaseDriver], Any]] = {
    "visit": lambda c: c.visit(occurred_at=feb(12)),
    "cross_check": lambda c: c.cross_check(),
    "deliberation": lambda c: c.deliberate(),
    "notice": lambda c: c.post_notice(),
    "township_review": lambda c: c.review(),
    "county_decision": lambda c: c.decide(),
    "announcement": lambda c: c.announce(),
}


@pytest.mark.parametrize("step", list(STEPS_AFTER_THE_VISIT))
def test_nothing_more_is_allowed_after_a_declined_authorisation(case: CaseDriver, step: str) -> None:
    case.open()
    case.visit(authorisation_signed=False, authorisation_ref="", refusal_reason="不愿申请", risks=[])

    with pytest.raises(StepNotAllowedError) as excinfo:
        STEPS_AFTER_THE_VISIT[step](case)
    assert rule_of(excinfo) == ("step", "step_order")
    assert len(case.events()) == 2


@pytest.mark.parametrize("authorisation_ref", ["", "  "])
def test_a_signed_authorisation_needs_its_document_reference(case: CaseDriver, authorisation_ref: str) -> None:
    case.open()

    with pytest.raises(RuleViolationError) as excinfo:
        case.visit(authorisation_ref=authorisation_ref)
    assert rule_of(excinfo) == ("authorisation_ref", "authorisation_reference")


def test_a_signed_authorisation_needs_at_least_one_risk(case: CaseDriver) -> None:
    case.open()

    with pytest.raises(RuleViolationError) as excinfo:
        case.visit(risks=[])
    assert rule_of(excinfo) == ("risks", "risk_required")


ALL_RISKS = [Risk.ILLNESS, Risk.SCHOOLING, Risk.DISABILITY, Risk.ACCIDENT, Risk.LACK_OF_LABOUR, Risk.OTHER]


@pytest.mark.parametrize(("count", "accepted"), [(1, True), (5, True), (6, False)])
def test_a_visit_records_at_most_five_risks(case: CaseDriver, count: int, accepted: bool) -> None:
    case.open()
    risks = ALL_RISKS[:count]

    if accepted:
        assert case.visit(risks=risks)["facts"]["household_visit"]["risks"] == [r.value for r in risks]
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.visit(risks=risks)
        assert rule_of(excinfo) == ("risks", "max_risks")


@pytest.mark.parametrize("signed", [True, False])
def test_a_visit_listing_a_risk_twice_is_refused(case: CaseDriver, signed: bool) -> None:
    case.open()

    with pytest.raises(RuleViolationError) as excinfo:
        case.visit(authorisation_signed=signed, risks=[Risk.ILLNESS, Risk.ACCIDENT, Risk.ILLNESS])
    assert rule_of(excinfo) == ("risks", "unique")


@pytest.mark.parametrize("visitors", [[], ["", "  "]])
def test_a_visit_names_at_least_one_visitor(case: CaseDriver, visitors: list[str]) -> None:
    case.open()

    with pytest.raises(RuleViolationError) as excinfo:
        case.visit(visitors=visitors)
    assert rule_of(excinfo) == ("visitors", "required")


@pytest.mark.parametrize("household_size", [0, -1])
def test_a_household_has_at_least_one_member(case: CaseDriver, household_size: int) -> None:
    # Per-capita figures divide by the household size: a household of 0 cannot be recorded (typed only for a
    # household not in the registry).
    case.open(registered=False, source=Source.SELF_APPLICATION)

    with pytest.raises(RuleViolationError) as excinfo:
        case.visit(household_size=household_size)
    assert excinfo.value.field == "household_size"
    assert case.event_types() == ["CaseOpened"]


@pytest.mark.parametrize(("labour", "accepted"), [(-1, False), (0, True), (3, True), (4, False)])
def test_members_with_labour_capacity_are_counted_within_the_household(
    case: CaseDriver, labour: int, accepted: bool
) -> None:
    case.open(registered=False, source=Source.SELF_APPLICATION)

    if accepted:
        assert case.visit(household_size=3, labour_capable_members=labour)["labour_capable_members"] == labour
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.visit(household_size=3, labour_capable_members=labour)
        assert rule_of(excinfo) == ("labour_capable_members", "within_household")


def test_the_visit_of_an_unregistered_household_must_state_its_figures(case: CaseDriver) -> None:
    # Assistance and elimination depend on them (domain.md §6 development measures, §7 whole-household rule): with
    # no registry to read them from, the visit types them.
    case.open(registered=False, source=Source.SELF_APPLICATION)

    with pytest.raises(RuleViolationError) as excinfo:
        case.visit(household_type=HouseholdType.ORDINARY, household_size=3, labour_capable_members=None)
    assert rule_of(excinfo) == ("labour_capable_members", "typed_figures")
    assert case.event_types() == ["CaseOpened"]
    view = case.visit(household_type=HouseholdType.ORDINARY, household_size=3, labour_capable_members=1)
    assert view["facts"]["household_visit"]["figures_source"] == {"from": "typed"}


def test_rigid_expenditure_cannot_be_negative(case: CaseDriver) -> None:
    case.open()

    with pytest.raises(RuleViolationError) as excinfo:
        case.visit(rigid_expenditure=Decimal("-1"))
    assert rule_of(excinfo) == ("rigid_expenditure", "minimum")
    case.visit(rigid_expenditure=Decimal("0"))


@pytest.mark.parametrize(
    ("actor", "error", "rule"),
    [
        (TOWNSHIP_REVIEWER, NotPermittedError, "step_roles"),
        (COUNTY_APPROVER, NotPermittedError, "step_roles"),
        (OTHER_VILLAGE_CADRE, NotPermittedError, "jurisdiction"),
        (Actor(id="vc-x", role=Role.VILLAGE_CADRE, area_code="990102101"), NotPermittedError, "role_area_level"),
    ],
)
def test_only_the_cadre_of_the_village_records_the_visit(
    case: CaseDriver, actor: Actor, error: type[Exception], rule: str
) -> None:
    case.open()

    with pytest.raises(error) as excinfo:
        case.visit(actor=actor)
    assert excinfo.value.rule == rule


# --- cross-check --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("point", ["visit", "deliberation", "notice", "close_notice"])
def test_the_cross_check_may_be_recorded_at_any_point_after_the_visit(case: CaseDriver, point: str) -> None:
    case.through(point, skip=("cross_check",))

    view = case.cross_check(occurred_at=feb(19))

    assert view["facts"]["cross_check"]["departments"] == ["民政", "人社", "公安"]


def test_the_cross_check_may_be_recorded_while_an_objection_is_open(case: CaseDriver) -> None:
    case.through("notice", skip=("cross_check",))
    case.object()

    assert case.cross_check(occurred_at=feb(16))["status"] == "notice_objected"


@pytest.mark.parametrize("point", ["open", "township_review", "announcement"])
def test_the_cross_check_is_refused_before_the_visit_and_after_the_township_review(
    case: CaseDriver, point: str
) -> None:
    case.through(point)

    with pytest.raises(StepNotAllowedError):
        case.cross_check(occurred_at=feb(24, 12))


def test_the_township_review_waits_for_the_cross_check(case: CaseDriver) -> None:
    closed = case.through("close_notice", skip=("cross_check",))
    assert allowed(closed) == {"cross-check": []}

    with pytest.raises(StepNotAllowedError) as excinfo:
        case.review()
    assert rule_of(excinfo) == ("step", "step_order")
    assert "信息比对" in excinfo.value.message

    case.cross_check(occurred_at=feb(19))
    assert case.review()["status"] == "township_passed"


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, TOWNSHIP_REVIEWER, COUNTY_APPROVER])
def test_village_township_and_county_may_record_the_cross_check(case: CaseDriver, actor: Actor) -> None:
    case.through("visit")

    assert case.cross_check(actor=actor)["facts"]["cross_check"]["actor"]["id"] == actor.id


def test_an_inspector_may_not_record_the_cross_check(case: CaseDriver) -> None:
    case.through("visit")

    with pytest.raises(NotPermittedError) as excinfo:
        case.cross_check(actor=INSPECTOR)
    assert excinfo.value.rule == "step_roles"


def test_the_cross_check_names_the_departments_compared(case: CaseDriver) -> None:
    case.through("visit")

    with pytest.raises(RuleViolationError) as excinfo:
        case.cross_check(departments=[" "])
    assert rule_of(excinfo) == ("departments", "required")


def test_an_inconsistent_cross_check_describes_its_findings(case: CaseDriver) -> None:
    case.through("visit")

    with pytest.raises(RuleViolationError) as excinfo:
        case.cross_check(consistent=False, findings=" ")
    assert rule_of(excinfo) == ("findings", "required")

    view = case.cross_check(consistent=False, findings="车辆登记一辆")
    assert view["facts"]["cross_check"]["findings"] == "车辆登记一辆"


# --- village deliberation -----------------------------------------------------------------------------------------


def test_a_failed_deliberation_closes_the_case_as_rejected(case: CaseDriver) -> None:
    case.through("visit")

    view = case.deliberate(outcome=DeliberationOutcome.FAIL)

    assert (view["status"], view["stage"]) == ("closed_rejected", "closed")
    assert view["allowed_steps"] == []


def test_the_deliberation_must_be_minuted(case: CaseDriver) -> None:
    case.through("visit")

    with pytest.raises(RuleViolationError) as excinfo:
        case.deliberate(minutes_ref="  ")
    assert rule_of(excinfo) == ("minutes_ref", "minuted")


@pytest.mark.parametrize("point", ["open", "deliberation", "close_notice"])
def test_the_deliberation_follows_the_visit_and_comes_once(case: CaseDriver, point: str) -> None:
    case.through(point)

    with pytest.raises(StepNotAllowedError):
        case.deliberate(occurred_at=feb(19))


@pytest.mark.parametrize("actor", [TOWNSHIP_REVIEWER, COUNTY_APPROVER])
def test_only_the_village_deliberates(case: CaseDriver, actor: Actor) -> None:
    case.through("visit")

    with pytest.raises(NotPermittedError) as excinfo:
        case.deliberate(actor=actor)
    assert excinfo.value.rule == "step_roles"


# --- village public notice ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end_date", "accepted"),
    [(date(2026, 2, 17), False), (date(2026, 2, 18), True), (date(2026, 2, 19), True)],
)
def test_the_notice_runs_at_least_five_days_counted_inclusively(
    case: CaseDriver, end_date: date, accepted: bool
) -> None:
    case.through("deliberation")

    if accepted:
        assert case.post_notice(start_date=date(2026, 2, 14), end_date=end_date)["status"] == "notice_posted"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.post_notice(start_date=date(2026, 2, 14), end_date=end_date)
        assert rule_of(excinfo) == ("end_date", "notice_min_days")


def test_a_notice_ending_before_it_starts_is_refused(case: CaseDriver) -> None:
    case.through("deliberation")

    with pytest.raises(RuleViolationError) as excinfo:
        case.post_notice(start_date=date(2026, 2, 20), end_date=date(2026, 2, 14))
    assert rule_of(excinfo) == ("end_date", "notice_min_days")


@pytest.mark.parametrize(("start_date", "accepted"), [(date(2026, 2, 12), False), (date(2026, 2, 13), True)])
def test_the_notice_may_not_start_before_the_deliberation(case: CaseDriver, start_date: date, accepted: bool) -> None:
    case.through("deliberation")  # deliberated on 02-13
    end_date = start_date + timedelta(days=4)

    if accepted:
        assert case.post_notice(start_date=start_date, end_date=end_date)["status"] == "notice_posted"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.post_notice(start_date=start_date, end_date=end_date)
        assert rule_of(excinfo) == ("start_date", "chronological_order")


@pytest.mark.parametrize(
    ("closed_at", "accepted"),
    [(feb(17, 23, 59), False), (feb(18, 23, 59), False), (feb(19, 0, 0), True), (feb(19, 9), True)],
)
def test_a_notice_without_objection_closes_not_before_its_end_date(
    case: CaseDriver, closed_at: datetime, accepted: bool
) -> None:
    case.through("notice")  # 02-14 … 02-18

    if accepted:
        assert case.close_notice(occurred_at=closed_at)["status"] == "notice_closed"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.close_notice(occurred_at=closed_at)
        assert rule_of(excinfo) == ("occurred_at", "notice_min_days")


@pytest.mark.parametrize("outcome", [NoticeOutcome.REDELIBERATE, NoticeOutcome.REJECT])
def test_without_an_objection_the_only_outcome_is_no_objection(case: CaseDriver, outcome: NoticeOutcome) -> None:
    case.through("notice")

    with pytest.raises(RuleViolationError) as excinfo:
        case.close_notice(outcome=outcome, investigation="核实")
    assert rule_of(excinfo) == ("outcome", "objection")


def test_an_objection_during_the_notice_holds_it_open(case: CaseDriver) -> None:
    case.through("notice")

    view = case.object()

    assert view["status"] == "notice_objected"
    assert allowed(view) == {"public-notice": ["close"], "cross-check": []}
    assert view["facts"]["notice_objection"]["objection"] == "该户有经营性收入未申报"


def test_an_objection_must_be_described(case: CaseDriver) -> None:
    case.through("notice")

    with pytest.raises(RuleViolationError) as excinfo:
        case.object(objection="  ")
    assert rule_of(excinfo) == ("objection", "required")


@pytest.mark.parametrize(("point", "field"), [("deliberation", "action"), ("close_notice", "step")])
def test_an_objection_is_only_taken_while_the_notice_is_posted(case: CaseDriver, point: str, field: str) -> None:
    case.through(point)

    with pytest.raises(StepNotAllowedError) as excinfo:
        case.object(occurred_at=feb(19))
    assert rule_of(excinfo) == (field, "step_order")


def test_a_second_objection_is_not_a_new_action(case: CaseDriver) -> None:
    case.through("notice")
    case.object()

    with pytest.raises(StepNotAllowedError) as excinfo:
        case.object(occurred_at=feb(16))
    assert rule_of(excinfo) == ("action", "step_order")


def test_a_notice_is_posted_once_until_it_closes(case: CaseDriver) -> None:
    case.through("notice")

    with pytest.raises(StepNotAllowedError) as excinfo:
        case.post_notice(occurred_at=feb(15))
    assert rule_of(excinfo) == ("action", "step_order")


def test_after_an_objection_the_notice_cannot_close_as_unopposed(case: CaseDriver) -> None:
    case.through("notice")
    case.object()

    with pytest.raises(RuleViolationError) as excinfo:
        case.close_notice(outcome=NoticeOutcome.NO_OBJECTION)
    assert rule_of(excinfo) == ("outcome", "objection")


@pytest.mark.parametrize("outcome", [NoticeOutcome.REDELIBERATE, NoticeOutcome.REJECT])
def test_closing_an_objected_notice_needs_the_investigation(case: CaseDriver, outcome: NoticeOutcome) -> None:
    case.through("notice")
    case.object()

    with pytest.raises(RuleViolationError) as excinfo:
        case.close_notice(outcome=outcome, investigation=" ")
    assert rule_of(excinfo) == ("investigation", "required")


@pytest.mark.parametrize(
    ("raised_at", "accepted"), [(feb(14, 12), False), (feb(15, 0), True), (feb(19, 23, 59), True), (feb(20, 0), False)]
)
def test_an_objection_is_raised_within_the_notice_period(case: CaseDriver, raised_at: datetime, accepted: bool) -> None:
    case.through("deliberation")
    case.post_notice(start_date=date(2026, 2, 15), end_date=date(2026, 2, 19), occurred_at=feb(14))

    if accepted:
        assert case.object(occurred_at=raised_at)["status"] == "notice_objected"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.object(occurred_at=raised_at)
        assert rule_of(excinfo) == ("occurred_at", "notice_period")


def test_an_objection_found_groundless_sends_the_case_back_to_deliberation(case: CaseDriver) -> None:
    case.through("notice")
    case.object()

    back = case.close_notice(
        outcome=NoticeOutcome.REDELIBERATE, investigation="经核实，异议不成立", occurred_at=feb(16)
    )
    assert back["status"] == "visit_verified"
    assert allowed(back) == {"village-deliberation": [], "cross-check": []}

    case.deliberate(occurred_at=feb(17))
    reposted = case.post_notice(start_date=date(2026, 2, 17), end_date=date(2026, 2, 21), occurred_at=feb(17))
    assert reposted["status"] == "notice_posted"
    assert "notice_objection" not in reposted["facts"]
    assert case.close_notice(occurred_at=feb(22, 8))["status"] == "notice_closed"


def test_an_objection_upheld_rejects_the_case(case: CaseDriver) -> None:
    case.through("notice")
    case.object()

    view = case.close_notice(outcome=NoticeOutcome.REJECT, investigation="经核实，该户有稳定经营收入")

    assert (view["status"], view["stage"]) == ("closed_rejected", "closed")
    assert view["allowed_steps"] == []


@pytest.mark.parametrize("actor", [TOWNSHIP_REVIEWER, COUNTY_APPROVER])
def test_the_notice_is_held_by_the_village_only(case: CaseDriver, actor: Actor) -> None:
    case.through("deliberation")

    with pytest.raises(NotPermittedError) as excinfo:
        case.post_notice(actor=actor)
    assert excinfo.value.rule == "step_roles"


# --- township review ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", [TownshipDecision.RETURN, TownshipDecision.REJECT])
@pytest.mark.parametrize("reason", ["", "  "])
def test_a_township_return_or_rejection_needs_a_reason(
    case: CaseDriver, decision: TownshipDecision, reason: str
) -> None:
    case.through("close_notice")

    with pytest.raises(RuleViolationError) as excinfo:
        case.review(decision=decision, reason=reason)
    assert rule_of(excinfo) == ("reason", "required")


def test_a_township_return_sends_the_case_back_for_a_new_deliberation(case: CaseDriver) -> None:
    case.through("close_notice")

    back = case.review(decision=TownshipDecision.RETURN, reason="评议人数不足")
    assert back["status"] == "visit_verified"
    assert allowed(back) == {"village-deliberation": [], "cross-check": []}

    case.deliberate(occurred_at=feb(20, 15))
    case.post_notice(start_date=date(2026, 2, 21), end_date=date(2026, 2, 25), occurred_at=feb(21))
    case.close_notice(occurred_at=feb(26, 8))
    assert case.review(occurred_at=feb(26))["status"] == "township_passed"


def test_a_township_rejection_closes_the_case(case: CaseDriver) -> None:
    case.through("close_notice")

    view = case.review(decision=TownshipDecision.REJECT, reason="不符合条件")

    assert (view["status"], view["stage"]) == ("closed_rejected", "closed")
    assert view["allowed_steps"] == []


@pytest.mark.parametrize(
    ("actor", "rule"),
    [
        (VILLAGE_CADRE, "step_roles"),
        (COUNTY_APPROVER, "step_roles"),
        (OTHER_TOWNSHIP_REVIEWER, "jurisdiction"),
        (Actor(id="tr-x", role=Role.TOWNSHIP_REVIEWER, area_code="990102"), "role_area_level"),
    ],
)
def test_only_the_township_of_the_village_reviews(case: CaseDriver, actor: Actor, rule: str) -> None:
    case.through("close_notice")

    with pytest.raises(NotPermittedError) as excinfo:
        case.review(actor=actor)
    assert excinfo.value.rule == rule


@pytest.mark.parametrize("point", ["visit", "notice", "township_review"])
def test_the_township_reviews_only_a_closed_notice(case: CaseDriver, point: str) -> None:
    case.through(point)

    with pytest.raises(StepNotAllowedError):
        case.review(occurred_at=feb(21))


# --- county decision ----------------------------------------------------------------------------------------------


def test_the_county_approval_identifies_the_household_on_the_decision_date(case: CaseDriver) -> None:
    case.through("township_review")

    view = case.decide(category=Category.MARGINAL_AT_RISK, occurred_at=feb(22, 15))

    assert (view["status"], view["stage"]) == ("county_approved", "identifying")
    assert (view["category"], view["category_label"]) == ("marginal_at_risk", "边缘易致贫户")
    assert view["identified_on"] == date(2026, 2, 22)
    assert deadline(view, DeadlineKind.IDENTIFICATION)["met_on"] == date(2026, 2, 22)


def test_the_identification_date_is_the_decision_day_in_shanghai(case: CaseDriver) -> None:
    case.through("township_review")

    view = case.decide(occurred_at=datetime(2026, 2, 22, 17, 0, tzinfo=UTC))  # 02-23 01:00 in Shanghai

    assert view["identified_on"] == date(2026, 2, 23)


def test_an_approval_names_the_category(case: CaseDriver) -> None:
    case.through("township_review")

    with pytest.raises(RuleViolationError) as excinfo:
        case.decide(category=None)
    assert rule_of(excinfo) == ("category", "required")


def test_a_county_rejection_needs_a_reason_and_closes_the_case(case: CaseDriver) -> None:
    case.through("township_review")

    with pytest.raises(RuleViolationError) as excinfo:
        case.decide(decision=CountyDecision.REJECT, category=None, reason=" ")
    assert rule_of(excinfo) == ("reason", "required")

    view = case.decide(decision=CountyDecision.REJECT, category=Category.MARGINAL_AT_RISK, reason="收入超标")
    assert (view["status"], view["stage"]) == ("closed_rejected", "closed")
    assert view["category"] is None
    assert view["identified_on"] is None


@pytest.mark.parametrize(
    ("category", "household_type", "accepted"),
    [
        (Category.UNSTABLE_FORMERLY_POOR, HouseholdType.FORMERLY_POOR, True),
        (Category.UNSTABLE_FORMERLY_POOR, HouseholdType.FORMERLY_POOR_NO_BENEFITS, True),
        (Category.UNSTABLE_FORMERLY_POOR, HouseholdType.ORDINARY, False),
        (Category.MARGINAL_AT_RISK, HouseholdType.ORDINARY, True),
        (Category.MARGINAL_AT_RISK, HouseholdType.FORMERLY_POOR, False),
        (Category.MARGINAL_AT_RISK, HouseholdType.FORMERLY_POOR_NO_BENEFITS, False),
    ],
)
def test_the_category_must_match_the_household_type(
    case: CaseDriver, category: Category, household_type: HouseholdType, accepted: bool
) -> None:
    case.through("township_review", household_type=household_type)

    if accepted:
        assert case.decide(category=category)["category"] == category.value
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.decide(category=category)
        assert rule_of(excinfo) == ("category", "category_criteria")


@pytest.mark.parametrize(
    ("category", "household_type"),
    [
        (Category.UNSTABLE_FORMERLY_POOR, HouseholdType.FORMERLY_POOR),
        (Category.MARGINAL_AT_RISK, HouseholdType.ORDINARY),
    ],
)
@pytest.mark.parametrize(("income", "accepted"), [("7100", True), ("7100.01", False)])
def test_the_income_must_be_at_or_below_the_pinned_line(
    case: CaseDriver, category: Category, household_type: HouseholdType, income: str, accepted: bool
) -> None:
    case.through("township_review", household_type=household_type, per_capita_net_income=Decimal(income))

    if accepted:
        assert case.decide(category=category)["status"] == "county_approved"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.decide(category=category)
        assert rule_of(excinfo) == ("category", "category_criteria")


@pytest.mark.parametrize("household_type", list(HouseholdType))
def test_a_sudden_event_admits_a_household_above_the_line_as_sudden_hardship(
    case: CaseDriver, household_type: HouseholdType
) -> None:
    case.through(
        "township_review",
        household_type=household_type,
        per_capita_net_income=Decimal("12000"),
        sudden_event="2026年1月户主突发脑溢血",
    )

    assert case.decide(category=Category.SUDDEN_HARDSHIP)["category"] == "sudden_hardship"


@pytest.mark.parametrize(("rigid", "accepted"), [("3800", True), ("3799.98", False)])
def test_rigid_expenditure_must_bring_a_household_above_the_line_down_to_it(
    case: CaseDriver, rigid: str, accepted: bool
) -> None:
    # 9000 - 3800 / 2 = 7100 (at the line); 9000 - 3799.98 / 2 = 7100.01.
    case.through(
        "township_review", per_capita_net_income=Decimal("9000"), rigid_expenditure=Decimal(rigid), household_size=2
    )

    if accepted:
        assert case.decide(category=Category.SUDDEN_HARDSHIP)["category"] == "sudden_hardship"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.decide(category=Category.SUDDEN_HARDSHIP)
        assert rule_of(excinfo) == ("category", "category_criteria")


def test_a_blank_sudden_event_does_not_count(case: CaseDriver) -> None:
    case.through("township_review", per_capita_net_income=Decimal("9000"), sudden_event="   ")

    with pytest.raises(RuleViolationError) as excinfo:
        case.decide(category=Category.SUDDEN_HARDSHIP)
    assert excinfo.value.rule == "category_criteria"


@pytest.mark.parametrize(
    ("visited", "verified", "accepted"),
    [("7500", "7000", True), ("6500", "7200", False), ("7000", "7100", True), ("7000", None, True)],
)
def test_the_cross_checked_income_replaces_the_visit_income(
    case: CaseDriver, visited: str, verified: str | None, accepted: bool
) -> None:
    case.through("visit", per_capita_net_income=Decimal(visited))
    case.cross_check(verified_per_capita_net_income=Decimal(verified) if verified else None)
    for step in ("deliberate", "post_notice", "close_notice", "review"):
        getattr(case, step)()

    if accepted:
        assert case.decide(category=Category.MARGINAL_AT_RISK)["status"] == "county_approved"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.decide(category=Category.MARGINAL_AT_RISK)
        assert rule_of(excinfo) == ("category", "category_criteria")


@pytest.mark.parametrize(
    ("actor", "rule"),
    [
        (VILLAGE_CADRE, "step_roles"),
        (TOWNSHIP_REVIEWER, "step_roles"),
        (OTHER_COUNTY_APPROVER, "jurisdiction"),
        (Actor(id="ca-x", role=Role.COUNTY_APPROVER, area_code="990102101"), "role_area_level"),
    ],
)
def test_only_the_county_of_the_village_decides(case: CaseDriver, actor: Actor, rule: str) -> None:
    case.through("township_review")

    with pytest.raises(NotPermittedError) as excinfo:
        case.decide(actor=actor)
    assert excinfo.value.rule == rule


@pytest.mark.parametrize(("decided_at", "in_time"), [(feb(25, 23, 59), True), (feb(26, 0, 0), False)])
def test_the_county_decision_meets_the_identification_deadline(
    case: CaseDriver, decided_at: datetime, in_time: bool
) -> None:
    case.through("township_review")

    view = case.decide(occurred_at=decided_at)
    identification = deadline(view, DeadlineKind.IDENTIFICATION)

    assert identification["met_on"] == decided_at.date()
    assert identification["met_in_time"] is in_time
    assert identification["overdue"] is False


# --- announcement -------------------------------------------------------------------------------------------------


def test_the_township_announcement_makes_the_household_monitored(case: CaseDriver) -> None:
    case.through("county_decision")

    view = case.announce()

    assert (view["status"], view["stage"], view["stage_label"]) == ("monitored", "monitored", "风险未消除")


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, COUNTY_APPROVER])
def test_the_result_is_announced_by_the_township(case: CaseDriver, actor: Actor) -> None:
    case.through("county_decision")

    with pytest.raises(NotPermittedError) as excinfo:
        case.announce(actor=actor)
    assert excinfo.value.rule == "step_roles"


@pytest.mark.parametrize("point", ["township_review", "announcement"])
def test_the_announcement_follows_the_approval_and_comes_once(case: CaseDriver, point: str) -> None:
    case.through(point)

    with pytest.raises(StepNotAllowedError):
        case.announce(occurred_at=feb(25))


def test_a_rejected_case_is_not_announced(case: CaseDriver) -> None:
    case.through("township_review")
    case.decide(decision=CountyDecision.REJECT, category=None, reason="收入超标")

    with pytest.raises(StepNotAllowedError):
        case.announce()


# --- chronology ---------------------------------------------------------------------------------------------------

STEP_AFTER: dict[str, tuple[str, Callable[..., Any]]] = {
    # the step to test: (the last step before it, how to take it)
    "visit": ("open", lambda c, at: c.visit(occurred_at=at)),
    "deliberation": ("visit", lambda c, at: c.deliberate(occurred_at=at)),
    "notice": ("deliberation", lambda c, at: c.post_notice(occurred_at=at)),
    "township_review": ("close_notice", lambda c, at: c.review(occurred_at=at)),
    "county_decision": ("township_review", lambda c, at: c.decide(occurred_at=at)),
    "announcement": ("county_decision", lambda c, at: c.announce(occurred_at=at)),
}
PREVIOUS_DATE = {
    "open": date(2026, 2, 10),  # the clue date
    "visit": date(2026, 2, 11),
    "deliberation": date(2026, 2, 13),
    "close_notice": date(2026, 2, 19),
    "township_review": date(2026, 2, 20),
    "county_decision": date(2026, 2, 23),
}


@pytest.mark.parametrize("step", list(STEP_AFTER))
def test_a_step_dated_before_the_previous_step_is_refused(case: CaseDriver, step: str) -> None:
    previous, take = STEP_AFTER[step]
    case.through(previous)
    day_before = datetime.combine(PREVIOUS_DATE[previous], datetime.max.time(), tzinfo=SHANGHAI) - timedelta(days=1)

    with pytest.raises(RuleViolationError) as excinfo:
        take(case, day_before)
    assert rule_of(excinfo) == ("occurred_at", "chronological_order")


@pytest.mark.parametrize("step", list(STEP_AFTER))
def test_a_step_dated_the_same_day_as_the_previous_step_is_accepted(case: CaseDriver, step: str) -> None:
    previous, take = STEP_AFTER[step]
    case.through(previous)
    start_of_day = datetime.combine(PREVIOUS_DATE[previous], datetime.min.time(), tzinfo=SHANGHAI)

    take(case, start_of_day)


def test_a_visit_may_be_dated_on_the_clue_date_even_when_the_case_is_opened_later(case: CaseDriver) -> None:
    case.open(clue_date=date(2026, 2, 10), now=datetime(2026, 2, 12, 9, tzinfo=SHANGHAI))

    assert case.visit(occurred_at=feb(10, 8))["status"] == "visit_verified"


@pytest.mark.parametrize(
    ("occurred_at", "accepted"),
    [(NOW + timedelta(minutes=5), True), (NOW + timedelta(minutes=5, seconds=1), False)],
)
def test_a_step_dated_in_the_future_beyond_the_clock_skew_is_refused(
    case: CaseDriver, occurred_at: datetime, accepted: bool
) -> None:
    case.open()

    if accepted:
        assert case.visit(occurred_at=occurred_at, now=NOW)["status"] == "visit_verified"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.visit(occurred_at=occurred_at, now=NOW)
        assert rule_of(excinfo) == ("occurred_at", "not_in_future")


def test_a_step_without_a_business_time_happens_now(case: CaseDriver) -> None:
    case.open()

    case.step(Step.HOUSEHOLD_VISIT, dict(VISIT_DEFAULTS), actor=VILLAGE_CADRE, now=NOW)

    assert case.events()[-1]["occurred_at"] == NOW


def test_a_business_time_without_a_zone_is_shanghai_time(case: CaseDriver) -> None:
    case.open()

    case.visit(occurred_at=datetime(2026, 2, 11, 10, 0))

    assert case.events()[-1]["occurred_at"] == datetime(2026, 2, 11, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("occurred_at", "accepted"),
    [
        (datetime(2026, 2, 12, 16, 30, tzinfo=UTC), True),  # 02-13 00:30 in Shanghai
        (datetime(2026, 2, 12, 15, 59, tzinfo=UTC), False),  # 02-12 23:59 in Shanghai
    ],
)
def test_business_dates_are_compared_in_shanghai_time(case: CaseDriver, occurred_at: datetime, accepted: bool) -> None:
    case.through("deliberation")  # 02-13

    if accepted:
        case.post_notice(occurred_at=occurred_at, start_date=date(2026, 2, 13), end_date=date(2026, 2, 17))
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.post_notice(occurred_at=occurred_at)
        assert excinfo.value.rule == "chronological_order"


@pytest.mark.parametrize(("checked_on", "accepted"), [(feb(11, 0, 0), True), (feb(10, 23, 59), False)])
def test_the_cross_check_is_bounded_by_the_visit_date_not_by_the_latest_step(
    case: CaseDriver, checked_on: datetime, accepted: bool
) -> None:
    case.through("close_notice", skip=("cross_check",))  # visited 02-11, notice closed 02-18

    if accepted:
        assert case.cross_check(occurred_at=checked_on)["facts"]["cross_check"]["occurred_at"] == checked_on
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.cross_check(occurred_at=checked_on)
        assert rule_of(excinfo) == ("occurred_at", "chronological_order")


def test_a_cross_check_recorded_later_does_not_hold_back_the_village_steps(case: CaseDriver) -> None:
    # The cross-check runs in parallel (domain.md §4.2 step 2) and its own lower bound is the visit: a deliberation
    # held on 02-13 stays recordable as 02-13 when the county's cross-check of 02-16 was entered first.
    case.through("visit")
    case.cross_check(actor=COUNTY_APPROVER, occurred_at=feb(16))

    assert case.deliberate(occurred_at=feb(13))["status"] == "deliberated"


def test_a_cross_check_recorded_later_does_not_hold_back_the_notice(case: CaseDriver) -> None:
    case.through("deliberation", skip=("cross_check",))  # deliberated 02-13
    case.cross_check(occurred_at=feb(16))

    assert case.post_notice(start_date=date(2026, 2, 14), occurred_at=feb(14))["status"] == "notice_posted"


def test_a_recorded_missed_deadline_does_not_move_the_business_date(case: CaseDriver, ledger: Ledger) -> None:
    # DeadlineMissed is the system's timer, not a step of the procedure: a county decision taken on 02-27 and
    # entered on 03-01 keeps its date although the timer fired on 02-28.
    case.through("township_review")
    ledger.cases.record_deadline_missed(
        case_id=case.case_id, kind=DeadlineKind.IDENTIFICATION, due_date=DUE_DATE, now=feb(28, 9)
    )

    assert case.decide(occurred_at=feb(27))["identified_on"] == date(2026, 2, 27)


# --- idempotency and concurrency ----------------------------------------------------------------------------------


def test_the_same_command_twice_appends_one_event(case: CaseDriver) -> None:
    case.open()

    first = case.visit(command_id="visit-1")
    again = case.visit(command_id="visit-1")

    assert case.event_types() == ["CaseOpened", "HouseholdVisitRecorded"]
    assert again["version"] == first["version"] == 2
    assert again["status"] == first["status"]


def test_a_repeated_command_returns_the_view_as_it_stood_after_it(case: CaseDriver) -> None:
    case.open()
    case.visit(command_id="visit-1")
    case.deliberate()

    again = case.visit(command_id="visit-1", per_capita_net_income=Decimal("9999"))

    assert (again["version"], again["status"]) == (2, "visit_verified")
    assert again["facts"]["household_visit"]["per_capita_net_income"] == Decimal("6500")
    assert len(case.events()) == 3


def test_a_repeated_command_is_answered_even_with_a_stale_version(case: CaseDriver) -> None:
    case.open()
    case.visit(command_id="visit-1", expected_version=1)
    case.deliberate()

    assert case.visit(command_id="visit-1", expected_version=1)["version"] == 2


def test_a_stale_expected_version_is_a_conflict(case: CaseDriver) -> None:
    case.through("visit")

    with pytest.raises(VersionConflictError) as excinfo:
        case.deliberate(expected_version=1)
    assert excinfo.value.rule == "version"
    assert len(case.events()) == 2

    assert case.deliberate(expected_version=2)["version"] == 3


def test_opening_an_existing_case_by_another_command_is_refused(case: CaseDriver) -> None:
    case.open(command_id="open-1")

    with pytest.raises(CaseAlreadyExistsError) as excinfo:
        case.open(command_id="open-2")
    assert rule_of(excinfo) == ("case_id", "unique")


def test_repeating_the_opening_command_returns_the_case_at_version_one(case: CaseDriver) -> None:
    case.open(command_id="open-1")
    case.visit()

    again = case.open(command_id="open-1")

    assert (again["version"], again["status"]) == (1, "clue_reported")
    assert len(case.events()) == 2


def test_a_later_step_command_id_cannot_reopen_the_case(case: CaseDriver) -> None:
    case.open(command_id="open-1")
    case.visit(command_id="visit-1")

    with pytest.raises(CaseAlreadyExistsError):
        case.open(command_id="visit-1")


def test_a_step_on_an_unknown_case_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(CaseNotFoundError):
        CaseDriver(ledger).visit()


# --- missed deadlines ---------------------------------------------------------------------------------------------


def _record_missed(case: CaseDriver, now: datetime, due_date: date = DUE_DATE) -> dict[str, Any]:
    return case.ledger.cases.record_deadline_missed(
        case_id=case.case_id, kind=DeadlineKind.IDENTIFICATION, due_date=due_date, now=now
    )


@pytest.mark.parametrize(
    ("now", "missed"),
    [
        (end_of_day(DUE_DATE) - timedelta(microseconds=1), False),  # 02-25 23:59:59.999999 in Shanghai
        (end_of_day(DUE_DATE), True),  # 02-26 00:00 in Shanghai
        (datetime(2026, 2, 25, 16, 0, tzinfo=UTC), True),  # the same instant in UTC
    ],
)
def test_a_deadline_is_missed_from_the_end_of_its_due_day_in_shanghai(
    case: CaseDriver, now: datetime, missed: bool
) -> None:
    case.through("township_review")

    _record_missed(case, now)

    assert (case.event_types()[-1] == "DeadlineMissed") is missed
    assert len(case.events()) == (8 if missed else 7)


def test_a_missed_deadline_is_recorded_once(case: CaseDriver) -> None:
    case.through("township_review")

    _record_missed(case, feb(26, 9))
    view = _record_missed(case, feb(27, 9))

    assert case.event_types().count("DeadlineMissed") == 1
    assert deadline(view, DeadlineKind.IDENTIFICATION)["missed_recorded"] is True


def test_a_missed_deadline_is_stored_as_the_system_with_kind_and_due_date(case: CaseDriver) -> None:
    case.through("township_review")

    _record_missed(case, feb(26, 9))

    record = case.events()[-1]
    assert record["actor"]["role"] == "system"
    assert record["payload"] == {"kind": "identification", "due_date": DUE_DATE}
    assert record["command_id"] == "deadline:identification:2026-02-25"


def test_the_view_shows_a_recorded_missed_deadline_as_overdue(case: CaseDriver) -> None:
    case.through("township_review")

    view = _record_missed(case, datetime(2026, 2, 28, 9, tzinfo=SHANGHAI))

    [deadline] = view["deadlines"]
    assert (deadline["missed_recorded"], deadline["overdue"], deadline["days_late"]) == (True, True, 3)
    assert view["overdue"] is True


@pytest.mark.parametrize(
    ("point", "finish"),
    [
        ("township_review", lambda c: c.decide(occurred_at=feb(23))),
        ("township_review", lambda c: c.decide(decision=CountyDecision.REJECT, category=None, reason="收入超标")),
        ("close_notice", lambda c: c.review(decision=TownshipDecision.REJECT, reason="不符合条件")),
    ],
    ids=["county_approved", "county_rejected", "township_rejected"],
)
def test_no_deadline_is_missed_once_the_identification_is_decided(
    case: CaseDriver, point: str, finish: Callable[[CaseDriver], Any]
) -> None:
    case.through(point)
    finish(case)
    before = len(case.events())

    view = _record_missed(case, datetime(2026, 3, 1, 9, tzinfo=SHANGHAI))

    assert len(case.events()) == before
    assert deadline(view, DeadlineKind.IDENTIFICATION)["missed_recorded"] is False
    assert view["overdue"] is False


def test_no_deadline_is_missed_by_a_case_closed_at_the_visit(case: CaseDriver) -> None:
    case.open()
    case.visit(authorisation_signed=False, authorisation_ref="", refusal_reason="不愿申请", risks=[])

    _record_missed(case, datetime(2026, 3, 1, 9, tzinfo=SHANGHAI))

    assert "DeadlineMissed" not in case.event_types()


def test_a_missed_deadline_for_another_due_date_is_ignored(case: CaseDriver) -> None:
    case.through("township_review")

    _record_missed(case, datetime(2026, 3, 1, 9, tzinfo=SHANGHAI), due_date=date(2026, 2, 24))

    assert "DeadlineMissed" not in case.event_types()


def test_a_late_county_decision_still_meets_the_deadline_but_not_in_time(case: CaseDriver) -> None:
    case.through("township_review")
    _record_missed(case, feb(26, 9))

    identification = deadline(case.decide(occurred_at=feb(27)), DeadlineKind.IDENTIFICATION)

    assert (identification["met_on"], identification["met_in_time"], identification["overdue"]) == (
        date(2026, 2, 27),
        False,
        False,
    )
    assert identification["missed_recorded"] is True


# --- stored events ------------------------------------------------------------------------------------------------


def test_every_stored_event_carries_actor_command_times_and_payload(case: CaseDriver) -> None:
    case.open(command_id="c-open")
    case.visit(command_id="c-visit", comment="  户主在家 ")
    case.cross_check(command_id="c-check", actor=COUNTY_APPROVER)
    case.deliberate(command_id="c-delib")
    case.post_notice(command_id="c-post")
    case.close_notice(command_id="c-close")
    case.review(command_id="c-review")
    case.decide(command_id="c-county")
    case.announce(command_id="c-announce")

    records = case.events()

    expected = [
        ("CaseOpened", "c-open", VILLAGE_CADRE, NOW),
        ("HouseholdVisitRecorded", "c-visit", VILLAGE_CADRE, feb(11)),
        ("CrossCheckRecorded", "c-check", COUNTY_APPROVER, feb(12)),
        ("VillageDeliberationRecorded", "c-delib", VILLAGE_CADRE, feb(13)),
        ("PublicNoticePosted", "c-post", VILLAGE_CADRE, feb(14)),
        ("PublicNoticeClosed", "c-close", VILLAGE_CADRE, feb(19, 9)),
        ("TownshipReviewed", "c-review", TOWNSHIP_REVIEWER, feb(20)),
        ("CountyDecided", "c-county", COUNTY_APPROVER, feb(23)),
        ("ResultAnnounced", "c-announce", TOWNSHIP_REVIEWER, feb(24)),
    ]
    assert [(r["type"], r["command_id"]) for r in records] == [(t, c) for t, c, _, _ in expected]
    for record, (_, _, actor, occurred_at), version in zip(records, expected, range(1, 10), strict=True):
        assert record["version"] == version
        assert {k: record["actor"][k] for k in ("id", "role", "area_code")} == {
            "id": actor.id,
            "role": actor.role.value,
            "area_code": actor.area_code,
        }
        assert record["occurred_at"] == occurred_at
        assert isinstance(record["recorded_at"], datetime)
        assert record["recorded_at"].tzinfo is not None
        assert record["payload"]
    assert records[1]["comment"] == "户主在家"
    assert records[1]["payload"]["per_capita_net_income"] == Decimal("6500")
    assert records[1]["payload"]["authorisation_ref"] == "SQ-2026-001"
    # The village-to-county steps say which procedure they belong to (they serve elimination as well).
    assert records[7]["payload"] == {
        "procedure": "identification",
        "decision": "approve",
        "category": "marginal_at_risk",
        "reason": "",
    }
    for record in records[3:8]:
        assert record["payload"]["procedure"] == "identification"
    assert "procedure" not in records[1]["payload"]
    assert "procedure" not in records[8]["payload"]


# --- policy pinning -----------------------------------------------------------------------------------------------


def _sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


def test_a_case_keeps_the_policy_it_was_opened_under(tmp_path: Path) -> None:
    store = tmp_path / "cases.sqlite"
    v1 = PolicyVersions((national_policy(), seed_policy(version=1)))
    # Version 2 applies from the same day, so the lookup alone would now choose it for the old case as well.
    v2 = PolicyVersions(
        (
            national_policy(),
            seed_policy(version=1),
            seed_policy(version=2, monitoring_line=Decimal("8000"), notice_min_days=7, identification_days=20),
        )
    )
    before = Ledger(_sqlite_env(store), policies=v1)
    old = CaseDriver(before)
    old.through("visit", per_capita_net_income=Decimal("7500"))
    before.close()

    after = Ledger(_sqlite_env(store), policies=v2)
    old = CaseDriver(after, old.case_id)
    new = CaseDriver(after)
    new.through("visit", per_capita_net_income=Decimal("7500"))

    old_view, new_view = old.view(), new.view()
    assert old.events()[0]["payload"]["policy"]["key"] == "seed-township@1"
    assert (old_view["policy"]["key"], old_view["policy"]["monitoring_line"]) == ("seed-township@1", Decimal("7100"))
    assert (new_view["policy"]["key"], new_view["policy"]["monitoring_line"]) == ("seed-township@2", Decimal("8000"))
    # The line: 7500 is above the old case's 7100 but within the new case's 8000.
    assert "marginal_at_risk" not in old_view["eligible_categories"]
    assert "marginal_at_risk" in new_view["eligible_categories"]
    # The deadline: 15 days for the old case, 20 for the new.
    assert deadline(old_view, DeadlineKind.IDENTIFICATION)["due_date"] == date(2026, 2, 25)
    assert deadline(new_view, DeadlineKind.IDENTIFICATION)["due_date"] == date(2026, 3, 2)
    # The notice: five days suffice for the old case, the new case needs seven.
    for driver in (old, new):
        driver.cross_check()
        driver.deliberate()
    assert old.post_notice(start_date=date(2026, 2, 14), end_date=date(2026, 2, 18))["status"] == "notice_posted"
    with pytest.raises(RuleViolationError) as excinfo:
        new.post_notice(start_date=date(2026, 2, 14), end_date=date(2026, 2, 18))
    assert rule_of(excinfo) == ("end_date", "notice_min_days")
    assert new.post_notice(start_date=date(2026, 2, 14), end_date=date(2026, 2, 20))["status"] == "notice_posted"
    after.close()


def test_the_county_applies_the_pinned_line_after_the_policy_changes(tmp_path: Path) -> None:
    store = tmp_path / "cases.sqlite"
    v1 = PolicyVersions((national_policy(), seed_policy(version=1)))
    v2 = PolicyVersions(
        (national_policy(), seed_policy(version=1), seed_policy(version=2, monitoring_line=Decimal("8000")))
    )
    before = Ledger(_sqlite_env(store), policies=v1)
    case = CaseDriver(before)
    case.through("township_review", per_capita_net_income=Decimal("7500"))
    before.close()

    after = Ledger(_sqlite_env(store), policies=v2)
    case = CaseDriver(after, case.case_id)

    with pytest.raises(RuleViolationError) as excinfo:
        case.decide(category=Category.MARGINAL_AT_RISK)
    assert "seed-township@1" in excinfo.value.message
    after.close()
