"""`dixian user add|list|change|disable|enable`: user accounts from the command line (a trial without an identity
provider keeps its users here). The command line acts as an administrator (管理员) of the configured county, named
after the OS user; every change is recorded with that name and the reason given."""

from __future__ import annotations

import argparse
import getpass
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from domain.kernel.actors import Actor, Department, Role
from domain.kernel.areas import AreaTree
from domain.kernel.offices import VillageOffice
from domain.ledger import Ledger
from worker.cli.failures import store_env
from worker.cli.show import place, table, when
from workflows.accounts.contracts import AccountRequest
from workflows.accounts.service import AccountService
from workflows.kernel.settings import Settings


def administrator(ledger: Ledger) -> Actor:
    return Actor(id=f"cli:{getpass.getuser()}", role=Role.ADMIN, area_code=ledger.areas.county().code,
                 name="命令行管理员")  # fmt: skip


HEADERS = ["账号", "姓名", "角色", "区划", "区划代码", "单位", "村职务", "状态", "生效自"]


def _rows(accounts: list[dict[str, Any]], areas: AreaTree) -> list[str]:
    """Accounts as a table: names, roles and areas as people know them, times in Asia/Shanghai."""
    rows = [
        [a["user_id"], a["name"], a["role_label"], place(areas, a["area_code"]), a["area_code"], a["unit"],
         "、".join(a.get("offices_labels", [])), a["status_label"],
         when(a["valid_since"]) if a.get("valid_since") else ""]
        for a in accounts
    ]  # fmt: skip
    return table(HEADERS, rows)


def cmd_user(settings: Settings, args: argparse.Namespace) -> int:
    """User accounts: add --id U --name N --role R --area A [--unit X] [--office O] | change --id U [...] | list |
    disable --id U --reason R | enable --id U --reason R (a disabled user's tokens are refused at once)."""
    ledger = Ledger(store_env(settings))
    try:
        service, admin, now = AccountService(ledger), administrator(ledger), datetime.now(UTC)
        command_id = f"cli:{uuid.uuid4()}"
        if args.action == "list":
            items = service.accounts(admin.area_code)
            print("\n".join([*(_rows(items, ledger.areas) if items else []), f"共 {len(items)} 个账号"]))
            return 0
        if not args.id:
            print(f"dixian user {args.action}: --id is required", file=sys.stderr)
            return 2
        if args.action in ("add", "change"):
            current = ledger.accounts.find(args.id)
            if args.action == "change" and current is None:
                print(f"dixian user change: no account {args.id!r}", file=sys.stderr)
                return 2
            given = {"name": args.name, "role": args.role, "area_code": args.area, "unit": args.unit,
                     "department": args.department}  # fmt: skip
            base = dict(current.facts) if current is not None else {}
            facts = {k: v if v is not None else base.get(k, "") for k, v in given.items()}
            reason = args.reason or ("新增账号" if current is None else "")
            offices = None if args.office is None else [o for o in args.office if o != "none"]
            request = AccountRequest.model_validate({**facts, "offices": offices, "reason": reason})
            view = service.put(request.record(args.id), actor=admin, command_id=command_id, now=now, reason=reason)
        elif args.action == "disable":
            view = service.disable(args.id, actor=admin, command_id=command_id, now=now, reason=args.reason or "")
        else:
            view = service.enable(args.id, actor=admin, command_id=command_id, now=now, reason=args.reason or "")
        print("\n".join(_rows([view], ledger.areas)))
        return 0
    except ValueError as e:  # pydantic's ValidationError: the option given is malformed
        print(f"dixian user {args.action}: {e}", file=sys.stderr)
        return 2
    finally:
        ledger.close()


def add_commands(sub: Any) -> None:
    p = sub.add_parser("user", help=(cmd_user.__doc__ or "").strip(), description=cmd_user.__doc__)
    p.add_argument("action", choices=["add", "change", "list", "disable", "enable"])
    p.add_argument("--id", help="the user id (a token's subject: letters, digits, . _ @ -)")
    p.add_argument("--name", help="姓名")
    p.add_argument("--role", choices=sorted(r.value for r in Role if r is not Role.SYSTEM), help="角色")
    p.add_argument("--area", help="the area code the user acts for (a village, township or county code)")
    p.add_argument("--unit", help="工作单位")
    p.add_argument("--department", choices=[d.value for d in Department], help="行业部门 (a department account's)")
    p.add_argument("--office", action="append", choices=[*(o.value for o in VillageOffice), "none"],
                   help="村职务 (repeat for both; 'none' for none): they sign the village's reports")  # fmt: skip
    p.add_argument("--reason", help="why (required for change, disable and enable; recorded)")
    p.set_defaults(func=cmd_user, wants_args=True)
