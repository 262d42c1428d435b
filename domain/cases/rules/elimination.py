"""Criteria for proposing risk elimination (风险消除), domain.md §7, all checked and all reported at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.cases.rules.assistance import MeasureFacts, measure_for_risk
from domain.cases.rules.deadlines import elimination_eligible_from
from domain.cases.values import EliminationMode
from domain.kernel.policy import Policy
from domain.registry.values import Guarantee, Risk


@dataclass(frozen=True)
class EliminationAssessment:
    """What the proposal states about the household now."""

    mode: EliminationMode
    proposed_on: date
    per_capita_net_income: Decimal
    unmet_guarantees: list[Guarantee]
    unresolved_rigid_expenditure: bool
    labour_capable_members: int


@dataclass(frozen=True)
class Violation:
    field: str
    rule: str
    message: str


def elimination_violations(
    assessment: EliminationAssessment,
    *,
    identified_on: date,
    risks: list[Risk],
    measures: list[MeasureFacts],
    pinned: Policy,
    current: Policy,
) -> list[Violation]:
    """Every criterion the proposal fails. ``pinned`` is the case's policy version (time limits); ``current`` is the
    policy in force on the proposal date, whose monitoring line is "the current year's" (domain.md §7.2)."""
    found: list[Violation] = []
    earliest = elimination_eligible_from(identified_on, pinned)
    if assessment.proposed_on < earliest:
        # 原则上…监测时间不少于半年 (yjq.gov.cn); income stable for half a year (domain.md §7 criteria 1).
        found.append(
            Violation(
                "occurred_at",
                "min_monitoring_period",
                f"monitored since {identified_on.isoformat()}: elimination may be proposed from {earliest.isoformat()}",
            )
        )
    if not measure_for_risk(risks, measures):
        # At least one implemented measure targeting its risk (yjq.gov.cn; domain.md §7 "Minimum time and measures").
        found.append(Violation("measures", "measure_for_risk", "no implemented measure aimed at the case's risks"))
    line = current.monitoring_line
    if assessment.mode is EliminationMode.ASSISTED and assessment.per_capita_net_income <= line:
        # 帮扶消除: income stably above the current year's line (domain.md §7 criteria 2; fuping 4_11_010).
        found.append(
            Violation(
                "per_capita_net_income",
                "income_above_line",
                f"per-capita net income {assessment.per_capita_net_income} is not above the line {line} "
                f"({current.key}, {current.year})",
            )
        )
    if assessment.unmet_guarantees:
        # 三保障 and drinking water secured (domain.md §7 criteria 4).
        found.append(
            Violation(
                "unmet_guarantees",
                "three_guarantees",
                "unmet: " + ", ".join(sorted(g.value for g in assessment.unmet_guarantees)),
            )
        )
    if assessment.unresolved_rigid_expenditure:
        # Large rigid expenditure stably resolved (domain.md §7 criteria 3).
        found.append(
            Violation("unresolved_rigid_expenditure", "rigid_expenditure", "large rigid expenditure is unresolved")
        )
    if assessment.labour_capable_members == 0:
        # 整户无劳动力的监测对象，暂不标注风险消除 (yjq.gov.cn; Hainan; domain.md §7 "Cannot be marked eliminated").
        found.append(
            Violation(
                "labour_capable_members",
                "whole_household_without_labour",
                "a whole household without labour capacity stays monitored",
            )
        )
    return found
