"""The seed's inspection rules (排查规则) as a rule engine over the event history.

The seed plan's campaign is about three problems: 应纳未纳 (households at risk not monitored), 帮扶措施不及时不精准
(assistance late or off target) and 风险消除不规范 (irregular risk elimination), plus eliminated cases whose 回头看
is overdue. Each rule has an id, its source line, a severity, and a check over one case (or, for 应纳未纳, over the
registry). Each finding names the case, the rule and the stored events that prove it.

The rules read what the events recorded; they never re-run a command's checks, so a finding shows what happened even
where the rules of the day let it through (or the data came from elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.cases.case import MonitoringCase
from domain.cases.events import DEADLINE_CLOCKS, CountyDecided, MeasureAdded, MeasureImplemented
from domain.cases.queries import EventRecord
from domain.cases.rules.assistance import measure_for_risk
from domain.cases.rules.deadlines import elimination_eligible_from, plan_due
from domain.cases.values import ENDED_STAGES, DeadlineKind, MeasureCategory, MeasureStatus, Stage
from domain.kernel.actors import Role
from domain.kernel.policy import Policy
from domain.kernel.privacy import sees_personal_data
from domain.kernel.steps import Procedure
from domain.kernel.time import local_date
from domain.registry.figures import HouseholdFigures, HouseholdHistory
from domain.registry.values import Risk


@dataclass(frozen=True)
class Hit:
    detail: str
    evidence: tuple[int, ...]  # versions of the case's events that prove it
    days_late: int | None = None  # a deadline's rule: calendar days past its due date (met late, or still unmet)
    due: date | None = None  # that deadline's due date
    registry: tuple[int, ...] = ()  # versions of the household's registry stream that prove it
    reason: str = ""  # a decision's reason, as typed (free text: masked by its key for the roles that see none)


# A rule's check over one case: its events (as records), today, and its household in the registry (None when the
# household number was never registered).
Check = Callable[[MonitoringCase, list[EventRecord], date, HouseholdHistory | None], list[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # 中文, as inspectors name it
    group: str  # 应纳未纳 / 帮扶措施不及时 / 帮扶措施不精准 / 风险消除不规范 / 回头看
    source: str
    severity: str  # high | medium
    check: Check | None
    # A finding of it tells which risks the household was recorded with (a case's risks are privacy.HEALTH, 因病 and
    # 因残 among them): shown only to the roles that see personal data (``visible_to``, ``seen_findings``).
    personal: bool = False

    def describe(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "group": self.group,
            "source": self.source,
            "severity": self.severity,
        }


def _versions(records: list[EventRecord], *types: str, procedure: str | None = None) -> list[int]:
    return [
        r["version"]
        for r in records
        # Only the shared village-to-county steps carry a procedure; other events match whatever it is.
        if r["type"] in types and (procedure is None or r["payload"].get("procedure", procedure) == procedure)
    ]


def _missed_versions(records: list[EventRecord], kind: DeadlineKind) -> list[int]:
    return [r["version"] for r in records if r["type"] == "DeadlineMissed" and r["payload"].get("kind") == kind.value]


def _late(kind: DeadlineKind) -> Check:
    def check(
        case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
    ) -> list[Hit]:
        hits = []
        for d in case.deadline_states():
            if d.kind is not kind:
                continue
            if d.closed:
                # A deadline that no longer applies (the case was closed, or eliminated) was still missed if its day
                # passed before the case left the path: the finding outlives the case.
                left_on = case.left_assistance_on()
                if d.met_on is not None or left_on is None or left_on <= d.due:
                    continue
                late_on, what = left_on, f"not met before the case left it on {left_on.isoformat()}"
            else:
                late_on = d.met_on if d.met_on is not None else today
                if late_on <= d.due:
                    continue
                what = f"met {d.met_on.isoformat()}" if d.met_on else f"not met by {today.isoformat()}"
            starts, meets = DEADLINE_CLOCKS[kind]
            procedure = Procedure.IDENTIFICATION.value if CountyDecided in starts + meets else None
            started = _versions(records, *(e.__name__ for e in starts), procedure=procedure)
            # The clock runs from the latest start (a second elimination restarts the look-back's), and is met by the
            # first event that meets it (a measure counts once implemented).
            start = started[-1:] if kind is DeadlineKind.LOOK_BACK else started[:1]
            if kind in (DeadlineKind.MEASURES, DeadlineKind.MEASURES_FROM_CLUE):
                meeting = [
                    r["version"]
                    for r in records
                    if r["type"] == MeasureImplemented.__name__
                    or (r["type"] == MeasureAdded.__name__ and r["payload"].get("status") == MeasureStatus.IMPLEMENTED)
                ]
            else:
                names = (e.__name__ for e in meets)
                meeting = [v for v in _versions(records, *names, procedure=procedure) if not start or v > start[0]]
            met = meeting[:1] if d.met_on else []
            days = (late_on - d.due).days
            hits.append(
                Hit(
                    f"due {d.due.isoformat()}, {what} ({days} days late)",
                    tuple(sorted(set(start + met + _missed_versions(records, kind)))),
                    days_late=days,
                    due=d.due,
                )
            )
        return hits

    return check


def _precision(code: str) -> Check:
    def check(
        case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
    ) -> list[Hit]:
        if not case.assisted() or not case.precision_judged(today):
            return []
        evidence = tuple(_versions(records, "HouseholdVisitRecorded", "MeasureAdded", "MeasureChanged",
                                   "MeasureImplemented", "MeasureEnded"))  # fmt: skip
        found = case.precision_gaps()
        return [Hit(f.message, evidence) for f in found if f.rule == code]

    return check


def _eliminated(case: MonitoringCase) -> dict[str, Any] | None:
    return case.elimination if case.stage is Stage.ELIMINATED and case.elimination else None


def _elimination_evidence(records: list[EventRecord], *types: str) -> tuple[int, ...]:
    return tuple(_versions(records, *types))


def _too_soon(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    record = _eliminated(case)
    if record is None or case.identified_on is None or case.eliminated_on is None:
        return []
    earliest = elimination_eligible_from(case.identified_on, case.policy)
    if case.eliminated_on >= earliest:
        return []
    identified = _versions(records, "CountyDecided", procedure=Procedure.IDENTIFICATION.value)[:1]
    return [
        Hit(
            f"identified {case.identified_on.isoformat()}, eliminated {case.eliminated_on.isoformat()}: "
            f"under {case.policy.min_monitoring_months} months (earliest {earliest.isoformat()})",
            tuple(identified) + _elimination_evidence(records, "RiskEliminated"),
        )
    ]


def _income_below_line(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    record = _eliminated(case)
    if record is None or record.get("mode") != "assisted":
        return []
    proposal = record.get("proposal", {})
    income, line = proposal.get("per_capita_net_income"), proposal.get("monitoring_line")
    if income is None or line is None or income > line:
        return []
    return [
        Hit(
            f"帮扶消除 with per-capita net income {income} not above the line {line}",
            _elimination_evidence(records, "EliminationProposed", "RiskEliminated"),
        )
    ]


# The steps of the elimination procedure (domain.md §7 "Procedure"): its own visit, deliberation, notice, township
# review, county approval and the announcement.
ELIMINATION_STEPS = (
    "elimination_visit",
    "village_deliberation",
    "public_notice",
    "public_notice_closed",
    "township_review",
    "county_decision",
    "announcement",
)


def _step_missing(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    record = _eliminated(case)
    if record is None:
        return []
    missing = [s for s in ELIMINATION_STEPS if s not in record]
    if not missing:
        return []
    return [
        Hit("missing: " + ", ".join(missing), _elimination_evidence(records, "EliminationProposed", "RiskEliminated"))
    ]


def _no_labour(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    """Labour as the registry had it on the day of elimination (issue 19: never the proposal's own count); the
    proposal's count for a household never registered."""
    record = _eliminated(case)
    if record is None or case.eliminated_on is None:
        return []
    registered = household.as_of(case.eliminated_on) if household else None
    if registered is not None:
        labour = registered.figures.labour_capable
    else:
        labour = record.get("proposal", {}).get("labour_capable_members", case.labour_capable_members)
    if labour:
        return []
    return [
        Hit(
            "a whole household without labour capacity marked eliminated"
            + (f" (registry version {registered.version})" if registered else ""),
            _elimination_evidence(records, "EliminationProposed", "RiskEliminated"),
            registry=(registered.version,) if registered else (),
        )
    ]


def _proposal_figures(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    """An elimination's labour count that is not the registry's on the proposal's date (a proposal recorded before
    cases read the registry, or a registry corrected since)."""
    proposal = (case.elimination or {}).get("proposal")
    if proposal is None or household is None:
        return []
    proposed_on = local_date(proposal["occurred_at"])
    registered = household.as_of(proposed_on)
    if registered is None or registered.figures.labour_capable == proposal["labour_capable_members"]:
        return []
    return [
        Hit(
            f"the proposal of {proposed_on.isoformat()} counts {proposal['labour_capable_members']} members able to "
            f"work; the registry (version {registered.version}) counts {registered.figures.labour_capable}",
            tuple(_versions(records, "EliminationProposed")),
            registry=(registered.version,),
        )
    ]


def _eliminated_without_measure(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    record = _eliminated(case)
    risks = case.current_risks()
    if record is None or record.get("mode") != "assisted" or not risks or measure_for_risk(risks, case.measure_facts()):
        return []
    measures = ("MeasureAdded", "MeasureImplemented", "MeasureEnded")
    return [Hit("帮扶消除 with no implemented measure aimed at the case's risks",
                _elimination_evidence(records, "HouseholdVisitRecorded", *measures, "RiskEliminated"))]  # fmt: skip


def _responsible_throughout(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    """A one-to-one responsible person from the start of assistance (the plan's deadline at the latest) until the
    elimination (seed plan: every monitored household gets one; domain.md §6)."""
    if _eliminated(case) is None or case.identified_on is None:
        return []
    people = [*case.responsible_history, *([case.responsible_person] if case.responsible_person else [])]
    evidence = tuple(_versions(records, "ResponsiblePersonAssigned", "RiskEliminated"))
    if not people:
        return [Hit("eliminated without ever having a responsible person", evidence)]
    first = min(p["start_date"] for p in people)
    due = plan_due(case.identified_on, case.policy)
    if first > due:
        return [Hit(f"the first responsible person started {first.isoformat()}, after {due.isoformat()}", evidence)]
    return []


def _risk_member(risk: Risk, why: str, lacks: Callable[[HouseholdFigures, Policy], bool]) -> Check:
    """A risk recorded at the visit that the household's members, as registered on the visit's date, cannot have."""

    def check(
        case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
    ) -> list[Hit]:
        visit = case.facts.get("household_visit")
        if household is None or visit is None or risk.value not in case.risks:
            return []
        registered = household.as_of(local_date(visit["occurred_at"]))
        if registered is None or not lacks(registered.figures, case.policy):
            return []
        return [Hit(f"risk {risk.value} recorded, but {why} (registry version {registered.version})",
                    tuple(_versions(records, "HouseholdVisitRecorded")), registry=(registered.version,))]  # fmt: skip

    return check


def _lack_of_labour_implausible(f: HouseholdFigures, policy: Policy) -> bool:
    # every member can work (fuping 4_11_009), or more than the policy's share are 普通/技能劳动力 (5_18_008)
    return f.size > 0 and (
        f.labour_capable == f.size or Decimal(f.full_labour) > policy.lack_of_labour_full_share * f.size
    )


def _measure_member(
    categories: frozenset[MeasureCategory], why: str, lacks: Callable[[HouseholdFigures], bool]
) -> Check:
    """A measure that needs someone the household, as registered on the measure's date, does not have."""

    def check(
        case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
    ) -> list[Hit]:
        if household is None:
            return []
        hits = []
        for measure_id, m in case.measures.items():
            if MeasureCategory(m["category"]) not in categories or (m["status"] == MeasureStatus.ENDED and not m[
                    "was_implemented"]):  # fmt: skip
                continue
            registered = household.as_of(local_date(m["occurred_at"]))
            if registered is None or not lacks(registered.figures):
                continue
            added = [r["version"] for r in records
                     if r["type"] == "MeasureAdded" and r["payload"]["measure_id"] == measure_id]  # fmt: skip
            hits.append(Hit(f"measure {measure_id} ({m['category']}) but {why} (registry version {registered.version})",
                            tuple(added[:1]), registry=(registered.version,)))  # fmt: skip
        return hits

    return check


def _unregistered_late(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    """Registered by the day the registry recorded it (not the day its facts are said to hold from); a case that left
    the path before registering stays late only by the day it left."""
    due = case.registration_due
    if due is None:
        return []
    first = household.versions[0] if household and household.versions else None
    if first is not None:
        late_on, what = first.recorded_on, f"registered {first.recorded_on.isoformat()}"
    elif case.stage in ENDED_STAGES:
        late_on, what = case.last_business_date, f"not registered before the case left on {case.last_business_date}"
    else:
        late_on, what = today, f"not registered by {today.isoformat()}"
    if late_on <= due:
        return []
    return [Hit(f"opened unregistered ({case.source.value}); due {due.isoformat()}, {what}", (1,),
                days_late=(late_on - due).days, due=due, registry=(first.version,) if first else ())]  # fmt: skip


def _closed_still_at_risk(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    """A case rejected or closed while the household's latest screening still finds it at risk, and no case of the
    household is open: listed with the decision and its reason, for review (issue 19, plausibility)."""
    if case.stage is not Stage.CLOSED or household is None or household.open_cases:
        return []
    screening = household.latest_screening()
    # the household's latest screening, if it speaks of this case (made while it was open, or with no case): one
    # finding per household, on the case that screening concerns
    if (
        screening is None
        or not screening["assessment"]["at_risk"]
        or screening.get("case_id") not in ("", str(case.id))
    ):
        return []
    ending = [r for r in records if r["type"] in ("HouseholdVisitRecorded", "TownshipReviewed", "CountyDecided")]
    last = ending[-1] if ending else None
    payload = last["payload"] if last else {}
    decision = payload.get("decision") or ("declined" if payload.get("authorisation_signed") is False else "")
    # the reason is free text about the household: under its own key, masked for the roles that see none
    reason = payload.get("reason") or payload.get("refusal_reason") or ""
    return [Hit(f"closed ({case.status.value}; decision {decision or '-'}); screened {screening['screened_on']} "
                f"still at risk", tuple([last["version"]] if last else []), registry=(screening["version"],),
                reason=reason)]  # fmt: skip


def _no_responsible_person(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    # an eliminated case without one is EL-07's
    if case.identified_on is None or case.stage in ENDED_STAGES or case.responsible_person is not None:
        return []
    due = plan_due(case.identified_on, case.policy)
    if today <= due:
        return []
    identified = _versions(records, "CountyDecided", procedure=Procedure.IDENTIFICATION.value)[:1]
    return [Hit(f"identified {case.identified_on.isoformat()}, no responsible person by {today.isoformat()}",
                tuple(identified), days_late=(today - due).days, due=due)]  # fmt: skip


def _no_phone(
    case: MonitoringCase, records: list[EventRecord], today: date, household: HouseholdHistory | None
) -> list[Hit]:
    if case.identified_on is None or case.stage is Stage.CLOSED or household is None or household.latest is None:
        return []
    latest = household.latest
    if latest.figures.has_phone:
        return []
    return [Hit("the household has no contact phone in the registry", (), registry=(latest.version,))]


_RISK_CHECKS: dict[str, Check] = {
    "RK-01": _risk_member(Risk.ILLNESS, "no member is registered with a major or chronic illness",
                          lambda f, p: f.ill == 0),
    "RK-02": _risk_member(Risk.DISABILITY, "no member is registered as disabled", lambda f, p: f.disabled == 0),
    "RK-03": _risk_member(Risk.SCHOOLING, "no member is registered in school", lambda f, p: f.students == 0),
    "RK-04": _risk_member(Risk.LACK_OF_LABOUR, "the household's members can work", _lack_of_labour_implausible),
    "RK-05": _risk_member(Risk.UNSTABLE_EMPLOYMENT, "no member can work", lambda f, p: f.labour_capable == 0),
}  # fmt: skip


NOT_MONITORED = Rule(
    "NM-01", "应纳未纳：排查发现风险但未纳入监测", "应纳未纳",
    "seeds/township-screening-plan.txt 二(一): 排查发现存在返贫致贫风险的农户要全部及时纳入监测范围，真正做到应纳尽纳",
    "high", None,
)  # fmt: skip

# The discovery channels' deadlines and matches, found over the registry's list of applications and alerts (issue 21:
# "unmatched or late alerts are findings"; "an alert never verified, an application never answered").
_ALERT_SOURCE = (
    "domain.md §4.1 部门筛查预警 (township and village check the departments' alerts); Policy.alert_verify_days"
)
_APPLICATION_SOURCE = (
    "domain.md §4.1 农户自主申报: accepted by the township within 2 days; Policy.application_answer_days"
)
DISCOVERY_RULES: tuple[Rule, ...] = (
    Rule("DC-01", "部门预警逾期未核实", "发现渠道", _ALERT_SOURCE, "high", None),
    Rule("DC-02", "部门预警核实超过时限", "发现渠道", _ALERT_SOURCE, "medium", None),
    Rule("DC-03", "部门预警人员不在农户信息库（未匹配）", "发现渠道",
         "issue 21: an alert matched to no registered person by its ID number is a finding (应纳未纳 risk: a household "
         "the registry does not hold)", "medium", None),
    Rule("DC-04", "自主申报逾期未答复", "发现渠道", _APPLICATION_SOURCE, "high", None),
    Rule("DC-05", "自主申报答复超过时限", "发现渠道", _APPLICATION_SOURCE, "medium", None),
)  # fmt: skip

RULES: tuple[Rule, ...] = (
    NOT_MONITORED,
    *DISCOVERY_RULES,
    Rule("ID-01", "识别认定超过15天", "应纳未纳",
         "seeds/township-screening-plan.txt 三(二): 确保15天内完成监测对象识别认定", "medium",
         _late(DeadlineKind.IDENTIFICATION)),
    Rule("TI-01", "帮扶计划超过10天（不及时）", "帮扶措施不及时",
         "seeds/township-screening-plan.txt 二(二): 10天内制定帮扶计划", "medium", _late(DeadlineKind.ASSISTANCE_PLAN)),
    Rule("TI-02", "帮扶措施超过15天（不及时）", "帮扶措施不及时",
         "seeds/township-screening-plan.txt 二(二): 15天内采取针对性帮扶措施", "medium", _late(DeadlineKind.MEASURES)),
    Rule("TI-03", "帮扶措施超过自发现线索25天（不及时）", "帮扶措施不及时",
         "seeds/township-screening-plan.txt 三(二): 25天内落实针对性帮扶措施", "medium",
         _late(DeadlineKind.MEASURES_FROM_CLUE)),
    Rule("PR-01", "有劳动能力未落实开发式帮扶（不精准）", "帮扶措施不精准",
         "seeds/township-screening-plan.txt 二(二): 有劳动能力的监测对象是否落实了产业就业等开发式帮扶措施", "high",
         _precision("development_measure_required")),
    Rule("PR-02", "有劳动能力仅靠综合保障（不精准）", "帮扶措施不精准",
         "domain.md §12 (4): 综合保障 alone is not allowed for households with labour capacity", "medium",
         _precision("comprehensive_security_alone")),
    Rule("PR-03", "风险无对应帮扶措施（不精准）", "帮扶措施不精准",
         "seeds/township-screening-plan.txt 二(二): 大额刚性支出的监测对象是否落实针对性帮扶措施; domain.md §6", "high",
         _precision("risk_without_measure")),
    Rule("EL-01", "风险消除不满半年", "风险消除不规范",
         "seeds/township-screening-plan.txt 二(三): 达到风险消除标准且稳定半年以上; domain.md §7", "high", _too_soon),
    Rule("EL-02", "帮扶消除时收入未超过监测范围", "风险消除不规范",
         "seeds/township-screening-plan.txt 二(三): 收入是否持续稳定超过监测范围指导线", "high", _income_below_line),
    Rule("EL-03", "风险消除程序缺少环节", "风险消除不规范",
         "domain.md §7 Procedure: visit, deliberation, notice, township review, county approval, announcement", "high",
         _step_missing),
    Rule("EL-04", "整户无劳动能力标注风险消除", "风险消除不规范",
         "domain.md §12 (5): elimination is blocked for whole-household no-labour-capacity households", "high",
         _no_labour),
    Rule("EL-05", "风险消除劳动力人数与农户信息库不符", "风险消除不规范",
         "issue 19: figures a step needs are read from the registry as of the step's date; domain.md §7 (5_11_033, "
         "4_11_011 read 劳动技能 of the members)", "high", _proposal_figures),
    Rule("EL-06", "帮扶消除但无针对风险的已实施措施", "风险消除不规范",
         "domain.md §7: at least one measure targeting its risk (yjq.gov.cn); 帮扶消除 requires implemented measures "
         "(fuping 1_11_009)", "high", _eliminated_without_measure),
    Rule("EL-07", "监测期间帮扶责任人缺位", "风险消除不规范",
         "seeds/township-screening-plan.txt 三(二): 每个监测对象都要确定结对帮扶责任人，“一对一”开展帮扶",
         "medium", _responsible_throughout),
    Rule("LB-01", "已消除风险对象回头看逾期", "回头看",
         "seeds/township-screening-plan.txt 二(三): 对所有已标注风险消除监测对象开展回头看", "medium",
         _late(DeadlineKind.LOOK_BACK)),
    Rule("RG-01", "未登记农户逾期未补登记", "识别合理性",
         "issue 19: an unregistered household (自主申报/部门预警) is registered within Policy.registration_days",
         "medium", _unregistered_late),
    Rule("NM-02", "识别未通过或终止但最新排查仍有风险", "识别合理性",
         "seeds/township-screening-plan.txt 二(一): 应纳尽纳; issue 19: rejected or closed while the latest screening "
         "still finds the household at risk, listed with the decision and its reason for review", "medium",
         _closed_still_at_risk),
    Rule("RK-01", "风险类型与成员患病情况不符", "风险与成员一致",
         "domain.md §5: the illness risk requires a member with major or chronic illness (fuping 5_15_015)",
         "medium", _RISK_CHECKS["RK-01"], personal=True),
    Rule("RK-02", "风险类型与成员残疾情况不符", "风险与成员一致",
         "domain.md §5, §9 健康状况 (implied by fuping 5_15_015 for the disability risk)", "medium",
         _RISK_CHECKS["RK-02"], personal=True),
    Rule("RK-03", "风险类型与成员在校情况不符", "风险与成员一致",
         "domain.md §5, §9 在校生状况 (the schooling risk: costs of a member in school)", "medium",
         _RISK_CHECKS["RK-03"], personal=True),
    Rule("RK-04", "风险类型与成员劳动能力不符（劳动力）", "风险与成员一致",
         "domain.md §5: lack of labour invalid if every member can work (fuping 4_11_009) or more than ¼ are "
         "普通/技能劳动力 (5_18_008; the share is Policy.lack_of_labour_full_share)", "medium",
         _RISK_CHECKS["RK-04"], personal=True),
    Rule("RK-05", "风险类型与成员劳动能力不符（务工）", "风险与成员一致",
         "domain.md §5: unstable employment invalid if nobody has labour capacity (fuping 2_11_006, 5_15_013)",
         "medium", _RISK_CHECKS["RK-05"], personal=True),
    Rule("MS-01", "就业或公益岗位帮扶但无劳动能力成员", "措施合理性",
         "domain.md §6 Plausibility: employment or public-job measures require a working member (fuping 4_11_014)",
         "medium", _measure_member(frozenset({MeasureCategory.EMPLOYMENT, MeasureCategory.PUBLIC_WELFARE_JOB}),
                                   "no member can work", lambda f: f.labour_capable == 0)),
    Rule("MS-02", "义务教育或教育帮扶但无在校生", "措施合理性",
         "domain.md §6 Risk → required-measure mapping (education measures answer 因学 and out-of-school children)",
         "medium", _measure_member(frozenset({MeasureCategory.COMPULSORY_EDUCATION, MeasureCategory.EDUCATION}),
                                   "no member is in school", lambda f: f.students == 0)),
    Rule("CT-01", "监测对象无帮扶责任人（监测联系人）", "联系方式",
         "seeds/township-screening-plan.txt 三(二): 每个监测对象都要确定结对帮扶责任人; domain.md §6: an eliminated "
         "household still records a 监测联系人 and phone (fuping 1_11_011)", "high", _no_responsible_person),
    Rule("CT-02", "监测对象无联系电话", "联系方式",
         "domain.md §6: 监测联系人 and phone (fuping 1_11_011); the registry's household phone", "medium", _no_phone),
)  # fmt: skip
BY_ID = {r.id: r for r in RULES}


def seen_findings(role: Role, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings ``role`` may read: a personal rule's (they tell a household's recorded risks) only to the roles
    that see personal data."""
    return items if sees_personal_data(role) else [i for i in items if not BY_ID[i["rule"]].personal]


def visible_to(role: Role, result: dict[str, Any]) -> dict[str, Any]:
    """An area's findings as ``role`` may read them, a personal rule's withheld and counted as withheld."""
    if sees_personal_data(role):
        return result
    items = seen_findings(role, result["items"])
    counts = {k: v for k, v in result["counts"].items() if not BY_ID[k].personal}
    return {**result, "items": items, "counts": counts, "withheld": len(result["items"]) - len(items)}


def inspect_case(
    case: MonitoringCase,
    records: list[EventRecord],
    now: datetime,
    only: str | None = None,
    household: HouseholdHistory | None = None,
) -> list[dict[str, Any]]:
    """Every finding of every case rule (or of rule ``only``) on one case, as of ``now``; the rules that compare the
    case with its household read ``household`` (its registry streams; None when never registered)."""
    today = local_date(now)
    out = []
    for rule in RULES:
        if rule.check is None or (only is not None and rule.id != only):
            continue
        for hit in rule.check(case, records, today, household):
            registry = [{"stream": household.stream, "version": v} for v in hit.registry] if household else []
            out.append(
                {
                    **rule.describe(),
                    "rule": rule.id,
                    "case_id": str(case.id),
                    "household_number": case.household_number,
                    "village_code": case.village_code,
                    "household_head": case.household_head,
                    "detail": hit.detail,
                    "days_late": hit.days_late,
                    "due": hit.due.isoformat() if hit.due else None,
                    "reason": hit.reason or None,
                    "evidence": [{"stream": str(case.id), "version": v} for v in hit.evidence] + registry,
                }
            )
    return out


def not_monitored_finding(row: dict[str, Any], household_stream: str) -> dict[str, Any]:
    """NM-01 from a row of the registry's 应纳未纳 list."""
    return {
        **NOT_MONITORED.describe(),
        "rule": NOT_MONITORED.id,
        "case_id": None,
        "household_number": row["household_number"],
        "village_code": row["village_code"],
        "household_head": row.get("head_name", ""),
        "detail": f"screened {row['screened_on']} at risk ({', '.join(row['reasons'])}); no case",
        "days_late": None,
        "due": None,
        "reason": None,
        "evidence": [{"stream": household_stream, "screening_id": row["screening_id"]}],
    }


def discovery_findings(rows: list[dict[str, Any]], today: date, only: str | None = None) -> list[dict[str, Any]]:
    """DC-01 … DC-05 over the registry's rows of applications and alerts (``RegistryView.discovery``): each names its
    application's or alert's stream, whose events prove it."""
    out = []
    for row in rows:
        alert = row["channel"] == "alert"
        due, closed = row["due_on"], row["closed_on"]
        hits: list[tuple[str, str, int | None]] = []
        if due is not None and closed is None and due < today:
            hits.append(("DC-01" if alert else "DC-04", f"{row['number']} due {due.isoformat()}, still open",
                         (today - due).days))  # fmt: skip
        if due is not None and closed is not None and closed > due:
            hits.append(("DC-02" if alert else "DC-05", f"{row['number']} due {due.isoformat()}, closed "
                         f"{closed.isoformat()}", (closed - due).days))  # fmt: skip
        if alert and not row["matched"] and not row["household_number"]:
            hits.append(("DC-03", f"{row['number']}: no registered person has the alert's ID number", None))
        for rule_id, detail, days in hits:
            if only is not None and rule_id != only:
                continue
            rule = BY_ID[rule_id]
            out.append({
                **rule.describe(), "rule": rule.id, "case_id": row["case_id"] or None,
                "household_number": row["household_number"], "village_code": row["village_code"],
                "household_head": "", "detail": detail, "days_late": days,
                "due": due.isoformat() if due is not None else None, "reason": None,
                "channel": row["channel"], "number": row["number"],
                "evidence": [{"stream": str(row["stream_id"])}],
            })  # fmt: skip
    return out
