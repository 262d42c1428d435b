"""The rules of domain/cases/rules/assistance.py and domain/cases/rules/elimination.py on their own: which measures a
household's risks, guarantees and labour call for (domain.md §6), and the elimination criteria (domain.md §7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.cases.rules.assistance import (
    DEVELOPMENT_MEASURES,
    GUARANTEE_MEASURES,
    RISK_MEASURES,
    MeasureFacts,
    measure_for_risk,
    precision_findings,
)
from domain.cases.rules.elimination import EliminationAssessment, elimination_violations
from domain.cases.values import EliminationMode, FindingKind, MeasureCategory, MeasureStatus
from domain.registry.values import Guarantee, Risk
from tests.domain.support import seed_policy

C = MeasureCategory


def implemented(category: MeasureCategory, measure_id: str = "M1") -> MeasureFacts:
    return MeasureFacts(measure_id, category, MeasureStatus.IMPLEMENTED, was_implemented=True)


def planned(category: MeasureCategory, measure_id: str = "M1") -> MeasureFacts:
    return MeasureFacts(measure_id, category, MeasureStatus.PLANNED, was_implemented=False)


def ended(category: MeasureCategory, *, was_implemented: bool, measure_id: str = "M1") -> MeasureFacts:
    return MeasureFacts(measure_id, category, MeasureStatus.ENDED, was_implemented=was_implemented)


def rules_of(findings: list) -> list[str]:  # type: ignore[type-arg]
    return [f.rule for f in findings]


# --- the tables ---------------------------------------------------------------------------------------------------


def test_the_risk_to_measure_table_is_the_one_of_domain_md() -> None:
    # domain.md §6 "Risk → required-measure mapping" (fuping 5_18_001…007).
    assert {
        Risk.ILLNESS: {C.HEALTH, C.SOCIAL_ASSISTANCE},
        Risk.SCHOOLING: {C.COMPULSORY_EDUCATION, C.EDUCATION, C.SOCIAL_ASSISTANCE},
        Risk.DISABILITY: {C.COMPREHENSIVE_SECURITY, C.SOCIAL_ASSISTANCE},
        Risk.HOUSING_SAFETY: {C.HOUSING_SAFETY, C.RELOCATION},
        Risk.WATER_SAFETY: {C.DRINKING_WATER_SAFETY},
    } == RISK_MEASURES


def test_the_guarantee_to_measure_table_is_the_one_of_domain_md() -> None:
    # Out-of-school child → 义务教育保障; uninsured member → 健康帮扶 or 社会帮扶; housing and water as their risks.
    assert {
        Guarantee.EDUCATION: {C.COMPULSORY_EDUCATION},
        Guarantee.MEDICAL: {C.HEALTH, C.SOCIAL_ASSISTANCE},
        Guarantee.HOUSING: {C.HOUSING_SAFETY, C.RELOCATION},
        Guarantee.DRINKING_WATER: {C.DRINKING_WATER_SAFETY},
    } == GUARANTEE_MEASURES


def test_the_development_measures_are_industry_employment_public_jobs_and_finance() -> None:
    assert {C.INDUSTRY, C.EMPLOYMENT, C.PUBLIC_WELFARE_JOB, C.FINANCE} == DEVELOPMENT_MEASURES


# --- development-type assistance for a household with labour capacity (fuping 5_11_030, 5_11_032) ----------------


@pytest.mark.parametrize("category", sorted(DEVELOPMENT_MEASURES))
def test_an_implemented_development_measure_satisfies_a_household_with_labour(category: MeasureCategory) -> None:
    assert precision_findings([], [], 1, [implemented(category)]) == []


@pytest.mark.parametrize("category", sorted(set(MeasureCategory) - DEVELOPMENT_MEASURES - {C.COMPREHENSIVE_SECURITY}))
def test_a_household_with_labour_and_no_development_measure_is_not_precise(category: MeasureCategory) -> None:
    [finding] = precision_findings([], [], 1, [implemented(category)])

    assert (finding.kind, finding.rule) == (FindingKind.NOT_PRECISE, "development_measure_required")
    assert finding.evidence == {"labour_capable_members": "1"}


@pytest.mark.parametrize(
    "measure",
    [planned(C.EMPLOYMENT), ended(C.INDUSTRY, was_implemented=False)],
    ids=["planned", "ended_unimplemented"],
)
def test_a_development_measure_counts_only_once_implemented(measure: MeasureFacts) -> None:
    assert rules_of(precision_findings([], [], 2, [measure])) == ["development_measure_required"]


def test_a_development_measure_implemented_and_later_ended_still_counts() -> None:
    assert precision_findings([], [], 2, [ended(C.EMPLOYMENT, was_implemented=True)]) == []


def test_a_household_without_labour_needs_no_development_measure() -> None:
    assert precision_findings([], [], 0, []) == []
    assert precision_findings([], [], 0, [implemented(C.COMPREHENSIVE_SECURITY)]) == []


def test_comprehensive_security_alone_is_not_enough_for_a_household_with_labour() -> None:
    findings = precision_findings(
        [], [], 1, [implemented(C.COMPREHENSIVE_SECURITY, "M1"), implemented(C.COMPREHENSIVE_SECURITY, "M2")]
    )

    assert rules_of(findings) == ["development_measure_required", "comprehensive_security_alone"]
    assert findings[1].evidence == {"measures": "M1,M2"}
    assert findings[1].kind is FindingKind.NOT_PRECISE


def test_comprehensive_security_with_another_implemented_measure_is_not_alone() -> None:
    findings = precision_findings([], [], 1, [implemented(C.COMPREHENSIVE_SECURITY), implemented(C.HEALTH, "M2")])

    assert rules_of(findings) == ["development_measure_required"]


def test_comprehensive_security_with_a_development_measure_is_precise() -> None:
    assert precision_findings([], [], 1, [implemented(C.COMPREHENSIVE_SECURITY), implemented(C.FINANCE, "M2")]) == []


def test_a_planned_measure_beside_comprehensive_security_does_not_end_its_being_alone() -> None:
    findings = precision_findings([], [], 1, [implemented(C.COMPREHENSIVE_SECURITY), planned(C.INDUSTRY, "M2")])

    assert "comprehensive_security_alone" in rules_of(findings)


# --- each risk and each unmet guarantee needs a matching measure --------------------------------------------------


@pytest.mark.parametrize(
    ("risk", "category"), [(risk, category) for risk, accepted in RISK_MEASURES.items() for category in accepted]
)
def test_a_risk_is_met_by_each_of_its_measures(risk: Risk, category: MeasureCategory) -> None:
    assert precision_findings([risk], [], 0, [implemented(category)]) == []


@pytest.mark.parametrize(
    ("risk", "category"),
    [(risk, category) for risk, accepted in RISK_MEASURES.items() for category in set(MeasureCategory) - accepted],
)
def test_a_risk_without_one_of_its_measures_is_not_precise(risk: Risk, category: MeasureCategory) -> None:
    [finding] = precision_findings([risk], [], 0, [implemented(category)])

    assert (finding.kind, finding.rule) == (FindingKind.NOT_PRECISE, "risk_without_measure")
    assert finding.evidence["risk"] == risk.value
    assert set(finding.evidence["accepted"].split(",")) == {c.value for c in RISK_MEASURES[risk]}


@pytest.mark.parametrize("risk", sorted(set(Risk) - set(RISK_MEASURES)))
def test_a_risk_the_table_does_not_name_asks_for_no_particular_measure(risk: Risk) -> None:
    assert precision_findings([risk], [], 0, []) == []


def test_a_planned_measure_answers_a_risk_but_one_ended_unimplemented_does_not() -> None:
    assert precision_findings([Risk.ILLNESS], [], 0, [planned(C.HEALTH)]) == []
    assert rules_of(precision_findings([Risk.ILLNESS], [], 0, [ended(C.HEALTH, was_implemented=False)])) == [
        "risk_without_measure"
    ]
    assert precision_findings([Risk.ILLNESS], [], 0, [ended(C.HEALTH, was_implemented=True)]) == []


def test_each_risk_without_its_measure_is_its_own_finding() -> None:
    findings = precision_findings([Risk.ILLNESS, Risk.SCHOOLING, Risk.WATER_SAFETY], [], 0, [implemented(C.EDUCATION)])

    assert [(f.rule, f.evidence["risk"]) for f in findings] == [
        ("risk_without_measure", "illness"),
        ("risk_without_measure", "water_safety"),
    ]


@pytest.mark.parametrize(
    ("guarantee", "category"),
    [(guarantee, category) for guarantee, accepted in GUARANTEE_MEASURES.items() for category in accepted],
)
def test_an_unmet_guarantee_is_met_by_each_of_its_measures(guarantee: Guarantee, category: MeasureCategory) -> None:
    assert precision_findings([], [guarantee], 0, [implemented(category)]) == []


@pytest.mark.parametrize(
    ("guarantee", "category"),
    [
        (guarantee, category)
        for guarantee, accepted in GUARANTEE_MEASURES.items()
        for category in set(MeasureCategory) - accepted
    ],
)
def test_an_unmet_guarantee_without_one_of_its_measures_is_not_precise(
    guarantee: Guarantee, category: MeasureCategory
) -> None:
    [finding] = precision_findings([], [guarantee], 0, [implemented(category)])

    assert (finding.kind, finding.rule) == (FindingKind.NOT_PRECISE, "guarantee_without_measure")
    assert finding.evidence["guarantee"] == guarantee.value


def test_every_precision_rule_is_reported_at_once() -> None:
    findings = precision_findings(
        [Risk.DISABILITY], [Guarantee.HOUSING], 1, [implemented(C.COMPREHENSIVE_SECURITY), planned(C.HEALTH, "M2")]
    )

    assert rules_of(findings) == [
        "development_measure_required",
        "comprehensive_security_alone",
        "guarantee_without_measure",
    ]


# --- at least one implemented measure aimed at the risk (elimination, domain.md §7) ------------------------------


def test_an_implemented_measure_of_the_risk_table_is_aimed_at_the_risk() -> None:
    measures = [implemented(C.EMPLOYMENT, "M1"), implemented(C.HEALTH, "M2"), planned(C.SOCIAL_ASSISTANCE, "M3")]

    assert [m.measure_id for m in measure_for_risk([Risk.ILLNESS], measures)] == ["M2"]


def test_a_planned_measure_is_not_yet_aimed_at_the_risk() -> None:
    assert measure_for_risk([Risk.ILLNESS], [planned(C.HEALTH)]) == []


def test_a_measure_implemented_then_ended_was_aimed_at_the_risk() -> None:
    assert measure_for_risk([Risk.ILLNESS], [ended(C.HEALTH, was_implemented=True)]) != []


def test_any_implemented_measure_is_aimed_at_a_risk_the_table_does_not_name() -> None:
    assert [m.measure_id for m in measure_for_risk([Risk.ACCIDENT], [implemented(C.INFRASTRUCTURE)])] == ["M1"]
    assert measure_for_risk([Risk.ACCIDENT], [planned(C.INFRASTRUCTURE)]) == []


def test_a_measure_aimed_at_two_risks_is_listed_once() -> None:
    measures = [implemented(C.SOCIAL_ASSISTANCE)]

    assert len(measure_for_risk([Risk.ILLNESS, Risk.DISABILITY], measures)) == 1


# --- elimination criteria (domain.md §7) --------------------------------------------------------------------------

IDENTIFIED_ON = date(2026, 2, 23)
GOOD_MEASURES = [implemented(C.HEALTH, "M1"), implemented(C.EMPLOYMENT, "M2")]


def assessment(**changes: object) -> EliminationAssessment:
    values: dict[str, object] = {
        "mode": EliminationMode.ASSISTED,
        "proposed_on": date(2026, 9, 1),
        "per_capita_net_income": Decimal("9000"),
        "unmet_guarantees": [],
        "unresolved_rigid_expenditure": False,
        "labour_capable_members": 2,
    }
    values.update(changes)
    return EliminationAssessment(**values)  # type: ignore[arg-type]


def violations(**changes: object) -> list[tuple[str, str]]:
    pinned = changes.pop("pinned", seed_policy())
    current = changes.pop("current", pinned)
    measures = changes.pop("measures", GOOD_MEASURES)
    found = elimination_violations(
        assessment(**changes),
        identified_on=IDENTIFIED_ON,
        risks=[Risk.ILLNESS],
        measures=measures,  # type: ignore[arg-type]
        pinned=pinned,  # type: ignore[arg-type]
        current=current,  # type: ignore[arg-type]
    )
    return [(v.field, v.rule) for v in found]


def test_a_household_meeting_every_criterion_has_no_violation() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("proposed_on", "months", "ok"),
    [
        (date(2026, 8, 23), 6, True),  # identified 02-23: half a year on, to the day
        (date(2026, 8, 22), 6, False),
        (date(2026, 9, 23), 7, True),
        (date(2026, 9, 22), 7, False),
    ],
)
def test_the_monitoring_period_is_the_pinned_number_of_months(proposed_on: date, months: int, ok: bool) -> None:
    found = violations(proposed_on=proposed_on, pinned=seed_policy(min_monitoring_months=months))

    assert found == ([] if ok else [("occurred_at", "min_monitoring_period")])


def test_the_monitoring_period_is_not_taken_from_the_current_policy() -> None:
    current = seed_policy(version=2, min_monitoring_months=12)

    assert violations(proposed_on=date(2026, 8, 23), current=current) == []


@pytest.mark.parametrize(("income", "ok"), [("7100", False), ("7100.00", False), ("7100.01", True), ("0", False)])
def test_assisted_elimination_needs_income_above_the_current_line(income: str, ok: bool) -> None:
    found = violations(per_capita_net_income=Decimal(income))

    assert found == ([] if ok else [("per_capita_net_income", "income_above_line")])


def test_the_line_is_the_current_policys_not_the_pinned_one() -> None:
    current = seed_policy(version=2, monitoring_line=Decimal("8000"))

    assert violations(per_capita_net_income=Decimal("7500"), current=current) == [
        ("per_capita_net_income", "income_above_line")
    ]
    assert violations(per_capita_net_income=Decimal("8000.01"), current=current) == []


def test_natural_elimination_does_not_look_at_income() -> None:
    assert violations(mode=EliminationMode.NATURAL, per_capita_net_income=Decimal("100")) == []


def test_the_income_violation_names_the_line_and_its_policy() -> None:
    [found] = elimination_violations(
        assessment(per_capita_net_income=Decimal("7000")),
        identified_on=IDENTIFIED_ON,
        risks=[Risk.ILLNESS],
        measures=GOOD_MEASURES,
        pinned=seed_policy(),
        current=seed_policy(version=2, monitoring_line=Decimal("8000"), year=2026),
    )

    assert "8000" in found.message
    assert "seed-township@2" in found.message


@pytest.mark.parametrize(
    ("changes", "violation"),
    [
        ({"measures": [implemented(C.EMPLOYMENT)]}, ("measures", "measure_for_risk")),
        ({"measures": [planned(C.HEALTH)]}, ("measures", "measure_for_risk")),
        ({"unmet_guarantees": [Guarantee.DRINKING_WATER]}, ("unmet_guarantees", "three_guarantees")),
        ({"unresolved_rigid_expenditure": True}, ("unresolved_rigid_expenditure", "rigid_expenditure")),
        ({"labour_capable_members": 0}, ("labour_capable_members", "whole_household_without_labour")),
    ],
    ids=["no_implemented_measure_for_risk", "planned_only", "guarantee", "rigid", "no_labour"],
)
def test_each_other_criterion_fails_alone(changes: dict[str, object], violation: tuple[str, str]) -> None:
    assert violations(**changes) == [violation]


def test_one_member_with_labour_is_enough() -> None:
    assert violations(labour_capable_members=1) == []


def test_every_failed_criterion_is_reported_in_order() -> None:
    found = violations(
        proposed_on=date(2026, 8, 22),
        measures=[],
        per_capita_net_income=Decimal("7100"),
        unmet_guarantees=[Guarantee.HOUSING, Guarantee.EDUCATION],
        unresolved_rigid_expenditure=True,
        labour_capable_members=0,
    )

    assert found == [
        ("occurred_at", "min_monitoring_period"),
        ("measures", "measure_for_risk"),
        ("per_capita_net_income", "income_above_line"),
        ("unmet_guarantees", "three_guarantees"),
        ("unresolved_rigid_expenditure", "rigid_expenditure"),
        ("labour_capable_members", "whole_household_without_labour"),
    ]
