"""农户自主申报 (domain.md §4.1): a household's self-application recorded from the written form or the phone, answered
by the township within 2 days (accepted with the case it opened, or refused with its reason), and looked up by the
household with its number and the last four characters of the applicant's ID number, which reveals nothing else."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from domain.discovery.applications import SelfApplication, application_id
from domain.discovery.commands import ApplicationRecord
from domain.discovery.values import ApplicationRoute
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotFoundError, NotPermittedError, RuleViolationError, StepNotAllowedError
from domain.kernel.policy import DEFAULT_POLICIES
from domain.kernel.time import SHANGHAI
from domain.ledger import Ledger
from domain.registry.values import Risk
from tests.domain.registry_support import id_number
from tests.domain.support import (
    COUNTY_APPROVER,
    OTHER_VILLAGE_CADRE,
    OTHER_VILLAGE_CODE,
    TOWNSHIP_REVIEWER,
    VILLAGE_CADRE,
    VILLAGE_CODE,
)

NOW = datetime(2026, 3, 10, 9, tzinfo=SHANGHAI)
APPLICANT = id_number(date(1968, 5, 2), 7)
RECORD = ApplicationRecord(
    village_code=VILLAGE_CODE, applicant_name="刘大山", applicant_id_number=APPLICANT, route=ApplicationRoute.WRITTEN,
    received_on=date(2026, 3, 9), reported_risks=[Risk.ILLNESS], authorised=True,
)  # fmt: skip


def receive(ledger: Ledger, record: ApplicationRecord = RECORD, command: str = "a1", **kw: object) -> dict[str, object]:
    envelope = Envelope(kw.pop("actor", VILLAGE_CADRE), command, kw.pop("now", NOW))  # type: ignore[arg-type]
    return ledger.applications.receive(envelope, record)


def test_an_application_is_recorded_once_with_the_day_it_must_be_answered_by(ledger: Ledger) -> None:
    view = receive(ledger)
    assert re.fullmatch(r"SQ\d{10}", str(view["application_number"]))
    # 2 days from the application (domain.md §4.1: accepted within 2 days), as the policy in force counts them
    assert DEFAULT_POLICIES[-1].application_answer_days == 2
    assert (view["status"], view["status_label"], view["answer_due"]) == ("received", "待受理", date(2026, 3, 11))
    again = receive(ledger)  # the same command again: the same application, one event
    assert again["application_number"] == view["application_number"]
    assert len(list(ledger.stored_events(application_id(str(view["application_number"]))))) == 1
    other = receive(ledger, command="a2")
    assert other["application_number"] != view["application_number"]


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"received_on": date(2026, 3, 11)}, "received_on", "not_in_future"),
        ({"received_on": date(2019, 12, 31)}, "received_on", "after_mechanism_start"),
        (
            {"applicant_id_number": APPLICANT[:-1] + ("0" if APPLICANT[-1] != "0" else "1")},
            "applicant_id_number",
            "id_number",
        ),
        ({"applicant_name": " "}, "applicant_name", "required"),
        ({"reported_risks": []}, "reported_risks", "risk_required"),
        ({"village_code": "990102101"}, "village_code", "known_area"),
    ],
)
def test_a_malformed_application_is_refused_naming_its_field_and_nothing_is_recorded(
    ledger: Ledger, change: dict[str, object], field: str, rule: str
) -> None:
    with pytest.raises(RuleViolationError) as refused:
        receive(ledger, replace(RECORD, **change))  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.rule) == (field, rule)
    assert APPLICANT not in refused.value.message and APPLICANT[-4:] not in refused.value.message
    assert ledger.recorder.max_notification_id() in (None, 0)


def test_an_application_is_recorded_in_the_recorders_area_for_a_household_there(ledger: Ledger) -> None:
    with pytest.raises(NotPermittedError):  # another village's cadre
        receive(ledger, actor=OTHER_VILLAGE_CADRE)
    with pytest.raises(NotFoundError):  # a household number that is not registered there
        receive(ledger, replace(RECORD, household_number="HH-NOWHERE"))
    assert receive(ledger, actor=TOWNSHIP_REVIEWER)["village_code"] == VILLAGE_CODE


def test_the_township_answers_once_accepting_with_its_case_or_refusing_with_its_reason(ledger: Ledger) -> None:
    number = str(receive(ledger)["application_number"])
    answer = ledger.applications.answer
    with pytest.raises(NotPermittedError) as cadre:
        answer(Envelope(VILLAGE_CADRE, "x1", NOW), number, accept=False, reason="收入稳定")
    assert cadre.value.rule == "answer_roles"
    with pytest.raises(RuleViolationError) as no_reason:
        answer(Envelope(TOWNSHIP_REVIEWER, "x2", NOW), number, accept=False)
    assert no_reason.value.rule == "required"
    view = answer(Envelope(TOWNSHIP_REVIEWER, "x3", NOW), number, accept=True, case_id="c-1")
    assert (view["status"], view["answer"]["case_id"], view["answered_late"]) == ("accepted", "c-1", False)  # type: ignore[index]
    assert answer(Envelope(TOWNSHIP_REVIEWER, "x3", NOW), number, accept=True, case_id="c-1") == view  # again
    with pytest.raises(StepNotAllowedError) as twice:
        answer(Envelope(COUNTY_APPROVER, "x4", NOW), number, accept=False, reason="重复")
    assert twice.value.rule == "answered_once"


def test_an_answer_after_the_second_day_is_late(ledger: Ledger) -> None:
    number = str(receive(ledger)["application_number"])  # applied 03-09, due 03-11
    late = ledger.applications.answer(Envelope(TOWNSHIP_REVIEWER, "x", NOW + timedelta(days=2)), number,
                                      accept=False, reason="经核实收入稳定")  # fmt: skip
    assert late["answered_late"] is True and late["answer"]["answered_on"] == date(2026, 3, 12)  # type: ignore[index]


def test_the_household_sees_its_applications_status_and_nothing_else(ledger: Ledger) -> None:
    number = str(receive(ledger)["application_number"])
    found = ledger.applications.lookup(number.lower(), APPLICANT[-4:])
    assert found == {"application_number": number, "status": "received", "status_label": "待受理",
                     "received_on": "2026-03-09", "answered_on": None}  # fmt: skip
    with pytest.raises(NotFoundError) as wrong_id:
        ledger.applications.lookup(number, "0000" if APPLICANT[-4:] != "0000" else "1111")
    with pytest.raises(NotFoundError) as wrong_number:
        ledger.applications.lookup("SQ0000000000", APPLICANT[-4:])
    assert str(wrong_id.value) == str(wrong_number.value)  # one answer: no oracle of which was wrong
    with pytest.raises(NotFoundError):
        ledger.applications.lookup(number, APPLICANT[-3:])
    # Another area's township does not see it either.
    with pytest.raises(NotFoundError):
        ledger.applications.answer(Envelope(OTHER_VILLAGE_CADRE.__class__(
            id="tr-9", role=TOWNSHIP_REVIEWER.role, area_code=OTHER_VILLAGE_CODE[:6] + "999"), "y", NOW),
            number, accept=False, reason="x")  # fmt: skip
    assert isinstance(ledger.repository.get(application_id(number)), SelfApplication)
