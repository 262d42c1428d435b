"""`dixian ops …`: what the operations role (运维) watches, from the terminal beside a running stack: deadlines past
or near, a summary, stuck workflows and their repair, and the connections the stack may hold.

Tables name villages (from the area tree) and campaigns, never a person: the operations role sees no personal data
(``domain.kernel.privacy``), so a case is shown by its id and village only (the id is what `repair --case` takes).
Times are Asia/Shanghai's; ``--json`` gives the API's JSON, masked the same way, its times in +08:00.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.kernel.actors import Role
from domain.kernel.areas import AreaTree
from domain.kernel.privacy import seen_by
from domain.kernel.time import day_of_deadline
from worker.cli.failures import TEMPORAL_NOT_RUNNING, UnavailableError, probe, store_env
from worker.cli.show import in_shanghai, localized, place, table, when
from workflows.kernel.settings import Settings
from workflows.ops.service import DUE_SOON_DAYS, PROBLEM_LABELS


def cmd_ops(settings: Settings, args: argparse.Namespace) -> int:
    """Operations: overdue | at-risk | summary | stuck | reconcile --reason R | repair --case ID --action retry|restart
    --reason R | connections, for an area (default: the county); a table (villages by name, times in Asia/Shanghai, no
    personal data), or the API's JSON with --json."""
    if args.action == "connections":
        return connections(settings, args.json)
    from domain.ledger import Ledger
    from domain.readmodels.cases import open_summary_view
    from domain.readmodels.registry import open_registry_view
    from domain.readmodels.reports import open_report_view
    from workflows.ops.service import OpsService

    env = store_env(settings)
    ledger = Ledger(env)
    try:
        views = open_summary_view(env), open_registry_view(env), open_report_view(env)
        ops = OpsService(ledger, *views, settings.plan_issued_on)
        area = args.area or ledger.areas.county().code
        if ledger.areas.get(area) is None:
            raise ValueError(f"--area {area}: not an area of the configured tree")
        now = datetime.now(UTC)
        if args.action in ("stuck", "reconcile", "repair"):
            report = asyncio.run(_ops_temporal(settings, args, ops, area, now))
        elif args.action == "summary":
            report = ops.summary(area, now)
        else:
            within = timedelta(days=args.days) if args.action == "at-risk" else timedelta(0)
            report = ops.deadlines(area, now, within)
        report = seen_by(Role.OPS, report)  # as the API answers the operations role: no person's data
        if args.json:
            print(json.dumps(in_shanghai(report), ensure_ascii=False, indent=2, default=str))
        else:
            print("\n".join(ops_table(args.action, report, ledger.areas)))
        return 0
    except ValueError as e:
        print(f"dixian ops {args.action}: {e}", file=sys.stderr)
        return 2
    finally:
        ledger.close()


def ops_table(action: str, report: dict[str, Any], areas: AreaTree) -> list[str]:
    """The report as lines for a terminal."""
    if action in ("overdue", "at-risk"):
        return _deadlines(report, areas)
    if action == "stuck":
        rows = [
            [PROBLEM_LABELS.get(i["problem"], i["problem"]), place(areas, i["village_code"]), i["case_id"],
             localized(i["detail"]), i["temporal_ui"]]
            for i in report["items"]
        ]  # fmt: skip
        lines = table(["问题", "乡镇 村", "案件", "说明", "Temporal 界面"], rows) if rows else []
        counts = "，".join(f"{PROBLEM_LABELS.get(k, k)} {n}" for k, n in report["by_problem"].items())
        return [
            *lines,
            f"共 {len(rows)} 个工作流需要处理{('：' + counts) if counts else ''}（截至 {when(report['as_of'])}）",
        ]
    if action == "summary":
        return _summary(report, areas)
    if action == "reconcile":
        lines = table(["已重启的案件"], [[c] for c in report["restarted"]]) if report["restarted"] else []
        found = "，".join(f"{PROBLEM_LABELS.get(k, k)} {n}" for k, n in report["reported"].items()) or "无"
        return [*lines, f"重启了 {len(report['restarted'])} 个工作流；发现的问题：{found}"]
    done = {"retry": "已重试", "restart": "已重启"}.get(report["action"], report["action"])
    return [f"{done}案件 {report['case_id']} 的工作流：{localized(report['detail'])}"]


def _deadlines(report: dict[str, Any], areas: AreaTree) -> list[str]:
    rows = []
    for i in report["items"]:
        if i.get("case_id"):
            what = i["case_id"]
            note = "已指定帮扶责任人" if i["responsible_person"] else "未指定帮扶责任人"
        else:
            what = f"{i['campaign_name']} {i['milestone_label']}"
            note = f"未完成 {i['missing']}" if i.get("missing") else "节点未记录"
        due = day_of_deadline(i["due_at"]).isoformat()
        rows.append([i["kind_label"], place(areas, i["area_code"]), what, due, i["days_late"], note])
    lines = table(["时限", "乡镇 村", "案件或排查工作", "到期日", "逾期天数", "说明"], rows) if rows else []
    kinds = {i["kind"]: i["kind_label"] for i in report["items"]}
    counts = "，".join(f"{kinds.get(k, k)} {n}" for k, n in report["by_kind"].items())
    more = "（只列出前 5000 项）" if report.get("truncated") else ""
    total = f"共 {len(rows)} 项{more}{('：' + counts) if counts else ''}"
    return [*lines, f"{total}（截至 {when(report['as_of'])}，北京时间）"]


def _summary(report: dict[str, Any], areas: AreaTree) -> list[str]:
    from domain.cases.values import DeadlineKind, Stage
    from domain.kernel.labels import label_of

    def stage(value: str) -> str:
        return label_of(Stage, value)

    def kind(value: str) -> str:
        return label_of(DeadlineKind, value)

    by_stage = [[stage(s), n] for s, n in report["cases_by_stage"].items()]
    villages = [
        [place(areas, r["village_code"]), stage(r["stage"]), r["cases"], r["missed"]] for r in report["by_village"]
    ]
    period = report["period"]
    misses = report["deadline_misses_this_period"]
    past_due = "，".join(f"{kind(k)} {n}" for k, n in report["past_due_now"].items()) or "无"
    missed = "，".join(f"{kind(k)} {n}" for k, n in misses["by_kind"].items())
    missed = f"：{missed}" if missed else ""
    lag = "，".join(f"{name} {n}" for name, n in report["projection_lag"].items())
    return [
        f"{place(areas, report['area_code'])}（{report['area_code']}），截至 {when(report['as_of'])}（北京时间）",
        "",
        *(table(["阶段", "案件数"], by_stage) if by_stage else ["案件：无"]),
        "",
        *([*table(["乡镇 村", "阶段", "案件数", "逾期"], villages), ""] if villages else []),
        f"当前逾期：{past_due}",
        f"本统计周期 {period['first_day']} 至 {period['last_day']} 错过时限 {misses['total']} 次{missed}",
        f"读模型落后事件库（事件数）：{lag}",
    ]


def connections(settings: Settings, as_json: bool) -> int:
    """What the stack may hold of PostgreSQL's connections with the settings in force (the embedded server is
    started with ``max_connections``; an external one must allow as many), and what the server holds now."""
    from workflows.kernel.settings import load_settings

    budget = load_settings().connection_budget()  # the stack's own settings, not this command's small pool
    now = _in_use(settings)
    if as_json:
        body = {"processes": dict(budget.processes), "stack": budget.stack, "command": budget.command,
                "commands_at_once": budget.commands_at_once, "other_sessions": budget.other_sessions,
                "max_connections": budget.max_connections, "server": now}  # fmt: skip
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    names = {
        "api": "API（dixian api）",
        "worker": "工作进程（dixian worker，每个）",
        "projector": "投影进程（dixian projector）",
    }
    rows: list[list[Any]] = [[names.get(p, p), n] for p, n in budget.processes.items()]
    rows += [
        [
            f"dixian 命令（每条 {budget.command}，留 {budget.commands_at_once} 条）",
            budget.commands_at_once * budget.command,
        ],
        ["其他会话（psql、备份、测试）", budget.other_sessions],
        ["合计：max_connections", budget.max_connections],
    ]
    lines = table(["谁", "最多连接数"], rows)
    if now is None:
        lines.append("数据库现在连不上，读不到它的 max_connections 和已用连接数。")
    else:
        lines.append(f"数据库现在：max_connections {now['max_connections']}，已用 {now['in_use']}")
    print("\n".join(lines))
    return 0


def _in_use(settings: Settings) -> dict[str, int] | None:
    """The server's max_connections and the connections it holds now (None when it cannot be reached)."""
    import psycopg

    from worker.national_sync import conninfo_from

    try:
        env = settings.eventsourcing_env()
    except (ValueError, OSError):
        return None
    if probe(env, settings.postgres_connect_timeout) is not None:
        return None
    with psycopg.connect(conninfo_from(env), connect_timeout=settings.postgres_connect_timeout) as conn:
        row = conn.execute(
            "SELECT current_setting('max_connections')::int, (SELECT count(*) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend')::int"
        ).fetchone()
    return {"max_connections": row[0], "in_use": row[1]} if row else None


def running_temporal(settings: Settings) -> Settings:
    """The settings with the embedded dev server of a running `dixian run` (its address and UI), unless Temporal is
    configured."""
    running = settings.data_dir / "temporal-address"
    if not settings.temporal_address and running.exists():
        settings = settings.model_copy(update={"temporal_address": running.read_text().strip()})
        ui_file = settings.data_dir / "temporal-ui-url"
        if not settings.temporal_ui_url and ui_file.exists():
            settings = settings.model_copy(update={"temporal_ui_url": ui_file.read_text().strip()})
    return settings


async def _ops_temporal(settings: Settings, args: argparse.Namespace, ops: Any, area: str, now: datetime) -> Any:
    from worker.cli.registry import operator
    from worker.main import connect_temporal

    if args.action != "stuck" and not args.reason:
        raise ValueError(f"{args.action} needs --reason (it is recorded with the repair)")
    if args.action == "repair" and (not args.case or not args.repair):
        raise ValueError("repair needs --case ID and --action retry|restart")
    settings = running_temporal(settings)
    if not settings.temporal_address:
        raise UnavailableError(TEMPORAL_NOT_RUNNING)
    client = await connect_temporal(settings, attempts=1)  # one line if it does not answer, no retries logged
    if args.action == "stuck":
        return await ops.stuck(area, now, client, settings.temporal_ui_url, args.no_progress_days)
    actor = operator(ops.ledger.areas, area)
    if args.action == "repair":
        case_id, queue = UUID(args.case), settings.task_queue
        return await ops.repair(case_id, args.repair, area, actor, args.reason, now, client, queue)
    return await ops.reconcile(area, actor, args.reason, now, client, settings.task_queue, settings.temporal_ui_url)


def add_commands(sub: Any) -> None:
    p = sub.add_parser("ops", help=(cmd_ops.__doc__ or "").strip(), description=cmd_ops.__doc__)
    p.add_argument("action", choices=["overdue", "at-risk", "summary", "stuck", "reconcile", "repair", "connections"])
    p.add_argument("--reason", help="for reconcile and repair: why (recorded with each repair)")
    p.add_argument("--case", help="for repair: the case id")
    p.add_argument("--action", dest="repair", choices=["retry", "restart"], help="for repair: what to do")
    p.add_argument("--json", action="store_true", help="print the API's JSON instead of a table")
    p.add_argument("--no-progress-days", type=int, default=30, help="for stuck: idle for this many days")
    p.add_argument("--area", help="an area code (default: the county)")
    p.add_argument("--days", type=int, default=DUE_SOON_DAYS, help="for at-risk: the window in days")
    p.set_defaults(func=cmd_ops, wants_args=True)
