"""农户自主申报 routes: record a household's self-application, read it, and the township's answer: accepted, the case
opened through its workflow like any other (source 农户自主申报, its clue date the application's day), or refused
with the reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from api.cases import start_case
from api.deps import ActorDep, CommandIdDep, ServicesDep
from api.errors import ApiProblem
from domain.cases.values import Source
from workflows.cases.contracts import OpenCaseRequest
from workflows.discovery.contracts import AnswerRequest, ApplicationRequest
from workflows.discovery.service import ApplicationService

router = APIRouter(tags=["自主申报"])


def _now() -> datetime:
    return datetime.now(UTC)


def _service(svc: Any) -> ApplicationService:
    return ApplicationService(svc.registry.ledger)


@router.post("/applications", status_code=201, summary="农户自主申报: record a household's self-application")
async def receive_application(
    body: ApplicationRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep, response: Response
) -> Any:
    """Record a self-application from the written form (《监测对象申请及承诺授权查询书》), the hotline or the app, by
    村干部/网格员, 乡镇审核 or 县级审定 for a village of their area (403 `registry_role`, `jurisdiction`). The answer
    names the application number to give the household and `answer_due`: the township accepts or refuses it by
    then (the policy's `application_answer_days`, 2). Refused 422 `not_in_future`, `after_mechanism_start`
    (`received_on`), `id_number`, `risk_required`, `known_area`; 404 `exists` for a household number not registered in
    that village. The same `Idempotency-Key` answers the same application."""
    view = await run_in_threadpool(lambda: _service(svc).receive(body, actor=actor, command_id=command_id, now=_now()))
    response.headers["Location"] = f"/applications/{view['application_number']}"
    return view


@router.get("/applications/{application_number}", summary="农户自主申报: one application")
async def application(application_number: str, actor: ActorDep, svc: ServicesDep) -> Any:
    """The application and its answer, for a reader whose area holds its village (404 `exists` otherwise)."""
    return await run_in_threadpool(lambda: _service(svc).application(application_number, actor))


@router.post("/applications/{application_number}/answer", summary="受理 or 不予受理: the township's answer")
async def answer_application(
    application_number: str, body: AnswerRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep
) -> Any:
    """By 乡镇审核 (or 县级审定) of the village's area (403 `answer_roles`), once (409 `answered_once`). Accepting
    opens the household's case through its workflow (as `POST /cases`, with its refusals: 409 `one_open_case`, …)
    and records it on the application; a household the application named no number for needs `household_number`
    (422 `required`). Refusing needs the `reason` (422 `required`). The same `Idempotency-Key` answers the same."""
    service, number = _service(svc), application_number
    app = await run_in_threadpool(lambda: service.application(number, actor))
    case_id = ""
    if body.accept and app["status"] == "received":
        household = app["household_number"] or body.household_number.strip()
        if not household:
            raise ApiProblem("RuleViolationError", "该申请未填户编号：受理时请填写户编号", field="household_number",
                             rule="required")  # fmt: skip
        opening = OpenCaseRequest(
            household_number=household, household_head="" if app["household_number"] else app["applicant"]["name"],
            village_code=app["village_code"], source=Source.SELF_APPLICATION, clue_date=app["received_on"],
            reported_risks=app["reported_risks"], comment=f"农户自主申报 {app['application_number']}",
        )  # fmt: skip
        case_id = str((await start_case(svc, actor, command_id, opening))["case_id"])
    accept, reason = body.accept, body.reason
    return await run_in_threadpool(
        lambda: service.answer(
            number, actor=actor, command_id=command_id, now=_now(), accept=accept, case_id=case_id, reason=reason
        )
    )
