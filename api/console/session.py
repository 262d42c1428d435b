"""The console's sessions: a signed cookie naming the signed-in user (id, name, role, area), when it was issued and
when it ends, and the CSRF token every form of the session carries.

The cookie is HttpOnly, SameSite=Lax, Secure in production, and limited to ``/console``. Its key is derived from the
API's own key (an Ed25519 signature is deterministic, so every replica holding that key derives the same), so a
session is not a bearer token for the JSON API, and nothing new has to be configured. A session is judged like a
token on every request: the user's account may refuse it (disabled, or changed since it was issued).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.kernel.actors import Actor, Role
from workflows.kernel.keys import SigningKey

COOKIE = "dixian_session"
LOGIN_COOKIE = "dixian_login"  # the sign-in form's own CSRF token, before there is a session
PATH = "/console"
TTL = timedelta(hours=8)  # one working day; then sign in again


@dataclass(frozen=True)
class Session:
    actor: Actor
    issued_at: datetime
    expires_at: datetime
    csrf: str


@functools.lru_cache(maxsize=4)
def session_key(signer: SigningKey) -> bytes:
    """The key that signs the console's cookies: derived once per process from the API's own key."""
    signature, _, _ = signer.sign(b"dixian console session key v1")
    return hashlib.sha256(bytes.fromhex(signature)).digest()


def seal(key: bytes, body: dict[str, Any]) -> str:
    """``body`` as a cookie value that ``unseal`` gives back unchanged, or not at all."""
    text = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{text}.{_mac(key, text)}"


def unseal(key: bytes, cookie: str | None) -> dict[str, Any] | None:
    """What ``seal`` sealed with ``key``, if the cookie is whole and ours."""
    if not cookie or "." not in cookie:
        return None
    text, mac = cookie.rsplit(".", 1)
    if not hmac.compare_digest(mac, _mac(key, text)):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def issue(key: bytes, actor: Actor, now: datetime) -> tuple[str, Session]:
    session = Session(actor, now, now + TTL, secrets.token_urlsafe(24))
    body = {"u": actor.id, "n": actor.name, "r": actor.role.value, "a": actor.area_code,
            "iat": int(now.timestamp()), "exp": int(session.expires_at.timestamp()), "c": session.csrf}  # fmt: skip
    if actor.department:
        body["d"] = actor.department
    return seal(key, body), session


def read(key: bytes, cookie: str | None, now: datetime) -> Session | None:
    """The session a cookie carries, if it is ours, whole and not expired."""
    body = unseal(key, cookie)
    if body is None:
        return None
    try:
        actor = Actor(id=str(body["u"]), role=Role(body["r"]), area_code=str(body["a"]), name=str(body["n"]),
                      department=str(body.get("d", "")))  # fmt: skip
        issued, expires = datetime.fromtimestamp(body["iat"], UTC), datetime.fromtimestamp(body["exp"], UTC)
    except (ValueError, KeyError, TypeError):
        return None
    if now >= expires:
        return None
    return Session(actor, issued, expires, str(body["c"]))


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
