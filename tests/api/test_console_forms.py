"""The console's step forms come from the step contracts: every field of every step has its Chinese label, and a
posted form becomes the body the JSON API would take, or a refusal naming the field in Chinese."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import TypeAdapter, ValidationError

from api.console import forms
from api.console.routes import _variants
from domain.kernel.messages import VALIDATION_MESSAGES
from domain.kernel.steps import Step
from workflows.cases.contracts import STEP_BODIES, HouseholdVisitBody


@pytest.mark.parametrize("step", list(STEP_BODIES))
def test_every_field_of_every_step_has_a_chinese_label(step: Step) -> None:
    for model in _variants(step).values():
        for item in forms.inputs(model):
            assert item.label != item.name, f"{step.value}: {item.name} has no Chinese label"
            assert any("\u4e00" <= ch <= "\u9fff" for ch in item.label), item.label
            if item.kind in ("choice", "choices"):
                assert item.options and all(label for _, label in item.options), item.name


def test_a_step_of_several_actions_has_one_form_per_action() -> None:
    assert set(_variants(Step.PUBLIC_NOTICE)) == {"post", "objection", "close"}
    assert set(_variants(Step.MEASURES)) == {"add", "change", "implement", "end"}
    assert list(_variants(Step.HOUSEHOLD_VISIT)) == [None]
    assert get_args(STEP_BODIES[Step.PUBLIC_NOTICE])  # a discriminated union, read by its action


def test_a_posted_form_becomes_the_contract_s_body() -> None:
    form = {"visitors": "李四\r\n王五\r\n", "household_type": "ordinary", "household_size": "4",
            "labour_capable_members": "2", "per_capita_net_income": "6800.50", "authorisation_signed": "true",
            "authorisation_ref": "承诺授权书-1", "occurred_at": "2026-03-01T09:30", "comment": ""}  # fmt: skip
    body = TypeAdapter(HouseholdVisitBody).validate_python(
        forms.body_of(HouseholdVisitBody, form, {"risks": ["illness"], "unmet_guarantees": []})
    )
    assert body.visitors == ["李四", "王五"] and body.household_size == 4 and body.risks == ["illness"]
    assert str(body.per_capita_net_income) == "6800.50" and body.authorisation_signed is True
    assert body.occurred_at is not None and body.occurred_at.isoformat() == "2026-03-01T09:30:00+08:00"  # 北京时间


def test_a_refused_form_names_each_field_in_chinese() -> None:
    data = forms.body_of(HouseholdVisitBody, {"household_size": "四", "authorisation_signed": ""}, {})
    with pytest.raises(ValidationError) as e:
        TypeAdapter(HouseholdVisitBody).validate_python(data)
    found = forms.field_errors(e.value)
    # the domain's words for pydantic's refusals (domain.kernel.messages), one per field
    assert found["household_size"] == VALIDATION_MESSAGES["int_parsing"] and "整数" in found["household_size"]
    assert found["visitors"] == VALIDATION_MESSAGES["too_short"]
    assert found["authorisation_signed"] == VALIDATION_MESSAGES["missing"] and "必填" in found["authorisation_signed"]
    assert "household_type" not in found  # read from the registry: not required of the form


def test_a_review_records_one_finding_per_form() -> None:
    from workflows.cases.contracts import ReviewBody

    (findings,) = [i for i in forms.inputs(ReviewBody) if i.name == "findings"]
    assert findings.kind == "record" and [p.label for p in findings.parts] == ["问题类型", "情况说明", "发现日期"]
    kind = findings.parts[0].options[0][0]
    form = {"findings.kind": kind, "findings.description": "帮扶措施未落实", "findings.found_on": "2026-03-02"}
    body = TypeAdapter(ReviewBody).validate_python(forms.body_of(ReviewBody, form, {}))
    assert [(f.kind, f.description) for f in body.findings] == [(kind, "帮扶措施未落实")]
