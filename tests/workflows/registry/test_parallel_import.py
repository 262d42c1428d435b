"""A large roster's new households written by several processes (`dixian import --jobs`): the same report,
households, claims and events as one process writes, every chain whole, and a person claimed by two households in
different processes' parts reported as one process reports it. The thresholds are lowered so that a roster of a
few hundred rows takes the parallel path."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.audit import checkpoints as audit
from domain.ledger import Ledger
from domain.readmodels.registry import open_registry_view
from domain.registry.household import Household, household_id
from domain.registry.roster import COLUMNS, read_roster
from tests.conftest import fresh_database
from tests.domain.support import COUNTY_APPROVER
from worker.demo.township import generate, roster_file
from workflows.kernel.keys import check
from workflows.registry import parallel_import
from workflows.registry.parallel_import import Import, NewHousehold
from workflows.registry.roster_files import CLI_MAX_BYTES, CLI_MAX_ROWS, read_table
from workflows.registry.service import RegistryService

HOUSEHOLDS = 60
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Lowered thresholds; returns the number of processes each parallel write started, as it starts them."""
    monkeypatch.setattr(parallel_import, "PARALLEL_FROM", 20)
    monkeypatch.setattr(parallel_import, "PART", 15)  # four parts for two processes
    started: list[int] = []
    real = parallel_import.import_processes

    def counted(ledger: Ledger, jobs: int) -> Any:
        started.append(jobs)
        return real(ledger, jobs)

    monkeypatch.setattr(parallel_import, "import_processes", counted)
    return started


def roster(*, shared_person: bool = False) -> bytes:
    """A generated roster; with ``shared_person``, the last household's first member is the first household's head
    (ID number, sex and birth date): the two households fall in different parts."""
    content = roster_file(generate(HOUSEHOLDS, seed=7, today=date(2023, 3, 1)), "csv")
    if not shared_person:
        return content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    keys = [c.key for c in COLUMNS]
    at_number = keys.index("household_number")
    last = rows[-1][at_number]
    assert rows[1][at_number] != last
    twin = next(i for i, r in enumerate(rows) if r[at_number] == last)
    for key in ("id_number", "sex", "birth_date"):
        rows[twin][keys.index(key)] = rows[1][keys.index(key)]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def imported(env: dict[str, str], content: bytes, jobs: int) -> tuple[dict[str, Any], Ledger]:
    ledger = Ledger(env)
    report = RegistryService(ledger, open_registry_view(env)).import_roster(
        content, "csv", actor=COUNTY_APPROVER, now=NOW, max_bytes=CLI_MAX_BYTES, max_rows=CLI_MAX_ROWS, jobs=jobs
    )
    return report, ledger


def households(ledger: Ledger, content: bytes) -> dict[str, Any]:
    """Every household of the file as the store has it (without the times of its writing): its record, the
    commands that wrote it, and the household each member's ID number is claimed by."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    found: dict[str, Any] = {}
    for number in sorted({r[0] for r in rows}):
        view = ledger.registry.find_household(number)
        if view is None:
            found[number] = None
            continue
        household = ledger.find(Household, household_id(number))
        assert household is not None
        claims = [ledger.registry.household_by_id_number(COUNTY_APPROVER, m["id_number"]) for m in view["members"]]
        found[number] = ({k: v for k, v in view.items() if k not in ("registered_at", "updated_at")},
                         dict(household.command_versions), claims)  # fmt: skip
    return found


def events(ledger: Ledger) -> int:
    """How many events the store holds (notification ids may leave gaps where a refused batch rolled back)."""
    with ledger.recorder.datastore.get_connection() as conn:
        return int(conn.execute("SELECT count(*) AS n FROM cases_events").fetchone()["n"])  # type: ignore[index]


def test_households_naming_a_person_of_another_are_left_to_the_passes_in_file_order(
    es_env: dict[str, str], small_parts: list[int]
) -> None:
    content = roster(shared_person=True)
    ledger = Ledger(es_env)
    try:
        table = read_table(content, "csv", CLI_MAX_BYTES, CLI_MAX_ROWS)
        groups = read_roster(table.headers, table.rows, NOW.date(), table.first_row).households
        new = [NewHousehold(g.record, g.effective_on) for g in groups if g.record is not None]
        imp = Import("ab" * 32, COUNTY_APPROVER, NOW, "导入", False)
        created = parallel_import.write_new_in_parallel(ledger, new, imp, jobs=2)
    finally:
        ledger.close()
    assert small_parts == [2]
    # The first and the last household name one person: neither is written in parts; every other one is.
    assert created == [False] + [True] * (HOUSEHOLDS - 2) + [False]


@pytest.fixture
def second_env(pg_url: str) -> Iterator[dict[str, str]]:
    with fresh_database(pg_url) as env:
        yield env


@pytest.mark.parametrize("shared_person", [False, True], ids=["new-county", "one-person-twice"])
def test_two_processes_write_what_one_process_writes(
    es_env: dict[str, str], second_env: dict[str, str], small_parts: list[int], shared_person: bool
) -> None:
    content = roster(shared_person=shared_person)
    alone, one = imported(es_env, content, jobs=1)
    assert small_parts == []
    together, two = imported(second_env, content, jobs=2)
    assert small_parts == [2]
    try:
        assert together == alone
        expected_created = HOUSEHOLDS - 1 if shared_person else HOUSEHOLDS
        assert together["households"]["created"] == expected_created
        if shared_person:  # the first household in the file keeps the person, however the parts finish
            assert together["households"]["rejected"] == 1
            assert [e["rule"] for e in together["errors"]] == ["unique_id_number"]
        assert households(two, content) == households(one, content)
        assert events(two) == events(one)
        verified = audit.verify_log(two, check, "00" * 32)
        assert verified["first_break"] is None
        # The same file again: every household unchanged, whichever way it was first written.
        again, _ = imported(second_env, content, jobs=2)
        assert again["households"]["unchanged"] == expected_created
    finally:
        one.close()
        two.close()


def test_a_small_file_is_written_by_the_importing_process(
    es_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any) -> Any:
        raise AssertionError("no processes for a file under PARALLEL_FROM households")

    monkeypatch.setattr(parallel_import, "import_processes", refuse)
    report, ledger = imported(es_env, roster(), jobs=4)
    ledger.close()
    assert report["households"]["created"] == HOUSEHOLDS
