"""A store written by an earlier Dixian reads, verifies and replays unchanged on today's code.

The rows of ``store-60c7aed`` were written by the code before the domain moved into contexts (see its README). They
are loaded byte for byte into a fresh PostgreSQL; today's code must rebuild every aggregate as that code did (stored
topics included), show the same case views and event records, verify every hash chain and the signed checkpoint,
and fold the same read models from scratch.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from domain.ledger import Ledger
from tests.store.write_store import connect, project, read_back

STORE = Path(__file__).parent / "store-60c7aed"


def rows(name: str) -> list[dict[str, Any]]:
    lines = (STORE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def load(env: dict[str, str]) -> None:
    """The stored rows into the empty tables today's code creates, notification ids as they were."""
    Ledger(env).close()
    with connect(env) as conn:
        for row in rows("cases_events"):
            conn.execute(
                "INSERT INTO cases_events (notification_id, originator_id, originator_version, topic, state) "
                "VALUES (%s, %s, %s, %s, %s)",
                (row["notification_id"], row["originator_id"], row["originator_version"], row["topic"],
                 base64.b64decode(row["state"])),
            )  # fmt: skip
        conn.execute("SELECT setval(pg_get_serial_sequence('cases_events', 'notification_id'), %s)",
                     (max(r["notification_id"] for r in rows("cases_events")),))  # fmt: skip
        for row in rows("cases_snapshots"):
            conn.execute(
                "INSERT INTO cases_snapshots (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)",
                (row["originator_id"], row["originator_version"], row["topic"], base64.b64decode(row["state"])),
            )


@pytest.fixture
def expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((STORE / "expected.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def old_store(es_env: dict[str, str]) -> dict[str, str]:
    load(es_env)
    return es_env


def test_every_kind_of_event_the_fixture_holds_is_known_by_its_stored_name(expected: dict[str, Any]) -> None:
    from tests.store.test_topics import EVENT_TOPICS

    # Written to hold every kind of event the code stored then; a kind added since is not in it, none may go.
    assert len(expected["topics"]) == 48
    assert set(expected["topics"]) <= EVENT_TOPICS


def test_every_aggregate_reads_back_as_it_was_written(old_store: dict[str, str], expected: dict[str, Any]) -> None:
    now = read_back(old_store, expected["ids"])
    assert set(now["aggregates"]) == set(expected["aggregates"])
    for oid, was in expected["aggregates"].items():
        assert now["aggregates"][oid] == was, oid
    assert now["households"] == expected["households"]


def test_every_case_shows_the_same_view_and_records(old_store: dict[str, str], expected: dict[str, Any]) -> None:
    now = read_back(old_store, expected["ids"])
    for name, was in expected["cases"].items():
        assert now["cases"][name]["view"] == was["view"], name
        assert now["cases"][name]["records"] == was["records"], name


def test_the_whole_store_verifies_with_its_signed_checkpoint(
    old_store: dict[str, str], expected: dict[str, Any]
) -> None:
    verification = read_back(old_store, expected["ids"])["verification"]
    assert verification["holds"] is True
    assert verification["first_break"] is None
    assert verification["last_checkpoint"]["through"] == 94
    assert verification == expected["verification"]


def test_the_read_models_fold_the_same_rows_from_scratch(old_store: dict[str, str], expected: dict[str, Any]) -> None:
    folded = project(old_store)
    # Every column the old code wrote holds what it held; a column added since (case_summaries.responsible_user) is
    # filled from the same events.
    for table, rows in expected["read_models"].items():
        kept = [{k: r[k] for k in rows[0]} for r in folded[table]] if rows else folded[table]
        assert sorted(kept, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False)) == rows, table
    assert {r["responsible_user"] for r in folded["case_summaries"]} <= {"", "helper-chen"}
