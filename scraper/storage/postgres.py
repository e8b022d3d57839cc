"""The PostgreSQL store: many workers on many machines share one frontier, one politeness, one store.

Claims lock rows with `FOR UPDATE SKIP LOCKED`, so workers never wait on each other and never get the
same URL. Politeness lives in the `hosts` table: a claim locks the host row and takes that host's first due
URL only while the host has fewer than `per_host` URLs claimed, which bounds its requests in flight over
all workers; each request then takes the host's turn (`next_allowed_at` held until the request has gone
out, then moved to that moment plus the delay), so N workers together keep the per-host delay one
worker would, retries and robots.txt included. Times are `timestamptz`, passed in by the caller (`now`),
so every decision uses the same clock as the tests and as the SQLite store.

What the database needs: PostgreSQL 10 or later (identity columns, SKIP LOCKED), no extension; a role
that may create tables in its schema for `scraper db migrate` (or a fresh database's first open), then
only SELECT, INSERT and UPDATE; one connection per worker process. Leases and host slots are computed
from the workers' clocks, so machines sharing a database should keep their clocks in sync (NTP): a
worker whose clock runs ahead takes leases and host slots early by that much.

The flows both backends share (saving a page, versions, reading, status, migrations) live in `_sql`;
this module supplies the connection and its transactions, the dialect, and the statements that are
PostgreSQL's own: enqueueing with arrays, claiming with row locks, taking a host's turn in one statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..errors import StorageError
from ..urls import host_key
from . import _rules
from ._schema import CLAIMED_SQL, PENDING_SQL, ColumnTypes
from ._sql import ClaimRequest, Dialect, SQLStore

__all__ = ["PostgresStore"]

# Key of the advisory lock that serialises `migrate` between workers starting on a fresh database.
MIGRATE_LOCK_KEY = 0x5C4A9E5
# Seconds to wait for the server before calling it unreachable.
CONNECT_TIMEOUT = 10


_CLAIM_CANDIDATES = f"""
    SELECT h.host, first.id
    FROM hosts h
    CROSS JOIN LATERAL (
        SELECT u.id, u.next_attempt_at FROM urls u
        WHERE u.host = h.host AND u.state <> {CLAIMED_SQL} AND u.next_attempt_at <= %(now)s
        ORDER BY u.next_attempt_at, u.id LIMIT 1
    ) AS first
    WHERE h.next_allowed_at <= %(now)s
        AND h.host NOT IN (
            SELECT c.host FROM urls c WHERE c.state = {CLAIMED_SQL}
            GROUP BY c.host HAVING count(*) >= %(per_host)s
        )
    ORDER BY first.next_attempt_at, first.id
    LIMIT %(limit)s
    FOR UPDATE OF h SKIP LOCKED
"""

# The per-host count again, once the host rows are locked. The count above is of the statement's
# snapshot: when another worker's claim of the host commits between that snapshot and our lock,
# PostgreSQL re-checks the locked row but not the subquery. Every claim of a host locks its row, so a
# statement started after our lock sees every claim made before it.
_FULL_HOSTS = f"""
    SELECT host FROM urls WHERE state = {CLAIMED_SQL} AND host = ANY(%(hosts)s)
    GROUP BY host HAVING count(*) >= %(per_host)s
"""

# The state test is repeated here on purpose: under READ COMMITTED, PostgreSQL re-checks an UPDATE's
# WHERE against the newest row version, so a URL another worker claimed meanwhile is left alone.
_CLAIM_URLS = f"""
    UPDATE urls
    SET state = {CLAIMED_SQL}, token = token + 1, lease_expires_at = %(lease)s, claimed_by = %(worker)s
    WHERE id = ANY(%(ids)s) AND state <> {CLAIMED_SQL} AND next_attempt_at <= %(now)s
    RETURNING id, url, host, token, attempts, etag, last_modified, next_attempt_at
"""


def describe_dsn(dsn: str) -> str:
    """`host:port/dbname` of a DSN, for messages: never the password."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.Error:
        return "PostgreSQL (unparsable DSN)"
    return f"PostgreSQL {parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"


class PostgresStore(SQLStore[psycopg.Connection[Any]]):
    """A `Store` in a PostgreSQL database. Safe to share between threads (calls are serialised);
    open one per process, or per worker thread to claim in parallel."""

    shared = True  # workers on many machines claim from one frontier
    dialect = Dialect(
        param="%s",
        named="%({})s",
        lock_row=" FOR UPDATE",
        lock_free_rows=" FOR UPDATE SKIP LOCKED",
        report_param="%s::jsonb",
        report_text="report::text",
        schema_table_exists="SELECT to_regclass('schema_version') IS NOT NULL",
        earliest=datetime.min.replace(tzinfo=UTC),
        types=ColumnTypes(
            row_id="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            big_integer="BIGINT",
            time="TIMESTAMPTZ",
            blob="BYTEA",
            json="JSONB",  # checked as JSON on the way in; `status` reads it back as text
            keyed_table="",
        ),
    )

    def __init__(self, dsn: str) -> None:
        super().__init__(describe_dsn(dsn))
        self._dsn = dsn
        self._closed = False
        self._db = self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            db = psycopg.connect(self._dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
            db.execute("SET TIME ZONE 'UTC'")
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to {self._where}: {exc}") from exc
        return db

    # -- transactions and values ----------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[psycopg.Connection[Any]]:
        with self._lock:
            if self._db.broken and not self._closed:
                # The server restarted or the network dropped: the call that saw it failed with a
                # StorageError; a long-running worker carries on with a new connection.
                self._db = self._connect()
            try:
                with self._db.transaction():
                    yield self._db
            except psycopg.Error as exc:
                raise StorageError(f"{self._where}: {exc}") from exc

    def _read(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        return self._write()  # the connection is in autocommit mode: a read needs its own transaction too

    @staticmethod
    def _to_db(moment: datetime) -> datetime:
        return _rules.require_aware(moment)

    @staticmethod
    def _from_db(value: datetime) -> datetime:
        return value.astimezone(UTC)

    def _serialise_migrations(self, db: psycopg.Connection[Any]) -> None:
        db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK_KEY,))

    # -- frontier -------------------------------------------------------------------------------

    def _insert_urls(
        self, db: psycopg.Connection[Any], urls: list[str], *, source: str, seen: datetime
    ) -> int:
        hosts = [host_key(url) for url in urls]
        cursor = db.execute(
            "INSERT INTO urls (url, host, source, state, attempts, next_attempt_at, first_seen) "
            f"SELECT u, h, %(source)s, {PENDING_SQL}, 0, %(now)s, %(now)s "
            "FROM unnest(%(urls)s::text[], %(hosts)s::text[]) AS t (u, h) "
            "ON CONFLICT (url) DO NOTHING",
            {"source": source, "now": seen, "urls": urls, "hosts": hosts},
        )
        db.execute(
            "INSERT INTO hosts (host, next_allowed_at) SELECT unnest(%s::text[]), %s "
            "ON CONFLICT (host) DO NOTHING",
            (sorted(set(hosts)), _rules.EPOCH),
        )
        return cursor.rowcount

    def _claim_rows(self, db: psycopg.Connection[Any], request: ClaimRequest) -> list[Any]:
        cap = request.per_host_cap
        candidates = db.execute(
            _CLAIM_CANDIDATES, {"now": request.now, "limit": request.limit, "per_host": cap}
        ).fetchall()
        if candidates and request.per_host is not None:
            full = db.execute(_FULL_HOSTS, {"hosts": [row[0] for row in candidates], "per_host": cap})
            full_hosts = {row[0] for row in full}
            candidates = [row for row in candidates if row[0] not in full_hosts]
        if not candidates:
            return []
        rows = db.execute(
            _CLAIM_URLS,
            {
                "lease": request.lease_expires,
                "worker": request.worker,
                "ids": [row[1] for row in candidates],
                "now": request.now,
            },
        ).fetchall()
        hosts = sorted({row[2] for row in rows})
        # greatest(): a claim never moves a host's next slot earlier (a turn held by a request, or
        # a longer delay reserved by another worker, stays).
        db.execute(
            "UPDATE hosts SET next_allowed_at = greatest(next_allowed_at, %s) WHERE host = ANY(%s)",
            (request.next_allowed, hosts),
        )
        rows.sort(key=lambda row: (row[7], row[0]))
        return rows

    def take_host_turn(self, url: str, *, now: datetime, held_until: datetime) -> float:
        host = host_key(url)
        now = _rules.require_aware(now)
        with self._write() as db:
            # One statement: of workers asking at once, the row lock lets exactly one take the turn. A host
            # not enqueued yet (a redirect's target) gets its row here.
            taken = db.execute(
                "INSERT INTO hosts (host, next_allowed_at) VALUES (%(host)s, %(held)s) "
                "ON CONFLICT (host) DO UPDATE SET next_allowed_at = excluded.next_allowed_at "
                "WHERE hosts.next_allowed_at <= %(now)s RETURNING host",
                {"host": host, "held": _rules.require_aware(held_until), "now": now},
            ).fetchone()
            if taken is not None:
                return 0.0
            row = db.execute("SELECT next_allowed_at FROM hosts WHERE host = %s", (host,)).fetchone()
        return _rules.turn_wait(self._from_db(row[0]) if row else now, now)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()
