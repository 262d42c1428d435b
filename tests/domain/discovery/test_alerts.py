"""部门筛查预警 (domain.md §4.1): a department's alerts matched by ID number to the registered household, routed to its
village, deduplicated, verified there once by the policy's deadline (3 days) with one of four outcomes; the
department sees the outcome and nothing of the household."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.discovery.alert_commands import AlertRecord
from domain.discovery.alerts import DepartmentAlert, alert_id
from domain.discovery.rules import ALERT_KINDS, kinds_of
from domain.discovery.values import AlertKind, AlertOutcome
from domain.discovery.views import alert_view, department_view, pushed_view
from domain.kernel.actors import Actor, Department, Role
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotFoundError, NotPermittedError, RuleViolationError, StepNotAllowedError
from domain.kernel.policy import DEFAULT_POLICIES
from domain.kernel.time import SHANGHAI
from domain.ledger import Ledger
from domain.registry.values import Risk
from tests.domain.registry_support import household, id_number
from tests.domain.support import (
    OTHER_VILLAGE_CADRE,
    OTHER_VILLAGE_CODE,
    TOWNSHIP_REVIEWER,
    VILLAGE_CADRE,
    VILLAGE_CODE,
    CaseDriver,
)

NOW = datetime(2026, 3, 10, 9, tzinfo=SHANGHAI)
MEDICAL = Actor(id="yb-1", role=Role.DEPARTMENT, area_code="990102", name="县医保局", department="medical_insurance")
EDUCATION = Actor(id="jy-1", role=Role.DEPARTMENT, area_code="990102", name="县教育局", department="education")
HEAD = id_number()  # the head of tests.domain.registry_support.family(), registered below
STRANGER = id_number(date(1975, 1, 9), 77)  # registered nowhere


def cost(person: str = HEAD, **kw: object) -> AlertRecord:
    values: dict[str, object] = {
        "id_number": person, "name": "刘大山", "kind": AlertKind.MEDICAL_COST, "occurred_on": date(2026, 3, 2),
        "amount": Decimal("23800"), "details": "住院自付费用", "reference": "YB-2026-0001",
    }  # fmt: skip
    values.update(kw)
    return AlertRecord(**values)  # type: ignore[arg-type]


def push(ledger: Ledger, *records: AlertRecord, actor: Actor = MEDICAL, command: str = "p1", now: datetime = NOW):  # type: ignore[no-untyped-def]
    return ledger.alerts.push(Envelope(actor, command, now), list(records), via="api")


@pytest.fixture
def registered(ledger: Ledger) -> Ledger:
    ledger.registry.register_household(Envelope(VILLAGE_CADRE, "reg", NOW - timedelta(days=30)), household("HH-A1"),
                                       reason="建档")  # fmt: skip
    return ledger


def test_each_department_pushes_its_own_kinds_each_pointing_to_a_risk() -> None:
    assert kinds_of(Department.MEDICAL_INSURANCE) == [AlertKind.MEDICAL_COST]
    assert kinds_of(Department.EDUCATION) == [AlertKind.SCHOOL_DROPOUT]
    assert {k: r.risk for k, r in ALERT_KINDS.items()}[AlertKind.UNSAFE_HOUSE] is Risk.HOUSING_SAFETY
    assert {d for r in ALERT_KINDS.values() for d in [r.department]} == set(Department)


def test_an_alert_is_matched_by_id_number_and_routed_to_the_households_village_for_three_days(
    registered: Ledger,
) -> None:
    [pushed] = push(registered, cost())
    alert = pushed.alert
    assert re.fullmatch(r"YJ\d{10}", alert.number) and not pushed.duplicate
    assert DEFAULT_POLICIES[-1].alert_verify_days == 3  # the default, as no source names one
    view = alert_view(alert)
    assert (view["household_number"], view["village_code"], view["township_code"]) == (
        "HH-A1",
        VILLAGE_CODE,
        VILLAGE_CODE[:9],
    )
    assert (view["status"], view["verify_due"], view["risk"]) == ("pending", "2026-03-13", "illness")
    # the same fact pushed again (another day, another command): the same alert, told as a duplicate, nothing written
    [again] = push(registered, cost(), command="p2", now=NOW + timedelta(days=1))
    assert again.duplicate and again.alert.number == alert.number
    assert len(list(registered.stored_events(alert_id(alert.number)))) == 1
    # another amount is another fact
    [other] = push(registered, cost(amount=Decimal("500")), command="p3")
    assert not other.duplicate and other.alert.number != alert.number


def test_the_department_sees_the_outcome_and_nothing_of_the_household(registered: Ledger) -> None:
    [pushed] = push(registered, cost())
    seen = department_view(pushed.alert)
    assert not {"household_number", "village_code", "township_code", "person", "details", "case_id"} & set(seen)
    assert "HH-A1" not in str(seen) and VILLAGE_CODE not in str(seen)
    assert pushed_view([pushed])["by_status"] == {"pending": 1}
    registered.alerts.get(pushed.alert.number, MEDICAL)  # its own
    with pytest.raises(NotFoundError):
        registered.alerts.get(pushed.alert.number, EDUCATION)  # another department's: as if there were none


def test_a_household_already_in_an_open_case_has_the_alert_attached_to_it(ledger: Ledger) -> None:
    case = CaseDriver(ledger)
    case.open(household_number="HH-C1")
    members = ledger.registry.household("HH-C1")["members"]
    [pushed] = push(ledger, cost(person=members[0]["id_number"]))
    assert (pushed.alert.status, pushed.alert.verification["case_id"]) == ("attached", str(case.case_id))  # type: ignore[index]
    assert pushed.alert.facts["verify_due"] is None  # nothing to verify: the case's cadres see it there


def test_a_person_not_registered_is_routed_where_the_department_says_or_to_its_county(ledger: Ledger) -> None:
    [here, nowhere] = push(ledger, cost(person=STRANGER, area_code=VILLAGE_CODE), cost(person=id_number(seq=78)))
    assert (here.alert.status, here.alert.facts["village_code"], here.alert.facts["matched"]) == (
        "pending", VILLAGE_CODE, False,
    )  # fmt: skip
    assert (nowhere.alert.status, nowhere.alert.facts["township_code"]) == ("pending", "990102")  # the county's
    # the push's answer does not tell the department who is registered: both wait for their verification
    assert department_view(here.alert)["status"] == department_view(nowhere.alert)["status"] == "pending"
    with pytest.raises(RuleViolationError) as excinfo:  # a place outside the department's county
        push(ledger, cost(person=STRANGER, area_code="990103101001"), command="p-far")
    assert excinfo.value.rule == "known_area"


def test_a_bad_row_refuses_the_whole_push_naming_every_row(registered: Ledger) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        push(registered, cost(), cost(kind=AlertKind.SCHOOL_DROPOUT), cost(amount=None),
             cost(occurred_on=date(2026, 3, 11)), cost(id_number="990102196805020070"))  # fmt: skip
    rules = [(v["field"], v["rule"]) for v in excinfo.value.violations]
    assert rules == [("alerts[1].kind", "department_kind"), ("alerts[2].amount", "amount_required"),
                     ("alerts[3].occurred_on", "not_in_future"), ("alerts[4].id_number", "id_number")]  # fmt: skip
    assert "990102196805020070" not in str(excinfo.value.violations)  # no personal value in a refusal
    assert not list(registered.stored_events(alert_id("YJ0000000000")))
    with pytest.raises(NotPermittedError):  # only a department pushes
        push(registered, cost(), actor=VILLAGE_CADRE)


def _verify(ledger: Ledger, number: str, actor: Actor = VILLAGE_CADRE, command: str = "v1", **kw: object):  # type: ignore[no-untyped-def]
    now = kw.pop("now", NOW + timedelta(days=1))
    return ledger.alerts.verify(Envelope(actor, command, now), number, **kw)  # type: ignore[arg-type]


def test_verification_outcomes_each_need_their_evidence_and_happen_once(registered: Ledger) -> None:
    [pushed] = push(registered, cost())
    number = pushed.alert.number
    with pytest.raises(RuleViolationError) as excinfo:
        _verify(registered, number, outcome=AlertOutcome.NOT_AT_RISK, reason="已报销")
    assert (excinfo.value.field, excinfo.value.rule) == ("evidence", "required")
    with pytest.raises(RuleViolationError) as excinfo:
        _verify(registered, number, outcome=AlertOutcome.NOT_REGISTERED, reason="查无此人")
    assert excinfo.value.rule == "registered"  # it matched a registered person
    with pytest.raises(RuleViolationError) as excinfo:
        _verify(registered, number, outcome=AlertOutcome.ALREADY_MONITORED, case_id="nope")
    assert excinfo.value.rule == "open_case_of_household"
    with pytest.raises(NotFoundError):  # another village's cadre does not reach it
        _verify(registered, number, actor=OTHER_VILLAGE_CADRE, outcome=AlertOutcome.NOT_AT_RISK, reason="r",
                evidence="e")  # fmt: skip
    alert = _verify(registered, number, outcome=AlertOutcome.NOT_AT_RISK, reason="大病保险二次报销后自付不足3千元",
                    evidence="入户核实，查看报销单据")  # fmt: skip
    assert (alert.status, alert.verified_late()) == ("not_at_risk", False)
    assert _verify(registered, number, outcome=AlertOutcome.NOT_AT_RISK, reason="x", evidence="y").version == 2
    with pytest.raises(StepNotAllowedError):
        _verify(registered, number, command="v2", actor=TOWNSHIP_REVIEWER, outcome=AlertOutcome.NOT_AT_RISK,
                reason="x", evidence="y")  # fmt: skip
    assert department_view(alert)["status_label"] == "经核实无返贫致贫风险"
    assert department_view(alert)["returned_reason"] is None  # what the visit found stays with the village


def test_the_deadline_is_recorded_missed_once_from_the_day_after_it(registered: Ledger) -> None:
    [pushed] = push(registered, cost())
    number, system = pushed.alert.number, Actor(id="system", role=Role.SYSTEM, area_code="")
    due_day = datetime(2026, 3, 13, 23, 59, tzinfo=SHANGHAI)
    assert not registered.alerts.record_overdue(number, system, due_day)  # on the day itself: still in time
    assert registered.alerts.record_overdue(number, system, due_day + timedelta(minutes=2))
    assert not registered.alerts.record_overdue(number, system, due_day + timedelta(days=1))  # once
    late = _verify(registered, number, now=due_day + timedelta(days=2), outcome=AlertOutcome.NOT_AT_RISK,
                   reason="无风险", evidence="入户核实")  # fmt: skip
    assert late.verified_late() and alert_view(late)["overdue_on"] == "2026-03-14"
    verified = push(registered, cost(amount=Decimal("9")), command="p9")[0].alert
    _verify(registered, verified.number, command="v9", outcome=AlertOutcome.NOT_AT_RISK, reason="r", evidence="e")
    assert not registered.alerts.record_overdue(verified.number, system, due_day + timedelta(days=5))


def test_an_unregistered_persons_alert_is_returned_by_the_village_with_its_reason(ledger: Ledger) -> None:
    [pushed] = push(ledger, cost(person=STRANGER, area_code=OTHER_VILLAGE_CODE))
    with pytest.raises(RuleViolationError):
        _verify(ledger, pushed.alert.number, actor=OTHER_VILLAGE_CADRE, outcome=AlertOutcome.NOT_REGISTERED)
    alert = _verify(ledger, pushed.alert.number, actor=OTHER_VILLAGE_CADRE, outcome=AlertOutcome.NOT_REGISTERED,
                    reason="本村无此人，经查已迁往外县")  # fmt: skip
    assert department_view(alert)["returned_reason"] == "本村无此人，经查已迁往外县"
    assert isinstance(ledger.alerts.get(alert.number, MEDICAL), DepartmentAlert)
    # corrected and pushed again, it is a new alert under a new number, not the one sent back
    [again] = push(ledger, cost(person=STRANGER, area_code=VILLAGE_CODE), command="p-again")
    assert not again.duplicate and again.alert.number != alert.number and again.alert.status == "pending"


def test_department_accounts_cannot_verify(registered: Ledger) -> None:
    [pushed] = push(registered, cost())
    with pytest.raises(NotPermittedError):
        _verify(registered, pushed.alert.number, actor=MEDICAL, outcome=AlertOutcome.NOT_AT_RISK, reason="r",
                evidence="e")  # fmt: skip
    assert replace(cost(), amount=None).amount is None


def test_the_figures_count_each_department_and_the_applications_answered_in_time() -> None:
    from domain.discovery.stats import ALERT_COLUMNS, alert_figures, application_figures
    from domain.discovery.values import AlertStatus

    assert {s.value for s in AlertStatus} <= set(ALERT_COLUMNS)  # every status has its column
    rows = [
        {"department": "medical_insurance", "what": "medical_cost", "status": "confirmed", "n": 3, "in_time": 2,
         "late": 1, "waiting_late": 0, "unmatched": 0},
        {"department": "medical_insurance", "what": "medical_cost", "status": "pending", "n": 2, "in_time": 0,
         "late": 1, "waiting_late": 1, "unmatched": 1},
        {"department": "education", "what": "school_dropout", "status": "returned", "n": 1, "in_time": 0,
         "late": 0, "waiting_late": 0, "unmatched": 1},
    ]  # fmt: skip
    figures = alert_figures(rows)
    medical = next(r for r in figures["rows"] if r["department"] == "medical_insurance")
    assert (medical["received"], medical["confirmed"], medical["pending"], medical["late"]) == (5, 3, 2, 2)
    assert len(figures["rows"]) == len(Department)  # every department a row, those with none too
    assert (figures["total"]["received"], figures["total"]["unmatched"], figures["total"]["returned"]) == (6, 2, 1)
    apps = application_figures([
        {"department": "", "what": "written", "status": "accepted", "n": 4, "in_time": 3, "late": 1,
         "waiting_late": 0, "unmatched": 0},
        {"department": "", "what": "hotline", "status": "received", "n": 1, "in_time": 0, "late": 1,
         "waiting_late": 1, "unmatched": 1},
    ])  # fmt: skip
    assert apps["total"] == {"received": 5, "pending": 1, "accepted": 4, "refused": 0, "in_time": 3, "late": 2,
                             "waiting_late": 1}  # fmt: skip


def test_a_push_larger_than_one_transaction_is_saved_whole_each_alert_its_own_number(ledger: Ledger) -> None:
    from domain.discovery.alert_commands import SAVE_BATCH

    many = [cost(person=STRANGER, amount=Decimal(1000 + i)) for i in range(SAVE_BATCH * 2 + 5)]
    pushed = push(ledger, *many, command="p-many")
    assert len({p.alert.number for p in pushed}) == len(many) and not any(p.duplicate for p in pushed)
    assert all(ledger.alerts.get(p.alert.number, MEDICAL) for p in pushed)  # every one stored
    again = push(ledger, *many, command="p-many-again")  # sent again (say, after a failure between two batches)
    assert all(p.duplicate for p in again)
