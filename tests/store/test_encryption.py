"""Personal data at rest: every stored event and snapshot is encrypted (AES-GCM, the eventsourcing library's cipher),
so ID numbers, phone numbers, names and health details cannot be read from PostgreSQL without the key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.kernel.envelope import Envelope
from domain.ledger import Ledger
from tests.conftest import connect
from tests.domain.support import TOWNSHIP_REVIEWER, VILLAGE_CODE, CaseDriver
from tests.integration.registry_support import household
from worker.cli import _create_tables
from workflows.kernel.settings import Settings


def stored_bytes(es_env: dict[str, str]) -> bytes:
    with connect(es_env) as conn:
        rows = conn.execute("SELECT state FROM cases_events UNION ALL SELECT state FROM cases_snapshots").fetchall()
    return b"".join(bytes(r[0]) for r in rows)


def test_personal_data_is_not_readable_in_postgresql_but_reads_back_through_the_ledger(es_env: dict[str, str]) -> None:
    ledger = Ledger(es_env)
    try:
        record = household("HH-SECRET-1", VILLAGE_CODE, 7, size=2)
        ledger.registry.register_household(
            Envelope(TOWNSHIP_REVIEWER, "reg", datetime.now(UTC)), record, reason="花名册"
        )
        case = CaseDriver(ledger)
        case.through("eliminated")
        ledger.take_snapshot(case.case_id)
        raw = stored_bytes(es_env)
        assert len(raw) > 1000
        member = record.members[0]
        for secret in (member.id_number, member.name, record.phone, "成员0", "chronic_illness", "household_visit"):
            assert secret.encode() not in raw, secret
        assert b'"command_id"' not in raw and b'"occurred_at"' not in raw  # not even the field names
        stored = ledger.registry.household("HH-SECRET-1")
        assert stored["members"][0]["id_number"] == member.id_number  # the ledger decrypts
        assert ledger.cases.view(case.case_id, datetime.now(UTC))["household"]["household_head"] == "成员0"
    finally:
        ledger.close()


def test_without_the_key_the_store_cannot_be_read(es_env: dict[str, str]) -> None:
    ledger = Ledger(es_env)
    case = CaseDriver(ledger)
    case.open()
    ledger.close()
    other = Ledger({**es_env, "CIPHER_KEY": "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI="})
    try:
        with pytest.raises(ValueError, match="Invalid cipher tag"):
            list(other.events.get(case.case_id))
    finally:
        other.close()


def test_the_stack_refuses_a_store_it_cannot_decrypt_with_a_clear_reason(
    es_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ledger = Ledger(es_env)
    CaseDriver(ledger).open()
    ledger.close()
    for key in ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME", "POSTGRES_USER", "POSTGRES_PASSWORD"):
        monkeypatch.setenv(key, es_env[key])
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DIXIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DIXIAN_CIPHER_KEY", "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI=")
    with pytest.raises(RuntimeError, match="cannot be decrypted with this cipher key"):
        _create_tables(Settings(), {})


def test_production_needs_a_configured_key_and_a_key_has_an_aes_size(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DIXIAN_CIPHER_KEY", raising=False)
    monkeypatch.setenv("DIXIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DIXIAN_ENV", "production")
    with pytest.raises(ValueError, match="DIXIAN_CIPHER_KEY must be set"):
        Settings().resolve_cipher_key()
    monkeypatch.setenv("DIXIAN_ENV", "development")
    generated = Settings().resolve_cipher_key()  # made once, kept private, the same next time
    assert (tmp_path / "cipher-key").stat().st_mode & 0o777 == 0o600 and Settings().resolve_cipher_key() == generated
    monkeypatch.setenv("DIXIAN_CIPHER_KEY", "c2hvcnQ=")
    with pytest.raises(ValueError, match="16, 24 or 32 bytes"):
        Settings().resolve_cipher_key()
