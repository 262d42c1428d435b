"""批量审核: the township's review, or the county's decision, of several cases of the area in one screen, grouped by
village (the cases of one village deliberation arrive together). Each decision is still its own step of its own
case, with its own Idempotency-Key, signed command, event and refusal: separation of duties and every other rule
apply case by case, and one refused case does not hold the others back."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.cases import take_step
from api.console.routes import _KEY, ServicesDep, SessionDep, _check_csrf, _now, _page, area_cases, refusal_zh
from api.errors import ApiProblem
from domain.cases.values import Category, CountyDecision, TownshipDecision
from domain.kernel.actors import Role
from domain.kernel.errors import DomainError
from domain.kernel.privacy import seen_by
from domain.kernel.steps import Step
from workflows.cases.contracts import CountyDecisionBody, TownshipReviewBody

router = APIRouter(prefix="/console", include_in_schema=False)
# Whose batch is which step, with the choices it offers.
BATCH: dict[Role, tuple[Step, list[tuple[str, str]]]] = {
    Role.TOWNSHIP_REVIEWER: (Step.TOWNSHIP_REVIEW, [(d.value, d.label) for d in TownshipDecision]),
    Role.COUNTY_APPROVER: (Step.COUNTY_DECISION, [(d.value, d.label) for d in CountyDecision]),
}
CATEGORIES = [(c.value, c.label) for c in Category]


def _batch(sess: Any) -> tuple[Step, list[tuple[str, str]]]:
    found = BATCH.get(sess.actor.role)
    if found is None:
        raise ApiProblem(
            "NotPermittedError", "批量审核由乡镇审核人员或县级审定人员办理", field="role", rule="step_roles"
        )
    return found


async def _waiting(sess: Any, svc: Any, step: Step) -> list[dict[str, Any]]:
    out = []
    for row, view in await run_in_threadpool(area_cases, svc, sess.actor, _now()):
        if any(a["step"] == step.value and sess.actor.role.value in a["roles"] for a in view["allowed_steps"]):
            household = seen_by(sess.actor.role, view["household"])
            out.append(
                {"case_id": str(row["case_id"]), "village": row["village_code"], "key": uuid.uuid4().hex,
                 "household": household, "status_label": view["status_label"],
                 "village_name": svc.registry.areas.name(row["village_code"])}
            )  # fmt: skip
    return sorted(out, key=lambda c: (c["village"], c["household"]["household_number"]))


@router.get("/approvals")
async def approvals(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    step, choices = _batch(sess)
    cases = await _waiting(sess, svc, step)
    return _page(request, "approvals.html", sess=sess, step=step, choices=choices, categories=CATEGORIES, cases=cases,
                 results=[], message="")  # fmt: skip


@router.post("/approvals")
async def decide(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    step, choices = _batch(sess)
    form = await request.form()
    _check_csrf(sess, form)
    chosen = [c for c in form.getlist("case_id") if str(form.get(f"decision.{c}") or "")]
    if chosen and form.get("confirmed") != "yes":
        cases = await _waiting(sess, svc, step)
        return _page(request, "approvals.html", 422, sess=sess, step=step, choices=choices, categories=CATEGORIES,
                     cases=cases, results=[], message="审核结论提交后不能撤销，请勾选“确认提交”。")  # fmt: skip
    results = []
    for case_id in map(str, chosen):
        key = str(form.get(f"key.{case_id}") or "")
        decision = str(form.get(f"decision.{case_id}"))
        outcome = {"case_id": case_id, "ok": False, "message": ""}
        try:
            if not _KEY.match(key):
                raise ApiProblem("RuleViolationError", "表单已过期", field="idempotency_key", rule="format")
            if step is Step.TOWNSHIP_REVIEW:
                body: Any = TownshipReviewBody.model_validate({"decision": decision})
            else:
                category = str(form.get(f"category.{case_id}") or "") or None
                body = CountyDecisionBody.model_validate({"decision": decision, "category": category})
            await take_step(step, case_id, body, sess.actor, f"{sess.actor.id}:{key}", None, svc, Response())
            outcome.update(ok=True, message="已记录")
        except ValidationError:
            outcome["message"] = "未能办理：请选择结论（县级审定纳入的须选择类别）。"
        except (ApiProblem, DomainError) as e:
            problem = ApiProblem.of(e) if isinstance(e, DomainError) else e
            outcome["message"] = "未能办理：" + refusal_zh(e, problem)
        results.append(outcome)
    cases = await _waiting(sess, svc, step)
    return _page(request, "approvals.html", sess=sess, step=step, choices=choices, categories=CATEGORIES, cases=cases,
                 results=results, message="" if chosen else "请至少为一个案件选择结论。")  # fmt: skip
