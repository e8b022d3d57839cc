"""The default store: one SQLite file, stdlib `sqlite3`, WAL, one `BEGIN IMMEDIATE` transaction per page.

WAL lets readers (`scraper status`, `export`) run beside a writing `scraper run`; `BEGIN IMMEDIATE` takes
the write lock at the start of a transaction, so two writers queue on the busy timeout instead of failing
halfway with SQLITE_BUSY on lock upgrade. Times are stored as ISO 8601 UTC text with microseconds: one
fixed format, so comparing the strings compares the instants.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import islice

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

__all__ = ["SQLiteStore"]

# Seconds a writer waits for another's transaction before giving up. Transactions here last a page at
# most, so waiting long only happens when something is wrong; a minute rides out a slow disk.
BUSY_TIMEOUT = 60.0
# URLs inserted per transaction by `enqueue`: big enough to be fast, small enough not to hold the write
# lock for long while a run is saving pages.
ENQUEUE_CHUNK = 1000
# Rows read per query by the iterators, so 100,000 documents never sit in memory at once.
PAGE_SIZE = 500
# Runs shown by `status`.
LAST_RUNS = 5

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        (
            """CREATE TABLE IF NOT EXISTS urls (
                id INTEGER PRIMARY KEY,
                url TEXT NOT NULL UNIQUE,
                host TEXT NOT NULL,
                source TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'claimed', 'done', 'failed', 'skipped')),
                reason TEXT,
                message TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT,
                lease_expires_at TEXT,
                claimed_by TEXT,
                token INTEGER NOT NULL DEFAULT 0,
                etag TEXT,
                last_modified TEXT,
                canonical_url TEXT,
                first_seen TEXT NOT NULL,
                last_fetched TEXT,
                last_status INTEGER
            )""",
            # The claim query walks this per host: first due URL of each host, without a sort.
            "CREATE INDEX IF NOT EXISTS urls_due ON urls (host, next_attempt_at, id) "
            "WHERE state <> 'claimed'",
            "CREATE INDEX IF NOT EXISTS urls_lease ON urls (lease_expires_at) WHERE state = 'claimed'",
            "CREATE INDEX IF NOT EXISTS urls_state ON urls (state, reason)",
            "CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, next_allowed_at TEXT NOT NULL)",
            """CREATE TABLE IF NOT EXISTS pages (
                url_id INTEGER PRIMARY KEY REFERENCES urls (id),
                final_url TEXT,
                encoding TEXT,
                html BLOB NOT NULL,
                fetched_at TEXT NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS documents (
                id INTEGER PRIMARY KEY,
                url_id INTEGER NOT NULL REFERENCES urls (id),
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
                fetched_at TEXT NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (url_id, version)
            )""",
            "CREATE INDEX IF NOT EXISTS documents_created ON documents (created_at, id)",
            # One row per article: the first URL that stored it owns its canonical URL.
            """CREATE TABLE IF NOT EXISTS canonicals (
                key TEXT PRIMARY KEY,
                url_id INTEGER NOT NULL REFERENCES urls (id)
            )""",
            """CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY,
                started_at TEXT,
                finished_at TEXT NOT NULL,
                report TEXT NOT NULL
            )""",
        ),
    ),
)


def _ts(moment: datetime) -> str:
    return _rules.require_aware(moment).isoformat(timespec="microseconds")


def _ts_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else _ts(moment)


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


class SQLiteStore:
    """A `Store` in one SQLite file. Safe to share between threads (calls are serialised)."""

    shared = False  # one `scraper run` at a time: the run lock

    def __init__(self, path: str, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.path = path
        self._where = f"SQLite database {path}"
        self._lock = threading.RLock()
        try:
            # isolation_level=None: the module opens no transaction by itself; ours are explicit.
            self._db = sqlite3.connect(
                path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL loses no committed transaction when the process is killed; only a
            # power cut can take the last few back, and it never corrupts the file.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open {self._where}: {exc}") from exc

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed on success, rolled back on any error."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(f"{self._where}: cannot start a transaction: {exc}") from exc
            try:
                yield self._db
            except sqlite3.Error as exc:
                self._rollback()
                raise StorageError(f"{self._where}: {exc}") from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StorageError(f"{self._where}: commit failed: {exc}") from exc

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: the statements inside see one snapshot."""
        with self._lock:
            try:
                self._db.execute("BEGIN")
                yield self._db
            except sqlite3.Error as exc:
                self._rollback()
                raise StorageError(f"{self._where}: {exc}") from exc
            except BaseException:
                self._rollback()
                raise
            else:
                self._rollback()  # nothing was written; ending the read is all that is left

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    # -- schema ---------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The version of the schema in the database, 0 when scraper never created one."""
        with self._read() as db:
            return self._schema_version(db)

    @staticmethod
    def _schema_version(db: sqlite3.Connection) -> int:
        exists = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if exists is None:
            return 0
        row = db.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> int:
        with self._write() as db:
            found = self._schema_version(db)
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            for migration in migrations_to_apply(found, MIGRATIONS, where=self._where):
                for statement in migration.statements:
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (migration.version, _ts(datetime.now(UTC))),
                )
            return max(found, SCHEMA_VERSION)

    def check_schema(self) -> None:
        check_version(self.schema_version(), where=self._where)

    # -- frontier -------------------------------------------------------------------------------

    def enqueue(self, urls: Iterable[str], *, source: str, now: datetime) -> int:
        seen = _ts(now)
        epoch = _ts(_rules.EPOCH)
        added = 0
        cleaned = (clean_text(url).strip() for url in urls)
        batch_source = clean_text(source)
        iterator = iter(url for url in cleaned if url)
        while chunk := sorted(set(islice(iterator, ENQUEUE_CHUNK))):
            with self._write() as db:
                cursor = db.executemany(
                    "INSERT INTO urls (url, host, source, state, attempts, next_attempt_at, first_seen) "
                    "VALUES (?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (url) DO NOTHING",
                    [(url, _rules.host_of(url), batch_source, seen, seen) for url in chunk],
                )
                added += cursor.rowcount
                db.executemany(
                    "INSERT INTO hosts (host, next_allowed_at) VALUES (?, ?) ON CONFLICT (host) DO NOTHING",
                    [(host, epoch) for host in sorted({_rules.host_of(url) for url in chunk})],
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
        at = _ts(now)
        lease_expires = _rules.require_aware(now) + timedelta(seconds=lease)
        with self._write() as db:
            # The first due URL of each host whose next slot has come and which has fewer than
            # `per_host` URLs claimed, the earliest due first. The write lock makes the count exact.
            picked = db.execute(
                """
                SELECT u.id FROM (
                    SELECT (SELECT u.id FROM urls u
                            WHERE u.host = h.host AND u.state <> 'claimed' AND u.next_attempt_at <= :now
                            ORDER BY u.next_attempt_at, u.id LIMIT 1) AS url_id
                    FROM hosts h WHERE h.next_allowed_at <= :now
                        AND (SELECT count(*) FROM urls c WHERE c.host = h.host AND c.state = 'claimed')
                            < :per_host
                ) AS firsts JOIN urls u ON u.id = firsts.url_id
                ORDER BY u.next_attempt_at, u.id LIMIT :limit
                """,
                {"now": at, "limit": limit, "per_host": _rules.per_host_cap(per_host)},
            ).fetchall()
            ids = [row[0] for row in picked]
            if not ids:
                return []
            db.execute(
                f"UPDATE urls SET state = 'claimed', token = token + 1, lease_expires_at = ?, claimed_by = ? "
                f"WHERE id IN ({_placeholders(len(ids))})",
                (_ts(lease_expires), clean_text(worker), *ids),
            )
            rows = db.execute(
                f"SELECT id, url, host, token, attempts, etag, last_modified FROM urls "
                f"WHERE id IN ({_placeholders(len(ids))}) ORDER BY next_attempt_at, id",
                ids,
            ).fetchall()
            next_allowed = _ts(_rules.require_aware(now) + timedelta(seconds=host_delay))
            hosts = sorted({row[2] for row in rows})
            # max(): a claim never moves a host's next slot earlier (a turn held by a request, or a
            # longer delay reserved by another worker, stays).
            db.execute(
                f"UPDATE hosts SET next_allowed_at = max(next_allowed_at, ?) "
                f"WHERE host IN ({_placeholders(len(hosts))})",
                (next_allowed, *hosts),
            )
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
        with self._read() as db:
            row = db.execute(
                "SELECT EXISTS (SELECT 1 FROM hosts h WHERE EXISTS (SELECT 1 FROM urls u "
                "WHERE u.host = h.host AND u.state <> 'claimed' AND u.next_attempt_at <= ?))",
                (_ts(now),),
            ).fetchone()
        return bool(row[0])

    def take_host_turn(self, url: str, *, now: datetime, held_until: datetime) -> float:
        host = _rules.host_of(url)
        with self._write() as db:
            row = db.execute("SELECT next_allowed_at FROM hosts WHERE host = ?", (host,)).fetchone()
            if row is not None and row[0] > _ts(now):
                return _rules.turn_wait(_dt(row[0]), now)
            # A host not enqueued yet (a redirect's target) gets its row here.
            db.execute(
                "INSERT INTO hosts (host, next_allowed_at) VALUES (?, ?) "
                "ON CONFLICT (host) DO UPDATE SET next_allowed_at = excluded.next_allowed_at",
                (host, _ts(held_until)),
            )
        return 0.0

    def end_host_turn(self, url: str, *, held_until: datetime, next_allowed: datetime) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE hosts SET next_allowed_at = ? WHERE host = ? AND next_allowed_at = ?",
                (_ts(next_allowed), _rules.host_of(url), _ts(held_until)),
            )

    def release_expired(self, now: datetime, policy: RunSettings) -> int:
        with self._write() as db:
            cursor = db.execute(
                """
                UPDATE urls SET
                    attempts = attempts + 1,
                    state = CASE WHEN attempts + 1 >= :max THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = CASE WHEN attempts + 1 >= :max THEN NULL ELSE :now END,
                    reason = :reason,
                    message = 'the lease expired before its worker saved a result',
                    lease_expires_at = NULL,
                    claimed_by = NULL
                WHERE state = 'claimed' AND lease_expires_at < :now
                """,
                {"max": policy.max_attempts, "now": _ts(now), "reason": _rules.LEASE_EXPIRED},
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
        with self._write() as db:
            self._check_current(db, claim)
            decision = _rules.decide(claim, fetch, document, now=now, policy=policy)
            if decision.pending is not None:
                decision = self._store_document(db, claim.url_id, decision, now=now)
                if decision.outcome.kind is not OutcomeKind.SKIPPED:
                    self._store_page(db, claim.url_id, fetch, now=now)
            self._apply(db, claim.url_id, decision.update, now=now)
        return decision.outcome

    def _check_current(self, db: sqlite3.Connection, claim: Claim) -> None:
        row = db.execute("SELECT state, token FROM urls WHERE id = ?", (claim.url_id,)).fetchone()
        if row is None:
            raise StorageError(f"{self._where}: no URL with id {claim.url_id} ({claim.url})")
        state, token = row
        if state != "claimed" or token != claim.token:
            raise StaleClaimError(
                f"{claim.url}: claim {claim.token} is no longer current (state {state}, token {token}); "
                "its result was dropped"
            )

    def _store_document(
        self, db: sqlite3.Connection, url_id: int, decision: _rules.Decision, *, now: datetime
    ) -> _rules.Decision:
        pending = decision.pending
        assert pending is not None
        db.execute(
            "INSERT INTO canonicals (key, url_id) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (pending.dedup_key, url_id),
        )
        (owner,) = db.execute("SELECT url_id FROM canonicals WHERE key = ?", (pending.dedup_key,)).fetchone()
        if owner != url_id:
            return decision.duplicate()
        if not self._insert_version(db, url_id, pending, fetched_at=now, created_at=now):
            return decision.unchanged()
        return decision

    @staticmethod
    def _insert_version(
        db: sqlite3.Connection,
        url_id: int,
        pending: _rules.PendingDocument,
        *,
        fetched_at: datetime,
        created_at: datetime,
    ) -> bool:
        latest = db.execute(
            "SELECT version, text_hash FROM documents WHERE url_id = ? ORDER BY version DESC LIMIT 1",
            (url_id,),
        ).fetchone()
        if latest is not None and latest[1] == pending.text_hash:
            return False
        version = 1 if latest is None else latest[0] + 1
        document = pending.document
        db.execute(
            f"INSERT INTO documents (url_id, version, {', '.join(_rules.DOCUMENT_COLUMNS)}, text_hash, "
            f"fetched_at, created_at) VALUES ({_placeholders(len(_rules.DOCUMENT_COLUMNS) + 5)})",
            (
                url_id,
                version,
                *(getattr(document, column) for column in _rules.DOCUMENT_COLUMNS),
                pending.text_hash,
                _ts(fetched_at),
                _ts(created_at),
            ),
        )
        return True

    @staticmethod
    def _store_page(db: sqlite3.Connection, url_id: int, fetch: FetchResult, *, now: datetime) -> None:
        page = _rules.PageBlob.of(fetch)
        db.execute(
            """
            INSERT INTO pages (url_id, final_url, encoding, html, fetched_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (url_id) DO UPDATE SET final_url = excluded.final_url,
                encoding = excluded.encoding, html = excluded.html, fetched_at = excluded.fetched_at
            """,
            (url_id, page.final_url, page.encoding, page.compressed, _ts(now)),
        )

    @staticmethod
    def _apply(db: sqlite3.Connection, url_id: int, update: _rules.UrlUpdate, *, now: datetime) -> None:
        keep_validators = update.validators is None
        validators = update.validators or Validators()
        db.execute(
            """
            UPDATE urls SET state = ?, reason = ?, message = ?, attempts = ?, next_attempt_at = ?,
                lease_expires_at = NULL, claimed_by = NULL, last_status = ?, last_fetched = ?,
                etag = CASE WHEN ? THEN etag ELSE ? END,
                last_modified = CASE WHEN ? THEN last_modified ELSE ? END,
                canonical_url = coalesce(?, canonical_url)
            WHERE id = ?
            """,
            (
                update.state,
                update.reason,
                update.message,
                update.attempts,
                _ts_or_none(update.next_attempt_at),
                update.last_status,
                _ts(now),
                keep_validators,
                validators.etag and clean_text(validators.etag),
                keep_validators,
                validators.last_modified and clean_text(validators.last_modified),
                update.canonical_url,
                url_id,
            ),
        )

    def add_version(self, url_id: int, document: Document, *, now: datetime) -> bool:
        cleaned = clean_document(document)
        dedup_key = cleaned.canonical_url or cleaned.url or ""
        pending = _rules.PendingDocument(cleaned, text_hash(cleaned.text), dedup_key)
        with self._write() as db:
            page = db.execute("SELECT fetched_at FROM pages WHERE url_id = ?", (url_id,)).fetchone()
            if page is None and db.execute("SELECT 1 FROM urls WHERE id = ?", (url_id,)).fetchone() is None:
                raise StorageError(f"{self._where}: no URL with id {url_id}")
            # The version's text comes from HTML fetched back then: keep that fetch time.
            fetched_at = _dt(page[0]) if page else now
            return self._insert_version(db, url_id, pending, fetched_at=fetched_at, created_at=now)

    def record_run(self, report: RunReport) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO runs (started_at, finished_at, report) VALUES (?, ?, ?)",
                (
                    _ts_or_none(report.started_at),
                    _ts(_rules.run_finished_at(report)),
                    _rules.report_to_json(report),
                ),
            )

    # -- reading --------------------------------------------------------------------------------

    def documents(self, since: datetime | None = None) -> Iterator[StoredDocument]:
        after: tuple[str, int] = (_ts(since) if since else "", 0)
        while True:
            with self._read() as db:
                rows = db.execute(
                    f"""
                    SELECT d.id, d.created_at, d.url_id, u.url, d.version, d.fetched_at,
                        {", ".join("d." + column for column in _rules.DOCUMENT_COLUMNS)}
                    FROM documents d JOIN urls u ON u.id = d.url_id
                    WHERE d.version = (SELECT max(version) FROM documents l WHERE l.url_id = d.url_id)
                        AND (d.created_at, d.id) > (?, ?)
                    ORDER BY d.created_at, d.id LIMIT ?
                    """,
                    (*after, PAGE_SIZE),
                ).fetchall()
            yield from (_stored_document(row[2:]) for row in rows)
            if len(rows) < PAGE_SIZE:
                return
            after = (rows[-1][1], rows[-1][0])

    def raw_pages(self) -> Iterator[RawPage]:
        after = 0
        while True:
            with self._read() as db:
                rows = db.execute(
                    "SELECT p.url_id, u.url, p.final_url, p.encoding, p.html FROM pages p "
                    "JOIN urls u ON u.id = p.url_id WHERE p.url_id > ? ORDER BY p.url_id LIMIT ?",
                    (after, PAGE_SIZE),
                ).fetchall()
            for url_id, url, final_url, encoding, html in rows:
                yield RawPage(url_id, url, final_url, zlib.decompress(html), encoding=encoding)
            if len(rows) < PAGE_SIZE:
                return
            after = rows[-1][0]

    def status(self) -> StoreStatus:
        with self._read() as db:
            by_state = dict(db.execute("SELECT state, count(*) FROM urls GROUP BY state").fetchall())
            failures = dict(
                db.execute(
                    "SELECT coalesce(reason, 'unknown'), count(*) FROM urls WHERE state = 'failed' GROUP BY 1"
                ).fetchall()
            )
            documents, versions = db.execute(
                "SELECT count(DISTINCT url_id), count(*) FROM documents"
            ).fetchone()
            runs = db.execute("SELECT report FROM runs ORDER BY id DESC LIMIT ?", (LAST_RUNS,)).fetchall()
        return StoreStatus(
            by_state=by_state,
            failures_by_reason=failures,
            documents=documents,
            versions=versions,
            last_runs=tuple(_rules.report_from_json(row[0]) for row in runs),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _stored_document(row: Sequence[object]) -> StoredDocument:
    url_id, url, version, fetched_at, *fields = row
    assert isinstance(url_id, int) and isinstance(url, str) and isinstance(version, int)
    assert isinstance(fetched_at, str)
    document = Document(**dict(zip(_rules.DOCUMENT_COLUMNS, fields, strict=True)))  # type: ignore[arg-type]
    return StoredDocument(
        url_id=url_id, url=url, version=version, fetched_at=_dt(fetched_at), document=document
    )
