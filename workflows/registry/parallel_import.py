"""A large roster's new households written by several processes at once.

An import is bound by the CPU of one Python process (each household's rules checked, its events built, hashed into
their chains, encrypted and encoded: about 1 ms a household on one core), not by PostgreSQL: the inserts, which
queue behind the event store's table lock, are a small part of it. For a county's annual roster (200,000 households)
from the command line, the households that pass every rule as new ones are handed out in parts of ``PART``
households to ``jobs`` processes, each with its own connection to the store, writing exactly what one process
would: the same events, command ids, claims and chains, ``IMPORT_BATCH`` households per transaction, a refused
batch left to the one-by-one passes of the process that parsed the file (which report each conflict), and the
households that name a person another household of the file names left to those passes too (the first in the
file keeps the person, as with one process). Only the order of the households in the notification log differs.

Started with ``spawn`` (never ``fork``: the parent holds connection pools and threads).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.kernel.actors import Actor
from domain.kernel.areas import AreaTree
from domain.kernel.errors import DomainError
from domain.kernel.policy import PolicyVersions
from domain.kernel.time import local_date
from domain.ledger import Ledger
from domain.registry.rules import HouseholdRecord, person_key

IMPORT_BATCH = 100  # new households written per transaction by an import (a refused batch goes one by one)
PART = 2_000  # households handed to a process at a time: small enough to share the work out evenly
PARALLEL_FROM = 5_000  # fewer new households than this are written by the importing process alone
MAX_JOBS = 4  # processes at most: one connection each, beside the importing command's own pools


@dataclass(frozen=True)
class NewHousehold:
    """What writing one new household needs (not its rows, which only the report of a refusal reads)."""

    record: HouseholdRecord
    effective_on: date | None


@dataclass(frozen=True)
class Import:
    """One import's constants: who, when, why, and the file (its digest names every command)."""

    digest: str
    actor: Actor
    now: datetime
    reason: str
    demo: bool

    def command_id(self, record: HouseholdRecord, version: int) -> str:
        # The command is this file's row set applied to this version of the household: a retry after a crash is
        # answered from the store, and the same file after a later change applies again (import = "as in the file").
        return f"{self.actor.id}:import:{self.digest[:32]}:{record.household_number}:v{version}"


def write_new(ledger: Ledger, households: list[NewHousehold], imp: Import) -> list[bool]:
    """Write the households that pass every rule as new ones, IMPORT_BATCH per transaction; for each household,
    whether it was created (False: a rule refused it, or its batch met an existing household or person)."""
    today = local_date(imp.now)
    valid: list[int] = []
    for i, h in enumerate(households):
        try:
            ledger.registry.check_household(h.record, imp.actor, today)
        except DomainError:
            continue  # the one-by-one pass reports it
        valid.append(i)
    created = [False] * len(households)
    for start in range(0, len(valid), IMPORT_BATCH):
        chunk = valid[start : start + IMPORT_BATCH]
        batch = [(households[i].record, imp.command_id(households[i].record, 0), households[i].effective_on)
                 for i in chunk]  # fmt: skip
        if ledger.registry.register_new_households(
            batch, actor=imp.actor, now=imp.now, reason=imp.reason, demo=imp.demo
        ):
            for i in chunk:
                created[i] = True
    return created


# ----- the processes ------------------------------------------------------------------------------------------------

_ledger: Ledger | None = None


def _start(env: Mapping[str, str], policies: PolicyVersions, areas: AreaTree) -> None:
    global _ledger
    # One connection each: a process writes one transaction at a time, and MAX_JOBS of them stay within what the
    # connection budget gives one command (workflows.kernel.settings.ConnectionBudget).
    one = {"POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "0", "CREATE_TABLE": "n"}  # the tables are there
    _ledger = Ledger({**env, **one}, policies=policies, areas=areas)


def _write_part(households: list[NewHousehold], imp: Import) -> list[bool]:
    assert _ledger is not None, "the process was started without its ledger"
    return write_new(_ledger, households, imp)


@contextmanager
def import_processes(ledger: Ledger, jobs: int) -> Iterator[ProcessPoolExecutor]:
    """``jobs`` processes, each with a ledger on the same store as ``ledger``."""
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(dict(ledger.env), ledger.policies, ledger.areas),
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def write_new_in_parallel(ledger: Ledger, households: list[NewHousehold], imp: Import, jobs: int) -> list[bool]:
    """``write_new`` over ``jobs`` processes (the same answer, the households written in parts at once).

    A person in two households of the file goes to the first in the file's order, as one process decides it:
    parts commit in whatever order their processes finish, so such households are not written here but left to
    the importing process's one-by-one passes, which take the file in order."""
    if jobs <= 1 or len(households) < PARALLEL_FROM:
        return write_new(ledger, households, imp)
    jobs = min(jobs, MAX_JOBS)
    shared = _shared_people(households)
    alone = [i for i, h in enumerate(households) if not shared.intersection(_people(h))]
    parts = [[households[i] for i in alone[k : k + PART]] for k in range(0, len(alone), PART)]
    with import_processes(ledger, jobs) as pool:
        results: list[Any] = list(pool.map(_write_part, parts, [imp] * len(parts)))
    created = [False] * len(households)
    for i, done in zip(alone, (d for part in results for d in part), strict=True):
        created[i] = done
    return created


def _people(household: NewHousehold) -> set[str]:
    return {person_key(m.id_number) for m in household.record.members}


def _shared_people(households: list[NewHousehold]) -> set[str]:
    """The people (ID-number keys) whom more than one household of the file names."""
    seen: set[str] = set()
    shared: set[str] = set()
    for h in households:
        people = _people(h)
        shared |= people & seen
        seen |= people
    return shared
