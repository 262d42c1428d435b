"""`dixian user add|list|change|disable|enable` against a real PostgreSQL, and `dixian token` minting for accounts
as they stand (never for a disabled one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.auth import read_token
from tests.worker.conftest import run

VILLAGE, OTHER_VILLAGE = "990102101001", "990102101002"


def test_users_are_kept_from_the_command_line_and_a_disabled_one_gets_no_token(
    cli_env: dict[str, str], tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIXIAN_TOKEN_SECRET", raising=False)
    add = ("user", "add", "--id", "cadre-9", "--name", "村干部九", "--role", "village_cadre", "--area", VILLAGE)
    assert run(*add, "--unit", "玉坪村委会") == 0
    assert "cadre-9" in capfd.readouterr().out
    assert run("user", "change", "--id", "cadre-9", "--area", OTHER_VILLAGE) == 1  # refused: a change needs its reason
    assert "reason" in capfd.readouterr().err
    assert run("user", "change", "--id", "cadre-9", "--area", OTHER_VILLAGE, "--reason", "调往另一村") == 0
    capfd.readouterr()

    assert run("token", "--user", "cadre-9") == 0
    secret = (tmp_path / ".dixian" / "token-secret").read_text().strip()
    actor = read_token(secret, capfd.readouterr().out.strip())
    assert (actor.id, actor.area_code, actor.name) == ("cadre-9", OTHER_VILLAGE, "村干部九")  # as the account stands

    assert run("user", "disable", "--id", "cadre-9", "--reason", "调离") == 0
    assert run("user", "list") == 0
    listed = capfd.readouterr().out
    assert "cadre-9" in listed and "已停用" in listed and OTHER_VILLAGE in listed and "共 1 个账号" in listed
    assert "村干部九" in listed and "玉坪乡 青龙村" in listed  # the name, and the area by its name
    assert run("token", "--user", "cadre-9") == 2
    assert "disabled" in capfd.readouterr().err

    assert run("user", "add", "--id", "bad id", "--name", "x", "--role", "village_cadre", "--area", VILLAGE) == 1
    assert "user_id" in capfd.readouterr().err
    assert run("user", "disable", "--id", "nobody", "--reason", "x") == 1  # refused: no such account here
