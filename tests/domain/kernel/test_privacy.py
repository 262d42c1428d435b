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
    assert mask_id_number("110101199003071234") == "110101********1234"
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
        "members": [{"name": "张三", "id_number": "110101********1234", "health": "***"}],
        "case": {"responsible_person": {"name": "陈", "phone": "139****2222"}, "version": 3, "phone": ""},
    }  # fmt: skip


def test_ops_and_admin_see_no_names_either() -> None:
    from domain.kernel.privacy import sees_names

    assert {r for r in Role if not sees_names(r)} == {Role.OPS, Role.ADMIN}
    item = {"case_id": "c1", "responsible_person": "陈帮扶（县农业农村局）", "village_code": "990102101001"}
    assert masked({"items": [item]}, names=True) == {"items": [{**item, "responsible_person": "***"}]}
    assert masked({"items": [item]}) == {"items": [item]}  # inspectors see names
