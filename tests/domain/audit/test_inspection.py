"""The inspection rules find each seeded defect, with the events that prove it, and nothing in a clean case."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.audit.inspection import BY_ID, RULES, inspect_case, not_monitored_finding
from domain.kernel.time import end_of_day
from domain.ledger import Ledger
from tests.domain.support import CaseDriver, at, mar


def findings(ledger: Ledger, case: CaseDriver, now: datetime) -> list[dict[str, Any]]:
    aggregate = ledger.repository.get(case.case_id)
    household = ledger.registry.household_history(aggregate.household_number)
    return inspect_case(aggregate, ledger.cases.event_records(case.case_id), now, household=household)


def rule_ids(found: list[dict[str, Any]]) -> list[str]:
    return sorted(f["rule"] for f in found)


def test_every_rule_names_its_source_and_severity() -> None:
    assert len({r.id for r in RULES}) == len(RULES) == 32
    for rule in RULES:
        assert rule.source and rule.severity in ("high", "medium") and rule.title
    groups = {r.group for r in RULES}
    assert groups == {"应纳未纳", "帮扶措施不及时", "帮扶措施不精准", "风险消除不规范", "回头看", "识别合理性",
                      "风险与成员一致", "措施合理性", "联系方式", "发现渠道"}  # fmt: skip


def test_the_discovery_channels_findings_name_late_open_and_unmatched_ones() -> None:
    from datetime import date
    from uuid import uuid4

    from domain.audit.inspection import discovery_findings

    today = date(2026, 3, 20)

    def row(channel: str, number: str, due: date | None, closed: date | None, matched: bool = True) -> dict[str, Any]:
        return {"channel": channel, "number": number, "due_on": due, "closed_on": closed, "matched": matched,
                "household_number": "HH-1" if matched else "", "village_code": "990102101001", "case_id": "",
                "stream_id": uuid4()}  # fmt: skip

    rows = [
        row("alert", "YJ1", date(2026, 3, 13), None),  # never verified: 7 days past
        row("alert", "YJ2", date(2026, 3, 13), date(2026, 3, 15)),  # verified 2 days late
        row("alert", "YJ3", date(2026, 3, 20), None),  # due today: still in time
        row("alert", "YJ4", None, date(2026, 3, 10), matched=False),  # matched to no one, sent back
        row("application", "SQ1", date(2026, 3, 11), None),
        row("application", "SQ2", date(2026, 3, 11), date(2026, 3, 11)),  # answered on its day
        row("application", "SQ3", date(2026, 3, 11), date(2026, 3, 12)),
    ]
    found = [(f["rule"], f["detail"].split()[0].rstrip(":"), f["days_late"]) for f in discovery_findings(rows, today)]
    assert found == [("DC-01", "YJ1", 7), ("DC-02", "YJ2", 2), ("DC-03", "YJ4", None), ("DC-04", "SQ1", 9),
                     ("DC-05", "SQ3", 1)]  # fmt: skip
    assert [f["rule"] for f in discovery_findings(rows, today, only="DC-04")] == ["DC-04"]
    assert all(f["evidence"][0]["stream"] for f in discovery_findings(rows, today))


def test_a_clean_case_through_elimination_has_no_finding(ledger: Ledger, case: CaseDriver) -> None:
    case.through("eliminated")
    assert findings(ledger, case, at(2026, 9, 20)) == []


def test_identification_beyond_fifteen_days(ledger: Ledger, case: CaseDriver) -> None:
    case.through("open")
    found = findings(ledger, case, end_of_day(date(2026, 2, 25)) + timedelta(hours=1))  # clue 2-10, due 2-25
    assert rule_ids(found) == ["ID-01"]
    assert found[0]["evidence"] == [{"stream": str(case.case_id), "version": 1}]
    assert "not met by 2026-02-26 (1 days late)" in found[0]["detail"]
    assert (found[0]["days_late"], found[0]["due"]) == (1, "2026-02-25")
    assert findings(ledger, case, at(2026, 2, 25)) == []


def test_a_deadline_missed_before_the_case_closed_stays_a_finding(ledger: Ledger, case: CaseDriver) -> None:
    """Findings outlive the case: an identification not decided in its 15 days is a finding after the household
    refused the authorisation and the case closed (its clean twin, closed within the days, has none)."""
    case.through("open")  # clue 2-10: the identification is due 2-25
    case.visit(
        occurred_at=mar(1), authorisation_signed=False, authorisation_ref="", refusal_reason="不愿申请", risks=[]
    )  # closed on 3-01
    found = [f for f in findings(ledger, case, mar(20)) if f["rule"] == "ID-01"]
    assert [(f["days_late"], f["due"]) for f in found] == [(4, "2026-02-25")]
    assert "left it on 2026-03-01" in found[0]["detail"]

    twin = CaseDriver(ledger)
    twin.through("open")
    twin.visit(
        authorisation_signed=False, authorisation_ref="", refusal_reason="不愿申请", risks=[]
    )  # closed on 2-11, within its days
    assert [f for f in findings(ledger, twin, mar(20)) if f["rule"] == "ID-01"] == []


def test_a_late_plan_is_not_timely(ledger: Ledger, case: CaseDriver) -> None:
    case.through("responsible_person")
    case.plan(occurred_at=mar(10))  # identified 2-23: due 3-5
    found = [f for f in findings(ledger, case, mar(10)) if f["rule"] == "TI-01"]
    assert len(found) == 1 and found[0]["detail"].startswith("due 2026-03-05, met 2026-03-10 (5 days late)")
    assert (found[0]["days_late"], found[0]["due"]) == (5, "2026-03-05")
    versions = [e["version"] for e in found[0]["evidence"]]
    records = {r["version"]: r["type"] for r in ledger.cases.event_records(case.case_id)}
    assert [records[v] for v in versions] == ["CountyDecided", "AssistancePlanMade"]


def test_a_household_with_labour_and_no_development_measure_is_not_precise_once_measures_are_due(
    ledger: Ledger, case: CaseDriver
) -> None:
    case.through("plan")  # identified 2-23: measures due 3-10
    assert [f for f in findings(ledger, case, mar(10)) if f["group"] == "帮扶措施不精准"] == []  # still in its window
    found = findings(ledger, case, mar(11))
    assert {"PR-01", "PR-03"} <= set(rule_ids(found))
    pr01 = next(f for f in found if f["rule"] == "PR-01")
    assert pr01["group"] == "帮扶措施不精准" and pr01["severity"] == "high"


def test_a_clean_monitored_case_inside_its_windows_has_no_finding(ledger: Ledger, case: CaseDriver) -> None:
    case.through("monitored")
    assert findings(ledger, case, mar(1)) == []


def _eliminated(ledger: Ledger, case: CaseDriver) -> Any:
    case.through("eliminated")
    return ledger.repository.get(case.case_id)


@pytest.mark.parametrize(
    ("seed", "rule"),
    [
        (lambda c: setattr(c, "eliminated_on", c.identified_on + timedelta(days=60)), "EL-01"),
        (lambda c: c.elimination["proposal"].update(per_capita_net_income=Decimal("7100")), "EL-02"),
        (lambda c: c.elimination.pop("township_review"), "EL-03"),
        (lambda c: c.elimination["proposal"].update(labour_capable_members=0), "EL-04"),
    ],
    ids=["under-six-months", "income-at-the-line", "township-review-missing", "no-labour"],
)
def test_each_irregular_elimination_is_found(ledger: Ledger, case: CaseDriver, seed: Any, rule: str) -> None:
    aggregate = _eliminated(ledger, case)
    seed(aggregate)  # a defect the commands would refuse, as imported or legacy data might carry it
    found = inspect_case(aggregate, ledger.cases.event_records(case.case_id), at(2026, 9, 20))
    assert rule_ids(found) == [rule]
    types = {r["version"]: r["type"] for r in ledger.cases.event_records(case.case_id)}
    assert "RiskEliminated" in [types[e["version"]] for e in found[0]["evidence"]]


def test_an_overdue_look_back_is_found(ledger: Ledger, case: CaseDriver) -> None:
    case.through("eliminated")  # eliminated 2026-09-15: look-back due six months on
    assert findings(ledger, case, at(2027, 3, 15)) == []
    found = findings(ledger, case, at(2027, 3, 20))
    assert rule_ids(found) == ["LB-01"] and found[0]["title"] == "已消除风险对象回头看逾期"


def test_a_household_at_risk_without_a_case_is_found_with_its_screening() -> None:
    row = {
        "household_number": "HH-1",
        "village_code": "990102101001",
        "screening_id": "vc-1:s-1",
        "screened_on": date(2026, 3, 2),
        "reasons": ["income_at_or_below_line"],
    }
    found = not_monitored_finding(row, "stream-1")
    assert found["rule"] == "NM-01" and found["group"] == "应纳未纳" and found["case_id"] is None
    assert found["evidence"] == [{"stream": "stream-1", "screening_id": "vc-1:s-1"}]
    assert BY_ID["NM-01"].check is None  # found over the registry, not a case


def test_one_rule_only(ledger: Ledger, case: CaseDriver) -> None:
    case.through("plan")
    only = inspect_case(
        ledger.repository.get(case.case_id), ledger.cases.event_records(case.case_id), mar(20), only="PR-01"
    )
    assert rule_ids(only) == ["PR-01"]
