"""The default store: one SQLite file, stdlib `sqlite3`, WAL, one `BEGIN IMMEDIATE` transaction per page.

WAL lets readers (`scraper status`, `export`) run beside a writing `scraper run`; `BEGIN IMMEDIATE` takes
the write lock at the start of a transaction, so two writers queue on the busy timeout instead of failing
halfway with SQLITE_BUSY on lock upgrade. Times are stored as ISO 8601 UTC text with microseconds: one
fixed format, so comparing the strings compares the instants.

The flows both backends share (saving a page, versions, reading, status, migrations) live in `_sql`;
this module supplies the connection and its transactions, the dialect, and the statements that are
SQLite's own: enqueueing, claiming under the write lock, taking a host's turn.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError, SchemaError, StorageError
from ..urls import host_key
from . import _rules
from ._schema import CLAIMED_SQL, PENDING_SQL, ColumnTypes
from ._sql import ClaimRequest, Dialect, SQLStore

__all__ = ["SQLiteStore"]

IN_MEMORY = ":memory:"

# Seconds a writer waits for another's transaction before giving up. Transactions here last a page at
# most, so waiting long only happens when something is wrong; a minute rides out a slow disk.
BUSY_TIMEOUT = 60.0


class SQLiteStore(SQLStore[sqlite3.Connection]):
    """A `Store` in one SQLite file. Safe to share between threads (calls are serialised)."""

    shared = False  # one `scraper run` at a time: the run lock
    dialect = Dialect(
        param="?",
        named=":{}",
        lock_row="",  # BEGIN IMMEDIATE has locked the whole database for writing already
        lock_free_rows="",
        report_param="?",
        report_text="report",
        schema_table_exists="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
        earliest="",
        types=ColumnTypes(
            row_id="INTEGER PRIMARY KEY",  # an alias of the rowid: SQLite assigns it
            big_integer="INTEGER",  # SQLite's integers are all 64-bit
            time="TEXT",  # ISO 8601 UTC, see the module docstring
            blob="BLOB",
            json="TEXT",
            keyed_table=" WITHOUT ROWID",
        ),
        insert_many=True,
    )

    def __init__(self, path: str, *, busy_timeout: float = BUSY_TIMEOUT, create: bool = True) -> None:
        """Open the SQLite file `path`. With `create=False` (the read-only commands) a missing file is a
        ConfigError naming it, and a file without scraper's schema a SchemaError; a file that holds other
        tables but not scraper's is refused either way. Both checks come before anything is written, the
        switch to WAL included."""
        super().__init__(f"SQLite database {path}")
        self.path = path
        try:
            self._db = _connect(path, busy_timeout, create=create)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open {self._where}: {exc}") from exc
        try:
            _refuse_foreign(self._db, path, create=create)
            self._db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL loses no committed transaction when the process is killed; only a
            # power cut can take the last few back, and it never corrupts the file.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            self._db.close()
            raise StorageError(f"cannot open {self._where}: {exc}") from exc
        except BaseException:
            self._db.close()
            raise

    # -- transactions and values ----------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
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

    @staticmethod
    def _to_db(moment: datetime) -> str:
        return _rules.require_aware(moment).isoformat(timespec="microseconds")

    @staticmethod
    def _from_db(value: str) -> datetime:
        return datetime.fromisoformat(value).astimezone(UTC)

    def _serialise_migrations(self, db: sqlite3.Connection) -> None:
        pass  # BEGIN IMMEDIATE already lets one writer in at a time

    # -- frontier -------------------------------------------------------------------------------

    def _insert_urls(self, db: sqlite3.Connection, urls: list[str], *, source: str, seen: datetime) -> int:
        at, epoch = self._to_db(seen), self._to_db(_rules.EPOCH)
        hosts = [host_key(url) for url in urls]
        cursor = db.executemany(
            "INSERT INTO urls (url, host, source, state, attempts, next_attempt_at, first_seen) "
            f"VALUES (?, ?, ?, {PENDING_SQL}, 0, ?, ?) ON CONFLICT (url) DO NOTHING",
            [(url, host, source, at, at) for url, host in zip(urls, hosts, strict=True)],
        )
        db.executemany(
            "INSERT INTO hosts (host, next_allowed_at) VALUES (?, ?) ON CONFLICT (host) DO NOTHING",
            [(host, epoch) for host in sorted(set(hosts))],
        )
        return cursor.rowcount

    def _claim_rows(self, db: sqlite3.Connection, request: ClaimRequest) -> list[Any]:
        # The first due URL of each host whose next slot has come and which has fewer than `per_host`
        # URLs claimed, the earliest due first. The write lock makes the count exact.
        picked = db.execute(
            f"""
            SELECT u.id FROM (
                SELECT (SELECT u.id FROM urls u
                        WHERE u.host = h.host AND u.state <> {CLAIMED_SQL} AND u.next_attempt_at <= :now
                        ORDER BY u.next_attempt_at, u.id LIMIT 1) AS url_id
                FROM hosts h WHERE h.next_allowed_at <= :now
                    AND (SELECT count(*) FROM urls c WHERE c.host = h.host AND c.state = {CLAIMED_SQL})
                        < :per_host
            ) AS firsts JOIN urls u ON u.id = firsts.url_id
            ORDER BY u.next_attempt_at, u.id LIMIT :limit
            """,
            {"now": self._to_db(request.now), "limit": request.limit, "per_host": request.per_host_cap},
        ).fetchall()
        ids = [row[0] for row in picked]
        if not ids:
            return []
        db.execute(
            f"UPDATE urls SET state = {CLAIMED_SQL}, token = token + 1, lease_expires_at = ?, claimed_by = ? "
            f"WHERE id IN ({self.dialect.params(len(ids))})",
            (self._to_db(request.lease_expires), request.worker, *ids),
        )
        rows = db.execute(
            f"SELECT id, url, host, token, attempts, etag, last_modified FROM urls "
            f"WHERE id IN ({self.dialect.params(len(ids))}) ORDER BY next_attempt_at, id",
            ids,
        ).fetchall()
        hosts = sorted({row[2] for row in rows})
        # max(): a claim never moves a host's next slot earlier (a turn held by a request, or a
        # longer delay reserved by another worker, stays).
        db.execute(
            f"UPDATE hosts SET next_allowed_at = max(next_allowed_at, ?) "
            f"WHERE host IN ({self.dialect.params(len(hosts))})",
            (self._to_db(request.next_allowed), *hosts),
        )
        return rows

    def take_host_turn(self, url: str, *, now: datetime, held_until: datetime) -> float:
        host = host_key(url)
        with self._write() as db:
            row = db.execute("SELECT next_allowed_at FROM hosts WHERE host = ?", (host,)).fetchone()
            if row is not None and row[0] > self._to_db(now):
                return _rules.turn_wait(self._from_db(row[0]), now)
            # A host not enqueued yet (a redirect's target) gets its row here.
            db.execute(
                "INSERT INTO hosts (host, next_allowed_at) VALUES (?, ?) "
                "ON CONFLICT (host) DO UPDATE SET next_allowed_at = excluded.next_allowed_at",
                (host, self._to_db(held_until)),
            )
        return 0.0

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _connect(path: str, busy_timeout: float, *, create: bool) -> sqlite3.Connection:
    """The connection; without `create`, opened read-write only (`mode=rw`), so a missing file is never
    made, not even by a race with its removal."""
    if not create and path != IN_MEMORY:
        if not Path(path).is_file():
            raise ConfigError(f"db: no database at {path} (`scraper run` or `scraper db migrate` creates it)")
        path = Path(path).absolute().as_uri() + "?mode=rw"
    # isolation_level=None: the module opens no transaction by itself; ours are explicit.
    return sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False, uri=not create
    )


def _refuse_foreign(db: sqlite3.Connection, path: str, *, create: bool) -> None:
    """Raise SchemaError for a file that is not scraper's: not SQLite at all, or tables without scraper's
    `schema_version`; without `create`, also for a database with no tables yet. Reads only."""
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise SchemaError(f"{path} is not a scraper database ({exc}); it was not changed") from exc
    if "schema_version" in tables:
        return
    if tables:
        raise SchemaError(
            f"{path} is not a scraper database (it has tables, but not scraper's schema_version); "
            "it was not changed"
        )
    if not create:
        raise SchemaError(f"{path} is not a scraper database (it is empty): run `scraper run` first")
