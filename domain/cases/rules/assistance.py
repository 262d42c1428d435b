"""Rules of assistance (帮扶): which measures a household's risks and labour call for, and what makes assistance
不及时 or 不精准. Sources: domain.md §6 and the seed plan §二(二)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.cases.values import FindingKind, MeasureCategory, MeasureStatus
from domain.registry.values import Guarantee, Risk

# Risk → measures, at least one of which must address it (domain.md §6 "Risk → required-measure mapping", data
# checks fuping 5_18_001…007). Risks the table does not name accept any measure.
RISK_MEASURES: dict[Risk, frozenset[MeasureCategory]] = {
    Risk.ILLNESS: frozenset({MeasureCategory.HEALTH, MeasureCategory.SOCIAL_ASSISTANCE}),
    Risk.SCHOOLING: frozenset(
        {MeasureCategory.COMPULSORY_EDUCATION, MeasureCategory.EDUCATION, MeasureCategory.SOCIAL_ASSISTANCE}
    ),
    Risk.DISABILITY: frozenset({MeasureCategory.COMPREHENSIVE_SECURITY, MeasureCategory.SOCIAL_ASSISTANCE}),
    Risk.HOUSING_SAFETY: frozenset({MeasureCategory.HOUSING_SAFETY, MeasureCategory.RELOCATION}),
    Risk.WATER_SAFETY: frozenset({MeasureCategory.DRINKING_WATER_SAFETY}),
}

# An unmet guarantee → measures (same table: out-of-school child → 义务教育保障; uninsured member → 健康帮扶 or
# 社会帮扶; housing and water as for their risks).
GUARANTEE_MEASURES: dict[Guarantee, frozenset[MeasureCategory]] = {
    Guarantee.EDUCATION: frozenset({MeasureCategory.COMPULSORY_EDUCATION}),
    Guarantee.MEDICAL: frozenset({MeasureCategory.HEALTH, MeasureCategory.SOCIAL_ASSISTANCE}),
    Guarantee.HOUSING: frozenset({MeasureCategory.HOUSING_SAFETY, MeasureCategory.RELOCATION}),
    Guarantee.DRINKING_WATER: frozenset({MeasureCategory.DRINKING_WATER_SAFETY}),
}

# 开发式帮扶 for households with labour capacity: industry, employment (public-welfare jobs are employment), finance
# (domain.md §6 "Development vs. protection principle"; issue #3).
DEVELOPMENT_MEASURES = frozenset(
    {
        MeasureCategory.INDUSTRY,
        MeasureCategory.EMPLOYMENT,
        MeasureCategory.PUBLIC_WELFARE_JOB,
        MeasureCategory.FINANCE,
    }
)


@dataclass(frozen=True)
class MeasureFacts:
    measure_id: str
    category: MeasureCategory
    status: MeasureStatus
    was_implemented: bool  # implemented at some point (an ended measure may have been)


@dataclass(frozen=True)
class Finding:
    """A problem found in a case's assistance, by a reviewer or derived from the events."""

    kind: FindingKind
    rule: str
    message: str
    evidence: dict[str, str]


def addresses(measures: Iterable[MeasureFacts], wanted: frozenset[MeasureCategory]) -> list[MeasureFacts]:
    """Measures that count for a need: of a wanted category and not abandoned before being implemented."""
    return [m for m in measures if m.category in wanted and (m.status is not MeasureStatus.ENDED or m.was_implemented)]


def precision_findings(
    risks: Iterable[Risk],
    unmet_guarantees: Iterable[Guarantee],
    labour_capable_members: int,
    measures: list[MeasureFacts],
) -> list[Finding]:
    """不精准, derived: what the household's risks, guarantees and labour call for that its measures do not give."""
    findings: list[Finding] = []
    implemented = [m for m in measures if m.was_implemented]
    if labour_capable_members > 0:
        # A household with labour capacity must have a development measure implemented (fuping 5_11_030) …
        if not [m for m in implemented if m.category in DEVELOPMENT_MEASURES]:
            findings.append(
                Finding(
                    FindingKind.NOT_PRECISE,
                    "development_measure_required",
                    "a household with labour capacity has no implemented development measure (产业/就业/公益岗位/金融)",
                    {"labour_capable_members": str(labour_capable_members)},
                )
            )
        # … and may not rely on 综合保障 alone (fuping 5_11_032).
        if implemented and all(m.category is MeasureCategory.COMPREHENSIVE_SECURITY for m in implemented):
            findings.append(
                Finding(
                    FindingKind.NOT_PRECISE,
                    "comprehensive_security_alone",
                    "a household with labour capacity relies on 综合保障 alone",
                    {"measures": ",".join(m.measure_id for m in implemented)},
                )
            )
    for risk in risks:
        wanted = RISK_MEASURES.get(risk)
        if wanted is not None and not addresses(measures, wanted):
            findings.append(
                Finding(
                    FindingKind.NOT_PRECISE,
                    "risk_without_measure",
                    f"risk {risk.value} has no matching measure",
                    {"risk": risk.value, "accepted": ",".join(sorted(c.value for c in wanted))},
                )
            )
    for guarantee in unmet_guarantees:
        wanted = GUARANTEE_MEASURES[guarantee]
        if not addresses(measures, wanted):
            findings.append(
                Finding(
                    FindingKind.NOT_PRECISE,
                    "guarantee_without_measure",
                    f"unmet guarantee {guarantee.value} has no matching measure",
                    {"guarantee": guarantee.value, "accepted": ",".join(sorted(c.value for c in wanted))},
                )
            )
    return findings


def measure_for_risk(risks: Iterable[Risk], measures: list[MeasureFacts]) -> list[MeasureFacts]:
    """Implemented measures aimed at one of the risks (any implemented measure for a risk the table does not name)."""
    implemented = [m for m in measures if m.was_implemented]
    aimed: list[MeasureFacts] = []
    for risk in risks:
        wanted = RISK_MEASURES.get(risk)
        aimed += implemented if wanted is None else [m for m in implemented if m.category in wanted]
    return list({m.measure_id: m for m in aimed}.values())
