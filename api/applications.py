"""农户自主申报 routes: record a household's self-application, read it, and the township's answer: accepted, the case
opened through its workflow like any other (source 农户自主申报, its clue date the application's day), or refused
with the reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from temporalio.service import RPCError

from api.cases import start_case
from api.deps import ActorDep, CommandIdDep, Services, ServicesDep
from api.errors import ApiProblem
from domain.cases.values import Source
from domain.readmodels.limits import SharedWindow
from workflows.cases.contracts import OpenCaseRequest
from workflows.discovery.contracts import AnswerRequest, ApplicationRequest, DeadlineKind, StatusLookup
from workflows.discovery.service import ApplicationService, arm_deadline

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
    if view["status"] == "received":
        await _arm(svc, view)
    response.headers["Location"] = f"/applications/{view['application_number']}"
    return view


async def _arm(svc: Any, view: dict[str, Any]) -> None:
    """The answer deadline's timer (a repeated request arms the same one)."""
    number = view["application_number"]
    try:
        await arm_deadline(svc.temporal, svc.settings.task_queue, DeadlineKind.APPLICATION, number, [number],
                           view["answer_due"])  # fmt: skip
    except RPCError:
        raise ApiProblem(
            "UnavailableError",
            "the application is recorded but its deadline's timer did not start; send the "
            "request again with the same Idempotency-Key",
        ) from None


@router.post(
    "/public/application-status",
    summary="农户自主申报: a household's own lookup of its application's status (no token)",
    responses={429: {"description": "Too many lookups from this address, or for this application: wait a minute "
                                    "(or an hour) as Retry-After says"}},
)  # fmt: skip
async def application_status(body: StatusLookup, request: Request, svc: ServicesDep) -> Any:
    """The one route that takes no token: a household looks up its application with the number it was given and the
    last four characters of the applicant's ID number. The answer is the status, the day it applied and the day it
    was answered, nothing else; a wrong number and a wrong ID number are answered alike (404 `exists`). Rate-limited
    (429 `rate`, with Retry-After): 10 lookups a minute from one address, and 5 failed ones an hour for one
    application number, so the last four cannot be guessed."""
    limits = await run_in_threadpool(lambda: _limits(request, svc))
    number = body.application_number.upper()
    address = request.client.host if request.client else "-"
    if not await run_in_threadpool(lambda: limits["address"].hit(address)):
        raise ApiProblem("TooManyRequestsError", "too many lookups from this address", field="address", rule="rate")
    # counted before the lookup (lookups at once cannot all pass a check made before any fails), taken back on success
    if not await run_in_threadpool(lambda: limits["number"].hit(number)):
        raise ApiProblem("TooManyRequestsError", "too many failed lookups of this application",
                         field="application_number", rule="rate")  # fmt: skip
    found = await run_in_threadpool(lambda: _service(svc).lookup(number, body.id_last_four))
    await run_in_threadpool(lambda: limits["number"].refund(number))
    return found


def _limits(request: Request, svc: Services) -> dict[str, SharedWindow]:
    """The lookup's two rates, counted in PostgreSQL so that every API replica counts against the same limits."""
    state = request.app.state
    if not hasattr(state, "lookup_limits"):
        # The keys' digests are keyed by the store's cipher key, which every replica holds (the token secret is
        # absent where an OIDC issuer signs the tokens).
        datastore, secret = svc.registry.view.datastore, svc.registry.ledger.env["CIPHER_KEY"].encode("utf-8")
        state.lookup_limits = {"address": SharedWindow(datastore, "lookup-address", 10, 60, secret),
                               "number": SharedWindow(datastore, "lookup-number", 5, 3600, secret)}  # fmt: skip
    limits: dict[str, SharedWindow] = state.lookup_limits
    return limits


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
