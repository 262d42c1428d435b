"""Rules of the household and staff registry (domain/registry/rules.py) and the labels of the registry's values:
ID numbers (GB 11643 check character, 18/20/22 characters, the embedded birth date), phone numbers, members,
households (one head, unique ID numbers, member limits), staff, and who may register or run a campaign."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import StrEnum

import pytest

from domain.campaigns.values import Milestone, ScreeningMethod
from domain.kernel.actors import SYSTEM_ACTOR, Actor, Role
from domain.kernel.errors import NotPermittedError, RuleViolationError
from domain.kernel.labels import from_label, label
from domain.kernel.permissions import check_may_register, check_may_run_campaign
from domain.registry.rules import (
    Member,
    StaffRecord,
    head_name,
    household_problems,
    id_check_character,
    id_number_problem,
    member_problems,
    normalise_id_number,
    person_key,
    phone_problem,
    raise_first,
    staff_problems,
)
from domain.registry.values import Health, LabourSkill, Relation, Schooling, Sex, SocialAssistance, StaffIdentity
from tests.domain.registry_support import (
    family,
    gb11643_check,
    household,
    id_number,
    member,
    rules,
    staff,
    wrong_check,
)
from tests.domain.support import (
    COUNTY_APPROVER,
    COUNTY_CODE,
    INSPECTOR,
    OTHER_COUNTY_APPROVER,
    OTHER_TOWNSHIP_REVIEWER,
    OTHER_VILLAGE_CADRE,
    OTHER_VILLAGE_CODE,
    RESETTLEMENT_SITE_CODE,
    TOWNSHIP_CODE,
    TOWNSHIP_REVIEWER,
    VILLAGE_CADRE,
    VILLAGE_CODE,
)

TODAY = date(2026, 3, 1)


# --- ID numbers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),  # the example of GB 11643-1999
        ("44052418800101001", "4"),  # the other example of the standard
    ],
)
def test_the_check_character_is_that_of_gb_11643(first17: str, check: str) -> None:
    assert id_check_character(first17) == check


@pytest.mark.parametrize("seq", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 57, 388, 999])
def test_the_check_character_agrees_with_an_independent_computation(seq: int) -> None:
    first17 = id_number(date(1985, 11, 30), seq)[:17]

    assert id_check_character(first17) == gb11643_check(first17)


VALID_SEQS = range(1, 60)


def test_the_valid_numbers_below_cover_every_check_character_including_x() -> None:
    # so that a wrong entry in the check-character table cannot hide
    assert {id_number(date(1985, 11, 30), seq)[17] for seq in VALID_SEQS} == set("0123456789X")


@pytest.mark.parametrize("seq", VALID_SEQS)
def test_a_valid_18_character_id_number_has_no_problem(seq: int) -> None:
    number = id_number(date(1985, 11, 30), seq)

    assert id_number_problem(number) is None
    assert id_number_problem(number, date(1985, 11, 30)) is None


def test_an_id_number_ending_in_x_is_valid() -> None:
    assert id_number_problem("11010519491231002X") is None


@pytest.mark.parametrize("seq", [1, 2, 3, 17, 99])
def test_a_wrong_check_character_is_refused(seq: int) -> None:
    problem = id_number_problem(wrong_check(id_number(seq=seq)))

    assert problem is not None
    assert "校验位" in problem


def test_every_wrong_check_character_is_refused() -> None:
    number = id_number()
    for char in "0123456789X":
        if char != number[17]:
            assert id_number_problem(number[:17] + char) is not None, char


def test_a_changed_digit_is_caught_by_the_check_character() -> None:
    number = id_number()
    swapped = number[:14] + str((int(number[14]) + 1) % 10) + number[15:]

    assert id_number_problem(swapped) is not None


@pytest.mark.parametrize("extra", ["12", "1234"])
def test_20_and_22_character_numbers_are_an_id_number_followed_by_digits(extra: str) -> None:
    assert id_number_problem(id_number() + extra) is None


@pytest.mark.parametrize("extra", ["12", "1234"])
def test_a_long_number_whose_id_part_has_a_wrong_check_character_is_refused(extra: str) -> None:
    problem = id_number_problem(wrong_check(id_number()) + extra)

    assert problem is not None
    assert "校验位" in problem


@pytest.mark.parametrize(
    "number",
    [
        "",
        id_number()[:17],  # 17 characters
        id_number() + "1",  # 19
        id_number() + "123",  # 21
        id_number() + "12345",  # 23
        id_number() + "AB",  # 20 but not digits
        "0" + id_number()[1:],  # address code cannot start with 0
        id_number()[:10] + "A" + id_number()[11:],  # a letter among the digits
        id_number()[:17] + "Y",  # check character neither digit nor X
        " " + id_number(),  # not trimmed
    ],
    ids=["empty", "17", "19", "21", "23", "20-letters", "leading-zero", "letter", "Y", "space"],
)
def test_a_number_of_another_shape_is_refused(number: str) -> None:
    problem = id_number_problem(number)

    assert problem is not None
    assert "18位" in problem


@pytest.mark.parametrize("extra", ["", "12", "1234"])
def test_a_person_is_keyed_by_the_18_character_citizen_number(extra: str) -> None:
    assert person_key(id_number() + extra) == id_number()


def test_a_lower_case_x_is_accepted_after_normalising() -> None:
    raw = " 11010519491231002x "

    assert normalise_id_number(raw) == "11010519491231002X"
    assert id_number_problem(normalise_id_number(raw)) is None


@pytest.mark.parametrize(
    "digits8",
    ["19990230", "20011301", "19850000", "19851132", "00000101"],
    ids=["feb-30", "month-13", "zero-month-day", "nov-32", "year-0"],
)
def test_an_impossible_embedded_birth_date_is_refused_even_with_a_right_check_character(digits8: str) -> None:
    first17 = f"990102{digits8}001"
    number = first17 + gb11643_check(first17)

    problem = id_number_problem(number)

    assert problem is not None
    assert "出生日期" in problem


def test_a_leap_day_birth_date_is_accepted() -> None:
    assert id_number_problem(id_number(date(2000, 2, 29)), date(2000, 2, 29)) is None


def test_the_birth_date_must_match_the_one_in_the_id_number() -> None:
    problem = id_number_problem(id_number(date(1970, 5, 6)), date(1970, 5, 7))

    assert problem is not None and "出生日期" in problem
    assert "1970" not in problem  # the message names the rule, never a person's birth date
    assert id_number_problem(id_number(date(1970, 5, 6)), date(1970, 5, 6)) is None


def test_the_birth_date_of_a_long_number_is_read_from_its_id_part() -> None:
    number = id_number(date(1990, 1, 2)) + "12"

    assert id_number_problem(number, date(1990, 1, 2)) is None
    assert id_number_problem(number, date(1990, 1, 3)) is not None


# --- phone numbers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    ["", "13800138000", "19912345678", "15012345678", "010-12345678", "01012345678", "0755-1234567", "0851-88888888"],
)
def test_a_mobile_or_a_landline_with_area_code_or_nothing_is_accepted(phone: str) -> None:
    assert phone_problem(phone) is None


@pytest.mark.parametrize(
    "phone",
    [
        "12800138000",  # mobiles start 13–19
        "1380013800",  # 10 digits
        "138001380000",  # 12 digits
        "+8613800138000",
        "138-0013-8000",
        "12345678",  # landline without area code
        "0012345678",  # area code cannot start 00
        "010-123456",  # 6-digit local number
        "010-123456789",  # 9-digit local number
        "电话13800138000",
        " 13800138000",
    ],
)
def test_other_phone_numbers_are_refused(phone: str) -> None:
    problem = phone_problem(phone)

    assert problem is not None
    assert "联系电话" in problem


# --- members ------------------------------------------------------------------------------------------------------


def test_a_complete_member_has_no_problem() -> None:
    assert member_problems(member(), TODAY) == []


def test_every_member_of_the_sample_family_is_valid() -> None:
    for m in family():
        assert member_problems(m, TODAY) == [], m


@pytest.mark.parametrize("name", ["", "   ", "张" * 51])
def test_a_member_needs_a_name_of_at_most_50_characters(name: str) -> None:
    m = replace(member(), name=name)

    assert rules(member_problems(m, TODAY)) == [("name", "required")]


def test_a_name_of_50_characters_is_accepted() -> None:
    m = replace(member(), name="张" * 50)

    assert member_problems(m, TODAY) == []


def test_a_member_with_an_invalid_id_number_is_reported_on_the_id_number() -> None:
    m = member(id_number=wrong_check(member().id_number))

    problems = member_problems(m, TODAY)

    assert rules(problems) == [("id_number", "id_number")]
    assert "校验位" in problems[0][2]


def test_a_member_whose_birth_date_differs_from_the_id_number_is_reported() -> None:
    m = member(birth=date(1970, 5, 6), birth_date=date(1971, 5, 6))

    assert rules(member_problems(m, TODAY)) == [("id_number", "id_number")]


def test_a_member_born_after_today_is_refused() -> None:
    tomorrow = date(2026, 3, 2)

    assert rules(member_problems(member(birth=tomorrow), TODAY)) == [("birth_date", "date_range")]
    assert member_problems(member(birth=TODAY), TODAY) == []


def test_a_member_born_before_1900_is_refused() -> None:
    assert rules(member_problems(member(birth=date(1899, 12, 31)), TODAY)) == [("birth_date", "date_range")]
    assert member_problems(member(birth=date(1900, 1, 1)), TODAY) == []


@pytest.mark.parametrize(("months", "refused"), [(-1, True), (0, False), (1, False), (12, False), (13, True)])
def test_migrant_work_months_lie_within_the_year(months: int, refused: bool) -> None:
    m = member(migrant_work_months=months, migrant_work_place="广东省东莞市")

    assert (("migrant_work_months", "range") in rules(member_problems(m, TODAY))) is refused


def test_migrant_work_months_need_the_place_of_work() -> None:
    assert rules(member_problems(member(migrant_work_months=6), TODAY)) == [("migrant_work_place", "required")]
    assert rules(member_problems(member(migrant_work_months=6, migrant_work_place="  "), TODAY)) == [
        ("migrant_work_place", "required")
    ]


def test_a_place_of_work_is_at_most_100_characters() -> None:
    assert member_problems(member(migrant_work_place="地" * 100), TODAY) == []
    assert rules(member_problems(member(migrant_work_place="地" * 101), TODAY)) == [("migrant_work_place", "length")]


def test_every_problem_of_a_member_is_reported_at_once() -> None:
    m = Member(
        name="",
        id_number="123",
        relation=Relation.HEAD,
        sex=Sex.FEMALE,
        birth_date=date(1899, 1, 1),
        health=Health.HEALTHY,
        labour_skill=LabourSkill.ORDINARY,
        migrant_work_months=13,
    )

    assert set(rules(member_problems(m, TODAY))) == {
        ("name", "required"),
        ("id_number", "id_number"),
        ("birth_date", "date_range"),
        ("migrant_work_months", "range"),
        ("migrant_work_place", "required"),
    }


@pytest.mark.parametrize(
    ("skill", "capable"),
    [
        (LabourSkill.ORDINARY, True),
        (LabourSkill.SKILLED, True),
        (LabourSkill.WEAK_OR_HALF, True),
        (LabourSkill.LOST, False),
        (LabourSkill.NONE, False),
    ],
)
def test_ordinary_skilled_and_weak_labour_count_as_labour_capable(skill: LabourSkill, capable: bool) -> None:
    assert member(labour_skill=skill).labour_capable is capable


def test_a_member_has_the_national_systems_defaults() -> None:
    m = member()

    assert m.schooling is Schooling.NOT_IN_SCHOOL
    assert m.medical_insurance is True
    assert m.social_assistance is SocialAssistance.NONE
    assert (m.migrant_work_place, m.migrant_work_months) == ("", 0)


def test_a_member_survives_a_round_trip_through_plain_data() -> None:
    m = member(
        7,
        Relation.GRANDCHILD,
        date(2015, 9, 1),
        sex=Sex.FEMALE,
        health=Health.DISABLED,
        labour_skill=LabourSkill.NONE,
        schooling=Schooling.PRIMARY,
        medical_insurance=False,
        social_assistance=SocialAssistance.DIBAO,
        migrant_work_place="",
    )

    data = m.as_dict()

    assert data["relation"] == "grandchild"
    assert data["birth_date"] == "2015-09-01"
    assert data["health"] == "disabled"
    assert data["social_assistance"] == "dibao"
    assert data["medical_insurance"] is False
    assert Member.from_dict(data) == m


# --- households ---------------------------------------------------------------------------------------------------


def test_a_complete_household_has_no_problem() -> None:
    assert household_problems(household(), TODAY) == []


def test_a_household_of_one_person_who_is_the_head_is_valid() -> None:
    assert household_problems(household(members=(member(),)), TODAY) == []


@pytest.mark.parametrize("number", ["HH-0001", "5201", "a" * 32, "abc-DEF-123"])
def test_household_numbers_of_4_to_32_letters_digits_or_hyphens_are_accepted(number: str) -> None:
    assert household_problems(household(number), TODAY) == []


@pytest.mark.parametrize("number", ["", "HH1", "a" * 33, "HH 0001", "HH_0001", "户0001", " HH-0001"])
def test_other_household_numbers_are_refused(number: str) -> None:
    assert rules(household_problems(household(number), TODAY)) == [("household_number", "format")]


def test_a_household_needs_a_member() -> None:
    # no members: reported once as required, not also as "no head"
    assert rules(household_problems(household(members=()), TODAY)) == [("members", "required")]


def test_a_household_without_a_head_is_refused() -> None:
    members = (member(1, Relation.SPOUSE), member(2, Relation.CHILD, date(2010, 1, 1)))

    problems = household_problems(household(members=members), TODAY)

    assert rules(problems) == [("relation", "one_head")]
    assert "0" in problems[0][2]


def test_a_household_with_two_heads_is_refused() -> None:
    members = (member(1, Relation.HEAD), member(2, Relation.HEAD, date(1972, 1, 1)))

    problems = household_problems(household(members=members), TODAY)

    assert rules(problems) == [("relation", "one_head")]
    assert "2" in problems[0][2]


def test_an_id_number_twice_in_one_household_is_refused() -> None:
    head = member(1, Relation.HEAD)
    twin = replace(head, relation=Relation.SIBLING, name="另一人")

    assert rules(household_problems(household(members=(head, twin)), TODAY)) == [("id_number", "unique_in_household")]


def test_the_same_person_under_an_id_and_a_disability_card_number_is_refused() -> None:
    # a 20/22-character number is the person's 18-character number followed by disability-card digits
    head = member(1, Relation.HEAD)
    again = replace(head, relation=Relation.SIBLING, id_number=head.id_number + "11")

    assert rules(household_problems(household(members=(head, again)), TODAY)) == [("id_number", "unique_in_household")]


def _members(count: int) -> tuple[Member, ...]:
    return (member(1, Relation.HEAD), *(member(seq, Relation.CHILD, date(2000, 1, 1)) for seq in range(2, count + 1)))


def test_a_household_of_30_members_is_accepted_and_31_is_refused() -> None:
    assert household_problems(household(members=_members(30)), TODAY) == []
    assert rules(household_problems(household(members=_members(31)), TODAY)) == [("members", "range")]


def test_a_household_phone_must_be_valid() -> None:
    assert household_problems(household(phone=""), TODAY) == []
    assert rules(household_problems(household(phone="12345"), TODAY)) == [("phone", "format")]


def test_an_address_is_at_most_200_characters() -> None:
    assert household_problems(household(address="址" * 200), TODAY) == []
    assert rules(household_problems(household(address="址" * 201), TODAY)) == [("address", "length")]


def test_every_household_level_problem_is_reported_at_once() -> None:
    head = member(1, Relation.HEAD)
    record = household("H1", members=(head, head), phone="1", address="址" * 201)

    assert rules(household_problems(record, TODAY)) == [
        ("household_number", "format"),
        ("relation", "one_head"),
        ("id_number", "unique_in_household"),
        ("phone", "format"),
        ("address", "length"),
    ]


def test_the_head_is_the_member_related_as_head() -> None:
    members = [{"name": m.name, "relation": m.relation.value} for m in family()]

    assert head_name(members) == members[0]["name"] != ""
    assert head_name(list(reversed(members))) == members[0]["name"]
    assert head_name(members[1:]) == ""


def test_the_facts_of_a_household_are_plain_data_without_its_number() -> None:
    record = household(at_resettlement_site=True, village_code=RESETTLEMENT_SITE_CODE)

    facts = record.facts()

    assert set(facts) == {"household_type", "village_code", "address", "phone", "at_resettlement_site", "members"}
    assert facts["village_code"] == RESETTLEMENT_SITE_CODE
    assert facts["at_resettlement_site"] is True
    assert facts["members"] == [m.as_dict() for m in record.members]


# `$` in a pattern also matches before a final newline: every format is checked against the whole text.


def test_an_id_number_with_a_trailing_newline_is_refused() -> None:
    assert id_number_problem(id_number() + "\n") is not None


def test_a_household_number_with_a_trailing_newline_is_refused() -> None:
    assert rules(household_problems(household("HH-0001\n"), TODAY)) == [("household_number", "format")]


def test_a_phone_number_with_a_trailing_newline_is_refused() -> None:
    assert phone_problem("13800138000\n") is not None


def test_a_staff_number_with_a_trailing_newline_is_refused() -> None:
    assert rules(staff_problems(staff("S-1\n"))) == [("staff_number", "format")]


# --- raising ------------------------------------------------------------------------------------------------------


def test_no_problem_raises_nothing() -> None:
    raise_first([])


def test_problems_raise_the_first_and_list_them_all() -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        raise_first([("a", "r1", "first"), ("b", "r2", "second")])

    assert (excinfo.value.field, excinfo.value.rule, excinfo.value.message) == ("a", "r1", "first")
    assert excinfo.value.violations == [
        {"field": "a", "rule": "r1", "message": "first"},
        {"field": "b", "rule": "r2", "message": "second"},
    ]


# --- staff --------------------------------------------------------------------------------------------------------


def test_a_complete_staff_record_has_no_problem() -> None:
    assert staff_problems(staff()) == []
    assert staff_problems(staff(phone="")) == []


@pytest.mark.parametrize("number", ["S1", "a" * 32, "GW-01"])
def test_staff_numbers_of_2_to_32_characters_are_accepted(number: str) -> None:
    assert staff_problems(staff(number)) == []


@pytest.mark.parametrize("number", ["", "S", "a" * 33, "S 1", "员工1"])
def test_other_staff_numbers_are_refused(number: str) -> None:
    assert rules(staff_problems(staff(number))) == [("staff_number", "format")]


@pytest.mark.parametrize("name", ["", "  ", "名" * 51])
def test_a_staff_member_needs_a_name(name: str) -> None:
    assert rules(staff_problems(staff(name=name))) == [("name", "required")]


def test_a_staff_phone_must_be_valid() -> None:
    assert rules(staff_problems(staff(phone="0000"))) == [("phone", "format")]


def test_a_staff_member_has_exactly_one_identity_of_table_3_4() -> None:
    record = StaffRecord("S-1", "李医生", StaffIdentity.VILLAGE_DOCTOR, VILLAGE_CODE)

    assert record.identity is StaffIdentity.VILLAGE_DOCTOR
    assert record.phone == ""


# --- who may register ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "code"),
    [
        (VILLAGE_CADRE, VILLAGE_CODE),
        (TOWNSHIP_REVIEWER, VILLAGE_CODE),
        (TOWNSHIP_REVIEWER, OTHER_VILLAGE_CODE),
        (TOWNSHIP_REVIEWER, RESETTLEMENT_SITE_CODE),
        (TOWNSHIP_REVIEWER, TOWNSHIP_CODE),
        (COUNTY_APPROVER, VILLAGE_CODE),
        (COUNTY_APPROVER, COUNTY_CODE),
    ],
)
def test_the_village_township_or_county_of_the_household_may_register(actor: Actor, code: str) -> None:
    check_may_register(actor, code)


@pytest.mark.parametrize(
    ("actor", "code"),
    [
        (OTHER_VILLAGE_CADRE, VILLAGE_CODE),
        (VILLAGE_CADRE, OTHER_VILLAGE_CODE),
        (VILLAGE_CADRE, TOWNSHIP_CODE),
        (OTHER_TOWNSHIP_REVIEWER, VILLAGE_CODE),
        (OTHER_COUNTY_APPROVER, VILLAGE_CODE),
        (Actor(id="vc-x", role=Role.VILLAGE_CADRE, area_code=TOWNSHIP_CODE), VILLAGE_CODE),  # wrong level
    ],
)
def test_registering_outside_ones_area_is_not_permitted(actor: Actor, code: str) -> None:
    with pytest.raises(NotPermittedError):
        check_may_register(actor, code)


@pytest.mark.parametrize("actor", [INSPECTOR, SYSTEM_ACTOR], ids=["inspector", "system"])
def test_inspectors_and_the_system_never_change_the_registry(actor: Actor) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_may_register(actor, VILLAGE_CODE)

    assert excinfo.value.rule == "registry_role"


@pytest.mark.parametrize(
    ("actor", "scope"),
    [
        (TOWNSHIP_REVIEWER, [TOWNSHIP_CODE]),
        (TOWNSHIP_REVIEWER, [VILLAGE_CODE, OTHER_VILLAGE_CODE]),
        (COUNTY_APPROVER, [COUNTY_CODE]),
        (COUNTY_APPROVER, [TOWNSHIP_CODE]),
    ],
)
def test_a_township_or_county_may_run_a_campaign_in_its_area(actor: Actor, scope: list[str]) -> None:
    check_may_run_campaign(actor, scope)


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, INSPECTOR, SYSTEM_ACTOR], ids=["village", "inspector", "system"])
def test_only_a_township_or_county_may_run_a_campaign(actor: Actor) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_may_run_campaign(actor, [VILLAGE_CODE])

    assert excinfo.value.rule == "campaign_role"


@pytest.mark.parametrize(
    ("actor", "scope"),
    [
        (TOWNSHIP_REVIEWER, [COUNTY_CODE]),
        (TOWNSHIP_REVIEWER, [VILLAGE_CODE, "990102102001"]),
        (OTHER_TOWNSHIP_REVIEWER, [TOWNSHIP_CODE]),
        (OTHER_COUNTY_APPROVER, [TOWNSHIP_CODE]),
    ],
)
def test_a_campaign_scope_outside_the_area_is_not_permitted(actor: Actor, scope: list[str]) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_may_run_campaign(actor, scope)

    assert (excinfo.value.field, excinfo.value.rule) == ("scope", "jurisdiction")


# --- labels of the registry's values ------------------------------------------------------------------------------

REGISTRY_LABELS: dict[type[StrEnum], dict[str, str]] = {
    Sex: {"male": "男", "female": "女"},
    Health: {
        "healthy": "健康",
        "chronic_illness": "长期慢性病",
        "serious_illness": "患大病",
        "disabled": "残疾",
    },
    LabourSkill: {
        "ordinary": "普通劳动力",
        "skilled": "技能劳动力",
        "weak_or_half": "弱劳动力或半劳动力",
        "lost": "丧失劳动力",
        "none": "无劳动力",
    },
    StaffIdentity: {
        "county_department": "县直部门",
        "township_cadre": "乡镇干部",
        "village_cadre": "村干部",
        "resident_cadre": "驻村干部",
        "village_doctor": "乡村医生",
        "grid_worker": "网格员",
        "responsible_person": "帮扶责任人",
    },
    ScreeningMethod: {"in_person": "入户", "phone": "电话", "wechat": "微信"},
    Milestone: {"screening_done": "全面排查", "procedures_done": "履行程序", "summary_done": "定期调度"},
}
NEW_ENUMS = (Sex, Health, LabourSkill, Relation, Schooling, SocialAssistance, ScreeningMethod, StaffIdentity, Milestone)


@pytest.mark.parametrize("enum", list(REGISTRY_LABELS), ids=lambda e: e.__name__)
def test_the_labels_are_those_of_the_national_system_and_the_seed_plan(enum: type[StrEnum]) -> None:
    assert {m.value: label(m) for m in enum} == REGISTRY_LABELS[enum]


def test_the_staff_identities_are_the_seven_columns_of_table_3_4_in_order() -> None:
    assert [label(i) for i in StaffIdentity] == [
        "县直部门",
        "乡镇干部",
        "村干部",
        "驻村干部",
        "乡村医生",
        "网格员",
        "帮扶责任人",
    ]


def test_the_head_of_household_is_labelled_huzhu() -> None:
    assert label(Relation.HEAD) == "户主"


def test_the_social_assistance_labels_name_dibao_and_tekun() -> None:
    assert label(SocialAssistance.NONE) == "未享受"
    assert "低保" in label(SocialAssistance.DIBAO)
    assert "特困" in label(SocialAssistance.TEKUN)


@pytest.mark.parametrize("enum", NEW_ENUMS, ids=lambda e: e.__name__)
def test_every_value_has_a_distinct_chinese_label(enum: type[StrEnum]) -> None:
    labels = [label(m) for m in enum]

    assert all(text.strip() for text in labels)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in labels)
    assert len(set(labels)) == len(labels)


@pytest.mark.parametrize("enum", NEW_ENUMS, ids=lambda e: e.__name__)
def test_from_label_accepts_the_value_or_the_label(enum: type[StrEnum]) -> None:
    for m in enum:
        assert from_label(enum, m.value) is m
        assert from_label(enum, label(m)) is m
        assert from_label(enum, f"  {label(m)} ") is m


@pytest.mark.parametrize(
    ("enum", "text"),
    [
        (Health, "大病"),
        (LabourSkill, "半劳动力"),
        (StaffIdentity, "大学生村官"),  # named in the plan §三(一) but not a column of table 3-4
        (Sex, "M"),
        (ScreeningMethod, "上门"),
        (Milestone, ""),
    ],
)
def test_from_label_refuses_anything_else(enum: type[StrEnum], text: str) -> None:
    with pytest.raises(ValueError):
        from_label(enum, text)


def test_from_label_reads_a_label_within_its_own_enumeration() -> None:
    # "其他" is both Relation.OTHER and Risk.OTHER; "村干部" is a staff identity, not the role label "村干部/网格员".
    assert from_label(Relation, "其他") is Relation.OTHER
    assert from_label(StaffIdentity, "村干部") is StaffIdentity.VILLAGE_CADRE
    with pytest.raises(ValueError):
        from_label(Role, "村干部")


def test_a_household_type_outside_the_three_is_refused() -> None:
    problems = household_problems(household(household_type="poor"), TODAY)

    assert ("household_type", "value") in rules(problems)


@pytest.mark.parametrize("kind", ["formerly_poor", "ordinary", "formerly_poor_no_benefits"])
def test_each_of_the_three_household_types_is_accepted(kind: str) -> None:
    assert ("household_type", "value") not in rules(household_problems(household(household_type=kind), TODAY))


def test_a_township_reviewer_without_a_township_code_may_not_run_a_campaign() -> None:
    with pytest.raises(NotPermittedError):
        check_may_run_campaign(Actor("t-0", Role.TOWNSHIP_REVIEWER, ""), ["990102101"])
    with pytest.raises(NotPermittedError):
        check_may_run_campaign(Actor("t-0", Role.TOWNSHIP_REVIEWER, "990102"), ["990102101"])  # a county code


@pytest.mark.parametrize(
    ("identity", "area", "fits"),
    [
        (StaffIdentity.VILLAGE_CADRE, "990102101001", True),
        (StaffIdentity.VILLAGE_CADRE, "990102101", False),
        (StaffIdentity.GRID_WORKER, "990102", False),
        (StaffIdentity.VILLAGE_DOCTOR, "990102101001", True),
        (StaffIdentity.RESIDENT_CADRE, "990102101", False),
        (StaffIdentity.TOWNSHIP_CADRE, "990102101", True),
        (StaffIdentity.TOWNSHIP_CADRE, "990102", False),
        (StaffIdentity.COUNTY_DEPARTMENT, "990102", True),
        (StaffIdentity.RESPONSIBLE_PERSON, "990102", True),
    ],
)
def test_a_staff_identity_works_at_its_own_level(identity: StaffIdentity, area: str, fits: bool) -> None:
    found = ("area_code", "identity_level") in rules(staff_problems(staff(identity=identity, area_code=area)))
    assert found is not fits
