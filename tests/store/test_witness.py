"""The host's administrator against the audit trail: every checkpoint is also appended to a witness outside the data
dir (in production WORM storage or another institution's service). Removing every checkpoint from the store and
emptying the copy beside it, or rewriting history and re-signing it with the audit key, is found against the
witness; without one, both pass (the README's threat model says so)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.audit import checkpoints as audit
from domain.ledger import Ledger
from tests.domain.support import CaseDriver
from tests.store.test_tamper import KEY, rewrite, sql
from workflows.audit.service import AuditService


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
