"""Who may act: the level each role works at, the area it may act in, which role takes which step, and the
separation of duties (不相容岗位分离) on one case. Every "may this person do this here" of the domain is answered
here; the commands call it, and the API and the workflows never restate it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.kernel.actors import Actor, Role, department_problem
from domain.kernel.areas import AreaLevel, contains, level_of
from domain.kernel.errors import NotPermittedError
from domain.kernel.steps import Procedure, Step

# The level each role works at: 村 (village cadre, grid worker), 乡镇 (township review), 县 (county approval)
# (domain.md §4.2 "Actor" column; issue #2: "a village cadre acts only in their village, a township reviewer in their
# township, a county approver in their county").
ROLE_LEVELS: dict[Role, frozenset[AreaLevel]] = {
    Role.VILLAGE_CADRE: frozenset({AreaLevel.VILLAGE}),
    # 驻村干部 are stationed in one village (驻村第一书记和工作队, seed plan §四(一)).
    Role.RESIDENT_CADRE: frozenset({AreaLevel.VILLAGE}),
    Role.TOWNSHIP_REVIEWER: frozenset({AreaLevel.TOWNSHIP}),
    Role.COUNTY_APPROVER: frozenset({AreaLevel.COUNTY}),
    # 运维 and 管理员 serve the whole county's system.
    Role.OPS: frozenset({AreaLevel.COUNTY}),
    Role.ADMIN: frozenset({AreaLevel.COUNTY}),
    # 行业部门 are the county's sector departments (县直部门).
    Role.DEPARTMENT: frozenset({AreaLevel.COUNTY}),
    # A 帮扶责任人 may work for a unit of any level (县直部门, 乡镇, 村) but holds the township or village of the
    # households assigned to them: a county's code would put every household of the county within their reach.
    # What they may touch is their own households (``duty_conflict`` below; reads: ``privacy.check_may_see``).
    Role.RESPONSIBLE_PERSON: frozenset({AreaLevel.TOWNSHIP, AreaLevel.VILLAGE}),
}


# Who records a clue: the village (cadre screening), the township account (self-applications pushed by the app,
# domain.md §4.1) or the county (department alerts).
OPEN_ROLES = frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})


# Who takes each step (domain.md §4.2 table: village organisation; cross-check village → township → county;
# township government reviews and announces in its own name; county approves).
STEP_ROLES: dict[Step, frozenset[Role]] = {
    # 驻村干部 join the village's fieldwork (入户核实, measures, verification visits, 回头看), not the village
    # committee's own deliberation, notice and proposal (seed plan §三(一): 乡村干部、驻村干部…进村入户).
    Step.HOUSEHOLD_VISIT: frozenset({Role.VILLAGE_CADRE, Role.RESIDENT_CADRE}),
    Step.CROSS_CHECK: frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER}),
    Step.VILLAGE_DELIBERATION: frozenset({Role.VILLAGE_CADRE}),
    Step.PUBLIC_NOTICE: frozenset({Role.VILLAGE_CADRE}),
    Step.TOWNSHIP_REVIEW: frozenset({Role.TOWNSHIP_REVIEWER}),
    Step.COUNTY_DECISION: frozenset({Role.COUNTY_APPROVER}),
    Step.ANNOUNCEMENT: frozenset({Role.TOWNSHIP_REVIEWER}),
    # 结对帮扶: the township assigns the one-to-one responsible person, the village keeps the plan and the measures
    # (seed plan §三(二); domain.md §6). Reviews are the township's, the county's and the inspectors' (督导组, seed
    # plan §四(二)). The elimination proposal comes from the village, its verification team is township and village
    # cadres (domain.md §7 Pingjiang steps 1–2). 回头看 by village and township; rollback is requested in writing
    # by the township and executed by the county (seed plan §三(二); domain.md §8).
    Step.RESPONSIBLE_PERSON: frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER}),
    # The 帮扶责任人 keeps their household's plan and measures and rectifies what a review found ("一对一",
    # seed plan §三(二)); only for the households assigned to them (``duty_conflict``).
    Step.ASSISTANCE_PLAN: frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESPONSIBLE_PERSON}),
    Step.MEASURES: frozenset(
        {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESIDENT_CADRE, Role.RESPONSIBLE_PERSON}
    ),
    Step.REVIEW: frozenset({Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.INSPECTOR}),
    Step.RECTIFICATION: frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESPONSIBLE_PERSON}),
    Step.ELIMINATION_PROPOSAL: frozenset({Role.VILLAGE_CADRE}),
    Step.ELIMINATION_VISIT: frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESIDENT_CADRE}),
    Step.LOOK_BACK: frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.RESIDENT_CADRE}),
    Step.ROLLBACK_REQUEST: frozenset({Role.TOWNSHIP_REVIEWER}),
    Step.ROLLBACK_DECISION: frozenset({Role.COUNTY_APPROVER}),
}


# Who drafts or revises a village's report (seed plan §三(三) 定期调度: the village reports, the township collects, the
# county may ask again); the nightly schedule drafts as the system. Inspectors read reports but do not make them.
REPORT_DRAFT_ROLES = frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.SYSTEM})


# Who repairs workflows (restart, retry, reconcile): 运维, and the township and the county, which run the cases'
# procedures.
REPAIR_ROLES = frozenset({Role.OPS, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})


def check_actor_level(actor: Actor) -> None:
    """An actor's area code must be a code of their role's level (a township reviewer holds a township code)."""
    levels = ROLE_LEVELS.get(actor.role)
    if levels is not None and level_of(actor.area_code) not in levels:
        named = " or ".join(level.value for level in AreaLevel if level in levels)
        raise NotPermittedError(
            f"a {actor.role.value} must act for a {named} area, not {actor.area_code!r}",
            field="area_code",
            rule="role_area_level",
        )
    problem = department_problem(actor.role, actor.department)
    if problem is not None:
        raise NotPermittedError(problem, field="department", rule="department")


def check_jurisdiction(actor: Actor, village_code: str) -> None:
    """The case's village must lie inside the actor's area (codes nest by prefix). Inspectors (督导组) work at any
    level, so only their code's shape is checked; the system never acts through this path."""
    check_actor_level(actor)
    if actor.role is Role.SYSTEM or level_of(actor.area_code) is None or not contains(actor.area_code, village_code):
        raise NotPermittedError(
            f"{actor.role.value} of area {actor.area_code} may not act on a case outside that area",
            field="area_code",
            rule="jurisdiction",
        )


def check_may_open(actor: Actor, village_code: str) -> None:
    if actor.role not in OPEN_ROLES:
        raise NotPermittedError(f"role {actor.role.value} may not open a case", field="role", rule="open_roles")
    check_jurisdiction(actor, village_code)


def check_may_take(actor: Actor, step: Step, village_code: str) -> None:
    if actor.role not in STEP_ROLES[step]:
        raise NotPermittedError(
            f"role {actor.role.value} may not take step {step.value}", field="role", rule="step_roles"
        )
    check_jurisdiction(actor, village_code)


def check_may_register(actor: Actor, village_code: str) -> None:
    """Households, staff and screenings are recorded by the village, township or county of the household (the seed
    plan §三(一): 各村 … 乡村干部 screen; the township's office coordinates), never by inspectors or the system."""
    check_may_import(actor)
    check_jurisdiction(actor, village_code)


def check_may_import(actor: Actor) -> None:
    """Only the roles that may change the registry import a roster (each household's area is checked as well)."""
    if actor.role not in OPEN_ROLES:
        raise NotPermittedError(
            f"role {actor.role.value} may not change the registry", field="role", rule="registry_role"
        )


def check_may_run_campaign(actor: Actor, scope: list[str]) -> None:
    """A campaign is organised by the township (乡村振兴办公室统筹, seed §四(一)) or the county, within its area."""
    if actor.role not in (Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER):
        raise NotPermittedError("only a township or county may start a campaign", field="role", rule="campaign_role")
    check_actor_level(actor)
    for code in scope:
        if not contains(actor.area_code, code):
            raise NotPermittedError(f"area {code} lies outside {actor.area_code}", field="scope", rule="jurisdiction")


def check_may_draft_report(actor: Actor, village_code: str) -> None:
    """Who drafts or revises a village's report (``REPORT_DRAFT_ROLES``), for a village inside their area."""
    if actor.role not in REPORT_DRAFT_ROLES:
        raise NotPermittedError(
            f"a {actor.role.value} reads reports but does not draft them", field="role", rule="report_roles"
        )
    if actor.role is not Role.SYSTEM and not contains(actor.area_code, village_code):
        raise NotPermittedError(
            f"village {village_code} lies outside your area", field="village_code", rule="jurisdiction"
        )


def check_may_repair(actor: Actor) -> None:
    """Who repairs workflows (``REPAIR_ROLES``)."""
    if actor.role not in REPAIR_ROLES:
        raise NotPermittedError("repairs are made by the township or county", field="role", rule="ops_role")


def check_may_read_access_log(actor: Actor) -> None:
    """Who reads the access log (who read which record): the inspectors (督导/审计), whose work is the process."""
    if actor.role is not Role.INSPECTOR:
        raise NotPermittedError("the access log is for inspectors", field="role", rule="inspector_only")


def check_may_read_id_conflicts(actor: Actor) -> None:
    """Who reads the ID numbers listed by two households (recorded, not refused, when the first lies outside the
    registrar's area): the county, which decides where the person belongs, and its inspectors."""
    if actor.role not in (Role.COUNTY_APPROVER, Role.INSPECTOR):
        raise NotPermittedError(
            "conflicting ID numbers are resolved by the county (县级)", field="role", rule="county_or_inspector"
        )


def check_may_open_payloads(actor: Actor) -> None:
    """Who may open what Temporal keeps of a workflow (its payloads carry the step's personal data): operations,
    who diagnose a workflow in the Temporal UI, and the county, which answers for the county's cases."""
    if actor.role not in (Role.OPS, Role.COUNTY_APPROVER):
        raise NotPermittedError(
            "Temporal payloads are opened by operations (运维) or the county (县级)", field="role", rule="ops_or_county"
        )


# The two approval levels of one procedure are two people: a county decision by the person who made the township
# review would approve their own work (domain.md §4.2 steps 4 and 5: the township reviews, the county approves).
# An elimination is not approved by the household's own responsible person, whose assistance it judges
# (domain.md §6 "一对一" responsibility; §7 the elimination procedure). Both are this project's reading of the
# separation the procedure's levels imply; neither is written as such in the sources.
APPROVAL_STEPS = (Step.TOWNSHIP_REVIEW, Step.COUNTY_DECISION)


def duty_conflict(
    step: Step,
    actor_id: str,
    procedure: Procedure | None,
    procedure_facts: Mapping[str, Any],
    responsible_person: Mapping[str, Any] | None,
    actor_role: Role | None = None,
) -> str | None:
    """Why ``actor_id`` may not take ``step`` on this case (None if they may). ``procedure_facts`` are the current
    procedure's records (identification's or elimination's), ``responsible_person`` the case's current one."""
    if step is Step.COUNTY_DECISION:
        review = procedure_facts.get("township_review")
        if review and review.get("actor", {}).get("id") == actor_id:
            return "the county decision is taken by someone other than the person who made the township review"
    responsible = (responsible_person or {}).get("user_id")
    if actor_role is Role.RESPONSIBLE_PERSON and (not responsible or responsible != actor_id):
        return "a responsible person acts only for the households assigned to them"
    if procedure is Procedure.ELIMINATION and step in APPROVAL_STEPS and responsible and responsible == actor_id:
        return "the household's responsible person does not approve the elimination of its risk"
    return None
