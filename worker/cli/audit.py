"""`dixian audit …`: make a checkpoint, verify the store, export a case / an area / everything with its proofs, and
verify such an export offline with nothing but the file and the public key."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.audit.checkpoints import verify_heads
from domain.kernel.actors import Role
from domain.kernel.privacy import seen_by
from worker.cli.files import write_private
from workflows.audit.service import AuditService, read_heads, verify_export
from workflows.kernel.keys import check
from workflows.kernel.settings import Settings
from workflows.ops.service import DUE_SOON_DAYS


def _service(settings: Settings) -> AuditService:
    return AuditService.connect(
        settings.eventsourcing_env(), settings.audit_signing_key(), anchor_files=settings.audit_anchor_files
    )


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    """Audit: checkpoint | verify-store | export | verify FILE --public-key K | verify-witness FILE --public-key K |
    check-receipt R | public-key."""
    try:
        return _run(settings, args)
    except (ValueError, OSError) as e:
        print(f"dixian audit: {e}", file=sys.stderr)
        return 2


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "verify":  # offline: the file and the key, no store
        if not args.file or not args.public_key:
            raise ValueError("verify needs FILE and --public-key")
        exported = json.loads(Path(args.file).read_text(encoding="utf-8"))
        report = verify_export(exported, args.public_key, args.manifest_key)
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0 if report["holds"] else 1
    if args.action == "verify-witness":  # offline, as a witness: its file of heads and the key, no store
        if not args.file or not args.public_key:
            raise ValueError("verify-witness needs FILE (the witness's heads) and --public-key")
        heads = read_heads(Path(args.file))
        problems = verify_heads(heads, check, args.public_key)
        print(json.dumps({"heads": len(heads), "holds": not problems, "problems": problems}, ensure_ascii=False,
                         indent=2))  # fmt: skip
        return 0 if not problems else 1
    if args.action == "public-key":
        print(settings.audit_signing_key().public_key)
        return 0
    service = _service(settings)
    try:
        if args.action == "checkpoint":
            try:
                made = service.checkpoint(datetime.now(UTC))
            except IntegrityError:
                print(
                    "dixian audit: another checkpoint was being made at the same moment; run it again", file=sys.stderr
                )
                return 1
            print(json.dumps(made, ensure_ascii=False) if made else "nothing new since the last checkpoint")
            return 0
        # A write's X-Dixian-Receipt: signed by this deployment, and its event still stored as acknowledged?
        if args.action == "check-receipt":
            if not args.file:
                raise ValueError("check-receipt needs the receipt (the X-Dixian-Receipt of a write's answer)")
            found = service.check_receipt(args.file.strip(), settings.command_public_key())  # the API signs them
            print(json.dumps(found, ensure_ascii=False, indent=2))
            return 0 if found["stored"] else 1
        if args.action == "verify-store":
            report = service.verify_all()
            print(json.dumps(report, ensure_ascii=False, indent=2))
            return 0 if report["holds"] else 1
        if args.action == "export":
            ids: list[UUID] | None
            if args.case:
                ids = [UUID(args.case)]
            elif args.area:
                ids = service.stream_ids(args.area)
            else:
                ids = None
            data: dict[str, Any] = service.export(ids)
            if args.masked_for:  # for a reader who sees personal data masked: the proofs still verify
                data = seen_by(Role(args.masked_for), data)
            from worker.cli.registry import operator

            reader = operator(service.ledger.areas)
            # Recorded where inspectors of the area find it: a case under its village, an area (or the whole
            # store, as the county) under its code.
            village = (
                service.ledger.cases.view(UUID(args.case), datetime.now(UTC))["area"]["village_code"]
                if args.case
                else ""
            )
            service.ledger.audit.record_access(
                actor=reader, at=datetime.now(UTC), what="export", target=args.case or args.area or reader.area_code,
                village_code=village, purpose=args.purpose or "", path="dixian audit export",
            )  # fmt: skip
            out = Path(args.out) if args.out else None
            text = json.dumps(data, ensure_ascii=False, indent=1)
            if out:
                write_private(out, text)
                print(f"wrote {len(data['events'])} events of {len(data['streams'])} streams to {out}")
            else:
                print(text)
            return 0
    finally:
        service.ledger.close()
    raise ValueError(f"unknown action {args.action}")


def cmd_replay_check(settings: Settings, args: argparse.Namespace) -> int:
    """Replay workflow histories (recent ones from Temporal, or saved ones with --dir) against the current code."""
    import asyncio

    from workflows.kernel import temporal
    from workflows.ops.replay import load_histories, recent_histories, replay

    async def run() -> int:
        if args.dir:
            histories = load_histories(Path(args.dir))
        else:
            from worker.main import connect_temporal

            histories = await recent_histories(await connect_temporal(settings, attempts=3), args.limit)
        results = await replay(histories, temporal.data_converter(settings.resolve_cipher_key()))
        for r in results:
            print(f"{'FAIL' if r.failure else 'ok  '} {r.workflow_id} {r.failure}")
        failed = [r for r in results if r.failure]
        print(f"{len(results)} histories replayed, {len(failed)} failed")
        return 1 if failed else 0

    try:
        return asyncio.run(run())
    except (ValueError, OSError, RuntimeError, AssertionError) as e:
        print(f"dixian replay-check: {e}", file=sys.stderr)
        return 2


def cmd_ops(settings: Settings, args: argparse.Namespace) -> int:
    """Operations: overdue | at-risk | summary | stuck | reconcile --reason R | repair --case ID --action retry|restart
    --reason R, for an area (default: the county); a table, or the API's JSON with --json."""
    from datetime import timedelta

    from domain.kernel.errors import DomainError
    from domain.readmodels.cases import open_summary_view
    from domain.readmodels.registry import open_registry_view
    from workflows.ops.service import OpsService

    try:
        env = settings.eventsourcing_env()
        from domain.ledger import Ledger

        ledger = Ledger(env)
    except (ValueError, OSError) as e:
        print(f"dixian ops: {e}", file=sys.stderr)
        return 2
    import asyncio

    try:
        from domain.readmodels.reports import open_report_view

        ops = OpsService(
            ledger, open_summary_view(env), open_registry_view(env), open_report_view(env), settings.plan_issued_on
        )
        area = args.area or ledger.areas.county().code
        now = datetime.now(UTC)
        if args.action in ("stuck", "reconcile", "repair"):
            report = asyncio.run(_ops_temporal(settings, args, ops, area, now))
        elif args.action == "summary":
            report = ops.summary(area, now)
        else:
            within = timedelta(days=args.days) if args.action == "at-risk" else timedelta(0)
            report = ops.deadlines(area, now, within)
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        else:
            print("\n".join(ops_table(args.action, report)))
        return 0
    except (DomainError, ValueError, RuntimeError) as e:
        print(f"dixian ops: {e}", file=sys.stderr)
        return 2
    finally:
        ledger.close()


def ops_table(action: str, report: dict[str, Any]) -> list[str]:
    """The report as lines for a terminal: one per item, then the totals."""
    if action in ("overdue", "at-risk"):
        lines = [f"{'kind':<16} {'area':<13} {'case or campaign':<38} {'due day':<11} {'late':>4}  who"]
        for i in report["items"]:
            what = i.get("case_id") or f"{i['campaign_id']} {i['milestone']}"
            due = due_day(i["due_at"])
            who = i["responsible_person"] or (f"missing {i['missing']}" if i.get("missing") else "")
            lines.append(f"{i['kind_label']:<14} {i['area_code']:<13} {what:<38} {due:<11} {i['days_late']:>4}  {who}")
        lines.append(f"{len(report['items'])} items; by kind {report['by_kind']}")
        return lines
    if action == "stuck":
        lines = [f"{i['problem']:<22} {i['case_id']} {i['detail']}  {i['temporal_ui']}" for i in report["items"]]
        return [*lines, f"{len(report['items'])} workflows; by problem {report['by_problem']}"]
    if action == "summary":
        period = report["period"]
        return [
            f"cases by stage: {report['cases_by_stage']}",
            f"past due now: {report['past_due_now']}",
            f"deadlines missed in {period['first_day']}..{period['last_day']}: {report['deadline_misses_this_period']}",
            f"projection lag (events): {report['projection_lag']}",
        ]
    if action == "reconcile":
        return [*(f"restarted {c}" for c in report["restarted"]),
                f"{len(report['restarted'])} workflows restarted; found {report['reported']}"]  # fmt: skip
    return [f"{report['action']} {report['case_id']}: {report['detail']}"]


def due_day(due_at: datetime) -> str:
    """The calendar day (Asia/Shanghai) a deadline falls on: its due instant is the end of that day."""
    from datetime import timedelta

    from domain.kernel.time import local_date

    return (local_date(due_at) - timedelta(days=1)).isoformat()


async def _ops_temporal(settings: Settings, args: argparse.Namespace, ops: Any, area: str, now: datetime) -> Any:
    from worker.cli.registry import operator
    from worker.main import connect_temporal

    running = settings.data_dir / "temporal-address"  # the embedded dev server of a running `dixian run`
    if not settings.temporal_address and running.exists():
        settings = settings.model_copy(update={"temporal_address": running.read_text().strip()})
        ui_file = settings.data_dir / "temporal-ui-url"
        if not settings.temporal_ui_url and ui_file.exists():
            settings = settings.model_copy(update={"temporal_ui_url": ui_file.read_text().strip()})
    if not settings.temporal_address:
        raise ValueError("Temporal is not configured: set TEMPORAL_ADDRESS, or start the stack with `make run`")
    client = await connect_temporal(settings, attempts=3)
    if args.action == "stuck":
        return await ops.stuck(area, now, client, settings.temporal_ui_url, args.no_progress_days)
    if not args.reason:
        raise ValueError(f"{args.action} needs --reason (it is recorded with the repair)")
    actor = operator(ops.ledger.areas, area)
    if args.action == "repair":
        if not args.case or not args.repair:
            raise ValueError("repair needs --case ID and --action retry|restart")
        case_id, queue = UUID(args.case), settings.task_queue
        return await ops.repair(case_id, args.repair, area, actor, args.reason, now, client, queue)
    return await ops.reconcile(area, actor, args.reason, now, client, settings.task_queue, settings.temporal_ui_url)


def add_commands(sub: Any) -> None:
    p = sub.add_parser("ops", help=(cmd_ops.__doc__ or "").strip(), description=cmd_ops.__doc__)
    p.add_argument("action", choices=["overdue", "at-risk", "summary", "stuck", "reconcile", "repair"])
    p.add_argument("--reason", help="for reconcile and repair: why (recorded with each repair)")
    p.add_argument("--case", help="for repair: the case id")
    p.add_argument("--action", dest="repair", choices=["retry", "restart"], help="for repair: what to do")
    p.add_argument("--json", action="store_true", help="print the API's JSON instead of a table")
    p.add_argument("--no-progress-days", type=int, default=30, help="for stuck: idle for this many days")
    p.add_argument("--area", help="an area code (default: the county)")
    p.add_argument("--days", type=int, default=DUE_SOON_DAYS, help="for at-risk: the window in days")
    p.set_defaults(func=cmd_ops, wants_args=True)
    p = sub.add_parser(
        "replay-check", help=(cmd_replay_check.__doc__ or "").strip(), description=cmd_replay_check.__doc__
    )
    p.add_argument("--dir", help="replay the saved histories (<workflow id>.json) in this folder")
    p.add_argument("--limit", type=int, default=200, help="how many recent workflows to fetch from Temporal")
    p.set_defaults(func=cmd_replay_check, wants_args=True)
    p = sub.add_parser("audit", help=(cmd_audit.__doc__ or "").strip(), description=cmd_audit.__doc__)
    p.add_argument(
        "action",
        choices=["checkpoint", "verify-store", "export", "verify", "verify-witness", "public-key", "check-receipt"],
    )
    p.add_argument(
        "file", nargs="?",
        help="for verify: the export file; for verify-witness: the witness's file of heads; for check-receipt: the "
        "receipt",
    )  # fmt: skip
    p.add_argument("--public-key", help="for verify: the Ed25519 public key (hex) that signs checkpoints")
    p.add_argument(
        "--manifest-key",
        help="for verify: the API's public key (hex), for a dossier's proofs (an export of the command line is "
        "signed with the audit key: leave it out)",
    )
    p.add_argument("--case", help="for export: one case id")
    p.add_argument("--area", help="for export: every case and household of an area code")
    p.add_argument("--out", help="for export: write to this file")
    p.add_argument("--purpose", help="for export: why (recorded in the access log)")
    p.add_argument(
        "--masked-for", choices=[r.value for r in Role if r is not Role.SYSTEM],
        help="for export: mask personal data as this role sees it (e.g. inspector); the chain and roots still verify",
    )  # fmt: skip
    p.set_defaults(func=cmd_audit, wants_args=True)
