"""Which step may follow which (domain/cases/rules/identification.py): the identification procedure, assistance once
monitored, and the elimination procedure that mirrors identification."""

from __future__ import annotations

from decimal import Decimal

import pytest

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
from domain.kernel.actors import Role
from domain.kernel.steps import Procedure, Step
from domain.registry.values import HouseholdType
from tests.domain.support import (
    seed_policy,
)

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
