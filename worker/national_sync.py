"""The embedded stand-in for the national monitoring system: an outbox table and a JSON Lines export.

Each change of a case's monitoring status arrives once per (case id, version) in ``national_sync_outbox`` (exactly
once: the primary key absorbs Temporal's retries) and is appended to the JSON Lines file at least once (a crash
between the append and its mark repeats the line; consumers key on case id and version). A connector to the real
system implements the same ``send``.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.types.json import Jsonb

_DDL = """
CREATE TABLE IF NOT EXISTS national_sync_outbox (
    case_id uuid NOT NULL,
    version integer NOT NULL,
    status text NOT NULL,
    record jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    exported_at timestamptz,
    PRIMARY KEY (case_id, version)
)
"""


def conninfo_from(env: Mapping[str, str]) -> str:
    """A psycopg connection string from the eventsourcing library's POSTGRES_* settings."""
    return make_conninfo(
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD", ""),
    )


class OutboxNationalSystem:
    def __init__(self, env: Mapping[str, str], export: Path | None) -> None:
        self.conninfo = conninfo_from(env)
        self.export = export
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(_DDL)

    def send(self, case_id: str, version: int, status: str, record: dict[str, Any]) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO national_sync_outbox (case_id, version, status, record) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (case_id, version) DO NOTHING",
                (case_id, version, status, Jsonb(record)),
            )
            row = conn.execute(
                "SELECT exported_at FROM national_sync_outbox WHERE case_id = %s AND version = %s", (case_id, version)
            ).fetchone()
            if self.export is None or row is None or row[0] is not None:
                return
            self.export.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.export, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # household numbers: private
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                fcntl.flock(out, fcntl.LOCK_EX)
                out.write(json.dumps({"status": status, **record}, ensure_ascii=False) + "\n")
            conn.execute(
                "UPDATE national_sync_outbox SET exported_at = now() WHERE case_id = %s AND version = %s",
                (case_id, version),
            )
