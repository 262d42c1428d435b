"""走访清单 routes: a cadre's visit list for a day or a week, and the visit's one record that fills every task it
served (the campaign's screening, the identification's household visit, a look-back, the alerts' verification)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.cases import take_step
from api.deps import ActorDep, AreaQuery, CommandIdDep, ServicesDep, record_read
from api.errors import ApiProblem
from api.registry import open_from_screening
from domain.cases.rules.identification import check_authorisation
from domain.cases.values import LookBackOutcome
from domain.discovery.values import AlertOutcome
from domain.discovery.visits import Task, VisitTask, unmet_guarantees
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotPermittedError
from domain.kernel.permissions import STEP_ROLES
from domain.kernel.privacy import area_to_read, sees, unknown_household
from domain.kernel.steps import Step
from domain.kernel.time import SHANGHAI, local_date
from workflows.campaigns.contracts import ScreeningRequest
from workflows.cases.contracts import HouseholdVisitBody, LookBackBody
from workflows.discovery.contracts import VisitRequest
from workflows.discovery.service import AlertService
from workflows.discovery.visits import VisitListService

router = APIRouter(tags=["走访清单"])
# Who records a visit: the roles that record a screening (every visit is one); 驻村干部 and 帮扶责任人 read their list
# and take each task's own form.
VISIT_ROLES = frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})
# The case steps a visit takes, for the roles that take them (a township's visit leaves the village's steps).
CASE_STEPS = {VisitTask.HOUSEHOLD_VISIT: Step.HOUSEHOLD_VISIT, VisitTask.LOOK_BACK: Step.LOOK_BACK}


def _now() -> datetime:
    return datetime.now(UTC)


def _visits(svc: Any) -> VisitListService:
    return VisitListService(svc.registry.ledger, svc.registry.view, svc.summaries)


@router.get("/visits", summary="走访清单: the households to visit in a day or a week, every task of each in one stop")
async def visit_list(
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
    area_code: AreaQuery = None,
    on: date | None = None,
    period: Literal["day", "week"] = "day",
) -> Any:
    """For the caller's area or a part of it (403 `jurisdiction`), from `on` (today by default) for a day or a week:
    every household with a task at its door that falls due by then or is overdue, ordered by village and natural
    village, each with its tasks (集中排查, 识别入户核实, 部门预警核实, 风险消除入户核实, 回头看, 帮扶计划和措施),
    what to bring and what to ask. A 帮扶责任人 gets the tasks of the households assigned to them. Any role but 运维,
    管理员 and 行业部门; recorded in the access log."""
    area = area_to_read(actor.area_code, area_code, "area_code")
    today = local_date(_now())
    start, days = on or today, 1 if period == "day" else 7
    answer = await run_in_threadpool(lambda: _visits(svc).visit_list(actor, area, start, days, today))
    await record_read(svc, actor, request, what="visit_list", target=area, village_code="")
    return answer


@router.post("/visits", status_code=201, summary="走访: record one visit; it fills every task it served")
async def record_visit(body: VisitRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep) -> Any:
    """One visit to a household (by 村干部/网格员, 乡镇审核 or 县级审定 of its area: 403 `visit_roles`; 404 `exists`),
    recorded once per `Idempotency-Key`, fills every task on its list that a visit can:

    - the screening, for each campaign under way that has not screened it (or one screening on its own): a household
      found at risk without an open case gets one (source 干部排查);
    - the household visit (入户核实) of its case waiting for one, from the same findings and the authorisation;
    - the look-back of its eliminated case falling due: 稳定 when the findings show no risk, else 不稳定;
    - each department alert waiting at its door: 风险属实 when the visit's screening opened the case, 已是监测对象
      when it had an open case, else 无风险 with the visit as the evidence.

    The elimination visit (its team and three forms), the assistance plan and measures, and a case step the caller's
    role does not take are listed as `left`, for their own forms. A sub-step that is refused stops the visit with
    that refusal; sent again with the same key, what was done is not done twice."""
    if actor.role not in VISIT_ROLES:
        raise NotPermittedError("走访记录由村干部/网格员或乡镇、县级经办人员录入", field="role", rule="visit_roles")
    number = body.household_number.strip()
    household = await run_in_threadpool(lambda: _household(svc, number))
    if household is None or not sees(actor, household["village_code"]):
        raise unknown_household(number)
    village, now, visits = household["village_code"], _now(), _visits(svc)
    planned = await run_in_threadpool(lambda: visits.planned(actor, command_id))
    if planned is not None and planned[0]["household_number"] != number:
        raise ApiProblem("VersionConflictError", "this Idempotency-Key recorded a visit to another household; send "
                         "a new key", field="Idempotency-Key", rule="command_reused")  # fmt: skip
    if planned is not None and planned[0]["recorded"]:
        return planned[0]  # the same visit again: as it was recorded
    if planned is not None:
        tasks = planned[1]  # a retry carries out the plan as first made (the lists have moved on since)
    else:
        tasks = await run_in_threadpool(lambda: visits.tasks_of(number, village, local_date(now)))
        _check_before(body, tasks, actor)  # nothing is written for a visit one of its steps would refuse
        await run_in_threadpool(lambda: visits.plan(
            Envelope(actor, command_id, now), tasks, household_number=number, village_code=village,
            visited_on=body.visited_on, method=body.method.value, screener=body.screener, visitors=list(body.visitors),
        ))  # fmt: skip
    served: list[dict[str, str]] = []
    at = datetime.combine(body.visited_on, time(12), tzinfo=SHANGHAI)
    occurred_at = min(at, now) if body.visited_on == local_date(now) else at

    # the screening: one per campaign that has not screened it, or one on its own
    record: dict[str, Any] = {}
    opened = ""  # the case this visit's screening opened, if it did
    campaigns: list[str | None] = [t.ref for t in tasks if t.kind is VisitTask.SCREENING]
    for campaign in campaigns or [None]:
        sub = _sub(command_id, VisitTask.SCREENING, campaign or "")
        request = ScreeningRequest.model_validate({
            "campaign_id": campaign, "screened_on": body.visited_on, "method": body.method, "screener": body.screener,
            "findings": body.findings, "comment": body.comment,
        })  # fmt: skip
        record = await run_in_threadpool(
            partial(svc.campaigns.record_screening, number, request, actor=actor, command_id=sub, now=now)
        )
        result = "at_risk" if record["assessment"]["at_risk"] else "not_at_risk"
        served.append({"kind": VisitTask.SCREENING.value, "ref": campaign or "", "result": result})
        case = await open_from_screening(svc, actor, sub, number, record)
        if case is not None:
            opened = str(case["case_id"])
            served.append({"kind": "open_case", "ref": opened, "result": "opened"})
    assessment, findings = record["assessment"], record["findings"]
    at_risk = bool(assessment["at_risk"])
    income = Decimal(str(assessment["per_capita_net_income"]))

    left: list[dict[str, str]] = []
    for task in tasks:
        sub = _sub(command_id, task.kind, task.ref)
        step = CASE_STEPS.get(task.kind)
        if step is not None and actor.role not in STEP_ROLES[step]:
            left.append({"kind": task.kind.value, "ref": task.ref})  # the village's to take: not this role's step
            continue
        if task.kind is VisitTask.HOUSEHOLD_VISIT:
            visit = HouseholdVisitBody(
                visitors=body.visitors, per_capita_net_income=income,
                rigid_expenditure=Decimal(findings["medical_expenditure"]) + Decimal(findings["schooling_expenditure"]),
                unmet_guarantees=unmet_guarantees(findings), risks=list(findings["risks"]),
                authorisation_signed=body.authorisation_signed, authorisation_ref=body.authorisation_ref,
                refusal_reason=body.refusal_reason, occurred_at=occurred_at, comment=body.comment,
            )  # fmt: skip
            await take_step(Step.HOUSEHOLD_VISIT, task.ref, visit, actor, sub, None, svc, Response())
            served.append({"kind": task.kind.value, "ref": task.ref, "result": "recorded"})
        elif task.kind is VisitTask.LOOK_BACK:
            stable = LookBackOutcome.UNSTABLE if at_risk else LookBackOutcome.STABLE
            look = LookBackBody(
                outcome=stable, evidence=_evidence(body, income), per_capita_net_income=income,
                unmet_guarantees=unmet_guarantees(findings), new_risks=list(findings["risks"]) if at_risk else [],
                occurred_at=occurred_at,
            )  # fmt: skip
            await take_step(Step.LOOK_BACK, task.ref, look, actor, sub, None, svc, Response())
            served.append({"kind": task.kind.value, "ref": task.ref, "result": stable.value})
    open_cases = (await run_in_threadpool(lambda: _household(svc, number)) or {}).get("open_cases", [])
    alerts = AlertService(svc.registry.ledger, svc.registry.view)
    for task in (t for t in tasks if t.kind is VisitTask.ALERT):
        sub = _sub(command_id, task.kind, task.ref)
        if opened:  # the risk the alert told of, confirmed at the door: the case the visit opened is its case
            outcome, kwargs = AlertOutcome.RISK_CONFIRMED, {"case_id": opened}
        elif open_cases:
            outcome, kwargs = AlertOutcome.ALREADY_MONITORED, {"case_id": open_cases[0]}
        elif not at_risk:
            outcome = AlertOutcome.NOT_AT_RISK
            kwargs = {"reason": "入户走访核实，未发现返贫致贫风险", "evidence": _evidence(body, income)}
        else:
            continue  # at risk without a case (its opening was refused): verified in its own form
        await run_in_threadpool(partial(alerts.verify, task.ref, actor=actor, command_id=sub, now=now, outcome=outcome,
                                        **kwargs))  # fmt: skip
        served.append({"kind": task.kind.value, "ref": task.ref, "result": outcome.value})
    left += [{"kind": t.kind.value, "ref": t.ref} for t in tasks
             if t.kind in (VisitTask.ELIMINATION_VISIT, VisitTask.ASSISTANCE)]  # fmt: skip
    return await run_in_threadpool(lambda: visits.complete(Envelope(actor, command_id, now), served, left))


def _sub(command_id: str, kind: VisitTask, ref: str) -> str:
    """The command id of one task a visit serves: derived from the visit's and the task (short, whatever the
    visit's key), so that a retry does each task once."""
    return "visit:" + hashlib.sha256(f"{command_id}|{kind.value}|{ref}".encode()).hexdigest()[:40]


def _check_before(body: VisitRequest, tasks: list[Task], actor: Actor) -> None:
    """What a task's own step would refuse, asked before the visit writes anything: the household visit's
    authorisation (the case step's own rule)."""
    visiting = any(t.kind is VisitTask.HOUSEHOLD_VISIT for t in tasks)
    if visiting and actor.role in STEP_ROLES[Step.HOUSEHOLD_VISIT]:
        check_authorisation(signed=body.authorisation_signed, reference=body.authorisation_ref,
                            refusal_reason=body.refusal_reason, risks=list(body.findings.risks))  # fmt: skip


def _household(svc: Any, number: str) -> dict[str, Any] | None:
    found = svc.registry.find_household(number)
    return dict(found) if found is not None else None


def _evidence(body: VisitRequest, income: Decimal) -> str:
    how = {"in_person": "入户", "phone": "电话", "wechat": "微信"}[body.method.value]
    return f"{body.visited_on.isoformat()} {how}走访（{'、'.join(body.visitors)}），人均纯收入 {income} 元"
