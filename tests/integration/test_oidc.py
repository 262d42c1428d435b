"""Tokens of an OIDC issuer: verified against the issuer's JWKS (served here by a local HTTP server), with issuer,
audience and expiry checked and the role and area read from configurable claims; nothing else gets in."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from api.auth import OidcVerifier, issue_token
from api.main import create_app
from domain.kernel.actors import Actor, Role
from tests.integration.conftest import SECRET, TOWNSHIP, Stack

ISSUER, AUDIENCE = "https://idp.example.gov.cn/realms/dixian", "dixian-api"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()


def token(key: Any = KEY, **overrides: Any) -> str:
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-1001", "name": "乡镇审核员甲", "dixian_role": "township_reviewer",
              "dixian_area": TOWNSHIP, "exp": int(time.time()) + 300, **overrides}  # fmt: skip
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


@pytest.mark.asyncio(loop_scope="session")
async def test_only_the_issuers_valid_tokens_get_in(stack: Stack, jwks_url: str) -> None:
    verifier = OidcVerifier(ISSUER, jwks_url, AUDIENCE, "dixian_role", "dixian_area")
    app = create_app(replace(stack.services, oidc=verifier))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dixian.test") as http:

        async def status(bearer: str) -> int:
            r = await http.get("/ops/overdue", headers={"Authorization": f"Bearer {bearer}"})
            return r.status_code

        assert await status(token()) == 200
        assert verifier.read(token()) == Actor("u-1001", Role.TOWNSHIP_REVIEWER, TOWNSHIP, "乡镇审核员甲")
        refused = {
            "another audience": token(aud="someone-else"),
            "another issuer": token(iss="https://evil.example"),
            "expired": token(exp=int(time.time()) - 10),
            "signed by another key": token(OTHER_KEY),
            "no Dixian role": token(dixian_role="admin-of-everything"),
            "a role above its area": token(dixian_role="county_approver"),
            "our own development token": issue_token(SECRET, Actor("x", Role.COUNTY_APPROVER, "990102", "x")),
            "HS256 with a shared secret": jwt.encode(
                {"iss": ISSUER, "aud": AUDIENCE, "sub": "u", "exp": int(time.time()) + 60}, "k1" * 16, algorithm="HS256",
                headers={"kid": "k1"}),
        }  # fmt: skip
        for why, bad in refused.items():
            r = await http.get("/ops/overdue", headers={"Authorization": f"Bearer {bad}"})
            assert r.status_code == 401, why
            assert r.json()["errors"][0]["field"] == "Authorization"


def test_an_unreachable_identity_provider_refuses_rather_than_lets_in() -> None:
    from api.auth import TokenError

    verifier = OidcVerifier(ISSUER, "http://127.0.0.1:9/certs", AUDIENCE, "dixian_role", "dixian_area")
    with pytest.raises(TokenError, match="cannot be fetched"):
        verifier.read(token())
