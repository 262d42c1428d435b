"""What `dixian ops|report|audit|user` print for people, against a real PostgreSQL: tables whose columns line up by
display width (a Chinese character takes two columns), villages and people by name, every time in Asia/Shanghai, and
a refusal ending the command with exit status 1 and one Chinese line on standard error."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from domain.kernel.errors import ErrorKind
from domain.kernel.messages import message_zh
from domain.kernel.time import SHANGHAI
from domain.ledger import Ledger
from tests.worker.conftest import run
from worker.cli.show import localized, table, when, width
from worker.main import projection_runner

VILLAGE = "990102101001"  # 玉坪乡 玉坪村
SHANGHAI_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def display_cells(line: str) -> list[str]:
    """The line as a terminal shows it: one slot per column, a wide character in the first of its two."""
    cells: list[str] = []
    for ch in line:
        cells += [ch] if width(ch) == 1 else [ch, ""]
    return cells


def assert_columns_line_up(lines: list[str]) -> None:
    """Every row of a table keeps to the columns its rule (the ``----  ------`` line) marks: the gaps between them
    hold nothing but spaces, no wide character straddles a column's edge, and a left-aligned cell starts at its
    column's first slot."""
    rule = next(i for i, line in enumerate(lines) if set(line) <= {"-", " "} and "-" in line)
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[rule])]
    assert len(spans) >= 2
    for line in [lines[rule - 1], *lines[rule + 1 :]]:
        cells = display_cells(line)
        for (_, end), (start, _) in pairwise(spans):
            gap = cells[end:start]
            assert all(c == " " for c in gap), f"{line!r}: something in the gap {end}..{start}"
            assert start >= len(cells) or cells[start] != "", f"{line!r}: a wide character straddles column {start}"


def test_a_table_of_chinese_names_lines_up_by_display_width() -> None:
    rows = [
        ["c1", "欧阳娜娜", "玉坪乡 玉坪村", 3],
        ["county-approver-2", "李四", "示范县", 12],
        ["x", "Zoë", "青龙村", 0],
    ]
    lines = table(["账号", "姓名", "区划", "案件数"], rows)
    assert_columns_line_up(lines)
    # Each line is as wide, on a terminal, as the header and rule say (the figures end on the same column).
    assert {width(line) for line in lines} == {width(lines[1])}
    assert lines[2].startswith("c1                 欧阳娜娜  玉坪乡 玉坪村       3")
    assert width("欧阳娜娜") == 8 and width("Zoë") == 3 and width("e\u0301") == 1


def test_times_are_printed_in_shanghai() -> None:
    assert when(datetime(2026, 3, 1, 1, 30, tzinfo=UTC)) == "2026-03-01 09:30"
    assert when("2026-02-28T17:30:00+00:00") == "2026-03-01 01:30"
    assert (
        localized("nothing recorded since 2026-02-28T17:30:05.123+00:00.") == "nothing recorded since 2026-03-01 01:30."
    )
    assert table(["时间"], [[datetime(2026, 3, 1, 1, 30, tzinfo=UTC)]])[2] == "2026-03-01 09:30"


def test_ops_tables_name_villages_line_up_and_tell_shanghai_time(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("demo", "--households", "200", "--cases") == 0
    ledger = Ledger(cli_env)
    try:
        with projection_runner(cli_env) as projections:
            projections.wait_for(ledger.recorder.max_notification_id())
    finally:
        ledger.close()
    capsys.readouterr()

    assert run("ops", "at-risk") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["时限", "乡镇", "村", "案件或排查工作", "到期日", "逾期天数", "说明"]
    assert_columns_line_up(out[:-1])
    assert all("玉坪乡 " in line for line in out[2:-1])  # villages by name (the case id beside: `repair --case`)
    printed = datetime.strptime(SHANGHAI_MINUTE.search(out[-1]).group(0), "%Y-%m-%d %H:%M")  # type: ignore[union-attr]
    assert abs(printed.replace(tzinfo=SHANGHAI) - datetime.now(SHANGHAI)) < timedelta(minutes=5)

    assert run("ops", "summary") == 0
    out = capsys.readouterr().out.splitlines()
    assert "截至" in out[0] and SHANGHAI_MINUTE.search(out[0])
    villages = out[out.index("") + 1 :]
    villages = villages[villages.index("") + 1 :]
    assert villages[0].split()[:2] == ["乡镇", "村"]
    assert_columns_line_up(villages[: villages.index("")])

    assert run("ops", "overdue", "--json") == 0
    body = json.loads(capsys.readouterr().out)
    assert body["as_of"].endswith("+08:00") and all(i["due_at"].endswith("+08:00") for i in body["items"])


def test_user_list_lines_up_with_names_and_areas(cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    add = ("user", "add", "--role", "village_cadre", "--area", VILLAGE)
    assert run(*add, "--id", "c-1", "--name", "欧阳娜娜", "--unit", "玉坪村委会", "--office", "party_secretary",
               "--office", "committee_director") == 0  # fmt: skip
    assert run(*add, "--id", "cadre-with-a-long-id", "--name", "Li", "--unit", "") == 0
    assert (
        run("user", "add", "--id", "county-9", "--name", "王五", "--role", "county_approver", "--area", "990102") == 0
    )
    capsys.readouterr()
    assert run("user", "list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["账号", "姓名", "角色", "区划", "区划代码", "单位", "村职务", "状态", "生效自"]
    assert_columns_line_up(out[:-1])
    assert "欧阳娜娜" in out[2] and "玉坪乡 玉坪村" in out[2] and "示范县" in out[4] and out[-1] == "共 3 个账号"
    assert "村党组织书记、村委会主任" in out[2]  # 一肩挑
    assert run("user", "change", "--id", "c-1", "--unit", "村委会", "--reason", "改单位") == 0  # offices stay
    assert "村党组织书记、村委会主任" in capsys.readouterr().out
    assert run("user", "change", "--id", "c-1", "--office", "none", "--reason", "换届") == 0
    assert "村党组织书记" not in capsys.readouterr().out


def test_a_refusal_exits_1_with_one_chinese_line(cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run("report", "3-1", "--period", "not-a-period") == 1
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == "" and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(message_zh("period_format", ErrorKind.INVALID)) and "period: period_format" in err

    assert run("user", "disable", "--id", "nobody", "--reason", "离职") == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(message_zh("known_account", ErrorKind.NOT_FOUND))

    assert run("ops", "repair", "--reason", "x") == 2  # a usage error: which case, and what to do?
    assert "--case" in capsys.readouterr().err
    assert run("ops", "overdue", "--area", "123") == 2


def test_audit_tells_its_checkpoint_and_the_store_in_shanghai_time(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIXIAN_AUDIT_KEY", bytes(range(32)).hex())
    assert run("demo", "--households", "5") == 0
    capsys.readouterr()
    assert run("audit", "checkpoint") == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("已签署检查点 #1：") and line.endswith("（北京时间）") and SHANGHAI_MINUTE.search(line)
    assert run("audit", "checkpoint") == 0
    assert capsys.readouterr().out.strip() == "上一个检查点之后没有新的事件，无需签署。"
    assert run("audit", "verify-store") == 0
    out = capsys.readouterr().out
    assert out.startswith("核验通过：") and "最近的检查点 #1（" in out
    assert run("audit", "verify-store", "--json") == 0
    assert json.loads(capsys.readouterr().out)["holds"] is True
