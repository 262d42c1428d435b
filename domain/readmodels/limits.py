"""Rates shared by every API replica: a sliding window per key, kept in PostgreSQL (``rate_hits``).

A window kept in each process would let N replicas allow N times the rate. Here every replica counts in one table:
a hit takes a transaction-scoped advisory lock on its key, in a class of advisory locks of its own (so hits at once
on one key are counted in turn, never both let through by a count made before either was recorded, and no key can
wait on another lock of Dixian's), forgets the key's hits older than the window, counts the rest and records itself
when under the limit. Keys are stored as SHA-256 digests, and only for the window: an IPv4 address could be found
again from its digest by trying them all, so the table is as private as an access log (it holds no more).
"""

from __future__ import annotations

import hashlib

from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain.readmodels.schema import DDL_LOCK

TABLE = "rate_hits"
RATE_LOCK_CLASS = 0x5254  # "RT": the advisory-lock class of the rate keys (worker.lease has its own)
SWEEP = 100  # expired hits of other keys removed by each hit, at most, skipping any another hit holds
_DDL = (
    "CREATE TABLE IF NOT EXISTS {t} (id bigserial PRIMARY KEY, key text NOT NULL, at timestamptz NOT NULL, "
    "expires_at timestamptz NOT NULL)",
    "CREATE INDEX IF NOT EXISTS rate_hits_key_at ON {t} (key, at)",
    "CREATE INDEX IF NOT EXISTS rate_hits_expires_at ON {t} (expires_at)",
)


class SharedWindow:
    """At most ``most`` hits per key within ``seconds``, across every process on the database."""

    def __init__(self, datastore: PostgresDatastore, name: str, most: int, seconds: float) -> None:
        self.datastore, self.name, self.most, self.seconds = datastore, name, most, seconds
        self._table = SQL("{0}.{1}").format(Identifier(datastore.schema or "public"), Identifier(TABLE))
        with datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))  # replicas starting together take turns
            for ddl in _DDL:
                curs.execute(SQL(ddl).format(t=self._table))

    def _key(self, key: str) -> str:
        return f"{self.name}:{hashlib.sha256(key.encode('utf-8')).hexdigest()}"

    def _live(self, curs: Cursor[DictRow], key: str) -> int:
        """Lock ``key`` for this transaction, forget what has expired, and count its hits within the window."""
        curs.execute("SET LOCAL lock_timeout = '5s'")  # a lookup waits for its key's turn, never for ever
        curs.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (RATE_LOCK_CLASS, key))
        curs.execute(SQL("DELETE FROM {0} WHERE key = %s AND expires_at <= now()").format(self._table), (key,))
        curs.execute(
            SQL(
                "DELETE FROM {0} WHERE id IN (SELECT id FROM {0} WHERE expires_at <= now() LIMIT %s "
                "FOR UPDATE SKIP LOCKED)"
            ).format(self._table),
            (SWEEP,),
        )
        curs.execute(SQL("SELECT count(*) AS hits FROM {0} WHERE key = %s").format(self._table), (key,))
        row = curs.fetchone()
        return int(row["hits"]) if row else 0

    def allows(self, key: str) -> bool:
        """Whether ``key`` may go on, without counting a hit."""
        with self.datastore.transaction(commit=True) as curs:
            return self._live(curs, self._key(key)) < self.most

    def hit(self, key: str) -> bool:
        """Count a hit for ``key``; False when it is over the rate (the hit is not counted then)."""
        digest = self._key(key)
        with self.datastore.transaction(commit=True) as curs:
            if self._live(curs, digest) >= self.most:
                return False
            insert = SQL(
                "INSERT INTO {0} (key, at, expires_at) "
                "VALUES (%s, clock_timestamp(), clock_timestamp() + make_interval(secs => %s))"
            ).format(self._table)
            curs.execute(insert, (digest, self.seconds))
            return True

    def refund(self, key: str) -> None:
        """Take back the last hit of ``key`` (a lookup that succeeded does not count against its record)."""
        digest = self._key(key)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (RATE_LOCK_CLASS, digest))
            curs.execute(
                SQL("DELETE FROM {0} WHERE id = (SELECT id FROM {0} WHERE key = %s ORDER BY at DESC LIMIT 1)").format(
                    self._table
                ),
                (digest,),
            )
