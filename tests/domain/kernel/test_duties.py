"""Separation of duties on one case: the county decision is not taken by the person who made the township review,
and the household's responsible person does not approve the elimination of its risk."""

from __future__ import annotations

import pytest

from domain.kernel.actors import Actor, Role
from domain.kernel.errors import NotPermittedError
from domain.kernel.permissions import duty_conflict
from domain.kernel.steps import Procedure, Step
from tests.domain.support import COUNTY_CODE, PATH, CaseDriver, feb, sep

# One person holding both a township and a county account (the same user id, as an identity provider gives it).
SAME_PERSON_AT_COUNTY = Actor(id="tr-1", role=Role.COUNTY_APPROVER, area_code=COUNTY_CODE, name="李审核")


def test_the_township_reviewer_does_not_also_take_the_county_decision(case: CaseDriver) -> None:
    case.through("township_review")  # reviewed by tr-1
    with pytest.raises(NotPermittedError) as refused:
        case.decide(actor=SAME_PERSON_AT_COUNTY)
    assert (refused.value.field, refused.value.rule) == ("actor", "separation_of_duties")
    assert case.view()["status"] == "township_passed"  # nothing was recorded
    assert case.decide()["status"] == "county_approved"  # another person at the county may


def test_the_same_holds_in_the_elimination_procedure(case: CaseDriver) -> None:
    case.through("elimination_township_review")
    with pytest.raises(NotPermittedError):
        case.decide(actor=SAME_PERSON_AT_COUNTY, occurred_at=sep(14))


def test_the_responsible_person_does_not_approve_the_elimination_of_their_household(case: CaseDriver) -> None:
    case.through("announcement")
    case.assign(user_id="ca-1")  # the county approver is also this household's responsible person
    case.through("elimination_township_review", skip=PATH[: PATH.index("responsible_person") + 1])  # the rest
    with pytest.raises(NotPermittedError) as refused:
        case.decide(occurred_at=sep(14))  # by ca-1
    assert "responsible person" in refused.value.message
    other = Actor(id="ca-9", role=Role.COUNTY_APPROVER, area_code=COUNTY_CODE, name="另一审定员")
    assert case.decide(actor=other, occurred_at=sep(14))["status"] == "elimination_county_approved"


def test_a_responsible_person_may_take_identification_steps_and_one_without_an_account_binds_no_one() -> None:
    responsible = {"name": "陈帮扶", "user_id": "tr-1"}
    assert duty_conflict(Step.TOWNSHIP_REVIEW, "tr-1", Procedure.IDENTIFICATION, {}, responsible) is None
    assert duty_conflict(Step.TOWNSHIP_REVIEW, "tr-1", Procedure.ELIMINATION, {}, responsible) is not None
    assert duty_conflict(Step.TOWNSHIP_REVIEW, "", Procedure.ELIMINATION, {}, {"name": "陈", "user_id": ""}) is None
    review = {"township_review": {"actor": {"id": "tr-1"}, "occurred_at": feb(22)}}
    assert duty_conflict(Step.COUNTY_DECISION, "tr-1", Procedure.IDENTIFICATION, review, None) is not None
    assert duty_conflict(Step.COUNTY_DECISION, "ca-1", Procedure.IDENTIFICATION, review, None) is None


def test_a_responsible_person_keeps_the_assistance_of_their_own_households_only(case: CaseDriver) -> None:
    helper = Actor(id="rp-1", role=Role.RESPONSIBLE_PERSON, area_code="990102101", name="陈帮扶")
    case.through("announcement")
    case.assign(user_id="rp-9")  # someone else's household
    with pytest.raises(NotPermittedError) as refused:
        case.plan(actor=helper)
    assert "assigned to them" in refused.value.message
    case.assign(user_id="rp-1", occurred_at=feb(26), start_date=feb(26).date())
    assert case.plan(actor=helper, occurred_at=feb(27))["plan"] is not None
