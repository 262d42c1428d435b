"""Security headers on every response, the caller's request id only when it is well formed, and CORS closed unless
origins are configured."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from api.health import DatabaseGate
from api.main import create_app
from tests.integration.conftest import Stack
from workflows.kernel.settings import Settings

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_every_response_carries_the_security_headers(stack: Stack) -> None:
    for path, who in (("/healthz", None), ("/cases/not-a-case", "cadre"), ("/ops/overdue", None)):
        r = await stack.http.get(path, headers=stack.headers(who) if who else {})
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY", path
        assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert "strict-transport-security" not in r.headers  # development: no HTTPS in front
    docs = await stack.http.get("/docs")
    # Its scripts load from the API itself, and from nowhere else (tests/browser checks the page works under it).
    assert docs.status_code == 200 and "script-src 'self' 'unsafe-inline'" in docs.headers["content-security-policy"]
    assert "/docs-assets/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text


async def test_a_request_id_is_echoed_only_when_well_formed(stack: Stack) -> None:
    r = await stack.http.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await stack.http.get("/healthz", headers={"X-Request-Id": "x" * 65})
    assert r.headers["x-request-id"] != "x" * 65 and len(r.headers["x-request-id"]) == 36


async def preflight(app: Any, origin: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dixian.test") as http:
        return await http.options(
            "/cases", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                               "Access-Control-Request-Headers": "authorization,content-type"},
        )  # fmt: skip


async def test_cors_is_closed_by_default_and_open_only_to_configured_origins(stack: Stack) -> None:
    closed = await stack.http.options(
        "/cases", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in closed.headers
    settings = Settings(DIXIAN_CORS_ORIGINS="https://dixian.example.gov.cn", DIXIAN_ENV="production")
    app = create_app(SimpleNamespace(settings=settings, database=DatabaseGate(lambda: None)))  # type: ignore[arg-type]
    allowed = await preflight(app, "https://dixian.example.gov.cn")
    assert allowed.headers["access-control-allow-origin"] == "https://dixian.example.gov.cn"
    assert "access-control-allow-origin" not in (await preflight(app, "https://evil.example")).headers
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dixian.test") as http:
        r = await http.get("/healthz")
    assert r.headers["strict-transport-security"].startswith("max-age=")  # production: HTTPS only
