"""Campaign routes (百日攻坚): start a campaign over a township or villages, read it, and its screening coverage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.deps import ActorDep, CommandIdDep, Services, ServicesDep, record_read
from api.errors import ApiProblem
from domain.campaigns.values import Milestone
from domain.campaigns.views import CampaignView
from domain.cases.values import case_id_for_command
from domain.kernel.areas import contains
from domain.kernel.privacy import sees_any
from workflows.campaigns.contracts import CampaignInput, CampaignRequest, campaign_workflow_id
from workflows.campaigns.workflow import CampaignWorkflow

router = APIRouter(tags=["campaigns"])


def _now() -> datetime:
    return datetime.now(UTC)


def _parse(campaign_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(campaign_id)
    except ValueError:
        raise ApiProblem("NotFoundError", "no campaign with that id", field="campaign_id", rule="exists") from None


async def _start_workflow(svc: Services, campaign: CampaignView) -> None:
    cid = uuid.UUID(campaign["campaign_id"])
    inp = CampaignInput(
        campaign_id=cid,
        milestones={Milestone(m): datetime.fromisoformat(d).date() for m, d in campaign["milestones"].items()},
    )
    try:
        handle: WorkflowHandle[Any, Any] = await svc.temporal.start_workflow(
            CampaignWorkflow.run,
            inp,
            id=campaign_workflow_id(cid),
            task_queue=svc.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        del handle
    except WorkflowAlreadyStartedError:
        pass  # started before (a repeated request) and already finished
    except RPCError:
        raise ApiProblem(
            "UnavailableError", "the campaign is recorded but its clock did not start; send the request again"
        ) from None


@router.post("/campaigns", status_code=201, summary="百日攻坚: start a screening campaign with its milestones")
async def start_campaign(
    body: CampaignRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep, response: Response
) -> CampaignView:
    """Start a 百日攻坚 campaign over a township or villages, with its three milestones (全面排查, 履行程序, 定期调度;
    by default 3-10, 3-25 and 3-30 of the first spring on or after `starts_on`); its workflow records each milestone
    with what was still missing. By 乡镇审核 or 县级审定 (403 `campaign_role`) within their area (403
    `jurisdiction`); refused 422 `known_area`, `unique`, `no_overlap`, `after_start`, `order`, `not_past`. The same
    `Idempotency-Key` answers the same campaign; 201 with `Location` and a signed `X-Dixian-Receipt`."""
    campaign_id = case_id_for_command(f"campaign:{command_id}")
    campaign = await run_in_threadpool(
        lambda: svc.campaigns.start_campaign(campaign_id, body, actor=actor, command_id=command_id, now=_now())
    )
    await _start_workflow(svc, campaign)
    response.headers["Location"] = f"/campaigns/{campaign_id}"
    return campaign


@router.get("/campaigns/{campaign_id}", summary="百日攻坚: the campaign, its milestones and what each found missing")
async def get_campaign(campaign_id: str, actor: ActorDep, svc: ServicesDep, request: Request) -> CampaignView:
    """The campaign, its milestones and, for each one passed, what was missing then, shown for the villages of the
    caller's area only. Any role but 运维, 管理员 and 帮扶责任人 whose area shares ground with its scope (404 `exists`
    otherwise); recorded in the access log."""
    cid = _parse(campaign_id)
    campaign = await run_in_threadpool(lambda: svc.campaigns.campaign(cid))
    if not sees_any(actor, campaign["scope"]):
        raise ApiProblem("NotFoundError", "no campaign with that id in your area", field="campaign_id", rule="exists")
    # What its milestones found missing names households: the read is recorded like any other read of them.
    await record_read(svc, actor, request, what="campaign", target=actor.area_code, village_code="")
    return own_part(campaign, actor.area_code)


def own_part(campaign: CampaignView, area: str) -> CampaignView:
    """The campaign as a caller inside part of its scope may see it: what each milestone found missing, and the
    scheduled look-backs, only for the villages inside the caller's area."""
    if all(contains(area, code) for code in campaign["scope"]):
        return campaign

    def mine(village: str) -> bool:
        return contains(area, village)

    passed = {}
    for milestone, record in campaign["passed"].items():
        missing = dict(record["missing"])
        if "unscreened" in missing:
            counts = {v: n for v, n in missing["unscreened"]["by_village_count"].items() if mine(v)}
            missing["unscreened"] = {
                "households": sum(counts.values()),
                "by_village_count": counts,
                "by_village": {v: hs for v, hs in missing["unscreened"]["by_village"].items() if mine(v)},
            }
        for key in ("look_backs_not_done", "cases_in_identification", "not_monitored"):
            if key in missing:
                missing[key] = [item for item in missing[key] if mine(item["village_code"])]
        passed[milestone] = {**record, "missing": missing}
    look_backs = campaign["look_backs"]
    if look_backs is not None:
        ids = [c for c in look_backs["case_ids"] if mine(look_backs["villages"].get(c, ""))]
        look_backs = {**look_backs, "case_ids": ids, "villages": {c: look_backs["villages"][c] for c in ids}}
    return {**campaign, "passed": passed, "look_backs": look_backs}


@router.get(
    "/campaigns/{campaign_id}/coverage",
    summary="全面排查进度: households and persons total and screened, by village and method; the unscreened list",
)
async def coverage(
    campaign_id: str,
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
    limit: Annotated[int, Query(ge=0, le=20000)] = 5000,
) -> dict[str, Any]:
    """全面排查进度 of the part of the campaign inside the caller's area (404 `exists` if none): households and persons
    in all and screened, by village and by method, and the households not screened yet (at most `limit`). Any role but
    运维, 管理员 and 帮扶责任人; recorded in the access log."""
    cid = _parse(campaign_id)
    result = await run_in_threadpool(lambda: svc.campaigns.coverage(cid, actor.area_code, limit))
    # The unscreened list names households: the read is recorded like any other read of them.
    await record_read(svc, actor, request, what="coverage", target=actor.area_code, village_code="")
    return result
