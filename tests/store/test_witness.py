"""The host's administrator against the audit trail: every checkpoint is also appended to a witness outside the data
dir (in production WORM storage or another institution's service). Removing every checkpoint from the store and
emptying the copy beside it, or rewriting history and re-signing it with the audit key, is found against the
witness; without one, both pass (the README's threat model says so)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.audit import checkpoints as audit
from domain.audit.tree import consistent
from domain.ledger import Ledger
from tests.domain.support import CaseDriver
from tests.store.test_tamper import KEY, rewrite, sql
from worker.cli import main
from workflows.audit.service import AuditService, read_heads
from workflows.kernel.keys import check


def service(es_env: dict[str, str], ledger: Ledger, *files: Path) -> AuditService:
    return AuditService.connect(es_env, KEY, ledger, anchor_files=files)


def two_checkpoints(svc: AuditService) -> str:
    first = CaseDriver(svc.ledger)
    first.through("monitored")
    assert svc.checkpoint(datetime.now(UTC)) is not None
    CaseDriver(svc.ledger).through("announcement")
    assert svc.checkpoint(datetime.now(UTC)) is not None
    return str(first.case_id)


def cut_every_checkpoint(es_env: dict[str, str], beside: Path) -> None:
    sql(es_env, "DELETE FROM cases_events WHERE originator_id = %s", audit.AUDIT_LOG_ID)
    sql(es_env, "DELETE FROM cases_snapshots WHERE originator_id = %s", audit.AUDIT_LOG_ID)
    beside.write_text("")


def problems(report: dict[str, Any]) -> list[str]:
    return [p["why"] for p in report["checkpoint_problems"]]


def test_cutting_every_checkpoint_and_the_copy_beside_the_store_is_found_by_the_witness(
    ledger: Ledger, es_env: dict[str, str], tmp_path: Path
) -> None:
    beside, witness = tmp_path / "data" / "audit-checkpoints.jsonl", tmp_path / "elsewhere" / "witness.jsonl"
    svc = service(es_env, ledger, beside, witness)
    two_checkpoints(svc)
    assert svc.verify_all()["holds"] is True
    assert len(witness.read_text().splitlines()) == 2 and witness.stat().st_mode & 0o777 == 0o600

    cut_every_checkpoint(es_env, beside)
    without_witness = service(es_env, ledger, beside).verify_all()
    assert without_witness["holds"] is True and without_witness["last_checkpoint"] is None  # what a witness is for
    report = svc.verify_all()
    assert report["holds"] is False
    assert problems(report) == ["a checkpoint signed earlier is missing from the store"] * 2


def test_a_history_rewritten_and_re_signed_with_the_audit_key_is_found_by_the_witness(
    ledger: Ledger, es_env: dict[str, str], tmp_path: Path
) -> None:
    beside, witness = tmp_path / "data" / "audit-checkpoints.jsonl", tmp_path / "elsewhere" / "witness.jsonl"
    svc = service(es_env, ledger, beside, witness)
    case_id = two_checkpoints(svc)
    # An administrator holding the cipher key and the audit key: alters an event and re-signs everything after it.
    number = f"HH-{case_id.replace('-', '')[:8]}"
    rewrite(es_env, "cases_events", "originator_id = %s AND originator_version = 1", (case_id,),
            lambda text: text.replace(number, "HH-FORGED"))  # fmt: skip
    cut_every_checkpoint(es_env, beside)
    forger = service(es_env, ledger, beside)  # their own checkpoints, their own copy: no witness to write to
    assert forger.checkpoint(datetime.now(UTC)) is not None
    assert forger.verify_all()["checkpoint_problems"] == []  # the store alone no longer tells

    report = svc.verify_all()
    assert report["holds"] is False
    assert "a checkpoint signed earlier is missing from the store" in problems(report)


def witness_says(path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """`dixian audit verify-witness FILE --public-key K`: what the witness can tell with its file alone."""
    monkeypatch.setattr("worker.cli.configure_logging", lambda **_: None)
    with pytest.raises(SystemExit) as done:
        main(["audit", "verify-witness", str(path), "--public-key", KEY.public_key])
    return int(done.value.code or 0)


def test_each_head_a_witness_keeps_extends_the_one_before_and_a_re_signed_history_cannot_follow(
    ledger: Ledger, es_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    witness = tmp_path / "elsewhere" / "witness.jsonl"
    svc = service(es_env, ledger, witness)
    case_id = two_checkpoints(svc)
    CaseDriver(svc.ledger).through("monitored")
    assert svc.checkpoint(datetime.now(UTC)) is not None
    heads = read_heads(witness)
    assert [h["number"] for h in heads] == [1, 2, 3] and heads[0]["consistency"] == {"from_size": 0, "proof": []}
    assert heads[2]["tree_size"] == heads[1]["tree_size"] + heads[2]["events"]
    assert audit.verify_heads(heads, check, KEY.public_key) == []  # the witness alone: each extends the one before
    assert witness_says(witness, monkeypatch) == 0
    pulled = svc.consistency(1, 3)  # a witness that pulls heads gets the same proof between any two
    assert consistent(heads[0]["tree_size"], heads[0]["tree_root"], heads[2]["tree_size"], heads[2]["tree_root"],
                      pulled["proof"])  # fmt: skip

    # An administrator with both keys rewrites the first case, cuts the checkpoints and signs a history of their own,
    # which their next checkpoint appends to the witness: it cannot be shown to extend the head the witness kept.
    number = f"HH-{case_id.replace('-', '')[:8]}"
    rewrite(es_env, "cases_events", "originator_id = %s AND originator_version = 1", (case_id,),
            lambda text: text.replace(number, "HH-FORGED"))  # fmt: skip
    sql(es_env, "DELETE FROM cases_events WHERE originator_id = %s", audit.AUDIT_LOG_ID)
    forged = service(es_env, ledger, witness).checkpoint(datetime.now(UTC))
    assert forged is not None and forged["number"] == 1
    assert audit.verify_heads(read_heads(witness), check, KEY.public_key) == [
        {"checkpoint": 1, "after": 0, "through": forged["through"],
         "why": "its tree does not extend the tree of the head before it"}
    ]  # fmt: skip
    assert witness_says(witness, monkeypatch) == 1
    # A head altered in the witness's own file is found too: its signature, and the proof of the next one.
    tampered = list(heads)
    tampered[1] = {**heads[1], "tree_root": "0" * 64}
    assert {p["why"] for p in audit.verify_heads(tampered, check, KEY.public_key)} == {
        "the signature does not verify with the configured public key",
        "its tree does not extend the tree of the head before it",
    }
    assert svc.verify_all()["holds"] is False
