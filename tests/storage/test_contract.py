"""The `Store` contract, run unchanged on SQLite and PostgreSQL (see conftest.py for the fixtures).

Every time is passed in explicitly, so the frontier's schedule (leases, retries, per-host slots) is tested
without sleeping.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from scraper.config import RunSettings
from scraper.errors import ConfigError, SchemaError, StaleClaimError, StorageError
from scraper.models import (
    Claim,
    Document,
    ErrorInfo,
    ErrorKind,
    FetchResult,
    FetchStatus,
    OutcomeKind,
    RunReport,
    SkipReason,
    UrlState,
    Validators,
)
from scraper.storage import SCHEMA_VERSION, Store, migrate_database, open_store

if TYPE_CHECKING:  # the fixture's type; conftest modules are not imported by name at run time
    from conftest import Backend

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = RunSettings(recheck_after=1000.0, retry_after=100.0, max_attempts=3, lease=60.0)
LEASE = 60.0


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def claim_all(store: Store, at: datetime = T0, *, limit: int = 50, host_delay: float = 0.0) -> list[Claim]:
    return store.claim(worker="test", limit=limit, now=at, lease=LEASE, host_delay=host_delay)


def claim_one(store: Store, at: datetime = T0) -> Claim:
    claims = claim_all(store, at)
    assert len(claims) == 1, claims
    return claims[0]


def fetched(
    claim: Claim, *, content: bytes = b"<html>page</html>", validators: Validators | None = None
) -> FetchResult:
    return FetchResult(
        url=claim.url,
        status=FetchStatus.OK,
        final_url=claim.url,
        http_status=200,
        content=content,
        encoding="utf-8",
        validators=validators or Validators(),
    )


def article(claim: Claim, text: str, *, canonical: str | None = None, title: str = "Title") -> Document:
    return Document(url=claim.url, canonical_url=canonical, title=title, text=text)


def failed(claim: Claim, kind: str = "timeout") -> FetchResult:
    return FetchResult(claim.url, FetchStatus.FAILED, error=ErrorInfo(kind, f"{kind} on {claim.url}"))


def store_text(store: Store, url: str, text: str, at: datetime = T0, **extra: str) -> OutcomeKind:
    """Enqueue `url` if new, claim it at `at` and save an article with `text`."""
    store.enqueue([url], source="test", now=at)
    claim = claim_one(store, at)
    assert claim.url == url
    return store.save(claim, fetched(claim), article(claim, text, **extra), now=at, policy=POLICY).kind


# -- frontier ---------------------------------------------------------------------------------------


def test_enqueue_adds_each_url_once(store: Store) -> None:
    assert store.enqueue(["http://a.test/1", "http://a.test/2", "http://a.test/1"], source="s", now=T0) == 2
    assert store.enqueue(["http://a.test/2", "http://b.test/1", " "], source="s", now=T0) == 1
    assert store.status().by_state == {"pending": 3}


def test_claim_takes_one_url_per_host_and_reserves_the_host(store: Store) -> None:
    store.enqueue(["http://a.test/1", "http://a.test/2"], source="s", now=T0)
    store.enqueue(["http://b.test/1"], source="s", now=later(1))

    first = store.claim(worker="w", limit=10, now=later(1), lease=LEASE, host_delay=10.0)
    assert [c.url for c in first] == ["http://a.test/1", "http://b.test/1"]  # next_attempt_at order
    assert store.claim(worker="w", limit=10, now=later(1), lease=LEASE, host_delay=10.0) == []
    assert store.claim(worker="w", limit=10, now=later(10.9), lease=LEASE, host_delay=10.0) == []

    second = store.claim(worker="w", limit=10, now=later(11), lease=LEASE, host_delay=10.0)
    assert [c.url for c in second] == ["http://a.test/2"]
    assert second[0].host == "a.test"
    assert second[0].lease_expires == later(11 + LEASE)


def test_claim_respects_limit_and_skips_claimed_urls(store: Store) -> None:
    store.enqueue([f"http://h{i}.test/" for i in range(5)], source="s", now=T0)
    assert len(claim_all(store, limit=3)) == 3
    assert len(claim_all(store, limit=3)) == 2
    assert claim_all(store) == []
    assert store.status().by_state == {"claimed": 5}


def test_claim_keeps_per_host_urls_of_a_host_claimed_at_most(store: Store) -> None:
    def claim_capped(at: datetime = T0) -> list[Claim]:
        return store.claim(worker="w", limit=10, now=at, lease=LEASE, host_delay=0.0, per_host=2)

    store.enqueue([f"http://a.test/{i}" for i in range(5)] + ["http://b.test/1"], source="s", now=T0)
    claims = claim_capped() + claim_capped() + claim_capped()
    assert Counter(c.host for c in claims) == {"a.test": 2, "b.test": 1}
    # Saved, a URL no longer counts: the host has room for one more. A lease given back frees one too.
    store.save(claims[0], fetched(claims[0]), article(claims[0], "text"), now=T0, policy=POLICY)
    assert [c.host for c in claim_capped()] == ["a.test"]
    assert claim_capped() == []
    store.release_expired(later(LEASE + 1), POLICY)
    assert Counter(c.host for c in claim_capped(later(LEASE + 1))) == {"a.test": 1, "b.test": 1}


def test_has_due_sees_due_urls_whatever_their_host_slot(store: Store) -> None:
    assert not store.has_due(T0)
    store.enqueue(["http://a.test/1"], source="s", now=later(5))
    assert not store.has_due(T0)  # not due before it was seen
    assert store.has_due(later(5))
    claim = claim_one(store, later(5))
    assert not store.has_due(later(5))  # claimed: not due, though not done either
    store.save(claim, failed(claim), None, now=later(5), policy=POLICY)
    assert not store.has_due(later(5 + POLICY.retry_after - 1))
    assert store.has_due(later(5 + POLICY.retry_after))
    store.enqueue(["http://a.test/2"], source="s", now=later(6))
    store.take_host_turn("http://a.test/2", now=later(6), held_until=later(60))
    assert store.has_due(later(6))  # the host is busy, yet a URL is due: a run must wait, not end


def test_a_host_turn_is_held_until_ended_or_expired_and_ends_at_the_next_slot(store: Store) -> None:
    url, other_host = "http://a.test:8080/1", "http://b.test/1"
    store.enqueue([url], source="s", now=T0)
    held = later(30)
    assert store.take_host_turn(url, now=T0, held_until=held) == 0
    # Held: another worker waits, whichever URL of the host it asks for; other hosts are free, and another
    # port of the same name is another host (scraper.urls.host_key), as the Fetcher counts it.
    assert store.take_host_turn(
        "http://a.test:8080/robots.txt", now=later(1), held_until=later(31)
    ) == pytest.approx(29)
    assert store.take_host_turn(other_host, now=later(1), held_until=later(31)) == 0  # not enqueued: added
    assert store.take_host_turn("http://a.test/1", now=later(1), held_until=later(31)) == 0
    # Ended when the request went out: the next request may start one delay after that, not before.
    store.end_host_turn(url, held_until=held, next_allowed=later(2.5))
    assert store.take_host_turn(url, now=later(2), held_until=later(32)) == pytest.approx(0.5)
    assert store.claim(worker="w", limit=5, now=later(2), lease=LEASE, host_delay=0.0) == []
    assert store.take_host_turn(url, now=later(2.5), held_until=later(32.5)) == 0
    # A holder that dies never ends its turn: it expires, another takes over, and the late end of the
    # first changes nothing.
    assert store.take_host_turn(url, now=later(32), held_until=later(62)) == pytest.approx(0.5)
    assert store.take_host_turn(url, now=later(32.5), held_until=later(62.5)) == 0
    store.end_host_turn(url, held_until=later(32.5), next_allowed=later(33))
    assert store.take_host_turn(url, now=later(33), held_until=later(63)) == pytest.approx(29.5)
    store.end_host_turn(url, held_until=later(62.5), next_allowed=later(34))
    assert store.take_host_turn(url, now=later(34), held_until=later(64)) == 0


def test_two_ports_of_a_name_are_two_hosts_for_claims_caps_and_turns(store: Store) -> None:
    urls = [f"http://a.test{port}/{i}" for port in ("", ":80", ":8080") for i in range(3)]
    store.enqueue(urls, source="s", now=T0)  # ":80" is http's default port: the host of the URLs without one
    claims = store.claim(worker="w", limit=10, now=T0, lease=LEASE, host_delay=10.0)
    assert sorted(c.host for c in claims) == ["a.test", "a.test:8080"]  # one per host, each reserved
    capped = store.claim(worker="w", limit=10, now=later(10), lease=LEASE, host_delay=0.0, per_host=1)
    assert capped == []  # each host has its one claim
    assert store.take_host_turn("http://a.test:8080/0", now=later(10), held_until=later(40)) == 0
    assert store.take_host_turn("http://a.test/0", now=later(10), held_until=later(40)) == 0
    # https on its default port is the same server as http on its own.
    wait = store.take_host_turn("https://a.test:443/", now=later(11), held_until=later(41))
    assert wait == pytest.approx(29)


def test_a_host_written_without_its_port_by_an_older_release_is_still_claimed(
    backend: Backend, store: Store
) -> None:
    # Before scraper.urls.host_key, the store's host was the name alone, even for a URL with a port.
    store.enqueue(["http://a.test:8080/1", "http://a.test:8080/2"], source="s", now=T0)
    backend.execute("UPDATE urls SET host = 'a.test'")
    backend.execute("INSERT INTO hosts (host, next_allowed_at) SELECT 'a.test', next_allowed_at FROM hosts")
    first = claim_one(store, T0)
    assert (first.url, first.host) == ("http://a.test:8080/1", "a.test")
    assert store.take_host_turn(first.url, now=T0, held_until=later(30)) == 0  # the port's own turn
    store.save(first, fetched(first), article(first, "text"), now=T0, policy=POLICY)
    assert [c.url for c in claim_all(store, later(1))] == ["http://a.test:8080/2"]


def test_a_claim_never_moves_a_host_slot_earlier(store: Store) -> None:
    store.enqueue(["http://a.test/1", "http://a.test/2"], source="s", now=T0)
    assert store.take_host_turn("http://a.test/1", now=T0, held_until=later(30)) == 0
    store.end_host_turn("http://a.test/1", held_until=later(30), next_allowed=later(1))
    assert len(store.claim(worker="w", limit=5, now=later(1), lease=LEASE, host_delay=0.0)) == 1
    store.take_host_turn("http://a.test/1", now=later(1), held_until=later(31))
    assert store.claim(worker="w", limit=5, now=later(2), lease=LEASE, host_delay=0.0) == []  # turn held
    assert store.take_host_turn("http://a.test/2", now=later(2), held_until=later(32)) == pytest.approx(29)


def test_save_with_a_stale_token_raises_and_writes_nothing(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    stale = claim_one(store)
    assert store.release_expired(later(LEASE + 1), POLICY) == 1
    current = claim_one(store, later(LEASE + 1))
    assert current.token > stale.token

    with pytest.raises(StaleClaimError):
        store.save(stale, fetched(stale), article(stale, "late text"), now=later(LEASE + 2), policy=POLICY)
    assert list(store.documents()) == []
    assert list(store.raw_pages()) == []
    assert store.status().by_state == {"claimed": 1}

    outcome = store.save(current, fetched(current), article(current, "fresh"), now=later(70), policy=POLICY)
    assert outcome.kind is OutcomeKind.STORED
    with pytest.raises(StaleClaimError):  # the same claim cannot be saved twice
        store.save(current, fetched(current), article(current, "again"), now=later(71), policy=POLICY)
    assert [d.document.text for d in store.documents()] == ["fresh"]


def test_save_after_lease_released_is_refused_even_before_a_new_claim(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    store.release_expired(later(LEASE + 1), POLICY)
    with pytest.raises(StaleClaimError):
        store.save(claim, fetched(claim), article(claim, "late"), now=later(LEASE + 2), policy=POLICY)
    assert store.status().versions == 0


def test_expired_leases_go_back_to_pending_then_fail_after_max_attempts(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    at = T0
    for attempt in range(1, POLICY.max_attempts + 1):
        claim = claim_one(store, at)
        assert claim.attempts == attempt - 1
        assert store.release_expired(claim.lease_expires, POLICY) == 0  # not yet expired
        at = claim.lease_expires + timedelta(seconds=1)
        assert store.release_expired(at, POLICY) == 1
    status = store.status()
    assert status.by_state == {"failed": 1}
    assert status.failures_by_reason == {"lease_expired": 1}
    assert claim_all(store, later(10**8)) == []  # exhausted: never due again


def test_a_renewed_lease_is_not_released_after_the_first_and_the_claim_still_saves(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    assert store.renew_leases([claim], now=later(LEASE - 1), lease=LEASE) == 1

    assert store.release_expired(later(LEASE + 1), POLICY) == 0  # the first lease is over, the renewed not
    assert store.release_expired(later(2 * LEASE - 1), POLICY) == 0
    assert store.status().by_state == {"claimed": 1}
    outcome = store.save(
        claim, fetched(claim), article(claim, "slow"), now=later(2 * LEASE - 1), policy=POLICY
    )
    assert outcome.kind is OutcomeKind.STORED
    assert [d.document.text for d in store.documents()] == ["slow"]


def test_a_renewed_lease_still_expires(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    store.renew_leases([claim], now=later(10), lease=LEASE)
    assert store.release_expired(later(10 + LEASE + 1), POLICY) == 1


def test_renewing_a_stale_claim_changes_nothing(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    stale = claim_one(store)
    assert store.release_expired(later(LEASE + 1), POLICY) == 1
    assert store.renew_leases([stale], now=later(LEASE + 1), lease=LEASE) == 0  # released
    assert store.status().by_state == {"pending": 1}
    current = claim_one(store, later(LEASE + 2))

    assert store.renew_leases([stale], now=later(LEASE + 3), lease=100 * LEASE) == 0  # claimed again
    # The new holder's lease still ends when its claim said.
    assert store.release_expired(current.lease_expires, POLICY) == 0
    assert store.release_expired(current.lease_expires + timedelta(seconds=1), POLICY) == 1
    with pytest.raises(StaleClaimError):
        store.save(stale, fetched(stale), article(stale, "late"), now=later(LEASE + 4), policy=POLICY)


def test_renewal_counts_only_the_claims_still_current(store: Store) -> None:
    store.enqueue(["http://a.test/1", "http://b.test/1"], source="s", now=T0)
    saved, held = claim_all(store)
    store.save(saved, fetched(saved), article(saved, "done"), now=later(1), policy=POLICY)

    assert store.renew_leases([saved, held], now=later(LEASE - 1), lease=LEASE) == 1
    assert store.release_expired(later(LEASE + 1), POLICY) == 0
    assert store.status().by_state == {"done": 1, "claimed": 1}


def test_renewing_no_claims_touches_no_database(backend: Backend) -> None:
    store = backend.open()
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    store.close()

    assert store.renew_leases([], now=T0, lease=LEASE) == 0  # a closed store would fail any query
    with pytest.raises(StorageError):
        store.renew_leases([claim], now=T0, lease=LEASE)


def test_failed_fetch_is_retried_with_doubling_delay_until_max_attempts(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    at = T0
    for attempt in range(1, POLICY.max_attempts + 1):
        claim = claim_one(store, at)
        outcome = store.save(claim, failed(claim), None, now=at, policy=POLICY)
        assert (outcome.kind, outcome.reason) == (OutcomeKind.FAILED, "timeout")
        if attempt == POLICY.max_attempts:
            break
        wait = POLICY.retry_after * 2 ** (attempt - 1)
        assert claim_all(store, at + timedelta(seconds=wait - 1)) == []
        at += timedelta(seconds=wait)
    assert claim_all(store, later(10**8)) == []
    status = store.status()
    assert status.by_state == {"failed": 1}
    assert status.failures_by_reason == {"timeout": 1}


def test_status_reads_states_and_reasons_into_the_enums_and_keeps_unknown_reasons_as_text(
    backend: Backend, store: Store
) -> None:
    store.enqueue(["http://a.test/1", "http://b.test/1", "http://c.test/1"], source="s", now=T0)
    first, second, _ = claim_all(store)
    store.save(first, failed(first), None, now=T0, policy=POLICY)
    store.save(second, failed(second), None, now=T0, policy=POLICY)
    # A newer release, on the same schema, may fail a URL for a reason this one has never heard of.
    backend.execute(f"UPDATE urls SET reason = 'from_a_newer_release' WHERE id = {second.url_id}")
    store.record_run(RunReport(failed={"from_a_newer_release": 1}, skipped={"robots": 2}, started_at=T0))
    status = store.status()
    assert status.by_state == {UrlState.FAILED: 2, UrlState.CLAIMED: 1}
    assert all(type(state) is UrlState for state in status.by_state)
    assert status.failures_by_reason == {ErrorKind.TIMEOUT: 1, "from_a_newer_release": 1}
    assert {type(reason) for reason in status.failures_by_reason} == {ErrorKind, str}
    (run,) = status.last_runs
    assert type(next(iter(run.skipped))) is SkipReason and type(next(iter(run.failed))) is str
    assert run.summary_line().startswith("scraper run: 0 stored, 0 unchanged, 2 skipped (robots 2)")
    assert "1 failed (from_a_newer_release 1)" in run.summary_line()


def test_the_database_refuses_a_state_outside_url_state(backend: Backend, store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    for state in UrlState:
        backend.execute(f"UPDATE urls SET state = '{state}'")
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.CheckViolation), match=r"(?i)check"):
        backend.execute("UPDATE urls SET state = 'archived'")
    assert store.status().by_state == {UrlState.SKIPPED: 1}


def test_success_resets_attempts(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    store.save(claim, failed(claim), None, now=T0, policy=POLICY)
    claim = claim_one(store, later(POLICY.retry_after))
    assert claim.attempts == 1
    store.save(claim, fetched(claim), article(claim, "text"), now=later(100), policy=POLICY)
    assert claim_one(store, later(100 + POLICY.recheck_after)).attempts == 0


def test_ok_fetch_without_a_document_is_an_extraction_failure(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    outcome = store.save(claim, fetched(claim), None, now=T0, policy=POLICY)
    assert (outcome.kind, outcome.reason) == (OutcomeKind.FAILED, "extraction")


def test_skipped_fetch_is_rechecked_later(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    skipped = FetchResult(claim.url, FetchStatus.SKIPPED, skip_reason="robots")
    outcome = store.save(claim, skipped, None, now=T0, policy=POLICY)
    assert (outcome.kind, outcome.reason) == (OutcomeKind.SKIPPED, "robots")
    assert store.status().by_state == {"skipped": 1}
    assert claim_all(store, later(POLICY.recheck_after - 1)) == []
    assert len(claim_all(store, later(POLICY.recheck_after))) == 1


def test_robots_txt_unavailable_fails_now_and_is_retried_at_the_next_runs_without_an_attempt(
    store: Store,
) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    error = ErrorInfo(ErrorKind.ROBOTS_UNAVAILABLE, "robots.txt of a.test unavailable (answered HTTP 503)")
    unavailable = FetchResult(claim.url, FetchStatus.FAILED, error=error)
    outcome = store.save(claim, unavailable, None, now=T0, policy=POLICY)
    assert (outcome.kind, outcome.reason) == (OutcomeKind.FAILED, "robots_unavailable")
    assert store.status().by_state == {"failed": 1}
    assert store.status().failures_by_reason == {"robots_unavailable": 1}
    assert POLICY.retry_after < POLICY.recheck_after
    assert claim_all(store, later(POLICY.retry_after - 1)) == []
    # Still due after as many failed runs as max_attempts allows: the host, not the URL, was down.
    for run in range(1, POLICY.max_attempts + 2):
        claim = claim_one(store, later(POLICY.retry_after * run))
        assert claim.attempts == 0
        store.save(claim, unavailable, None, now=later(POLICY.retry_after * run), policy=POLICY)


def test_deferred_fetch_waits_until_retry_at_without_counting_an_attempt(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    deferred = FetchResult(claim.url, FetchStatus.DEFERRED, http_status=429, retry_at=later(500))
    assert store.save(claim, deferred, None, now=T0, policy=POLICY).kind is OutcomeKind.DEFERRED
    assert store.status().by_state == {"pending": 1}
    assert claim_all(store, later(499)) == []
    assert claim_one(store, later(500)).attempts == 0


# -- documents and versions -------------------------------------------------------------------------


def test_same_text_is_unchanged_and_changed_text_is_version_2(store: Store) -> None:
    url = "http://a.test/story"
    assert store_text(store, url, "first text") is OutcomeKind.STORED
    recheck = later(POLICY.recheck_after)
    assert claim_all(store, recheck - timedelta(seconds=1)) == []  # done pages wait for the re-check
    assert store_text(store, url, "first text", recheck, title="New title") is OutcomeKind.UNCHANGED
    assert store_text(store, url, "second text", later(2 * POLICY.recheck_after)) is OutcomeKind.STORED

    [latest] = store.documents()
    assert (latest.url, latest.version, latest.document.text) == (url, 2, "second text")
    assert latest.fetched_at == later(2 * POLICY.recheck_after)
    status = store.status()
    assert (status.documents, status.versions, status.by_state) == (1, 2, {"done": 1})


def test_not_modified_is_unchanged_and_keeps_the_validators(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    etag = Validators(etag='"v1"', last_modified="Sun, 01 Mar 2026 10:00:00 GMT")
    store.save(claim, fetched(claim, validators=etag), article(claim, "text"), now=T0, policy=POLICY)

    claim = claim_one(store, later(POLICY.recheck_after))
    assert claim.validators == etag
    not_modified = FetchResult(claim.url, FetchStatus.NOT_MODIFIED, http_status=304)
    outcome = store.save(claim, not_modified, None, now=later(1000), policy=POLICY)
    assert outcome.kind is OutcomeKind.UNCHANGED
    assert claim_one(store, later(2 * POLICY.recheck_after)).validators == etag
    assert store.status().versions == 1


def test_article_reached_by_two_urls_is_stored_once(store: Store) -> None:
    canonical = "http://a.test/story"
    assert store_text(store, canonical, "the story", canonical=canonical) is OutcomeKind.STORED
    store.enqueue(["http://a.test/story?utm_source=feed"], source="feed", now=T0)
    claim = claim_one(store, later(1))
    outcome = store.save(
        claim, fetched(claim), article(claim, "the story", canonical=canonical), now=later(1), policy=POLICY
    )
    assert (outcome.kind, outcome.reason) == (OutcomeKind.SKIPPED, "duplicate")
    assert [d.url for d in store.documents()] == [canonical]
    assert store.status().by_state == {"done": 1, "skipped": 1}


def test_canonical_pointing_at_a_stored_url_without_canonical_is_a_duplicate(store: Store) -> None:
    assert store_text(store, "http://a.test/story", "the story") is OutcomeKind.STORED
    copy = "http://mirror.test/story"
    assert store_text(store, copy, "the story", canonical="http://a.test/story") is OutcomeKind.SKIPPED
    assert store.status().documents == 1


def test_text_with_nul_and_lone_surrogates_is_cleaned(store: Store) -> None:
    dirty = "caf\u00e9\x00 au lait \ud83d\ude00 \ud800 end"
    assert store_text(store, "http://a.test/1", dirty, title="T\x00itle") is OutcomeKind.STORED
    [stored] = store.documents()
    assert stored.document.text == "café au lait 😀 \ufffd end"
    assert stored.document.title == "Title"


def test_documents_since_gives_latest_versions_stored_since_oldest_first(store: Store) -> None:
    store_text(store, "http://a.test/1", "one", T0)
    store_text(store, "http://b.test/2", "two", later(10))
    store_text(store, "http://c.test/3", "three", later(20))
    assert [d.document.text for d in store.documents()] == ["one", "two", "three"]
    assert [d.document.text for d in store.documents(since=later(10))] == ["two", "three"]
    assert list(store.documents(since=later(21))) == []


def test_documents_pages_through_more_rows_than_one_query_reads(store: Store) -> None:
    count = 1203  # more than two pages of the iterators' PAGE_SIZE (500)
    urls = [f"http://h{i % 50}.test/{i}" for i in range(count)]
    store.enqueue(urls, source="s", now=T0)
    at = T0
    while claims := claim_all(store, at):
        for claim in claims:
            store.save(claim, fetched(claim), article(claim, claim.url), now=at, policy=POLICY)
        at += timedelta(seconds=1)
    texts = [d.document.text for d in store.documents()]
    assert sorted(texts) == sorted(urls)
    assert len({page.url_id for page in store.raw_pages()}) == count


def test_raw_pages_keep_the_latest_fetch_with_its_encoding(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    claim = claim_one(store)
    old = FetchResult(
        claim.url, FetchStatus.OK, final_url="http://a.test/one", content=b"old", encoding="utf-8"
    )
    store.save(claim, old, article(claim, "old"), now=T0, policy=POLICY)
    claim = claim_one(store, later(POLICY.recheck_after))
    html = "<p>caf\u00e9 \x00</p>".encode("latin-1")
    new = dataclasses.replace(old, content=html, encoding="iso-8859-1")
    store.save(claim, new, article(claim, "new"), now=later(1000), policy=POLICY)
    [page] = store.raw_pages()
    assert (page.url, page.final_url, page.html, page.encoding) == (
        "http://a.test/1",
        "http://a.test/one",
        html,
        "iso-8859-1",
    )


def test_add_version_only_when_the_text_changes(store: Store) -> None:
    store_text(store, "http://a.test/1", "original", T0)
    [stored] = store.documents()
    again = dataclasses.replace(stored.document, title="other title")
    assert store.add_version(stored.url_id, again, now=later(50)) is False
    better = dataclasses.replace(stored.document, text="re-extracted")
    assert store.add_version(stored.url_id, better, now=later(60)) is True
    [latest] = store.documents()
    assert (latest.version, latest.document.text) == (2, "re-extracted")
    assert latest.fetched_at == T0  # the text still comes from the page fetched at T0
    assert [d.version for d in store.documents(since=later(60))] == [2]


def test_status_counts_states_failures_and_last_runs(store: Store) -> None:
    store.enqueue([f"http://h{i}.test/" for i in range(4)], source="s", now=T0)
    a, b, c, _ = claim_all(store)
    store.save(a, fetched(a), article(a, "text"), now=T0, policy=POLICY)
    store.save(b, failed(b, "http_status"), None, now=T0, policy=POLICY)
    store.save(c, failed(c, "timeout"), None, now=T0, policy=POLICY)
    for number in range(7):
        report = RunReport(stored=number, failed={"timeout": 1}, elapsed=1.5, started_at=later(number))
        store.record_run(report)
    status = store.status()
    assert status.by_state == {"done": 1, "failed": 2, "claimed": 1}
    assert status.failures_by_reason == {"http_status": 1, "timeout": 1}
    assert (status.documents, status.versions) == (1, 1)
    assert [run.stored for run in status.last_runs] == [6, 5, 4, 3, 2]
    assert status.last_runs[0] == RunReport(stored=6, failed={"timeout": 1}, elapsed=1.5, started_at=later(6))


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.enqueue(["http://a.test/"], source="s", now=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.renew_leases([], now=datetime(2026, 1, 1), lease=LEASE)


# -- schema ---------------------------------------------------------------------------------------


def test_fresh_database_gets_the_schema_and_migrate_is_idempotent(backend: Backend) -> None:
    result = migrate_database(backend.dsn)
    assert (result.before, result.after) == (0, SCHEMA_VERSION)
    again = migrate_database(backend.dsn)
    assert (again.before, again.after, again.changed) == (SCHEMA_VERSION, SCHEMA_VERSION, False)
    backend.open().close()


@pytest.mark.postgres
def test_workers_opening_a_fresh_database_together_all_find_the_schema(postgres_backend: Backend) -> None:
    # As `open_store` does on each of many workers started at once: look, find no schema, migrate. All
    # look before any migrates, so all but the first wait for its migration and must then see it.
    from scraper.storage.postgres import PostgresStore

    stores = [PostgresStore(postgres_backend.dsn) for _ in range(4)]
    looked = threading.Barrier(len(stores))
    versions: list[int] = []
    errors: list[BaseException] = []

    def open_like_a_worker(store: PostgresStore) -> None:
        try:
            assert store.schema_version() == 0
            looked.wait()
            versions.append(store.migrate())
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=open_like_a_worker, args=(store,)) for store in stores]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for store in stores:
            store.close()
    assert not errors, errors
    assert versions == [SCHEMA_VERSION] * len(stores)


def test_database_at_an_unknown_version_is_refused(backend: Backend) -> None:
    backend.open().close()
    backend.execute(
        "INSERT INTO schema_version (version, applied_at) VALUES (99, '2030-01-01T00:00:00+00:00')"
    )
    with pytest.raises(SchemaError) as refused:
        open_store(backend.dsn)
    message = str(refused.value)
    assert (
        "version 99" in message and f"version {SCHEMA_VERSION}" in message and "scraper db migrate" in message
    )
    with pytest.raises(SchemaError, match="99"):
        migrate_database(backend.dsn)


# -- many workers ---------------------------------------------------------------------------------


def run_claimers(
    backend: Backend, workers: int, *, host_delay: float, per_host: int | None = None
) -> list[Claim]:
    """`workers` threads, each with its own connection, claiming at the same instant until none is left."""
    claims: list[Claim] = []
    errors: list[BaseException] = []
    start = threading.Barrier(workers)
    guard = threading.Lock()

    def work(name: str) -> None:
        store = backend.open()
        try:
            start.wait()
            while got := store.claim(
                worker=name, limit=4, now=T0, lease=LEASE, host_delay=host_delay, per_host=per_host
            ):
                with guard:
                    claims.extend(got)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return claims


def test_concurrent_claimers_never_get_the_same_url(backend: Backend, store: Store) -> None:
    urls = [f"http://h{i % 20}.test/{i}" for i in range(200)]
    store.enqueue(urls, source="s", now=T0)
    claims = run_claimers(backend, 4, host_delay=0.0)
    # A claim may come back empty while other workers hold rows (SKIP LOCKED), so a claimer can stop
    # with URLs left; those are drained here, and no URL may have gone to two workers.
    while left := claim_all(store):
        claims += left
    assert sorted(c.url for c in claims) == sorted(urls)
    assert len({c.url_id for c in claims}) == len(urls)


def test_concurrent_claimers_share_the_per_host_delay(backend: Backend, store: Store) -> None:
    urls = [f"http://h{i % 10}.test/{i}" for i in range(100)]
    store.enqueue(urls, source="s", now=T0)
    claims = run_claimers(backend, 4, host_delay=30.0)
    # At one instant, with a 30 s delay, all workers together get exactly one URL of each host.
    assert Counter(c.host for c in claims) == {f"h{i}.test": 1 for i in range(10)}


def test_concurrent_claimers_keep_the_per_host_cap_together(backend: Backend, store: Store) -> None:
    urls = [f"http://h{i % 10}.test/{i}" for i in range(100)]
    store.enqueue(urls, source="s", now=T0)
    claims = run_claimers(backend, 4, host_delay=0.0, per_host=3)
    # Nothing is saved, so the claims stop at the cap: exactly 3 per host over all workers, never more.
    assert Counter(c.host for c in claims) == {f"h{i}.test": 3 for i in range(10)}


def test_releasing_expired_leases_passes_over_rows_in_use(backend: Backend, store: Store) -> None:
    if backend.name != "postgres":
        pytest.skip("SQLite lets one writer in at a time: no row is ever held by another transaction")
    import psycopg

    store.enqueue(["http://a.test/1", "http://b.test/1"], source="s", now=T0)
    held, free = sorted(claim_all(store), key=lambda claim: claim.url_id)
    released: list[int] = []
    with psycopg.connect(backend.dsn) as other:
        # Another worker's transaction holds one expired row (a late renewal, a save) while the release runs.
        other.execute("SELECT 1 FROM urls WHERE id = %s FOR UPDATE", (held.url_id,))
        release = threading.Thread(
            target=lambda: released.append(store.release_expired(later(LEASE + 1), POLICY))
        )
        release.start()
        release.join(timeout=10)
        waited = release.is_alive()
        other.rollback()
        release.join()
    assert not waited, "release_expired waited for a row another transaction holds"
    assert released == [1]
    with pytest.raises(StaleClaimError):
        store.save(free, fetched(free), article(free, "late"), now=later(LEASE + 2), policy=POLICY)
    assert store.renew_leases([held], now=later(LEASE + 2), lease=LEASE) == 1  # passed over, still its own


def test_concurrent_workers_take_a_host_turn_one_at_a_time(backend: Backend, store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    workers = 6
    start = threading.Barrier(workers)
    taken: list[float] = []

    def take() -> None:
        worker_store = backend.open()
        try:
            start.wait()
            taken.append(worker_store.take_host_turn("http://a.test/1", now=T0, held_until=later(10)))
        finally:
            worker_store.close()

    threads = [threading.Thread(target=take) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(taken) == [0.0] + [pytest.approx(10.0)] * (workers - 1)


def test_concurrent_saves_of_one_article_store_it_once(backend: Backend, store: Store) -> None:
    urls = [f"http://h{i}.test/story" for i in range(6)]
    store.enqueue(urls, source="s", now=T0)
    claims = claim_all(store)

    outcomes = save_at_once(
        backend, claims, lambda claim: article(claim, "one story", canonical="http://h0.test/story")
    )

    assert Counter(outcomes) == {OutcomeKind.STORED: 1, OutcomeKind.SKIPPED: len(urls) - 1}
    assert len(list(store.documents())) == 1


def save_at_once(
    backend: Backend, claims: list[Claim], document_of: Callable[[Claim], Document]
) -> list[OutcomeKind]:
    """Each claim saved with its document through a connection of its own, all released at one barrier
    (as many workers finishing together would): the outcomes, in the order the saves ended."""
    outcomes: list[OutcomeKind] = []
    start = threading.Barrier(len(claims))

    def save(claim: Claim) -> None:
        worker_store = backend.open()
        try:
            start.wait()
            outcome = worker_store.save(claim, fetched(claim), document_of(claim), now=T0, policy=POLICY)
            outcomes.append(outcome.kind)
        finally:
            worker_store.close()

    threads = [threading.Thread(target=save, args=(claim,)) for claim in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


# -- both backends at once --------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_same_page_stores_the_same_text_on_both_backends(
    sqlite_backend: Backend, postgres_backend: Backend
) -> None:
    dirty = Document(
        url="http://a.test/\x00x",
        canonical_url="http://a.test/x\udcff",
        title="Ti\x00tle \ud800",
        author="A\udc80uthor",
        description="\ud83d\ude00 paired, \ude00 alone",
        text="line one\x00\nline two \udfff\ud800\x00\u00e9\n\U0001f600",
    )
    stored = []
    for backend in (sqlite_backend, postgres_backend):
        store = backend.open()
        try:
            store_text_document(store, "http://a.test/x", dirty)
            [document] = store.documents()
            stored.append(document.document)
        finally:
            store.close()
    assert stored[0] == stored[1]
    assert stored[0].text == "line one\nline two \ufffd\ufffd\u00e9\n\U0001f600"
    assert stored[0].description == "\U0001f600 paired, \ufffd alone"
    assert "\x00" not in repr(stored[0])


def store_text_document(store: Store, url: str, document: Document) -> None:
    store.enqueue([url], source="test", now=T0)
    claim = claim_one(store)
    assert store.save(claim, fetched(claim), document, now=T0, policy=POLICY).kind is OutcomeKind.STORED


# -- open_store -----------------------------------------------------------------------------------


def test_open_store_takes_a_path_or_a_sqlite_url(tmp_path: Path) -> None:
    for dsn in (str(tmp_path / "plain.db"), f"sqlite:///{tmp_path / 'url.db'}"):
        store = open_store(dsn)
        try:
            assert store.enqueue(["http://a.test/"], source="s", now=T0) == 1
        finally:
            store.close()
    assert (tmp_path / "plain.db").exists() and (tmp_path / "url.db").exists()


@pytest.mark.parametrize("dsn", ["mysql://db/scraper", "", "sqlite:///"])
def test_open_store_refuses_a_dsn_no_backend_takes(dsn: str) -> None:
    with pytest.raises(ConfigError, match="db:"):
        open_store(dsn)


def test_postgres_dsn_without_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # makes `import psycopg` raise ImportError
    monkeypatch.delitem(sys.modules, "scraper.storage.postgres", raising=False)
    with pytest.raises(ConfigError, match=re.escape("pip install 'scraper[postgres]'")):
        open_store("postgresql://nobody@127.0.0.1:1/none")


def test_unreachable_postgres_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match=re.escape("127.0.0.1:1/none")) as refused:
        open_store("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
    assert "secret" not in str(refused.value)


@pytest.mark.postgres
def test_postgres_store_reconnects_after_the_connection_drops(postgres_backend: Backend) -> None:
    name = f"scraper_test_{uuid.uuid4().hex[:12]}"
    store = open_store(f"{postgres_backend.dsn}&application_name={name}")
    try:
        store.enqueue(["http://a.test/1"], source="s", now=T0)
        postgres_backend.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
        )
        with pytest.raises(StorageError):
            store.status()
        assert store.status().by_state == {"pending": 1}
    finally:
        store.close()


# -- failed URLs and opening without creating (issue 11) ---------------------------------------------


def test_failed_urls_list_each_failure_with_reason_message_attempts_and_next_attempt(store: Store) -> None:
    store.enqueue(["http://a.test/1", "http://b.test/1", "http://c.test/1"], source="s", now=T0)
    a, b, c = claim_all(store)
    store.save(a, failed(a, "timeout"), None, now=T0, policy=POLICY)
    store.save(b, fetched(b), article(b, "text"), now=T0, policy=POLICY)
    store.save(c, failed(c, "from_a_newer_release"), None, now=later(10), policy=POLICY)

    rows = list(store.failed_urls())

    assert [(row.url, row.reason, row.attempts) for row in rows] == [
        ("http://a.test/1", ErrorKind.TIMEOUT, 1),
        ("http://c.test/1", "from_a_newer_release", 1),
    ]
    assert (rows[0].message, rows[0].failed_at) == ("timeout on http://a.test/1", T0)
    assert rows[0].next_attempt_at == later(POLICY.retry_after)
    assert [row.url for row in store.failed_urls(since=later(5))] == ["http://c.test/1"]


def test_a_url_whose_retries_are_used_up_is_listed_with_no_next_attempt(store: Store) -> None:
    store.enqueue(["http://a.test/1"], source="s", now=T0)
    at = T0
    for _ in range(POLICY.max_attempts):
        claim = claim_one(store, at)
        store.save(claim, failed(claim), None, now=at, policy=POLICY)
        at = later(10_000 * (_ + 1))
    (row,) = store.failed_urls()
    assert (row.attempts, row.next_attempt_at) == (POLICY.max_attempts, None)


def test_opening_without_create_makes_no_schema_and_then_opens_a_made_one(backend: Backend) -> None:
    with pytest.raises((ConfigError, SchemaError)):
        open_store(backend.dsn, create=False)
    if backend.name == "sqlite":
        assert not Path(backend.dsn).exists()
    else:
        with psycopg.connect(backend.dsn) as db:
            assert db.execute("SELECT to_regclass('schema_version')").fetchone() == (None,)
    backend.open().close()
    store = open_store(backend.dsn, create=False)
    store.close()


@pytest.mark.parametrize("create", [True, False])
def test_a_sqlite_file_that_is_not_ours_is_refused_unchanged(create: bool, tmp_path: Path) -> None:
    other = tmp_path / "notes.db"
    with closing(sqlite3.connect(other)) as raw:
        raw.execute("CREATE TABLE notes (body TEXT)")
        raw.commit()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all, " * 100)
    before = {path: path.read_bytes() for path in (other, garbage)}
    for path in before:
        with pytest.raises(SchemaError, match="not a scraper database"):
            open_store(str(path), create=create)
    assert {path: path.read_bytes() for path in before} == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["garbage.db", "notes.db"]


def test_count_due_counts_the_urls_not_claimed_that_are_due(store: Store) -> None:
    store.enqueue(["http://a.test/1", "http://a.test/2"], source="s", now=T0)
    assert (store.count_due(T0), store.count_due(later(-1))) == (2, 0)
    claim = claim_one(store)  # one URL per host and claim
    assert store.count_due(T0) == 1
    store.save(claim, failed(claim), None, now=T0, policy=POLICY)
    assert (store.count_due(T0), store.count_due(later(POLICY.retry_after))) == (1, 2)
