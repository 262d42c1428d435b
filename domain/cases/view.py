"""What a caller sees of a case: its facts, its allowed next steps and its deadlines, computed at a moment.

The view's shape is written once, here (``CaseViewData``): the API answers with it as it is, the workflow keeps the
control part of it (``workflows.cases.contracts.CaseControl``), the read models and reports read their columns from
it. Codes and enumerated values are their plain text; dates and times are ``date`` and ``datetime``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NotRequired

from typing_extensions import (
    TypedDict,  # pydantic validates the view (the API answers with it): typing.TypedDict before 3.12 it cannot
)

from domain.cases.case import MonitoringCase
from domain.cases.rules.deadlines import elimination_eligible_from, missed_key
from domain.cases.rules.identification import eligible_categories
from domain.cases.values import DeadlineKind, FindingKind, MeasureCategory, MeasureStatus, Source, Stage, Status
from domain.kernel.areas import AreaTree
from domain.kernel.labels import label
from domain.kernel.steps import Step
from domain.kernel.time import end_of_day, local_date


class FactSource(TypedDict):
    """Where one of the household's facts on the case came from (issue 19)."""

    fact: str  # household_head | household_type | household_size | labour_capable_members
    fact_label: str
    step: str  # open | household-visit | elimination-proposal (Step codes)
    step_label: str
    source: str  # registry | typed | unknown (recorded before the registry was read)
    source_label: str
    registry_version: int | None
    as_of: str | None  # the business date the registry was read as of
    by: str  # who recorded the step (their name, or their id when unnamed)
    version: int  # the case event that recorded it


class HouseholdRef(TypedDict):
    household_number: str
    household_head: str
    registered: bool | None  # None: opened before cases read the registry
    registry_source: dict[str, Any] | None
    registration_due: date | None  # an unregistered household's: to be registered by then (RG-01)
    fact_sources: list[FactSource]
    # GET /cases/{id} only: what the registry recorded of the household since the case last read it
    registry_now: NotRequired[dict[str, Any]]


class AreaData(TypedDict):
    county_code: str
    township_code: str
    village_code: str
    village_name: str


class AllowedStepData(TypedDict):
    step: str  # the API path segment
    label: str
    actions: list[str]  # for the steps with actions (村内公示, 帮扶措施)
    roles: list[str]


class DeadlineData(TypedDict):
    kind: str
    label: str
    due_date: date
    due_at: datetime  # the instant it is missed: the end of its day in Asia/Shanghai
    met_on: date | None
    met_in_time: bool
    closed: bool  # no longer applies: the case left the path before meeting it
    missed_recorded: bool  # a DeadlineMissed is stored for it
    overdue: bool  # by the clock, now
    days_late: int


class NoticeDueData(TypedDict):
    kind: str
    label: str
    due_date: date
    due_at: datetime
    overdue: bool
    days_late: int


class DerivedFindingData(TypedDict):
    kind: str
    kind_label: str
    rule: str
    message: str
    evidence: dict[str, Any]


class NationalTransition(TypedDict):
    status: str  # monitored | eliminated | rolled_back
    version: int  # the event that made the change


class CaseViewData(TypedDict):
    """A case as a caller sees it. The records a step wrote (``facts``, ``plan``, ``measures``, ``elimination``, …)
    are the events' own payloads, as stored."""

    case_id: str
    version: int
    stage: str
    stage_label: str
    status: str
    status_label: str
    household: HouseholdRef
    area: AreaData
    source: str
    source_label: str
    clue_date: date
    reported_risks: list[str]
    previous_case_id: str | None
    new_case_id: str | None
    policy: dict[str, Any]
    category: str | None
    category_label: str | None
    identified_on: date | None
    eligible_categories: list[str]
    risks: list[str]
    unmet_guarantees: list[str]
    labour_capable_members: int
    facts: dict[str, dict[str, Any]]
    responsible_person: dict[str, Any] | None
    responsible_history: list[dict[str, Any]]
    plan: dict[str, Any] | None
    measures: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    derived_findings: list[DerivedFindingData]
    elimination: dict[str, Any] | None
    elimination_eligible_from: date | None
    elimination_history: list[dict[str, Any]]
    eliminated_on: date | None
    look_backs: list[dict[str, Any]]
    rollbacks: list[dict[str, Any]]
    national_transitions: list[NationalTransition]
    national_status: NationalTransition | None
    allowed_steps: list[AllowedStepData]
    deadlines: list[DeadlineData]
    next_deadline: DeadlineData | None
    notice_due: NoticeDueData | None
    overdue: bool  # by the clock, now
    overdue_recorded: bool  # a recorded DeadlineMissed still unmet (what search attributes and the case list show)
    finished: bool  # closed, or re-entered as a new case: its workflow ends
    opened_at: datetime
    updated_at: datetime
    opened_by: dict[str, str]


def case_view(case: MonitoringCase, now: datetime, areas: AreaTree | None = None) -> CaseViewData:
    """The case view as plain data (dates, decimals and strings), the same for the API and the workflow."""
    policy = case.policy
    deadlines = _deadlines(case, now)
    pending = [d for d in deadlines if d["met_on"] is None and not d["closed"]]
    next_deadline = min(pending, key=lambda d: d["due_at"]) if pending else None
    village = areas.get(case.village_code) if areas else None
    transitions = national_transitions(case)
    view: CaseViewData = {
        "case_id": str(case.id),
        "version": case.version,
        "stage": case.stage.value,
        "stage_label": label(case.stage),
        "status": case.status.value,
        "status_label": label(case.status),
        "household": {
            "household_number": case.household_number,
            "household_head": case.household_head,
            "registered": None
            if case.registry_source is None and case.registration_due is None
            else (case.registry_source is not None),
            "registry_source": case.registry_source,
            "registration_due": case.registration_due,
            "fact_sources": fact_sources(case),
        },
        "area": {
            "county_code": case.county_code,
            "township_code": case.township_code,
            "village_code": case.village_code,
            "village_name": village.name if village else "",
        },
        "source": case.source.value,
        "source_label": label(Source(case.source)),
        "clue_date": case.clue_date,
        "reported_risks": list(case.reported_risks),
        "previous_case_id": case.previous_case_id or None,
        "new_case_id": case.new_case_id,
        "policy": policy.as_dict(),
        "category": case.category.value if case.category else None,
        "category_label": label(case.category) if case.category else None,
        "identified_on": case.identified_on,
        "eligible_categories": _eligible(case),
        "risks": list(case.risks),
        "unmet_guarantees": list(case.unmet_guarantees),
        "labour_capable_members": case.labour_capable_members,
        "facts": {name: dict(facts) for name, facts in case.facts.items()},
        "responsible_person": case.responsible_person,
        "responsible_history": list(case.responsible_history),
        "plan": case.plan,
        "measures": [
            dict(
                m, category_label=label(MeasureCategory(m["category"])), status_label=label(MeasureStatus(m["status"]))
            )
            for m in case.measures.values()
        ],
        "findings": [dict(f, kind_label=label(FindingKind(f["kind"]))) for f in case.findings.values()],
        "derived_findings": [
            {
                "kind": f.kind.value,
                "kind_label": label(f.kind),
                "rule": f.rule,
                "message": f.message,
                "evidence": f.evidence,
            }
            for f in case.derived_findings(now)
        ],
        "elimination": case.elimination,
        "elimination_eligible_from": (
            elimination_eligible_from(case.identified_on, policy) if case.identified_on else None
        ),
        "elimination_history": list(case.elimination_history),
        "eliminated_on": case.eliminated_on,
        "look_backs": list(case.look_backs),
        "rollbacks": list(case.rollbacks),
        "national_transitions": transitions,
        "national_status": transitions[-1] if transitions else None,
        "allowed_steps": [
            {
                "step": a.step.value,
                "label": label(a.step),
                "actions": list(a.actions),
                "roles": [r.value for r in a.roles],
            }
            for a in case.allowed_steps()
        ],
        "deadlines": deadlines,
        "next_deadline": next_deadline,
        "notice_due": _notice_due(case, now),
        "overdue": any(d["overdue"] for d in deadlines),  # by the clock, now
        # A recorded DeadlineMissed still unmet: what search attributes and the case list show as overdue.
        "overdue_recorded": any(d["missed_recorded"] and d["met_on"] is None and not d["closed"] for d in deadlines),
        "finished": case.stage is Stage.CLOSED or case.status is Status.RE_ENTERED,
        "opened_at": case.created_on,
        "updated_at": case.modified_on,
        "opened_by": dict(case.opened_by),
    }
    return view


def responsible_user(view: CaseViewData) -> str:
    """The Dixian account of the case's one-to-one responsible person ("" when none is assigned, or none given)."""
    return str((view["responsible_person"] or {}).get("user_id", "") or "")


def national_transitions(case: MonitoringCase) -> list[NationalTransition]:
    """Every change of monitoring status the national system must receive, in order, each with the version of the
    event that made it, so that a sync is idempotent per (case, version): monitored at the announcement of the
    identification, eliminated at each RiskEliminated, rolled back at each approved rollback. A case closed during
    identification never reached the system and sends nothing."""
    if "announcement" not in case.facts:
        return []
    changes: list[NationalTransition] = [{"status": "monitored", "version": int(case.facts["announcement"]["version"])}]
    for attempt in case.elimination_history:
        if attempt.get("outcome") == "eliminated":
            changes.append({"status": "eliminated", "version": int(attempt["announcement"]["version"])})
    for rollback in case.rollbacks:
        decision = rollback["decision"]
        if decision is not None and decision.get("approved"):
            changes.append({"status": "rolled_back", "version": int(decision["version"])})
    return sorted(changes, key=lambda c: c["version"])


def _eligible(case: MonitoringCase) -> list[str]:
    if "household_visit" not in case.facts or case.stage is not Stage.IDENTIFYING:
        return []
    return [c.value for c in eligible_categories(case.household_facts(), case.policy)]


def _notice_due(case: MonitoringCase, now: datetime) -> NoticeDueData | None:
    """An open village notice's last day: the close of the notice (the procedure's next step) is owed after it."""
    end = case.notice_due()
    if end is None:
        return None
    due_at = end_of_day(end)
    today = local_date(now)
    return {
        "kind": DeadlineKind.NOTICE.value,
        "label": label(DeadlineKind.NOTICE),
        "due_date": end,
        "due_at": due_at,
        "overdue": now >= due_at,
        "days_late": max(0, (today - end).days),
    }


def _deadlines(case: MonitoringCase, now: datetime) -> list[DeadlineData]:
    today = local_date(now)
    out: list[DeadlineData] = []
    for d in case.deadline_states():
        due_at = end_of_day(d.due)
        open_now = d.met_on is None and not d.closed
        out.append(
            {
                "kind": d.kind.value,
                "label": label(d.kind),
                "due_date": d.due,
                "due_at": due_at,
                "met_on": d.met_on,
                "met_in_time": d.met_on is not None and d.met_on <= d.due,
                "closed": d.closed,
                "missed_recorded": missed_key(d.kind.value, d.due) in case.missed_deadlines,
                "overdue": open_now and now >= due_at,
                "days_late": 0 if d.closed else max(0, ((d.met_on or today) - d.due).days),
            }
        )
    return out


_FACT_LABELS = {"household_head": "户主", "household_type": "户类型", "household_size": "家庭人口数",
                "labour_capable_members": "有劳动能力人数"}  # fmt: skip
# the steps by their codes (domain.kernel.steps.Step), and the opening, which is no step
_STEP_LABELS = {"open": "发现线索", **{s.value: s.label for s in (Step.HOUSEHOLD_VISIT, Step.ELIMINATION_PROPOSAL)}}
_SOURCE_LABELS = {"registry": "农户信息库", "typed": "人工填报", "unknown": "未核对信息库（旧记录）"}


def _source(
    fact: str, step: str, origin: dict[str, Any] | None, actor: dict[str, str], version: int, opened: bool
) -> FactSource:
    kind = "unknown" if origin is None and not opened else (origin or {}).get("from", "typed")
    return {
        "fact": fact, "fact_label": _FACT_LABELS[fact], "step": step, "step_label": _STEP_LABELS[step],
        "source": kind, "source_label": _SOURCE_LABELS[kind],
        "registry_version": (origin or {}).get("registry_version"), "as_of": (origin or {}).get("as_of"),
        "by": actor.get("name") or actor.get("id", ""), "version": version,
    }  # fmt: skip


def fact_sources(case: MonitoringCase) -> list[FactSource]:
    """Where each household fact the case holds came from: the registry version read (and as of which business date),
    or typed by whom at which step (issue 19: "a case's view shows where each household fact came from")."""
    read_registry = case.registry_source is not None or case.registration_due is not None
    out = [_source("household_head", "open", case.registry_source, case.opened_by, 1, read_registry)]
    visit = case.facts.get("household_visit")
    if visit is not None:
        origin = visit.get("figures_source")
        for fact in ("household_type", "household_size", "labour_capable_members"):
            out.append(_source(fact, Step.HOUSEHOLD_VISIT.value, origin, visit["actor"], visit["version"],
                               origin is not None))  # fmt: skip
    proposal = (case.elimination or {}).get("proposal")
    if proposal is not None:
        origin = proposal.get("figures_source")
        out.append(_source("labour_capable_members", Step.ELIMINATION_PROPOSAL.value, origin, proposal["actor"],
                           proposal["version"], origin is not None))  # fmt: skip
    return out
