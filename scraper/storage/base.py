"""The `Store` protocol: one interface, a SQLite and a PostgreSQL backend, one contract test suite.

The store is also the frontier. Each URL row has a state::

    pending ──claim──▶ claimed ──save──▶ done | failed | skipped
       ▲                  │                      │
       └── lease expires ─┘◀── due for re-check ─┘ (failed: retried on a schedule, up to max_attempts)

A claim carries a fencing token; `save` with a token that is no longer the URL's current one raises
`StaleClaimError`, so a worker whose lease expired cannot overwrite a newer result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol

from ..config import RunSettings
from ..models import Claim, Document, FetchResult, Outcome, RawPage, RunReport, StoredDocument, StoreStatus

__all__ = ["SCHEMA_VERSION", "Store"]

SCHEMA_VERSION = 1


class Store(Protocol):
    """What the pipeline and the CLI need of a database. All times are timezone-aware UTC."""

    def migrate(self) -> int:
        """Create or upgrade the schema; return the schema version now in place."""

    def check_schema(self) -> None:
        """Raise SchemaError when the database is not at SCHEMA_VERSION (names the fix)."""

    def enqueue(self, urls: Iterable[str], *, source: str, now: datetime) -> int:
        """Add URLs not yet known as pending; return how many were new."""

    def claim(
        self, *, worker: str, limit: int, now: datetime, lease: float, host_delay: float
    ) -> list[Claim]:
        """Claim up to `limit` due URLs, at most one per host whose next allowed time has come,
        and reserve that host's next slot (now + host_delay) in the same transaction."""

    def save(
        self,
        claim: Claim,
        fetch: FetchResult,
        document: Document | None,
        *,
        now: datetime,
        policy: RunSettings,
    ) -> Outcome:
        """Record one fetched (and extracted) page in one transaction; raise StaleClaimError
        when `claim.token` is no longer current. Stores a new version only when the text changed;
        an article whose canonical URL is already stored under another URL is stored once."""

    def release_expired(self, now: datetime, policy: RunSettings) -> int:
        """Return expired claims to pending (or failed after max_attempts); return how many."""

    def documents(self, since: datetime | None = None) -> Iterator[StoredDocument]:
        """Latest version of every stored document, oldest first."""

    def raw_pages(self) -> Iterator[RawPage]:
        """The raw HTML of each URL's latest stored fetch."""

    def add_version(self, url_id: int, document: Document, *, now: datetime) -> bool:
        """Store `document` as a new version when its text differs from the latest; say if it did."""

    def record_run(self, report: RunReport) -> None:
        """Remember a finished run for `scraper status`."""

    def status(self) -> StoreStatus:
        """Counts by state, failures by reason, the last runs."""

    def close(self) -> None: ...
