"""User accounts over HTTP (管理员): a disabled user is refused from the next request on; a user whose area changed
is refused with a token of the old area, and with an older token of the new one; every answer names the rule."""

from __future__ import annotations

import asyncio
import uuid

import jwt
import pytest

from api.auth import issue_token
from domain.kernel.actors import Actor, Role
from tests.integration.conftest import COUNTY, OTHER_VILLAGE, SECRET, VILLAGE, Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")
ADMIN = Actor("admin-1", Role.ADMIN, COUNTY, "县管理员")
CADRE = Actor("cadre-9", Role.VILLAGE_CADRE, VILLAGE, "村干部九")


def bearer(actor: Actor, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, actor)}", "Idempotency-Key": key or uuid.uuid4().hex}


def account_body(area: str, reason: str = "新任") -> dict[str, str]:
    return {"name": CADRE.name, "role": "village_cadre", "area_code": area, "unit": "玉坪村委会", "reason": reason}


async def test_a_disabled_or_moved_user_is_refused_at_once(stack: Stack) -> None:
    http = stack.http
    old_token = bearer(CADRE)
    assert (await http.get("/cases", headers=old_token)).status_code == 200  # no account: as the token says

    added = await http.put("/admin/users/cadre-9", json=account_body(VILLAGE), headers=bearer(ADMIN, "a1"))
    assert added.status_code == 200, added.text
    assert added.json()["name"] == CADRE.name and added.json()["status_label"] == "正常"  # the admin sees names
    assert (await http.get("/cases", headers=old_token)).status_code == 200  # an account as the token says

    r = await http.post("/admin/users/cadre-9/disable", json={"reason": "调离"}, headers=bearer(ADMIN, "a2"))
    assert r.status_code == 200 and r.json()["disabled"] is True
    refused = await http.get("/cases", headers=old_token)
    assert refused.status_code == 401 and refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["rule"] == "account_disabled" and "停用" in refused.json()["detail"]
    assert (await http.get("/cases", headers=bearer(CADRE))).status_code == 401  # a new token too

    await asyncio.sleep(1.1)  # token times are whole seconds: the next one is issued after the change
    r = await http.post("/admin/users/cadre-9/enable", json={"reason": "返岗"}, headers=bearer(ADMIN, "a3"))
    assert r.status_code == 200 and r.json()["disabled"] is False
    again = await http.get("/cases", headers=old_token)
    assert again.status_code == 401 and again.json()["errors"][0]["rule"] == "token_before_change"
    await asyncio.sleep(1.1)
    assert (await http.get("/cases", headers=bearer(CADRE))).status_code == 200

    await asyncio.sleep(1.1)
    moved = await http.put("/admin/users/cadre-9", json=account_body(OTHER_VILLAGE, "调往另一村"),
                           headers=bearer(ADMIN, "a4"))  # fmt: skip
    assert moved.status_code == 200 and moved.json()["area_code"] == OTHER_VILLAGE
    stale = await http.get("/cases", headers=bearer(CADRE))
    assert stale.status_code == 401 and stale.json()["errors"][0]["rule"] == "account_changed"
    await asyncio.sleep(1.1)
    fresh = Actor(CADRE.id, CADRE.role, OTHER_VILLAGE, CADRE.name)
    assert (await http.get("/cases", headers=bearer(fresh))).status_code == 200

    listed = (await http.get("/admin/users", headers=bearer(ADMIN))).json()["items"]
    assert [(a["user_id"], a["area_code"], a["version"]) for a in listed] == [("cadre-9", OTHER_VILLAGE, 4)]


async def test_accounts_are_kept_by_the_administrator_alone_and_bad_input_changes_nothing(stack: Stack) -> None:
    http = stack.http
    county = Actor("county-1", Role.COUNTY_APPROVER, COUNTY, "县级审定员")
    r = await http.put("/admin/users/cadre-9", json=account_body(VILLAGE), headers=bearer(county, "b1"))
    assert r.status_code == 403 and r.json()["errors"][0]["rule"] == "admin_only"
    ops = Actor("ops-1", Role.OPS, COUNTY, "运维")
    r = await http.get("/admin/users", headers=bearer(ops))
    assert r.status_code == 403
    bad = {**account_body(VILLAGE), "role": "township_reviewer"}
    r = await http.put("/admin/users/cadre-9", json=bad, headers=bearer(ADMIN, "b2"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "area_code"
    r = await http.put("/admin/users/has%20space", json=account_body(VILLAGE), headers=bearer(ADMIN, "b3"))
    assert r.status_code == 422
    r = await http.put(
        "/admin/users/cadre-9", json={**account_body(VILLAGE), "reason": ""}, headers=bearer(ADMIN, "b4")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await http.post("/admin/users/nobody/disable", json={"reason": "x"}, headers=bearer(ADMIN, "b5"))
    assert r.status_code == 404
    assert (await http.get("/admin/users", headers=bearer(ADMIN))).json()["items"] == []
    # The administrator sees no household data for all that.
    assert (await http.get("/households", headers=bearer(ADMIN))).status_code == 403
    token = issue_token(SECRET, ADMIN)
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "admin-1"
