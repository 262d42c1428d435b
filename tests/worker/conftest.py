"""The command line's tests: its environment (a fresh database, a data folder of the test's own) and a runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.cli import main


@pytest.fixture
def cli_env(es_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    for key in ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME", "POSTGRES_USER", "POSTGRES_PASSWORD"):
        monkeypatch.setenv(key, es_env[key])
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DIXIAN_DATA_DIR", str(tmp_path / ".dixian"))
    monkeypatch.setattr("worker.cli.configure_logging", lambda **_: None)  # keep pytest's streams out of logging
    return es_env


def run(*argv: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    return int(exit_info.value.code or 0)
