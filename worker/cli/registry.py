"""`dixian import FILE` and `dixian demo`: the roster and the demo township from the command line.

Both write through the same ledger commands as the API (exactly once per command id, each household whole or not
at all). The command line acts as a county-level operator of the configured area tree, named after the OS user.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from concurrent.futures import BrokenExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog

from domain.kernel.actors import Actor, Role
from domain.kernel.areas import AreaLevel, AreaTree
from domain.kernel.envelope import Envelope
from domain.kernel.errors import DomainError
from domain.kernel.messages import message_zh
from domain.kernel.time import local_date
from domain.ledger import Ledger
from worker.cli.failures import store_env
from worker.cli.files import write_private
from worker.cli.show import table
from workflows.kernel.settings import Settings
from workflows.registry.parallel_import import MAX_JOBS, PARALLEL_FROM
from workflows.registry.roster_files import CLI_MAX_BYTES, CLI_MAX_ROWS, RosterFileError, detect_format
from workflows.registry.service import RegistryService

log = structlog.stdlib.get_logger(__name__)
DEMO_SEED = 20230301  # the seed plan's spring campaign
# The demo's people are as of this day (ages, schooling, the policy of the findings), so the same seed gives the same
# data whatever day it is generated: a roster written by `dixian demo --out` re-imports over the loaded demo unchanged.
DEMO_AS_OF = date(2023, 3, 1)


def operator(areas: AreaTree, area_code: str | None = None) -> Actor:
    code = area_code or areas.county().code
    area = areas.get(code)
    if area is None:
        raise ValueError(f"--area {code}: not an area of the configured tree")
    role = {
        AreaLevel.COUNTY: Role.COUNTY_APPROVER,
        AreaLevel.TOWNSHIP: Role.TOWNSHIP_REVIEWER,
        AreaLevel.VILLAGE: Role.VILLAGE_CADRE,
    }[area.level]
    return Actor(id=f"cli:{getpass.getuser()}", role=role, area_code=code, name="命令行操作员")


def _ledger(settings: Settings) -> Ledger:
    return Ledger(store_env(settings))


def import_file(settings: Settings, path: Path, area_code: str | None = None, jobs: int = 1) -> dict[str, Any]:
    env = store_env(settings)
    from domain.readmodels.registry import open_registry_view

    ledger = Ledger(env)
    try:
        service = RegistryService(ledger, open_registry_view(env))
        fmt = detect_format("", path.name)
        return service.import_roster(
            path.read_bytes(),
            fmt,
            actor=operator(ledger.areas, area_code),
            now=datetime.now(UTC),
            max_bytes=CLI_MAX_BYTES,
            max_rows=CLI_MAX_ROWS,
            jobs=jobs,
        )
    finally:
        ledger.close()


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import a household roster (CSV or XLSX, one row per member; the template: GET /households/import-template)."""
    try:
        report = import_file(settings, Path(args.file), args.area, args.jobs)
    except (RosterFileError, OSError, ValueError) as e:
        print(f"dixian import: {e}", file=sys.stderr)
        return 2
    except BrokenExecutor:  # each batch is one transaction: what was written stays, once; the same file finishes it
        print("dixian import: 写入进程意外退出；已写入的户已保存，请用同一文件再导入一次（已导入的户记为未变）。"
              " A writing process stopped; import the same file again to finish.", file=sys.stderr)  # fmt: skip
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    return 1 if report["file_errors"] else 0


def _print_report(report: dict[str, Any]) -> None:
    h = report["households"]
    print(
        f"{report['file']['rows']} rows, {h['total']} households: {h['created']} created, {h['changed']} changed, "
        f"{h['unchanged']} unchanged, {h['rejected']} rejected ({report['persons_accepted']} persons accepted)"
    )
    problems = report["file_errors"] + report["errors"]
    if problems:
        rows = [[e["row"], e["household_number"] or "", e["field"], message_zh(e["rule"], None, e["message"]),
                 e["message"]] for e in problems]  # fmt: skip
        print("\n".join(table(["行", "户编号", "字段", "问题", "说明"], rows)))


def load_demo(settings: Settings, households: int, seed: int, with_cases: bool = False) -> dict[str, int]:
    """Write a demo township (marked demo: numbers DEMO-…, ``demo`` true on every record) into the store; with
    ``with_cases``, also the cases of its households at risk (see :func:`_demo_cases`)."""
    from worker.demo.township import generate

    ledger = _ledger(settings)
    try:
        now = datetime.now(UTC)
        actor = operator(ledger.areas)
        data = generate(households, seed, ledger.areas, DEMO_AS_OF)
        counts = {"staff": 0, "households": 0, "rejected": 0}
        for staff in data.staff:
            ledger.registry.register_staff(
                Envelope(actor, f"demo:{seed}:staff:{staff.staff_number}", now), staff, reason="演示数据",
                demo=True,
            )  # fmt: skip
            counts["staff"] += 1
        for record in data.households:
            try:
                ledger.registry.register_household(
                    Envelope(actor, f"demo:{seed}:{record.household_number}", now),
                    record,
                    reason="演示数据",
                    demo=True,
                )
                counts["households"] += 1
            except DomainError as e:  # a demo household that clashes with real data is skipped, never forced
                log.warning("demo.household_skipped", household_number=record.household_number, error=str(e))
                counts["rejected"] += 1
        counts["cases"] = _demo_cases(ledger, data, actor, now) if with_cases else 0
        return counts
    finally:
        ledger.close()


DEMO_CASE_AGES = (20, 14, 5)  # days since the clue: past the 15-day identification limit, due tomorrow, in time


def _demo_cases(ledger: Ledger, data: Any, actor: Actor, now: datetime) -> int:
    """Open a case for each demo household the demo's own screening finds at risk (at most one in twenty households),
    with clues of different ages, so the operations views have late and soon-due cases to show. They are written
    straight to the event store, as cases restored from elsewhere would be: until a reconcile (`dixian ops
    reconcile`, or the worker's own every few minutes) starts their workflows, `/ops/stuck` lists them."""
    from domain.campaigns.screening import assess
    from domain.cases.values import Source, case_id_for_command

    today = local_date(now)
    opened = 0
    limit = max(1, len(data.households) // 20)
    for record in data.households:
        if opened >= limit:
            break
        findings = data.findings[record.household_number]
        policy = ledger.policies.in_force(record.village_code, today)
        assessment = assess(findings, len(record.members), policy)
        if not assessment.at_risk or ledger.registry.open_cases_of(record.household_number):
            continue
        command_id = f"demo-case:{record.household_number}"
        try:
            ledger.cases.open_case(
                Envelope(actor, command_id, now),
                case_id=case_id_for_command(command_id),
                household_number=record.household_number,
                household_head="",
                village_code=record.village_code,
                source=Source.CADRE_SCREENING,
                clue_date=today - timedelta(days=DEMO_CASE_AGES[opened % 3]),
                reported_risks=list(assessment.risks),
                comment="演示数据",
            )
        except DomainError as e:
            log.warning("demo.case_skipped", household_number=record.household_number, error=str(e))
            continue
        opened += 1
    return opened


def store_is_empty(settings: Settings) -> bool:
    ledger = _ledger(settings)
    try:
        return not ledger.recorder.max_notification_id()
    finally:
        ledger.close()


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Generate a demo township (or county): write it to FILE with --out, or load it into the event store."""
    from worker.demo.township import generate, roster_file

    if args.out:
        out = Path(args.out)
        fmt = detect_format("", out.name)
        data = generate(args.households, args.seed, today=DEMO_AS_OF)
        write_private(out, roster_file(data, fmt))
        print(f"wrote {len(data.households)} demo households to {out}")
        return 0
    try:
        counts = load_demo(settings, args.households, args.seed, with_cases=args.cases)
    except ValueError as e:
        print(f"dixian demo: {e}", file=sys.stderr)
        return 2
    print(
        f"loaded demo data: {counts['households']} households, {counts['staff']} staff, {counts['cases']} cases"
        + (f", {counts['rejected']} skipped" if counts["rejected"] else "")
    )
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("import", help=(cmd_import.__doc__ or "").strip(), description=cmd_import.__doc__)
    p.add_argument("file", help="the roster, .csv or .xlsx")
    p.add_argument("--area", help="act for this area code (default: the county)")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--jobs", type=int, default=min(MAX_JOBS, os.cpu_count() or 1), choices=range(1, MAX_JOBS + 1),
                   metavar=f"1..{MAX_JOBS}",
                   help=f"processes writing the new households of a file of {PARALLEL_FROM:,} or more "
                        f"(default: one a CPU, {MAX_JOBS} at most)")  # fmt: skip
    p.set_defaults(func=cmd_import, wants_args=True)
    p = sub.add_parser("demo", help=(cmd_demo.__doc__ or "").strip(), description=cmd_demo.__doc__)
    p.add_argument("--households", type=int, default=1000, help="how many households (default 1000)")
    p.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed (same seed, same data)")
    p.add_argument("--out", help="write a roster file (.csv or .xlsx) instead of loading the store")
    p.add_argument("--cases", action="store_true", help="also open cases for households at risk (late and soon due)")
    p.set_defaults(func=cmd_demo, wants_args=True)
