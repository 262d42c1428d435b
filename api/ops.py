"""Operations routes: late and soon-due cases, a summary, readiness and Prometheus metrics.

Deadline views and the summary are scoped to the caller's area like every other read; /healthz, /readyz and
/metrics carry no personal data (counts only) and need no token, so probes and scrapers can reach them."""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

import structlog
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, StringConstraints
from temporalio.service import RPCError, ServiceClient

from api.deps import ActorDep, AreaQuery, CommandIdDep, Services, ServicesDep
from domain.kernel.permissions import check_may_repair
from domain.kernel.privacy import area_to_read
from workflows.kernel.contracts import AreaCode
from workflows.ops.service import DUE_SOON_DAYS

router = APIRouter(tags=["ops"])
log = structlog.get_logger("dixian.api")
READY_MAX_LAG = 1000  # events a read model may trail the store and still be ready
PROBE_ATTEMPTS, PROBE_SECONDS = 3, 2.0  # how often, and within how long, readiness asks Temporal
_WITHIN = re.compile(r"^([0-9]{1,3})([dh])$")
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


STEP_ROUTE = "/cases/{case_id}/steps/"


def step_outcome(status: int) -> str:
    """A case step's outcome by its HTTP status: recorded, refused by a rule, conflicting, forbidden, unavailable."""
    if status < 300:
        return "recorded"
    return {401: "forbidden", 403: "forbidden", 409: "conflict", 503: "unavailable"}.get(
        status, "refused" if status < 500 else "error"
    )


class Histogram:
    """A Prometheus histogram per label set (cumulative buckets, sum and count)."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.sums: dict[str, float] = defaultdict(float)

    def observe(self, labels: str, seconds: float) -> None:
        counts = self.counts[labels]
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                counts[i] += 1
        counts[-1] += 1
        self.sums[labels] += seconds

    def render(self, name: str) -> list[str]:
        lines = [f"# TYPE {name} histogram"]
        for labels, counts in sorted(self.counts.items()):
            for bound, n in zip(BUCKETS, counts, strict=False):
                lines.append(f'{name}_bucket{{{labels},le="{bound}"}} {n}')
            lines.append(f'{name}_bucket{{{labels},le="+Inf"}} {counts[-1]}')
            lines.append(f"{name}_sum{{{labels}}} {self.sums[labels]:.6f}")
            lines.append(f"{name}_count{{{labels}}} {counts[-1]}")
        return lines


class Metrics:
    """Request counters and latency histograms per route template, and case steps by kind and outcome (bounded
    label sets: a route template or a step name, never a raw path)."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.latency = Histogram()
        self.steps: dict[tuple[str, str], int] = defaultdict(int)
        self.step_latency = Histogram()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(method, route, str(status))] += 1
        self.latency.observe(f'method="{method}",route="{route}"', seconds)
        if method == "POST" and route.startswith(STEP_ROUTE):
            step = route.removeprefix(STEP_ROUTE)
            self.steps[(step, step_outcome(status))] += 1
            self.step_latency.observe(f'step="{step}"', seconds)

    def render(self) -> list[str]:
        lines = ["# TYPE dixian_http_requests_total counter"]
        for (method, route, status), n in sorted(self.requests.items()):
            lines.append(f'dixian_http_requests_total{{method="{method}",route="{route}",status="{status}"}} {n}')
        lines += self.latency.render("dixian_http_request_seconds")
        lines.append("# TYPE dixian_case_steps_total counter")
        for (step, outcome), n in sorted(self.steps.items()):
            lines.append(f'dixian_case_steps_total{{step="{step}",outcome="{outcome}"}} {n}')
        lines += self.step_latency.render("dixian_case_step_seconds")
        return lines


METRICS = Metrics()


# A label takes a bounded set of values: a method no route answers is counted as OTHER, never as sent.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe(request: Request, status: int, started: float) -> None:
    route = request.scope.get("route")
    template = getattr(route, "path", "unmatched")
    method = request.method if request.method in METHODS else "OTHER"
    METRICS.observe(method, template, status, time.perf_counter() - started)


def _now() -> datetime:
    return datetime.now(UTC)


def _area(actor_area: str, area_code: str | None) -> str:
    return area_to_read(actor_area, area_code, "area_code")


@router.get("/ops/overdue", summary="逾期: open cases past their next deadline, by kind and area, with days late")
async def overdue(actor: ActorDep, svc: ServicesDep, area_code: AreaQuery = None) -> dict[str, Any]:
    """What is past due now in the caller's area or a part of it (403 `jurisdiction`): each open case's next
    statutory deadline, a village notice whose period has run out, and campaign milestones; counted by kind, village
    and 帮扶责任人. Any role but 帮扶责任人; 运维 and 管理员 see names masked."""
    return await run_in_threadpool(svc.ops.deadlines, _area(actor.area_code, area_code), _now())


@router.get("/ops/at-risk", summary="即将到期: open cases whose next deadline falls within a window (e.g. 3d, 12h)")
async def at_risk(
    actor: ActorDep,
    svc: ServicesDep,
    within: Annotated[str, Query(pattern=_WITHIN.pattern)] = f"{DUE_SOON_DAYS}d",
    area_code: AreaQuery = None,
) -> dict[str, Any]:
    """As `/ops/overdue`, for what falls due from now to the end of the window `within` (days `d` or hours `h`,
    e.g. 3d or 12h), past due included. Any role but 帮扶责任人; 运维 and 管理员 see names masked."""
    m = _WITHIN.match(within)
    assert m is not None  # the query pattern checked it
    span = timedelta(days=int(m.group(1))) if m.group(2) == "d" else timedelta(hours=int(m.group(1)))
    return await run_in_threadpool(svc.ops.deadlines, _area(actor.area_code, area_code), _now(), span)


@router.get("/ops/summary", summary="Counts by stage and area, cases past a deadline now, projection lag")
async def summary(actor: ActorDep, svc: ServicesDep, area_code: AreaQuery = None) -> dict[str, Any]:
    """Cases by stage and village, what is past due now, the deadlines missed in the current two-week period, and how
    far each read model trails the event store, for the caller's area or a part of it (403 `jurisdiction`). Any role
    but 帮扶责任人."""
    return await run_in_threadpool(svc.ops.summary, _area(actor.area_code, area_code), _now())


@router.get("/ops/stuck", summary="Workflows not doing their job: none running, activities retrying, diverged, idle")
async def stuck(
    actor: ActorDep,
    svc: ServicesDep,
    area_code: AreaQuery = None,
    no_progress_days: Annotated[int, Query(ge=1, le=3650)] = 30,
) -> dict[str, Any]:
    """Cases not closed (an eliminated one awaits its look-back) whose workflow is not doing its job: none running,
    its workflow task failing, an activity retrying again and again, not answering, diverged from the event store, or
    no progress for `no_progress_days`; each with a link to the Temporal UI when one is configured. Any role but
    帮扶责任人; repair with `/ops/repairs`."""
    area = _area(actor.area_code, area_code)
    return await svc.ops.stuck(area, _now(), svc.temporal, svc.settings.temporal_ui_url, no_progress_days)


class ReconcileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "Temporal 集群迁移后，恢复开放案件缺失的工作流", "area_code": "990102101"},
    ]})  # fmt: skip
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
    area_code: AreaCode | None = None


@router.post("/ops/reconcile", summary="Restart the missing workflows of open cases (recorded with who and why)")
async def reconcile(
    body: ReconcileRequest, actor: ActorDep, svc: ServicesDep, command_id: CommandIdDep
) -> dict[str, Any]:
    """Start again, from the event store, the workflow of every case not closed in the area that has none running; each
    restart is recorded with who and why (`reason`). 运维, 乡镇审核 and 县级审定 only (403 `ops_role`); the area is
    the caller's or one inside it (403 `jurisdiction`)."""
    check_may_repair(actor)
    area = _area(actor.area_code, body.area_code)
    return await svc.ops.reconcile(
        area,
        actor,
        body.reason,
        _now(),
        svc.temporal,
        svc.settings.task_queue,
        svc.settings.temporal_ui_url,
        command_id,
    )


class RepairRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"case_id": "0f8e2b6c-3d4a-5b1e-9c7f-2a6d8e4b1c30", "action": "restart",
         "reason": "升级后工作流任务反复失败，从事件库重启"},
        {"case_id": "0f8e2b6c-3d4a-5b1e-9c7f-2a6d8e4b1c30", "action": "retry",
         "reason": "数据库恢复后立即重试失败的活动"},
    ]})  # fmt: skip
    case_id: UUID
    action: Literal["retry", "restart"]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


@router.post(
    "/ops/repairs",
    summary="Repair one case's workflow: retry its failing activities now, or restart it from the event store",
)
async def repair(body: RepairRequest, actor: ActorDep, svc: ServicesDep, command_id: CommandIdDep) -> dict[str, Any]:
    """`retry`: run the case's retrying activities again now; `restart`: terminate its workflow if it runs and start it
    again from the event store. Recorded with who and why. 运维, 乡镇审核 and 县级审定 only (403 `ops_role`); 404
    `exists` for a case outside the caller's area, 409 `repair_applies` when there is nothing to retry. The same
    `Idempotency-Key` again (a retry, a double click) repairs nothing twice: it answers `repeated`."""
    check_may_repair(actor)
    settings = svc.settings
    return await svc.ops.repair(
        body.case_id,
        body.action,
        actor.area_code,
        actor,
        body.reason,
        _now(),
        svc.temporal,
        settings.task_queue,
        command_id,
    )


async def temporal_unanswered(client: ServiceClient) -> str | None:
    """Why Temporal's health service does not answer SERVING, or None when it does.

    A single refused or reset call under load is not an outage: the probe asks up to ``PROBE_ATTEMPTS`` times within
    ``PROBE_SECONDS`` and names the last status (gRPC code, never a payload) so the officer sees why."""
    deadline = time.monotonic() + PROBE_SECONDS
    why = "no answer"
    for attempt in range(PROBE_ATTEMPTS):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            if await client.check_health(timeout=timedelta(seconds=left)):
                return None
            why = "NOT_SERVING"
        except RPCError as e:
            why = e.status.name
        except Exception as e:  # the probe reports; it never raises
            why = type(e).__name__
        if attempt + 1 < PROBE_ATTEMPTS:
            await asyncio.sleep(min(0.1 * 2**attempt, max(deadline - time.monotonic(), 0)))
    log.warning("temporal_unanswered", status=why)
    return why


@router.get(
    "/readyz",
    summary="Ready: PostgreSQL answers, Temporal answers, the read models keep up",
    responses={
        503: {
            "description": "Not ready: the reasons say which part does not answer or keep up (Retry-After)",
            "content": {"application/json": {}},
        }
    },
)
async def readyz(svc: ServicesDep, response: Response) -> dict[str, Any]:
    """Readiness for a load balancer, without a token: 200 when PostgreSQL and Temporal answer and no read model
    trails the event store by more than 1,000 events; otherwise 503 with `Retry-After` and the reasons."""
    report = await readiness(svc)
    if not report["ready"]:
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    return report


async def readiness(svc: Services) -> dict[str, Any]:
    """Whether PostgreSQL and Temporal answer and the read models keep up, with the reasons when not (for /readyz
    and the console's ops board)."""
    reasons: list[str] = []
    lag: dict[str, int] = {}
    if svc.database.down:  # known already: no need to wait on the store's retries
        reasons.append("PostgreSQL does not answer")
    else:
        try:
            lag = await run_in_threadpool(svc.ops.lag)
        except Exception as e:  # the probe reports; it never raises
            reasons.append(f"PostgreSQL does not answer ({type(e).__name__})")
    temporal_down = await temporal_unanswered(svc.temporal.service_client)
    if temporal_down:
        reasons.append(f"Temporal does not answer ({temporal_down})")
    for model, behind in lag.items():
        if behind > READY_MAX_LAG:
            reasons.append(f"read model {model} is {behind} events behind (at most {READY_MAX_LAG})")
    return {"ready": not reasons, "reasons": reasons, "projection_lag": lag}


@router.get(
    "/metrics",
    summary="Prometheus metrics (counts only, no personal data)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
async def metrics(svc: ServicesDep) -> Response:
    """Prometheus text, without a token: requests and latency by route, case steps by step and outcome, cases by
    stage, deadlines missed and read-model lag (counts only). While the database is down, only what the process
    itself counts."""
    lines = METRICS.render()
    try:
        if svc.database.down:
            raise ConnectionError("the database is down")
        summary_rows = await run_in_threadpool(svc.ops.summaries.counts, area_prefix="")
        misses = await run_in_threadpool(svc.ops.summaries.misses_total)
        lag = await run_in_threadpool(svc.ops.lag)
    except Exception:  # the scrape still answers with what the process knows; readyz says why the store is not
        summary_rows, misses, lag = [], [], {}
    by_stage: dict[str, int] = defaultdict(int)
    missed = 0
    for r in summary_rows:
        by_stage[r["stage"]] += int(r["cases"])
        missed += int(r["overdue"])
    lines.append("# TYPE dixian_cases gauge")
    lines += [f'dixian_cases{{stage="{stage}"}} {n}' for stage, n in sorted(by_stage.items())]
    lines.append("# TYPE dixian_cases_with_missed_deadline gauge")
    lines.append(f"dixian_cases_with_missed_deadline {missed}")
    # a gauge: a miss recorded when a case was entered late is taken back once its steps, dated in time, meet it
    lines.append("# TYPE dixian_deadline_misses gauge")
    lines += [f'dixian_deadline_misses{{kind="{r["kind"]}"}} {r["misses"]}' for r in misses]
    lines.append("# TYPE dixian_projection_lag_events gauge")
    lines += [f'dixian_projection_lag_events{{read_model="{m}"}} {n}' for m, n in sorted(lag.items())]
    return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
