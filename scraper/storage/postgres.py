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
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..config import RunSettings
from ..errors import StaleClaimError, StorageError
from ..models import (
    Claim,
    Document,
    FetchResult,
    Outcome,
    OutcomeKind,
    RawPage,
    RunReport,
    StoredDocument,
    StoreStatus,
    Validators,
)
from . import _rules
from ._clean import clean_document, clean_text, text_hash
from ._schema import Migration, check_version, migrations_to_apply
from .base import SCHEMA_VERSION

__all__ = ["PostgresStore"]

# URLs inserted per statement by `enqueue`; sorted, so concurrent enqueues lock in one order and
# cannot deadlock.
ENQUEUE_CHUNK = 1000
# Rows read per query by the iterators, so 100,000 documents never sit in memory at once.
PAGE_SIZE = 500
LAST_RUNS = 5
# Key of the advisory lock that serialises `migrate` between workers starting on a fresh database.
MIGRATE_LOCK_KEY = 0x5C4A9E5
# Seconds to wait for the server before calling it unreachable.
CONNECT_TIMEOUT = 10
_BEGINNING = datetime.min.replace(tzinfo=UTC)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        (
            """CREATE TABLE IF NOT EXISTS urls (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                url TEXT NOT NULL UNIQUE,
                host TEXT NOT NULL,
                source TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'claimed', 'done', 'failed', 'skipped')),
                reason TEXT,
                message TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TIMESTAMPTZ,
                lease_expires_at TIMESTAMPTZ,
                claimed_by TEXT,
                token BIGINT NOT NULL DEFAULT 0,
                etag TEXT,
                last_modified TEXT,
                canonical_url TEXT,
                first_seen TIMESTAMPTZ NOT NULL,
                last_fetched TIMESTAMPTZ,
                last_status INTEGER
            )""",
            # The claim query walks this per host: first due URL of each host, without a sort.
            "CREATE INDEX IF NOT EXISTS urls_due ON urls (host, next_attempt_at, id) "
            "WHERE state <> 'claimed'",
            "CREATE INDEX IF NOT EXISTS urls_lease ON urls (lease_expires_at) WHERE state = 'claimed'",
            "CREATE INDEX IF NOT EXISTS urls_state ON urls (state, reason)",
            "CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, next_allowed_at TIMESTAMPTZ NOT NULL)",
            """CREATE TABLE IF NOT EXISTS pages (
                url_id BIGINT PRIMARY KEY REFERENCES urls (id),
                final_url TEXT,
                encoding TEXT,
                html BYTEA NOT NULL,
                fetched_at TIMESTAMPTZ NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS documents (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                url_id BIGINT NOT NULL REFERENCES urls (id),
                version INTEGER NOT NULL,
                url TEXT,
                canonical_url TEXT,
                title TEXT,
                author TEXT,
                date TEXT,
                sitename TEXT,
                hostname TEXT,
                language TEXT,
                description TEXT,
                text TEXT NOT NULL,
                text_hash TEXT NOT NULL,
                fetched_at TIMESTAMPTZ NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                UNIQUE (url_id, version)
            )""",
            "CREATE INDEX IF NOT EXISTS documents_created ON documents (created_at, id)",
            # One row per article: the first URL that stored it owns its canonical URL. The primary key
            # is what makes two workers saving the same article at once store it once.
            """CREATE TABLE IF NOT EXISTS canonicals (
                key TEXT PRIMARY KEY,
                url_id BIGINT NOT NULL REFERENCES urls (id)
            )""",
            """CREATE TABLE IF NOT EXISTS runs (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                started_at TIMESTAMPTZ,
                finished_at TIMESTAMPTZ NOT NULL,
                report JSONB NOT NULL
            )""",
        ),
    ),
)


_CLAIM_CANDIDATES = """
    SELECT h.host, first.id
    FROM hosts h
    CROSS JOIN LATERAL (
        SELECT u.id, u.next_attempt_at FROM urls u
        WHERE u.host = h.host AND u.state <> 'claimed' AND u.next_attempt_at <= %(now)s
        ORDER BY u.next_attempt_at, u.id LIMIT 1
    ) AS first
    WHERE h.next_allowed_at <= %(now)s
        AND h.host NOT IN (
            SELECT c.host FROM urls c WHERE c.state = 'claimed'
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
_FULL_HOSTS = """
    SELECT host FROM urls WHERE state = 'claimed' AND host = ANY(%(hosts)s)
    GROUP BY host HAVING count(*) >= %(per_host)s
"""

# The state test is repeated here on purpose: under READ COMMITTED, PostgreSQL re-checks an UPDATE's
# WHERE against the newest row version, so a URL another worker claimed meanwhile is left alone.
_CLAIM_URLS = """
    UPDATE urls
    SET state = 'claimed', token = token + 1, lease_expires_at = %(lease)s, claimed_by = %(worker)s
    WHERE id = ANY(%(ids)s) AND state <> 'claimed' AND next_attempt_at <= %(now)s
    RETURNING id, url, host, token, attempts, etag, last_modified, next_attempt_at
"""


def describe_dsn(dsn: str) -> str:
    """`host:port/dbname` of a DSN, for messages: never the password."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.Error:
        return "PostgreSQL (unparsable DSN)"
    return f"PostgreSQL {parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class PostgresStore:
    """A `Store` in a PostgreSQL database. Safe to share between threads (calls are serialised);
    open one per process, or per worker thread to claim in parallel."""

    shared = True  # workers on many machines claim from one frontier

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._where = describe_dsn(dsn)
        self._lock = threading.RLock()
        self._closed = False
        self._db = self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            db = psycopg.connect(self._dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
            db.execute("SET TIME ZONE 'UTC'")
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to {self._where}: {exc}") from exc
        return db

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
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

    # -- schema ---------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The version of the schema in the database, 0 when scraper never created one."""
        with self._transaction() as db:
            return self._schema_version(db)

    @staticmethod
    def _schema_version(db: psycopg.Connection[Any]) -> int:
        row = db.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
        if row is None or not row[0]:
            return 0
        row = db.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0) if row else 0

    def migrate(self) -> int:
        with self._transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK_KEY,))
            # Create the table before reading the version, not after. A worker that looked before another
            # created the schema, then waited here for its lock, still has "no such table" in its session's
            # catalog cache: an advisory lock does not refresh it, so to_regclass would say 0 again and the
            # migration would run twice (duplicate key in schema_version). The DDL locks the schema, which
            # makes the backend read the catalog changes committed meanwhile.
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
            )
            found = self._schema_version(db)
            for migration in migrations_to_apply(found, MIGRATIONS, where=self._where):
                for statement in migration.statements:
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)",
                    (migration.version, datetime.now(UTC)),
                )
            return max(found, SCHEMA_VERSION)

    def check_schema(self) -> None:
        check_version(self.schema_version(), where=self._where)

    # -- frontier -------------------------------------------------------------------------------

    def enqueue(self, urls: Iterable[str], *, source: str, now: datetime) -> int:
        seen = _rules.require_aware(now)
        added = 0
        batch_source = clean_text(source)
        iterator = iter(url for url in (clean_text(url).strip() for url in urls) if url)
        while chunk := sorted(set(islice(iterator, ENQUEUE_CHUNK))):
            hosts = [_rules.host_of(url) for url in chunk]
            with self._transaction() as db:
                cursor = db.execute(
                    "INSERT INTO urls (url, host, source, state, attempts, next_attempt_at, first_seen) "
                    "SELECT u, h, %(source)s, 'pending', 0, %(now)s, %(now)s "
                    "FROM unnest(%(urls)s::text[], %(hosts)s::text[]) AS t (u, h) "
                    "ON CONFLICT (url) DO NOTHING",
                    {"source": batch_source, "now": seen, "urls": chunk, "hosts": hosts},
                )
                added += cursor.rowcount
                db.execute(
                    "INSERT INTO hosts (host, next_allowed_at) SELECT unnest(%s::text[]), %s "
                    "ON CONFLICT (host) DO NOTHING",
                    (sorted(set(hosts)), _rules.EPOCH),
                )
        return added

    def claim(
        self,
        *,
        worker: str,
        limit: int,
        now: datetime,
        lease: float,
        host_delay: float,
        per_host: int | None = None,
    ) -> list[Claim]:
        if limit <= 0:
            return []
        now = _rules.require_aware(now)
        lease_expires = now + timedelta(seconds=lease)
        cap = _rules.per_host_cap(per_host)
        with self._transaction() as db:
            candidates = db.execute(
                _CLAIM_CANDIDATES, {"now": now, "limit": limit, "per_host": cap}
            ).fetchall()
            if candidates and per_host is not None:
                full = db.execute(_FULL_HOSTS, {"hosts": [row[0] for row in candidates], "per_host": cap})
                full_hosts = {row[0] for row in full}
                candidates = [row for row in candidates if row[0] not in full_hosts]
            if not candidates:
                return []
            rows = db.execute(
                _CLAIM_URLS,
                {
                    "lease": lease_expires,
                    "worker": clean_text(worker),
                    "ids": [row[1] for row in candidates],
                    "now": now,
                },
            ).fetchall()
            hosts = sorted({row[2] for row in rows})
            # greatest(): a claim never moves a host's next slot earlier (a turn held by a request, or
            # a longer delay reserved by another worker, stays).
            db.execute(
                "UPDATE hosts SET next_allowed_at = greatest(next_allowed_at, %s) WHERE host = ANY(%s)",
                (now + timedelta(seconds=host_delay), hosts),
            )
        rows.sort(key=lambda row: (row[7], row[0]))
        return [
            Claim(
                url_id=row[0],
                url=row[1],
                host=row[2],
                token=row[3],
                attempts=row[4],
                validators=Validators(etag=row[5], last_modified=row[6]),
                lease_expires=lease_expires,
            )
            for row in rows
        ]

    def has_due(self, now: datetime) -> bool:
        with self._transaction() as db:
            # Host by host, as the claim walks the due index: one probe per host, never a scan of every
            # URL that is done.
            row = db.execute(
                "SELECT EXISTS (SELECT 1 FROM hosts h WHERE EXISTS (SELECT 1 FROM urls u "
                "WHERE u.host = h.host AND u.state <> 'claimed' AND u.next_attempt_at <= %s))",
                (_rules.require_aware(now),),
            ).fetchone()
        return bool(row and row[0])

    def take_host_turn(self, url: str, *, now: datetime, held_until: datetime) -> float:
        host = _rules.host_of(url)
        now = _rules.require_aware(now)
        with self._transaction() as db:
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
        return _rules.turn_wait(_utc(row[0]) if row else now, now)

    def end_host_turn(self, url: str, *, held_until: datetime, next_allowed: datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE hosts SET next_allowed_at = %s WHERE host = %s AND next_allowed_at = %s",
                (
                    _rules.require_aware(next_allowed),
                    _rules.host_of(url),
                    _rules.require_aware(held_until),
                ),
            )

    def release_expired(self, now: datetime, policy: RunSettings) -> int:
        with self._transaction() as db:
            cursor = db.execute(
                """
                UPDATE urls SET
                    attempts = attempts + 1,
                    state = CASE WHEN attempts + 1 >= %(max)s THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = CASE WHEN attempts + 1 >= %(max)s THEN NULL ELSE %(now)s END,
                    reason = %(reason)s,
                    message = 'the lease expired before its worker saved a result',
                    lease_expires_at = NULL,
                    claimed_by = NULL
                WHERE state = 'claimed' AND lease_expires_at < %(now)s
                """,
                {
                    "max": policy.max_attempts,
                    "now": _rules.require_aware(now),
                    "reason": _rules.LEASE_EXPIRED,
                },
            )
            return cursor.rowcount

    # -- results --------------------------------------------------------------------------------

    def save(
        self,
        claim: Claim,
        fetch: FetchResult,
        document: Document | None,
        *,
        now: datetime,
        policy: RunSettings,
    ) -> Outcome:
        now = _rules.require_aware(now)
        with self._transaction() as db:
            self._check_current(db, claim)
            decision = _rules.decide(claim, fetch, document, now=now, policy=policy)
            if decision.pending is not None:
                decision = self._store_document(db, claim.url_id, decision, now=now)
                if decision.outcome.kind is not OutcomeKind.SKIPPED:
                    self._store_page(db, claim.url_id, fetch, now=now)
            self._apply(db, claim.url_id, decision.update, now=now)
        return decision.outcome

    def _check_current(self, db: psycopg.Connection[Any], claim: Claim) -> None:
        # FOR UPDATE: a concurrent release_expired or claim of this URL waits until this save is done.
        row = db.execute("SELECT state, token FROM urls WHERE id = %s FOR UPDATE", (claim.url_id,)).fetchone()
        if row is None:
            raise StorageError(f"{self._where}: no URL with id {claim.url_id} ({claim.url})")
        state, token = row
        if state != "claimed" or token != claim.token:
            raise StaleClaimError(
                f"{claim.url}: claim {claim.token} is no longer current (state {state}, token {token}); "
                "its result was dropped"
            )

    def _store_document(
        self, db: psycopg.Connection[Any], url_id: int, decision: _rules.Decision, *, now: datetime
    ) -> _rules.Decision:
        pending = decision.pending
        assert pending is not None
        # A concurrent insert of the same key blocks here until the other transaction ends, then
        # conflicts: the article is owned by exactly one URL.
        db.execute(
            "INSERT INTO canonicals (key, url_id) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
            (pending.dedup_key, url_id),
        )
        row = db.execute("SELECT url_id FROM canonicals WHERE key = %s", (pending.dedup_key,)).fetchone()
        if row is None or row[0] != url_id:
            return decision.duplicate()
        if not self._insert_version(db, url_id, pending, fetched_at=now, created_at=now):
            return decision.unchanged()
        return decision

    @staticmethod
    def _insert_version(
        db: psycopg.Connection[Any],
        url_id: int,
        pending: _rules.PendingDocument,
        *,
        fetched_at: datetime,
        created_at: datetime,
    ) -> bool:
        latest = db.execute(
            "SELECT version, text_hash FROM documents WHERE url_id = %s ORDER BY version DESC LIMIT 1",
            (url_id,),
        ).fetchone()
        if latest is not None and latest[1] == pending.text_hash:
            return False
        version = 1 if latest is None else latest[0] + 1
        document = pending.document
        columns = ", ".join(_rules.DOCUMENT_COLUMNS)
        values = ", ".join(["%s"] * (len(_rules.DOCUMENT_COLUMNS) + 5))
        db.execute(
            f"INSERT INTO documents (url_id, version, {columns}, text_hash, fetched_at, created_at) "
            f"VALUES ({values})",
            (
                url_id,
                version,
                *(getattr(document, column) for column in _rules.DOCUMENT_COLUMNS),
                pending.text_hash,
                fetched_at,
                created_at,
            ),
        )
        return True

    @staticmethod
    def _store_page(db: psycopg.Connection[Any], url_id: int, fetch: FetchResult, *, now: datetime) -> None:
        page = _rules.PageBlob.of(fetch)
        db.execute(
            """
            INSERT INTO pages (url_id, final_url, encoding, html, fetched_at) VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (url_id) DO UPDATE SET final_url = excluded.final_url,
                encoding = excluded.encoding, html = excluded.html, fetched_at = excluded.fetched_at
            """,
            (url_id, page.final_url, page.encoding, page.compressed, now),
        )

    @staticmethod
    def _apply(db: psycopg.Connection[Any], url_id: int, update: _rules.UrlUpdate, *, now: datetime) -> None:
        keep_validators = update.validators is None
        validators = update.validators or Validators()
        db.execute(
            """
            UPDATE urls SET state = %s, reason = %s, message = %s, attempts = %s, next_attempt_at = %s,
                lease_expires_at = NULL, claimed_by = NULL, last_status = %s, last_fetched = %s,
                etag = CASE WHEN %s THEN etag ELSE %s END,
                last_modified = CASE WHEN %s THEN last_modified ELSE %s END,
                canonical_url = coalesce(%s, canonical_url)
            WHERE id = %s
            """,
            (
                update.state,
                update.reason,
                update.message,
                update.attempts,
                update.next_attempt_at,
                update.last_status,
                now,
                keep_validators,
                validators.etag and clean_text(validators.etag),
                keep_validators,
                validators.last_modified and clean_text(validators.last_modified),
                update.canonical_url,
                url_id,
            ),
        )

    def add_version(self, url_id: int, document: Document, *, now: datetime) -> bool:
        now = _rules.require_aware(now)
        cleaned = clean_document(document)
        pending = _rules.PendingDocument(cleaned, text_hash(cleaned.text), cleaned.canonical_url or "")
        with self._transaction() as db:
            # Lock the URL row: a save of the same URL running now cannot pick the same version number.
            if db.execute("SELECT 1 FROM urls WHERE id = %s FOR UPDATE", (url_id,)).fetchone() is None:
                raise StorageError(f"{self._where}: no URL with id {url_id}")
            page = db.execute("SELECT fetched_at FROM pages WHERE url_id = %s", (url_id,)).fetchone()
            # The version's text comes from HTML fetched back then: keep that fetch time.
            fetched_at = _utc(page[0]) if page else now
            return self._insert_version(db, url_id, pending, fetched_at=fetched_at, created_at=now)

    def record_run(self, report: RunReport) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (started_at, finished_at, report) VALUES (%s, %s, %s::jsonb)",
                (
                    report.started_at and _rules.require_aware(report.started_at),
                    _rules.run_finished_at(report),
                    _rules.report_to_json(report),
                ),
            )

    # -- reading --------------------------------------------------------------------------------

    def documents(self, since: datetime | None = None) -> Iterator[StoredDocument]:
        after: tuple[datetime, int] = (_rules.require_aware(since) if since else _BEGINNING, 0)
        columns = ", ".join("d." + column for column in _rules.DOCUMENT_COLUMNS)
        query = f"""
            SELECT d.id, d.created_at, d.url_id, u.url, d.version, d.fetched_at, {columns}
            FROM documents d JOIN urls u ON u.id = d.url_id
            WHERE d.version = (SELECT max(version) FROM documents l WHERE l.url_id = d.url_id)
                AND (d.created_at, d.id) > (%s, %s)
            ORDER BY d.created_at, d.id LIMIT %s
        """
        while True:
            with self._transaction() as db:
                rows = db.execute(query, (*after, PAGE_SIZE)).fetchall()
            yield from (_stored_document(row[2:]) for row in rows)
            if len(rows) < PAGE_SIZE:
                return
            after = (rows[-1][1], rows[-1][0])

    def raw_pages(self) -> Iterator[RawPage]:
        after = 0
        while True:
            with self._transaction() as db:
                rows = db.execute(
                    "SELECT p.url_id, u.url, p.final_url, p.encoding, p.html FROM pages p "
                    "JOIN urls u ON u.id = p.url_id WHERE p.url_id > %s ORDER BY p.url_id LIMIT %s",
                    (after, PAGE_SIZE),
                ).fetchall()
            for url_id, url, final_url, encoding, html in rows:
                yield RawPage(url_id, url, final_url, zlib.decompress(html), encoding=encoding)
            if len(rows) < PAGE_SIZE:
                return
            after = rows[-1][0]

    def status(self) -> StoreStatus:
        with self._transaction() as db:
            by_state = {
                row[0]: row[1] for row in db.execute("SELECT state, count(*) FROM urls GROUP BY state")
            }
            failures = {
                row[0]: row[1]
                for row in db.execute(
                    "SELECT coalesce(reason, 'unknown'), count(*) FROM urls WHERE state = 'failed' GROUP BY 1"
                )
            }
            counts = db.execute("SELECT count(DISTINCT url_id), count(*) FROM documents").fetchone()
            runs = db.execute(
                "SELECT report::text FROM runs ORDER BY id DESC LIMIT %s", (LAST_RUNS,)
            ).fetchall()
        documents, versions = counts if counts else (0, 0)
        return StoreStatus(
            by_state=by_state,
            failures_by_reason=failures,
            documents=documents,
            versions=versions,
            last_runs=tuple(_rules.report_from_json(row[0]) for row in runs),
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()


def _stored_document(row: Sequence[Any]) -> StoredDocument:
    url_id, url, version, fetched_at, *fields = row
    document = Document(**dict(zip(_rules.DOCUMENT_COLUMNS, fields, strict=True)))
    return StoredDocument(
        url_id=url_id, url=url, version=version, fetched_at=_utc(fetched_at), document=document
    )
