"""Risk elimination, look-back, rollback and re-entry through the in-memory ledger (风险消除, 回头看, 回退, 再标注;
domain.md §7, §8; seed plan §二(三), §三(二))."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import pytest
from eventsourcing.persistence import RecordConflictError

from domain.cases import values as cv
from domain.cases.commands import REENTRY_NAMESPACE
from domain.kernel.actors import Actor, Role
from domain.kernel.errors import NotPermittedError, RuleViolationError, StepNotAllowedError
from domain.kernel.policy import PolicyVersions
from domain.kernel.steps import Step
from domain.kernel.time import end_of_day
from domain.ledger import Ledger
from domain.registry.values import Guarantee, Risk
from tests.domain.support import (
    COUNTY_APPROVER,
    ELIGIBLE_FROM,
    ELIMINATED_ON,
    ELIMINATION_DUE,
    IDENTIFIED_ON,
    INSPECTOR,
    LOOK_BACK_DUE,
    OTHER_COUNTY_APPROVER,
    OTHER_TOWNSHIP_REVIEWER,
    OTHER_VILLAGE_CADRE,
    PATH,
    PROPOSED_ON,
    TOWNSHIP_REVIEWER,
    VILLAGE_CADRE,
    CaseDriver,
    allowed,
    at,
    changed_labour,
    deadline,
    deadline_kinds,
    national_policy,
    seed_policy,
    sep,
)

C = cv.MeasureCategory
# The names of the happy path (tests.domain.support.PATH) up to the proposal, and of the elimination after it.
_PATH_TO_PROPOSAL = PATH[: PATH.index("elimination_proposal") + 1]
_ELIMINATION = PATH[PATH.index("elimination_visit") : PATH.index("elimination_announcement") + 1]


def rule_of(excinfo: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    return (excinfo.value.field, excinfo.value.rule)


def violations_of(excinfo: pytest.ExceptionInfo[Any]) -> list[tuple[str, str]]:
    return [(v["field"], v["rule"]) for v in excinfo.value.violations]


def midnight(day: date) -> datetime:
    return at(day.year, day.month, day.day, 0, 0)


# --- the proposal and its criteria (domain.md §7) -----------------------------------------------------------------


def test_a_proposal_meeting_every_criterion_starts_the_elimination(case: CaseDriver) -> None:
    case.through("assisted")

    view = case.propose()

    assert (view["status"], view["stage"], view["stage_label"]) == ("elimination_proposed", "eliminating", "风险消除中")
    assert (view["elimination"]["proposed_on"], view["elimination"]["mode"]) == (PROPOSED_ON, "assisted")
    proposal = view["elimination"]["proposal"]
    assert (proposal["monitoring_line"], proposal["line_policy"], proposal["per_capita_net_income"]) == (
        Decimal("7100"),
        "seed-township@1",
        Decimal("9000"),
    )
    assert allowed(view)["elimination-visit"] == []
    assert "elimination-proposal" not in allowed(view)
    assert case.event_types()[-1] == "EliminationProposed"


@pytest.mark.parametrize(
    ("proposed_at", "accepted"),
    [(midnight(ELIGIBLE_FROM), True), (midnight(ELIGIBLE_FROM) - timedelta(minutes=1), False)],
)
def test_the_household_is_monitored_six_months_before_a_proposal(
    case: CaseDriver, proposed_at: datetime, accepted: bool
) -> None:
    view = case.through("assisted")
    assert view["elimination_eligible_from"] == ELIGIBLE_FROM  # identified 02-23 + 6 months

    if accepted:
        assert case.propose(occurred_at=proposed_at)["status"] == "elimination_proposed"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.propose(occurred_at=proposed_at)
        assert rule_of(excinfo) == ("occurred_at", "min_monitoring_period")
        assert violations_of(excinfo) == [("occurred_at", "min_monitoring_period")]


@pytest.mark.parametrize(
    ("measures", "accepted"),
    [
        ([(C.EMPLOYMENT, cv.MeasureStatus.IMPLEMENTED)], False),  # implemented, but not aimed at 因病
        (
            [(C.HEALTH, cv.MeasureStatus.PLANNED), (C.EMPLOYMENT, cv.MeasureStatus.IMPLEMENTED)],
            False,
        ),  # not implemented
        ([(C.SOCIAL_ASSISTANCE, cv.MeasureStatus.IMPLEMENTED)], True),
        ([(C.HEALTH, cv.MeasureStatus.IMPLEMENTED)], True),
    ],
)
def test_a_proposal_needs_an_implemented_measure_aimed_at_the_risk(
    case: CaseDriver, measures: list[tuple[C, cv.MeasureStatus]], accepted: bool
) -> None:
    case.through("plan")  # risk 因病
    for category, status in measures:
        case.add_measure(category, status=status, start_date=date(2026, 2, 27))

    if accepted:
        assert case.propose()["status"] == "elimination_proposed"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.propose()
        assert violations_of(excinfo) == [("measures", "measure_for_risk")]


def test_a_measure_implemented_and_ended_still_counts_for_the_proposal(case: CaseDriver) -> None:
    case.through("assisted")
    case.end_measure("M1", reason="医疗费用已报销", occurred_at=sep(1, 9))

    assert case.propose()["status"] == "elimination_proposed"


@pytest.mark.parametrize(("income", "accepted"), [("7100", False), ("7100.00", False), ("7100.01", True)])
def test_assisted_elimination_needs_income_above_the_line(case: CaseDriver, income: str, accepted: bool) -> None:
    case.through("assisted")

    if accepted:
        assert case.propose(per_capita_net_income=Decimal(income))["status"] == "elimination_proposed"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.propose(per_capita_net_income=Decimal(income))
        assert violations_of(excinfo) == [("per_capita_net_income", "income_above_line")]
        assert "7100" in excinfo.value.violations[0]["message"]


def test_natural_elimination_skips_the_income_criterion(case: CaseDriver) -> None:
    case.through("assisted")

    view = case.propose(mode=cv.EliminationMode.NATURAL, per_capita_net_income=Decimal("5000"))

    assert (view["status"], view["elimination"]["mode"]) == ("elimination_proposed", "natural")


@pytest.mark.parametrize(
    ("changes", "violation"),
    [
        ({"unmet_guarantees": [Guarantee.HOUSING]}, ("unmet_guarantees", "three_guarantees")),
        ({"unmet_guarantees": [Guarantee.DRINKING_WATER]}, ("unmet_guarantees", "three_guarantees")),
        ({"unresolved_rigid_expenditure": True}, ("unresolved_rigid_expenditure", "rigid_expenditure")),
    ],
    ids=["housing", "water", "rigid"],
)
def test_each_other_criterion_refuses_the_proposal_alone(
    case: CaseDriver, changes: dict[str, Any], violation: tuple[str, str]
) -> None:
    case.through("assisted")

    with pytest.raises(RuleViolationError) as excinfo:
        case.propose(**changes)
    assert violations_of(excinfo) == [violation]
    assert rule_of(excinfo) == violation


def lose_labour(case: CaseDriver, labour: int, size: int = 3) -> None:
    """The registry records, before the proposal, that only ``labour`` of the household's members can still work."""
    case.register(members=changed_labour(case.case_id, labour, size), now=at(2026, 8, 30), reason="成员丧失劳动能力")


@pytest.mark.parametrize("mode", [cv.EliminationMode.ASSISTED, cv.EliminationMode.NATURAL])
def test_a_household_registered_without_labour_may_not_be_eliminated(
    case: CaseDriver, mode: cv.EliminationMode
) -> None:
    # 整户无劳动力的监测对象，暂不标注风险消除 (domain.md §7), read from the registry as of the proposal.
    case.through("assisted")
    lose_labour(case, 0)

    with pytest.raises(RuleViolationError) as excinfo:
        case.propose(mode=mode)
    assert violations_of(excinfo) == [("labour_capable_members", "whole_household_without_labour")]


def test_a_proposal_cannot_type_labour_the_registry_does_not_have(case: CaseDriver) -> None:
    # The inspector's case (issue 19): both members registered as 无劳动力, the proposal types 2 able to work.
    case.through("assisted")
    lose_labour(case, 0, size=2)
    before = case.event_types()

    with pytest.raises(RuleViolationError) as excinfo:
        case.propose(labour_capable_members=2)
    assert rule_of(excinfo) == ("labour_capable_members", "registry_figure")
    assert "2026-09-01" in str(excinfo.value)  # the business date the registry was read as of
    assert case.event_types() == before


def test_one_member_with_labour_capacity_is_enough(case: CaseDriver) -> None:
    case.through("assisted")
    lose_labour(case, 1)

    view = case.propose()
    proposal = view["elimination"]["proposal"]
    assert proposal["labour_capable_members"] == 1
    assert proposal["figures_source"]["from"] == "registry"
    assert proposal["figures_source"]["registry_version"] == 2
    # The proposal's figure stays with the proposal; the household's facts from identification are unchanged.
    assert view["labour_capable_members"] == 2


def test_a_typed_figure_that_agrees_with_the_registry_is_taken(case: CaseDriver) -> None:
    case.through("assisted")

    assert case.propose(labour_capable_members=2)["elimination"]["proposal"]["labour_capable_members"] == 2


def test_a_refused_proposal_lists_every_failed_criterion_and_stores_nothing(case: CaseDriver) -> None:
    case.through("plan")  # no measure at all
    case.register(members=changed_labour(case.case_id, 0), now=at(2026, 8, 20), reason="丧失劳动能力")
    before = case.event_types()

    with pytest.raises(RuleViolationError) as excinfo:
        case.propose(
            occurred_at=at(2026, 8, 22),
            per_capita_net_income=Decimal("7000"),
            unmet_guarantees=[Guarantee.EDUCATION, Guarantee.MEDICAL],
            unresolved_rigid_expenditure=True,
        )

    assert violations_of(excinfo) == [
        ("occurred_at", "min_monitoring_period"),
        ("measures", "measure_for_risk"),
        ("per_capita_net_income", "income_above_line"),
        ("unmet_guarantees", "three_guarantees"),
        ("unresolved_rigid_expenditure", "rigid_expenditure"),
        ("labour_capable_members", "whole_household_without_labour"),
    ]
    assert rule_of(excinfo) == ("occurred_at", "min_monitoring_period")
    assert all(v["message"] for v in excinfo.value.violations)
    assert excinfo.value.details()["violations"] == excinfo.value.violations
    assert case.event_types() == before


def test_a_proposal_states_its_evidence(case: CaseDriver) -> None:
    case.through("assisted")

    with pytest.raises(RuleViolationError) as excinfo:
        case.propose(evidence="  ")
    assert rule_of(excinfo) == ("evidence", "required")


@pytest.mark.parametrize("point", ["county_decision", "proposed", "eliminated"])
def test_a_proposal_is_made_only_for_a_monitored_household(case: CaseDriver, point: str) -> None:
    case.through(point)

    with pytest.raises(StepNotAllowedError):
        case.propose(occurred_at=sep(20))


@pytest.mark.parametrize(
    ("actor", "rule"),
    [(TOWNSHIP_REVIEWER, "step_roles"), (COUNTY_APPROVER, "step_roles"), (OTHER_VILLAGE_CADRE, "jurisdiction")],
)
def test_the_village_of_the_case_proposes_elimination(case: CaseDriver, actor: Actor, rule: str) -> None:
    case.through("assisted")

    with pytest.raises(NotPermittedError) as excinfo:
        case.propose(actor=actor)
    assert excinfo.value.rule == rule


def test_assistance_records_dated_later_do_not_hold_back_the_proposal(case: CaseDriver) -> None:
    # Assistance runs alongside the procedures and does not move their chronology: a measure entered for 09-05
    # leaves a proposal dated 09-01 possible.
    case.through("assisted")
    case.add_measure(C.INDUSTRY, occurred_at=sep(5), start_date=date(2026, 9, 5))

    assert case.propose(occurred_at=sep(1), now=sep(5, 12))["elimination"]["proposed_on"] == PROPOSED_ON


# --- the line of the proposal date, the time limits of the pinned policy -----------------------------------------


def raised_line_ledger() -> Ledger:
    """v1 (7100, the seed values) pins the case in February; v2 from 2026-07-01 raises the line to 8000 and would
    also lengthen every elimination time limit if the case followed it."""
    v2 = seed_policy(
        version=2,
        year=2026,
        effective_from=date(2026, 7, 1),
        monitoring_line=Decimal("8000"),
        min_monitoring_months=12,
        elimination_notice_min_days=10,
        min_elimination_verifiers=3,
        elimination_days=60,
    )
    return Ledger(policies=PolicyVersions((national_policy(), seed_policy(), v2)))


@pytest.mark.parametrize(("income", "accepted"), [("7500", False), ("8000", False), ("8000.01", True)])
def test_the_proposal_uses_the_line_in_force_on_its_date(income: str, accepted: bool) -> None:
    case = CaseDriver(raised_line_ledger())
    case.through("assisted")

    if accepted:
        view = case.propose(per_capita_net_income=Decimal(income))
        proposal = view["elimination"]["proposal"]
        assert (proposal["monitoring_line"], proposal["line_policy"]) == (Decimal("8000"), "seed-township@2")
        assert view["policy"]["key"] == "seed-township@1"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.propose(per_capita_net_income=Decimal(income))
        assert violations_of(excinfo) == [("per_capita_net_income", "income_above_line")]
        assert "seed-township@2" in excinfo.value.message


def test_the_time_limits_stay_those_of_the_pinned_policy_when_the_line_changes() -> None:
    case = CaseDriver(raised_line_ledger())
    case.through("assisted")

    # 6 months (not 12), 2 verifiers (not 3), a 7-day notice (not 10), 30 days for the procedure (not 60).
    view = case.propose(occurred_at=midnight(ELIGIBLE_FROM), per_capita_net_income=Decimal("8500"))
    assert deadline(view, cv.DeadlineKind.ELIMINATION)["due_date"] == ELIGIBLE_FROM + timedelta(days=30)
    case.elimination_visit(occurred_at=at(2026, 8, 24))
    case.deliberate(occurred_at=at(2026, 8, 25))
    view = case.post_notice(occurred_at=at(2026, 8, 26), start_date=date(2026, 8, 26), end_date=date(2026, 9, 1))

    assert view["status"] == "elimination_notice_posted"


# --- the elimination procedure (domain.md §7 "Procedure") ---------------------------------------------------------


def test_a_case_goes_from_monitored_to_eliminated_through_every_step_in_order(case: CaseDriver) -> None:
    case.through("assisted")

    assert case.propose()["status"] == "elimination_proposed"
    assert case.elimination_visit()["status"] == "elimination_verified"
    assert case.deliberate(occurred_at=sep(3))["status"] == "elimination_deliberated"
    posted = case.post_notice(occurred_at=sep(4), start_date=date(2026, 9, 4), end_date=date(2026, 9, 10))
    assert (posted["status"], posted["status_label"]) == ("elimination_notice_posted", "风险消除公示中")
    closed = case.close_notice(occurred_at=sep(11, 9))
    assert closed["status"] == "elimination_notice_closed"
    assert "township-review" in allowed(closed)  # no cross-check in elimination
    assert case.review(occurred_at=sep(12))["status"] == "elimination_township_passed"
    decided = case.decide(occurred_at=sep(14), category=None)
    assert (decided["status"], decided["category"]) == ("elimination_county_approved", "marginal_at_risk")
    assert allowed(decided)["announcement"] == []

    final = case.announce(occurred_at=sep(15))

    assert (final["status"], final["stage"], final["status_label"], final["stage_label"]) == (
        "eliminated",
        "eliminated",
        "风险已消除",
        "风险已消除",
    )
    assert final["eliminated_on"] == ELIMINATED_ON
    assert (final["category"], final["identified_on"]) == ("marginal_at_risk", IDENTIFIED_ON)
    assert allowed(final) == {"look-back": []}
    [attempt] = final["elimination_history"]
    assert attempt["outcome"] == "eliminated"
    assert attempt["announcement"]["mode"] == "assisted"
    assert case.event_types()[-8:] == [
        "EliminationProposed",
        "EliminationVisitRecorded",
        "VillageDeliberationRecorded",
        "PublicNoticePosted",
        "PublicNoticeClosed",
        "TownshipReviewed",
        "CountyDecided",
        "RiskEliminated",
    ]


def test_the_shared_steps_record_that_they_belong_to_the_elimination(case: CaseDriver) -> None:
    case.through("eliminated")

    records = case.events()
    identification = {r["type"]: r["payload"].get("procedure") for r in records[:9]}
    elimination = [(r["type"], r["payload"].get("procedure")) for r in records[-8:]]

    assert identification["CountyDecided"] == "identification"
    assert elimination == [
        ("EliminationProposed", None),
        ("EliminationVisitRecorded", None),
        ("VillageDeliberationRecorded", "elimination"),
        ("PublicNoticePosted", "elimination"),
        ("PublicNoticeClosed", "elimination"),
        ("TownshipReviewed", "elimination"),
        ("CountyDecided", "elimination"),
        ("RiskEliminated", None),
    ]
    assert records[-1]["payload"] == {"mode": "assisted", "location": "村委会公示栏"}
    assert records[-2]["payload"] == {
        "procedure": "elimination",
        "decision": "approve",
        "category": "marginal_at_risk",
        "reason": "",
    }


def test_the_elimination_keeps_its_procedure_facts_apart_from_the_identification(case: CaseDriver) -> None:
    view = case.through("eliminated")

    assert view["facts"]["village_deliberation"]["minutes_ref"] == "PY-2026-01"
    assert view["elimination"]["village_deliberation"]["minutes_ref"] == "PY-2026-09"
    assert view["elimination"]["public_notice"]["start_date"] == date(2026, 9, 4)
    assert view["facts"]["public_notice"]["start_date"] == date(2026, 2, 14)
    assert view["elimination"]["decided_on"] == date(2026, 9, 14)


def test_a_natural_elimination_is_announced_as_natural(case: CaseDriver) -> None:
    case.through("assisted")
    case.propose(mode=cv.EliminationMode.NATURAL, per_capita_net_income=Decimal("6000"))
    case.through("eliminated", skip=_PATH_TO_PROPOSAL)

    assert case.events()[-1]["payload"]["mode"] == "natural"
    assert case.view(now=sep(20))["elimination_history"][-1]["mode"] == "natural"


@pytest.mark.parametrize(
    "verifiers",
    [["李审核"], ["李审核", "李审核"], ["李审核", " 李审核 "], ["李审核", ""], ["李审核", "   "], []],
)
def test_the_verification_team_has_at_least_two_different_people(case: CaseDriver, verifiers: list[str]) -> None:
    case.through("proposed")

    with pytest.raises(RuleViolationError) as excinfo:
        case.elimination_visit(verifiers=verifiers)
    assert rule_of(excinfo) == ("verifiers", "min_verifiers")


def test_a_team_of_two_verifies_and_is_recorded_once_each(case: CaseDriver) -> None:
    case.through("proposed")

    view = case.elimination_visit(verifiers=[" 李审核 ", "王村干", "李审核"], information_form_ref=" XC-1 ")

    visit = view["elimination"]["elimination_visit"]
    assert visit["verifiers"] == ["李审核", "王村干"]
    assert (visit["information_form_ref"], visit["measures_form_ref"], visit["assessment_form_ref"]) == (
        "XC-1",
        "CS-2026-001",
        "PG-2026-001",
    )


def test_the_team_size_is_the_pinned_policys() -> None:
    case = CaseDriver(Ledger(policies=PolicyVersions((national_policy(), seed_policy(min_elimination_verifiers=3)))))
    case.through("proposed")

    with pytest.raises(RuleViolationError) as excinfo:
        case.elimination_visit(verifiers=["李审核", "王村干"])
    assert rule_of(excinfo) == ("verifiers", "min_verifiers")
    assert case.elimination_visit(verifiers=["李审核", "王村干", "张网格"])["status"] == "elimination_verified"


@pytest.mark.parametrize("form", ["information_form_ref", "measures_form_ref", "assessment_form_ref"])
@pytest.mark.parametrize("blank", ["", "  "])
def test_the_visit_references_each_of_the_three_signed_forms(case: CaseDriver, form: str, blank: str) -> None:
    case.through("proposed")

    with pytest.raises(RuleViolationError) as excinfo:
        case.elimination_visit(**{form: blank})
    assert rule_of(excinfo) == (form, "required")


@pytest.mark.parametrize(
    ("actor", "rule"),
    [(COUNTY_APPROVER, "step_roles"), (INSPECTOR, "step_roles"), (OTHER_TOWNSHIP_REVIEWER, "jurisdiction")],
)
def test_the_verification_visit_is_made_by_the_township_and_village_of_the_case(
    case: CaseDriver, actor: Actor, rule: str
) -> None:
    case.through("proposed")

    with pytest.raises(NotPermittedError) as excinfo:
        case.elimination_visit(actor=actor)
    assert excinfo.value.rule == rule
    assert case.elimination_visit(actor=VILLAGE_CADRE)["status"] == "elimination_verified"


def test_the_visit_follows_the_proposal(case: CaseDriver) -> None:
    case.through("assisted")

    with pytest.raises(StepNotAllowedError):
        case.elimination_visit()


@pytest.mark.parametrize(
    ("end_date", "accepted"),
    [(date(2026, 9, 10), True), (date(2026, 9, 9), False), (date(2026, 9, 8), False)],  # 7, 6 and 5 days
)
def test_the_elimination_notice_runs_at_least_seven_days(case: CaseDriver, end_date: date, accepted: bool) -> None:
    case.through("elimination_deliberation")

    if accepted:
        assert case.post_notice(occurred_at=sep(4), start_date=date(2026, 9, 4), end_date=end_date)["status"] == (
            "elimination_notice_posted"
        )
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.post_notice(occurred_at=sep(4), start_date=date(2026, 9, 4), end_date=end_date)
        assert rule_of(excinfo) == ("end_date", "notice_min_days")
        assert "elimination" in excinfo.value.message


def test_the_elimination_notice_length_is_the_pinned_policys() -> None:
    policies = PolicyVersions((national_policy(), seed_policy(elimination_notice_min_days=10)))
    case = CaseDriver(Ledger(policies=policies))
    case.through("elimination_deliberation")  # the identification notice of 5 days was still enough

    with pytest.raises(RuleViolationError) as excinfo:
        case.post_notice(occurred_at=sep(4), start_date=date(2026, 9, 4), end_date=date(2026, 9, 12))
    assert rule_of(excinfo) == ("end_date", "notice_min_days")
    assert case.post_notice(occurred_at=sep(4), start_date=date(2026, 9, 4), end_date=date(2026, 9, 13))["status"] == (
        "elimination_notice_posted"
    )


def test_the_elimination_notice_cannot_start_before_the_deliberation(case: CaseDriver) -> None:
    case.through("elimination_deliberation")  # 09-03

    with pytest.raises(RuleViolationError) as excinfo:
        case.post_notice(occurred_at=sep(3), start_date=date(2026, 9, 2), end_date=date(2026, 9, 10))
    assert rule_of(excinfo) == ("start_date", "chronological_order")


@pytest.mark.parametrize(("closed_at", "accepted"), [(sep(10, 23, 59), False), (sep(11, 0, 0), True)])
def test_the_elimination_notice_closes_after_its_last_day(
    case: CaseDriver, closed_at: datetime, accepted: bool
) -> None:
    case.through("elimination_notice")  # 09-04…09-10

    if accepted:
        assert case.close_notice(occurred_at=closed_at)["status"] == "elimination_notice_closed"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.close_notice(occurred_at=closed_at)
        assert rule_of(excinfo) == ("occurred_at", "notice_min_days")


def test_an_objection_to_the_elimination_notice_found_groundless_sends_it_back_to_deliberation(
    case: CaseDriver,
) -> None:
    case.through("elimination_notice")

    objected = case.object(occurred_at=sep(6), objection="该户仍有大额医疗支出")
    assert (objected["status"], allowed(objected)["public-notice"]) == ("elimination_notice_objected", ["close"])
    view = case.close_notice(
        occurred_at=sep(8), outcome=cv.NoticeOutcome.REDELIBERATE, investigation="已报销，异议不成立"
    )

    assert view["status"] == "elimination_verified"
    assert "village-deliberation" in allowed(view)
    assert view["elimination"]["public_notice_closed"]["investigation"] == "已报销，异议不成立"


def test_an_objection_to_the_elimination_notice_is_raised_during_it(case: CaseDriver) -> None:
    case.through("elimination_notice")  # 09-04…09-10

    with pytest.raises(RuleViolationError) as excinfo:
        case.object(occurred_at=sep(11))
    assert rule_of(excinfo) == ("occurred_at", "notice_period")


def test_a_township_return_sends_the_elimination_back_for_a_new_deliberation(case: CaseDriver) -> None:
    case.through("elimination_close_notice")

    view = case.review(occurred_at=sep(12), decision=cv.TownshipDecision.RETURN, reason="评议记录不全")

    assert view["status"] == "elimination_verified"
    assert case.deliberate(occurred_at=sep(13))["status"] == "elimination_deliberated"


REFUSALS = {
    "village_deliberation": (
        "elimination_visit",
        lambda c: c.deliberate(occurred_at=sep(3), outcome=cv.DeliberationOutcome.FAIL),
    ),
    "notice_objection": (
        "elimination_notice",
        lambda c: (
            c.object(occurred_at=sep(5)),
            c.close_notice(occurred_at=sep(6), outcome=cv.NoticeOutcome.REJECT, investigation="异议属实"),
        )[-1],
    ),
    "township_review": (
        "elimination_close_notice",
        lambda c: c.review(occurred_at=sep(12), decision=cv.TownshipDecision.REJECT, reason="收入不稳定"),
    ),
    "county_decision": (
        "elimination_township_review",
        lambda c: c.decide(occurred_at=sep(14), decision=cv.CountyDecision.REJECT, category=None, reason="收入不稳定"),
    ),
}
REFUSED_BY = {
    "village_deliberation": "VillageDeliberationRecorded",
    "notice_objection": "PublicNoticeClosed",
    "township_review": "TownshipReviewed",
    "county_decision": "CountyDecided",
}


@pytest.mark.parametrize("where", list(REFUSALS))
def test_a_refused_elimination_leaves_the_household_monitored_and_keeps_the_attempt(
    case: CaseDriver, where: str
) -> None:
    point, refuse = REFUSALS[where]
    case.through(point)

    view = refuse(case)

    assert (view["status"], view["stage"]) == ("monitored", "monitored")
    assert view["elimination"] is None
    assert view["eliminated_on"] is None
    [attempt] = view["elimination_history"]
    assert (attempt["outcome"], attempt["refused_by"]) == ("refused", REFUSED_BY[where])
    assert attempt["proposed_on"] == PROPOSED_ON
    assert "elimination-proposal" in allowed(view)
    assert view["national_status"]["status"] == "monitored"
    assert "elimination" not in deadline_kinds(view)
    assert (view["category"], view["identified_on"]) == ("marginal_at_risk", IDENTIFIED_ON)


@pytest.mark.parametrize("where", list(REFUSALS))
def test_after_a_refusal_a_new_proposal_is_possible(case: CaseDriver, where: str) -> None:
    point, refuse = REFUSALS[where]
    case.through(point)
    refuse(case)

    view = case.propose(occurred_at=sep(20))

    assert (view["status"], view["elimination"]["proposed_on"]) == ("elimination_proposed", date(2026, 9, 20))
    assert [a["outcome"] for a in view["elimination_history"]] == ["refused"]
    assert view["elimination"]["proposal"]["version"] > view["elimination_history"][0]["proposal"]["version"]


@pytest.mark.parametrize("where", list(REFUSALS))
def test_after_a_refusal_the_household_can_still_be_eliminated(case: CaseDriver, where: str) -> None:
    point, refuse = REFUSALS[where]
    case.through(point)
    refuse(case)

    final = case.eliminate(sep(21))

    assert final["status"] == "eliminated"
    assert [a["outcome"] for a in final["elimination_history"]] == ["refused", "eliminated"]
    assert final["eliminated_on"] == date(2026, 10, 5)


def test_a_refused_elimination_needs_a_reason_at_the_township_and_county(case: CaseDriver) -> None:
    case.through("elimination_close_notice")
    with pytest.raises(RuleViolationError) as excinfo:
        case.review(occurred_at=sep(12), decision=cv.TownshipDecision.REJECT, reason=" ")
    assert rule_of(excinfo) == ("reason", "required")

    case.review(occurred_at=sep(12))
    with pytest.raises(RuleViolationError) as excinfo:
        case.decide(occurred_at=sep(14), decision=cv.CountyDecision.REJECT, category=None, reason="")
    assert rule_of(excinfo) == ("reason", "required")


def test_an_elimination_approval_keeps_the_category(case: CaseDriver) -> None:
    case.through("elimination_township_review")

    with pytest.raises(RuleViolationError) as excinfo:
        case.decide(occurred_at=sep(14), category=cv.Category.SUDDEN_HARDSHIP)
    assert rule_of(excinfo) == ("category", "category_unchanged")
    assert case.decide(occurred_at=sep(14), category=cv.Category.MARGINAL_AT_RISK)["category"] == "marginal_at_risk"


def test_an_elimination_approval_does_not_recheck_the_identification_criteria(case: CaseDriver) -> None:
    # The household's income is now above the line (9000 > 7100): the identification category test does not apply
    # to the elimination's county decision.
    case.through("elimination_township_review")

    assert case.decide(occurred_at=sep(14), category=None)["status"] == "elimination_county_approved"


@pytest.mark.parametrize(
    ("step", "actor"),
    [
        ("elimination_visit", COUNTY_APPROVER),
        ("elimination_deliberation", TOWNSHIP_REVIEWER),
        ("elimination_township_review", OTHER_TOWNSHIP_REVIEWER),
        ("elimination_county_decision", OTHER_COUNTY_APPROVER),
        ("elimination_announcement", COUNTY_APPROVER),
    ],
)
def test_the_shared_steps_keep_their_roles_and_areas_in_the_elimination(
    case: CaseDriver, step: str, actor: Actor
) -> None:
    case.through(PATH[PATH.index(step) - 1])
    take = {
        "elimination_visit": lambda: case.elimination_visit(actor=actor),
        "elimination_deliberation": lambda: case.deliberate(actor=actor, occurred_at=sep(3)),
        "elimination_township_review": lambda: case.review(actor=actor, occurred_at=sep(12)),
        "elimination_county_decision": lambda: case.decide(actor=actor, occurred_at=sep(14)),
        "elimination_announcement": lambda: case.announce(actor=actor, occurred_at=sep(15)),
    }[step]

    with pytest.raises(NotPermittedError):
        take()


def test_assistance_goes_on_during_the_elimination_but_not_after_it(case: CaseDriver) -> None:
    case.through("elimination_visit")

    assert (
        case.add_measure(C.INDUSTRY, occurred_at=sep(2), start_date=date(2026, 9, 2))["measures"][-1]["measure_id"]
        == "M3"
    )
    case.through("eliminated", skip=(*_PATH_TO_PROPOSAL, "elimination_visit"))

    for take in (
        lambda: case.add_measure(C.INDUSTRY, occurred_at=sep(20), start_date=date(2026, 9, 20)),
        lambda: case.assign(occurred_at=sep(20), start_date=date(2026, 9, 20)),
        lambda: case.review_assistance(occurred_at=sep(20)),
    ):
        with pytest.raises(StepNotAllowedError):
            take()


def test_findings_are_derived_while_the_elimination_is_under_way_but_not_once_eliminated(case: CaseDriver) -> None:
    case.through("elimination_visit", skip=("plan",))  # no plan was ever made

    during = case.view(now=sep(2, 12))
    assert [f["rule"] for f in during["derived_findings"]] == ["assistance_plan_deadline"]

    after = case.through("eliminated", skip=(*_PATH_TO_PROPOSAL, "elimination_visit"))
    assert after["derived_findings"] == []


# --- the elimination deadline -------------------------------------------------------------------------------------


def test_the_elimination_is_due_thirty_days_after_the_proposal_and_met_by_the_announcement(case: CaseDriver) -> None:
    view = case.through("proposed")
    assert deadline(view, cv.DeadlineKind.ELIMINATION)["due_date"] == ELIMINATION_DUE
    assert deadline(view, cv.DeadlineKind.ELIMINATION)["met_on"] is None

    view = case.through("eliminated", skip=_PATH_TO_PROPOSAL)

    elimination = deadline(view, cv.DeadlineKind.ELIMINATION)
    assert (elimination["met_on"], elimination["met_in_time"], elimination["days_late"]) == (ELIMINATED_ON, True, 0)


def test_the_elimination_deadline_follows_the_pinned_policy() -> None:
    case = CaseDriver(Ledger(policies=PolicyVersions((national_policy(), seed_policy(elimination_days=45)))))

    view = case.through("proposed")

    assert deadline(view, cv.DeadlineKind.ELIMINATION)["due_date"] == PROPOSED_ON + timedelta(days=45)


@pytest.mark.parametrize(("offset", "missed"), [(timedelta(microseconds=-1), False), (timedelta(0), True)])
def test_the_elimination_deadline_is_missed_from_the_end_of_its_due_day(
    case: CaseDriver, offset: timedelta, missed: bool
) -> None:
    case.through("elimination_township_review")

    view = case.record_missed(cv.DeadlineKind.ELIMINATION, ELIMINATION_DUE, now=end_of_day(ELIMINATION_DUE) + offset)
    assert deadline(view, cv.DeadlineKind.ELIMINATION)["missed_recorded"] is missed
    case.record_missed(
        cv.DeadlineKind.ELIMINATION, ELIMINATION_DUE, now=end_of_day(ELIMINATION_DUE) + timedelta(days=2)
    )

    assert case.event_types().count("DeadlineMissed") == 1  # once, whenever the timer fires again


def test_a_late_announcement_meets_the_elimination_deadline_late(case: CaseDriver) -> None:
    case.through("elimination_township_review")
    case.record_missed(cv.DeadlineKind.ELIMINATION, ELIMINATION_DUE, now=at(2026, 10, 2, 9))

    decided = case.decide(occurred_at=at(2026, 10, 3))
    assert deadline(decided, cv.DeadlineKind.ELIMINATION)["met_on"] is None  # the county decision does not end it
    view = case.announce(occurred_at=at(2026, 10, 4))

    elimination = deadline(view, cv.DeadlineKind.ELIMINATION)
    assert (
        elimination["met_on"],
        elimination["met_in_time"],
        elimination["days_late"],
        elimination["missed_recorded"],
    ) == (
        date(2026, 10, 4),
        False,
        3,
        True,
    )


def test_a_decided_elimination_deadline_is_not_missed(case: CaseDriver) -> None:
    case.through("eliminated")

    case.record_missed(cv.DeadlineKind.ELIMINATION, ELIMINATION_DUE, now=end_of_day(ELIMINATION_DUE))

    assert "DeadlineMissed" not in case.event_types()


# --- look-back (回头看) -------------------------------------------------------------------------------------------


def test_the_look_back_is_due_six_months_after_the_elimination(case: CaseDriver) -> None:
    view = case.through("eliminated")

    look_back = deadline(view, cv.DeadlineKind.LOOK_BACK)
    assert (look_back["due_date"], look_back["met_on"], look_back["label"]) == (LOOK_BACK_DUE, None, "回头看时限")
    assert view["next_deadline"]["kind"] == "look_back"


def test_an_elimination_on_the_last_day_of_august_is_looked_back_at_by_the_end_of_february(case: CaseDriver) -> None:
    case.through("assisted")
    case.propose(occurred_at=midnight(ELIGIBLE_FROM))  # 08-23
    case.elimination_visit(occurred_at=at(2026, 8, 24))
    case.deliberate(occurred_at=at(2026, 8, 24))
    case.post_notice(occurred_at=at(2026, 8, 24), start_date=date(2026, 8, 24), end_date=date(2026, 8, 30))
    case.close_notice(occurred_at=at(2026, 8, 31, 0, 0))
    case.review(occurred_at=at(2026, 8, 31, 9))
    case.decide(occurred_at=at(2026, 8, 31, 11))

    view = case.announce(occurred_at=at(2026, 8, 31, 15))

    assert view["eliminated_on"] == date(2026, 8, 31)
    assert deadline(view, cv.DeadlineKind.LOOK_BACK)["due_date"] == date(2027, 2, 28)


@pytest.mark.parametrize(("offset", "missed"), [(timedelta(microseconds=-1), False), (timedelta(0), True)])
def test_the_look_back_deadline_is_missed_from_the_end_of_its_due_day(
    case: CaseDriver, offset: timedelta, missed: bool
) -> None:
    case.through("eliminated")

    view = case.record_missed(cv.DeadlineKind.LOOK_BACK, LOOK_BACK_DUE, now=end_of_day(LOOK_BACK_DUE) + offset)
    case.record_missed(cv.DeadlineKind.LOOK_BACK, LOOK_BACK_DUE, now=end_of_day(LOOK_BACK_DUE) + timedelta(days=5))

    assert case.event_types().count("DeadlineMissed") == 1
    assert deadline(view, cv.DeadlineKind.LOOK_BACK)["missed_recorded"] is missed


@pytest.mark.parametrize(
    ("looked_at", "in_time", "days_late"), [(at(2027, 3, 15, 23), True, 0), (at(2027, 3, 17), False, 2)]
)
def test_the_look_back_deadline_is_met_by_the_first_look_back(
    case: CaseDriver, looked_at: datetime, in_time: bool, days_late: int
) -> None:
    case.through("eliminated")

    view = case.look_back(occurred_at=looked_at, outcome=cv.LookBackOutcome.STABLE)
    case.look_back(occurred_at=looked_at + timedelta(days=30), outcome=cv.LookBackOutcome.STABLE)

    look_back = deadline(case.view(now=at(2027, 6, 1)), cv.DeadlineKind.LOOK_BACK)
    assert (look_back["met_on"], look_back["met_in_time"], look_back["days_late"]) == (
        looked_at.date(),
        in_time,
        days_late,
    )
    assert deadline(view, cv.DeadlineKind.LOOK_BACK)["overdue"] is False


def test_a_stable_look_back_keeps_the_household_eliminated(case: CaseDriver) -> None:
    case.through("eliminated")

    view = case.look_back(
        outcome=cv.LookBackOutcome.STABLE, evidence=" 收入稳定 ", per_capita_net_income=Decimal("9800")
    )

    assert (view["status"], view["stage"]) == ("eliminated", "eliminated")
    [look_back] = view["look_backs"]
    assert (look_back["outcome"], look_back["evidence"], look_back["per_capita_net_income"]) == (
        "stable",
        "收入稳定",
        Decimal("9800"),
    )
    assert allowed(view) == {"look-back": []}
    assert case.event_types()[-1] == "LookBackRecorded"


def test_an_unstable_look_back_opens_the_rollback_request(case: CaseDriver) -> None:
    case.through("eliminated")

    view = case.look_back(outcome=cv.LookBackOutcome.UNSTABLE)

    assert view["status"] == "eliminated"
    assert allowed(view) == {"look-back": [], "rollback-request": []}


def test_a_later_stable_look_back_closes_the_rollback_request_again(case: CaseDriver) -> None:
    case.through("unstable")

    view = case.look_back(outcome=cv.LookBackOutcome.STABLE, occurred_at=at(2027, 3, 11))

    assert "rollback-request" not in allowed(view)


@pytest.mark.parametrize(("looked_at", "accepted"), [(at(2026, 9, 15, 0, 0), True), (at(2026, 9, 14, 23, 59), False)])
def test_a_look_back_is_not_dated_before_the_elimination(case: CaseDriver, looked_at: datetime, accepted: bool) -> None:
    case.through("eliminated")  # 09-15

    if accepted:
        assert case.look_back(occurred_at=looked_at, outcome=cv.LookBackOutcome.STABLE)["look_backs"]
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.look_back(occurred_at=looked_at, outcome=cv.LookBackOutcome.STABLE)
        assert rule_of(excinfo) == ("occurred_at", "chronological_order")


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"evidence": " "}, ("evidence", "required")),
        ({"outcome": cv.LookBackOutcome.NEW_RISK, "new_risks": []}, ("new_risks", "risk_required")),
        ({"outcome": cv.LookBackOutcome.STABLE, "new_risks": [Risk.ACCIDENT]}, ("new_risks", "outcome")),
        ({"outcome": cv.LookBackOutcome.UNSTABLE, "new_risks": [Risk.ACCIDENT]}, ("new_risks", "outcome")),
        (
            {"outcome": cv.LookBackOutcome.NEW_RISK, "new_risks": [Risk.ACCIDENT, Risk.ACCIDENT]},
            ("new_risks", "unique"),
        ),
    ],
)
def test_a_look_back_records_its_evidence_and_new_risks_only_with_that_outcome(
    case: CaseDriver, changes: dict[str, Any], rule: tuple[str, str]
) -> None:
    case.through("eliminated")

    with pytest.raises(RuleViolationError) as excinfo:
        case.look_back(**changes)
    assert rule_of(excinfo) == rule


@pytest.mark.parametrize(
    ("actor", "rule"),
    [(COUNTY_APPROVER, "step_roles"), (INSPECTOR, "step_roles"), (OTHER_VILLAGE_CADRE, "jurisdiction")],
)
def test_the_look_back_is_made_by_the_village_or_township_of_the_case(
    case: CaseDriver, actor: Actor, rule: str
) -> None:
    case.through("eliminated")

    with pytest.raises(NotPermittedError) as excinfo:
        case.look_back(actor=actor)
    assert excinfo.value.rule == rule
    assert case.look_back(actor=TOWNSHIP_REVIEWER)["look_backs"][0]["actor"]["id"] == TOWNSHIP_REVIEWER.id


@pytest.mark.parametrize("point", ["visit", "proposed", "rolled_back"])
def test_a_look_back_needs_an_eliminated_household(case: CaseDriver, point: str) -> None:
    # Refused as a step out of order (HTTP 409), like every other step, whatever the case's state.
    case.through(point)

    with pytest.raises(StepNotAllowedError):
        case.look_back(occurred_at=at(2027, 3, 20))


# --- rollback (风险消除回退) ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("look_back", [None, cv.LookBackOutcome.STABLE])
def test_a_rollback_is_requested_only_after_an_unstable_look_back(
    case: CaseDriver, look_back: cv.LookBackOutcome | None
) -> None:
    case.through("eliminated")
    if look_back is not None:
        case.look_back(outcome=look_back)

    with pytest.raises(StepNotAllowedError) as excinfo:
        case.request_rollback()
    assert rule_of(excinfo) == ("step", "step_order")


def test_the_township_requests_a_rollback_in_writing(case: CaseDriver) -> None:
    case.through("unstable")

    view = case.request_rollback()

    assert (view["status"], view["stage"], view["status_label"]) == ("rollback_requested", "eliminated", "已申请回退")
    [rollback] = view["rollbacks"]
    request = rollback["request"]
    assert (request["reason"], request["evidence"], request["document_ref"]) == (
        "务工收入不稳定",
        "回头看记录",
        "玉坪乡〔2027〕3号",
    )
    assert rollback["decision"] is None
    assert allowed(view) == {"rollback-decision": []}


@pytest.mark.parametrize("field", ["reason", "evidence", "document_ref"])
def test_a_rollback_request_states_its_reason_evidence_and_document(case: CaseDriver, field: str) -> None:
    case.through("unstable")

    with pytest.raises(RuleViolationError) as excinfo:
        case.request_rollback(**{field: "  "})
    assert rule_of(excinfo) == (field, "written_request")


@pytest.mark.parametrize(
    ("actor", "rule"),
    [
        (VILLAGE_CADRE, "step_roles"),
        (COUNTY_APPROVER, "step_roles"),
        (INSPECTOR, "step_roles"),
        (OTHER_TOWNSHIP_REVIEWER, "jurisdiction"),
    ],
)
def test_only_the_township_of_the_case_requests_a_rollback(case: CaseDriver, actor: Actor, rule: str) -> None:
    case.through("unstable")

    with pytest.raises(NotPermittedError) as excinfo:
        case.request_rollback(actor=actor)
    assert excinfo.value.rule == rule


def test_an_approved_rollback_makes_the_household_monitored_with_its_original_category_and_date(
    case: CaseDriver,
) -> None:
    case.through("rollback_requested")

    view = case.decide_rollback(reason="同意回退")

    assert (view["status"], view["stage"], view["stage_label"]) == ("monitored", "monitored", "风险未消除")
    assert (view["category"], view["identified_on"]) == ("marginal_at_risk", IDENTIFIED_ON)
    assert view["eliminated_on"] is None
    assert view["elimination"] is None
    assert [a["outcome"] for a in view["elimination_history"]] == ["eliminated"]  # never overwritten
    [rollback] = view["rollbacks"]
    assert rollback["decision"]["reason"] == "同意回退"
    assert rollback["decision"]["actor"]["id"] == COUNTY_APPROVER.id
    assert "elimination-proposal" in allowed(view)
    assert deadline_kinds(view) == ["identification", "assistance_plan", "measures", "measures_from_clue"]
    assert case.event_types()[-1] == "EliminationRolledBack"


def test_a_refused_rollback_keeps_the_household_eliminated(case: CaseDriver) -> None:
    case.through("rollback_requested")

    view = case.decide_rollback(decision=cv.RollbackDecision.REJECT, reason="收入已恢复")

    assert (view["status"], view["eliminated_on"]) == ("eliminated", ELIMINATED_ON)
    assert view["rollbacks"][0]["decision"]["reason"] == "收入已恢复"
    assert view["national_status"]["status"] == "eliminated"
    assert case.event_types()[-1] == "RollbackRefused"


def test_a_refused_rollback_needs_a_reason(case: CaseDriver) -> None:
    case.through("rollback_requested")

    with pytest.raises(RuleViolationError) as excinfo:
        case.decide_rollback(decision=cv.RollbackDecision.REJECT, reason=" ")
    assert rule_of(excinfo) == ("reason", "required")


@pytest.mark.parametrize(
    ("actor", "rule"),
    [(TOWNSHIP_REVIEWER, "step_roles"), (VILLAGE_CADRE, "step_roles"), (OTHER_COUNTY_APPROVER, "jurisdiction")],
)
def test_only_the_county_of_the_case_decides_a_rollback(case: CaseDriver, actor: Actor, rule: str) -> None:
    case.through("rollback_requested")

    with pytest.raises(NotPermittedError) as excinfo:
        case.decide_rollback(actor=actor)
    assert excinfo.value.rule == rule


def test_a_rolled_back_household_can_be_eliminated_again(case: CaseDriver) -> None:
    case.through("rolled_back")  # 2027-03-15

    view = case.eliminate(at(2027, 3, 20))

    assert (view["status"], view["eliminated_on"]) == ("eliminated", date(2027, 4, 3))
    assert [a["outcome"] for a in view["elimination_history"]] == ["eliminated", "eliminated"]
    assert [a["proposed_on"] for a in view["elimination_history"]] == [PROPOSED_ON, date(2027, 3, 20)]
    assert deadline(view, cv.DeadlineKind.LOOK_BACK)["due_date"] == date(2027, 10, 3)
    assert (
        deadline(view, cv.DeadlineKind.LOOK_BACK)["met_on"] is None
    )  # the look-back before the rollback is not this one
    assert deadline(view, cv.DeadlineKind.ELIMINATION)["due_date"] == date(2027, 4, 19)


def test_a_second_elimination_needs_its_own_unstable_look_back_before_a_rollback(case: CaseDriver) -> None:
    # The unstable look-back of 2027-03-10 led to the first rollback; it says nothing about the household after the
    # second elimination, so a new rollback needs a new look-back (seed plan §二(三), domain.md §8).
    case.through("rolled_back")

    view = case.eliminate(at(2027, 3, 20))

    assert allowed(view) == {"look-back": []}
    with pytest.raises(StepNotAllowedError):
        case.request_rollback(occurred_at=at(2027, 4, 5))


def test_a_new_proposal_after_a_rollback_is_not_dated_before_it(case: CaseDriver) -> None:
    case.through("rolled_back")  # 2027-03-15

    with pytest.raises(RuleViolationError) as excinfo:
        case.propose(occurred_at=at(2027, 3, 14))
    assert rule_of(excinfo) == ("occurred_at", "chronological_order")


# --- the monitoring status the national system must hold ---------------------------------------------------------


def test_the_national_status_follows_each_change_with_the_version_that_made_it(case: CaseDriver) -> None:
    assert case.through("county_decision")["national_status"] is None  # still identifying

    def version_of(event_type: str) -> int:
        return [r["version"] for r in case.events() if r["type"] == event_type][-1]

    assert case.announce()["national_status"] == {"status": "monitored", "version": version_of("ResultAnnounced")}
    eliminated = case.through("eliminated", skip=_PATH_TO_PROPOSAL[:9])
    assert eliminated["national_status"] == {"status": "eliminated", "version": version_of("RiskEliminated")}
    requested = case.through("rollback_requested", skip=(*_PATH_TO_PROPOSAL, *_ELIMINATION))
    assert requested["national_status"] == {"status": "eliminated", "version": version_of("RiskEliminated")}
    rolled_back = case.decide_rollback()
    assert rolled_back["national_status"] == {"status": "rolled_back", "version": version_of("EliminationRolledBack")}
    again = case.eliminate(at(2027, 3, 20))
    assert again["national_status"] == {"status": "eliminated", "version": version_of("RiskEliminated")}
    assert again["national_status"]["version"] == again["version"]


def test_a_case_closed_during_identification_sends_nothing_to_the_national_system(case: CaseDriver) -> None:
    # It never reached the system: neither the refusal nor the household's data are sent.
    case.through("township_review")

    view = case.decide(decision=cv.CountyDecision.REJECT, category=None, reason="收入超标")

    assert view["national_status"] is None and view["national_transitions"] == []


def test_every_change_of_monitoring_status_is_a_national_transition_in_order(case: CaseDriver) -> None:
    case.through("rolled_back")
    view = case.eliminate(at(2027, 4, 1))
    statuses = [t["status"] for t in view["national_transitions"]]
    versions = [t["version"] for t in view["national_transitions"]]
    assert statuses == ["monitored", "eliminated", "rolled_back", "eliminated"] and versions == sorted(versions)
    assert view["national_status"] == view["national_transitions"][-1]


# --- re-entry (风险再标注) through the ledger ---------------------------------------------------------------------


def new_risk(case: CaseDriver, command_id: str = "look-back-new-risk", **kw: Any) -> dict[str, Any]:
    payload = {
        "occurred_at": at(2027, 3, 10),
        "outcome": cv.LookBackOutcome.NEW_RISK,
        "evidence": "户主意外受伤",
        "per_capita_net_income": Decimal("6800"),
        "unmet_guarantees": [],
        "new_risks": [Risk.ACCIDENT, Risk.ILLNESS],
    }
    actor = kw.pop("actor", VILLAGE_CADRE)
    return case.step(Step.LOOK_BACK, {**payload, **kw}, actor=actor, command_id=command_id, now=at(2027, 3, 10, 12))


def test_a_new_risk_found_by_a_look_back_opens_a_new_linked_case(case: CaseDriver, ledger: Ledger) -> None:
    case.through("eliminated")

    old = new_risk(case)

    expected_id = uuid5(REENTRY_NAMESPACE, f"{case.case_id}:look-back-new-risk")
    assert (old["status"], old["status_label"], old["new_case_id"]) == (
        "re_entered",
        "已重新纳入（新案件）",
        str(expected_id),
    )
    assert old["finished"] is True
    assert old["allowed_steps"] == []
    assert old["look_backs"][-1]["new_risks"] == ["accident", "illness"]

    new = ledger.cases.view(expected_id, at(2027, 3, 10, 12))
    assert new["previous_case_id"] == str(case.case_id)
    assert (new["status"], new["stage"]) == ("clue_reported", "identifying")
    keep = ("household_number", "household_head", "registered")
    assert {k: new["household"][k] for k in keep} == {k: old["household"][k] for k in keep}
    # the new case read the registry again, as of its own clue date
    assert new["household"]["registry_source"]["as_of"] == "2027-03-10"
    assert new["area"] == old["area"]
    assert new["reported_risks"] == ["accident", "illness"]
    assert (new["source"], new["clue_date"]) == ("cadre_screening", date(2027, 3, 10))
    assert new["opened_by"]["id"] == VILLAGE_CADRE.id
    assert new["category"] is None and new["identified_on"] is None
    assert deadline(new, cv.DeadlineKind.IDENTIFICATION)["due_date"] == date(2027, 3, 25)
    assert allowed(new) == {"household-visit": []}


def test_the_new_case_goes_through_the_full_identification(case: CaseDriver, ledger: Ledger) -> None:
    case.through("eliminated")
    new = CaseDriver(ledger, UUID(new_risk(case)["new_case_id"]))

    new.visit(occurred_at=at(2027, 3, 11), risks=[Risk.ACCIDENT])
    new.cross_check(occurred_at=at(2027, 3, 11))
    new.deliberate(occurred_at=at(2027, 3, 12))
    new.post_notice(occurred_at=at(2027, 3, 13), start_date=date(2027, 3, 13), end_date=date(2027, 3, 17))
    new.close_notice(occurred_at=at(2027, 3, 18))
    new.review(occurred_at=at(2027, 3, 19))
    new.decide(occurred_at=at(2027, 3, 20))
    view = new.announce(occurred_at=at(2027, 3, 21))

    assert (view["status"], view["identified_on"]) == ("monitored", date(2027, 3, 20))
    assert view["previous_case_id"] == str(case.case_id)
    assert case.view(now=at(2027, 3, 21))["status"] == "re_entered"


def test_re_entry_is_saved_with_the_look_back_or_not_at_all(case: CaseDriver, ledger: Ledger) -> None:
    case.through("eliminated")
    taken = uuid5(REENTRY_NAMESPACE, f"{case.case_id}:look-back-new-risk")
    CaseDriver(ledger, taken).open(household_number="HH-9999")
    before = case.events()

    with pytest.raises(RecordConflictError):
        new_risk(case)

    assert case.events() == before
    assert case.view(now=at(2027, 3, 10, 12))["status"] == "eliminated"
    assert ledger.cases.view(taken, at(2027, 3, 10, 12))["household"]["household_number"] == "HH-9999"


def test_repeating_the_look_back_command_creates_nothing_new(case: CaseDriver, ledger: Ledger) -> None:
    case.through("eliminated")
    first = new_risk(case)
    new_id = UUID(first["new_case_id"])
    old_events, new_events = case.events(), ledger.cases.event_records(new_id)

    again = new_risk(case)

    assert again["new_case_id"] == first["new_case_id"]
    assert again["version"] == first["version"]
    assert case.events() == old_events
    assert ledger.cases.event_records(new_id) == new_events


def test_a_different_look_back_command_after_re_entry_is_refused(case: CaseDriver) -> None:
    case.through("eliminated")
    new_risk(case)

    with pytest.raises(StepNotAllowedError):
        new_risk(case, command_id="another-look-back")


def test_the_township_may_record_the_new_risk(case: CaseDriver, ledger: Ledger) -> None:
    case.through("eliminated")

    old = new_risk(case, actor=TOWNSHIP_REVIEWER)

    assert (
        ledger.cases.view(UUID(old["new_case_id"]), at(2027, 3, 11))["opened_by"]["role"]
        == Role.TOWNSHIP_REVIEWER.value
    )


def test_a_look_back_without_a_new_risk_opens_no_case(case: CaseDriver) -> None:
    case.through("eliminated")

    view = case.look_back(outcome=cv.LookBackOutcome.UNSTABLE)

    assert view["new_case_id"] is None
    assert view["look_backs"][0]["new_case_id"] is None


# --- the whole life, stored and replayed ---------------------------------------------------------------------------


def test_a_stored_life_from_clue_to_second_elimination_replays_to_the_same_view(tmp_path: Path) -> None:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "cases.sqlite")}
    before = Ledger(env)
    case = CaseDriver(before)
    case.through("rolled_back")
    case.review_assistance(
        occurred_at=at(2027, 3, 16),
        findings=[{"kind": "not_effective", "found_on": date(2027, 3, 16), "description": "收入不稳"}],
    )
    case.add_measure(C.PUBLIC_WELFARE_JOB, occurred_at=at(2027, 3, 17), start_date=date(2027, 3, 17))
    case.change_measure("M3", funds=Decimal("2400.50"), occurred_at=at(2027, 3, 18))
    case.rectify("F1", ["M3"], occurred_at=at(2027, 3, 18))
    case.eliminate(at(2027, 3, 20))
    moment = at(2027, 5, 1)
    expected = case.view(now=moment)
    before.close()

    after = Ledger(env)

    assert after.cases.view(case.case_id, moment) == expected
    assert expected["status"] == "eliminated"
    assert expected["findings"][0]["rectified"]["measure_ids"] == ["M3"]
    assert expected["measures"][2]["funds"] == Decimal("2400.50")
    after.close()


def test_a_refused_rollback_needs_a_new_unstable_look_back_before_another_request(case: CaseDriver) -> None:
    case.through("rollback_requested")
    refused = case.decide_rollback(
        decision=cv.RollbackDecision.REJECT, reason="收入已恢复", occurred_at=at(2027, 3, 15)
    )
    assert refused["status"] == "eliminated"
    assert "rollback-request" not in allowed(refused)
    with pytest.raises(StepNotAllowedError):
        case.request_rollback(occurred_at=at(2027, 3, 16))
    again = case.look_back(outcome=cv.LookBackOutcome.UNSTABLE, occurred_at=at(2027, 4, 1), now=at(2027, 4, 1))
    assert "rollback-request" in allowed(again)


def test_assistance_deadlines_no_longer_apply_once_the_case_is_eliminated(case: CaseDriver) -> None:
    # Eliminated with its plan still unmade: the plan deadline closes instead of staying overdue for ever.
    case.through("eliminated", skip=("plan",))
    view = case.view(at(2027, 1, 1))
    plan = deadline(view, "assistance_plan")
    assert plan["met_on"] is None and plan["closed"] is True and plan["overdue"] is False
    assert view["next_deadline"]["kind"] == "look_back"
