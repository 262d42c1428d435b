"""Tampering with stored events directly in PostgreSQL is detected: an altered event, a deleted one (in the middle
of a stream, and the last one), and two events swapped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from domain.audit import checkpoints as audit
from domain.ledger import Ledger
from tests.conftest import connect
from tests.domain.support import CaseDriver
from workflows.kernel.keys import SigningKey, check

KEY = SigningKey(bytes(range(32)))


def sql(es_env: dict[str, str], statement: str, *params: Any) -> None:
    with connect(es_env, autocommit=True) as conn:
        conn.execute(statement, params)  # type: ignore[arg-type]


def rewrite(es_env: dict[str, str], table: str, where: str, params: tuple[Any, ...], edit: Any) -> None:
    """An insider holding the cipher key rewrites stored rows: decrypt, ``edit`` the text, encrypt again."""
    cipher = AESCipher(Environment(env=es_env))
    with connect(es_env, autocommit=True) as conn:
        rows = conn.execute(f"SELECT ctid, state FROM {table} WHERE {where}", params).fetchall()  # type: ignore[arg-type]
        assert rows, "nothing to rewrite"
        for ctid, state in rows:
            text = edit(cipher.decrypt(bytes(state)).decode("utf-8"))
            conn.execute(f"UPDATE {table} SET state = %s WHERE ctid = %s", (cipher.encrypt(text.encode("utf-8")), ctid))  # type: ignore[arg-type]


def a_case_with_a_checkpoint(ledger: Ledger) -> CaseDriver:
    case = CaseDriver(ledger)
    case.through("monitored")  # a dozen events
    assert audit.make_checkpoint(ledger, KEY.sign, datetime.now(UTC)) is not None
    return case


def log_report(ledger: Ledger) -> dict[str, Any]:
    return audit.verify_log(ledger, check, KEY.public_key)


def test_an_untouched_store_holds(ledger: Ledger) -> None:
    case = a_case_with_a_checkpoint(ledger)
    assert audit.verify_streams(ledger, [case.case_id])["holds"] is True
    report = log_report(ledger)
    assert report["holds"] is True and report["first_break"] is None and report["checkpoint_problems"] == []
    assert report["events_checked"] == ledger.recorder.max_notification_id()


def test_an_event_altered_by_someone_with_the_key_is_found(ledger: Ledger, es_env: dict[str, str]) -> None:
    case = a_case_with_a_checkpoint(ledger)
    rewrite(es_env, "cases_events", "originator_id = %s AND originator_version = 1", (case.case_id,),
            lambda text: text.replace("成员0", "王某"))  # fmt: skip
    report = audit.verify_streams(ledger, [case.case_id])
    assert report["holds"] is False
    assert report["first_break"] | {"detail": ""} == {
        "originator_id": str(case.case_id), "version": 1, "kind": "altered", "detail": "",
    }  # fmt: skip
    whole = log_report(ledger)  # the chain breaks, and the checkpoint vouched for other content
    assert whole["first_break"]["kind"] == "altered"
    assert whole["checkpoint_problems"][0]["why"].startswith("the events stored in this range")


def test_an_event_altered_without_the_key_is_found(ledger: Ledger, es_env: dict[str, str]) -> None:
    case = a_case_with_a_checkpoint(ledger)
    sql(es_env, "UPDATE cases_events SET state = set_byte(state, 20, get_byte(state, 20) # 1) "
                "WHERE originator_id = %s AND originator_version = 2", case.case_id)  # fmt: skip
    report = audit.verify_streams(ledger, [case.case_id])
    assert report["holds"] is False and report["first_break"]["kind"] == "altered"
    assert "cannot be read" in report["first_break"]["detail"]
    whole = log_report(ledger)
    assert whole["holds"] is False and whole["first_break"]["kind"] == "altered"


def test_a_deleted_event_in_the_middle_is_found(ledger: Ledger, es_env: dict[str, str]) -> None:
    case = a_case_with_a_checkpoint(ledger)
    sql(es_env, "DELETE FROM cases_events WHERE originator_id = %s AND originator_version = 3", case.case_id)
    report = audit.verify_streams(ledger, [case.case_id])
    assert (report["first_break"]["version"], report["first_break"]["kind"]) == (4, "missing")
    assert log_report(ledger)["first_break"]["kind"] == "missing"


def test_the_deleted_last_event_of_a_stream_is_found_by_the_checkpoint(ledger: Ledger, es_env: dict[str, str]) -> None:
    case = a_case_with_a_checkpoint(ledger)
    last = max(e.originator_version for e in ledger.events.get(case.case_id))
    sql(es_env, "DELETE FROM cases_events WHERE originator_id = %s AND originator_version = %s", case.case_id, last)
    sql(es_env, "DELETE FROM cases_snapshots")
    assert audit.verify_streams(ledger, [case.case_id])["holds"] is True  # the chain alone cannot tell
    report = log_report(ledger)
    assert report["holds"] is False and report["first_break"] is None
    assert "events were checkpointed" in report["checkpoint_problems"][0]["why"]


def test_two_swapped_events_are_found(ledger: Ledger, es_env: dict[str, str]) -> None:
    case = a_case_with_a_checkpoint(ledger)
    sql(
        es_env,
        "WITH s AS (SELECT originator_version AS v, state, topic FROM cases_events WHERE originator_id = %s "
        "AND originator_version IN (2, 3)) UPDATE cases_events e SET state = s.state, topic = s.topic FROM s "
        "WHERE e.originator_id = %s AND e.originator_version = 5 - s.v",
        case.case_id,
        case.case_id,
    )
    report = audit.verify_streams(ledger, [case.case_id])
    assert report["holds"] is False and report["first_break"]["version"] == 2
    assert report["first_break"]["kind"] in ("broken_link", "altered")


def test_a_forged_checkpoint_signature_is_found(ledger: Ledger) -> None:
    a_case_with_a_checkpoint(ledger)
    other = SigningKey(bytes(32))
    report = audit.verify_log(ledger, check, other.public_key)
    assert report["checkpoint_problems"][0]["why"].startswith("the signature does not verify")


def test_a_checkpoint_covers_what_was_stored_since_the_last(ledger: Ledger) -> None:
    a_case_with_a_checkpoint(ledger)
    # Nothing new but the checkpoint itself: no checkpoint of the checkpoint.
    assert audit.make_checkpoint(ledger, KEY.sign, datetime.now(UTC)) is None
    first = audit.checkpoints(ledger)[0]
    CaseDriver(ledger).open()  # another case's clue
    second = audit.make_checkpoint(ledger, KEY.sign, datetime.now(UTC))
    assert second is not None and second["after"] == first["through"]
    # The audit log's start and first checkpoint; the household registered before the clue (its registration and the
    # claims of its 3 members' ID numbers); the clue and its household's open-case index (started, opened).
    assert second["events"] == 9
    assert log_report(ledger)["holds"] is True


def test_merkle_proofs_lead_to_the_root() -> None:
    leaves = [audit.leaf(i, "x", i, f"{i:064x}") for i in range(1, 12)]
    root = audit.merkle_root(leaves)
    for index, leaf in enumerate(leaves):
        assert audit.root_from_proof(leaf, audit.merkle_proof(leaves, index)) == root
    assert audit.root_from_proof(leaves[0], audit.merkle_proof(leaves, 1)) != root


def test_an_altered_snapshot_is_found(ledger: Ledger, es_env: dict[str, str]) -> None:
    case = CaseDriver(ledger)
    case.through("eliminated")
    ledger.take_snapshot(case.case_id)  # as the ledger does every 25 events
    assert audit.verify_streams(ledger, [case.case_id])["holds"] is True  # an honest snapshot is no alarm
    assert log_report(ledger)["first_break"] is None
    number = f"HH-{case.case_id.hex[:8]}"
    rewrite(es_env, "cases_snapshots", "originator_id = %s", (case.case_id,),
            lambda text: text.replace(number, "HH-FORGED"))  # fmt: skip
    view = ledger.cases.view(case.case_id, datetime.now(UTC))
    assert view["household"]["household_number"] == number  # reads fold the checked events, never a snapshot
    report = audit.verify_streams(ledger, [case.case_id])
    assert report["first_break"]["kind"] == "altered" and "snapshot" in report["first_break"]["detail"]
    assert log_report(ledger)["holds"] is False


def test_a_stream_deleted_behind_its_snapshot_is_found(ledger: Ledger, es_env: dict[str, str]) -> None:
    case = CaseDriver(ledger)
    case.through("eliminated")
    ledger.take_snapshot(case.case_id)
    sql(es_env, "DELETE FROM cases_events WHERE originator_id = %s", case.case_id)
    report = audit.verify_streams(ledger, [case.case_id])
    assert report["holds"] is False and report["first_break"]["kind"] == "missing"


def test_an_unreadable_row_is_reported_not_raised(ledger: Ledger, es_env: dict[str, str]) -> None:
    case = a_case_with_a_checkpoint(ledger)
    sql(es_env, "UPDATE cases_events SET state = '{not json' WHERE originator_id = %s AND originator_version = 2",
        case.case_id)  # fmt: skip
    assert audit.verify_streams(ledger, [case.case_id])["first_break"]["kind"] == "altered"
    report = log_report(ledger)
    assert report["first_break"]["kind"] == "altered" and "cannot be read" in report["first_break"]["detail"]


def test_cutting_the_last_checkpoint_is_found_against_the_kept_copy(ledger: Ledger, es_env: dict[str, str]) -> None:
    case = a_case_with_a_checkpoint(ledger)
    CaseDriver(ledger).open()
    kept = [audit.checkpoints(ledger)[0], audit.make_checkpoint(ledger, KEY.sign, datetime.now(UTC))]
    assert audit.verify_log(ledger, check, KEY.public_key, kept)["holds"] is True
    last = max(e.originator_version for e in ledger.events.get(audit.AUDIT_LOG_ID))
    sql(
        es_env,
        "DELETE FROM cases_events WHERE originator_id = %s AND originator_version = %s",
        audit.AUDIT_LOG_ID,
        last,
    )
    sql(es_env, "DELETE FROM cases_snapshots")
    report = audit.verify_log(ledger, check, KEY.public_key, kept)
    assert report["holds"] is False
    assert report["checkpoint_problems"][-1]["why"] == "a checkpoint signed earlier is missing from the store"
    assert report["unchecked_events"] > 0  # what the cut checkpoint covered is now after the last one
    del case


def test_checkpoints_must_follow_one_another(ledger: Ledger, es_env: dict[str, str]) -> None:
    a_case_with_a_checkpoint(ledger)
    CaseDriver(ledger).open()
    audit.make_checkpoint(ledger, KEY.sign, datetime.now(UTC))
    sql(es_env, "DELETE FROM cases_events WHERE originator_id = %s AND originator_version = 2", audit.AUDIT_LOG_ID)
    report = log_report(ledger)
    assert any("not contiguous" in p["why"] for p in report["checkpoint_problems"])
