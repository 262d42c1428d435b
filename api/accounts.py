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
    """Every user account of the caller's area, by user id, with role, area, unit and whether it is disabled.
    管理员 only (403 `admin_only`)."""
    check_may_administer(actor, actor.area_code)
    return {"items": await run_in_threadpool(svc.accounts.accounts, actor.area_code)}


@router.get("/admin/users/{user_id}", summary="用户账号: one account")
async def get_account(user_id: UserId, actor: ActorDep, svc: ServicesDep) -> dict[str, Any]:
    """One user account. 管理员 only (403 `admin_only`); 404 `known_account` for one that does not exist or lies
    outside the caller's area (one answer for both)."""
    check_may_administer(actor, actor.area_code)
    return await run_in_threadpool(svc.accounts.account, user_id, actor)


@router.put("/admin/users/{user_id}", summary="用户账号: add an account, or change its name, role, area or unit")
async def put_account(
    user_id: UserId, body: AccountRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep
) -> dict[str, Any]:
    """Add the account `user_id`, or change its name, role, area or unit (what differs is recorded, old and new, with
    the `reason`: 422 `required`). A 管理员 for an area inside their own (403 `admin_only`, `jurisdiction`); refused
    422 `format`, `known_role`, `known_area`, `role_area_level`. After a change of role or area the user's tokens are
    refused (401 `account_changed`). With `Idempotency-Key`; answers with a signed `X-Dixian-Receipt`."""
    record, reason = body.record(user_id), body.reason
    return await run_in_threadpool(
        lambda: svc.accounts.put(record, actor=actor, command_id=command_id, now=_now(), reason=reason)
    )


@router.post("/admin/users/{user_id}/disable", summary="用户账号: disable (its tokens are refused from now on)")
async def disable_account(
    user_id: UserId, body: AccountReason, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep
) -> dict[str, Any]:
    """Disable the account, with the `reason` (422 `required`): its user's tokens are refused from now on (401
    `account_disabled`). 管理员 only: to anyone else, and for an account outside the caller's area, 404
    `known_account`. With `Idempotency-Key`; answers with a signed `X-Dixian-Receipt`."""
    return await run_in_threadpool(
        lambda: svc.accounts.disable(user_id, actor=actor, command_id=command_id, now=_now(), reason=body.reason)
    )


@router.post("/admin/users/{user_id}/enable", summary="用户账号: enable again (tokens from before stay refused)")
async def enable_account(
    user_id: UserId, body: AccountReason, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep
) -> dict[str, Any]:
    """Enable a disabled account again, with the `reason` (422 `required`); tokens issued before stay refused (401
    `token_before_change`): the user signs in again. 管理员 only: to anyone else, and for an account outside the
    caller's area, 404 `known_account`. With `Idempotency-Key`; answers with a signed `X-Dixian-Receipt`."""
    return await run_in_threadpool(
        lambda: svc.accounts.enable(user_id, actor=actor, command_id=command_id, now=_now(), reason=body.reason)
    )
