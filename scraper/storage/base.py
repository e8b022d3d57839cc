"""The `Store` protocol: one interface, a SQLite and a PostgreSQL backend, one contract test suite.

The store is also the frontier. Each URL row has a state::

    pending ──claim──▶ claimed ──save──▶ done | failed | skipped
       ▲                  │                      │
       └── lease expires ─┘◀── due for re-check ─┘ (failed: retried on a schedule, up to max_attempts)

A claim carries a fencing token; `save` with a token that is no longer the URL's current one raises
`StaleClaimError`, so a worker whose lease expired cannot overwrite a newer result. A worker still busy with
its claims renews their leases (`renew_leases`), so only a dead worker's claims ever expire. A worker on a
shared store also beats (`beat`): the claims of one that stopped beating go back at the next release
(`release_expired`) instead of after their leases. A run that knows it is alone on its store (the SQLite
run lock) returns every claim left in it at once (`release_all`), and a stopping run gives back the claims
it never started (`give_back`).

On a `shared` store, politeness towards a host is kept in the store too, for workers in many processes:
`claim` with `per_host` bounds the URLs of a host claimed at once (hence its requests in flight), and each
request takes the host's turn (`take_host_turn` ... `end_host_turn` once it has gone out), so that request
starts to a host are `fetch.delay` apart over all workers, retries and robots.txt included. A host here (the
`urls.host` column, the `hosts` table) is `scraper.urls.host_key`, the key the Fetcher's own limits use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from ..config import RunSettings
from ..models import (
    Claim,
    Document,
    FailedUrl,
    FetchResult,
    Outcome,
    RawPage,
    RunReport,
    StoredDocument,
    StoreStatus,
)
from ._minhash import Fingerprint

__all__ = ["SCHEMA_VERSION", "Store"]

SCHEMA_VERSION = 7


class Store(Protocol):
    """What the pipeline and the CLI need of a database. All times are timezone-aware UTC."""

    @property
    def shared(self) -> bool:
        """True when workers in other processes claim from this frontier at the same time (PostgreSQL):
        per-host politeness must then be kept in the store. A SQLite file has one run at a time (the run
        lock), whose own fetcher keeps it."""

    def migrate(self) -> int:
        """Create or upgrade the schema; return the schema version now in place."""

    def check_schema(self) -> None:
        """Raise SchemaError when the database is not at SCHEMA_VERSION (names the fix)."""

    def enqueue(self, urls: Iterable[str], *, source: str, now: datetime) -> int:
        """Add URLs not yet known as pending; return how many were new."""

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
        """Claim up to `limit` due URLs, at most one per host whose next allowed time has come,
        and reserve that host's next slot (now + host_delay, never earlier than already reserved) in
        the same transaction. With `per_host`, a host that already has that many URLs claimed (by any
        worker, until they are saved or their leases released) gives none: every request to a URL is
        made while it is claimed, so this bounds the requests in flight to a host over all workers."""

    def has_due(self, now: datetime) -> bool:
        """Whether some URL not claimed is due at `now`, whatever its host's next slot or claims: an
        empty `claim` may only mean that every due host is busy."""

    def count_due(self, now: datetime) -> int:
        """How many URLs not claimed are due at `now` (those `has_due` looks for)."""

    def take_host_turn(self, url: str, *, now: datetime, held_until: datetime) -> float:
        """Take the turn of `url`'s host for one request, shared by every worker of the store: when the
        host's next allowed time has come, hold the host until `held_until` (or until `end_host_turn`)
        and return 0; else return the seconds (> 0) until its next allowed time."""

    def end_host_turn(self, url: str, *, held_until: datetime, next_allowed: datetime) -> None:
        """The request of a turn taken with `held_until` has gone out: the host's next request may start
        at `next_allowed`. Does nothing when that turn expired and was taken over meanwhile."""

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
        """Record one fetched (and extracted) page in one transaction; raise StaleClaimError
        when `claim.token` is no longer current. Stores a new version only when the text changed;
        an article whose canonical URL is already stored under another URL is stored once. A text that
        equals another URL's document, or (`policy.dedup_near`) is a near copy of one (Jaccard of word
        shingles at least `policy.dedup_threshold`), is stored as a duplicate row (`duplicate_of`) and
        its URL skipped with reason `duplicate`; a later version of the same URL is never a duplicate.
        `fingerprint`: the document's, made beforehand (`document_fingerprint`, in an extraction
        worker); without it (or when it is of another text) the save makes it."""

    def release_expired(self, now: datetime, policy: RunSettings) -> int:
        """Return to pending (or failed after max_attempts, counting an attempt) the claims whose lease
        expired and those of workers past their `dead_after` (see `beat`); return how many. Forgets the
        heartbeats of dead workers that hold no claim any more."""

    def release_all(self, now: datetime, policy: RunSettings) -> int:
        """Return every claim to pending (or failed after max_attempts, counting an attempt), whoever
        holds it; return how many. Only for a caller that knows no other worker is alive: a run holding
        the SQLite run lock, whose claims left in the store are a killed run's."""

    def give_back(self, claims: Sequence[Claim]) -> int:
        """Return `claims` that are still current to pending at once, due as before, counting no attempt:
        a stopping run gives back what it never started. Return how many went back."""

    def beat(self, worker: str, *, now: datetime, dead_after: datetime) -> None:
        """`worker` is alive at `now`; unless it beats again, it is dead after `dead_after`, and
        `release_expired` then returns its claims without waiting for their leases."""

    def end_worker(self, worker: str) -> None:
        """`worker` has ended and holds no claims: forget its heartbeat."""

    def renew_leases(self, claims: Sequence[Claim], *, now: datetime, lease: float) -> int:
        """Extend to `now + lease` the lease of each of `claims` that is still current (the URL is claimed
        with that claim's token, even if its lease has run out but was not released yet), in one
        transaction; return how many were renewed. A claim no longer current (released, claimed again,
        saved) is left as it is: its holder learns that at `save`. The claims' own `lease_expires` are
        not updated. An empty `claims` touches no database."""

    def documents(
        self, since: datetime | None = None, *, duplicates: bool = False, non_articles: bool = False
    ) -> Iterator[StoredDocument]:
        """Latest version of every stored document, oldest first. A document whose latest version copies
        another URL's (`duplicate_of`) is listed only with `duplicates`; one whose page type is neither
        article nor unknown only with `non_articles`."""

    def raw_pages(self) -> Iterator[RawPage]:
        """The raw HTML of each URL's latest stored fetch."""

    def add_version(
        self, url_id: int, document: Document, *, now: datetime, policy: RunSettings | None = None
    ) -> bool:
        """Store `document` as a new version when its text differs from the latest; say if it did. A new
        text is checked for copies of another URL's story as a save's is, under `policy`'s duplicate
        settings (the defaults when None)."""

    def record_run(self, report: RunReport) -> None:
        """Remember a finished run for `scraper status`."""

    def status(self) -> StoreStatus:
        """Counts by state, failures by reason, the last runs."""

    def failed_urls(self, since: datetime | None = None) -> Iterator[FailedUrl]:
        """Every URL in the `failed` state (whose last attempt ended at or after `since`), in the order
        they were first seen, with its reason, message, attempts and next attempt."""

    def close(self) -> None: ...
