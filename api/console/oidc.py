"""统一身份认证: the console's sign-in with the deployment's OIDC issuer, the authorization-code flow with PKCE
(RFC 7636, S256): the browser is sent to the issuer with a fresh state, nonce and code challenge, kept in a short,
signed, HttpOnly cookie; on its way back the state must match, the code is exchanged with the verifier, and the ID
token is checked like every token of that issuer (signature by its JWKS, issuer, audience, expiry) and for the
nonce. The user then gets a console session, and their account, if any, is asked as for every request."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from api.auth import TokenError, actor_from_claims
from api.console import session
from api.console.routes import ServicesDep, _key, _now, _page
from api.deps import Services
from domain.kernel.errors import DomainError

router = APIRouter(prefix="/console/login", include_in_schema=False)
log = structlog.get_logger("dixian.console")
FLOW_COOKIE = "dixian_oidc"
FLOW_SECONDS = 600  # a sign-in not finished within ten minutes starts again
TOKEN_TIMEOUT = 10  # seconds the issuer's token endpoint may take


def configured(svc: Services) -> bool:
    s = svc.settings
    return svc.oidc is not None and bool(s.oidc_authorization_url and s.oidc_token_url)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _flow(key: bytes, cookie: str | None) -> dict[str, Any] | None:
    """The sign-in this browser started, if it is ours and not older than ``FLOW_SECONDS``."""
    body = session.unseal(key, cookie)
    return body if body is not None and body.get("exp", 0) > time.time() else None


def _redirect_uri(request: Request, svc: Services) -> str:
    base = svc.settings.console_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/console/login/callback"


def _client_id(svc: Services) -> str:
    return svc.settings.oidc_client_id or svc.settings.oidc_audience


@router.get("/oidc")
async def start(request: Request, svc: ServicesDep) -> Response:
    if not configured(svc):
        return RedirectResponse("/console/login", status_code=303)
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": _client_id(svc), "redirect_uri": _redirect_uri(request, svc),
        "scope": "openid profile", "state": state, "nonce": nonce,
        "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()), "code_challenge_method": "S256",
    })  # fmt: skip
    response = RedirectResponse(f"{svc.settings.oidc_authorization_url}?{query}", status_code=303)
    flow = {"state": state, "nonce": nonce, "verifier": verifier, "exp": int(time.time()) + FLOW_SECONDS}
    response.set_cookie(FLOW_COOKIE, session.seal(_key(svc), flow), max_age=FLOW_SECONDS, path="/console/login",
                        httponly=True, samesite="lax", secure=svc.settings.production)  # fmt: skip
    return response


def _exchange(svc: Services, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
    """The issuer's answer to the code (its ID token among it)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": _client_id(svc), "code_verifier": verifier}  # fmt: skip
    if svc.settings.oidc_client_secret is not None:
        form["client_secret"] = svc.settings.oidc_client_secret.get_secret_value()
    request = urllib.request.Request(
        svc.settings.oidc_token_url, data=urllib.parse.urlencode(form).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=TOKEN_TIMEOUT) as answer:
        body: dict[str, Any] = json.loads(answer.read())
        return body


@router.get("/callback")
async def callback(request: Request, svc: ServicesDep, code: str = "", state: str = "") -> Response:
    flow = _flow(_key(svc), request.cookies.get(FLOW_COOKIE))
    refused = _page(request, "login.html", 400, users=[], dev=False, oidc=configured(svc), login_csrf="",
                    message="登录未完成或已过期，请重新登录。")  # fmt: skip
    if flow is None or not code or not secrets.compare_digest(state, str(flow.get("state", ""))) or svc.oidc is None:
        return refused
    verifier = svc.oidc
    try:
        answer = await run_in_threadpool(_exchange, svc, code, str(flow["verifier"]), _redirect_uri(request, svc))
        claims = await run_in_threadpool(verifier.claims, str(answer.get("id_token", "")))
        if not secrets.compare_digest(str(claims.get("nonce", "")), str(flow["nonce"])):
            raise TokenError("the nonce does not match")
        actor = actor_from_claims(claims, verifier.role_claim, verifier.area_claim)
        issued = claims.get("iat")
        at = datetime.fromtimestamp(issued, UTC) if isinstance(issued, int) else _now()
        await run_in_threadpool(svc.accounts.check, actor, at)  # a disabled account signs in no more
    except (OSError, ValueError, TokenError, DomainError) as e:  # the issuer unreachable, a bad answer, a refusal
        log.info("console_sign_in_refused", reason=type(e).__name__)
        return refused
    cookie, _ = session.issue(_key(svc), actor, _now())
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(session.COOKIE, cookie, max_age=int(session.TTL.total_seconds()), path=session.PATH,
                        httponly=True, samesite="lax", secure=svc.settings.production)  # fmt: skip
    response.delete_cookie(FLOW_COOKIE, path="/console/login")
    log.info("console_signed_in", actor=actor.id, via="oidc")
    return response
