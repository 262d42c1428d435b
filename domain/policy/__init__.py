"""Every rule of identification, in one place, each with its source.

Policy *values* (monitoring line, deadlines, notice periods) are versioned configuration per jurisdiction and year
(domain.md §0 and §3: "treat thresholds, time limits and notice periods as configuration per jurisdiction and year").
A case is pinned to the version in force for its village on its clue date; that version is recorded in its first
event and every later check uses it, so a new policy never changes an old case.

Policy *rules* (which step may follow which, who may take it, what a category requires) are functions below. They
are called only from the aggregate's public command methods, never from event ``apply`` bodies or workflow code, so
a rule change cannot alter the replay of a stored history (design.md, "Rules run where nothing replays them").
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from domain.errors import NotPermittedError, RuleViolationError
from domain.values import (
    SHANGHAI,
    Actor,
    AreaLevel,
    Category,
    HouseholdType,
    MeasureAction,
    NoticeAction,
    Procedure,
    Role,
    Status,
    Step,
)


@dataclass(frozen=True)
class Policy:
    """One version of the policy values in force in a jurisdiction from a date.

    Fields with defaults were added after the first version; a case pinned to a version recorded without them reads
    the default, which is the value every version had when the field was introduced.
    """

    policy_id: str
    version: int
    jurisdiction: str  # area-code prefix it applies to; "" = everywhere
    year: int  # the year whose monitoring line this is
    effective_from: date
    monitoring_line: Decimal  # 监测范围指导线, yuan per person per year (人均纯收入)
    identification_days: int  # clue → county decision, calendar days
    notice_min_days: int  # village public notice, calendar days counted inclusively
    source: str
    # 10天内制定帮扶计划, 15天内采取针对性帮扶措施 (seed plan §二(二)); 25天内落实针对性帮扶措施 from the clue
    # (seed plan §三(二)). Plan-only, unconfirmed nationally (domain.md §6 "Timing").
    plan_days: int = 10
    measures_days: int = 15
    measures_from_clue_days: int = 25
    # Monitored at least half a year before elimination may start (yjq.gov.cn, domain.md §7 "Minimum time").
    min_monitoring_months: int = 6
    # Elimination notice: 7 days in Pingjiang, the only figure found (domain.md §7 "Procedure").
    elimination_notice_min_days: int = 7
    # Verification visit by a team of at least 2 (Pingjiang, domain.md §7 step 2).
    min_elimination_verifiers: int = 2
    # No source gives a time limit for the elimination procedure; Dixian's default is 30 days from the proposal,
    # long enough for the visit, the 7-day notice, township review and county approval. Configure it.
    elimination_days: int = 30
    # 回头看: whether the household is 稳定半年以上 (seed plan §二(三)) is checked six months after elimination.
    look_back_months: int = 6
    # 因病、因残、因学等刚性支出较大的农户 are a key group of the screening (seed plan §二(一)); no source found gives
    # the amount, so Dixian flags household rigid expenditure (medical + schooling, out of pocket) above this many
    # yuan a year as at risk. Inner Mongolia uses "an early-warning standard" (domain.md §2). Configure it.
    rigid_expenditure_alert: Decimal = Decimal("20000")

    @property
    def key(self) -> str:
        return f"{self.policy_id}@{self.version}"

    def notice_days_for(self, procedure: Procedure) -> int:
        return self.notice_min_days if procedure is Procedure.IDENTIFICATION else self.elimination_notice_min_days

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["key"] = self.key
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue  # a field added later: its default applies
            value = data[f.name]
            if f.type in ("int", int):
                value = int(value)
            elif f.type in ("Decimal", Decimal):
                value = Decimal(value)
            elif f.type in ("str", str):
                value = str(value)
            kwargs[f.name] = value
        return cls(**kwargs)


# The registry is append-only: a published version is never edited, a change is a new version.
DEFAULT_POLICIES: tuple[Policy, ...] = (
    Policy(
        policy_id="national-2020",
        version=1,
        jurisdiction="",
        year=2020,
        effective_from=date(2020, 3, 1),
        # The 2020 指导意见 created the mechanism with a line of about 1.5 × the ~4,000 yuan poverty standard
        # (domain.md §1, §3: chinadaily 2020-12-02). The time limits are those of §4.2, kept for continuity.
        monitoring_line=Decimal("6000"),
        identification_days=15,
        notice_min_days=5,
        source="domain.md §1, §3 (2020 guidance); §4.2 time limits",
    ),
    Policy(
        policy_id="national",
        version=1,
        jurisdiction="",
        year=2021,
        effective_from=date(2021, 5, 16),
        # National floor 1.5 × the ~4,000 yuan poverty standard (中农组发〔2021〕7号 via yyx.gov.cn; domain.md §3).
        monitoring_line=Decimal("6000"),
        # ≤ 15 days clue → identification; village notice ≥ 5 days (qinan.gov.cn, linzhou.gov.cn; domain.md §4.2).
        identification_days=15,
        notice_min_days=5,
        source="domain.md §3 national floor; §4.2 time limits",
    ),
    Policy(
        policy_id="seed-township",
        version=1,
        jurisdiction="990102101",
        year=2023,
        effective_from=date(2023, 1, 1),
        # 以2023年监测范围指导线7100元为参考 (seed plan §二(一)).
        monitoring_line=Decimal("7100"),
        # 确保15天内完成监测对象识别认定 (seed plan §三(二)); notice ≥ 5 days (domain.md §4.2).
        identification_days=15,
        notice_min_days=5,
        source="seeds/township-screening-plan.txt §二(一), §三(二)",
    ),
)


class PolicyRegistry:
    """Looks up policy versions by key and finds the one in force for an area on a date."""

    def __init__(self, policies: tuple[Policy, ...] = DEFAULT_POLICIES) -> None:
        self._by_key = {p.key: p for p in policies}
        if len(self._by_key) != len(policies):
            raise ValueError("duplicate policy key in registry")
        self._policies = policies

    def get(self, key: str) -> Policy:
        return self._by_key[key]

    def in_force(self, area_code: str, on: date, *, field: str = "clue_date") -> Policy:
        """The most specific jurisdiction wins, then the latest effective date, then the highest version."""
        candidates = [p for p in self._policies if area_code.startswith(p.jurisdiction) and p.effective_from <= on]
        if not candidates:
            raise RuleViolationError(
                f"no policy is in force for area {area_code} on {on.isoformat()}",
                field=field,
                rule="policy_in_force",
            )
        return max(candidates, key=lambda p: (len(p.jurisdiction), p.effective_from, p.version))


# --- dates -----------------------------------------------------------------------------------------------------

# The monitoring mechanism was created in March 2020 (domain.md §1); no clue can predate it.
EARLIEST_CLUE_DATE = date(2020, 3, 1)
# Tolerated clock skew between a client's device and the server when a client supplies a business time.
CLOCK_SKEW = timedelta(minutes=5)


def local_date(moment: datetime) -> date:
    """The calendar day in Asia/Shanghai of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """The instant a day ends in Asia/Shanghai: a deadline on ``day`` is missed from this instant on."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def identification_due(clue_date: date, policy: Policy) -> date:
    """Last day for the county decision: clue date + N calendar days (domain.md §4.2, seed plan §三(二))."""
    return clue_date + timedelta(days=policy.identification_days)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has fewer days (2023-08-31 + 6 → 2024-02-29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plan_due(identified_on: date, policy: Policy) -> date:
    """帮扶计划 within N days of identification (seed plan §二(二): 10天内制定帮扶计划)."""
    return identified_on + timedelta(days=policy.plan_days)


def measures_due(identified_on: date, policy: Policy) -> date:
    """帮扶措施 within N days of identification (seed plan §二(二): 15天内采取针对性帮扶措施)."""
    return identified_on + timedelta(days=policy.measures_days)


def measures_from_clue_due(clue_date: date, policy: Policy) -> date:
    """帮扶措施 within N days of the clue (seed plan §三(二): 25天内落实针对性帮扶措施)."""
    return clue_date + timedelta(days=policy.measures_from_clue_days)


def elimination_due(proposed_on: date, policy: Policy) -> date:
    """The elimination procedure's own time limit, from the proposal (see ``Policy.elimination_days``)."""
    return proposed_on + timedelta(days=policy.elimination_days)


def look_back_due(eliminated_on: date, policy: Policy) -> date:
    """回头看 of an eliminated household, half a year on (seed plan §二(三) 稳定半年以上)."""
    return add_months(eliminated_on, policy.look_back_months)


def notice_days(start: date, end: date) -> int:
    """Length of a notice in calendar days, both ends counted (公示期 3月1日至3月5日 is 5 days)."""
    return (end - start).days + 1


def check_clue_date(clue_date: date, today: date) -> None:
    if clue_date > today:
        raise RuleViolationError("the clue date cannot be in the future", field="clue_date", rule="not_in_future")
    if clue_date < EARLIEST_CLUE_DATE:
        raise RuleViolationError(
            f"the clue date cannot be before {EARLIEST_CLUE_DATE.isoformat()}, when the mechanism began",
            field="clue_date",
            rule="after_mechanism_start",
        )


def check_step_time(occurred_at: datetime, not_before: date, now: datetime) -> None:
    """A step happens on or after the case's last business date and not in the future."""
    if occurred_at > now + CLOCK_SKEW:
        raise RuleViolationError("the step cannot be dated in the future", field="occurred_at", rule="not_in_future")
    if local_date(occurred_at) < not_before:
        raise RuleViolationError(
            f"the step cannot be dated before {not_before.isoformat()}, the date of the case's previous step",
            field="occurred_at",
            rule="chronological_order",
        )


# --- who may act -----------------------------------------------------------------------------------------------

# The level each role works at: 村 (village cadre, grid worker), 乡镇 (township review), 县 (county approval)
# (domain.md §4.2 "Actor" column; issue #2: "a village cadre acts only in their village, a township reviewer in their
# township, a county approver in their county").
ROLE_LEVEL: dict[Role, AreaLevel] = {
    Role.VILLAGE_CADRE: AreaLevel.VILLAGE,
    # 驻村干部 are stationed in one village (驻村第一书记和工作队, seed plan §四(一)).
    Role.RESIDENT_CADRE: AreaLevel.VILLAGE,
    Role.TOWNSHIP_REVIEWER: AreaLevel.TOWNSHIP,
    Role.COUNTY_APPROVER: AreaLevel.COUNTY,
    # 运维 and 管理员 serve the whole county's system. A 帮扶责任人 works for any level's unit (县直部门, 乡镇, 村), so
    # has no fixed level; what they may touch is their own households (policy/duties.py).
    Role.OPS: AreaLevel.COUNTY,
    Role.ADMIN: AreaLevel.COUNTY,
}
# Roles that see no case, household or staff record: 运维 (workflow health, no personal data) and 管理员 (users and
# policy). They reach only the routes in ``api`` that carry codes and counts.
NO_PERSONAL_DATA_ROLES = frozenset({Role.OPS, Role.ADMIN})

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
    # seed plan §三(二)); only for the households assigned to them (policy/duties.py).
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
    from domain.areas import level_of  # local import: areas has no dependency back on policy

    level = ROLE_LEVEL.get(actor.role)
    if level is not None and level_of(actor.area_code) is not level:
        raise NotPermittedError(
            f"a {actor.role.value} must act for a {level.value} area, not {actor.area_code!r}",
            field="area_code",
            rule="role_area_level",
        )


def check_jurisdiction(actor: Actor, village_code: str) -> None:
    """The case's village must lie inside the actor's area (codes nest by prefix). Inspectors (督导组) work at any
    level, so only their code's shape is checked; the system never acts through this path."""
    from domain.areas import level_of

    check_actor_level(actor)
    if actor.role is Role.SYSTEM or level_of(actor.area_code) is None or not village_code.startswith(actor.area_code):
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


# --- which step may follow which --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcedureStatuses:
    """Where each step of a village-to-county procedure leads. Elimination mirrors identification (domain.md §7
    "Procedure (mirrors identification)"): visit, deliberation, notice with objections, township review, county
    approval, announcement."""

    procedure: Procedure
    verified: Status  # the visit is done: deliberation is next
    deliberated: Status
    notice_posted: Status
    notice_objected: Status
    notice_closed: Status
    township_passed: Status
    county_approved: Status
    done: Status  # after the announcement
    rejected: Status  # where a rejection at any level leads

    def statuses(self) -> frozenset[Status]:
        return frozenset(
            {
                self.verified,
                self.deliberated,
                self.notice_posted,
                self.notice_objected,
                self.notice_closed,
                self.township_passed,
                self.county_approved,
            }
        )


PROCEDURES: dict[Procedure, ProcedureStatuses] = {
    Procedure.IDENTIFICATION: ProcedureStatuses(
        Procedure.IDENTIFICATION,
        verified=Status.VISIT_VERIFIED,
        deliberated=Status.DELIBERATED,
        notice_posted=Status.NOTICE_POSTED,
        notice_objected=Status.NOTICE_OBJECTED,
        notice_closed=Status.NOTICE_CLOSED,
        township_passed=Status.TOWNSHIP_PASSED,
        county_approved=Status.COUNTY_APPROVED,
        done=Status.MONITORED,
        rejected=Status.CLOSED_REJECTED,  # 不予纳入: the case closes
    ),
    Procedure.ELIMINATION: ProcedureStatuses(
        Procedure.ELIMINATION,
        verified=Status.ELIMINATION_VERIFIED,
        deliberated=Status.ELIMINATION_DELIBERATED,
        notice_posted=Status.ELIMINATION_NOTICE_POSTED,
        notice_objected=Status.ELIMINATION_NOTICE_OBJECTED,
        notice_closed=Status.ELIMINATION_NOTICE_CLOSED,
        township_passed=Status.ELIMINATION_TOWNSHIP_PASSED,
        county_approved=Status.ELIMINATION_COUNTY_APPROVED,
        done=Status.ELIMINATED,
        rejected=Status.MONITORED,  # a refused elimination: the household stays monitored (风险未消除)
    ),
}


def procedure_of(status: Status) -> ProcedureStatuses | None:
    """The procedure a status belongs to (None outside the village-to-county steps)."""
    if status is Status.ELIMINATION_PROPOSED:
        return PROCEDURES[Procedure.ELIMINATION]
    for proc in PROCEDURES.values():
        if status in proc.statuses():
            return proc
    return None


@dataclass(frozen=True)
class StepContext:
    """Facts of a case besides its status that decide which steps are open."""

    cross_checked: bool = False
    has_responsible_person: bool = False
    has_measures: bool = False
    has_open_findings: bool = False
    last_look_back_unstable: bool = False


# Assistance goes on while a case is monitored and while its elimination is under way (seed plan §二(二): every
# not-yet-eliminated object is checked for plan, measures and responsible person).
_ASSISTED = frozenset({Status.MONITORED, Status.ELIMINATION_PROPOSED} | PROCEDURES[Procedure.ELIMINATION].statuses())


@dataclass(frozen=True)
class AllowedStep:
    step: Step
    actions: tuple[str, ...]
    roles: tuple[Role, ...]


def allowed_steps(status: Status, ctx: StepContext) -> list[AllowedStep]:
    """The steps that may be taken now, with their actions and the roles that may take them.

    (domain.md §4.2, §4.3) The cross-check may run in parallel with the village steps after the visit and must be
    done before the township review. An objection to a notice leads to investigation, then back to deliberation or
    rejection. A township "return" sends the case back to the village for a new deliberation. (§6) A plan needs a
    responsible person. (§8, seed plan §二(三)) Rollback follows a look-back that found the household unstable.
    """
    steps: list[tuple[Step, tuple[str, ...]]] = []
    proc = procedure_of(status)
    if status is Status.CLUE_REPORTED:
        steps.append((Step.HOUSEHOLD_VISIT, ()))
    if status is Status.ELIMINATION_PROPOSED:
        steps.append((Step.ELIMINATION_VISIT, ()))
    if proc is not None:
        if status is proc.verified:
            steps.append((Step.VILLAGE_DELIBERATION, ()))
        elif status is proc.deliberated:
            steps.append((Step.PUBLIC_NOTICE, (NoticeAction.POST.value,)))
        elif status is proc.notice_posted:
            steps.append((Step.PUBLIC_NOTICE, (NoticeAction.OBJECTION.value, NoticeAction.CLOSE.value)))
        elif status is proc.notice_objected:
            steps.append((Step.PUBLIC_NOTICE, (NoticeAction.CLOSE.value,)))
        elif status is proc.notice_closed and (ctx.cross_checked or proc.procedure is Procedure.ELIMINATION):
            steps.append((Step.TOWNSHIP_REVIEW, ()))
        elif status is proc.township_passed:
            steps.append((Step.COUNTY_DECISION, ()))
        elif status is proc.county_approved:
            steps.append((Step.ANNOUNCEMENT, ()))
        if proc.procedure is Procedure.IDENTIFICATION and status not in (proc.township_passed, proc.county_approved):
            steps.append((Step.CROSS_CHECK, ()))  # after the visit, until the township review
    if status in _ASSISTED:
        steps.append((Step.RESPONSIBLE_PERSON, ()))
        if ctx.has_responsible_person:
            steps.append((Step.ASSISTANCE_PLAN, ()))
        measure_actions = [MeasureAction.ADD]
        if ctx.has_measures:
            measure_actions += [MeasureAction.CHANGE, MeasureAction.IMPLEMENT, MeasureAction.END]
        steps.append((Step.MEASURES, tuple(a.value for a in measure_actions)))
        steps.append((Step.REVIEW, ()))
        if ctx.has_open_findings:
            steps.append((Step.RECTIFICATION, ()))
    if status is Status.MONITORED:
        steps.append((Step.ELIMINATION_PROPOSAL, ()))
    if status is Status.ELIMINATED:
        steps.append((Step.LOOK_BACK, ()))
        if ctx.last_look_back_unstable:
            steps.append((Step.ROLLBACK_REQUEST, ()))
    if status is Status.ROLLBACK_REQUESTED:
        steps.append((Step.ROLLBACK_DECISION, ()))
    return [AllowedStep(s, actions, tuple(sorted(STEP_ROLES[s]))) for s, actions in steps]


# --- categories ------------------------------------------------------------------------------------------------

# 脱贫不稳定户 are 脱贫户; 脱贫不享受政策户 are registered-poor households too (domain.md §2 code 100A03A02), so
# both count as 脱贫户 here. 边缘易致贫户 are 一般农户. 突发严重困难户 may be of any type (domain.md §2).
_CATEGORY_HOUSEHOLD_TYPES: dict[Category, frozenset[HouseholdType]] = {
    Category.UNSTABLE_FORMERLY_POOR: frozenset({HouseholdType.FORMERLY_POOR, HouseholdType.FORMERLY_POOR_NO_BENEFITS}),
    Category.MARGINAL_AT_RISK: frozenset({HouseholdType.ORDINARY}),
    Category.SUDDEN_HARDSHIP: frozenset(HouseholdType),
}


@dataclass(frozen=True)
class HouseholdFacts:
    """What identification established about the household, as the category rules need it."""

    household_type: HouseholdType
    household_size: int
    per_capita_net_income: Decimal
    rigid_expenditure: Decimal  # 合规自付支出 of the whole household over the income window
    sudden_event: str

    @property
    def income_after_rigid_expenditure(self) -> Decimal:
        return self.per_capita_net_income - self.rigid_expenditure / self.household_size


def category_violation(category: Category, facts: HouseholdFacts, policy: Policy) -> str | None:
    """Why a household does not fit a category under a policy, or None when it does (domain.md §2, §12.1)."""
    if facts.household_type not in _CATEGORY_HOUSEHOLD_TYPES[category]:
        allowed = "/".join(sorted(t.value for t in _CATEGORY_HOUSEHOLD_TYPES[category]))
        return f"{category.value} requires household type {allowed}, not {facts.household_type.value}"
    line = policy.monitoring_line
    if category is Category.SUDDEN_HARDSHIP:
        # Income may exceed the line, but there must be a sudden event, or rigid expenditure large enough to bring
        # per-capita income net of it to the line: the composite test of income and 合规自付支出 (domain.md §2
        # "Identification criteria form a composite test"; §12.1 "requires a qualifying sudden event or rigid
        # expenditure").
        if facts.sudden_event.strip():
            return None
        if facts.rigid_expenditure <= 0 or facts.income_after_rigid_expenditure > line:
            return (
                f"{category.value} requires a sudden event, or rigid expenditure that brings per-capita income "
                f"({facts.income_after_rigid_expenditure:.2f}) to the monitoring line ({line})"
            )
        return None
    if facts.per_capita_net_income > line:
        return (
            f"{category.value} requires per-capita net income ({facts.per_capita_net_income}) at or below the "
            f"monitoring line ({line}) of policy {policy.key}"
        )
    return None


def eligible_categories(facts: HouseholdFacts, policy: Policy) -> list[Category]:
    return [c for c in Category if category_violation(c, facts, policy) is None]


# Up to five risks per household (致贫/返贫风险1…5, domain.md §5).
MAX_RISKS = 5
