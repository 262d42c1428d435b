"""Policy records (domain/kernel/policy.py): the default policies with their sources, which version is in force for
an area on a day, and how a recorded policy reads back."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal

import pytest

from domain.cases.rules.deadlines import (
    EARLIEST_CLUE_DATE,
)
from domain.kernel.errors import RuleViolationError
from domain.kernel.policy import DEFAULT_POLICIES, Policy, PolicyVersions
from domain.kernel.steps import Procedure
from tests.domain.support import (
    RESETTLEMENT_SITE_CODE,
    VILLAGE_CODE,
    national_policy,
    seed_policy,
)

# --- the default policies -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("area_code", [VILLAGE_CODE, "990102101015", RESETTLEMENT_SITE_CODE])
def test_the_seed_township_is_governed_by_the_seed_plan_values(area_code: str) -> None:
    policy = PolicyVersions().in_force(area_code, date(2026, 3, 1))

    assert policy.key == "seed-township@1"
    assert policy.monitoring_line == Decimal("7100")  # 以2023年监测范围指导线7100元为参考
    assert policy.identification_days == 15  # 确保15天内完成监测对象识别认定
    assert policy.notice_min_days == 5  # village notice ≥ 5 days (domain.md §4.2)


@pytest.mark.parametrize("area_code", ["990102102001", "990103101001", "110101001001"])
def test_outside_the_seed_township_the_national_floor_applies(area_code: str) -> None:
    policy = PolicyVersions().in_force(area_code, date(2026, 3, 1))

    assert policy.key == "national@1"
    assert policy.monitoring_line == Decimal("6000")  # 1.5 × the ~4,000 yuan poverty standard
    assert policy.identification_days == 15
    assert policy.notice_min_days == 5


@pytest.mark.parametrize(("on", "key"), [(date(2022, 12, 31), "national@1"), (date(2023, 1, 1), "seed-township@1")])
def test_the_seed_policy_applies_from_its_effective_date(on: date, key: str) -> None:
    assert PolicyVersions().in_force(VILLAGE_CODE, on).key == key


def test_every_clue_date_the_mechanism_accepts_has_a_default_policy() -> None:
    # The mechanism (and its ~6,000 yuan national reference line) dates from March 2020 (domain.md §1, §3), and
    # EARLIEST_CLUE_DATE accepts clues from then on, so the default registry must have a policy for those dates.
    policy = PolicyVersions().in_force("990103101001", EARLIEST_CLUE_DATE)

    assert policy.monitoring_line == Decimal("6000")


def test_every_default_policy_names_its_source() -> None:
    assert all(p.source.strip() for p in DEFAULT_POLICIES)


# --- choosing the policy in force ---------------------------------------------------------------------------------


def test_the_most_specific_jurisdiction_wins_over_a_newer_national_policy() -> None:
    newer_national = national_policy(version=2, effective_from=date(2025, 1, 1), monitoring_line=Decimal("9000"))
    registry = PolicyVersions((national_policy(), seed_policy(), newer_national))

    assert registry.in_force(VILLAGE_CODE, date(2026, 3, 1)).key == "seed-township@1"
    assert registry.in_force("990102102001", date(2026, 3, 1)).key == "national@2"


def test_a_village_jurisdiction_is_more_specific_than_its_township() -> None:
    village_only = seed_policy(version=9, jurisdiction=VILLAGE_CODE, monitoring_line=Decimal("7300"))
    registry = PolicyVersions((national_policy(), seed_policy(), village_only))

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
    registry = PolicyVersions(
        (
            national_policy(),
            seed_policy(version=1, effective_from=date(2023, 1, 1)),
            seed_policy(version=2, effective_from=date(2024, 1, 1)),
            seed_policy(version=3, effective_from=date(2025, 1, 1)),
        )
    )

    assert registry.in_force(VILLAGE_CODE, on).key == key


def test_the_latest_effective_date_wins_over_a_higher_version() -> None:
    registry = PolicyVersions(
        (
            national_policy(),
            seed_policy(version=5, effective_from=date(2024, 1, 1)),
            seed_policy(version=4, effective_from=date(2025, 1, 1)),
        )
    )

    assert registry.in_force(VILLAGE_CODE, date(2025, 6, 1)).key == "seed-township@4"


def test_the_highest_version_wins_on_the_same_effective_date() -> None:
    registry = PolicyVersions((national_policy(), seed_policy(version=2), seed_policy(version=3), seed_policy()))

    assert registry.in_force(VILLAGE_CODE, date(2026, 3, 1)).key == "seed-township@3"


def test_no_policy_in_force_is_a_rule_violation_on_the_clue_date() -> None:
    registry = PolicyVersions((seed_policy(),))

    with pytest.raises(RuleViolationError) as excinfo:
        registry.in_force("990103101001", date(2026, 3, 1))
    assert (excinfo.value.field, excinfo.value.rule) == ("clue_date", "policy_in_force")

    with pytest.raises(RuleViolationError) as excinfo:
        registry.in_force(VILLAGE_CODE, date(2022, 12, 31))
    assert excinfo.value.rule == "policy_in_force"


def test_a_registry_refuses_two_policies_with_the_same_key() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        PolicyVersions((seed_policy(), seed_policy(monitoring_line=Decimal("8000"))))


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
