"""A production start refuses what an attacker would thank us for: weak or missing secrets, plaintext identity URLs,
CORS open to every origin, Temporal reached without TLS; and it asks nothing it does not need."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from workflows.kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
GOOD: dict[str, Any] = {
    "environment": "production",
    "cipher_key": base64.b64encode(bytes(range(7, 39))).decode(),
    "audit_key": bytes(range(40, 72)).hex(),
    "audit_public": "cd" * 32,
    "command_key": bytes(range(80, 112)).hex(),
    "command_public": "ab" * 32,
    "token_secret": "k3Jx9QvL2mW8zR5tY1uB4nC7eA0sD6fG",
    "temporal_address": "temporal.example.gov.cn:7233",
    "temporal_tls_waived": True,
    "cors_origins": "https://dixian.example.gov.cn",
}


def problems(role: str = "api", **changes: Any) -> list[str]:
    return Settings(**{**GOOD, **changes}).production_problems(role)


@pytest.fixture(autouse=True)
def no_temporal_tls_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("TEMPORAL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml")


def test_a_good_production_configuration_passes_for_every_process() -> None:
    assert [problems(role) for role in ("api", "worker", "projector", "run")] == [[], [], [], []]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"token_secret": "x"}, "DIXIAN_TOKEN_SECRET is weak"),
        ({"token_secret": "a" * 64}, "DIXIAN_TOKEN_SECRET is weak"),
        ({"token_secret": None}, "DIXIAN_TOKEN_SECRET must be set"),
        ({"cipher_key": base64.b64encode(bytes(16)).decode()}, "DIXIAN_CIPHER_KEY must be 32 random bytes"),
        ({"cipher_key": base64.b64encode(bytes(32)).decode()}, "DIXIAN_CIPHER_KEY is not random"),
        ({"cipher_key": None}, "DIXIAN_CIPHER_KEY must be set"),
        ({"command_key": None}, "DIXIAN_COMMAND_KEY must be set"),
        ({"command_key": "11" * 32}, "DIXIAN_COMMAND_KEY is not random"),
        ({"cors_origins": "*"}, "DIXIAN_CORS_ORIGINS: '*'"),
        ({"cors_origins": "https://a.example.gov.cn, http://b.example.gov.cn"}, "'http://b.example.gov.cn'"),
        ({"temporal_tls_waived": False}, "Temporal is reached without TLS"),
        (
            {"oidc_issuer": "http://idp.example.gov.cn", "oidc_jwks_url": "https://idp.example.gov.cn/jwks"},
            "DIXIAN_OIDC_ISSUER must be an https:// URL",
        ),
        (
            {"oidc_issuer": "https://idp.example.gov.cn", "oidc_jwks_url": "http://idp.example.gov.cn/jwks"},
            "DIXIAN_OIDC_JWKS_URL must be an https:// URL",
        ),
        (
            {
                "oidc_issuer": "https://idp.example.gov.cn",
                "oidc_jwks_url": "https://idp.example.gov.cn/jwks",
                "oidc_token_url": "http://idp.example.gov.cn/token",
            },
            "DIXIAN_OIDC_TOKEN_URL must be an https:// URL",
        ),
        (
            {
                "oidc_issuer": "https://idp.example.gov.cn",
                "oidc_jwks_url": "https://idp.example.gov.cn/jwks",
                "console_url": "http://dixian.example.gov.cn",
            },
            "DIXIAN_CONSOLE_URL must be an https:// URL",
        ),
    ],
)
def test_each_weakness_is_refused_by_name(changes: dict[str, Any], named: str) -> None:
    found = problems(**changes)
    assert any(named in p for p in found), found
    with pytest.raises(ValueError, match="refusing to start in production"):
        Settings(**{**GOOD, **changes}).check_production("api")


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"audit_key": "00" * 32}, "DIXIAN_AUDIT_KEY is not random"),
        ({"audit_key": None}, "DIXIAN_AUDIT_KEY must be set"),
    ],
)
def test_the_checkpoint_key_is_asked_of_the_projector_that_signs_with_it(changes: dict[str, Any], named: str) -> None:
    assert any(named in p for p in problems("projector", **changes))
    assert any(named in p for p in problems("run", **changes))


def test_the_api_holds_the_audit_key_s_public_half_only() -> None:
    assert problems("api", audit_key=None) == []  # it never makes a checkpoint
    assert any("DIXIAN_AUDIT_PUBLIC_KEY must be set" in p for p in problems("api", audit_public=None))
    with pytest.raises(ValueError, match="DIXIAN_AUDIT_PUBLIC_KEY"):
        Settings(**{**GOOD, "audit_public": None}).audit_public_key()
    assert Settings(**GOOD).audit_public_key() == "cd" * 32


def test_only_what_a_process_uses_is_asked_of_it() -> None:
    # With an identity provider the API needs no token secret; the worker needs neither it nor the audit key.
    oidc = {"oidc_issuer": "https://idp.example.gov.cn", "oidc_jwks_url": "https://idp.example.gov.cn/jwks"}
    assert problems(token_secret=None, **oidc) == []
    assert problems("worker", token_secret=None, audit_key=None, command_key=None) == []
    assert any("DIXIAN_COMMAND_PUBLIC_KEY" in p for p in problems("worker", command_public=None))
    assert problems("projector", token_secret=None) == []
    assert any("DIXIAN_AUDIT_KEY" in p for p in problems("projector", audit_key=None))


def test_temporal_tls_from_temporals_own_variables_satisfies_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_TLS", "true")
    assert problems(temporal_tls_waived=False) == []
    monkeypatch.delenv("TEMPORAL_TLS")
    monkeypatch.setenv("TEMPORAL_API_KEY", "an-api-key")
    assert problems(temporal_tls_waived=False) == []


def test_development_asks_nothing() -> None:
    assert Settings(environment="development", token_secret="x", cors_origins="*").production_problems("api") == []


def test_dixian_run_in_production_refuses_before_starting_anything(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIXIAN_", "TEMPORAL_", "DATABASE_URL"))}
    env |= {"DIXIAN_ENV": "production", "DIXIAN_DATA_DIR": str(tmp_path / "d"), "DIXIAN_TOKEN_SECRET": "x"}
    result = subprocess.run(
        [sys.executable, "-m", "worker.cli", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "refusing to start in production" in result.stderr and "DIXIAN_TOKEN_SECRET is weak" in result.stderr
    assert not (tmp_path / "d").exists()  # nothing made, nothing started


def test_no_development_tokens_in_production(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIXIAN_")}
    env |= {"DIXIAN_ENV": "production", "DIXIAN_DATA_DIR": str(tmp_path), "DIXIAN_TOKEN_SECRET": GOOD["token_secret"]}
    result = subprocess.run([sys.executable, "-m", "api.devtokens"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout == "" and "no development tokens in production" in result.stderr
    assert not (tmp_path / "tokens").exists()


def test_checkpoints_are_signed_every_few_seconds_while_events_flow() -> None:
    # The window in which the newest events could be deleted unnoticed (README, threat model): seconds, not minutes.
    assert Settings().checkpoint_seconds == 5
    with pytest.raises(ValueError):
        Settings(checkpoint_seconds=3601)


def test_each_child_of_the_stack_is_given_only_the_secrets_it_uses() -> None:
    from worker.cli import child_env

    every = {"DIXIAN_TOKEN_SECRET": "t", "DIXIAN_AUDIT_KEY": "a", "DIXIAN_COMMAND_KEY": "c", "DIXIAN_CIPHER_KEY": "k",
             "DIXIAN_AUDIT_PUBLIC_KEY": "ap", "DIXIAN_COMMAND_PUBLIC_KEY": "cp"}  # fmt: skip
    secret = {"DIXIAN_TOKEN_SECRET", "DIXIAN_AUDIT_KEY", "DIXIAN_COMMAND_KEY"}
    given = {role: set(child_env(role, every)) & secret for role in ("api", "worker", "projector")}
    assert given == {
        "api": {"DIXIAN_TOKEN_SECRET", "DIXIAN_COMMAND_KEY"},  # no audit key: it verifies checkpoints, never signs
        "worker": set(),
        "projector": {"DIXIAN_AUDIT_KEY"},
    }
    assert all({"DIXIAN_AUDIT_PUBLIC_KEY", "DIXIAN_CIPHER_KEY"} <= set(child_env(r, every)) for r in given)
