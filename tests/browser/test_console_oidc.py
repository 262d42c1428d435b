"""统一身份认证 in a real browser: the console signs a person in with the deployment's OIDC issuer (authorization
code with PKCE), here a small issuer of the test's own on another port that checks the code verifier against the
challenge as a real one does; a callback whose state was not issued by the console is refused."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa

from api.auth import OidcVerifier
from api.main import create_app
from tests.browser.conftest import Console, shot
from tests.conftest import free_port
from tests.integration.conftest import TOWNSHIP

pytestmark = pytest.mark.asyncio(loop_scope="session")
CLIENT = "dixian-console"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Issuer:
    """/authorize answers at once for one user (the consent screen is the issuer's business), /token exchanges a
    code once for an ID token when the verifier matches the challenge, /certs serves the key."""

    def __init__(self) -> None:
        self.codes: dict[str, dict[str, str]] = {}
        self.exchanged: list[str] = []
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                if url.path == "/certs":
                    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
                    self._answer(200, {"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})
                    return
                q = dict(urllib.parse.parse_qsl(url.query))
                assert q["response_type"] == "code" and q["code_challenge_method"] == "S256"
                code = secrets.token_urlsafe(16)
                issuer.codes[code] = q
                self.send_response(302)
                self.send_header("Location", f"{q['redirect_uri']}?code={code}&state={q['state']}")
                self.end_headers()

            def do_POST(self) -> None:
                form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
                asked = issuer.codes.pop(form.get("code", ""), None)
                challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
                if asked is None or challenge.decode().rstrip("=") != asked["code_challenge"] \
                        or form.get("redirect_uri") != asked["redirect_uri"]:  # fmt: skip
                    self._answer(400, {"error": "invalid_grant"})
                    return
                issuer.exchanged.append(form["code"])
                now = int(time.time())
                claims = {"iss": issuer.url, "aud": CLIENT, "sub": "u-2001", "name": "统一认证审核员",
                          "dixian_role": "township_reviewer", "dixian_area": TOWNSHIP, "nonce": asked["nonce"],
                          "iat": now, "exp": now + 300}  # fmt: skip
                self._answer(200, {"id_token": jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"}),
                                   "token_type": "Bearer"})  # fmt: skip

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    found = Issuer()
    threading.Thread(target=found.server.serve_forever, daemon=True).start()
    yield found
    found.server.shutdown()


async def test_a_person_signs_in_with_the_identity_provider(console: Console, issuer: Issuer) -> None:
    port = free_port()
    svc = console.stack.services
    settings = svc.settings.model_copy(update={
        "oidc_issuer": issuer.url, "oidc_jwks_url": f"{issuer.url}/certs", "oidc_audience": CLIENT,
        "oidc_authorization_url": f"{issuer.url}/authorize", "oidc_token_url": f"{issuer.url}/token",
        "console_url": f"http://127.0.0.1:{port}",
    })  # fmt: skip
    verifier = OidcVerifier(issuer.url, f"{issuer.url}/certs", CLIENT, "dixian_role", "dixian_area")
    app = create_app(replace(svc, settings=settings, oidc=verifier, token_secret=None))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        page = await console.page("phone", also=[issuer.url, base])
        await page.goto(f"{base}/console/login")
        assert "村干部甲" not in await page.inner_text("main")  # no list of users to choose from here
        await shot(page, "login-oidc")
        await page.get_by_role("link", name="统一身份认证登录").click()
        await page.wait_for_url(f"{base}/console")
        assert "统一认证审核员" in await page.inner_text("header") and len(issuer.exchanged) == 1
        await shot(page, "home-oidc")

        # A callback the console did not start (a forged or replayed state) signs nobody in.
        other = await console.page("desktop", also=[issuer.url, base])
        answer = await other.goto(f"{base}/console/login/callback?code=forged&state=forged")
        assert answer is not None and answer.status == 400
        assert "登录未完成或已过期" in await other.inner_text("main")
        await other.goto(f"{base}/console")
        assert other.url.endswith("/console/login")
        assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)
    finally:
        server.should_exit = True
        await serving
