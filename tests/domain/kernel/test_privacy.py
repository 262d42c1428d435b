"""Personal data by role: ID numbers, phones and health details in full for the roles that work with the households,
masked for the others, wherever they appear in an answer."""

from __future__ import annotations

from domain.kernel.actors import Role
from domain.kernel.privacy import mask_id_number, mask_phone, masked, sees_personal_data


def test_the_roles_that_work_with_households_see_personal_data_and_inspectors_do_not() -> None:
    assert {r for r in Role if sees_personal_data(r)} == {
        Role.VILLAGE_CADRE,
        Role.TOWNSHIP_REVIEWER,
        Role.COUNTY_APPROVER,
    }


def test_masks_keep_just_enough_to_tell_records_apart() -> None:
    assert mask_id_number("110101199003071234") == "110101**********34"
    assert mask_id_number("12345") == "*****"
    assert mask_phone("13800001111") == "138****1111"
    assert mask_phone("0851") == "****"


def test_personal_fields_are_masked_at_any_depth_and_nothing_else_changes() -> None:
    answer = {
        "household_number": "HH-1", "phone": "13800001111",
        "members": [{"name": "张三", "id_number": "110101199003071234", "health": "chronic_illness"}],
        "case": {"responsible_person": {"name": "陈", "phone": "13900002222"}, "version": 3, "phone": ""},
    }  # fmt: skip
    assert masked(answer) == {
        "household_number": "HH-1", "phone": "138****1111",
        "members": [{"name": "张三", "id_number": "110101**********34", "health": "***"}],
        "case": {"responsible_person": {"name": "陈", "phone": "139****2222"}, "version": 3, "phone": ""},
    }  # fmt: skip


def test_ops_admin_and_departments_see_no_names_either() -> None:
    from domain.kernel.privacy import sees_names

    assert {r for r in Role if not sees_names(r)} == {Role.OPS, Role.ADMIN, Role.DEPARTMENT}
    item = {"case_id": "c1", "responsible_person": "陈帮扶（县农业农村局）", "village_code": "990102101001"}
    assert masked({"items": [item]}, names=True) == {"items": [{**item, "responsible_person": "***"}]}
    assert masked({"items": [item]}) == {"items": [item]}  # inspectors see names


def test_a_masked_id_number_and_birth_date_together_do_not_give_the_number_back() -> None:
    member = masked({"id_number": "110101199003071234", "birth_date": "1990-03-07"})
    assert member == {"id_number": "110101**********34", "birth_date": "1990-**-**"}
    # What is left — the region, the year, the last two — fits every day of the year and ten serials.
    assert "0307" not in str(member) and "123" not in str(member)


def test_fields_are_masked_by_meaning_in_every_shape() -> None:
    diff = [
        {"field": "household.members.0.phone", "from": "13800001111", "to": "13900002222"},
        {"field": "household.members", "from": [{"name": "甲", "id_number": "110101199003071234"}], "to": []},
        {"field": "risks", "from": ["illness"], "to": ["illness", "disability"]},
        {"field": "version", "from": 3, "to": 4},
    ]
    assert masked(diff) == [
        {"field": "household.members.0.phone", "from": "138****1111", "to": "139****2222"},
        {"field": "household.members", "from": [{"name": "甲", "id_number": "110101**********34"}], "to": []},
        {"field": "risks", "from": "***", "to": "***"},
        {"field": "version", "from": 3, "to": 4},
    ]
    screening = {"comment": "诊断为尿毒症，每周透析", "medical_expenditure": "42000", "social_assistance": "dibao",
                 "per_capita_net_income": "5000", "reason": "次子外出落户", "medical_insurance": False}  # fmt: skip
    assert masked(screening) == {"comment": "***", "medical_expenditure": "***", "social_assistance": "***",
                                 "per_capita_net_income": "5000", "reason": "***", "medical_insurance": "***"}  # fmt: skip


def test_a_mapping_keyed_by_names_loses_its_names_for_roles_that_see_none() -> None:
    counts = {"by_responsible_person": {"陈帮扶": 3, "李帮扶": 1}, "total": 4}
    assert masked(counts, names=True) == {"by_responsible_person": {"***(1)": 3, "***(2)": 1}, "total": 4}
    assert masked(counts) == counts
    person = {"responsible_person": {"name": "陈", "phone": "13900002222"}, "visitors": ["李四", "王五"]}
    assert masked(person, names=True) == {"responsible_person": {"name": "***", "phone": "139****2222"},
                                          "visitors": ["***", "***"]}  # fmt: skip


def test_a_count_under_a_personal_key_is_a_count_not_a_person_s_number() -> None:
    """Households screened by phone are counted under "phone" (campaign coverage): a number of households is not a
    phone number, and an inspector reads it as it is; a phone number (text) is masked as ever."""
    coverage = {"villages": [{"village_code": "990102101001", "phone": 3, "in_person": 5}], "totals": {"phone": 3}}
    assert masked(coverage) == coverage
    assert masked({"phone": "13800000000"})["phone"] != "13800000000"
