"""User accounts (用户账号), kept by an administrator (管理员) for the users of their area: add or change, disable,
enable, list. A disabled account, or one whose role or area changed, refuses its user's older tokens at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.deps import ActorDep, CommandIdDep, ServicesDep
from domain.accounts.commands import check_may_administer
from workflows.accounts.contracts import AccountReason, AccountRequest, UserId

router = APIRouter(tags=["accounts"])


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/admin/users", summary="用户账号: every account of the administrator's area")
async def list_accounts(actor: ActorDep, svc: ServicesDep) -> dict[str, Any]:
    check_may_administer(actor, actor.area_code)
    return {"items": await run_in_threadpool(svc.accounts.accounts, actor.area_code)}


@router.get("/admin/users/{user_id}", summary="用户账号: one account")
async def get_account(user_id: UserId, actor: ActorDep, svc: ServicesDep) -> dict[str, Any]:
    check_may_administer(actor, actor.area_code)
    return await run_in_threadpool(svc.accounts.account, user_id, actor)


@router.put("/admin/users/{user_id}", summary="用户账号: add an account, or change its name, role, area or unit")
async def put_account(
    user_id: UserId, body: AccountRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep
) -> dict[str, Any]:
    record, reason = body.record(user_id), body.reason
    return await run_in_threadpool(
        lambda: svc.accounts.put(record, actor=actor, command_id=command_id, now=_now(), reason=reason)
    )


@router.post("/admin/users/{user_id}/disable", summary="用户账号: disable (its tokens are refused from now on)")
async def disable_account(
    user_id: UserId, body: AccountReason, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep
) -> dict[str, Any]:
    return await run_in_threadpool(
        lambda: svc.accounts.disable(user_id, actor=actor, command_id=command_id, now=_now(), reason=body.reason)
    )


@router.post("/admin/users/{user_id}/enable", summary="用户账号: enable again (tokens from before stay refused)")
async def enable_account(
    user_id: UserId, body: AccountReason, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep
) -> dict[str, Any]:
    return await run_in_threadpool(
        lambda: svc.accounts.enable(user_id, actor=actor, command_id=command_id, now=_now(), reason=body.reason)
    )
