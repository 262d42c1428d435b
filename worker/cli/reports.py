"""`dixian report TABLE …` (the seed's tables 附件3-1 to 3-4) and `dixian projections status | rebuild`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from worker.cli.failures import store_env
from worker.cli.files import write_private
from worker.cli.show import table, when
from workflows.kernel.settings import Settings

READ_MODELS = ("case_summaries", "registry", "reports")


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """A statistical table (3-1, 3-2, 3-3, 3-4) for an area and a period, as JSON, CSV or XLSX."""
    from domain.kernel.time import local_date
    from domain.ledger import Ledger
    from domain.readmodels.registry import open_registry_view
    from domain.readmodels.reports import open_report_view
    from domain.reports.tables import Table
    from workflows.reports.files import to_csv, to_xlsx
    from workflows.reports.service import ReportRequestError, ReportService

    env = store_env(settings)
    ledger = Ledger(env)
    try:
        reports = ReportService(ledger, open_report_view(env), open_registry_view(env), settings.plan_issued_on)
        scope = args.scope or ledger.areas.county().code
        period = reports.period(scope, args.period, local_date(datetime.now(UTC)))
        doc = reports.table(Table(args.table), scope, period, args.cutoff)
        fmt = args.format or (Path(args.out).suffix.lstrip(".") if args.out else default_format())
        if fmt == "table":
            body = ("\n".join(report_table(doc)) + "\n").encode()
        elif fmt == "json":
            body = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()
        elif fmt == "csv":
            body = to_csv(doc)
        elif fmt == "xlsx":
            body = to_xlsx(doc)
        else:
            raise ReportRequestError(f"unknown format {fmt!r}: table, json, csv or xlsx", "format", "known_format")
        if args.out:
            write_private(Path(args.out), body)
            print(f"{heading(doc)}：{args.out}")
        else:
            sys.stdout.buffer.write(body)
        return 0
    finally:
        ledger.close()


def default_format() -> str:
    """A table for a person at a terminal, JSON for a program reading a pipe or a file."""
    return "table" if sys.stdout.isatty() else "json"


def heading(doc: dict[str, Any]) -> str:
    """What a report is: its annex and title, the area by name, the period, and the facts it rests on."""
    period, cutoff = doc["period"], doc["cutoff"]
    checkpoint = cutoff.get("checkpoint") or {}
    signed = f"，检查点 #{checkpoint['number']}" if checkpoint else ""
    if checkpoint.get("made_at"):
        signed += f"（{when(checkpoint['made_at'])}）"
    return (
        f"{doc['annex']} {doc['title']}：{doc['scope']['name']}（{doc['scope']['code']}），"
        f"{period['first_day']} 至 {period['last_day']}，截至事件 {cutoff['position']}{signed}"
    )


def report_table(doc: dict[str, Any]) -> list[str]:
    """A statistical table for a terminal: one column per figure, headed by its header cells from the top down
    (``合计/户数``), one row per unit by name, aligned by display width."""
    cells = doc["headers"]
    columns = 1 + max(c["col"] + c["cols"] - 1 for c in cells)
    names = []
    for col in range(columns):
        above = sorted((c for c in cells if c["col"] <= col < c["col"] + c["cols"]), key=lambda c: c["row"])
        names.append("/".join(" ".join(c["text"].split()) for c in above))
    rows = [[r["no"], r["unit"], *r["values"]] for r in doc["rows"]]
    lines = [heading(doc), *table(names, rows)]
    return [*lines, doc["note"]] if doc.get("note") else lines


def cmd_projections(settings: Settings, args: argparse.Namespace) -> int:
    """Read models: `status` (how far each trails the event store), `rebuild [NAME]` (empty it and project every
    event again; stop the projector first, as a running one would carry on from where it was)."""
    from domain.ledger import Ledger
    from domain.readmodels.cases import open_summary_view
    from domain.readmodels.registry import open_registry_view
    from domain.readmodels.reports import open_report_view
    from worker.main import projection_runner
    from workflows.ops.service import lag_of

    env = store_env(settings)
    ledger = Ledger(env)
    try:
        views: dict[str, Any] = {
            "case_summaries": open_summary_view(env),
            "registry": open_registry_view(env),
            "reports": open_report_view(env),
        }
        top = ledger.recorder.max_notification_id() or 0
        if args.action == "rebuild":
            chosen = READ_MODELS if args.name in (None, "all") else (args.name,)
            started = time.perf_counter()
            for name in chosen:
                views[name].clear()
            with projection_runner(env) as projections:
                projections.wait_for(top, timeout=args.timeout)
            print(f"已重建 {'、'.join(chosen)}：{top} 个事件，用时 {time.perf_counter() - started:.1f} 秒")
        rows = [
            [name, view.max_tracking_id(ledger.name) or 0, top, lag_of(ledger, name, view)]
            for name, view in views.items()
        ]
        print("\n".join(table(["读模型", "已处理到事件", "事件库最新", "尚未处理"], rows)))
        return 0
    except TimeoutError as e:
        print(
            f"读模型没有在 {args.timeout} 秒内追上事件库（timeout）：请稍后用 status 查看进度（{e}）", file=sys.stderr
        )
        return 1
    finally:
        ledger.close()


def add_commands(sub: Any) -> None:
    p = sub.add_parser("report", help=(cmd_report.__doc__ or "").strip(), description=cmd_report.__doc__)
    p.add_argument("table", choices=["3-1", "3-2", "3-3", "3-4"])
    p.add_argument("--scope", help="an area code (default: the county)")
    p.add_argument("--period", help="a cycle number (1, 2, …) or YYYY-MM-DD..YYYY-MM-DD (default: the current cycle)")
    p.add_argument(
        "--format", choices=["table", "json", "csv", "xlsx"],
        help="default: from --out's suffix; else a table on a terminal, JSON into a pipe or file",
    )  # fmt: skip
    p.add_argument("--cutoff", type=int, help="a position of the event log (default: as far as the facts go)")
    p.add_argument("--out", help="write to this file")
    p.set_defaults(func=cmd_report, wants_args=True)
    p = sub.add_parser("projections", help=(cmd_projections.__doc__ or "").strip(), description=cmd_projections.__doc__)
    p.add_argument("action", choices=["status", "rebuild"])
    p.add_argument("name", nargs="?", choices=[*READ_MODELS, "all"], help="for rebuild: one read model (default all)")
    p.add_argument("--timeout", type=float, default=3600.0, help="for rebuild: seconds to wait for it to catch up")
    p.set_defaults(func=cmd_projections, wants_args=True)
