"""Who may act (domain/kernel/permissions.py): each role's level and area, who records a clue, who takes each step."""

from __future__ import annotations

import pytest

from domain.kernel.actors import Actor, Role
from domain.kernel.errors import NotPermittedError
from domain.kernel.permissions import (
    check_actor_level,
    check_jurisdiction,
    check_may_open,
    check_may_read_access_log,
    check_may_take,
)
from domain.kernel.steps import Step
from tests.domain.support import (
    COUNTY_APPROVER,
    INSPECTOR,
    OTHER_COUNTY_APPROVER,
    OTHER_INSPECTOR,
    OTHER_TOWNSHIP_REVIEWER,
    OTHER_VILLAGE_CADRE,
    TOWNSHIP_REVIEWER,
    VILLAGE_CADRE,
    VILLAGE_CODE,
)

# --- who may act --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "area_code"),
    [
        (Role.VILLAGE_CADRE, VILLAGE_CODE),
        (Role.TOWNSHIP_REVIEWER, "990102101"),
        (Role.COUNTY_APPROVER, "990102"),
        (Role.INSPECTOR, "990102"),  # no level: the inspector is refused by step roles, not by level
    ],
)
def test_a_role_with_a_code_of_its_level_passes_the_level_check(role: Role, area_code: str) -> None:
    check_actor_level(Actor(id="a", role=role, area_code=area_code))


@pytest.mark.parametrize(
    ("role", "area_code"),
    [
        (Role.VILLAGE_CADRE, "990102101"),
        (Role.VILLAGE_CADRE, "990102"),
        (Role.VILLAGE_CADRE, "99010210100A"),
        (Role.TOWNSHIP_REVIEWER, VILLAGE_CODE),
        (Role.TOWNSHIP_REVIEWER, "990102"),
        (Role.COUNTY_APPROVER, "990102101"),
        (Role.COUNTY_APPROVER, VILLAGE_CODE),
        (Role.COUNTY_APPROVER, ""),
    ],
)
def test_a_role_whose_area_code_has_the_wrong_level_is_refused(role: Role, area_code: str) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_actor_level(Actor(id="a", role=role, area_code=area_code))
    assert (excinfo.value.field, excinfo.value.rule) == ("area_code", "role_area_level")


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, TOWNSHIP_REVIEWER, COUNTY_APPROVER, INSPECTOR])
def test_each_level_acts_on_a_village_inside_its_area(actor: Actor) -> None:
    check_jurisdiction(actor, VILLAGE_CODE)


@pytest.mark.parametrize("area_code", ["990102", "990102101", VILLAGE_CODE])
def test_an_inspector_of_any_level_acts_inside_their_own_area(area_code: str) -> None:
    # 督导组 work at county, township or village level (seed plan §四(二)): any valid code of the tree, by prefix.
    check_jurisdiction(Actor(id="in", role=Role.INSPECTOR, area_code=area_code), VILLAGE_CODE)


@pytest.mark.parametrize("area_code", ["990103", "990102102", "990102101002", "", "99010", "99010210100A"])
def test_an_inspector_outside_their_area_or_with_a_malformed_code_is_refused(area_code: str) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_jurisdiction(Actor(id="in", role=Role.INSPECTOR, area_code=area_code), VILLAGE_CODE)
    assert (excinfo.value.field, excinfo.value.rule) == ("area_code", "jurisdiction")


@pytest.mark.parametrize(
    "actor", [OTHER_VILLAGE_CADRE, OTHER_TOWNSHIP_REVIEWER, OTHER_COUNTY_APPROVER, OTHER_INSPECTOR]
)
def test_an_actor_outside_the_village_area_is_refused(actor: Actor) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_jurisdiction(actor, VILLAGE_CODE)
    assert (excinfo.value.field, excinfo.value.rule) == ("area_code", "jurisdiction")


@pytest.mark.parametrize("actor", [VILLAGE_CADRE, TOWNSHIP_REVIEWER, COUNTY_APPROVER])
def test_village_township_and_county_may_record_a_clue(actor: Actor) -> None:
    check_may_open(actor, VILLAGE_CODE)


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.SYSTEM])
def test_inspectors_and_the_system_may_not_record_a_clue(role: Role) -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_may_open(Actor(id="x", role=role, area_code="990102"), VILLAGE_CODE)
    assert (excinfo.value.field, excinfo.value.rule) == ("role", "open_roles")


# Who takes each step (domain.md §4.2 "Actor" column): V = village cadre, T = township reviewer, C = county approver.
EXPECTED_STEP_ROLES: dict[Step, set[Role]] = {
    Step.HOUSEHOLD_VISIT: {Role.VILLAGE_CADRE, Role.RESIDENT_CADRE},  # 驻村干部 visit too (seed §三(一))
    Step.CROSS_CHECK: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER},
    Step.VILLAGE_DELIBERATION: {Role.VILLAGE_CADRE},
    Step.PUBLIC_NOTICE: {Role.VILLAGE_CADRE},
    Step.TOWNSHIP_REVIEW: {Role.TOWNSHIP_REVIEWER},
    Step.COUNTY_DECISION: {Role.COUNTY_APPROVER},
    Step.ANNOUNCEMENT: {Role.TOWNSHIP_REVIEWER},
    # Assistance (seed plan §三(二), domain.md §6): the township assigns the responsible person; village and township
    # keep the plan, the measures and the rectifications; township, county and inspectors (督导组) review.
    Step.RESPONSIBLE_PERSON: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER},
    # The 帮扶责任人 keeps plan, measures and rectifications of their own households; 驻村干部 record measures.
    Step.ASSISTANCE_PLAN: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESPONSIBLE_PERSON},
    Step.MEASURES: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESIDENT_CADRE, Role.RESPONSIBLE_PERSON},
    Step.REVIEW: {Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.INSPECTOR},
    Step.RECTIFICATION: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESPONSIBLE_PERSON},
    # Elimination (domain.md §7 Pingjiang steps 1–2): the village proposes, township and village cadres verify.
    Step.ELIMINATION_PROPOSAL: {Role.VILLAGE_CADRE},
    Step.ELIMINATION_VISIT: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESIDENT_CADRE},
    # 回头看 by village and township; rollback requested in writing by the township, executed by the county (§8).
    Step.LOOK_BACK: {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESIDENT_CADRE},
    Step.ROLLBACK_REQUEST: {Role.TOWNSHIP_REVIEWER},
    Step.ROLLBACK_DECISION: {Role.COUNTY_APPROVER},
}
ACTOR_OF_ROLE = {
    Role.VILLAGE_CADRE: VILLAGE_CADRE,
    Role.TOWNSHIP_REVIEWER: TOWNSHIP_REVIEWER,
    Role.COUNTY_APPROVER: COUNTY_APPROVER,
    Role.INSPECTOR: INSPECTOR,
    Role.RESIDENT_CADRE: Actor(id="rc-1", role=Role.RESIDENT_CADRE, area_code=VILLAGE_CODE),
    Role.RESPONSIBLE_PERSON: Actor(id="rp-1", role=Role.RESPONSIBLE_PERSON, area_code="990102101"),
    Role.OPS: Actor(id="ops-1", role=Role.OPS, area_code="990102"),
    Role.ADMIN: Actor(id="admin-1", role=Role.ADMIN, area_code="990102"),
    Role.DEPARTMENT: Actor(id="dept-1", role=Role.DEPARTMENT, area_code="990102", department="medical_insurance"),
    Role.SYSTEM: Actor(id="system", role=Role.SYSTEM, area_code=""),
}


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("role", list(Role))
def test_each_step_is_taken_only_by_its_roles(step: Step, role: Role) -> None:
    actor = ACTOR_OF_ROLE[role]
    if role in EXPECTED_STEP_ROLES[step]:
        check_may_take(actor, step, VILLAGE_CODE)
    else:
        with pytest.raises(NotPermittedError) as excinfo:
            check_may_take(actor, step, VILLAGE_CODE)
        assert (excinfo.value.field, excinfo.value.rule) == ("role", "step_roles")


def test_a_permitted_role_still_needs_the_jurisdiction() -> None:
    with pytest.raises(NotPermittedError) as excinfo:
        check_may_take(OTHER_VILLAGE_CADRE, Step.HOUSEHOLD_VISIT, VILLAGE_CODE)
    assert excinfo.value.rule == "jurisdiction"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_only_inspectors_read_the_access_log(role: Role) -> None:
    actor = Actor(id="a", role=role, area_code="990102")
    if role is Role.INSPECTOR:
        check_may_read_access_log(actor)
        return
    with pytest.raises(NotPermittedError) as refused:
        check_may_read_access_log(actor)
    assert (refused.value.field, refused.value.rule) == ("role", "inspector_only")


def test_a_department_account_names_one_known_department_and_no_other_role_names_one() -> None:
    check_actor_level(Actor(id="d", role=Role.DEPARTMENT, area_code="990102", department="education"))
    for actor in (
        Actor(id="d", role=Role.DEPARTMENT, area_code="990102"),
        Actor(id="d", role=Role.DEPARTMENT, area_code="990102", department="finance"),
        Actor(id="t", role=Role.TOWNSHIP_REVIEWER, area_code="990102101", department="education"),
    ):
        with pytest.raises(NotPermittedError) as excinfo:
            check_actor_level(actor)
        assert (excinfo.value.field, excinfo.value.rule) == ("department", "department")
    with pytest.raises(NotPermittedError) as excinfo:  # a county department works for the county
        check_actor_level(Actor(id="d", role=Role.DEPARTMENT, area_code="990102101", department="education"))
    assert excinfo.value.rule == "role_area_level"
