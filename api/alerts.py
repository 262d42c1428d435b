"""部门筛查预警 routes: a department pushes its alerts (JSON or its file), reads their outcomes; the village or township
they are routed to lists and reads them and verifies each once, a confirmed risk opening the household's case through
its workflow (source 部门筛查预警, the alert as its clue)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from temporalio.service import RPCError

from api.cases import start_case
from api.deps import ActorDep, AreaQuery, CommandIdDep, ServicesDep, record_read
from api.errors import ApiProblem
from domain.discovery.alert_commands import PushedAlert
from domain.discovery.rules import ALERT_KINDS
from domain.discovery.stats import alert_figures, application_figures
from domain.discovery.values import AlertKind, AlertOutcome, AlertStatus
from domain.kernel.actors import Actor, Department, Role
from domain.kernel.errors import NotPermittedError
from domain.kernel.privacy import area_to_read
from domain.kernel.time import local_date
from workflows.cases.contracts import OpenCaseRequest
from workflows.discovery.alert_files import MAX_BYTES, alert_template
from workflows.discovery.contracts import AlertPush, AlertVerifyRequest, DeadlineKind
from workflows.discovery.service import AlertService, arm_deadline
from workflows.registry.roster_files import CSV_TYPE, XLSX_TYPE, detect_format

router = APIRouter(tags=["部门筛查预警"])


def _now() -> datetime:
    return datetime.now(UTC)


def _service(svc: Any) -> AlertService:
    return AlertService(svc.registry.ledger, svc.registry.view)


async def _arm(svc: Any, actor: Actor, command_id: str, pushed: list[PushedAlert]) -> None:
    """One timer for the push's alerts that wait to be verified (they share their day); a repeated push arms the
    same one (a first push whose timer did not start, sent again, finds its alerts duplicates: they are armed too,
    and a timer for an alert armed before records nothing twice)."""
    waiting = [p.alert for p in pushed if p.alert.status == AlertStatus.PENDING.value]
    if not waiting:
        return
    due = min(a.facts["verify_due"] for a in waiting)
    key = hashlib.sha256(f"{actor.id}:{command_id}".encode()).hexdigest()[:32]
    try:
        await arm_deadline(svc.temporal, svc.settings.task_queue, DeadlineKind.ALERT, key, [a.number for a in waiting],
                           due)  # fmt: skip
    except RPCError:
        raise ApiProblem(
            "UnavailableError",
            "the alerts are recorded but their deadline's timer did not start; send the push again "
            "with the same Idempotency-Key",
        ) from None


@router.post("/alerts", summary="部门筛查预警: a department pushes its alerts (JSON)")
async def push_alerts(body: AlertPush, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep) -> Any:
    """By a 行业部门 account (403 `department_only`), up to 2,000 alerts of its own kinds (422 `department_kind`), all
    checked before any is recorded: one that breaks a rule refuses the push, every problem named by its index
    (`alerts[i].field`). Each is matched by ID number to the registered household and routed to its village, which
    must verify it within the policy's `alert_verify_days` (3); a household already in an open case has it attached
    there; a person the registry does not hold goes to the village or township of the county the alert names
    (`area_code`, 422 `known_area` outside it), or to the county. The answer tells, per alert, its number, whether it
    was pushed before (`duplicate`: the same person, kind, day and amount, unless that one was sent back) and where it
    stands, nothing of the household. A push whose timer did not start (503) is sent again with the same key."""
    view, pushed = await run_in_threadpool(
        lambda: _service(svc).push(
            [a.record() for a in body.alerts], actor=actor, command_id=command_id, now=_now(), via="api"
        )
    )
    await _arm(svc, actor, command_id, pushed)
    return view


@router.post(
    "/alerts/files",
    summary="部门筛查预警: a department pushes its alert file (CSV or XLSX, its template)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                CSV_TYPE: {"schema": {"type": "string", "format": "binary"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def push_alert_file(request: Request, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep) -> Any:
    """The department's file, filled in from `GET /alerts/template`, as the body (`Content-Type: text/csv` or the
    XLSX type; 415 otherwise; at most 5 MiB, 413). Checked and recorded as `POST /alerts`: every unreadable cell or
    broken rule is named by its row in the file (`row N.field`), and nothing is recorded then. An optional
    `X-File-Name` header (percent-encoded UTF-8) is kept with the alerts."""
    if actor.role is not Role.DEPARTMENT:  # before reading a file it would not take
        raise NotPermittedError("预警信息由行业部门账号推送", field="role", rule="department_only")
    fmt = detect_format(request.headers.get("content-type", ""))
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise ApiProblem("PayloadTooLargeError", "the file is larger than 5 MiB", field="body", rule="max_size")
    data = await request.body()
    name = "".join(c for c in unquote(request.headers.get("x-file-name", "")[:600])[:200] if c.isprintable())
    view, pushed = await run_in_threadpool(
        lambda: _service(svc).push_file(data, fmt, name, actor=actor, command_id=command_id, now=_now())
    )
    await _arm(svc, actor, command_id, pushed)
    return view


@router.get("/alerts/template", summary="部门筛查预警: the department's alert file template")
async def template(actor: ActorDep, format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """The template of the caller's department (a 行业部门's; 403 `department_only`): the columns, and in XLSX a sheet
    saying what each takes and the department's kinds of alert."""
    if actor.role is not Role.DEPARTMENT:
        raise NotPermittedError("预警模板供行业部门使用", field="role", rule="department_only")
    data = alert_template(Department(actor.department), format)
    name = f"dixian-alerts-{actor.department}.{format}"
    return Response(data, media_type=CSV_TYPE if format == "csv" else XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/alerts", summary="部门筛查预警: a department's own alerts, or those routed into the caller's area")
async def alerts(
    actor: ActorDep,
    svc: ServicesDep,
    status: AlertStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    """Newest first, of one `status` if given. A 行业部门 sees its own alerts (number, kind, status, deadline and
    whether verified in time, nothing of the household); the village, township and county those routed into their
    area, with the household number, village and case (运维, 管理员 and 帮扶责任人: 403 `role_scope`,
    `own_households`). Lists follow the event store within a moment."""
    return await run_in_threadpool(lambda: _service(svc).alerts(actor, status=status, limit=limit, offset=offset))


@router.get("/alerts/{alert_number}", summary="部门筛查预警: one alert")
async def alert(alert_number: str, actor: ActorDep, svc: ServicesDep, request: Request) -> Any:
    """A 行业部门 reads its own alert's outcome (the reason only when sent back); the village, township and county
    read the alert in full (what it tells of the person masked for the roles that see no personal data), the read
    recorded in the access log. 404 `exists` otherwise."""
    view = await run_in_threadpool(lambda: _service(svc).alert(alert_number, actor))
    if actor.role is not Role.DEPARTMENT:
        await record_read(svc, actor, request, what="alert", target=alert_number, village_code=view["village_code"])
    return view


@router.post("/alerts/{alert_number}/verify", summary="核实: the village's or township's verification of an alert")
async def verify_alert(
    alert_number: str, body: AlertVerifyRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep
) -> Any:
    """By 村干部/网格员, 驻村干部, 乡镇审核 or 县级审定 of the alert's area (403 `verify_roles`), once (409
    `verified_once`). `risk_confirmed` opens the household's case through its workflow (as `POST /cases`: source
    部门筛查预警, its clue date the day the alert arrived, its risk the alert's; with that route's refusals) and
    records it; a person the registry did not match needs `household_number` and `household_head` (422 `required`),
    and an alert routed to a township only, the `village_code`. `already_monitored` names the household's open case
    (422 `open_case_of_household`); `not_at_risk` needs the `reason` and the `evidence`; `not_registered`, for a
    person the registry did not match only (422 `registered`), the `reason`, which the department reads. The same
    `Idempotency-Key` answers the same."""
    if actor.role is Role.DEPARTMENT:  # a department reads its alert; it does not verify it
        raise NotPermittedError("预警信息由村、乡镇（或县级）经办人员核实", field="role", rule="verify_roles")
    service = _service(svc)
    current = await run_in_threadpool(lambda: service.alert(alert_number, actor))
    case_id = body.case_id.strip()
    if body.outcome is AlertOutcome.RISK_CONFIRMED and current.get("status") == AlertStatus.PENDING.value:
        # everything the verification will ask is asked first: no case opens for a verification then refused
        await run_in_threadpool(lambda: service.check_verify(alert_number, actor=actor, outcome=body.outcome,
                                                             reason=body.reason, evidence=body.evidence))  # fmt: skip
        household = current["household_number"] or body.household_number.strip()
        village = current["village_code"] or (body.village_code or "")
        if not household:
            raise ApiProblem("RuleViolationError", "该预警未匹配到农户：纳入监测时请填写户编号",
                             field="household_number", rule="required")  # fmt: skip
        if not current["matched"] and not body.household_head.strip():
            raise ApiProblem("RuleViolationError", "该户不在农户信息库中：请填写户主姓名",
                             field="household_head", rule="required")  # fmt: skip
        if not village:
            raise ApiProblem("RuleViolationError", "该预警只分派到乡镇：请填写所在村", field="village_code",
                             rule="required")  # fmt: skip
        opening = OpenCaseRequest(
            household_number=household, household_head="" if current["matched"] else body.household_head.strip(),
            village_code=village, source="department_alert", clue_date=current["received_on"],
            reported_risks=[ALERT_KINDS[AlertKind(current["kind"])].risk],
            comment=f"部门筛查预警 {current['alert_number']}",
        )  # fmt: skip
        case_id = str((await start_case(svc, actor, command_id, opening))["case_id"])
    return await run_in_threadpool(
        lambda: service.verify(
            alert_number, actor=actor, command_id=command_id, now=_now(), outcome=body.outcome, case_id=case_id,
            reason=body.reason, evidence=body.evidence, household_number=body.household_number,
        )
    )  # fmt: skip


@router.get(
    "/discovery/summary", summary="发现渠道: alerts by department and self-applications, in figures, for a period"
)
async def discovery_summary(
    actor: ActorDep,
    svc: ServicesDep,
    area_code: AreaQuery = None,
    received_from: Annotated[date | None, Query(alias="from", description="first day (default: the month's)")] = None,
    received_to: Annotated[date | None, Query(alias="to", description="last day (default: today)")] = None,
) -> Any:
    """For the caller's area or a part of it (403 `jurisdiction`) and the days from `from` to `to` (by the day each
    arrived): alerts by department (received, verified in time or late, still waiting past their day, converted to
    cases, attached, not at risk, sent back, matched to no one) and self-applications (accepted or refused, answered
    within the 2 days or late). Counts only: 运维 and 管理员 read them too; 行业部门 and 帮扶责任人 do not (403)."""
    area = area_to_read(actor.area_code, area_code, "area_code")
    today = local_date(_now())
    first, last = received_from or today.replace(day=1), received_to or today
    if last < first:
        raise ApiProblem("RuleViolationError", "the period ends before it starts", field="to", rule="order")
    view = svc.registry.view

    def figures() -> dict[str, Any]:
        after = last + timedelta(days=1)
        span: dict[str, Any] = {"area_prefix": area, "received_from": first, "received_before": after}
        return {
            "area_code": area, "from": first.isoformat(), "to": last.isoformat(),
            "alerts": alert_figures(view.discovery_counts(channel="alert", **span)),
            "applications": application_figures(view.discovery_counts(channel="application", **span)),
        }  # fmt: skip

    return await run_in_threadpool(figures)
