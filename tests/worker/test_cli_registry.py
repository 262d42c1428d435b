"""`dixian import FILE` and `dixian demo` against a real PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import jwt
import pytest

from domain.ledger import Ledger
from domain.registry.household import household_id
from tests.integration.registry_support import household, roster_bytes, rows_of
from tests.worker.conftest import run
from worker.main import projection_runner

VILLAGE = "990102101001"


def test_import_writes_the_households_and_reports_refused_rows(
    cli_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = household("HH-CLI-001", VILLAGE, 61), household("HH-CLI-002", VILLAGE, 62)
    rows = rows_of(good, bad)
    rows[-1]["birth_date"] = "1899-01-01"
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_bytes(rows, "csv"))

    assert run("import", str(path), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["households"] == {"total": 2, "created": 1, "changed": 0, "unchanged": 0, "rejected": 1}
    assert {(e["household_number"], e["field"]) for e in report["errors"]} >= {("HH-CLI-002", "birth_date")}
    ledger = Ledger(cli_env)
    try:
        stored = ledger.registry.household("HH-CLI-001")
        assert stored["village_code"] == VILLAGE and len(stored["members"]) == 3
        assert list(ledger.events.get(household_id("HH-CLI-002"))) == []  # the refused household: nothing
    finally:
        ledger.close()

    assert run("import", str(path)) == 0  # again: nothing changes
    assert "0 created, 0 changed, 1 unchanged, 1 rejected" in capsys.readouterr().out


def test_import_refuses_a_file_it_cannot_read(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"not a workbook")
    assert run("import", str(path)) == 2
    path = tmp_path / "roster.txt"
    path.write_bytes(b"x")
    assert run("import", str(path)) == 2


def test_ops_summary_prints_the_counts(cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run("ops", "summary", "--json") == 0
    body = json.loads(capsys.readouterr().out)
    assert body["area_code"] == "990102" and body["cases_by_stage"] == {} and body["past_due_now"] == {}
    assert run("ops", "overdue", "--area", "990102101", "--json") == 0
    assert json.loads(capsys.readouterr().out)["items"] == []
    assert run("ops", "summary") == 0
    assert "案件：无" in capsys.readouterr().out
    assert run("ops", "repair", "--reason", "x") == 2  # which case, and what to do?


def test_the_demo_opens_late_and_timely_cases_for_households_at_risk(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("demo", "--households", "200", "--cases") == 0
    assert "10 cases" in capsys.readouterr().out  # one in twenty households, all at risk by the demo's screening
    ledger = Ledger(cli_env)
    try:
        from datetime import UTC, datetime

        from domain.kernel.time import local_date

        today = local_date(datetime.now(UTC))
        ages = []
        for n in ledger.recorder.select_notifications(0, 100_000):
            if n.topic.endswith(":CaseOpened"):
                view = ledger.cases.view(n.originator_id, datetime.now(UTC))
                assert view["household"]["household_number"].startswith("DEMO-") and view["source"] == "cadre_screening"
                ages.append((today - view["clue_date"]).days)
        assert sorted(set(ages)) == [5, 14, 20] and len(ages) == 10
        late = ages.count(20)
        with projection_runner(cli_env) as projections:
            projections.wait_for(ledger.recorder.max_notification_id())
    finally:
        ledger.close()
    # The operations table lists the cases past their identification deadline (20 days old: 5 days late).
    assert run("ops", "overdue") == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith("识别认定时限")]  # kind, village, case, due day, days late, note
    assert late > 0 and len(rows) == late and all(line.split()[-2] == "5" for line in rows)
    assert all("玉坪乡 " in line and "帮扶责任人" in line for line in rows)  # the village by name, nobody's name
    assert out[-1].startswith(f"共 {late} 项：识别认定时限 {late}（截至 ")


def test_report_and_projection_rebuild_from_the_terminal(
    cli_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("demo", "--households", "120") == 0
    capsys.readouterr()
    assert run("projections", "rebuild") == 0  # from zero: the read models are empty before it
    out = capsys.readouterr().out
    assert "已重建 case_summaries、registry、reports：" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("case_summaries ", "registry ", "reports "))]
    assert len(rows) == 3 and all(row[-1] == "0" for row in rows)  # none behind

    period = f"2023-02-01..{date.today() + timedelta(days=1)}"  # the demo registers its households today
    assert run("report", "3-4", "--scope", "990102101", "--period", period) == 0
    doc = json.loads(capsys.readouterr().out)
    total = doc["rows"][0]
    assert total["unit"] == "市合计" and total["values"][1] == 120  # 农户总数: every demo household
    assert total["values"][5] == sum(total["values"][6:]) > 0  # staff, each under one identity
    xlsx = tmp_path / "3-4.xlsx"
    assert run("report", "3-4", "--scope", "990102101", "--period", period, "--out", str(xlsx)) == 0
    assert xlsx.read_bytes().startswith(b"PK")
    assert xlsx.stat().st_mode & 0o777 == 0o600  # a file the command line writes is its owner's alone
    roster = tmp_path / "demo.csv"
    roster.write_text("older, readable by all")
    roster.chmod(0o644)
    assert run("demo", "--households", "3", "--out", str(roster)) == 0
    assert roster.stat().st_mode & 0o777 == 0o600 and "older" not in roster.read_text(encoding="utf-8-sig")
    assert run("report", "3-1", "--period", "1") == 1  # refused: no campaign and no plan date, which cycle?
    assert "period: " in capsys.readouterr().err


def test_a_development_token_for_a_seeded_user(
    cli_env: dict[str, str], tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.auth import read_token

    monkeypatch.delenv("DIXIAN_TOKEN_SECRET", raising=False)
    assert run("token", "--user", "township-yuping", "--hours", "2") == 0
    token = capfd.readouterr().out.strip()
    secret = (tmp_path / ".dixian" / "token-secret").read_text().strip()
    actor = read_token(secret, token)
    assert (actor.id, actor.role.value, actor.area_code) == ("township-yuping", "township_reviewer", "990102101")
    claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_iss": False})
    assert claims["exp"] - claims["iat"] == 2 * 3600  # as asked; never past a week
    assert run("token", "--user", "township-yuping", "--hours", "169") == 2
    assert run("token", "--user", "nobody") == 2
    assert "no user 'nobody'" in capfd.readouterr().err
    monkeypatch.setenv("DIXIAN_ENV", "production")
    monkeypatch.setenv("DIXIAN_TOKEN_SECRET", "x" * 40)
    assert run("token", "--user", "township-yuping") == 2
    assert "identity provider" in capfd.readouterr().err
