"""Labels and value objects of domain/values.py: every user-facing value has its Chinese label, as in the glossary."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import pytest

from domain import values
from domain.values import LABELS, SHANGHAI, Actor, Category, HouseholdType, Role, Stage, Status, Step, label

ENUMS = sorted(
    (obj for obj in vars(values).values() if isinstance(obj, type) and issubclass(obj, StrEnum) and obj is not StrEnum),
    key=lambda e: e.__name__,
)


def test_the_values_module_defines_its_enumerations() -> None:
    assert {Step, Category, Status, Stage}.issubset(ENUMS)


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_member_of_every_enumeration_has_a_chinese_label(enum: type[StrEnum]) -> None:
    missing = [member.value for member in enum if not LABELS.get(member, "").strip()]

    assert missing == [], f"{enum.__name__} members without a label: {missing}"


# The glossary (../shared/glossary.md) fixes these user-facing names.
GLOSSARY_LABELS: dict[StrEnum, str] = {
    Step.HOUSEHOLD_VISIT: "入户核实",
    Step.CROSS_CHECK: "信息比对",
    Step.VILLAGE_DELIBERATION: "村内民主评议",
    Step.PUBLIC_NOTICE: "村内公示",
    Step.TOWNSHIP_REVIEW: "乡镇审核",
    Step.COUNTY_DECISION: "县级审定",
    Step.ANNOUNCEMENT: "结果公告",
    Category.UNSTABLE_FORMERLY_POOR: "脱贫不稳定户",
    Category.MARGINAL_AT_RISK: "边缘易致贫户",
    Category.SUDDEN_HARDSHIP: "突发严重困难户",
    HouseholdType.FORMERLY_POOR: "脱贫户",
    HouseholdType.ORDINARY: "一般农户",
    HouseholdType.FORMERLY_POOR_NO_BENEFITS: "脱贫不享受政策户",
    Stage.MONITORED: "风险未消除",
    Status.CLOSED_REJECTED: "不予纳入",
}


@pytest.mark.parametrize(("member", "text"), GLOSSARY_LABELS.items(), ids=lambda v: str(v))
def test_labels_match_the_glossary(member: StrEnum, text: str) -> None:
    assert label(member) == text


def test_a_household_that_did_not_sign_is_labelled_not_applied() -> None:
    assert "未申请" in label(Status.CLOSED_NOT_APPLIED)


def test_every_identification_step_has_its_own_label() -> None:
    assert len({label(s) for s in Step}) == len(Step)


def test_shanghai_is_utc_plus_eight_all_year() -> None:
    for month in (1, 7):
        assert datetime(2026, month, 1, tzinfo=SHANGHAI).utcoffset() == timedelta(hours=8)


def test_an_actor_survives_its_dictionary_form() -> None:
    actor = Actor(id="vc-1", role=Role.VILLAGE_CADRE, area_code="990102101001", name="王村干")

    assert actor.as_dict() == {"id": "vc-1", "role": "village_cadre", "area_code": "990102101001", "name": "王村干"}
    assert Actor.from_dict(actor.as_dict()) == actor
