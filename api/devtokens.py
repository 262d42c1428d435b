"""Print a development bearer token for each seeded role: `python -m api.devtokens`.

Each token is also written to `<data dir>/tokens/<role>` (mode 0600) so that scripts and the README's curl tour can
read it: `TOKEN=$(cat .dixian/tokens/village_cadre)`. The seeded users get accounts on the first start (by the
system, once), so `dixian user disable --id cadre-yuping` stops one of them like any other user; a token is minted
for a user's account as it stands, never for a disabled one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import UTC, datetime, timedelta

from api.auth import DEV_TOKEN_MAX_HOURS, DEV_TOKEN_TTL, issue_token
from domain.accounts.commands import AccountRecord
from domain.kernel.actors import SYSTEM_ACTOR, Actor, Role
from domain.kernel.errors import DomainError
from workflows.accounts.service import AccountService
from workflows.kernel.settings import Settings, load_settings

# Seeded users of the default area tree (domain/kernel/areas.py): one per role, in the seed's township 玉坪乡.
SEEDED_USERS = (
    Actor(id="cadre-yuping", role=Role.VILLAGE_CADRE, area_code="990102101001", name="玉坪村村干部"),
    Actor(id="township-yuping", role=Role.TOWNSHIP_REVIEWER, area_code="990102101", name="玉坪乡乡镇审核员"),
    Actor(id="county-approver", role=Role.COUNTY_APPROVER, area_code="990102", name="示范县县级审定员"),
    Actor(id="inspector", role=Role.INSPECTOR, area_code="990102", name="县督导组"),
    Actor(id="resident-yuping", role=Role.RESIDENT_CADRE, area_code="990102101001", name="玉坪村驻村干部"),
    Actor(id="helper-chen", role=Role.RESPONSIBLE_PERSON, area_code="990102101", name="陈帮扶"),
    Actor(id="ops", role=Role.OPS, area_code="990102", name="县运维"),
    Actor(id="admin", role=Role.ADMIN, area_code="990102", name="县管理员"),
    Actor(
        id="dept-medical", role=Role.DEPARTMENT, area_code="990102", name="县医疗保障局", department="medical_insurance"
    ),
)


# The demo village's cadre holds both of its offices (书记、主任一肩挑), so that one person can sign its reports.
SEEDED_OFFICES = {"cadre-yuping": ("party_secretary", "committee_director")}


def seed_accounts(accounts: AccountService) -> None:
    """Give each seeded user an account, once (the same command id each start: a second start changes nothing), and
    the demo village's offices to its cadre while they are vacant (a store seeded before offices existed)."""
    now = datetime.now(UTC)
    for a in SEEDED_USERS:
        offices = SEEDED_OFFICES.get(a.id)
        record = AccountRecord(user_id=a.id, name=a.name, role=a.role.value, area_code=a.area_code, unit="演示",
                               department=a.department, offices=offices)  # fmt: skip
        if accounts.ledger.accounts.find(a.id) is None:
            command_id = f"seed-account:{a.id}"
        elif offices and not accounts.office_holders(a.area_code):
            command_id = f"seed-offices:{a.id}"
        else:
            continue
        with contextlib.suppress(DomainError):  # an area tree of its own (DIXIAN_AREAS_FILE) may lack the area
            accounts.put(record, actor=SYSTEM_ACTOR, command_id=command_id, now=now, reason="开发环境的演示用户")


def _accounts(settings: Settings) -> AccountService | None:
    """The accounts, where a database is configured or the embedded stack runs; None otherwise."""
    try:
        return AccountService.connect(settings.eventsourcing_env())
    except ValueError:
        return None


def one(user: str, hours: int) -> int:
    """`dixian token --user U`: a token for one user (a seeded one, or one with an account), on standard output
    (nothing else: scripts read it)."""
    settings = load_settings()
    if settings.production or settings.oidc_issuer:
        sys.stderr.write("dixian token: production tokens come from the identity provider (DIXIAN_OIDC_ISSUER)\n")
        return 2
    accounts = _accounts(settings)
    account = accounts.ledger.accounts.find(user) if accounts is not None else None
    if account is not None and account.disabled:
        sys.stderr.write(f"dixian token: the account {user!r} is disabled (dixian user enable --id {user} …)\n")
        return 2
    found = [account.actor] if account is not None else [a for a in SEEDED_USERS if a.id == user]
    if not found:
        known = ", ".join(a.id for a in SEEDED_USERS)
        sys.stderr.write(f"dixian token: no user {user!r} (the seeded users are {known}; others: dixian user add)\n")
        return 2
    sys.stdout.write(issue_token(settings.resolve_token_secret(), found[0], timedelta(hours=hours)) + "\n")
    return 0


def main() -> None:
    if len(sys.argv) > 1:
        parser = argparse.ArgumentParser(prog="dixian token", description=one.__doc__)
        parser.add_argument("--user", required=True, help="a seeded user's id")
        parser.add_argument(
            "--hours", type=int, default=int(DEV_TOKEN_TTL.total_seconds() // 3600),
            choices=range(1, DEV_TOKEN_MAX_HOURS + 1), metavar=f"1..{DEV_TOKEN_MAX_HOURS}",
        )  # fmt: skip
        args = parser.parse_args()
        sys.exit(one(args.user, args.hours))
    settings = load_settings()
    if settings.production or settings.oidc_issuer:
        sys.stderr.write("dixian: no development tokens in production or with an identity provider\n")
        return
    secret = settings.resolve_token_secret()
    accounts = _accounts(settings)
    if accounts is not None:
        seed_accounts(accounts)
    folder = settings.data_dir / "tokens"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    out = sys.stdout
    # A token is a password: shown on a terminal, never into a file or a log that a redirected start writes.
    shown = out.isatty()
    where = "also in" if shown else "not shown here, as this output is not a terminal; read them from"
    out.write(f"Development tokens (send as 'Authorization: Bearer <token>'; {where} {folder}/<role>):\n")
    for actor in SEEDED_USERS:
        token = issue_token(secret, actor, DEV_TOKEN_TTL)
        path = folder / actor.role.value
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
        out.write(f"  {actor.role.value:<18} {actor.area_code:<13} {actor.name}\n")
        if shown:
            out.write(f"    {token}\n")


if __name__ == "__main__":
    main()
