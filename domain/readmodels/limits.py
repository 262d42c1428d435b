"""Rates shared by every API replica: a sliding window per key, kept in PostgreSQL (``rate_hits``).

A window kept in each process would let N replicas allow N times the rate. Here every replica counts in one table:
a hit takes a transaction-scoped advisory lock on its key, in a class of advisory locks of its own (so no hit is let
through by a count made before another was recorded, and no key can wait on another lock of Dixian's), forgets the
key's hits older than the window, counts the rest and records itself when under the limit. A hit that finds its key
locked by another hit at that moment is over the rate: a caller sending lookups at once is answered 429 without
holding a connection while it waits (a flood on one key cannot take the pool the signed-in API reads with).

Keys are stored as HMAC-SHA-256 digests under a key the replicas share (derived from the cipher key), and only
for the window: without that key, a digest of an IPv4 address cannot be found again by trying every address.
"""

from __future__ import annotations

import hashlib
import hmac

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

    def __init__(self, datastore: PostgresDatastore, name: str, most: int, seconds: float, secret: bytes) -> None:
        self.datastore, self.name, self.most, self.seconds = datastore, name, most, seconds
        self._secret = hmac.new(secret, b"dixian rate keys", hashlib.sha256).digest()
        self._table = SQL("{0}.{1}").format(Identifier(datastore.schema or "public"), Identifier(TABLE))
        with datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))  # replicas starting together take turns
            for ddl in _DDL:
                curs.execute(SQL(ddl).format(t=self._table))

    def _key(self, key: str) -> str:
        return f"{self.name}:{hmac.new(self._secret, key.encode('utf-8'), hashlib.sha256).hexdigest()}"

    def _live(self, curs: Cursor[DictRow], key: str) -> int | None:
        """Lock ``key`` for this transaction, forget what has expired, and count its hits within the window (None:
        another hit holds the key now)."""
        curs.execute("SET LOCAL lock_timeout = '5s'")  # the sweep's row locks, never for ever
        curs.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s)) AS mine", (RATE_LOCK_CLASS, key))
        got = curs.fetchone()
        if not (got and got["mine"]):
            return None
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
            hits = self._live(curs, self._key(key))
            return hits is not None and hits < self.most

    def hit(self, key: str) -> bool:
        """Count a hit for ``key``; False when it is over the rate, or another hit holds the key now (the hit is not
        counted then)."""
        digest = self._key(key)
        with self.datastore.transaction(commit=True) as curs:
            hits = self._live(curs, digest)
            if hits is None or hits >= self.most:
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
            curs.execute("SET LOCAL lock_timeout = '5s'")
            curs.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (RATE_LOCK_CLASS, digest))
            curs.execute(
                SQL("DELETE FROM {0} WHERE id = (SELECT id FROM {0} WHERE key = %s ORDER BY at DESC LIMIT 1)").format(
                    self._table
                ),
                (digest,),
            )
