"""The flows both SQL backends share, written once: `SQLStore` carries them out, a backend fills in the rest.

The base owns every flow that is the same on SQLite and PostgreSQL: saving a page (fencing check, decision,
document and version, raw page, row update), versions, the shared frontier statements (due check, end of a
host's turn, lease renewal and release), migrations, reading and status. A backend supplies only what
differs: its transactions (and the translation of its driver's errors into StorageError), its `Dialect`
(placeholders, row locks, casts, column types), how a time goes into and comes out of the database, and the
steps whose SQL is its own: enqueueing a chunk of URLs, picking the URLs of a claim, and taking a host's turn.

Decisions that are not SQL at all stay in `_rules`; this module only runs them against a database.
"""

from __future__ import annotations

import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from ..config import RunSettings
from ..errors import StaleClaimError, StorageError
from ..models import (
    Claim,
    Document,
    ErrorKind,
    FetchResult,
    Outcome,
    OutcomeKind,
    RawPage,
    RunReport,
    UrlState,
    Validators,
)
from ..urls import host_key
from . import _dedup, _minhash, _release, _rules, _schema
from ._clean import clean_document, clean_text, text_hash
from ._listing import DocumentListing, FailedUrlListing
from ._minhash import Fingerprint
from ._schema import CLAIMED_SQL, ColumnTypes
from .base import SCHEMA_VERSION

__all__ = ["ClaimRequest", "Connection", "Dialect", "SQLStore"]

# URLs per transaction by `enqueue`: big enough to be fast, small enough not to hold locks for long while a
# run is saving pages. Each chunk is sorted, so concurrent enqueues lock in one order and cannot deadlock.
ENQUEUE_CHUNK = 1000
# Rows read per query by the iterators, so 100,000 documents never sit in memory at once.
PAGE_SIZE = 500


class Cursor(Protocol):
    """The part of a DB-API cursor the shared flows use (sqlite3 and psycopg alike)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """The part of a DB-API connection the shared flows use: `execute` returning its cursor."""

    def execute(self, query: str, params: Sequence[Any] | Mapping[str, Any] = ..., /) -> Cursor: ...


class ManyConnection(Connection, Protocol):
    """A connection that also runs one statement for many rows of values (`Dialect.insert_many`)."""

    def executemany(self, query: str, params: Iterable[Sequence[Any]], /) -> Cursor: ...


DB = TypeVar("DB", bound=Connection)


@dataclass(frozen=True, slots=True)
class Dialect:
    """What a backend's SQL differs in; the statements of the shared flows are made from it, so that
    their text is written once and the two backends cannot drift apart."""

    param: str  # positional placeholder
    named: str  # named placeholder, `{}` standing for the name
    lock_row: str  # appended to a SELECT whose rows must stay locked until the transaction ends
    lock_free_rows: str  # ... whose rows are locked, passing over those another transaction holds
    report_param: str  # placeholder of a run report (JSON text) going in
    report_text: str  # the run report column read back as JSON text
    schema_table_exists: str  # one row whose first value is true when `schema_version` exists
    earliest: object  # as a database value: before every stored `created_at`
    types: ColumnTypes  # of the columns, for the schema written once in `_schema`
    # Rows inserted by `executemany` of a one-row statement (the connection has it: SQLite's), not by one
    # statement of many VALUES: SQLite runs those as a co-routine, row by row anyway, and a document's
    # 11 band keys went in in 24 µs against 34 (statement prepared once, 3 values bound a row, not 33).
    insert_many: bool = False

    def params(self, count: int) -> str:
        """`count` positional placeholders, comma-separated."""
        return ", ".join([self.param] * count)

    @property
    def insert_schema_version(self) -> str:
        return f"INSERT INTO schema_version (version, applied_at) VALUES ({self.params(2)})"

    @property
    def has_due(self) -> str:
        # Host by host, as the claim walks the due index: one probe per host, never a scan of every URL
        # that is done.
        return (
            "SELECT EXISTS (SELECT 1 FROM hosts h WHERE EXISTS (SELECT 1 FROM urls u "
            f"WHERE u.host = h.host AND u.state <> {CLAIMED_SQL} AND u.next_attempt_at <= {self.param}))"
        )

    @property
    def end_host_turn(self) -> str:
        p = self.param
        return f"UPDATE hosts SET next_allowed_at = {p} WHERE host = {p} AND next_allowed_at = {p}"

    @property
    def check_current(self) -> str:
        # Locked where the dialect can: a concurrent release_expired or claim of this URL waits until the
        # save is done.
        return f"SELECT state, token FROM urls WHERE id = {self.param}{self.lock_row}"

    @property
    def url_exists(self) -> str:
        # Locked where the dialect can: a save of the same URL running now cannot pick the same version.
        return f"SELECT 1 FROM urls WHERE id = {self.param}{self.lock_row}"

    @property
    def claim_canonical(self) -> str:
        # A concurrent insert of the same key blocks here until the other transaction ends, then
        # conflicts: the article is owned by exactly one URL.
        return f"INSERT INTO canonicals (key, url_id) VALUES ({self.params(2)}) ON CONFLICT (key) DO NOTHING"

    @property
    def canonical_owner(self) -> str:
        return f"SELECT url_id FROM canonicals WHERE key = {self.param}"

    @property
    def latest_version(self) -> str:
        return (
            f"SELECT version, text_hash, duplicate_of FROM documents WHERE url_id = {self.param} "
            "ORDER BY version DESC LIMIT 1"
        )

    @property
    def insert_version(self) -> str:
        columns = ", ".join(_rules.DOCUMENT_COLUMNS)
        values = self.params(len(_rules.DOCUMENT_COLUMNS) + 5)
        return (
            f"INSERT INTO documents (url_id, version, {columns}, text_hash, fetched_at, created_at) "
            f"VALUES ({values}) RETURNING id"
        )

    @property
    def store_page(self) -> str:
        return f"""
            INSERT INTO pages (url_id, final_url, encoding, html, fetched_at) VALUES ({self.params(5)})
            ON CONFLICT (url_id) DO UPDATE SET final_url = excluded.final_url,
                encoding = excluded.encoding, html = excluded.html, fetched_at = excluded.fetched_at
            """

    @property
    def apply_update(self) -> str:
        p = self.param
        return f"""
            UPDATE urls SET state = {p}, reason = {p}, message = {p}, attempts = {p}, next_attempt_at = {p},
                lease_expires_at = NULL, claimed_by = NULL, last_status = {p}, last_fetched = {p},
                etag = CASE WHEN {p} THEN etag ELSE {p} END,
                last_modified = CASE WHEN {p} THEN last_modified ELSE {p} END,
                canonical_url = coalesce({p}, canonical_url)
            WHERE id = {p}
            """

    @property
    def page_fetched_at(self) -> str:
        return f"SELECT fetched_at FROM pages WHERE url_id = {self.param}"

    @property
    def record_run(self) -> str:
        values = f"{self.params(2)}, {self.report_param}"
        return f"INSERT INTO runs (started_at, finished_at, report) VALUES ({values})"

    @property
    def raw_pages(self) -> str:
        p = self.param
        return (
            "SELECT p.url_id, u.url, p.final_url, p.encoding, p.html FROM pages p "
            f"JOIN urls u ON u.id = p.url_id WHERE p.url_id > {p} ORDER BY p.url_id LIMIT {p}"
        )


_SCHEMA_VERSION = "SELECT max(version) FROM schema_version"


@dataclass(frozen=True, slots=True)
class _Inserted:
    """What `_insert_version` did: the new document's id, or None when the text equals the latest
    version's (`latest_is_copy`: that version is a duplicate of another URL's)."""

    document_id: int | None
    latest_is_copy: bool


@dataclass(frozen=True, slots=True)
class ClaimRequest:
    """One `claim` call, its times checked, for the backend's own claim statements."""

    worker: str
    limit: int
    now: datetime
    lease_expires: datetime
    host_delay: float
    per_host: int | None

    @property
    def per_host_cap(self) -> int:
        return _rules.per_host_cap(self.per_host)

    @property
    def next_allowed(self) -> datetime:
        """The next slot of a host a URL is claimed of."""
        return self.now + timedelta(seconds=self.host_delay)


class SQLStore(FailedUrlListing, DocumentListing, ABC, Generic[DB]):
    """A `Store` on a SQL database reached through `DB` connections; see the module docstring."""

    dialect: ClassVar[Dialect]

    def __init__(self, where: str) -> None:
        self._where = where  # names the database in messages
        self._lock = threading.RLock()

    # -- what a backend supplies ------------------------------------------------------------------

    @abstractmethod
    def _write(self) -> AbstractContextManager[DB]:
        """One write transaction, committed on success, rolled back on any error; driver errors come
        out as StorageError."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[DB]:
        """A transaction that only reads; driver errors come out as StorageError."""

    @staticmethod
    @abstractmethod
    def _to_db(moment: datetime) -> object:
        """`moment` as the database stores it; ValueError for a naive datetime."""

    @staticmethod
    @abstractmethod
    def _from_db(value: Any) -> datetime:
        """A time the database returned, in UTC."""

    @abstractmethod
    def _serialise_migrations(self, db: DB) -> None:
        """Make concurrent `migrate` calls run one after the other."""

    @abstractmethod
    def _insert_urls(self, db: DB, urls: list[str], *, source: str, seen: datetime) -> int:
        """Add the URLs not yet known, and their hosts; return how many URLs were new."""

    @abstractmethod
    def _claim_rows(self, db: DB, request: ClaimRequest) -> list[Any]:
        """Claim URLs and reserve their hosts' next slots. Rows are (id, url, host, token, attempts,
        etag, last_modified, ...) in the order the URLs were due."""

    # -- schema -----------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The version of the schema in the database, 0 when scraper never created one."""
        with self._read() as db:
            return self._schema_version(db)

    def _schema_version(self, db: DB) -> int:
        row = db.execute(self.dialect.schema_table_exists).fetchone()
        if row is None or not row[0]:
            return 0
        row = db.execute(_SCHEMA_VERSION).fetchone()
        return int(row[0] or 0) if row else 0

    def migrate(self) -> int:
        with self._write() as db:
            self._serialise_migrations(db)
            # Create the table before reading the version, not after. On PostgreSQL a worker that looked
            # before another created the schema, then waited for its lock, still has "no such table" in its
            # session's catalog cache: a lock does not refresh it, so it would read 0 again and run the
            # migration twice (duplicate key in schema_version). The DDL locks the schema, which makes the
            # backend read the catalog changes committed meanwhile.
            db.execute(_schema.schema_version_table(self.dialect.types))
            found = self._schema_version(db)
            all_migrations = _schema.migrations(self.dialect.types)
            for migration in _schema.migrations_to_apply(found, all_migrations, where=self._where):
                for statement in migration.statements:
                    db.execute(statement)
                db.execute(
                    self.dialect.insert_schema_version,
                    (migration.version, self._to_db(datetime.now(UTC))),
                )
            if 0 < found < _schema.NEAR_KEYS_VERSION:  # a new database holds no document yet
                _dedup.remake_keys(db, self.dialect)
            return max(found, SCHEMA_VERSION)

    def check_schema(self) -> None:
        _schema.check_version(self.schema_version(), where=self._where)

    # -- frontier ---------------------------------------------------------------------------------

    def enqueue(self, urls: Iterable[str], *, source: str, now: datetime) -> int:
        seen = _rules.require_aware(now)
        added = 0
        batch_source = clean_text(source)
        iterator = iter(url for url in (clean_text(url).strip() for url in urls) if url)
        while chunk := sorted(set(islice(iterator, ENQUEUE_CHUNK))):
            with self._write() as db:
                added += self._insert_urls(db, chunk, source=batch_source, seen=seen)
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
        request = ClaimRequest(clean_text(worker), limit, now, lease_expires, host_delay, per_host)
        with self._write() as db:
            rows = self._claim_rows(db, request)
        return [_claim_of(row, lease_expires) for row in rows]

    def has_due(self, now: datetime) -> bool:
        with self._read() as db:
            row = db.execute(self.dialect.has_due, (self._to_db(now),)).fetchone()
        return bool(row and row[0])

    def end_host_turn(self, url: str, *, held_until: datetime, next_allowed: datetime) -> None:
        with self._write() as db:
            db.execute(
                self.dialect.end_host_turn,
                (self._to_db(next_allowed), host_key(url), self._to_db(held_until)),
            )

    def release_expired(self, now: datetime, policy: RunSettings) -> int:
        return self._release(now, policy, every=False)

    def release_all(self, now: datetime, policy: RunSettings) -> int:
        return self._release(now, policy, every=True)

    def _release(self, now: datetime, policy: RunSettings, *, every: bool) -> int:
        with self._write() as db:
            cursor = db.execute(
                _release.release(self.dialect, every=every),
                {"max": policy.max_attempts, "now": self._to_db(now), "reason": ErrorKind.LEASE_EXPIRED},
            )
            released = cursor.rowcount
            db.execute(_release.forget_dead_workers(self.dialect), (self._to_db(now),))
        return released

    def renew_leases(self, claims: Sequence[Claim], *, now: datetime, lease: float) -> int:
        lease_expires = self._to_db(_rules.require_aware(now) + timedelta(seconds=lease))
        return self._per_claim(_release.renew_lease(self.dialect), claims, lease_expires)

    def give_back(self, claims: Sequence[Claim]) -> int:
        return self._per_claim(_release.give_back(self.dialect), claims)

    def _per_claim(self, statement: str, claims: Sequence[Claim], *first: object) -> int:
        """`statement` with (*first, url_id, token) for each claim, in one transaction; rows changed."""
        if not claims:
            return 0
        changed = 0
        with self._write() as db:
            # In id order, as every renewal takes its rows: two workers' renewals never wait on each other
            # in a cycle.
            for claim in sorted(claims, key=lambda claim: claim.url_id):
                changed += db.execute(statement, (*first, claim.url_id, claim.token)).rowcount
        return changed

    def beat(self, worker: str, *, now: datetime, dead_after: datetime) -> None:
        with self._write() as db:
            db.execute(
                _release.beat(self.dialect), (clean_text(worker), self._to_db(now), self._to_db(dead_after))
            )

    def end_worker(self, worker: str) -> None:
        with self._write() as db:
            db.execute(_release.end_worker(self.dialect), (clean_text(worker),))

    # -- results ----------------------------------------------------------------------------------

    def save(
        self,
        claim: Claim,
        fetch: FetchResult,
        document: Document | None,
        *,
        now: datetime,
        policy: RunSettings,
        fingerprint: Fingerprint | None = None,
    ) -> Outcome:
        now = _rules.require_aware(now)
        fingerprint = _rules.fingerprint_of(fetch, document, policy, fingerprint)  # before any row is locked
        with self._write() as db:
            self._check_current(db, claim)
            decision = _rules.decide(claim, fetch, document, now=now, policy=policy, fingerprint=fingerprint)
            if decision.pending is not None:
                decision = self._store_document(db, claim.url_id, decision, now=now, policy=policy)
                if decision.outcome.kind is not OutcomeKind.SKIPPED:
                    self._store_page(db, claim.url_id, fetch, now=now)
            self._apply(db, claim.url_id, decision.update, now=now)
        return decision.outcome

    def _check_current(self, db: DB, claim: Claim) -> None:
        row = db.execute(self.dialect.check_current, (claim.url_id,)).fetchone()
        if row is None:
            raise StorageError(f"{self._where}: no URL with id {claim.url_id} ({claim.url})")
        state, token = row
        if state != UrlState.CLAIMED or token != claim.token:
            raise StaleClaimError(
                f"{claim.url}: claim {claim.token} is no longer current (state {state}, token {token}); "
                "its result was dropped"
            )

    def _store_document(
        self, db: DB, url_id: int, decision: _rules.Decision, *, now: datetime, policy: RunSettings
    ) -> _rules.Decision:
        pending = decision.pending
        assert pending is not None
        db.execute(self.dialect.claim_canonical, (pending.dedup_key, url_id))
        row = db.execute(self.dialect.canonical_owner, (pending.dedup_key,)).fetchone()
        if row is None or row[0] != url_id:
            return decision.duplicate()
        inserted = self._insert_version(db, url_id, pending, fetched_at=now, created_at=now)
        if inserted.document_id is None:
            # The text did not change: a copy stays a copy (skipped), an original is unchanged.
            return decision.duplicate() if inserted.latest_is_copy else decision.unchanged()
        if pending.fingerprint is not None and _dedup.mark_if_copy(
            db, self.dialect, inserted.document_id, url_id, pending, policy
        ):
            return decision.duplicate()
        return decision

    def _insert_version(
        self,
        db: DB,
        url_id: int,
        pending: _rules.PendingDocument,
        *,
        fetched_at: datetime,
        created_at: datetime,
    ) -> _Inserted:
        latest = db.execute(self.dialect.latest_version, (url_id,)).fetchone()
        if latest is not None and latest[1] == pending.text_hash:
            return _Inserted(None, latest_is_copy=latest[2] is not None)
        version = 1 if latest is None else latest[0] + 1
        document = pending.document
        row = db.execute(
            self.dialect.insert_version,
            (
                url_id,
                version,
                *(getattr(document, column) for column in _rules.DOCUMENT_COLUMNS),
                pending.text_hash,
                self._to_db(fetched_at),
                self._to_db(created_at),
            ),
        ).fetchone()
        return _Inserted(int(row[0]), latest_is_copy=False)

    def _store_page(self, db: DB, url_id: int, fetch: FetchResult, *, now: datetime) -> None:
        page = _rules.PageBlob.of(fetch)
        db.execute(
            self.dialect.store_page,
            (url_id, page.final_url, page.encoding, page.compressed, self._to_db(now)),
        )

    def _apply(self, db: DB, url_id: int, update: _rules.UrlUpdate, *, now: datetime) -> None:
        keep_validators = update.validators is None
        validators = update.validators or Validators()
        db.execute(
            self.dialect.apply_update,
            (
                update.state,
                update.reason,
                update.message,
                update.attempts,
                self._to_db_or_none(update.next_attempt_at),
                update.last_status,
                self._to_db(now),
                keep_validators,
                validators.etag and clean_text(validators.etag),
                keep_validators,
                validators.last_modified and clean_text(validators.last_modified),
                update.canonical_url,
                url_id,
            ),
        )

    def add_version(
        self, url_id: int, document: Document, *, now: datetime, policy: RunSettings | None = None
    ) -> bool:
        now = _rules.require_aware(now)  # refused before any row is locked: no round trip for a bug
        policy = policy or RunSettings()
        cleaned = clean_document(document)
        dedup_key = cleaned.canonical_url or cleaned.url or ""
        pending = _rules.PendingDocument(cleaned, text_hash(cleaned.text), dedup_key)
        with self._write() as db:
            if db.execute(self.dialect.url_exists, (url_id,)).fetchone() is None:
                raise StorageError(f"{self._where}: no URL with id {url_id}")
            page = db.execute(self.dialect.page_fetched_at, (url_id,)).fetchone()
            # The version's text comes from HTML fetched back then: keep that fetch time.
            fetched_at = self._from_db(page[0]) if page else now
            inserted = self._insert_version(db, url_id, pending, fetched_at=fetched_at, created_at=now)
            if inserted.document_id is None:
                return False
            # A new text is filed under its story as a fetched one is: its keys find its later copies
            # (else a copy of it would be stored, and exported, as a second original), and it is marked
            # a copy when it now copies another URL's story. Made here, for the changed texts only: most
            # re-extracted pages are unchanged.
            keys = _minhash.fingerprint(cleaned.text, pending.text_hash, near=policy.dedup_near)
            marked = replace(pending, fingerprint=keys)
            _dedup.mark_if_copy(db, self.dialect, inserted.document_id, url_id, marked, policy)
            return True

    def record_run(self, report: RunReport) -> None:
        with self._write() as db:
            db.execute(
                self.dialect.record_run,
                (
                    self._to_db_or_none(report.started_at),
                    self._to_db(_rules.run_finished_at(report)),
                    _rules.report_to_json(report),
                ),
            )

    def _to_db_or_none(self, moment: datetime | None) -> object:
        return None if moment is None else self._to_db(moment)

    # -- reading ----------------------------------------------------------------------------------

    def raw_pages(self) -> Iterator[RawPage]:
        after = 0
        while True:
            with self._read() as db:
                rows = db.execute(self.dialect.raw_pages, (after, PAGE_SIZE)).fetchall()
            for url_id, url, final_url, encoding, html in rows:
                yield RawPage(url_id, url, final_url, zlib.decompress(html), encoding=encoding)
            if len(rows) < PAGE_SIZE:
                return
            after = rows[-1][0]


def _claim_of(row: Sequence[Any], lease_expires: datetime) -> Claim:
    return Claim(
        url_id=row[0],
        url=row[1],
        host=row[2],
        token=row[3],
        attempts=row[4],
        validators=Validators(etag=row[5], last_modified=row[6]),
        lease_expires=lease_expires,
    )
