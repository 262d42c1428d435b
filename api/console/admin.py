"""用户管理: the administrator's (管理员) page of the user accounts of their area, for a trial without an identity
provider: list, add or change, disable and enable, each with its reason, through the same use cases as
`dixian user` and `/admin/users`. A disabled user is refused at once, in the console and the API alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.console.routes import ServicesDep, SessionDep, _check_csrf, _page
from api.errors import ApiProblem
from domain.accounts.commands import ACCOUNT_ROLES, check_may_administer
from domain.kernel.actors import Department, Role
from domain.kernel.errors import DomainError, RuleViolationError
from workflows.accounts.contracts import AccountRequest

router = APIRouter(prefix="/console/admin", include_in_schema=False)

# The account rules' refusals, said at their field.
MESSAGES = {
    "format": "账号只能用字母、数字和 . _ @ -，最长64位",
    "required": "必填",
    "known_role": "请选择角色",
    "known_area": "区划代码不在本系统的区划中",
    "role_area_level": "该角色须对应相应级别的区划（村12位、乡镇9位、县6位）",
    "length": "内容过长",
    "jurisdiction": "该区划不在您的管辖范围内",
    "office_held": "本村该职务已登记给另一账号：请先在该账号上取消此职务",
    "office_role": "只有村干部可以担任村党组织书记、村委会主任",
    "known_office": "请选择村职务",
}
# 村职务 as the form offers it: left as it is, none, one of the two, or both (书记、主任一肩挑).
OFFICE_CHOICES = [
    ("", "不变更"),
    ("none", "无"),
    ("party_secretary", "村党组织书记"),
    ("committee_director", "村委会主任"),
    ("both", "村党组织书记、村委会主任（一肩挑）"),
]
OFFICES_OF = {"none": [], "party_secretary": ["party_secretary"], "committee_director": ["committee_director"],
              "both": ["party_secretary", "committee_director"]}  # fmt: skip
ROLE_OPTIONS = [(r.value, r.label) for r in Role if r in ACCOUNT_ROLES]
DEPARTMENT_OPTIONS = [("", "（非行业部门）"), *((d.value, d.label) for d in Department)]


def _now() -> datetime:
    return datetime.now(UTC)


async def _users_page(request: Request, sess: Any, svc: Any, status: int = 200, **extra: Any) -> HTMLResponse:
    check_may_administer(sess.actor, sess.actor.area_code)
    users = await run_in_threadpool(svc.accounts.accounts, sess.actor.area_code)
    context = {"sess": sess, "users": users, "roles": ROLE_OPTIONS, "office_choices": OFFICE_CHOICES,
               "departments": DEPARTMENT_OPTIONS, "values": {},
               "errors": {}, "message": "",
               "done": request.query_params.get("done", "")[:20], **extra}  # fmt: skip
    return _page(request, "users.html", status, **context)


@router.get("/users")
async def users(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    return await _users_page(request, sess, svc)


@router.post("/users")
async def put_user(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    form = await request.form()
    _check_csrf(sess, form)
    fields = ("user_id", "name", "role", "area_code", "unit", "department", "offices", "reason")
    values = {k: str(form.get(k) or "").strip() for k in fields}
    errors: dict[str, str] = {}
    try:
        if values["offices"] not in ("", *OFFICES_OF):
            raise RuleViolationError("unknown office", field="offices", rule="known_office")
        given = {k: v for k, v in values.items() if k not in ("user_id", "offices")}
        body = AccountRequest.model_validate({**given, "offices": OFFICES_OF.get(values["offices"])})
        await run_in_threadpool(
            lambda: svc.accounts.put(body.record(values["user_id"]), actor=sess.actor,
                                     command_id=f"{sess.actor.id}:{uuid.uuid4()}", now=_now(), reason=body.reason)
        )  # fmt: skip
    except ValidationError as e:
        for err in e.errors():
            errors.setdefault(str(err["loc"][0]), "必填" if err["type"] == "missing" else "填写有误")
    except DomainError as e:
        errors[e.field or "user_id"] = MESSAGES.get(e.rule, "填写有误")
    if errors:
        return await _users_page(
            request, sess, svc, 422, values=values, errors=errors, message="请按提示修改后再提交。"
        )
    return RedirectResponse("/console/admin/users?done=saved", status_code=303)


@router.post("/users/{user_id}/{switch}")
async def switch_user(request: Request, user_id: str, switch: str, sess: SessionDep, svc: ServicesDep) -> Response:
    form = await request.form()
    _check_csrf(sess, form)
    if switch not in ("disable", "enable"):
        raise ApiProblem("NotFoundError", "没有这个操作", field="action", rule="known_action")
    reason = str(form.get("reason") or "")
    act = svc.accounts.disable if switch == "disable" else svc.accounts.enable
    try:
        await run_in_threadpool(
            lambda: act(
                user_id, actor=sess.actor, command_id=f"{sess.actor.id}:{uuid.uuid4()}", now=_now(), reason=reason
            )
        )
    except DomainError as e:
        message = "请写明原因" if e.field == "reason" else "没有找到该账号，或不在您的管辖范围内"
        return await _users_page(request, sess, svc, 422 if e.field == "reason" else 404, message=message)
    return RedirectResponse(f"/console/admin/users?done={switch}", status_code=303)
