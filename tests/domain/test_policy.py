"""The rules of domain/policy.py on their own: policy versions, dates and deadlines, roles and areas, step order,
category criteria."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.cases.rules.deadlines import (
    EARLIEST_CLUE_DATE,
    check_clue_date,
    check_step_time,
    elimination_due,
    identification_due,
    look_back_due,
    measures_due,
    measures_from_clue_due,
    notice_days,
    plan_due,
)
from domain.cases.rules.identification import (
    MAX_RISKS,
    PROCEDURES,
    HouseholdFacts,
    StepContext,
    allowed_steps,
    category_violation,
    eligible_categories,
    procedure_of,
)
from domain.cases.values import Category, Status
from domain.kernel.actors import Actor, Role
from domain.kernel.errors import NotPermittedError, RuleViolationError
from domain.kernel.permissions import check_actor_level, check_jurisdiction, check_may_open, check_may_take
from domain.kernel.policy import DEFAULT_POLICIES, Policy, PolicyRegistry
from domain.kernel.steps import Procedure, Step
from domain.kernel.time import SHANGHAI, add_months, end_of_day, local_date
from domain.registry.values import HouseholdType
from tests.domain.support import (
    COUNTY_APPROVER,
    INSPECTOR,
    OTHER_COUNTY_APPROVER,
    OTHER_INSPECTOR,
    OTHER_TOWNSHIP_REVIEWER,
    OTHER_VILLAGE_CADRE,
    RESETTLEMENT_SITE_CODE,
    TOWNSHIP_REVIEWER,
    VILLAGE_CADRE,
    VILLAGE_CODE,
    national_policy,
    seed_policy,
)

# --- the default policies -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("area_code", [VILLAGE_CODE, "990102101015", RESETTLEMENT_SITE_CODE])
def test_the_seed_township_is_governed_by_the_seed_plan_values(area_code: str) -> None:
    policy = PolicyRegistry().in_force(area_code, date(2026, 3, 1))

    assert policy.key == "seed-township@1"
    assert policy.monitoring_line == Decimal("7100")  # 以2023年监测范围指导线7100元为参考
    assert policy.identification_days == 15  # 确保15天内完成监测对象识别认定
    assert policy.notice_min_days == 5  # village notice ≥ 5 days (domain.md §4.2)


@pytest.mark.parametrize("area_code", ["990102102001", "990103101001", "110101001001"])
def test_outside_the_seed_township_the_national_floor_applies(area_code: str) -> None:
    policy = PolicyRegistry().in_force(area_code, date(2026, 3, 1))

    assert policy.key == "national@1"
    assert policy.monitoring_line == Decimal("6000")  # 1.5 × the ~4,000 yuan poverty standard
    assert policy.identification_days == 15
    assert policy.notice_min_days == 5


@pytest.mark.parametrize(("on", "key"), [(date(2022, 12, 31), "national@1"), (date(2023, 1, 1), "seed-township@1")])
def test_the_seed_policy_applies_from_its_effective_date(on: date, key: str) -> None:
    assert PolicyRegistry().in_force(VILLAGE_CODE, on).key == key


def test_every_clue_date_the_mechanism_accepts_has_a_default_policy() -> None:
    # The mechanism (and its ~6,000 yuan national reference line) dates from March 2020 (domain.md §1, §3), and
    # EARLIEST_CLUE_DATE accepts clues from then on, so the default registry must have a policy for those dates.
    policy = PolicyRegistry().in_force("990103101001", EARLIEST_CLUE_DATE)

    assert policy.monitoring_line == Decimal("6000")


def test_every_default_policy_names_its_source() -> None:
    assert all(p.source.strip() for p in DEFAULT_POLICIES)


# --- choosing the policy in force ---------------------------------------------------------------------------------


def test_the_most_specific_jurisdiction_wins_over_a_newer_national_policy() -> None:
    newer_national = national_policy(version=2, effective_from=date(2025, 1, 1), monitoring_line=Decimal("9000"))
    registry = PolicyRegistry((national_policy(), seed_policy(), newer_national))

    assert registry.in_force(VILLAGE_CODE, date(2026, 3, 1)).key == "seed-township@1"
    assert registry.in_force("990102102001", date(2026, 3, 1)).key == "national@2"


def test_a_village_jurisdiction_is_more_specific_than_its_township() -> None:
    village_only = seed_policy(version=9, jurisdiction=VILLAGE_CODE, monitoring_line=Decimal("7300"))
    registry = PolicyRegistry((national_policy(), seed_policy(), village_only))

    assert registry.in_force(VILLAGE_CODE, date(2026, 3, 1)).key == "seed-township@9"
    assert registry.in_force("990102101002", date(2026, 3, 1)).key == "seed-township@1"


@pytest.mark.parametrize(
    ("on", "key"),
    [
        (date(2023, 6, 1), "seed-township@1"),
        (date(2023, 12, 31), "seed-township@1"),
        (date(2024, 1, 1), "seed-township@2"),
        (date(2025, 1, 1), "seed-township@3"),
    ],
)
def test_the_latest_effective_date_wins_within_a_jurisdiction(on: date, key: str) -> None:
    registry = PolicyRegistry(
        (
            national_policy(),
            seed_policy(version=1, effective_from=date(2023, 1, 1)),
            seed_policy(version=2, effective_from=date(2024, 1, 1)),
            seed_policy(version=3, effective_from=date(2025, 1, 1)),
        )
    )

    assert registry.in_force(VILLAGE_CODE, on).key == key


def test_the_latest_effective_date_wins_over_a_higher_version() -> None:
    registry = PolicyRegistry(
        (
            national_policy(),
            seed_policy(version=5, effective_from=date(2024, 1, 1)),
            seed_policy(version=4, effective_from=date(2025, 1, 1)),
        )
    )

    assert registry.in_force(VILLAGE_CODE, date(2025, 6, 1)).key == "seed-township@4"


def test_the_highest_version_wins_on_the_same_effective_date() -> None:
    registry = PolicyRegistry((national_policy(), seed_policy(version=2), seed_policy(version=3), seed_policy()))

    assert registry.in_force(VILLAGE_CODE, date(2026, 3, 1)).key == "seed-township@3"


def test_no_policy_in_force_is_a_rule_violation_on_the_clue_date() -> None:
    registry = PolicyRegistry((seed_policy(),))

    with pytest.raises(RuleViolationError) as excinfo:
        registry.in_force("990103101001", date(2026, 3, 1))
    assert (excinfo.value.field, excinfo.value.rule) == ("clue_date", "policy_in_force")

    with pytest.raises(RuleViolationError) as excinfo:
        registry.in_force(VILLAGE_CODE, date(2022, 12, 31))
    assert excinfo.value.rule == "policy_in_force"


def test_a_registry_refuses_two_policies_with_the_same_key() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        PolicyRegistry((seed_policy(), seed_policy(monitoring_line=Decimal("8000"))))


def test_a_policy_survives_its_dictionary_form_unchanged() -> None:
    policy = seed_policy(version=2, monitoring_line=Decimal("7100.50"))

    assert Policy.from_dict(policy.as_dict()) == policy
    assert policy.as_dict()["key"] == "seed-township@2"


# The values issue #3 added, each with its source (seed plan §二(二), §三(二); domain.md §7).
ASSISTANCE_AND_ELIMINATION_DEFAULTS = {
    "plan_days": 10,  # 10天内制定帮扶计划
    "measures_days": 15,  # 15天内采取针对性帮扶措施
    "measures_from_clue_days": 25,  # 25天内落实针对性帮扶措施 (from the clue)
    "min_monitoring_months": 6,  # 原则上不得低于半年
    "elimination_notice_min_days": 7,  # Pingjiang's 7-day notice
    "min_elimination_verifiers": 2,  # a team of at least 2
    "elimination_days": 30,  # Dixian's default for the elimination procedure
    "look_back_months": 6,  # 稳定半年以上
}


@pytest.mark.parametrize("policy", DEFAULT_POLICIES, ids=lambda p: p.key)
def test_every_default_policy_has_the_assistance_and_elimination_defaults(policy: Policy) -> None:
    assert {k: getattr(policy, k) for k in ASSISTANCE_AND_ELIMINATION_DEFAULTS} == ASSISTANCE_AND_ELIMINATION_DEFAULTS


def test_a_policy_built_without_the_new_values_gets_the_defaults() -> None:
    assert {k: getattr(seed_policy(), k) for k in ASSISTANCE_AND_ELIMINATION_DEFAULTS} == (
        ASSISTANCE_AND_ELIMINATION_DEFAULTS
    )


def test_a_policy_recorded_before_the_new_values_reads_them_as_defaults() -> None:
    # A case opened before issue #3 carries a policy dictionary without the new fields in its CaseOpened event.
    recorded = {
        "policy_id": "seed-township",
        "version": 1,
        "jurisdiction": "990102101",
        "year": 2023,
        "effective_from": date(2023, 1, 1),
        "monitoring_line": "7100",
        "identification_days": 15,
        "notice_min_days": 5,
        "source": "seeds/township-screening-plan.txt",
        "key": "seed-township@1",
    }

    policy = Policy.from_dict(recorded)

    assert {k: getattr(policy, k) for k in ASSISTANCE_AND_ELIMINATION_DEFAULTS} == ASSISTANCE_AND_ELIMINATION_DEFAULTS
    assert (policy.key, policy.monitoring_line, policy.identification_days) == ("seed-township@1", Decimal("7100"), 15)
    assert policy.effective_from == date(2023, 1, 1)


def test_a_recorded_policy_keeps_its_own_new_values() -> None:
    recorded = seed_policy().as_dict() | {"plan_days": "12", "elimination_notice_min_days": 9, "look_back_months": 3}

    policy = Policy.from_dict(recorded)

    assert (policy.plan_days, policy.elimination_notice_min_days, policy.look_back_months) == (12, 9, 3)
    assert policy.measures_days == 15


def test_a_policy_with_every_value_changed_survives_its_dictionary_form() -> None:
    policy = seed_policy(
        version=7,
        monitoring_line=Decimal("8050.5"),
        plan_days=11,
        measures_days=16,
        measures_from_clue_days=26,
        min_monitoring_months=7,
        elimination_notice_min_days=8,
        min_elimination_verifiers=3,
        elimination_days=31,
        look_back_months=5,
    )

    data = policy.as_dict()

    assert Policy.from_dict(data) == policy
    assert data["key"] == "seed-township@7"
    assert set(data) == {f.name for f in fields(Policy)} | {"key"}


@pytest.mark.parametrize(("procedure", "days"), [(Procedure.IDENTIFICATION, 5), (Procedure.ELIMINATION, 7)])
def test_each_procedure_has_its_own_notice_length(procedure: Procedure, days: int) -> None:
    assert seed_policy().notice_days_for(procedure) == days
    assert seed_policy(notice_min_days=6, elimination_notice_min_days=10).notice_days_for(procedure) == days + (
        1 if procedure is Procedure.IDENTIFICATION else 3
    )


# --- dates and deadlines ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "due"), [(15, date(2026, 2, 25)), (20, date(2026, 3, 2)), (10, date(2026, 2, 20))])
def test_identification_is_due_the_clue_date_plus_the_policy_days(days: int, due: date) -> None:
    assert identification_due(date(2026, 2, 10), seed_policy(identification_days=days)) == due


@pytest.mark.parametrize(
    ("due", "changes", "start", "expected"),
    [
        (plan_due, {}, date(2026, 2, 23), date(2026, 3, 5)),  # 10 days (2026 is not a leap year)
        (plan_due, {"plan_days": 7}, date(2026, 2, 23), date(2026, 3, 2)),
        (measures_due, {}, date(2026, 2, 23), date(2026, 3, 10)),  # 15 days
        (measures_due, {"measures_days": 30}, date(2026, 2, 23), date(2026, 3, 25)),
        (measures_from_clue_due, {}, date(2026, 2, 10), date(2026, 3, 7)),  # 25 days from the clue
        (measures_from_clue_due, {"measures_from_clue_days": 20}, date(2026, 2, 10), date(2026, 3, 2)),
        (elimination_due, {}, date(2026, 9, 1), date(2026, 10, 1)),  # 30 days from the proposal
        (elimination_due, {"elimination_days": 45}, date(2026, 9, 1), date(2026, 10, 16)),
        (look_back_due, {}, date(2026, 9, 15), date(2027, 3, 15)),  # 6 months after elimination
        (look_back_due, {}, date(2026, 8, 31), date(2027, 2, 28)),
        (look_back_due, {}, date(2023, 8, 31), date(2024, 2, 29)),
        (look_back_due, {"look_back_months": 12}, date(2026, 9, 15), date(2027, 9, 15)),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_each_assistance_and_elimination_deadline_follows_its_policy_value(
    due: Callable[[date, Policy], date], changes: dict[str, int], start: date, expected: date
) -> None:
    assert due(start, seed_policy(**changes)) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 2, 23), 6, date(2026, 8, 23)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # the month's last day when it has fewer days
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # a leap year
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 7, 31), 6, date(2027, 1, 31)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # across the year end
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 6, 30), 18, date(2027, 12, 30)),
        (date(2026, 5, 17), 0, date(2026, 5, 17)),
    ],
)
def test_adding_months_keeps_the_day_or_takes_the_last_day_of_a_shorter_month(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def test_a_deadline_ends_at_midnight_after_its_day_in_shanghai() -> None:
    end = end_of_day(date(2026, 2, 25))

    assert end == datetime(2026, 2, 26, 0, 0, tzinfo=SHANGHAI)
    assert end == datetime(2026, 2, 25, 16, 0, tzinfo=UTC)
    assert local_date(end - timedelta(microseconds=1)) == date(2026, 2, 25)
    assert local_date(end) == date(2026, 2, 26)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 2, 10, 15, 59, 59, tzinfo=UTC), date(2026, 2, 10)),
        (datetime(2026, 2, 10, 16, 0, tzinfo=UTC), date(2026, 2, 11)),
        (datetime(2026, 2, 11, 0, 0, tzinfo=SHANGHAI), date(2026, 2, 11)),
    ],
)
def test_a_moment_falls_on_its_calendar_day_in_shanghai(moment: datetime, day: date) -> None:
    assert local_date(moment) == day


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2026, 3, 1), date(2026, 3, 5), 5),  # 公示期 3月1日至3月5日 is 5 days
        (date(2026, 3, 1), date(2026, 3, 4), 4),
        (date(2026, 3, 1), date(2026, 3, 1), 1),
        (date(2026, 2, 27), date(2026, 3, 3), 5),
    ],
)
def test_a_notice_counts_both_its_first_and_last_day(start: date, end: date, days: int) -> None:
    assert notice_days(start, end) == days


@pytest.mark.parametrize("clue_date", [date(2026, 3, 1), date(2020, 3, 1), date(2023, 7, 15)])
def test_a_clue_from_the_mechanism_start_to_today_is_accepted(clue_date: date) -> None:
    check_clue_date(clue_date, today=date(2026, 3, 1))


@pytest.mark.parametrize(
    ("clue_date", "rule"),
    [(date(2026, 3, 2), "not_in_future"), (date(2020, 2, 29), "after_mechanism_start")],
)
def test_a_clue_after_today_or_before_the_mechanism_is_refused(clue_date: date, rule: str) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        check_clue_date(clue_date, today=date(2026, 3, 1))
    assert (excinfo.value.field, excinfo.value.rule) == ("clue_date", rule)


NOW = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "occurred_at",
    [NOW, NOW + timedelta(minutes=5), datetime(2026, 2, 20, 0, 0, tzinfo=SHANGHAI)],
)
def test_a_step_from_its_lower_bound_to_five_minutes_ahead_is_accepted(occurred_at: datetime) -> None:
    check_step_time(occurred_at, not_before=date(2026, 2, 20), now=NOW)


def test_a_step_more_than_five_minutes_in_the_future_is_refused() -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        check_step_time(NOW + timedelta(minutes=5, microseconds=1), not_before=date(2026, 2, 20), now=NOW)
    assert (excinfo.value.field, excinfo.value.rule) == ("occurred_at", "not_in_future")


@pytest.mark.parametrize(
    "occurred_at",
    [
        datetime(2026, 2, 19, 23, 59, 59, tzinfo=SHANGHAI),
        datetime(2026, 2, 19, 15, 59, tzinfo=UTC),  # 23:59 in Shanghai
    ],
)
def test_a_step_dated_the_day_before_its_lower_bound_is_refused(occurred_at: datetime) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        check_step_time(occurred_at, not_before=date(2026, 2, 20), now=NOW)
    assert (excinfo.value.field, excinfo.value.rule) == ("occurred_at", "chronological_order")


def test_the_lower_bound_is_compared_in_shanghai_time() -> None:
    # 16:00 UTC on the 19th is midnight on the 20th in Shanghai.
    check_step_time(datetime(2026, 2, 19, 16, 0, tzinfo=UTC), not_before=date(2026, 2, 20), now=NOW)


# --- who may act --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "area_code"),
    [
        (Role.VILLAGE_CADRE, VILLAGE_CODE),
        (Role.TOWNSHIP_REVIEWER, "990102101"),
        (Role.COUNTY_APPROVER, "990102"),
        (Role.INSPECTOR, "990102"),  # no level: the inspector is refused by step roles, not by level
    ],
)
def test_a_role_with_a_code_of_its_level_passes_the_level_check(role: Role, area_code: str) -> None:
    check_actor_level(Actor(id="a", role=role, area_code=area_code))


@pytest.mark.parametrize(
    ("role", "area_code"),
    [
        (Role.VILLAGE_CADRE, "990102101"),
        (Role.VILLAGE_CADRE, "990102"),
        (Role.VILLAGE_CADRE, "99010210100A"),
        (Role.TOWNSHIP_REVIEWER, VILLAGE_CODE),
        (Role.TOWNSHIP_REVIEWER, "990102"),
        (Role.COUNTY_APPROVER, "990102101"),
        (Role.COUNTY_APPROVER, VILLAGE_CODE),
        (Role.COUNTY_APPROVER, ""),
    ],
)
def test_a_role_whose_area_code_has_the_wrong_level_is_refused(role: Role, area_code: str) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_actor_level(Actor(id="a", role=role, area_code=area_code))
    assert (excinfo.value.field, excinfo.value.rule) == ("area_code", "role_area_level")


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, TOWNSHIP_REVIEWER, COUNTY_APPROVER, INSPECTOR])
def test_each_level_acts_on_a_village_inside_its_area(actor: Actor) -> None:
    check_jurisdiction(actor, VILLAGE_CODE)


@pytest.mark.parametrize("area_code", ["990102", "990102101", VILLAGE_CODE])
def test_an_inspector_of_any_level_acts_inside_their_own_area(area_code: str) -> None:
    # 督导组 work at county, township or village level (seed plan §四(二)): any valid code of the tree, by prefix.
    check_jurisdiction(Actor(id="in", role=Role.INSPECTOR, area_code=area_code), VILLAGE_CODE)


@pytest.mark.parametrize("area_code", ["990103", "990102102", "990102101002", "", "99010", "99010210100A"])
def test_an_inspector_outside_their_area_or_with_a_malformed_code_is_refused(area_code: str) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_jurisdiction(Actor(id="in", role=Role.INSPECTOR, area_code=area_code), VILLAGE_CODE)
    assert (excinfo.value.field, excinfo.value.rule) == ("area_code", "jurisdiction")


@pytest.mark.parametrize(
    "actor", [OTHER_VILLAGE_CADRE, OTHER_TOWNSHIP_REVIEWER, OTHER_COUNTY_APPROVER, OTHER_INSPECTOR]
)
def test_an_actor_outside_the_village_area_is_refused(actor: Actor) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_jurisdiction(actor, VILLAGE_CODE)
    assert (excinfo.value.field, excinfo.value.rule) == ("area_code", "jurisdiction")


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, TOWNSHIP_REVIEWER, COUNTY_APPROVER])
def test_village_township_and_county_may_record_a_clue(actor: Actor) -> None:
    check_may_open(actor, VILLAGE_CODE)


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.SYSTEM])
def test_inspectors_and_the_system_may_not_record_a_clue(role: Role) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_may_open(Actor(id="x", role=role, area_code="990102"), VILLAGE_CODE)
    assert (excinfo.value.field, excinfo.value.rule) == ("role", "open_roles")


# Who takes each step (domain.md §4.2 "Actor" column): V = village cadre, T = township reviewer, C = county approver.
EXPECTED_STEP_ROLES: dict[Step, set[Role]] = {
    Step.HOUSEHOLD_VISIT: {Role.VILLAGE_CADRE, Role.RESIDENT_CADRE},  # 驻村干部 visit too (seed §三(一))
    Step.CROSS_CHECK: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER},
    Step.VILLAGE_DELIBERATION: {Role.VILLAGE_CADRE},
    Step.PUBLIC_NOTICE: {Role.VILLAGE_CADRE},
    Step.TOWNSHIP_REVIEW: {Role.TOWNSHIP_REVIEWER},
    Step.COUNTY_DECISION: {Role.COUNTY_APPROVER},
    Step.ANNOUNCEMENT: {Role.TOWNSHIP_REVIEWER},
    # Assistance (seed plan §三(二), domain.md §6): the township assigns the responsible person; village and township
    # keep the plan, the measures and the rectifications; township, county and inspectors (督导组) review.
    Step.RESPONSIBLE_PERSON: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER},
    # The 帮扶责任人 keeps plan, measures and rectifications of their own households; 驻村干部 record measures.
    Step.ASSISTANCE_PLAN: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESPONSIBLE_PERSON},
    Step.MEASURES: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESIDENT_CADRE, Role.RESPONSIBLE_PERSON},
    Step.REVIEW: {Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.INSPECTOR},
    Step.RECTIFICATION: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESPONSIBLE_PERSON},
    # Elimination (domain.md §7 Pingjiang steps 1–2): the village proposes, township and village cadres verify.
    Step.ELIMINATION_PROPOSAL: {Role.VILLAGE_CADRE},
    Step.ELIMINATION_VISIT: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESIDENT_CADRE},
    # 回头看 by village and township; rollback requested in writing by the township, executed by the county (§8).
    Step.LOOK_BACK: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESIDENT_CADRE},
    Step.ROLLBACK_REQUEST: {Role.TOWNSHIP_REVIEWER},
    Step.ROLLBACK_DECISION: {Role.COUNTY_APPROVER},
}
ACTOR_OF_ROLE = {
    Role.VILLAGE_CADRE: VILLAGE_CADRE,
    Role.TOWNSHIP_REVIEWER: TOWNSHIP_REVIEWER,
    Role.COUNTY_APPROVER: COUNTY_APPROVER,
    Role.INSPECTOR: INSPECTOR,
    Role.RESIDENT_CADRE: Actor(id="rc-1", role=Role.RESIDENT_CADRE, area_code=VILLAGE_CODE),
    Role.RESPONSIBLE_PERSON: Actor(id="rp-1", role=Role.RESPONSIBLE_PERSON, area_code="990102101"),
    Role.OPS: Actor(id="ops-1", role=Role.OPS, area_code="990102"),
    Role.ADMIN: Actor(id="admin-1", role=Role.ADMIN, area_code="990102"),
    Role.SYSTEM: Actor(id="system", role=Role.SYSTEM, area_code=""),
}


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("role", list(Role))
def test_each_step_is_taken_only_by_its_roles(step: Step, role: Role) -> None:
    actor = ACTOR_OF_ROLE[role]
    if role in EXPECTED_STEP_ROLES[step]:
        check_may_take(actor, step, VILLAGE_CODE)
    else:
        with pytest.raises(NotPermittedError) as excinfo:
            check_may_take(actor, step, VILLAGE_CODE)
        assert (excinfo.value.field, excinfo.value.rule) == ("role", "step_roles")


def test_a_permitted_role_still_needs_the_jurisdiction() -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_may_take(OTHER_VILLAGE_CADRE, Step.HOUSEHOLD_VISIT, VILLAGE_CODE)
    assert excinfo.value.rule == "jurisdiction"


# --- which step may follow which ----------------------------------------------------------------------------------


def _allowed(status: Status, ctx: StepContext) -> dict[str, tuple[str, ...]]:
    return {a.step.value: a.actions for a in allowed_steps(status, ctx)}


CROSS_CHECKED = StepContext(cross_checked=True)
NOT_CROSS_CHECKED = StepContext()
# What a monitored case with nothing recorded yet may do: name its responsible person, add a first measure, be
# reviewed, or be proposed for elimination.
ASSISTANCE_START: dict[str, tuple[str, ...]] = {"responsible-person": (), "measures": ("add",), "review": ()}


@pytest.mark.parametrize(
    ("status", "ctx", "expected"),
    [
        (Status.CLUE_REPORTED, NOT_CROSS_CHECKED, {"household-visit": ()}),
        (Status.VISIT_VERIFIED, NOT_CROSS_CHECKED, {"village-deliberation": (), "cross-check": ()}),
        (Status.DELIBERATED, NOT_CROSS_CHECKED, {"public-notice": ("post",), "cross-check": ()}),
        (Status.NOTICE_POSTED, NOT_CROSS_CHECKED, {"public-notice": ("objection", "close"), "cross-check": ()}),
        (Status.NOTICE_OBJECTED, NOT_CROSS_CHECKED, {"public-notice": ("close",), "cross-check": ()}),
        (Status.NOTICE_CLOSED, NOT_CROSS_CHECKED, {"cross-check": ()}),
        (Status.NOTICE_CLOSED, CROSS_CHECKED, {"township-review": (), "cross-check": ()}),
        (Status.TOWNSHIP_PASSED, CROSS_CHECKED, {"county-decision": ()}),
        (Status.COUNTY_APPROVED, CROSS_CHECKED, {"announcement": ()}),
        (Status.MONITORED, CROSS_CHECKED, {**ASSISTANCE_START, "elimination-proposal": ()}),
        (Status.CLOSED_NOT_APPLIED, NOT_CROSS_CHECKED, {}),
        (Status.CLOSED_REJECTED, CROSS_CHECKED, {}),
    ],
)
def test_the_allowed_steps_follow_the_identification_procedure(
    status: Status, ctx: StepContext, expected: dict[str, tuple[str, ...]]
) -> None:
    assert _allowed(status, ctx) == expected


@pytest.mark.parametrize(
    "status",
    [Status.CLUE_REPORTED, Status.VISIT_VERIFIED, Status.NOTICE_CLOSED, Status.TOWNSHIP_PASSED, Status.COUNTY_APPROVED],
)
def test_no_assistance_step_is_open_before_the_household_is_monitored(status: Status) -> None:
    everything = StepContext(cross_checked=True, has_responsible_person=True, has_measures=True, has_open_findings=True)

    assert set(_allowed(status, everything)).isdisjoint(
        {"responsible-person", "assistance-plan", "measures", "review", "rectification", "elimination-proposal"}
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.ELIMINATION_PROPOSED, {"elimination-visit": ()}),
        (Status.ELIMINATION_VERIFIED, {"village-deliberation": ()}),
        (Status.ELIMINATION_DELIBERATED, {"public-notice": ("post",)}),
        (Status.ELIMINATION_NOTICE_POSTED, {"public-notice": ("objection", "close")}),
        (Status.ELIMINATION_NOTICE_OBJECTED, {"public-notice": ("close",)}),
        # No cross-check in elimination: the township reviews a closed notice directly.
        (Status.ELIMINATION_NOTICE_CLOSED, {"township-review": ()}),
        (Status.ELIMINATION_TOWNSHIP_PASSED, {"county-decision": ()}),
        (Status.ELIMINATION_COUNTY_APPROVED, {"announcement": ()}),
    ],
)
def test_the_elimination_procedure_mirrors_identification_while_assistance_goes_on(
    status: Status, expected: dict[str, tuple[str, ...]]
) -> None:
    assert _allowed(status, NOT_CROSS_CHECKED) == {**expected, **ASSISTANCE_START}


@pytest.mark.parametrize(
    ("status", "ctx", "expected"),
    [
        (Status.ELIMINATED, StepContext(), {"look-back": ()}),
        (Status.ELIMINATED, StepContext(last_look_back_unstable=True), {"look-back": (), "rollback-request": ()}),
        (Status.ROLLBACK_REQUESTED, StepContext(last_look_back_unstable=True), {"rollback-decision": ()}),
        (Status.RE_ENTERED, StepContext(), {}),
    ],
)
def test_an_eliminated_case_is_looked_back_at_and_rolled_back_only_after_an_unstable_look_back(
    status: Status, ctx: StepContext, expected: dict[str, tuple[str, ...]]
) -> None:
    assert _allowed(status, ctx) == expected


def test_a_plan_needs_a_responsible_person() -> None:
    assert "assistance-plan" not in _allowed(Status.MONITORED, StepContext())
    assert "assistance-plan" in _allowed(Status.MONITORED, StepContext(has_responsible_person=True))


def test_measures_can_be_changed_implemented_or_ended_once_there_is_one() -> None:
    assert _allowed(Status.MONITORED, StepContext())["measures"] == ("add",)
    assert _allowed(Status.MONITORED, StepContext(has_measures=True))["measures"] == (
        "add",
        "change",
        "implement",
        "end",
    )


def test_a_rectification_needs_an_open_finding() -> None:
    assert "rectification" not in _allowed(Status.MONITORED, StepContext())
    assert "rectification" in _allowed(Status.MONITORED, StepContext(has_open_findings=True))
    assert "rectification" in _allowed(Status.ELIMINATION_VERIFIED, StepContext(has_open_findings=True))


def test_allowed_steps_name_the_roles_that_may_take_them() -> None:
    [review, _] = allowed_steps(Status.NOTICE_CLOSED, CROSS_CHECKED)

    assert review.step is Step.TOWNSHIP_REVIEW
    assert review.roles == (Role.TOWNSHIP_REVIEWER,)


@pytest.mark.parametrize(
    ("status", "procedure"),
    [
        (Status.VISIT_VERIFIED, "identification"),
        (Status.COUNTY_APPROVED, "identification"),
        (Status.ELIMINATION_PROPOSED, "elimination"),
        (Status.ELIMINATION_NOTICE_OBJECTED, "elimination"),
        (Status.ELIMINATION_COUNTY_APPROVED, "elimination"),
    ],
)
def test_each_procedure_status_belongs_to_its_procedure(status: Status, procedure: str) -> None:
    found = procedure_of(status)

    assert found is not None
    assert found.procedure.value == procedure


@pytest.mark.parametrize(
    "status", [Status.CLUE_REPORTED, Status.MONITORED, Status.ELIMINATED, Status.ROLLBACK_REQUESTED, Status.RE_ENTERED]
)
def test_statuses_outside_the_village_to_county_steps_belong_to_no_procedure(status: Status) -> None:
    assert procedure_of(status) is None


def test_a_refused_identification_closes_and_a_refused_elimination_stays_monitored() -> None:
    assert PROCEDURES[Procedure.IDENTIFICATION].rejected is Status.CLOSED_REJECTED
    assert PROCEDURES[Procedure.ELIMINATION].rejected is Status.MONITORED
    assert PROCEDURES[Procedure.IDENTIFICATION].done is Status.MONITORED
    assert PROCEDURES[Procedure.ELIMINATION].done is Status.ELIMINATED


# --- categories (domain.md §2, §12.1) -----------------------------------------------------------------------------

SEED = seed_policy()  # monitoring line 7100


def facts(
    household_type: HouseholdType = HouseholdType.ORDINARY,
    income: str = "6500",
    *,
    rigid: str = "0",
    size: int = 2,
    sudden_event: str = "",
) -> HouseholdFacts:
    return HouseholdFacts(
        household_type=household_type,
        household_size=size,
        per_capita_net_income=Decimal(income),
        rigid_expenditure=Decimal(rigid),
        sudden_event=sudden_event,
    )


@pytest.mark.parametrize(
    ("category", "household_type"),
    [
        (Category.UNSTABLE_FORMERLY_POOR, HouseholdType.FORMERLY_POOR),
        (Category.UNSTABLE_FORMERLY_POOR, HouseholdType.FORMERLY_POOR_NO_BENEFITS),
        (Category.MARGINAL_AT_RISK, HouseholdType.ORDINARY),
    ],
)
@pytest.mark.parametrize(("income", "fits"), [("7100", True), ("7100.00", True), ("7100.01", False), ("0", True)])
def test_income_at_the_line_fits_and_a_cent_above_does_not(
    category: Category, household_type: HouseholdType, income: str, fits: bool
) -> None:
    violation = category_violation(category, facts(household_type, income), SEED)

    assert (violation is None) is fits


@pytest.mark.parametrize(
    ("category", "household_type"),
    [
        (Category.UNSTABLE_FORMERLY_POOR, HouseholdType.ORDINARY),
        (Category.MARGINAL_AT_RISK, HouseholdType.FORMERLY_POOR),
        (Category.MARGINAL_AT_RISK, HouseholdType.FORMERLY_POOR_NO_BENEFITS),
    ],
)
def test_a_category_refuses_the_wrong_household_type_even_below_the_line(
    category: Category, household_type: HouseholdType
) -> None:
    violation = category_violation(category, facts(household_type, "3000"), SEED)

    assert violation is not None
    assert "household type" in violation


def test_the_line_is_the_policy_line_not_a_constant() -> None:
    higher = seed_policy(version=2, monitoring_line=Decimal("8000"))

    assert category_violation(Category.MARGINAL_AT_RISK, facts(income="7500"), SEED) is not None
    assert category_violation(Category.MARGINAL_AT_RISK, facts(income="7500"), higher) is None


@pytest.mark.parametrize("household_type", list(HouseholdType))
def test_a_sudden_event_admits_any_household_type_above_the_line(household_type: HouseholdType) -> None:
    hardship = facts(household_type, "20000", sudden_event="户主车祸重伤")

    assert category_violation(Category.SUDDEN_HARDSHIP, hardship, SEED) is None


@pytest.mark.parametrize(
    ("rigid", "fits"),
    [
        ("3800", True),  # 9000 - 3800 / 2 = 7100: at the line
        ("3799.98", False),  # 9000 - 1899.99 = 7100.01: a cent above
        ("10000", True),
    ],
)
def test_rigid_expenditure_must_bring_income_to_the_line_without_a_sudden_event(rigid: str, fits: bool) -> None:
    hardship = facts(HouseholdType.ORDINARY, "9000", rigid=rigid, size=2)

    assert (category_violation(Category.SUDDEN_HARDSHIP, hardship, SEED) is None) is fits


def test_rigid_expenditure_is_shared_by_household_size() -> None:
    # 9000 - 7600 / 4 = 7100 for four people, but 9000 - 7600 / 5 = 7480 for five.
    assert category_violation(Category.SUDDEN_HARDSHIP, facts(income="9000", rigid="7600", size=4), SEED) is None
    assert category_violation(Category.SUDDEN_HARDSHIP, facts(income="9000", rigid="7600", size=5), SEED)


def test_sudden_hardship_needs_a_sudden_event_or_rigid_expenditure() -> None:
    # domain.md §12.1: 突发严重困难户 "requires a qualifying sudden event or rigid expenditure"; a household with
    # neither is a 边缘易致贫户 or 脱贫不稳定户 if its income is low, not a 突发严重困难户.
    plain = facts(HouseholdType.ORDINARY, "6500", rigid="0", sudden_event="")

    assert category_violation(Category.SUDDEN_HARDSHIP, plain, SEED) is not None


@pytest.mark.parametrize(
    ("household", "eligible"),
    [
        (facts(HouseholdType.FORMERLY_POOR, "9000"), []),
        (facts(HouseholdType.FORMERLY_POOR, "9000", sudden_event="洪灾"), [Category.SUDDEN_HARDSHIP]),
        (
            facts(HouseholdType.FORMERLY_POOR, "6000", sudden_event="洪灾"),
            [Category.UNSTABLE_FORMERLY_POOR, Category.SUDDEN_HARDSHIP],
        ),
        (
            facts(HouseholdType.ORDINARY, "7000", rigid="4000"),
            [Category.MARGINAL_AT_RISK, Category.SUDDEN_HARDSHIP],
        ),
    ],
)
def test_eligible_categories_lists_every_category_the_household_fits(
    household: HouseholdFacts, eligible: list[Category]
) -> None:
    assert eligible_categories(household, SEED) == eligible


def test_at_most_five_risks_per_household() -> None:
    assert MAX_RISKS == 5  # 致贫/返贫风险1…5 (domain.md §5); enforced in test_case
