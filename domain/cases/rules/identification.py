"""Every rule of identification (识别认定, domain.md §4.2), in one place, each with its source: which step may follow
which (the village-to-county procedure shared with elimination), and what each category requires.

They are called only from the aggregate's public command methods, never from event ``apply`` bodies or workflow code,
so a rule change cannot alter the replay of a stored history (design.md, "Rules run where nothing replays them")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.cases.values import Category, MeasureAction, NoticeAction, Status
from domain.kernel.actors import Role
from domain.kernel.errors import RuleViolationError
from domain.kernel.permissions import STEP_ROLES
from domain.kernel.policy import Policy
from domain.kernel.steps import Procedure, Step
from domain.registry.values import HouseholdType, Risk


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


# The statuses in which each procedure's notice runs (posted, or objected to and not yet closed).
NOTICE_STATUSES = {p: (s.notice_posted, s.notice_objected) for p, s in PROCEDURES.items()}


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


def check_risks(risks: list[Risk], field: str, *, required: bool) -> None:
    if required and not risks:
        raise RuleViolationError("name at least one risk", field=field, rule="risk_required")
    if len(set(risks)) != len(risks):
        raise RuleViolationError("a risk is listed twice", field=field, rule="unique")
    if len(risks) > MAX_RISKS:
        raise RuleViolationError(f"at most {MAX_RISKS} risks per household", field=field, rule="max_risks")


def check_authorisation(*, signed: bool, reference: str, refusal_reason: str, risks: list[Risk]) -> None:
    """The household visit's 承诺授权书: signed, with its reference and the risks the household applies for; or
    declined, with the household's reason (asked also by a visit before it writes anything, api.visits)."""
    if signed:
        # The signed 承诺授权书 is part of the file (domain.md §4.2 step 1, §11): its reference is required.
        if not reference.strip():
            raise RuleViolationError(
                "a signed authorisation letter needs its document reference",
                field="authorisation_ref",
                rule="authorisation_reference",
            )
        # An applicant is at risk of something: 致贫/返贫风险1…5 are the system's fields (domain.md §5).
        check_risks(risks, "risks", required=True)
    else:
        check_risks(risks, "risks", required=False)
        # Declining the authorisation is the household's decision, recorded as such with its reason: it ends this
        # identification (it has not applied, domain.md §4.2 step 1), never by a forgotten tick.
        if not refusal_reason.strip():
            raise RuleViolationError(
                "a household declining the authorisation letter states its reason",
                field="refusal_reason",
                rule="refusal_reason",
            )
