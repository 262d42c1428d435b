"""`dixian audit …`: make a checkpoint, verify the store, export a case / an area / everything with its proofs, and
verify such an export offline with nothing but the file and the public key.

A checkpoint and the store's verification are told in a line for people (times in Asia/Shanghai), their documents with
``--json``. What a verifier passes on (`verify`, `verify-witness`, `check-receipt`, an export) is printed as the JSON
it is: its times are the signed ones, as they were signed."""

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
from worker.cli.failures import TEMPORAL_NOT_RUNNING, UnavailableError, store_env
from worker.cli.files import write_private
from worker.cli.ops import running_temporal
from worker.cli.show import localized, table, when
from workflows.audit.service import AuditService, read_heads, verify_export
from workflows.kernel.keys import check
from workflows.kernel.settings import Settings


def _service(settings: Settings) -> AuditService:
    return AuditService.connect(
        store_env(settings), settings.audit_signing_key(), anchor_files=settings.audit_anchor_files
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
                print("另一个检查点正在同时生成（concurrent checkpoint）：请再运行一次。", file=sys.stderr)
                return 1
            if args.json:
                print(json.dumps(made, ensure_ascii=False))
            elif made is None:
                print("上一个检查点之后没有新的事件，无需签署。")
            else:
                events = f"事件 {made['after'] + 1} 至 {made['through']}，共 {made['events']} 个"
                print(f"已签署检查点 #{made['number']}：{events}，{when(made['made_at'])}（北京时间）")
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
            print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else "\n".join(store_lines(report)))
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
                print(f"已导出 {len(data['streams'])} 条记录流的 {len(data['events'])} 个事件：{out}")
            else:
                print(text)
            return 0
    finally:
        service.ledger.close()
    raise ValueError(f"unknown action {args.action}")


def store_lines(report: dict[str, Any]) -> list[str]:
    """The store's verification for people: whether it holds, how much was checked, what is wrong where."""
    last = report.get("last_checkpoint")
    signed = f"最近的检查点 #{last['number']}（{when(last['made_at'])}）" if last else "还没有检查点"
    head = (
        f"{'核验通过' if report['holds'] else '核验未通过'}：{report['streams']} 条记录流、{report['events_checked']} "
        f"个事件；{signed}，其后 {report.get('unchecked_events', 0)} 个事件尚未签入检查点。"
    )
    rows: list[list[Any]] = []
    broken = report.get("first_break")
    if broken:
        rows.append([broken["kind"], broken["originator_id"], broken["version"], localized(broken["detail"])])
    for p in report.get("checkpoint_problems", []):
        where = f"检查点 #{p['checkpoint']}" if p.get("checkpoint") else p.get("file", "")
        rows.append(["checkpoint", where, p.get("through", ""), localized(str(p.get("why", "")))])
    return [head, *(table(["问题", "记录流或检查点", "版本或事件", "说明"], rows) if rows else [])]


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

            here = running_temporal(settings)
            if not here.temporal_address:
                raise UnavailableError(TEMPORAL_NOT_RUNNING)
            histories = await recent_histories(await connect_temporal(here, attempts=1), args.limit)
        results = await replay(histories, temporal.data_converter(settings.resolve_cipher_key()))
        rows = [["不一致" if r.failure else "一致", r.workflow_id, r.failure or ""] for r in results]
        if rows:
            print("\n".join(table(["重放", "工作流", "原因"], rows)))
        failed = [r for r in results if r.failure]
        print(f"重放了 {len(results)} 个工作流历史，{len(failed)} 个与现在的代码不一致")
        return 1 if failed else 0

    try:
        return asyncio.run(run())
    except (ValueError, OSError) as e:
        print(f"dixian replay-check: {e}", file=sys.stderr)
        return 2


def add_commands(sub: Any) -> None:
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
    p.add_argument("--json", action="store_true", help="for checkpoint and verify-store: the JSON document")
    p.add_argument("--case", help="for export: one case id")
    p.add_argument("--area", help="for export: every case and household of an area code")
    p.add_argument("--out", help="for export: write to this file")
    p.add_argument("--purpose", help="for export: why (recorded in the access log)")
    p.add_argument(
        "--masked-for", choices=[r.value for r in Role if r is not Role.SYSTEM],
        help="for export: mask personal data as this role sees it (e.g. inspector); the chain and roots still verify",
    )  # fmt: skip
    p.set_defaults(func=cmd_audit, wants_args=True)
