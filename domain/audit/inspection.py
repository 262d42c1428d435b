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
from typing import Any

from domain.cases.case import MonitoringCase
from domain.cases.events import DEADLINE_CLOCKS, CountyDecided, MeasureAdded, MeasureImplemented
from domain.cases.queries import EventRecord
from domain.cases.rules.assistance import Finding, precision_findings
from domain.cases.rules.deadlines import elimination_eligible_from
from domain.cases.values import DeadlineKind, MeasureStatus, Stage
from domain.kernel.steps import Procedure
from domain.kernel.time import local_date


@dataclass(frozen=True)
class Hit:
    detail: str
    evidence: tuple[int, ...]  # versions of the case's events that prove it
    days_late: int | None = None  # a deadline's rule: calendar days past its due date (met late, or still unmet)
    due: date | None = None  # that deadline's due date


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # 中文, as inspectors name it
    group: str  # 应纳未纳 / 帮扶措施不及时 / 帮扶措施不精准 / 风险消除不规范 / 回头看
    source: str
    severity: str  # high | medium
    check: Callable[[MonitoringCase, list[EventRecord], date], list[Hit]] | None

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


def _late(kind: DeadlineKind) -> Callable[[MonitoringCase, list[EventRecord], date], list[Hit]]:
    def check(case: MonitoringCase, records: list[EventRecord], today: date) -> list[Hit]:
        hits = []
        for d in case.deadline_states():
            if d.kind is not kind:
                continue
            if d.closed:
                # A deadline that no longer applies (the case was closed, or eliminated) was still missed if its day
                # passed before the case left the path: the finding outlives the case.
                left_on = case.eliminated_on or case.last_business_date
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


def _assisted(case: MonitoringCase) -> bool:
    return case.identified_on is not None and case.stage in (Stage.MONITORED, Stage.ELIMINATING)


def _precision(code: str) -> Callable[[MonitoringCase, list[EventRecord], date], list[Hit]]:
    def check(case: MonitoringCase, records: list[EventRecord], today: date) -> list[Hit]:
        if not _assisted(case) or not case.precision_judged(today):
            return []
        evidence = tuple(_versions(records, "HouseholdVisitRecorded", "MeasureAdded", "MeasureChanged",
                                   "MeasureImplemented", "MeasureEnded"))  # fmt: skip
        found = rules_precision(case)
        return [Hit(f.message, evidence) for f in found if f.rule == code]

    return check


def rules_precision(case: MonitoringCase) -> list[Finding]:
    return precision_findings(
        case.current_risks(), case.current_unmet_guarantees(), case.labour_capable_members, case.measure_facts()
    )


def _eliminated(case: MonitoringCase) -> dict[str, Any] | None:
    return case.elimination if case.stage is Stage.ELIMINATED and case.elimination else None


def _elimination_evidence(records: list[EventRecord], *types: str) -> tuple[int, ...]:
    return tuple(_versions(records, *types))


def _too_soon(case: MonitoringCase, records: list[EventRecord], today: date) -> list[Hit]:
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


def _income_below_line(case: MonitoringCase, records: list[EventRecord], today: date) -> list[Hit]:
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


def _step_missing(case: MonitoringCase, records: list[EventRecord], today: date) -> list[Hit]:
    record = _eliminated(case)
    if record is None:
        return []
    missing = [s for s in ELIMINATION_STEPS if s not in record]
    if not missing:
        return []
    return [
        Hit("missing: " + ", ".join(missing), _elimination_evidence(records, "EliminationProposed", "RiskEliminated"))
    ]


def _no_labour(case: MonitoringCase, records: list[EventRecord], today: date) -> list[Hit]:
    record = _eliminated(case)
    if record is None:
        return []
    labour = record.get("proposal", {}).get("labour_capable_members", case.labour_capable_members)
    if labour:
        return []
    return [
        Hit(
            "a whole household without labour capacity marked eliminated",
            _elimination_evidence(records, "EliminationProposed", "RiskEliminated"),
        )
    ]


NOT_MONITORED = Rule(
    "NM-01", "应纳未纳：排查发现风险但未纳入监测", "应纳未纳",
    "seeds/township-screening-plan.txt 二(一): 排查发现存在返贫致贫风险的农户要全部及时纳入监测范围，真正做到应纳尽纳",
    "high", None,
)  # fmt: skip

RULES: tuple[Rule, ...] = (
    NOT_MONITORED,
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
    Rule("LB-01", "已消除风险对象回头看逾期", "回头看",
         "seeds/township-screening-plan.txt 二(三): 对所有已标注风险消除监测对象开展回头看", "medium",
         _late(DeadlineKind.LOOK_BACK)),
)  # fmt: skip
BY_ID = {r.id: r for r in RULES}


def inspect_case(
    case: MonitoringCase, records: list[EventRecord], now: datetime, only: str | None = None
) -> list[dict[str, Any]]:
    """Every finding of every case rule (or of rule ``only``) on one case, as of ``now``."""
    today = local_date(now)
    out = []
    for rule in RULES:
        if rule.check is None or (only is not None and rule.id != only):
            continue
        for hit in rule.check(case, records, today):
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
                    "evidence": [{"stream": str(case.id), "version": v} for v in hit.evidence],
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
        "evidence": [{"stream": household_stream, "screening_id": row["screening_id"]}],
    }
