"""The screening rules (domain/campaigns/screening.py): what a screening records, per-capita net income, which findings
are refused, when phone or WeChat may replace a visit, screening dates, and the risk assessment — every reason the
seed plan §二(一) names for bringing a household into monitoring, and the risks a case opened from it reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.campaigns.screening import (
    MAX_AMOUNT,
    Assessment,
    ScreeningFindings,
    assess,
    findings_problems,
    method_problem,
    per_capita,
    screening_date_problem,
)
from domain.campaigns.values import ScreeningMethod
from domain.cases.rules.identification import MAX_RISKS
from domain.registry.values import Risk
from tests.domain.registry_support import rules, yuan
from tests.domain.support import national_policy, seed_policy

SEED = seed_policy()  # line 7100, rigid-expenditure alert 20000 (the default)
LINE = Decimal("7100")


def findings(**kw: Any) -> ScreeningFindings:
    """Findings of a household comfortably above the line with no shortfall (per capita 10000 for one person)."""
    values: dict[str, Any] = {"wage_income": Decimal("10000")}
    values.update(kw)
    return ScreeningFindings(**values)


def reasons(a: Assessment) -> list[str]:
    return [rule for rule, _ in a.reasons]


# --- findings -----------------------------------------------------------------------------------------------------


def test_nothing_found_is_all_zero_and_false() -> None:
    f = ScreeningFindings()

    assert f.net_income == 0
    assert f.rigid_expenditure == 0
    assert not any([f.housing_unsafe, f.child_out_of_school, f.member_uninsured, f.water_unsafe])
    assert (f.risks, f.newly_applied_dibao, f.severe_covid_impact) == ((), False, False)


def test_net_income_is_the_four_incomes_less_production_costs() -> None:
    f = ScreeningFindings(
        wage_income=yuan("12000.50"),
        business_income=yuan(3000),
        property_income=yuan(200),
        transfer_income=yuan("1800.25"),
        production_costs=yuan(2500),
    )

    assert f.net_income == yuan("14500.75")


def test_net_income_may_be_negative_when_costs_exceed_income() -> None:
    assert ScreeningFindings(business_income=yuan(1000), production_costs=yuan(4000)).net_income == yuan(-3000)


def test_rigid_expenditure_is_medical_plus_schooling() -> None:
    f = ScreeningFindings(
        medical_expenditure=yuan(8000), schooling_expenditure=yuan("1500.5"), production_costs=yuan(9)
    )

    assert f.rigid_expenditure == yuan("9500.5")


def test_findings_are_plain_data_with_amounts_as_strings() -> None:
    f = ScreeningFindings(
        wage_income=yuan("6000.10"),
        water_unsafe=True,
        risks=(Risk.ILLNESS, Risk.ACCIDENT),
        newly_applied_dibao=True,
    )

    data = f.as_dict()

    assert data["wage_income"] == "6000.10"
    assert data["production_costs"] == "0"
    assert data["water_unsafe"] is True
    assert data["housing_unsafe"] is False
    assert data["risks"] == ["illness", "accident"]
    assert data["newly_applied_dibao"] is True
    assert set(data) == {
        "wage_income",
        "business_income",
        "property_income",
        "transfer_income",
        "production_costs",
        "housing_unsafe",
        "child_out_of_school",
        "member_uninsured",
        "water_unsafe",
        "medical_expenditure",
        "schooling_expenditure",
        "risks",
        "newly_applied_dibao",
        "severe_covid_impact",
    }


# --- per capita ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "size", "expected"),
    [
        ("21300", 3, "7100.00"),
        ("10000", 3, "3333.33"),
        ("20000", 3, "6666.67"),
        ("0.01", 2, "0.01"),  # 0.005 rounds half up
        ("0.03", 2, "0.02"),  # 0.015 rounds half up
        ("7100", 1, "7100.00"),
        ("-100", 3, "-33.33"),
    ],
)
def test_per_capita_income_is_rounded_half_up_to_the_fen(amount: str, size: int, expected: str) -> None:
    result = per_capita(yuan(amount), size)

    assert result == yuan(expected)
    assert str(result) == expected


# --- refused findings ---------------------------------------------------------------------------------------------

AMOUNTS = (
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "production_costs",
    "medical_expenditure",
    "schooling_expenditure",
)


def test_ordinary_findings_have_no_problem() -> None:
    assert findings_problems(findings()) == []
    assert findings_problems(ScreeningFindings()) == []


@pytest.mark.parametrize("name", AMOUNTS)
def test_every_amount_lies_between_0_and_ten_million(name: str) -> None:
    assert findings_problems(ScreeningFindings(**{name: Decimal(0)})) == []
    assert findings_problems(ScreeningFindings(**{name: MAX_AMOUNT})) == []
    assert rules(findings_problems(ScreeningFindings(**{name: yuan("-0.01")}))) == [(name, "range")]
    assert rules(findings_problems(ScreeningFindings(**{name: MAX_AMOUNT + yuan("0.01")}))) == [(name, "range")]


def test_every_amount_out_of_range_is_reported() -> None:
    f = ScreeningFindings(wage_income=yuan(-1), schooling_expenditure=yuan(-1))

    assert rules(findings_problems(f)) == [("wage_income", "range"), ("schooling_expenditure", "range")]


def test_five_risks_may_be_recorded_but_not_six() -> None:
    five = (Risk.ILLNESS, Risk.SCHOOLING, Risk.DISABILITY, Risk.ACCIDENT, Risk.OTHER)

    assert MAX_RISKS == 5
    assert findings_problems(findings(risks=five)) == []
    assert rules(findings_problems(findings(risks=(*five, Risk.LACK_OF_LABOUR)))) == [("risks", "max_risks")]


def test_a_risk_recorded_twice_is_refused() -> None:
    assert rules(findings_problems(findings(risks=(Risk.ILLNESS, Risk.ILLNESS)))) == [("risks", "unique")]


# --- method -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("migrant", [True, False])
def test_a_visit_is_always_a_valid_method(migrant: bool) -> None:
    assert method_problem(ScreeningMethod.IN_PERSON, migrant) is None


@pytest.mark.parametrize("method", [ScreeningMethod.PHONE, ScreeningMethod.WECHAT])
def test_phone_or_wechat_only_for_a_household_with_a_migrant_member(method: ScreeningMethod) -> None:
    assert method_problem(method, has_migrant_member=True) is None
    problem = method_problem(method, has_migrant_member=False)
    assert problem is not None
    assert "入户" in problem


# --- dates --------------------------------------------------------------------------------------------------------

TODAY = date(2026, 3, 1)


def test_a_screening_up_to_today_is_accepted() -> None:
    assert screening_date_problem(TODAY, TODAY, None) is None
    assert screening_date_problem(date(2025, 12, 31), TODAY, None) is None


def test_a_screening_dated_tomorrow_is_refused() -> None:
    assert screening_date_problem(date(2026, 3, 2), TODAY, None) is not None
    assert screening_date_problem(date(2026, 3, 2), TODAY, date(2026, 2, 1)) is not None


def test_a_screening_of_a_campaign_is_not_dated_before_the_campaign_starts() -> None:
    start = date(2026, 2, 15)

    assert screening_date_problem(start, TODAY, start) is None
    problem = screening_date_problem(date(2026, 2, 14), TODAY, start)
    assert problem is not None
    assert "2026-02-15" in problem


# --- assessment: income -------------------------------------------------------------------------------------------


def test_a_household_above_the_line_without_any_shortfall_is_not_at_risk() -> None:
    a = assess(findings(), 1, SEED)

    assert a.at_risk is False
    assert a.reasons == ()
    assert a.risks == ()
    assert a.per_capita_net_income == yuan("10000.00")


@pytest.mark.parametrize(
    ("net", "size", "at_risk"),
    [
        ("7100", 1, True),  # at the line is inside the range
        ("7100.01", 1, False),
        ("7099.99", 1, True),
        ("21300", 3, True),  # 7100.00 each
        ("21300.03", 3, False),  # 7100.01 each
        ("0", 4, True),
    ],
)
def test_income_at_or_below_the_line_is_at_risk(net: str, size: int, at_risk: bool) -> None:
    a = assess(ScreeningFindings(wage_income=yuan(net)), size, SEED)

    assert a.at_risk is at_risk
    assert ("income_at_or_below_line" in reasons(a)) is at_risk


def test_the_income_reason_states_the_income_and_the_line() -> None:
    a = assess(ScreeningFindings(wage_income=yuan(13000)), 2, SEED)

    [(rule, message)] = a.reasons
    assert rule == "income_at_or_below_line"
    assert "6500.00" in message and "7100" in message


def test_the_line_is_the_one_of_the_policy_given() -> None:
    f = ScreeningFindings(wage_income=yuan(6500))

    assert assess(f, 1, SEED).at_risk is True
    national = assess(f, 1, national_policy())  # line 6000
    assert national.at_risk is False
    assert national.monitoring_line == yuan(6000)
    assert national.policy == "national@1"


def test_income_is_net_of_production_costs_per_person() -> None:
    f = ScreeningFindings(business_income=yuan(30000), production_costs=yuan(10000))  # 20000 net, 6666.67 each

    a = assess(f, 3, SEED)

    assert a.per_capita_net_income == yuan("6666.67")
    assert reasons(a) == ["income_at_or_below_line"]


def test_the_assessment_names_its_policy_and_line() -> None:
    a = assess(findings(), 1, seed_policy(version=3))

    assert a.policy == "seed-township@3"
    assert a.monitoring_line == LINE


def test_an_assessment_is_plain_data() -> None:
    a = assess(findings(wage_income=yuan(5000), water_unsafe=True), 2, SEED)

    data = a.as_dict()

    assert data["at_risk"] is True
    assert data["per_capita_net_income"] == "2500.00"
    assert data["monitoring_line"] == "7100"
    assert data["policy"] == "seed-township@1"
    assert data["risks"] == ["water_safety"]
    assert [r["rule"] for r in data["reasons"]] == ["income_at_or_below_line", "shortfall_water_unsafe"]
    assert all(r["message"] for r in data["reasons"])


# --- assessment: 三保障 and drinking water ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "risk", "text"),
    [
        ("housing_unsafe", Risk.HOUSING_SAFETY, "住房"),
        ("water_unsafe", Risk.WATER_SAFETY, "饮水"),
        ("member_uninsured", Risk.ILLNESS, "医疗保险"),
        ("child_out_of_school", Risk.SCHOOLING, "失学辍学"),
    ],
)
def test_each_shortfall_puts_a_household_above_the_line_at_risk_with_its_risk(flag: str, risk: Risk, text: str) -> None:
    a = assess(findings(**{flag: True}), 1, SEED)

    assert a.at_risk is True
    assert a.reasons == ((f"shortfall_{flag}", a.reasons[0][1]),)
    assert text in a.reasons[0][1]
    assert a.risks == (risk,)


def test_every_shortfall_is_a_reason_of_its_own() -> None:
    a = assess(
        findings(housing_unsafe=True, water_unsafe=True, member_uninsured=True, child_out_of_school=True), 1, SEED
    )

    assert sorted(reasons(a)) == sorted(
        [
            "shortfall_housing_unsafe",
            "shortfall_water_unsafe",
            "shortfall_member_uninsured",
            "shortfall_child_out_of_school",
        ]
    )
    assert set(a.risks) == {Risk.HOUSING_SAFETY, Risk.WATER_SAFETY, Risk.ILLNESS, Risk.SCHOOLING}


# --- assessment: rigid expenditure --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("medical", "schooling", "alert"),
    [("20000", "0", False), ("20000.01", "0", True), ("0", "20000.01", True), ("15000", "5000.01", True)],
)
def test_rigid_expenditure_above_the_alert_is_at_risk(medical: str, schooling: str, alert: bool) -> None:
    # income 100000 for one person: far above the line even after the spending
    f = ScreeningFindings(
        wage_income=yuan(100000), medical_expenditure=yuan(medical), schooling_expenditure=yuan(schooling)
    )

    a = assess(f, 1, SEED)

    assert ("rigid_expenditure" in reasons(a)) is alert
    assert a.at_risk is alert


@pytest.mark.parametrize(
    ("medical", "schooling", "risks"),
    [
        ("25000", "0", (Risk.ILLNESS,)),
        ("0", "25000", (Risk.SCHOOLING,)),
        ("15000", "10000", (Risk.ILLNESS, Risk.SCHOOLING)),
    ],
)
def test_large_rigid_expenditure_derives_illness_or_schooling(medical: str, schooling: str, risks: tuple[Risk]) -> None:
    f = ScreeningFindings(
        wage_income=yuan(100000), medical_expenditure=yuan(medical), schooling_expenditure=yuan(schooling)
    )

    assert assess(f, 1, SEED).risks == risks


def test_rigid_expenditure_at_or_below_the_alert_derives_no_risk() -> None:
    f = ScreeningFindings(wage_income=yuan(100000), medical_expenditure=yuan(20000))

    a = assess(f, 1, SEED)

    assert a.risks == ()
    assert a.at_risk is False


def test_the_rigid_expenditure_alert_is_configuration() -> None:
    f = ScreeningFindings(wage_income=yuan(100000), medical_expenditure=yuan(6000))

    assert assess(f, 1, SEED).at_risk is False
    low = assess(f, 1, seed_policy(rigid_expenditure_alert=yuan(5000)))
    assert reasons(low) == ["rigid_expenditure"]
    assert "5000" in low.reasons[0][1] and "6000" in low.reasons[0][1]


# --- assessment: income after rigid spending ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net", "spending", "size", "after_at_risk"),
    [
        ("9000", "1900", 1, True),  # 7100 after spending: at the line
        ("9000", "1899.99", 1, False),  # 7100.01 after spending
        ("24000", "3000", 3, True),  # 8000 each before, 7000 each after
        ("24000", "2699.97", 3, False),  # 7100.01 each after
    ],
)
def test_income_above_the_line_that_falls_to_it_after_rigid_spending_is_at_risk(
    net: str, spending: str, size: int, after_at_risk: bool
) -> None:
    f = ScreeningFindings(wage_income=yuan(net), medical_expenditure=yuan(spending))

    a = assess(f, size, SEED)

    assert ("income_after_rigid_expenditure" in reasons(a)) is after_at_risk
    assert a.at_risk is after_at_risk
    assert "income_at_or_below_line" not in reasons(a)
    assert "rigid_expenditure" not in reasons(a)  # far below the 20000 alert
    assert a.risks == ()  # the spending is not large enough to name a risk by itself


def test_income_already_at_or_below_the_line_is_not_reported_again_after_spending() -> None:
    f = ScreeningFindings(wage_income=yuan(7000), medical_expenditure=yuan(1000))

    assert reasons(assess(f, 1, SEED)) == ["income_at_or_below_line"]


def test_income_after_spending_states_the_remaining_income() -> None:
    f = ScreeningFindings(wage_income=yuan(24000), schooling_expenditure=yuan(3000))

    [(rule, message)] = assess(f, 3, SEED).reasons

    assert rule == "income_after_rigid_expenditure"
    assert "7000.00" in message


def test_large_spending_that_leaves_too_little_income_gives_both_reasons() -> None:
    f = ScreeningFindings(wage_income=yuan(30000), medical_expenditure=yuan(25000))

    a = assess(f, 1, SEED)

    assert reasons(a) == ["rigid_expenditure", "income_after_rigid_expenditure"]
    assert a.risks == (Risk.ILLNESS,)


# --- assessment: the plan's other key groups ----------------------------------------------------------------------


def test_a_newly_applied_dibao_household_is_at_risk() -> None:
    a = assess(findings(newly_applied_dibao=True), 1, SEED)

    assert reasons(a) == ["newly_applied_dibao"]
    assert "低保" in a.reasons[0][1]
    assert a.risks == ()


def test_a_household_hit_hard_by_covid_is_at_risk() -> None:
    a = assess(findings(severe_covid_impact=True), 1, SEED)

    assert reasons(a) == ["severe_covid_impact"]
    assert "新冠" in a.reasons[0][1]
    assert a.risks == ()


def test_a_risk_recorded_by_the_screener_puts_the_household_at_risk() -> None:
    a = assess(findings(risks=(Risk.ACCIDENT,)), 1, SEED)

    assert reasons(a) == ["risk_found"]
    assert a.risks == (Risk.ACCIDENT,)


def test_every_reason_is_reported_not_only_the_first() -> None:
    f = ScreeningFindings(
        wage_income=yuan(5000),
        housing_unsafe=True,
        medical_expenditure=yuan(30000),
        newly_applied_dibao=True,
        severe_covid_impact=True,
        risks=(Risk.NATURAL_DISASTER,),
    )

    assert reasons(assess(f, 1, SEED)) == [
        "income_at_or_below_line",
        "shortfall_housing_unsafe",
        "rigid_expenditure",
        "newly_applied_dibao",
        "severe_covid_impact",
        "risk_found",
    ]


# --- assessment: the risks a case opened from it reports ----------------------------------------------------------


def test_risks_a_flag_requires_come_first_then_recorded_ones() -> None:
    f = findings(risks=(Risk.UNSTABLE_EMPLOYMENT, Risk.ACCIDENT), water_unsafe=True, housing_unsafe=True)

    a = assess(f, 1, SEED)

    assert set(a.risks[:2]) == {Risk.WATER_SAFETY, Risk.HOUSING_SAFETY}
    assert a.risks[2:] == (Risk.UNSTABLE_EMPLOYMENT, Risk.ACCIDENT)


def test_a_risk_found_in_several_ways_is_reported_once() -> None:
    f = ScreeningFindings(
        wage_income=yuan(100000),
        risks=(Risk.ILLNESS,),
        member_uninsured=True,  # 因病
        medical_expenditure=yuan(30000),  # 因病
        child_out_of_school=True,  # 因学
        schooling_expenditure=yuan(100),  # 因学 (with the medical spending above the alert)
    )

    a = assess(f, 1, SEED)

    assert a.risks.count(Risk.ILLNESS) == 1
    assert a.risks.count(Risk.SCHOOLING) == 1
    assert a.risks == (Risk.ILLNESS, Risk.SCHOOLING)


def test_a_case_reports_at_most_five_risks() -> None:
    recorded = (Risk.DISABILITY, Risk.NATURAL_DISASTER, Risk.ACCIDENT)
    f = ScreeningFindings(
        wage_income=yuan(100000),
        risks=recorded,
        housing_unsafe=True,
        water_unsafe=True,
        member_uninsured=True,
        child_out_of_school=True,
    )

    a = assess(f, 1, SEED)

    assert len(a.risks) == 5
    assert len(set(a.risks)) == 5
    # The four a flag requires (domain.md §5 consistency checks) are never the ones cut; the recorded ones fill up.
    assert set(a.risks[:4]) == {Risk.HOUSING_SAFETY, Risk.WATER_SAFETY, Risk.ILLNESS, Risk.SCHOOLING}
    assert a.risks[4] == recorded[0]
    assert len(a.reasons) == 5  # four shortfalls and the recorded risks: every reason kept, only risks capped


def test_five_recorded_risks_and_derived_ones_stay_within_five() -> None:
    recorded = (Risk.DISABILITY, Risk.NATURAL_DISASTER, Risk.ACCIDENT, Risk.FAILED_ENTERPRISE, Risk.OTHER)

    a = assess(findings(risks=recorded, water_unsafe=True, medical_expenditure=yuan(50000)), 1, SEED)

    assert len(a.risks) == 5


def test_the_risks_are_derived_even_when_income_alone_puts_the_household_at_risk() -> None:
    a = assess(ScreeningFindings(wage_income=yuan(3000), water_unsafe=True), 1, SEED)

    assert reasons(a) == ["income_at_or_below_line", "shortfall_water_unsafe"]
    assert a.risks == (Risk.WATER_SAFETY,)


def test_income_alone_at_risk_reports_no_risk_type() -> None:
    a = assess(ScreeningFindings(wage_income=yuan(3000)), 1, SEED)

    assert a.at_risk is True
    assert a.risks == ()
