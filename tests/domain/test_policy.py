"""The rules of domain/policy.py on their own: policy versions, dates and deadlines, roles and areas, step order,
category criteria."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain import policy as rules
from domain.errors import NotPermittedError, RuleViolationError
from domain.policy import DEFAULT_POLICIES, HouseholdFacts, PolicyRegistry
from domain.values import SHANGHAI, Actor, Category, HouseholdType, Role, Status, Step
from tests.domain.support import (
    COUNTY_APPROVER,
    INSPECTOR,
    OTHER_COUNTY_APPROVER,
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
    policy = PolicyRegistry().in_force("990103101001", rules.EARLIEST_CLUE_DATE)

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

    assert rules.Policy.from_dict(policy.as_dict()) == policy
    assert policy.as_dict()["key"] == "seed-township@2"


# --- dates and deadlines ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "due"), [(15, date(2026, 2, 25)), (20, date(2026, 3, 2)), (10, date(2026, 2, 20))])
def test_identification_is_due_the_clue_date_plus_the_policy_days(days: int, due: date) -> None:
    assert rules.identification_due(date(2026, 2, 10), seed_policy(identification_days=days)) == due


def test_a_deadline_ends_at_midnight_after_its_day_in_shanghai() -> None:
    end = rules.end_of_day(date(2026, 2, 25))

    assert end == datetime(2026, 2, 26, 0, 0, tzinfo=SHANGHAI)
    assert end == datetime(2026, 2, 25, 16, 0, tzinfo=UTC)
    assert rules.local_date(end - timedelta(microseconds=1)) == date(2026, 2, 25)
    assert rules.local_date(end) == date(2026, 2, 26)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 2, 10, 15, 59, 59, tzinfo=UTC), date(2026, 2, 10)),
        (datetime(2026, 2, 10, 16, 0, tzinfo=UTC), date(2026, 2, 11)),
        (datetime(2026, 2, 11, 0, 0, tzinfo=SHANGHAI), date(2026, 2, 11)),
    ],
)
def test_a_moment_falls_on_its_calendar_day_in_shanghai(moment: datetime, day: date) -> None:
    assert rules.local_date(moment) == day


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
    assert rules.notice_days(start, end) == days


@pytest.mark.parametrize("clue_date", [date(2026, 3, 1), date(2020, 3, 1), date(2023, 7, 15)])
def test_a_clue_from_the_mechanism_start_to_today_is_accepted(clue_date: date) -> None:
    rules.check_clue_date(clue_date, today=date(2026, 3, 1))


@pytest.mark.parametrize(
    ("clue_date", "rule"),
    [(date(2026, 3, 2), "not_in_future"), (date(2020, 2, 29), "after_mechanism_start")],
)
def test_a_clue_after_today_or_before_the_mechanism_is_refused(clue_date: date, rule: str) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        rules.check_clue_date(clue_date, today=date(2026, 3, 1))
    assert (excinfo.value.field, excinfo.value.rule) == ("clue_date", rule)


NOW = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "occurred_at",
    [NOW, NOW + timedelta(minutes=5), datetime(2026, 2, 20, 0, 0, tzinfo=SHANGHAI)],
)
def test_a_step_from_its_lower_bound_to_five_minutes_ahead_is_accepted(occurred_at: datetime) -> None:
    rules.check_step_time(occurred_at, not_before=date(2026, 2, 20), now=NOW)


def test_a_step_more_than_five_minutes_in_the_future_is_refused() -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        rules.check_step_time(NOW + timedelta(minutes=5, microseconds=1), not_before=date(2026, 2, 20), now=NOW)
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
        rules.check_step_time(occurred_at, not_before=date(2026, 2, 20), now=NOW)
    assert (excinfo.value.field, excinfo.value.rule) == ("occurred_at", "chronological_order")


def test_the_lower_bound_is_compared_in_shanghai_time() -> None:
    # 16:00 UTC on the 19th is midnight on the 20th in Shanghai.
    rules.check_step_time(datetime(2026, 2, 19, 16, 0, tzinfo=UTC), not_before=date(2026, 2, 20), now=NOW)


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
    rules.check_actor_level(Actor(id="a", role=role, area_code=area_code))


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
        rules.check_actor_level(Actor(id="a", role=role, area_code=area_code))
    assert (excinfo.value.field, excinfo.value.rule) == ("area_code", "role_area_level")


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, TOWNSHIP_REVIEWER, COUNTY_APPROVER])
def test_each_level_acts_on_a_village_inside_its_area(actor: Actor) -> None:
    rules.check_jurisdiction(actor, VILLAGE_CODE)


@pytest.mark.parametrize("actor", [OTHER_VILLAGE_CADRE, OTHER_TOWNSHIP_REVIEWER, OTHER_COUNTY_APPROVER, INSPECTOR])
def test_an_actor_outside_the_village_area_is_refused(actor: Actor) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        rules.check_jurisdiction(actor, VILLAGE_CODE)
    assert (excinfo.value.field, excinfo.value.rule) == ("area_code", "jurisdiction")


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, TOWNSHIP_REVIEWER, COUNTY_APPROVER])
def test_village_township_and_county_may_record_a_clue(actor: Actor) -> None:
    rules.check_may_open(actor, VILLAGE_CODE)


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.SYSTEM])
def test_inspectors_and_the_system_may_not_record_a_clue(role: Role) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        rules.check_may_open(Actor(id="x", role=role, area_code="990102"), VILLAGE_CODE)
    assert (excinfo.value.field, excinfo.value.rule) == ("role", "open_roles")


# Who takes each step (domain.md §4.2 "Actor" column): V = village cadre, T = township reviewer, C = county approver.
EXPECTED_STEP_ROLES: dict[Step, set[Role]] = {
    Step.HOUSEHOLD_VISIT: {Role.VILLAGE_CADRE},
    Step.CROSS_CHECK: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER},
    Step.VILLAGE_DELIBERATION: {Role.VILLAGE_CADRE},
    Step.PUBLIC_NOTICE: {Role.VILLAGE_CADRE},
    Step.TOWNSHIP_REVIEW: {Role.TOWNSHIP_REVIEWER},
    Step.COUNTY_DECISION: {Role.COUNTY_APPROVER},
    Step.ANNOUNCEMENT: {Role.TOWNSHIP_REVIEWER},
}
ACTOR_OF_ROLE = {
    Role.VILLAGE_CADRE: VILLAGE_CADRE,
    Role.TOWNSHIP_REVIEWER: TOWNSHIP_REVIEWER,
    Role.COUNTY_APPROVER: COUNTY_APPROVER,
    Role.INSPECTOR: INSPECTOR,
    Role.SYSTEM: Actor(id="system", role=Role.SYSTEM, area_code=""),
}


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("role", list(Role))
def test_each_step_is_taken_only_by_its_roles(step: Step, role: Role) -> None:
    actor = ACTOR_OF_ROLE[role]
    if role in EXPECTED_STEP_ROLES[step]:
        rules.check_may_take(actor, step, VILLAGE_CODE)
    else:
        with pytest.raises(NotPermittedError) as excinfo:
            rules.check_may_take(actor, step, VILLAGE_CODE)
        assert (excinfo.value.field, excinfo.value.rule) == ("role", "step_roles")


def test_a_permitted_role_still_needs_the_jurisdiction() -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        rules.check_may_take(OTHER_VILLAGE_CADRE, Step.HOUSEHOLD_VISIT, VILLAGE_CODE)
    assert excinfo.value.rule == "jurisdiction"


# --- which step may follow which ----------------------------------------------------------------------------------


def _allowed(status: Status, cross_checked: bool) -> dict[str, tuple[str, ...]]:
    return {a.step.value: a.actions for a in rules.allowed_steps(status, cross_checked)}


@pytest.mark.parametrize(
    ("status", "cross_checked", "expected"),
    [
        (Status.CLUE_REPORTED, False, {"household-visit": ()}),
        (Status.VISIT_VERIFIED, False, {"village-deliberation": (), "cross-check": ()}),
        (Status.DELIBERATED, False, {"public-notice": ("post",), "cross-check": ()}),
        (Status.NOTICE_POSTED, False, {"public-notice": ("objection", "close"), "cross-check": ()}),
        (Status.NOTICE_OBJECTED, False, {"public-notice": ("close",), "cross-check": ()}),
        (Status.NOTICE_CLOSED, False, {"cross-check": ()}),
        (Status.NOTICE_CLOSED, True, {"township-review": (), "cross-check": ()}),
        (Status.TOWNSHIP_PASSED, True, {"county-decision": ()}),
        (Status.COUNTY_APPROVED, True, {"announcement": ()}),
        (Status.MONITORED, True, {}),
        (Status.CLOSED_NOT_APPLIED, False, {}),
        (Status.CLOSED_REJECTED, True, {}),
    ],
)
def test_the_allowed_steps_follow_the_identification_procedure(
    status: Status, cross_checked: bool, expected: dict[str, tuple[str, ...]]
) -> None:
    assert _allowed(status, cross_checked) == expected


def test_allowed_steps_name_the_roles_that_may_take_them() -> None:
    [review, _] = rules.allowed_steps(Status.NOTICE_CLOSED, cross_checked=True)

    assert review.step is Step.TOWNSHIP_REVIEW
    assert review.roles == (Role.TOWNSHIP_REVIEWER,)


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
    violation = rules.category_violation(category, facts(household_type, income), SEED)

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
    violation = rules.category_violation(category, facts(household_type, "3000"), SEED)

    assert violation is not None
    assert "household type" in violation


def test_the_line_is_the_policy_line_not_a_constant() -> None:
    higher = seed_policy(version=2, monitoring_line=Decimal("8000"))

    assert rules.category_violation(Category.MARGINAL_AT_RISK, facts(income="7500"), SEED) is not None
    assert rules.category_violation(Category.MARGINAL_AT_RISK, facts(income="7500"), higher) is None


@pytest.mark.parametrize("household_type", list(HouseholdType))
def test_a_sudden_event_admits_any_household_type_above_the_line(household_type: HouseholdType) -> None:
    hardship = facts(household_type, "20000", sudden_event="户主车祸重伤")

    assert rules.category_violation(Category.SUDDEN_HARDSHIP, hardship, SEED) is None


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

    assert (rules.category_violation(Category.SUDDEN_HARDSHIP, hardship, SEED) is None) is fits


def test_rigid_expenditure_is_shared_by_household_size() -> None:
    # 9000 - 7600 / 4 = 7100 for four people, but 9000 - 7600 / 5 = 7480 for five.
    assert rules.category_violation(Category.SUDDEN_HARDSHIP, facts(income="9000", rigid="7600", size=4), SEED) is None
    assert rules.category_violation(Category.SUDDEN_HARDSHIP, facts(income="9000", rigid="7600", size=5), SEED)


def test_sudden_hardship_needs_a_sudden_event_or_rigid_expenditure() -> None:
    # domain.md §12.1: 突发严重困难户 "requires a qualifying sudden event or rigid expenditure"; a household with
    # neither is a 边缘易致贫户 or 脱贫不稳定户 if its income is low, not a 突发严重困难户.
    plain = facts(HouseholdType.ORDINARY, "6500", rigid="0", sudden_event="")

    assert rules.category_violation(Category.SUDDEN_HARDSHIP, plain, SEED) is not None


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
    assert rules.eligible_categories(household, SEED) == eligible


def test_at_most_five_risks_per_household() -> None:
    assert rules.MAX_RISKS == 5  # 致贫/返贫风险1…5 (domain.md §5); enforced in test_case
