"""Reading the store for the command line: the failed URLs, page by page (`scraper status --failed`), the
due URLs counted (the progress bar's total), the stored documents (`export`) and the counts of `status`.
Mixins of `SQLStore`, kept apart so that the shared flows in `_sql` stay one readable module."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from ..models import Document, ErrorKind, FailedUrl, StoredDocument, StoreStatus, UrlState
from . import _rules
from ._dedup import ARTICLE_TYPES_SQL
from ._schema import CLAIMED_SQL, FAILED_SQL, sql_literal

if TYPE_CHECKING:
    from ._sql import SQLStore

__all__ = ["DocumentListing", "FailedUrlListing"]

# Rows read per query, so a frontier with 100,000 failures never sits in memory at once.
PAGE_SIZE = 500
# When a URL failed: its last fetch; a URL failed by an expired lease may never have been fetched.
_FAILED_AT = "coalesce(last_fetched, first_seen)"
_FAILED_URLS = (
    f"SELECT id, url, coalesce(reason, {sql_literal(ErrorKind.UNKNOWN)}), message, attempts, {_FAILED_AT}, "
    f"next_attempt_at FROM urls WHERE state = {FAILED_SQL} AND id > {{p}} AND {_FAILED_AT} >= {{p}} "
    "ORDER BY id LIMIT {p}"
)
# The URLs `has_due` looks for, counted: a whole scan, for a progress bar's total once per run.
_COUNT_DUE = f"SELECT count(*) FROM urls WHERE state <> {CLAIMED_SQL} AND next_attempt_at <= {{p}}"


class FailedUrlListing:
    """`failed_urls` and `count_due` of the `Store` protocol, on `SQLStore`'s transactions and times."""

    def failed_urls(self, since: datetime | None = None) -> Iterator[FailedUrl]:
        store = cast("SQLStore[Any]", self)
        query = _FAILED_URLS.format(p=store.dialect.param)
        bound = store.dialect.earliest if since is None else store._to_db(since)
        after = 0
        while True:
            with store._read() as db:
                rows = db.execute(query, (after, bound, PAGE_SIZE)).fetchall()
            for _, url, reason, message, attempts, failed_at, due in rows:
                yield FailedUrl(
                    url=url,
                    reason=ErrorKind.parse(reason),
                    message=message,
                    attempts=attempts,
                    failed_at=store._from_db(failed_at),
                    next_attempt_at=None if due is None else store._from_db(due),
                )
            if len(rows) < PAGE_SIZE:
                return
            after = rows[-1][0]

    def count_due(self, now: datetime) -> int:
        store = cast("SQLStore[Any]", self)
        with store._read() as db:
            row = db.execute(_COUNT_DUE.format(p=store.dialect.param), (store._to_db(now),)).fetchone()
        return int(row[0]) if row else 0


# Runs shown by `status`.
LAST_RUNS = 5
# The latest version of each URL's document, and the URL of the document it copies, if any. `{p}`: the
# dialect's placeholder. The filters take a boolean each: list copies too, list every page type too.
_LATEST = "d.version = (SELECT max(version) FROM documents l WHERE l.url_id = d.url_id)"
_DOCUMENTS = (
    "SELECT d.id, d.created_at, d.url_id, u.url, d.version, d.fetched_at, ou.url, {columns} "
    "FROM documents d JOIN urls u ON u.id = d.url_id "
    "LEFT JOIN documents o ON o.id = d.duplicate_of LEFT JOIN urls ou ON ou.id = o.url_id "
    f"WHERE {_LATEST} AND (d.created_at, d.id) > ({{p}}, {{p}}) "
    f"AND ({{p}} OR d.duplicate_of IS NULL) AND ({{p}} OR d.page_type IN {ARTICLE_TYPES_SQL}) "
    "ORDER BY d.created_at, d.id LIMIT {p}"
)
_COUNT_BY_STATE = "SELECT state, count(*) FROM urls GROUP BY state"
_COUNT_FAILURES = (
    f"SELECT coalesce(reason, {sql_literal(ErrorKind.UNKNOWN)}), count(*) FROM urls "
    f"WHERE state = {FAILED_SQL} GROUP BY 1"
)
_COUNT_DOCUMENTS = "SELECT count(DISTINCT url_id), count(*) FROM documents"
_COUNT_KINDS = (
    "SELECT coalesce(sum(CASE WHEN d.duplicate_of IS NULL THEN 0 ELSE 1 END), 0), "
    f"coalesce(sum(CASE WHEN d.page_type IN {ARTICLE_TYPES_SQL} THEN 0 ELSE 1 END), 0) "
    f"FROM documents d WHERE {_LATEST}"
)


class DocumentListing:
    """`documents` and `status` of the `Store` protocol, on `SQLStore`'s transactions and times."""

    def documents(
        self, since: datetime | None = None, *, duplicates: bool = False, non_articles: bool = False
    ) -> Iterator[StoredDocument]:
        store = cast("SQLStore[Any]", self)
        after = (store._to_db(since) if since else store.dialect.earliest, 0)
        columns = ", ".join("d." + column for column in _rules.DOCUMENT_COLUMNS)
        query = _DOCUMENTS.format(p=store.dialect.param, columns=columns)
        while True:
            with store._read() as db:
                rows = db.execute(query, (*after, duplicates, non_articles, PAGE_SIZE)).fetchall()
            yield from (self._stored_document(row[2:]) for row in rows)
            if len(rows) < PAGE_SIZE:
                return
            after = (rows[-1][1], rows[-1][0])

    def _stored_document(self, row: Sequence[Any]) -> StoredDocument:
        store = cast("SQLStore[Any]", self)
        url_id, url, version, fetched_at, duplicate_of, *fields = row
        document = Document(**dict(zip(_rules.DOCUMENT_COLUMNS, fields, strict=True)))
        return StoredDocument(
            url_id=url_id,
            url=url,
            version=version,
            fetched_at=store._from_db(fetched_at),
            document=document,
            duplicate_of=duplicate_of,
        )

    def status(self) -> StoreStatus:
        store = cast("SQLStore[Any]", self)
        with store._read() as db:
            by_state = {UrlState.parse(row[0]): row[1] for row in db.execute(_COUNT_BY_STATE).fetchall()}
            failures = {ErrorKind.parse(row[0]): row[1] for row in db.execute(_COUNT_FAILURES).fetchall()}
            counts = db.execute(_COUNT_DOCUMENTS).fetchone()
            kinds = db.execute(_COUNT_KINDS).fetchone()
            last_runs = (
                f"SELECT {store.dialect.report_text} FROM runs ORDER BY id DESC LIMIT {store.dialect.param}"
            )
            runs = db.execute(last_runs, (LAST_RUNS,)).fetchall()
        documents, versions = counts if counts else (0, 0)
        duplicates, non_articles = kinds if kinds else (0, 0)
        return StoreStatus(
            by_state=by_state,
            failures_by_reason=failures,
            documents=documents,
            versions=versions,
            last_runs=tuple(_rules.report_from_json(row[0]) for row in runs),
            duplicates=int(duplicates),
            non_articles=int(non_articles),
        )
