"""运维 (operations) in the console: one board joining business lateness and technical trouble. Deadlines past and
due soon (cases, village notices past their last day, campaign milestones), workflows not doing their job (none
running, a task failing, an activity retrying, diverged, idle) with the responsible person and a link to the Temporal
UI, repairs (retry, restart, reconcile) with a required reason that is recorded, and readiness with each read
model's lag; pictures of cases by stage and of deadlines missed per two-week period.

The board reads what the JSON API's /ops routes read, with their scoping, and shows it as the reader's role may see
it: 运维 see no personal data (names masked, as the API masks them)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from api.console.charts import Bar, bars, columns
from api.console.routes import _KEY, ServicesDep, SessionDep, _check_csrf, _now, _page, refused_page
from api.deps import check_route
from api.errors import ApiProblem
from api.ops import readiness
from domain.cases.values import Stage
from domain.kernel.actors import Actor
from domain.kernel.errors import DomainError, RuleViolationError
from domain.kernel.permissions import check_may_repair
from domain.kernel.privacy import area_to_read, seen_by
from workflows.cases.contracts import workflow_id_for
from workflows.ops.service import DUE_SOON_DAYS, PROBLEM_LABELS

router = APIRouter(prefix="/console/ops", include_in_schema=False)

# What a person does about each kind of trouble (its name: workflows.ops.service.PROBLEM_LABELS).
ADVICE = {
    "no_running_workflow": "重启（从事件库恢复）",
    "workflow_task_failing": "查看 Temporal 中的错误；修复后重启",
    "activity_retrying": "排除外部原因（数据库、国家系统）后立即重试",
    "query_failed": "重启",
    "diverged": "重启（从事件库恢复）",
    "opening_not_taken": "对账或重启（从事件库恢复）",
    "no_progress": "联系帮扶责任人或村干部",
    "deadline_not_recorded": "对账（重新启动计时，逾期即记为发现）",
}
REASON_REQUIRED = "请写明修复原因（会记入日志）。"


def _name(svc: Any, code: str) -> str:
    return str(svc.registry.areas.name(code))


def _deadline_rows(svc: Any, found: dict[str, Any]) -> list[dict[str, Any]]:
    """Each late or soon-due item with its village's name and, for a case, its workflow in the Temporal UI."""
    ui = svc.settings.temporal_ui_url
    rows = []
    for i in found["items"]:
        case_id = i.get("case_id")
        link = (f"{ui.rstrip('/')}/namespaces/{svc.temporal.namespace}/workflows/{workflow_id_for(uuid.UUID(case_id))}"
                if ui and case_id else "")  # fmt: skip
        rows.append({**i, "village": _name(svc, i["area_code"]), "what": i.get("campaign_name") or case_id or "",
                     "temporal_ui": link})  # fmt: skip
    return rows


async def _board(svc: Any, actor: Actor) -> dict[str, Any]:
    check_route(actor, "/ops/summary")
    area = area_to_read(actor.area_code, None, "area_code")
    now = _now()
    overdue = await run_in_threadpool(svc.ops.deadlines, area, now)
    soon_all = await run_in_threadpool(svc.ops.deadlines, area, now, timedelta(days=DUE_SOON_DAYS))
    late_ids = {(i.get("case_id"), i["kind"], i.get("campaign_id")) for i in overdue["items"]}
    soon = [i for i in soon_all["items"] if (i.get("case_id"), i["kind"], i.get("campaign_id")) not in late_ids]
    stuck = await svc.ops.stuck(area, now, svc.temporal, svc.settings.temporal_ui_url)
    ready = await readiness(svc)
    summary = await run_in_threadpool(svc.ops.summary, area, now)
    trends = await run_in_threadpool(svc.ops.trends, area, now)
    return {"area": area, "overdue": overdue, "soon": soon, "stuck": stuck, "ready": ready, "summary": summary,
            "trends": trends}  # fmt: skip


@router.get("")
async def board(request: Request, sess: SessionDep, svc: ServicesDep, done: str = "") -> HTMLResponse:
    actor: Actor = sess.actor
    try:
        b = await _board(svc, actor)
    except (ApiProblem, DomainError) as e:
        return refused_page(request, sess, e)
    stuck = [{**i, "village": _name(svc, i["village_code"]), "problem_label": PROBLEM_LABELS.get(i["problem"],
              i["problem"]), "advice": ADVICE.get(i["problem"], "")} for i in b["stuck"]["items"]]  # fmt: skip
    stages = [s.value for s in Stage]
    trends = b["trends"]
    periods = [str(t["last_day"]) for t in trends]
    by_stage = columns(
        "各阶段案件数（每两周统计期末）", periods,
        {Stage(s).label: [t["stages"].get(s, 0) for t in trends] for s in stages
         if any(t["stages"].get(s, 0) for t in trends)}, chart_id="stages",
    )  # fmt: skip
    per_period = [Bar(f"{t['first_day']}–{str(t['last_day'])[5:]}", t["misses"], short=f"至{str(t['last_day'])[5:]}")
                  for t in trends]  # fmt: skip
    misses = bars("每个统计期错过的期限", per_period, unit="次", value_head="错过次数", chart_id="misses")
    return _page(
        request, "ops.html", sess=sess, overdue=seen_by(actor.role, _deadline_rows(svc, b["overdue"])),
        soon=seen_by(actor.role, _deadline_rows(svc, {"items": b["soon"]})), stuck=seen_by(actor.role, stuck),
        ready=b["ready"], summary=b["summary"], discovery=b["stuck"].get("discovery", []), by_stage=by_stage,
        misses=misses, area_name=_name(svc, b["area"]),
        may_repair=_may_repair(actor), done=done[:40], stage_labels={s.value: s.label for s in Stage},
        new_key=lambda: uuid.uuid4().hex,  # each repair form its own Idempotency-Key
    )  # fmt: skip


def _may_repair(actor: Actor) -> bool:
    try:
        check_may_repair(actor)
    except DomainError:
        return False
    return True


def _command(actor: Actor, form: Any) -> str:
    """The repair's command id: the form's own Idempotency-Key (a double click or a resent form repairs once)."""
    key = str(form.get("idempotency_key", ""))
    if not _KEY.match(key):
        raise RuleViolationError("表单已过期，请刷新页面后重试。", field="idempotency_key", rule="format")
    return f"{actor.id}:{key}"


@router.post("/repairs")
async def repair(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    """Retry a case's failing activities now, or restart its workflow from the event store, with a reason that is
    recorded: as POST /ops/repairs does."""
    form = await request.form()
    _check_csrf(sess, form)
    actor: Actor = sess.actor
    try:
        check_route(actor, "/ops/repairs")
        check_may_repair(actor)
        action = str(form.get("action", ""))
        if action not in ("retry", "restart"):
            raise RuleViolationError("retry or restart", field="action", rule="known_action")
        reason = str(form.get("reason", "")).strip()[:500]
        if not reason:
            raise RuleViolationError(REASON_REQUIRED, field="reason", rule="required")
        case_id = uuid.UUID(str(form.get("case_id", "")))
        await svc.ops.repair(case_id, action, actor.area_code, actor, reason, _now(), svc.temporal,
                             svc.settings.task_queue, _command(actor, form))  # fmt: skip
    except ValueError:
        case_format = RuleViolationError("case", field="case_id", rule="format")
        return refused_page(request, sess, case_format, back="/console/ops")
    except (ApiProblem, DomainError) as e:
        return refused_page(request, sess, e, back="/console/ops")
    return RedirectResponse(f"/console/ops?done={action}", status_code=303)


@router.post("/reconcile")
async def reconcile(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    """Start again the missing workflows of the area's open cases, with a reason that is recorded: as POST
    /ops/reconcile does."""
    form = await request.form()
    _check_csrf(sess, form)
    actor: Actor = sess.actor
    try:
        check_route(actor, "/ops/reconcile")
        check_may_repair(actor)
        reason = str(form.get("reason", "")).strip()[:500]
        if not reason:
            raise RuleViolationError(REASON_REQUIRED, field="reason", rule="required")
        area = area_to_read(actor.area_code, None, "area_code")
        s = svc.settings
        await svc.ops.reconcile(area, actor, reason, _now(), svc.temporal, s.task_queue, s.temporal_ui_url,
                                _command(actor, form))  # fmt: skip
    except (ApiProblem, DomainError) as e:
        return refused_page(request, sess, e, back="/console/ops")
    return RedirectResponse("/console/ops?done=reconcile", status_code=303)
