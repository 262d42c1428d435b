"""Bearer tokens: who is calling (actor id, name, role, area code), signed with a local secret (HS256).

Production deployments will validate tokens of an OIDC issuer instead (issue #8); the claims stay the same.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import jwt

from domain.areas import level_of
from domain.errors import NotPermittedError
from domain.policy import check_actor_level
from domain.values import Actor, Role

ALGORITHM = "HS256"
_SUBJECT = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
ISSUER = "dixian-dev"
# Roles a token may carry: the system's own identity is never handed to a caller.
TOKEN_ROLES = frozenset(Role) - {Role.SYSTEM}


class TokenError(Exception):
    """The bearer token is missing, malformed, expired or not ours."""


def issue_token(secret: str, actor: Actor, ttl: timedelta = timedelta(days=30)) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": actor.id,
        "name": actor.name,
        "role": actor.role.value,
        "area": actor.area_code,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(secret: str, token: str) -> Actor:
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "sub", "iss"]}
        )
    except jwt.PyJWTError as e:
        raise TokenError(str(e)) from None
    try:
        role = Role(str(claims.get("role", "")))
    except ValueError:
        raise TokenError("unknown role in token") from None
    if role not in TOKEN_ROLES:
        raise TokenError("role not allowed in a token")
    subject, area, name = str(claims["sub"]), str(claims.get("area", "")), str(claims.get("name", ""))
    if not _SUBJECT.match(subject) or len(name) > 100 or any(ord(c) < 32 for c in name):
        raise TokenError("malformed subject or name claim")
    # Every role acts for an area of the tree: a missing or malformed code would scope nothing.
    if level_of(area) is None:
        raise TokenError("the area claim must be a county, township or village code")
    actor = Actor(id=subject, role=role, area_code=area, name=name)
    try:
        check_actor_level(actor)
    except NotPermittedError as e:
        raise TokenError(e.message) from None
    return actor
