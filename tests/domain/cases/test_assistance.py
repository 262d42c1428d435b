"""Assistance of a monitored household through the in-memory ledger (帮扶, domain.md §6; seed plan §二(二)): the
responsible person, the plan, the measures, their deadlines, the findings derived from the events, reviews and
rectifications."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.cases.values import CountyDecision, DeadlineKind, MeasureCategory, MeasureStatus
from domain.kernel.actors import Actor, Role
from domain.kernel.errors import NotPermittedError, RuleViolationError, StepNotAllowedError
from domain.kernel.policy import PolicyVersions
from domain.kernel.time import end_of_day
from domain.ledger import Ledger
from domain.registry.values import Guarantee, Risk
from tests.domain.support import (
    CLUE_DATE,
    COUNTY_APPROVER,
    IDENTIFIED_ON,
    INSPECTOR,
    MEASURES_DUE,
    MEASURES_FROM_CLUE_DUE,
    NOW,
    OTHER_INSPECTOR,
    OTHER_TOWNSHIP_REVIEWER,
    OTHER_VILLAGE_CADRE,
    PLAN_DUE,
    TOWNSHIP_REVIEWER,
    VILLAGE_CADRE,
    CaseDriver,
    allowed,
    deadline,
    deadline_kinds,
    derived_rules,
    feb,
    finding,
    mar,
    national_policy,
    seed_policy,
)

C = MeasureCategory


def rule_of(excinfo: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    return (excinfo.value.field, excinfo.value.rule)


# --- deadlines: plan within 10 days, measures within 15 days of identification and 25 days of the clue -------------


def test_the_assistance_deadlines_appear_once_the_household_is_identified(case: CaseDriver) -> None:
    assert deadline_kinds(case.through("township_review")) == ["identification"]

    view = case.decide()

    assert deadline_kinds(view) == ["identification", "assistance_plan", "measures", "measures_from_clue"]
    assert [deadline(view, kind)["due_date"] for kind in ("assistance_plan", "measures", "measures_from_clue")] == [
        PLAN_DUE,
        MEASURES_DUE,
        MEASURES_FROM_CLUE_DUE,
    ]


def test_the_plan_and_measures_deadlines_count_from_the_identification_date(case: CaseDriver) -> None:
    case.through("township_review")

    view = case.decide(occurred_at=feb(21))  # identified 02-21

    assert deadline(view, DeadlineKind.ASSISTANCE_PLAN)["due_date"] == date(2026, 3, 3)  # + 10 days
    assert deadline(view, DeadlineKind.MEASURES)["due_date"] == date(2026, 3, 8)  # + 15 days
    assert deadline(view, DeadlineKind.MEASURES_FROM_CLUE)["due_date"] == date(2026, 3, 7)  # clue 02-10 + 25 days


def test_the_assistance_deadlines_follow_the_pinned_policy() -> None:
    policies = PolicyVersions(
        (national_policy(), seed_policy(plan_days=7, measures_days=20, measures_from_clue_days=30))
    )
    case = CaseDriver(Ledger(policies=policies))

    view = case.through("monitored")

    assert deadline(view, DeadlineKind.ASSISTANCE_PLAN)["due_date"] == IDENTIFIED_ON + timedelta(days=7)
    assert deadline(view, DeadlineKind.MEASURES)["due_date"] == IDENTIFIED_ON + timedelta(days=20)
    assert deadline(view, DeadlineKind.MEASURES_FROM_CLUE)["due_date"] == CLUE_DATE + timedelta(days=30)


def test_the_assistance_deadlines_have_their_chinese_labels(case: CaseDriver) -> None:
    view = case.through("monitored")

    assert deadline(view, DeadlineKind.ASSISTANCE_PLAN)["label"] == "帮扶计划时限"
    assert deadline(view, DeadlineKind.MEASURES)["label"] == "帮扶措施时限"
    assert deadline(view, DeadlineKind.MEASURES_FROM_CLUE)["label"] == "帮扶措施时限（自发现线索）"


@pytest.mark.parametrize(
    ("made_at", "in_time", "days_late"), [(mar(5, 23, 59), True, 0), (mar(6, 0, 0), False, 1), (mar(9), False, 4)]
)
def test_the_plan_deadline_is_met_by_the_first_plan(
    case: CaseDriver, made_at: datetime, in_time: bool, days_late: int
) -> None:
    case.through("responsible_person")

    plan = deadline(case.plan(occurred_at=made_at), DeadlineKind.ASSISTANCE_PLAN)

    assert (plan["met_on"], plan["met_in_time"], plan["days_late"], plan["overdue"]) == (
        made_at.date(),
        in_time,
        days_late,
        False,
    )


def test_a_revised_plan_does_not_move_the_date_the_plan_was_made(case: CaseDriver) -> None:
    case.through("plan")  # 02-26

    view = case.plan(occurred_at=mar(20), summary="调整为公益岗位")

    assert deadline(view, DeadlineKind.ASSISTANCE_PLAN)["met_on"] == date(2026, 2, 26)
    assert view["plan"]["summary"] == "调整为公益岗位"


@pytest.mark.parametrize(
    ("implemented_at", "measures_late", "from_clue_late"),
    [
        (mar(7, 23), 0, 0),
        (mar(8, 9), 0, 1),  # the 25 days from the clue (03-07) passed, the 15 from identification (03-10) not
        (mar(10, 23), 0, 3),
        (mar(11, 0, 0), 1, 4),
    ],
)
def test_the_measures_deadlines_are_met_by_the_first_implemented_measure(
    case: CaseDriver, implemented_at: datetime, measures_late: int, from_clue_late: int
) -> None:
    case.through("monitored")
    case.add_measure(status=MeasureStatus.PLANNED, start_date=date(2026, 3, 15))

    planned_only = case.view(now=mar(1))
    assert deadline(planned_only, DeadlineKind.MEASURES)["met_on"] is None
    assert deadline(planned_only, DeadlineKind.MEASURES_FROM_CLUE)["met_on"] is None

    view = case.implement_measure("M1", occurred_at=implemented_at)

    for kind, late in ((DeadlineKind.MEASURES, measures_late), (DeadlineKind.MEASURES_FROM_CLUE, from_clue_late)):
        found = deadline(view, kind)
        assert (found["met_on"], found["days_late"], found["met_in_time"]) == (implemented_at.date(), late, late == 0)


def test_a_measure_added_as_implemented_meets_the_measures_deadlines_on_its_date(case: CaseDriver) -> None:
    case.through("monitored")

    view = case.add_measure(occurred_at=mar(2), start_date=date(2026, 3, 1))

    assert deadline(view, DeadlineKind.MEASURES)["met_on"] == date(2026, 3, 2)
    assert deadline(view, DeadlineKind.MEASURES_FROM_CLUE)["met_on"] == date(2026, 3, 2)


def test_a_later_measure_does_not_move_the_first_measure_date(case: CaseDriver) -> None:
    case.through("assisted")  # implemented 02-27

    view = case.add_measure(C.INDUSTRY, occurred_at=mar(20), start_date=date(2026, 3, 20))

    assert deadline(view, DeadlineKind.MEASURES)["met_on"] == date(2026, 2, 27)


MISSABLE = [
    (DeadlineKind.ASSISTANCE_PLAN, PLAN_DUE),
    (DeadlineKind.MEASURES, MEASURES_DUE),
    (DeadlineKind.MEASURES_FROM_CLUE, MEASURES_FROM_CLUE_DUE),
]


@pytest.mark.parametrize(("kind", "due"), MISSABLE)
@pytest.mark.parametrize(("offset", "missed"), [(timedelta(microseconds=-1), False), (timedelta(0), True)])
def test_an_assistance_deadline_is_missed_from_the_end_of_its_due_day(
    case: CaseDriver, kind: DeadlineKind, due: date, offset: timedelta, missed: bool
) -> None:
    case.through("monitored")

    view = case.record_missed(kind, due, now=end_of_day(due) + offset)

    assert ("DeadlineMissed" in case.event_types()) is missed
    assert deadline(view, kind)["missed_recorded"] is missed


@pytest.mark.parametrize(("kind", "due"), MISSABLE)
def test_an_assistance_deadline_is_recorded_missed_once_as_the_system(
    case: CaseDriver, kind: DeadlineKind, due: date
) -> None:
    case.through("monitored")

    case.record_missed(kind, due, now=end_of_day(due))
    case.record_missed(kind, due, now=end_of_day(due) + timedelta(days=3))

    [record] = [e for e in case.events() if e["type"] == "DeadlineMissed"]
    assert record["payload"] == {"kind": kind.value, "due_date": due}
    assert record["actor"]["role"] == "system"
    assert record["command_id"] == f"deadline:{kind.value}:{due.isoformat()}"


@pytest.mark.parametrize(("kind", "due"), MISSABLE)
def test_an_assistance_deadline_missed_for_another_due_date_is_ignored(
    case: CaseDriver, kind: DeadlineKind, due: date
) -> None:
    case.through("monitored")

    case.record_missed(kind, due - timedelta(days=1), now=end_of_day(due) + timedelta(days=3))

    assert "DeadlineMissed" not in case.event_types()


def test_a_met_assistance_deadline_is_not_missed(case: CaseDriver) -> None:
    case.through("assisted")

    for kind, due in MISSABLE:
        case.record_missed(kind, due, now=end_of_day(due) + timedelta(days=1))

    assert "DeadlineMissed" not in case.event_types()


def test_a_missed_plan_deadline_met_late_shows_the_days_late(case: CaseDriver) -> None:
    case.through("responsible_person")
    case.record_missed(DeadlineKind.ASSISTANCE_PLAN, PLAN_DUE, now=mar(6, 9))

    plan = deadline(case.plan(occurred_at=mar(8)), DeadlineKind.ASSISTANCE_PLAN)

    assert (plan["missed_recorded"], plan["met_in_time"], plan["days_late"], plan["overdue"]) == (True, False, 3, False)


def test_an_unmet_plan_deadline_is_overdue_in_the_view_from_the_end_of_its_day(case: CaseDriver) -> None:
    case.through("monitored")

    before = deadline(case.view(now=end_of_day(PLAN_DUE) - timedelta(microseconds=1)), DeadlineKind.ASSISTANCE_PLAN)
    after = deadline(case.view(now=end_of_day(PLAN_DUE)), DeadlineKind.ASSISTANCE_PLAN)

    assert (before["overdue"], before["days_late"]) == (False, 0)
    assert (after["overdue"], after["days_late"]) == (True, 1)


# --- 不及时, derived from the events -------------------------------------------------------------------------------


def not_timely(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["rule"]: f for f in view["derived_findings"] if f["kind"] == "not_timely"}


@pytest.mark.parametrize(("made_at", "late"), [(mar(5, 23, 59), False), (mar(6, 0, 0), True)])
def test_a_plan_made_late_is_not_timely(case: CaseDriver, made_at: datetime, late: bool) -> None:
    case.through("responsible_person")
    case.measures()

    view = case.plan(occurred_at=made_at)

    found = not_timely(view)
    assert ("assistance_plan_deadline" in found) is late
    if late:
        assert found["assistance_plan_deadline"]["evidence"] == {"due_date": "2026-03-05", "met_on": "2026-03-06"}
        assert found["assistance_plan_deadline"]["kind_label"] == "不及时"


def test_an_overdue_plan_is_not_timely_from_the_day_after_it_is_due(case: CaseDriver) -> None:
    case.through("assisted", skip=("plan",))

    assert not_timely(case.view(now=end_of_day(PLAN_DUE) - timedelta(microseconds=1))) == {}
    found = not_timely(case.view(now=end_of_day(PLAN_DUE)))
    assert list(found) == ["assistance_plan_deadline"]
    assert found["assistance_plan_deadline"]["evidence"] == {"due_date": "2026-03-05", "met_on": ""}


def test_missing_measures_are_not_timely_by_each_of_their_deadlines(case: CaseDriver) -> None:
    case.through("plan")

    assert not_timely(case.view(now=mar(7, 23))) == {}
    assert list(not_timely(case.view(now=mar(8)))) == ["measures_from_clue_deadline"]
    assert list(not_timely(case.view(now=mar(11)))) == ["measures_deadline", "measures_from_clue_deadline"]


def test_measures_implemented_late_stay_not_timely(case: CaseDriver) -> None:
    case.through("plan")
    case.add_measure(C.HEALTH, occurred_at=mar(12), start_date=date(2026, 3, 12), targets=[Risk.ILLNESS])

    found = not_timely(case.view(now=mar(20)))

    assert found["measures_deadline"]["evidence"] == {"due_date": "2026-03-10", "met_on": "2026-03-12"}
    assert found["measures_from_clue_deadline"]["evidence"] == {"due_date": "2026-03-07", "met_on": "2026-03-12"}


def test_assistance_in_time_is_timely(case: CaseDriver) -> None:
    assert case.through("assisted")["derived_findings"] == []
    assert case.view(now=datetime(2026, 6, 1, tzinfo=NOW.tzinfo))["derived_findings"] == []


# --- 不精准, derived from the events (domain.md §6) ---------------------------------------------------------------


def test_a_household_with_labour_needs_an_implemented_development_measure(case: CaseDriver) -> None:
    case.through("plan")  # labour_capable_members = 2, risk 因病
    assert derived_rules(case.add_measure(C.HEALTH, targets=[Risk.ILLNESS])) == ["development_measure_required"]

    assert derived_rules(case.add_measure(C.EMPLOYMENT, status=MeasureStatus.PLANNED)) == [
        "development_measure_required"
    ]
    view = case.implement_measure("M2", occurred_at=feb(28))

    assert view["derived_findings"] == []


@pytest.mark.parametrize("category", [C.INDUSTRY, C.EMPLOYMENT, C.PUBLIC_WELFARE_JOB, C.FINANCE])
def test_each_development_category_satisfies_a_household_with_labour(case: CaseDriver, category: C) -> None:
    case.through("plan")
    case.add_measure(C.HEALTH, targets=[Risk.ILLNESS])

    assert derived_rules(case.add_measure(category)) == []


def test_a_household_without_labour_needs_no_development_measure(case: CaseDriver) -> None:
    case.through("plan", labour_capable_members=0)

    view = case.add_measure(C.HEALTH, targets=[Risk.ILLNESS])

    assert view["derived_findings"] == []
    assert view["labour_capable_members"] == 0


def test_comprehensive_security_alone_is_not_precise_for_a_household_with_labour(case: CaseDriver) -> None:
    case.through("plan", risks=[Risk.DISABILITY])

    view = case.add_measure(C.COMPREHENSIVE_SECURITY, sub_item="低保")

    assert derived_rules(view) == ["development_measure_required", "comprehensive_security_alone"]
    assert {f["kind_label"] for f in view["derived_findings"]} == {"不精准"}
    assert derived_rules(case.add_measure(C.PUBLIC_WELFARE_JOB)) == []


@pytest.mark.parametrize(
    ("risk", "wrong", "right"),
    [
        (Risk.ILLNESS, C.COMPREHENSIVE_SECURITY, C.HEALTH),
        (Risk.ILLNESS, C.EDUCATION, C.SOCIAL_ASSISTANCE),
        (Risk.SCHOOLING, C.HEALTH, C.COMPULSORY_EDUCATION),
        (Risk.SCHOOLING, C.HEALTH, C.EDUCATION),
        (Risk.DISABILITY, C.HEALTH, C.COMPREHENSIVE_SECURITY),
        (Risk.HOUSING_SAFETY, C.INFRASTRUCTURE, C.HOUSING_SAFETY),
        (Risk.HOUSING_SAFETY, C.LIVING_CONDITIONS, C.RELOCATION),
        (Risk.WATER_SAFETY, C.INFRASTRUCTURE, C.DRINKING_WATER_SAFETY),
    ],
)
def test_each_recorded_risk_needs_a_matching_measure(case: CaseDriver, risk: Risk, wrong: C, right: C) -> None:
    case.through("plan", risks=[risk], labour_capable_members=0)

    wrong_view = case.add_measure(wrong)
    assert [(f["rule"], f["evidence"]["risk"]) for f in wrong_view["derived_findings"]] == [
        ("risk_without_measure", risk.value)
    ]
    assert case.add_measure(right)["derived_findings"] == []


def test_each_unmet_guarantee_needs_a_matching_measure(case: CaseDriver) -> None:
    case.through("plan", risks=[Risk.OTHER], unmet_guarantees=[Guarantee.MEDICAL], labour_capable_members=0)

    assert derived_rules(case.add_measure(C.INDUSTRY)) == ["guarantee_without_measure"]
    assert derived_rules(case.add_measure(C.SOCIAL_ASSISTANCE)) == []


def test_precision_is_not_derived_before_identification(case: CaseDriver) -> None:
    assert case.through("township_review")["derived_findings"] == []


def test_a_measure_ended_before_it_was_implemented_answers_no_risk(case: CaseDriver) -> None:
    case.through("plan", labour_capable_members=0)
    case.add_measure(C.HEALTH, status=MeasureStatus.PLANNED, start_date=date(2026, 3, 15))
    assert case.view()["derived_findings"] == []

    view = case.end_measure("M1", reason="改为其他措施")

    assert derived_rules(view) == []  # 03-01: measures are due by 03-10, so precision is not judged yet
    assert imprecise(case.view(now=mar(11))) == ["risk_without_measure"]


def imprecise(view: dict[str, Any]) -> list[str]:
    return [f["rule"] for f in view["derived_findings"] if f["kind"] == "not_precise"]


def test_precision_is_judged_once_measures_are_due_or_taken(case: CaseDriver) -> None:
    case.through("plan", labour_capable_members=0)  # identified 02-23: targeted measures due within 15 days, 03-10
    assert imprecise(case.view(now=mar(10, 23))) == []
    assert imprecise(case.view(now=mar(11))) == ["risk_without_measure"]
    # A measure taken before the deadline opens the judgement at once.
    case.add_measure(C.INDUSTRY)
    assert imprecise(case.view(now=mar(2))) == ["risk_without_measure"]


# --- the responsible person ---------------------------------------------------------------------------------------


def test_a_plan_needs_a_responsible_person_first(case: CaseDriver) -> None:
    view = case.through("monitored")
    assert "assistance-plan" not in allowed(view)

    with pytest.raises(StepNotAllowedError) as excinfo:
        case.plan()
    assert rule_of(excinfo) == ("step", "step_order")

    assert "assistance-plan" in allowed(case.assign())
    assert case.plan()["plan"]["summary"] == "医疗救助报销，安排外出务工"


def test_the_responsible_person_is_recorded_as_an_event(case: CaseDriver) -> None:
    case.through("monitored")

    view = case.assign(name=" 陈帮扶 ", unit=" 县农业农村局 ", phone=" 138-0000-0000 ")

    person = view["responsible_person"]
    assert (person["name"], person["unit"], person["phone"], person["start_date"]) == (
        "陈帮扶",
        "县农业农村局",
        "138-0000-0000",
        date(2026, 2, 25),
    )
    assert person["actor"]["id"] == TOWNSHIP_REVIEWER.id
    assert view["responsible_history"] == []
    assert case.event_types()[-1] == "ResponsiblePersonAssigned"


def test_a_new_responsible_person_ends_the_previous_one(case: CaseDriver) -> None:
    case.through("responsible_person")  # 陈帮扶 from 02-25

    view = case.assign(
        name="黄帮扶", start_date=date(2026, 4, 1), occurred_at=datetime(2026, 4, 1, 9, tzinfo=NOW.tzinfo)
    )

    assert view["responsible_person"]["name"] == "黄帮扶"
    [previous] = view["responsible_history"]
    assert (previous["name"], previous["start_date"], previous["end_date"]) == (
        "陈帮扶",
        date(2026, 2, 25),
        date(2026, 4, 1),
    )
    assert case.event_types().count("ResponsiblePersonAssigned") == 2


@pytest.mark.parametrize(("start_date", "accepted"), [(date(2026, 2, 25), True), (date(2026, 2, 24), False)])
def test_a_new_responsible_person_cannot_start_before_the_current_one(
    case: CaseDriver, start_date: date, accepted: bool
) -> None:
    case.through("responsible_person")  # from 02-25

    if accepted:
        assert case.assign(name="黄帮扶", start_date=start_date)["responsible_person"]["name"] == "黄帮扶"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.assign(name="黄帮扶", start_date=start_date)
        assert rule_of(excinfo) == ("start_date", "order")


@pytest.mark.parametrize(
    ("start_date", "accepted"),
    [
        (IDENTIFIED_ON, True),
        (IDENTIFIED_ON - timedelta(days=1), False),
        (date(2026, 3, 5), True),  # today
        (date(2026, 3, 6), False),
    ],
)
def test_the_assignment_starts_between_identification_and_today(
    case: CaseDriver, start_date: date, accepted: bool
) -> None:
    case.through("monitored")
    today = mar(5, 12)

    if accepted:
        assert case.assign(start_date=start_date, now=today)["responsible_person"]["start_date"] == start_date
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.assign(start_date=start_date, now=today)
        assert rule_of(excinfo) == ("start_date", "within_case")


@pytest.mark.parametrize("field", ["name", "unit"])
@pytest.mark.parametrize("value", ["", "   "])
def test_the_responsible_persons_name_and_unit_are_required(case: CaseDriver, field: str, value: str) -> None:
    case.through("monitored")

    with pytest.raises(RuleViolationError) as excinfo:
        case.assign(**{field: value})
    assert rule_of(excinfo) == (field, "required")


@pytest.mark.parametrize("phone", ["13800000000", "+86 138 0000 0000", "0833-1234567", "123456"])
def test_a_reachable_phone_number_is_accepted(case: CaseDriver, phone: str) -> None:
    case.through("monitored")

    assert case.assign(phone=phone)["responsible_person"]["phone"] == phone


@pytest.mark.parametrize("phone", ["", "   ", "12345", "电话13800000000", "138abc00000", "-13800000000", "1" * 21])
def test_an_unreachable_phone_number_is_refused(case: CaseDriver, phone: str) -> None:
    case.through("monitored")

    with pytest.raises(RuleViolationError) as excinfo:
        case.assign(phone=phone)
    assert rule_of(excinfo) == ("phone", "phone")


def test_the_responsible_person_is_named_only_once_the_household_is_monitored(case: CaseDriver) -> None:
    case.through("county_decision")  # approved, not yet announced

    with pytest.raises(StepNotAllowedError):
        case.assign()


EARLY_STEPS = {
    "responsible_person": lambda c: c.assign(),
    "plan": lambda c: c.plan(),
    "add_measure": lambda c: c.add_measure(),
    "change_measure": lambda c: c.change_measure("M1", funds=Decimal("1")),
    "implement_measure": lambda c: c.implement_measure("M1"),
    "end_measure": lambda c: c.end_measure("M1"),
    "review": lambda c: c.review_assistance(),
    "rectification": lambda c: c.rectify("F1", ["M1"]),
}


def not_refused_as_out_of_order(case: CaseDriver) -> dict[str, str]:
    """The assistance steps that are not refused with StepNotAllowedError, with what happened instead."""
    wrong: dict[str, str] = {}
    for name, take in EARLY_STEPS.items():
        try:
            take(case)
            wrong[name] = "accepted"
        except StepNotAllowedError:
            pass
        except Exception as error:  # the point is which error escapes
            wrong[name] = type(error).__name__
    return wrong


@pytest.mark.parametrize("point", ["open", "visit", "township_review"])
def test_an_assistance_step_before_identification_is_a_step_out_of_order(case: CaseDriver, point: str) -> None:
    # Like every other step taken too early: StepNotAllowedError (HTTP 409), not an internal error.
    case.through(point)

    assert not_refused_as_out_of_order(case) == {}


def test_an_assistance_step_on_a_case_closed_before_identification_is_a_step_out_of_order(case: CaseDriver) -> None:
    case.through("township_review")
    case.decide(decision=CountyDecision.REJECT, category=None, reason="收入超标")

    assert not_refused_as_out_of_order(case) == {}


def test_an_assignment_dated_before_identification_is_refused(case: CaseDriver) -> None:
    case.through("monitored")

    with pytest.raises(RuleViolationError) as excinfo:
        case.assign(occurred_at=feb(22, 23, 59))
    assert rule_of(excinfo) == ("occurred_at", "chronological_order")


@pytest.mark.parametrize(
    ("actor", "rule"),
    [(COUNTY_APPROVER, "step_roles"), (INSPECTOR, "step_roles"), (OTHER_TOWNSHIP_REVIEWER, "jurisdiction")],
)
def test_the_responsible_person_is_assigned_by_the_village_or_township_of_the_case(
    case: CaseDriver, actor: Actor, rule: str
) -> None:
    case.through("monitored")

    with pytest.raises(NotPermittedError) as excinfo:
        case.assign(actor=actor)
    assert excinfo.value.rule == rule
    assert case.assign(actor=VILLAGE_CADRE)["responsible_person"]["actor"]["id"] == VILLAGE_CADRE.id


# --- the plan -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"), [({"summary": "  "}, "summary"), ({"planned_categories": []}, "planned_categories")]
)
def test_a_plan_states_its_content_and_its_measures(case: CaseDriver, changes: dict[str, Any], field: str) -> None:
    case.through("responsible_person")

    with pytest.raises(RuleViolationError) as excinfo:
        case.plan(**changes)
    assert rule_of(excinfo) == (field, "required")


def test_a_plan_lists_each_planned_category_once(case: CaseDriver) -> None:
    case.through("responsible_person")

    view = case.plan(planned_categories=[C.INDUSTRY, C.HEALTH, C.INDUSTRY])

    assert view["plan"]["planned_categories"] == ["health", "industry"]


# --- measures -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", list(MeasureCategory))
def test_a_measure_of_each_of_the_fourteen_categories_is_recorded_with_its_label(
    case: CaseDriver, category: MeasureCategory
) -> None:
    case.through("monitored")

    [measure] = case.add_measure(
        category, sub_item=" 技能培训 ", responsible_unit=" 乡人社所 ", funds=Decimal("800.50")
    )["measures"]

    assert (measure["measure_id"], measure["category"], measure["sub_item"], measure["responsible_unit"]) == (
        "M1",
        category.value,
        "技能培训",
        "乡人社所",
    )
    assert (measure["funds"], measure["start_date"], measure["status"]) == (
        Decimal("800.50"),
        date(2026, 2, 27),
        "implemented",
    )
    assert (
        measure["category_label"]
        == {
            C.INDUSTRY: "产业帮扶",
            C.EMPLOYMENT: "就业帮扶",
            C.FINANCE: "金融帮扶",
            C.PUBLIC_WELFARE_JOB: "公益岗位帮扶",
            C.HEALTH: "健康帮扶",
            C.COMPULSORY_EDUCATION: "义务教育保障",
            C.EDUCATION: "教育帮扶",
            C.COMPREHENSIVE_SECURITY: "综合保障",
            C.HOUSING_SAFETY: "住房安全保障",
            C.DRINKING_WATER_SAFETY: "饮水安全保障",
            C.SOCIAL_ASSISTANCE: "社会帮扶",
            C.RELOCATION: "搬迁",
            C.LIVING_CONDITIONS: "生产生活条件改善",
            C.INFRASTRUCTURE: "基础设施建设",
        }[category]
    )


def test_measures_are_numbered_in_order(case: CaseDriver) -> None:
    case.through("monitored")
    case.add_measure(C.HEALTH)
    case.add_measure(C.INDUSTRY, status=MeasureStatus.PLANNED, start_date=date(2026, 4, 1))

    view = case.add_measure(C.FINANCE)

    assert [(m["measure_id"], m["category"]) for m in view["measures"]] == [
        ("M1", "health"),
        ("M2", "industry"),
        ("M3", "finance"),
    ]


@pytest.mark.parametrize(
    ("status", "label", "was_implemented"),
    [(MeasureStatus.PLANNED, "计划", False), (MeasureStatus.IMPLEMENTED, "已实施", True)],
)
def test_a_measure_is_added_as_planned_or_implemented(
    case: CaseDriver, status: MeasureStatus, label: str, was_implemented: bool
) -> None:
    case.through("monitored")

    [measure] = case.add_measure(status=status)["measures"]

    assert (measure["status"], measure["status_label"], measure["was_implemented"]) == (
        status.value,
        label,
        was_implemented,
    )
    assert measure["implemented_on"] == (date(2026, 2, 27) if was_implemented else None)


def test_a_measure_cannot_be_added_as_ended(case: CaseDriver) -> None:
    case.through("monitored")

    with pytest.raises(RuleViolationError) as excinfo:
        case.add_measure(status=MeasureStatus.ENDED)
    assert rule_of(excinfo) == ("status", "measure_status")


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"responsible_unit": " "}, ("responsible_unit", "required")),
        ({"funds": Decimal("-0.01")}, ("funds", "minimum")),
        ({"targets": [Risk.ILLNESS, Risk.ILLNESS]}, ("targets", "unique")),
    ],
)
def test_a_new_measure_names_its_unit_and_has_no_negative_funds(
    case: CaseDriver, changes: dict[str, Any], rule: tuple[str, str]
) -> None:
    case.through("monitored")

    with pytest.raises(RuleViolationError) as excinfo:
        case.add_measure(**changes)
    assert rule_of(excinfo) == rule


def test_a_measure_may_have_no_funds(case: CaseDriver) -> None:
    case.through("monitored")

    assert case.add_measure(funds=Decimal("0"))["measures"][0]["funds"] == Decimal("0")


@pytest.mark.parametrize(("start_date", "accepted"), [(date(2026, 2, 27), True), (date(2026, 2, 28), False)])
def test_an_implemented_measure_has_started(case: CaseDriver, start_date: date, accepted: bool) -> None:
    case.through("monitored")

    if accepted:
        assert case.add_measure(start_date=start_date, occurred_at=feb(27))["measures"][0]["status"] == "implemented"
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.add_measure(start_date=start_date, occurred_at=feb(27))
        assert rule_of(excinfo) == ("start_date", "implemented_has_started")


def test_a_planned_measure_may_start_later(case: CaseDriver) -> None:
    case.through("monitored")

    view = case.add_measure(status=MeasureStatus.PLANNED, start_date=date(2026, 6, 1))

    assert view["measures"][0]["start_date"] == date(2026, 6, 1)


def test_a_first_measure_can_only_be_added(case: CaseDriver) -> None:
    view = case.through("monitored")
    assert allowed(view)["measures"] == ["add"]

    with pytest.raises(StepNotAllowedError) as excinfo:
        case.implement_measure("M1")
    assert rule_of(excinfo) == ("action", "step_order")

    assert allowed(case.add_measure(status=MeasureStatus.PLANNED))["measures"] == ["add", "change", "implement", "end"]


def test_a_planned_measure_is_implemented_on_its_date(case: CaseDriver) -> None:
    case.through("monitored")
    case.add_measure(status=MeasureStatus.PLANNED, start_date=date(2026, 3, 1))

    [measure] = case.implement_measure("M1", occurred_at=mar(2))["measures"]

    assert (measure["status"], measure["was_implemented"], measure["implemented_on"]) == (
        "implemented",
        True,
        date(2026, 3, 2),
    )
    assert case.event_types()[-1] == "MeasureImplemented"


@pytest.mark.parametrize("ended_first", [False, True], ids=["implemented", "ended"])
def test_only_a_planned_measure_can_be_implemented(case: CaseDriver, ended_first: bool) -> None:
    case.through("monitored")
    case.add_measure(status=MeasureStatus.IMPLEMENTED)
    if ended_first:
        case.end_measure("M1")

    with pytest.raises(RuleViolationError) as excinfo:
        case.implement_measure("M1")
    assert rule_of(excinfo) == ("measure_id", "measure_status")


def test_a_measure_ends_with_its_reason(case: CaseDriver) -> None:
    case.through("assisted")

    [m1, _] = case.end_measure("M1", reason=" 医疗费用已报销 ", occurred_at=mar(20))["measures"]

    assert (m1["status"], m1["status_label"], m1["ended_reason"], m1["ended_on"]) == (
        "ended",
        "已结束",
        "医疗费用已报销",
        date(2026, 3, 20),
    )
    assert m1["was_implemented"] is True


@pytest.mark.parametrize("reason", ["", "  "])
def test_ending_a_measure_needs_a_reason(case: CaseDriver, reason: str) -> None:
    case.through("assisted")

    with pytest.raises(RuleViolationError) as excinfo:
        case.end_measure("M1", reason=reason)
    assert rule_of(excinfo) == ("reason", "required")


def test_a_measure_ends_once(case: CaseDriver) -> None:
    case.through("assisted")
    case.end_measure("M1")

    with pytest.raises(RuleViolationError) as excinfo:
        case.end_measure("M1")
    assert rule_of(excinfo) == ("measure_id", "measure_status")


def test_a_measure_is_re_planned_by_a_change(case: CaseDriver) -> None:
    case.through("assisted")

    view = case.change_measure("M2", funds=Decimal("3000"), sub_item=" 外出务工补贴 ", occurred_at=mar(3))

    m2 = view["measures"][1]
    assert (m2["funds"], m2["sub_item"], m2["changed_at"]) == (Decimal("3000"), "外出务工补贴", mar(3))
    assert case.events()[-1]["payload"] == {
        "measure_id": "M2",
        "changes": {"sub_item": "外出务工补贴", "funds": Decimal("3000")},
    }


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"funds": Decimal("1200")},
        {"sub_item": " 其他 "},
        {"responsible_unit": "乡卫生院", "start_date": date(2026, 2, 27)},
    ],
    ids=["nothing", "same_funds", "same_sub_item", "same_unit_and_start"],
)
def test_a_change_must_change_something(case: CaseDriver, changes: dict[str, Any]) -> None:
    case.through("assisted")

    with pytest.raises(RuleViolationError) as excinfo:
        case.change_measure("M1", **changes)
    assert rule_of(excinfo) == ("measure_id", "no_change")


def test_a_change_records_only_what_changes(case: CaseDriver) -> None:
    case.through("assisted")

    case.change_measure("M1", funds=Decimal("1200"), start_date=date(2026, 3, 1))

    assert case.events()[-1]["payload"]["changes"] == {"start_date": date(2026, 3, 1)}


def test_a_change_cannot_make_funds_negative(case: CaseDriver) -> None:
    case.through("assisted")

    with pytest.raises(RuleViolationError) as excinfo:
        case.change_measure("M1", funds=Decimal("-1"))
    assert rule_of(excinfo) == ("funds", "minimum")


def test_an_ended_measure_cannot_change(case: CaseDriver) -> None:
    case.through("assisted")
    case.end_measure("M1")

    with pytest.raises(RuleViolationError) as excinfo:
        case.change_measure("M1", funds=Decimal("10"))
    assert rule_of(excinfo) == ("measure_id", "measure_status")


@pytest.mark.parametrize("action", ["change", "implement", "end"])
def test_an_unknown_measure_is_refused(case: CaseDriver, action: str) -> None:
    case.through("assisted")
    take = {
        "change": lambda: case.change_measure("M9", funds=Decimal("1")),
        "implement": lambda: case.implement_measure("M9"),
        "end": lambda: case.end_measure("M9"),
    }[action]

    with pytest.raises(RuleViolationError) as excinfo:
        take()
    assert rule_of(excinfo) == ("measure_id", "exists")


def test_a_measure_dated_before_identification_is_refused(case: CaseDriver) -> None:
    case.through("monitored")

    with pytest.raises(RuleViolationError) as excinfo:
        case.add_measure(occurred_at=feb(22, 12), start_date=date(2026, 2, 20))
    assert rule_of(excinfo) == ("occurred_at", "chronological_order")


@pytest.mark.parametrize(
    ("actor", "rule"),
    [(COUNTY_APPROVER, "step_roles"), (INSPECTOR, "step_roles"), (OTHER_VILLAGE_CADRE, "jurisdiction")],
)
def test_measures_are_kept_by_the_village_and_township_of_the_case(case: CaseDriver, actor: Actor, rule: str) -> None:
    case.through("monitored")

    with pytest.raises(NotPermittedError) as excinfo:
        case.add_measure(actor=actor)
    assert excinfo.value.rule == rule
    assert case.add_measure(actor=TOWNSHIP_REVIEWER)["measures"][0]["actor"]["id"] == TOWNSHIP_REVIEWER.id


# --- reviews (帮扶核查) -------------------------------------------------------------------------------------------


def test_a_review_records_each_finding_with_its_date_and_reviewer(case: CaseDriver) -> None:
    case.through("assisted")

    view = case.review_assistance(
        [
            finding("not_timely", date(2026, 3, 8), "计划超期"),
            finding("not_precise", date(2026, 3, 9)),
            finding("not_comprehensive", date(2026, 3, 10), " 未覆盖饮水 "),
            finding("not_effective", date(2026, 3, 10), "收入未提高"),
        ]
    )

    assert [(f["finding_id"], f["kind"], f["kind_label"], f["found_on"]) for f in view["findings"]] == [
        ("F1", "not_timely", "不及时", date(2026, 3, 8)),
        ("F2", "not_precise", "不精准", date(2026, 3, 9)),
        ("F3", "not_comprehensive", "不全面", date(2026, 3, 10)),
        ("F4", "not_effective", "成效不明显", date(2026, 3, 10)),
    ]
    assert view["findings"][2]["description"] == "未覆盖饮水"
    assert {f["reviewer"]["id"] for f in view["findings"]} == {TOWNSHIP_REVIEWER.id}
    assert all(f["rectified"] is None for f in view["findings"])
    assert case.event_types()[-1] == "AssistanceReviewed"


def test_findings_of_later_reviews_are_numbered_on(case: CaseDriver) -> None:
    case.through("assisted")
    case.review_assistance([finding(), finding("not_effective")])

    view = case.review_assistance([finding("not_timely")], occurred_at=mar(11))

    assert [f["finding_id"] for f in view["findings"]] == ["F1", "F2", "F3"]


@pytest.mark.parametrize(
    ("found_on", "accepted"),
    [
        (IDENTIFIED_ON, True),
        (IDENTIFIED_ON - timedelta(days=1), False),
        (date(2026, 3, 10), True),  # the review's own date
        (date(2026, 3, 11), False),
    ],
)
def test_a_finding_is_found_between_identification_and_the_review(
    case: CaseDriver, found_on: date, accepted: bool
) -> None:
    case.through("assisted")

    if accepted:
        assert (
            case.review_assistance([finding(found_on=found_on)], occurred_at=mar(10))["findings"][0]["found_on"]
            == found_on
        )
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.review_assistance([finding(), finding(found_on=found_on)], occurred_at=mar(10))
        assert rule_of(excinfo) == ("findings.1.found_on", "within_case")
        assert "AssistanceReviewed" not in case.event_types()


def test_a_review_records_at_least_one_described_finding(case: CaseDriver) -> None:
    case.through("assisted")

    with pytest.raises(RuleViolationError) as excinfo:
        case.review_assistance([])
    assert rule_of(excinfo) == ("findings", "required")
    with pytest.raises(RuleViolationError) as excinfo:
        case.review_assistance([finding(description="  ")])
    assert rule_of(excinfo) == ("findings.0.description", "required")


@pytest.mark.parametrize("actor", [TOWNSHIP_REVIEWER, COUNTY_APPROVER, INSPECTOR])
def test_the_township_the_county_and_inspectors_of_the_area_review(case: CaseDriver, actor: Actor) -> None:
    case.through("assisted")

    view = case.review_assistance(actor=actor)

    assert view["findings"][0]["reviewer"]["id"] == actor.id


@pytest.mark.parametrize(
    ("actor", "rule"),
    [
        (VILLAGE_CADRE, "step_roles"),
        (OTHER_INSPECTOR, "jurisdiction"),
        (Actor(id="in-t", role=Role.INSPECTOR, area_code="990102102"), "jurisdiction"),
    ],
)
def test_the_village_and_inspectors_of_other_areas_do_not_review(case: CaseDriver, actor: Actor, rule: str) -> None:
    case.through("assisted")

    with pytest.raises(NotPermittedError) as excinfo:
        case.review_assistance(actor=actor)
    assert excinfo.value.rule == rule


def test_an_inspector_of_the_township_or_village_reviews_inside_it(case: CaseDriver) -> None:
    case.through("assisted")

    for code in ("990102101", "990102101001"):
        case.review_assistance(actor=Actor(id=f"in-{code}", role=Role.INSPECTOR, area_code=code))

    assert len(case.view()["findings"]) == 2


def test_a_review_is_possible_only_while_the_household_is_assisted(case: CaseDriver) -> None:
    case.through("county_decision")

    with pytest.raises(StepNotAllowedError):
        case.review_assistance(occurred_at=feb(24))


# --- rectification (整改) -----------------------------------------------------------------------------------------


def reviewed(case: CaseDriver, found_on: date = date(2026, 3, 10)) -> None:
    case.through("assisted")
    case.review_assistance([finding(found_on=found_on)], occurred_at=mar(10))


def test_a_finding_is_rectified_by_a_measure_added_since_it_was_found(case: CaseDriver) -> None:
    reviewed(case)
    case.add_measure(C.PUBLIC_WELFARE_JOB, occurred_at=mar(11), start_date=date(2026, 3, 11))

    view = case.rectify("F1", ["M3", "M3"], occurred_at=mar(12), description=" 新增公益岗位 ")

    rectified = view["findings"][0]["rectified"]
    assert (rectified["description"], rectified["measure_ids"], rectified["rectified_on"]) == (
        "新增公益岗位",
        ["M3"],
        date(2026, 3, 12),
    )
    assert "rectification" not in allowed(view)
    assert case.event_types()[-1] == "FindingRectified"


@pytest.mark.parametrize(("added_on", "accepted"), [(date(2026, 3, 10), True), (date(2026, 3, 9), False)])
def test_a_rectifying_measure_is_added_on_or_after_the_finding_date(
    case: CaseDriver, added_on: date, accepted: bool
) -> None:
    case.through("assisted")
    case.add_measure(
        C.INDUSTRY, occurred_at=datetime.combine(added_on, datetime.min.time(), tzinfo=NOW.tzinfo), start_date=added_on
    )
    case.review_assistance([finding(found_on=date(2026, 3, 10))], occurred_at=mar(10))

    if accepted:
        assert case.rectify("F1", ["M3"])["findings"][0]["rectified"] is not None
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.rectify("F1", ["M3"])
        assert rule_of(excinfo) == ("measure_ids", "rectification_measures")


@pytest.mark.parametrize(("changed_at", "accepted"), [(mar(10, 0, 0), True), (mar(9, 23, 59), False)])
def test_a_measure_changed_since_the_finding_rectifies_it(
    case: CaseDriver, changed_at: datetime, accepted: bool
) -> None:
    case.through("assisted")  # M1, M2 added 02-27
    case.change_measure("M1", funds=Decimal("5000"), occurred_at=changed_at)
    case.review_assistance([finding(found_on=date(2026, 3, 10))], occurred_at=mar(10))

    if accepted:
        assert case.rectify("F1", ["M1"])["findings"][0]["rectified"]["measure_ids"] == ["M1"]
    else:
        with pytest.raises(RuleViolationError) as excinfo:
            case.rectify("F1", ["M1"])
        assert rule_of(excinfo) == ("measure_ids", "rectification_measures")


def test_an_older_untouched_measure_does_not_rectify_a_finding(case: CaseDriver) -> None:
    reviewed(case)
    case.add_measure(C.PUBLIC_WELFARE_JOB, occurred_at=mar(11), start_date=date(2026, 3, 11))

    with pytest.raises(RuleViolationError) as excinfo:
        case.rectify("F1", ["M3", "M1"])
    assert rule_of(excinfo) == ("measure_ids", "rectification_measures")


def test_a_rectification_names_its_measures_and_describes_itself(case: CaseDriver) -> None:
    reviewed(case)
    case.add_measure(C.PUBLIC_WELFARE_JOB, occurred_at=mar(11), start_date=date(2026, 3, 11))

    with pytest.raises(RuleViolationError) as excinfo:
        case.rectify("F1", [])
    assert rule_of(excinfo) == ("measure_ids", "required")
    with pytest.raises(RuleViolationError) as excinfo:
        case.rectify("F1", ["M3"], description=" ")
    assert rule_of(excinfo) == ("description", "required")
    with pytest.raises(RuleViolationError) as excinfo:
        case.rectify("F1", ["M7"])
    assert rule_of(excinfo) == ("measure_id", "exists")


def test_only_an_open_finding_is_rectified_and_only_once(case: CaseDriver) -> None:
    case.through("assisted")
    case.review_assistance([finding(), finding("not_effective")], occurred_at=mar(10))
    case.add_measure(C.PUBLIC_WELFARE_JOB, occurred_at=mar(11), start_date=date(2026, 3, 11))
    case.rectify("F1", ["M3"])

    for finding_id in ("F1", "F9"):
        with pytest.raises(RuleViolationError) as excinfo:
            case.rectify(finding_id, ["M3"])
        assert rule_of(excinfo) == ("finding_id", "open_finding")

    view = case.rectify("F2", ["M3"])
    assert [f["rectified"] is not None for f in view["findings"]] == [True, True]


def test_a_rectification_needs_an_open_finding(case: CaseDriver) -> None:
    view = case.through("assisted")
    assert "rectification" not in allowed(view)

    with pytest.raises(StepNotAllowedError):
        case.rectify("F1", ["M1"])

    assert "rectification" in allowed(case.review_assistance())


def test_a_rectification_is_not_dated_before_its_finding(case: CaseDriver) -> None:
    case.through("assisted")
    case.add_measure(C.PUBLIC_WELFARE_JOB, occurred_at=mar(11), start_date=date(2026, 3, 11))
    case.review_assistance([finding(found_on=date(2026, 3, 11))], occurred_at=mar(11))

    with pytest.raises(RuleViolationError) as excinfo:
        case.rectify("F1", ["M3"], occurred_at=mar(10, 23))
    assert rule_of(excinfo) == ("occurred_at", "order")


@pytest.mark.parametrize(
    ("actor", "rule"),
    [(COUNTY_APPROVER, "step_roles"), (INSPECTOR, "step_roles"), (OTHER_VILLAGE_CADRE, "jurisdiction")],
)
def test_rectifications_are_made_by_the_village_and_township_of_the_case(
    case: CaseDriver, actor: Actor, rule: str
) -> None:
    reviewed(case)
    case.add_measure(C.PUBLIC_WELFARE_JOB, occurred_at=mar(11), start_date=date(2026, 3, 11))

    with pytest.raises(NotPermittedError) as excinfo:
        case.rectify(actor=actor)
    assert excinfo.value.rule == rule


# --- the assistance steps as stored events ------------------------------------------------------------------------


def test_the_assistance_events_are_stored_in_order_with_their_payloads(case: CaseDriver) -> None:
    case.through("assisted")
    case.change_measure("M1", funds=Decimal("1500"), occurred_at=mar(2))
    case.review_assistance(occurred_at=mar(10))
    case.add_measure(C.INDUSTRY, occurred_at=mar(11), start_date=date(2026, 3, 11))
    case.rectify("F1", ["M3"])

    records = case.events()[9:]

    assert [r["type"] for r in records] == [
        "ResponsiblePersonAssigned",
        "AssistancePlanMade",
        "MeasureAdded",
        "MeasureAdded",
        "MeasureChanged",
        "AssistanceReviewed",
        "MeasureAdded",
        "FindingRectified",
    ]
    assert records[2]["payload"] == {
        "measure_id": "M1",
        "category": "health",
        "sub_item": "其他",
        "start_date": date(2026, 2, 27),
        "responsible_unit": "乡卫生院",
        "funds": Decimal("1200"),
        "status": "implemented",
        "targets": ["illness"],
    }
    assert records[5]["payload"]["findings"] == [
        {"finding_id": "F1", "kind": "not_precise", "description": "措施与风险不匹配", "found_on": date(2026, 3, 10)}
    ]


def test_the_assistance_steps_are_offered_with_their_chinese_names(case: CaseDriver) -> None:
    view = case.through("assisted")

    assert {"responsible-person", "assistance-plan", "measures", "review"} <= set(allowed(view))
    assert [a["label"] for a in view["allowed_steps"] if a["step"] in ("responsible-person", "measures")] == [
        "确定帮扶责任人",
        "落实帮扶措施",
    ]
