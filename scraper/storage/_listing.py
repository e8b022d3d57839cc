"""Reading the frontier for the command line: the failed URLs, page by page (`scraper status --failed`),
and the due URLs counted (the progress bar's total). A mixin of `SQLStore`, kept apart so that the shared
flows in `_sql` stay one readable module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from ..models import ErrorKind, FailedUrl
from ._schema import CLAIMED_SQL, FAILED_SQL, sql_literal

if TYPE_CHECKING:
    from ._sql import SQLStore

__all__ = ["FailedUrlListing"]

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
