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

from workflows.audit_service import AuditService, verify_export
from workflows.settings import Settings


def _service(settings: Settings) -> AuditService:
    return AuditService.connect(
        settings.eventsourcing_env(), settings.audit_signing_key(), anchor_file=settings.audit_anchor_file
    )


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    """Audit: checkpoint | verify-store | export | verify FILE --public-key K | public-key."""
    try:
        return _run(settings, args)
    except (ValueError, OSError) as e:
        print(f"dixian audit: {e}", file=sys.stderr)
        return 2


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "verify":  # offline: the file and the key, no store
        if not args.file or not args.public_key:
            raise ValueError("verify needs FILE and --public-key")
        report = verify_export(json.loads(Path(args.file).read_text(encoding="utf-8")), args.public_key)
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0 if report["holds"] else 1
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
            from worker.registry_cli import operator

            reader = operator(service.ledger.areas)
            # Recorded where inspectors of the area find it: a case under its village, an area (or the whole
            # store, as the county) under its code.
            village = (
                service.ledger.view(UUID(args.case), datetime.now(UTC))["area"]["village_code"] if args.case else ""
            )
            service.ledger.record_access(
                actor=reader, at=datetime.now(UTC), what="export", target=args.case or args.area or reader.area_code,
                village_code=village, purpose=args.purpose or "", path="dixian audit export",
            )  # fmt: skip
            out = Path(args.out) if args.out else None
            text = json.dumps(data, ensure_ascii=False, indent=1)
            if out:
                out.write_text(text, encoding="utf-8")
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

    from workflows.replay import load_histories, recent_histories, replay

    async def run() -> int:
        if args.dir:
            histories = load_histories(Path(args.dir))
        else:
            from worker.main import connect_temporal

            histories = await recent_histories(await connect_temporal(settings, attempts=3), args.limit)
        results = await replay(histories)
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
    """Operations: overdue | at-risk | summary | stuck | reconcile --reason R, for an area (default: the county)."""
    from datetime import timedelta

    from domain.readmodel import open_summary_view
    from domain.registry_readmodel import open_registry_view
    from domain.values import AreaLevel
    from workflows.ops_service import OpsService

    try:
        env = settings.eventsourcing_env()
        from domain.ledger import CaseLedger

        ledger = CaseLedger(env)
    except (ValueError, OSError) as e:
        print(f"dixian ops: {e}", file=sys.stderr)
        return 2
    import asyncio

    try:
        ops = OpsService(ledger, open_summary_view(env), open_registry_view(env))
        area = args.area or next(a.code for a in ledger.areas.all() if a.level is AreaLevel.COUNTY)
        now = datetime.now(UTC)
        if args.action in ("stuck", "reconcile"):
            report = asyncio.run(_ops_temporal(settings, args, ops, area, now))
        elif args.action == "summary":
            report = ops.summary(area, now)
        else:
            within = timedelta(days=args.days) if args.action == "at-risk" else timedelta(0)
            report = ops.deadlines(area, now, within)
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return 0
    except (ValueError, RuntimeError) as e:
        print(f"dixian ops: {e}", file=sys.stderr)
        return 2
    finally:
        ledger.close()


async def _ops_temporal(settings: Settings, args: argparse.Namespace, ops: Any, area: str, now: datetime) -> Any:
    from worker.main import connect_temporal
    from worker.registry_cli import operator

    running = settings.data_dir / "temporal-address"  # the embedded dev server of a running `dixian run`
    if not settings.temporal_address and running.exists():
        settings = settings.model_copy(update={"temporal_address": running.read_text().strip()})
    if not settings.temporal_address:
        raise ValueError("Temporal is not configured: set TEMPORAL_ADDRESS, or start the stack with `make run`")
    client = await connect_temporal(settings, attempts=3)
    if args.action == "stuck":
        return await ops.stuck(area, now, client, settings.temporal_ui_url, args.no_progress_days)
    if not args.reason:
        raise ValueError("reconcile needs --reason (it is recorded with the repair)")
    actor = operator(ops.ledger.areas, area)
    return await ops.reconcile(area, actor, args.reason, now, client, settings.task_queue, settings.temporal_ui_url)


def add_commands(sub: Any) -> None:
    p = sub.add_parser("ops", help=(cmd_ops.__doc__ or "").strip(), description=cmd_ops.__doc__)
    p.add_argument("action", choices=["overdue", "at-risk", "summary", "stuck", "reconcile"])
    p.add_argument("--reason", help="for reconcile: why (recorded with each repair)")
    p.add_argument("--no-progress-days", type=int, default=30, help="for stuck: idle for this many days")
    p.add_argument("--area", help="an area code (default: the county)")
    p.add_argument("--days", type=int, default=3, help="for at-risk: the window in days")
    p.set_defaults(func=cmd_ops, wants_args=True)
    p = sub.add_parser(
        "replay-check", help=(cmd_replay_check.__doc__ or "").strip(), description=cmd_replay_check.__doc__
    )
    p.add_argument("--dir", help="replay the saved histories (<workflow id>.json) in this folder")
    p.add_argument("--limit", type=int, default=200, help="how many recent workflows to fetch from Temporal")
    p.set_defaults(func=cmd_replay_check, wants_args=True)
    p = sub.add_parser("audit", help=(cmd_audit.__doc__ or "").strip(), description=cmd_audit.__doc__)
    p.add_argument("action", choices=["checkpoint", "verify-store", "export", "verify", "public-key"])
    p.add_argument("file", nargs="?", help="for verify: the export file")
    p.add_argument("--public-key", help="for verify: the Ed25519 public key (hex) that signs checkpoints")
    p.add_argument("--case", help="for export: one case id")
    p.add_argument("--area", help="for export: every case and household of an area code")
    p.add_argument("--out", help="for export: write to this file")
    p.add_argument("--purpose", help="for export: why (recorded in the access log)")
    p.set_defaults(func=cmd_audit, wants_args=True)
