"""How claims end other than by a save (issue 11, "Stops"), on both backends: every claim released under
the SQLite run lock, claims given back by a stopping run, the claims of a worker whose heartbeat stopped,
and schema version 2 (the heartbeats) reached from version 1 by `scraper db migrate` only.

Every time is passed in explicitly, as in test_contract.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from scraper.config import RunSettings
from scraper.errors import SchemaError, StaleClaimError
from scraper.models import Claim, Document, FetchResult, FetchStatus, OutcomeKind
from scraper.storage import SCHEMA_VERSION, Store, migrate_database, open_store
from scraper.storage._schema import migrations, schema_version_table
from scraper.storage.postgres import PostgresStore
from scraper.storage.sqlite import SQLiteStore

if TYPE_CHECKING:  # the fixture's type; conftest modules are not imported by name at run time
    from conftest import Backend

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = 300.0  # long: every release below happens well before a lease runs out
POLICY = RunSettings(max_attempts=3, lease=LEASE)
URLS = ["http://a.test/1", "http://b.test/1", "http://c.test/1"]


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def claim(store: Store, worker: str, at: datetime = T0, limit: int = 10) -> list[Claim]:
    return store.claim(worker=worker, limit=limit, now=at, lease=LEASE, host_delay=0.0)


def save(store: Store, claim: Claim, at: datetime) -> OutcomeKind:
    fetch = FetchResult(claim.url, FetchStatus.OK, final_url=claim.url, http_status=200, content=b"<p>x</p>")
    document = Document(url=claim.url, text="text of " + claim.url)
    return store.save(claim, fetch, document, now=at, policy=POLICY).kind


def test_release_all_returns_every_claim_at_once_counting_an_attempt(store: Store) -> None:
    store.enqueue(URLS, source="s", now=T0)
    killed_run = claim(store, "killed", limit=2)
    assert store.release_all(later(1), POLICY) == 2  # leases far from over
    assert store.status().by_state == {"pending": 3}
    with pytest.raises(StaleClaimError):
        save(store, killed_run[0], later(2))
    again = claim(store, "next", later(2))
    assert sorted((c.url, c.attempts) for c in again) == sorted(
        [(c.url, 1) for c in killed_run] + [(URLS[2], 0)]
    )
    assert store.release_all(later(3), POLICY) == 3
    assert store.release_all(later(3), POLICY) == 0


def test_a_claim_released_max_attempts_times_fails(store: Store) -> None:
    store.enqueue(URLS[:1], source="s", now=T0)
    for attempt in range(POLICY.max_attempts):
        assert len(claim(store, "w", later(attempt))) == 1
        assert store.release_all(later(attempt), POLICY) == 1
    assert store.status().by_state == {"failed": 1}
    assert store.status().failures_by_reason == {"lease_expired": 1}


def test_give_back_returns_current_claims_due_as_before_without_an_attempt(store: Store) -> None:
    store.enqueue(URLS, source="s", now=T0)
    first, second, third = claim(store, "w")
    assert save(store, third, later(1)) is OutcomeKind.STORED
    assert store.give_back([first, third]) == 1  # the saved one is no longer a claim
    assert store.status().by_state == {"pending": 1, "claimed": 1, "done": 1}
    assert store.give_back([first]) == 0  # given back already
    assert store.give_back([]) == 0
    (taken,) = claim(store, "other", later(2))
    assert (taken.url, taken.attempts) == (first.url, 0)
    assert store.give_back([first]) == 0  # claimed again since: the new holder keeps it
    with pytest.raises(StaleClaimError):
        save(store, first, later(3))
    assert save(store, taken, later(3)) is OutcomeKind.STORED
    assert save(store, second, later(3)) is OutcomeKind.STORED


def test_the_claims_of_a_worker_that_stopped_beating_go_back_before_their_leases(store: Store) -> None:
    store.enqueue(URLS, source="s", now=T0)
    store.beat("dead", now=T0, dead_after=later(10))
    store.beat("alive", now=T0, dead_after=later(10))
    dead = claim(store, "dead", limit=1)
    alive = claim(store, "alive", limit=1)
    silent = claim(store, "no-heartbeat", limit=1)  # a worker that never beat: its lease alone counts
    assert len(dead) == len(alive) == len(silent) == 1

    assert store.release_expired(later(9), POLICY) == 0
    store.beat("alive", now=later(9), dead_after=later(19))
    assert store.release_expired(later(11), POLICY) == 1  # the dead worker's, 290 s before its lease
    with pytest.raises(StaleClaimError):
        save(store, dead[0], later(12))
    assert save(store, alive[0], later(12)) is OutcomeKind.STORED
    assert store.status().by_state == {"pending": 1, "claimed": 1, "done": 1}
    assert store.release_expired(later(LEASE + 1), POLICY) == 1  # the silent one's lease

    # A worker presumed dead that beats again is alive again; one that ended is no longer watched.
    store.beat("dead", now=later(20), dead_after=later(30))
    store.enqueue(["http://d.test/1"], source="s", now=later(20))
    revived = claim(store, "dead", later(21))
    assert len(revived) == 2
    assert store.release_expired(later(25), POLICY) == 0
    assert store.give_back(revived) == 2
    store.end_worker("dead")
    store.end_worker("never-beat")  # nothing to forget: no error
    later_claims = claim(store, "dead", later(40))
    assert store.release_expired(later(41), POLICY) == 0  # no heartbeat row: only the lease counts
    assert store.give_back(later_claims) == len(later_claims)


# -- schema version 2 ---------------------------------------------------------------------------------


def make_version_1(backend: Backend, version: int = 1) -> None:
    """A database as the release of schema `version` (1 or 2) left it, with one URL in it."""
    store_class = SQLiteStore if backend.name == "sqlite" else PostgresStore
    types = store_class.dialect.types
    backend.execute(schema_version_table(types))
    for migration in migrations(types)[:version]:
        for statement in migration.statements:
            backend.execute(statement)
    at = "'2026-01-01T00:00:00+00:00'"
    backend.execute(f"INSERT INTO schema_version (version, applied_at) VALUES ({version}, {at})")
    backend.execute(
        "INSERT INTO urls (url, host, source, first_seen, next_attempt_at) "
        f"VALUES ('http://a.test/1', 'a.test', 's', {at}, {at})"
    )
    backend.execute(f"INSERT INTO hosts (host, next_allowed_at) VALUES ('a.test', {at})")


def test_a_version_1_database_is_refused_until_db_migrate_brings_it_to_7(backend: Backend) -> None:
    assert SCHEMA_VERSION == 7
    make_version_1(backend)
    with pytest.raises(
        SchemaError, match=r"schema version 1, this scraper needs version 7.*scraper db migrate"
    ):
        open_store(backend.dsn)

    migration = migrate_database(backend.dsn)

    assert (migration.before, migration.after) == (1, 7)
    store = open_store(backend.dsn)
    try:
        (old,) = claim(store, "w", later(1))
        assert old.url == "http://a.test/1"  # the data of version 1 is kept
        store.beat("w", now=later(1), dead_after=later(2))
        assert store.release_expired(later(3), POLICY) == 1  # and the heartbeats of version 2 work
    finally:
        store.close()
    assert migrate_database(backend.dsn).changed is False


def test_a_fresh_database_is_created_at_version_7(backend: Backend) -> None:
    backend.open().close()
    assert migrate_database(backend.dsn).before == SCHEMA_VERSION == 7


def test_documents_of_a_version_2_database_are_kept_as_originals_of_unknown_type(backend: Backend) -> None:
    make_version_1(backend, version=2)
    at = "'2026-01-01T00:00:00+00:00'"
    backend.execute(
        "INSERT INTO documents (url_id, version, url, text, text_hash, fetched_at, created_at) "
        f"VALUES (1, 1, 'http://a.test/1', 'old text', 'h', {at}, {at})"
    )
    assert migrate_database(backend.dsn).after == 7
    store = open_store(backend.dsn)
    try:
        [old] = store.documents()
        document = old.document
        assert (document.text, document.page_type, document.markdown) == ("old text", "unknown", "")
        assert old.duplicate_of is None
    finally:
        store.close()
