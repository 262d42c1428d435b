"""Bearer tokens: who is calling (actor id, name, role, area code).

Two ways to trust a token: the embedded default signs its own with a local secret (HS256, `dixian token`), and a
production deployment validates those of its OIDC issuer (RS256/ES256/PS256 against the issuer's JWKS, with issuer
and audience checked). When an issuer is configured, only its tokens are accepted. The claims are the same either
way: ``sub`` (user id), ``name``, a role claim and an area claim (names configurable for the issuer), and for a
行业部门 its ``department``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from domain.kernel.actors import PERSON_ROLES, USER_ID, Actor, Role
from domain.kernel.areas import level_of
from domain.kernel.errors import NotPermittedError
from domain.kernel.permissions import check_actor_level

ALGORITHM = "HS256"
ISSUER = "dixian-dev"
TOKEN_ROLES = PERSON_ROLES  # the system's own identity is never handed to a caller


class TokenError(Exception):
    """The bearer token is missing, malformed, expired or not ours."""


# How long a development token is good for: one working day, so a token copied out of a terminal soon expires.
DEV_TOKEN_TTL = timedelta(hours=12)
DEV_TOKEN_MAX_HOURS = 7 * 24


def issue_token(secret: str, actor: Actor, ttl: timedelta = DEV_TOKEN_TTL) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": actor.id,
        "name": actor.name,
        "role": actor.role.value,
        "area": actor.area_code,
        **({"department": actor.department} if actor.department else {}),
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
    return actor_from_claims(claims, "role", "area")


def issued_at(token: str) -> datetime | None:
    """When a token, already verified, says it was issued (its ``iat``), or None if it does not say."""
    iat = jwt.decode(token, options={"verify_signature": False}).get("iat")
    return datetime.fromtimestamp(iat, UTC) if isinstance(iat, int | float) else None


class OidcVerifier:
    """Tokens of an OIDC issuer: signature by a key of its JWKS (fetched and cached), issuer, audience, expiry."""

    ALGORITHMS = ("RS256", "ES256", "PS256")  # never HS256: a public key must not double as a shared secret

    def __init__(self, issuer: str, jwks_url: str, audience: str, role_claim: str, area_claim: str) -> None:
        self.issuer, self.audience = issuer, audience
        self.role_claim, self.area_claim = role_claim, area_claim
        self.keys = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300, timeout=5)

    def read(self, token: str) -> Actor:
        return actor_from_claims(self.claims(token), self.role_claim, self.area_claim)

    def claims(self, token: str) -> dict[str, object]:
        """A token's claims once its signature, issuer, audience and expiry hold (TokenError otherwise)."""
        try:
            key = self.keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token, key.key, algorithms=list(self.ALGORITHMS), issuer=self.issuer, audience=self.audience,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )  # fmt: skip
        except jwt.PyJWKClientConnectionError:
            raise TokenError("the identity provider's keys cannot be fetched") from None
        except jwt.PyJWTError as e:
            raise TokenError(str(e)) from None
        return dict(claims)


def actor_from_claims(claims: dict[str, object], role_claim: str, area_claim: str) -> Actor:
    """The caller as the claims name them, refused unless role and area are Dixian's and fit together."""
    try:
        role = Role(str(claims.get(role_claim, "")))
    except ValueError:
        raise TokenError("unknown role in token") from None
    if role not in TOKEN_ROLES:
        raise TokenError("role not allowed in a token")
    subject, area, name = str(claims["sub"]), str(claims.get(area_claim, "")), str(claims.get("name", ""))
    if not USER_ID.match(subject) or len(name) > 100 or any(ord(c) < 32 for c in name):
        raise TokenError("malformed subject or name claim")
    # Every role acts for an area of the tree: a missing or malformed code would scope nothing.
    if level_of(area) is None:
        raise TokenError("the area claim must be a county, township or village code")
    actor = Actor(id=subject, role=role, area_code=area, name=name, department=str(claims.get("department", "")))
    try:
        check_actor_level(actor)
    except NotPermittedError as e:
        raise TokenError(e.message) from None
    return actor
