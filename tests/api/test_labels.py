"""Chinese labels beside coded values in every answer (api/labels.py), never inside stored records."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.labels import with_labels
from workflows.registry.contracts import MemberBody


def test_a_coded_value_gets_its_label_and_a_list_its_labels() -> None:
    answer = with_labels({"household_type": "formerly_poor", "risks": ["illness", "disability"], "version": 3})
    assert answer["household_type_label"] == "脱贫户"
    assert answer["risks_labels"] == ["因病", "因残"]
    assert "version_label" not in answer


def test_the_code_tells_which_vocabulary_a_shared_field_name_is() -> None:
    case, measure = with_labels({"category": "marginal_at_risk"}), with_labels({"category": "employment"})
    assert (case["category_label"], measure["category_label"]) == ("边缘易致贫户", "就业帮扶")


def test_labels_reach_nested_records_and_keep_the_ones_an_answer_has() -> None:
    answer = with_labels({"members": [{"relation": "head", "health": "disabled"}], "status": "monitored",
                          "status_label": "已有标签"})  # fmt: skip
    assert answer["members"][0] | {} == {"relation": "head", "relation_label": "户主", "health": "disabled",
                                          "health_label": "残疾"}  # fmt: skip
    assert answer["status_label"] == "已有标签"


def test_a_masked_or_unknown_value_gets_no_label() -> None:
    assert with_labels({"health": "***", "risks": "***", "kind": "altered"}) == {
        "health": "***", "risks": "***", "kind": "altered"}  # fmt: skip


def test_stored_records_and_hashed_ones_pass_unchanged() -> None:
    event = {"type": "HouseholdVisitRecorded", "payload": {"risks": ["illness"]}, "hash": "ab"}
    record = {"version": 2, "payload": {"household_type": "ordinary"}}
    assert with_labels(event) == event
    assert with_labels(record)["payload"] == {"household_type": "ordinary"}


def test_a_body_sent_back_with_its_labels_is_taken_without_them_and_other_extras_are_refused() -> None:
    member = {"name": "张三", "id_number": "110101199003070011", "relation": "head", "relation_label": "户主",
              "sex": "male", "sex_label": "男", "birth_date": "1990-03-07", "health": "healthy",
              "labour_skill": "ordinary"}  # fmt: skip
    taken = MemberBody.model_validate(member)
    assert taken.relation == "head" and "relation_label" not in taken.model_dump()
    with pytest.raises(ValidationError):
        MemberBody.model_validate({**member, "relation_note": "x"})


def test_codes_whose_meaning_depends_on_the_step_are_not_labelled() -> None:
    # "reject" is 审核不通过 at the township and 不予纳入 at the county; "pass" a deliberation's or a review's
    answer = with_labels({"decision": "reject", "outcome": "pass", "action": "close"})
    assert answer == {"decision": "reject", "outcome": "pass", "action": "close"}
