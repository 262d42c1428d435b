"""Labels and value objects of the domain's vocabulary (kernel and contexts): every user-facing value has its Chinese label, as in the glossary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest

import domain
from domain.campaigns import values as campaigns_values
from domain.cases import values as cases_values
from domain.cases.values import (
    Category,
    CountyDecision,
    DeadlineKind,
    DeliberationOutcome,
    EliminationMode,
    FindingKind,
    MeasureCategory,
    MeasureStatus,
    NoticeOutcome,
    RollbackDecision,
    Stage,
    Status,
    TownshipDecision,
)
from domain.kernel import actors as kernel_actors
from domain.kernel import areas as kernel_areas
from domain.kernel import steps as kernel_steps
from domain.kernel.actors import Actor, Role
from domain.kernel.labels import Labelled, label
from domain.kernel.steps import Procedure, Step
from domain.kernel.time import SHANGHAI, aware
from domain.registry import values as registry_values
from domain.registry.values import Guarantee, HouseholdType, Risk
from tests.classes import descendants, import_all

# The modules that name the domain's user-facing values: the shared kernel's and each context's vocabulary.
VOCABULARY = (kernel_actors, kernel_areas, kernel_steps, cases_values, registry_values, campaigns_values)
import_all(domain)
# Every labelled enumeration of the domain, wherever it is defined.
ENUMS = sorted(descendants(Labelled), key=lambda e: e.__name__)


def test_the_vocabulary_modules_define_labelled_enumerations() -> None:
    named = {
        obj
        for module in VOCABULARY
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, StrEnum) and obj.__module__ == module.__name__
    }
    assert {Step, Category, Status, Stage, Role, Risk} <= named
    assert len(named) == 34  # as many as domain/values.py named before the contexts, and the departments
    assert named <= set(ENUMS)  # each of them carries its labels


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_member_of_every_enumeration_has_a_chinese_label(enum: type[StrEnum]) -> None:
    missing = [member.value for member in enum if not getattr(member, "label", "").strip()]

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


def test_a_time_given_without_a_zone_is_shanghais() -> None:
    assert aware(datetime(2026, 3, 1, 9, 30)) == datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    given = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert aware(given) is given


def test_an_actor_survives_its_dictionary_form() -> None:
    actor = Actor(id="vc-1", role=Role.VILLAGE_CADRE, area_code="990102101001", name="王村干")

    assert actor.as_dict() == {"id": "vc-1", "role": "village_cadre", "area_code": "990102101001", "name": "王村干"}
    assert Actor.from_dict(actor.as_dict()) == actor


# domain.md §6 "Measure categories in the national system" (code tables 100A39–100A55), in the order of the table.
MEASURE_CATEGORY_LABELS: dict[MeasureCategory, str] = {
    MeasureCategory.INDUSTRY: "产业帮扶",
    MeasureCategory.EMPLOYMENT: "就业帮扶",
    MeasureCategory.FINANCE: "金融帮扶",
    MeasureCategory.PUBLIC_WELFARE_JOB: "公益岗位帮扶",
    MeasureCategory.HEALTH: "健康帮扶",
    MeasureCategory.COMPULSORY_EDUCATION: "义务教育保障",
    MeasureCategory.EDUCATION: "教育帮扶",
    MeasureCategory.COMPREHENSIVE_SECURITY: "综合保障",
    MeasureCategory.HOUSING_SAFETY: "住房安全保障",
    MeasureCategory.DRINKING_WATER_SAFETY: "饮水安全保障",
    MeasureCategory.SOCIAL_ASSISTANCE: "社会帮扶",
    MeasureCategory.RELOCATION: "搬迁",
    MeasureCategory.LIVING_CONDITIONS: "生产生活条件改善",
    MeasureCategory.INFRASTRUCTURE: "基础设施建设",
}


def test_there_are_exactly_the_fourteen_measure_categories_of_the_national_system() -> None:
    assert list(MeasureCategory) == list(MEASURE_CATEGORY_LABELS)
    assert len(MeasureCategory) == 14


@pytest.mark.parametrize(("category", "text"), MEASURE_CATEGORY_LABELS.items(), ids=lambda v: str(v))
def test_each_measure_category_has_its_national_label(category: MeasureCategory, text: str) -> None:
    assert label(category) == text


@pytest.mark.parametrize(
    ("member", "text"),
    [
        (FindingKind.NOT_TIMELY, "不及时"),
        (FindingKind.NOT_PRECISE, "不精准"),
        (FindingKind.NOT_COMPREHENSIVE, "不全面"),
        (FindingKind.NOT_EFFECTIVE, "成效不明显"),
        (EliminationMode.ASSISTED, "帮扶消除"),
        (EliminationMode.NATURAL, "自然消除"),
        (Stage.ELIMINATED, "风险已消除"),
        (Status.ELIMINATED, "风险已消除"),
        (MeasureStatus.IMPLEMENTED, "已实施"),
    ],
    ids=lambda v: str(v),
)
def test_the_assistance_and_elimination_values_have_their_source_labels(member: StrEnum, text: str) -> None:
    # seed plan §二(二) (不及时、不精准、不全面…帮扶效果不明显); domain.md §7 (帮扶消除 / 自然消除), §6 (已实施).
    assert label(member) == text


# Members of different enumerations that share a value (a StrEnum member equals its string) must still keep
# their own label: a deadline is not a step, a risk is not a measure, a rollback approval is not an inclusion.
OWN_LABELS: list[tuple[StrEnum, str]] = [
    (DeadlineKind.IDENTIFICATION, "识别认定时限"),
    (Procedure.IDENTIFICATION, "识别认定"),
    (DeadlineKind.ELIMINATION, "风险消除程序时限"),
    (Procedure.ELIMINATION, "风险消除"),
    (DeadlineKind.MEASURES, "帮扶措施时限"),
    (Step.MEASURES, "落实帮扶措施"),
    (Risk.HOUSING_SAFETY, "因安全住房"),
    (MeasureCategory.HOUSING_SAFETY, "住房安全保障"),
    (Guarantee.EDUCATION, "义务教育保障"),
    (MeasureCategory.EDUCATION, "教育帮扶"),
    (RollbackDecision.APPROVE, "同意回退"),
    (RollbackDecision.REJECT, "不同意回退"),
    (CountyDecision.APPROVE, "审定纳入"),
    (CountyDecision.REJECT, "不予纳入"),
    (DeliberationOutcome.PASS, "评议通过"),
    (TownshipDecision.PASS, "审核通过"),
    (TownshipDecision.REJECT, "审核不通过"),
    (NoticeOutcome.REJECT, "不予纳入"),
]


@pytest.mark.parametrize(
    ("member", "text"), [pytest.param(m, t, id=f"{type(m).__name__}.{m.name}") for m, t in OWN_LABELS]
)
def test_members_of_different_enumerations_sharing_a_value_keep_their_own_label(member: StrEnum, text: str) -> None:
    assert label(member) == text
