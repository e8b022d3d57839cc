"""The run: discovery, then the crawl. Due URLs are claimed from the store in small batches (never all at
once, so memory stays flat however many are queued), fetched concurrently, extracted in worker processes
and saved one page per transaction, while the leases of the URLs in flight are renewed."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from ..config import FetchSettings, Settings
from ..errors import ExtractionError, StaleClaimError, StorageError
from ..models import (
    Claim,
    Document,
    ErrorInfo,
    ErrorKind,
    FetchResult,
    FetchStatus,
    Outcome,
    RunReport,
    SkipReason,
)
from ..storage import Fingerprint
from ..storage.base import Store
from ..urls import redact_url
from ._discovery import discover_sources
from ._pieces import (
    Extractor,
    FetcherFactory,
    PageFetcher,
    ProgressSink,
    default_extractor,
    default_fetcher_factory,
    default_worker_name,
    fetch_captured,
    log,
    page_input,
    utc_now,
)
from ._pool import ExtractionPool, is_stored_page
from ._state import RunState
from ._stop import RunStop, beat_loop, give_back, release_interval, until_stopped, wind_down

__all__ = ["run"]

# How long the claim loop sleeps when the store has nothing due for us right now. Short enough that a host
# whose delay just ran out is served promptly, long enough not to hammer the database with empty claims.
CLAIM_POLL_INTERVAL = 0.1
# Claimed URLs waiting for a fetch slot, per fetch slot. A small backlog keeps every slot busy between
# two claims; a large one would hold leases on URLs that are nowhere near being fetched.
CLAIM_BACKLOG_PER_SLOT = 1
# The leases of the URLs a run still works on are renewed this often, as a share of the lease: a page may
# take longer than a lease (timeouts times attempts, Retry-After, a host's delay), and two renewals can be
# missed (a slow database, a busy event loop) before the lease runs out and the URL is released as a dead
# worker's.
RENEW_SHARE_OF_LEASE = 1 / 3
# Shortest wait between two asks for a host's turn held by another worker (see _StoreHostGate).
MIN_HOST_TURN_POLL = 0.01


class _NullSink:
    def discovered(self, new_urls: int) -> None:
        pass

    def outcome(self, outcome: Outcome) -> None:
        pass


class _StoreHostGate:
    """The fetcher's `HostGate` on the store: each request takes its host's turn in the database, so every
    worker sharing the store keeps the per-host delay together, at the moment requests go out.

    A claim alone cannot do that: the claimed URL is fetched some time later (after others waiting in this
    worker, after robots.txt), and its retries and robots.txt request are not claimed at all.
    """

    def __init__(self, store: Store, clock: Callable[[], datetime], settings: FetchSettings) -> None:
        self._store = store
        self._clock = clock
        # A turn is held from just before the request until its head is written, which the attempt's
        # timeout bounds; a worker killed meanwhile blocks the host no longer than that.
        self._hold = timedelta(seconds=settings.timeout)
        # A turn held by another worker ends within milliseconds, and the host is not due before one
        # delay after that: asking again after one delay costs a query per delay, not a busy loop.
        self._poll = max(settings.delay, MIN_HOST_TURN_POLL)

    async def take_turn(self, url: str) -> Callable[[float], None]:
        while True:
            now = self._clock()
            held_until = now + self._hold
            wait = self._store.take_host_turn(url, now=now, held_until=held_until)
            if wait <= 0:
                break
            await asyncio.sleep(min(wait, self._poll))

        def end(delay: float) -> None:
            next_allowed = self._clock() + timedelta(seconds=delay)
            try:
                self._store.end_host_turn(url, held_until=held_until, next_allowed=next_allowed)
            except StorageError as exc:  # the request is out; the turn ends by itself when its hold does
                log.warning("could not end the host turn of %s: %s", redact_url(url), exc)

        return end


async def run(
    settings: Settings,
    store: Store,
    *,
    progress: ProgressSink | None = None,
    worker: str | None = None,
    fetcher_factory: FetcherFactory | None = None,
    extractor: Extractor | None = None,
    clock: Callable[[], datetime] = utc_now,
    stop: RunStop | None = None,
    alone: bool = False,
) -> RunReport:
    """Discover the sources' URLs, then fetch, extract and store every due URL; record and return the report.

    `fetcher_factory` and `extractor` default to scraper's own; the extractor must be a module-level
    function (it is sent to worker processes by name). `stop` ends the run early when requested, as
    `run.max_time` does (see `RunStop`); the report then counts what was done. `alone` says that the
    caller holds the store's run lock: no other run can be using it, so every claim found in it is a
    killed run's and goes back to the frontier at once.
    """
    started_at = clock()
    began = time.monotonic()
    if alone:
        released = store.release_all(started_at, settings.run)
        if released:
            log.info("returned %d URLs claimed by an earlier run that did not finish", released)
    factory, paced_per_request = _paced_fetcher_factory(settings, store, fetcher_factory, clock)
    with ExtractionPool(
        extractor or default_extractor(),
        workers=settings.run.workers,
        time_limit=settings.run.parse_timeout,
        memory_limit=settings.run.parse_memory,
    ) as pool:
        async with factory(settings.fetch) as fetcher:
            state = RunState(
                settings=settings,
                store=store,
                fetcher=fetcher,
                pool=pool,
                sink=progress or _NullSink(),
                worker=worker or default_worker_name(),
                clock=clock,
                claim_delay=0.0 if paced_per_request else settings.fetch.delay,
                # Requests to a URL are made only while it is claimed: capping a host's claims caps its
                # requests in flight over all workers, which no worker's own limit can. Alone on its
                # store, the fetcher's limit is enough, and more claims per host keep extraction busy.
                per_host_claims=settings.fetch.per_host_concurrency if store.shared else None,
                stopping=stop or RunStop(),
            )
            with _time_limit(state):
                discovered = await until_stopped(discover_sources(state), state.stopping)
                state.tally.discovered = discovered or 0
                state.sink.discovered(state.tally.discovered)
                if not state.stopping.is_set:
                    await _crawl(state)
    report = state.tally.report(elapsed=time.monotonic() - began, started_at=started_at)
    store.record_run(report)
    log.debug("%s", report.summary_line())  # the CLI prints it; logged for library callers
    return report


def _paced_fetcher_factory(
    settings: Settings, store: Store, given: FetcherFactory | None, clock: Callable[[], datetime]
) -> tuple[FetcherFactory, bool]:
    """The fetcher factory of the run, and whether it paces each request by the store's host turns.

    On a store many workers share, the per-host delay is kept where requests go out: scraper's fetcher
    takes each host's turn in the store, so all workers keep it together, and claims then reserve no
    delay of their own (the same delay twice would halve the pace). A run alone on its store (SQLite),
    or with another fetcher, is paced by its claims and its fetcher, as one process needs.
    """
    if not (store.shared and given is None and settings.fetch.delay > 0):
        return given or default_fetcher_factory, False
    gate = _StoreHostGate(store, clock, settings.fetch)

    def factory(fetch_settings: FetchSettings) -> AbstractAsyncContextManager[PageFetcher]:
        return default_fetcher_factory(fetch_settings, gate)

    return factory, True


@contextlib.contextmanager
def _time_limit(state: RunState) -> Iterator[None]:
    """Request the stop once `run.max_time` has passed since now, while the block runs."""
    max_time = state.settings.run.max_time
    if max_time is None:
        yield
        return
    timer = asyncio.get_running_loop().call_later(max_time, state.stopping.request, "max_time")
    try:
        yield
    finally:
        timer.cancel()


async def _crawl(state: RunState) -> None:
    """Claim due URLs in batches and feed them to `concurrency` fetch tasks until nothing is due."""
    slots = max(1, state.settings.fetch.concurrency)
    async with _keeping_claims(state):
        tasks = [asyncio.create_task(_fetch_loop(state)) for _ in range(slots)]
        try:
            await _claim_loop(state, capacity=slots * (1 + CLAIM_BACKLOG_PER_SLOT))
        except BaseException:
            # Interrupted (or the store failed to claim): stop at once; nothing half-done was saved.
            # What the run held goes back now if the store still answers, else when the leases expire.
            held = list(state.held)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            give_back(state, held)
            raise
        if state.stopping.is_set:
            await wind_down(state, tasks)
        else:
            for _ in tasks:
                state.queue.put_nowait(None)
            await asyncio.gather(*tasks)
    if state.fatal is not None:
        raise state.fatal


@contextlib.asynccontextmanager
async def _keeping_claims(state: RunState) -> AsyncIterator[None]:
    """For as long as the block runs, renew the leases of the claims the run holds and, on a shared
    store, beat; at its end, a worker that holds nothing any more forgets its heartbeat."""
    loops = [asyncio.create_task(_renew_loop(state))]
    if state.store.shared:
        loops.append(asyncio.create_task(beat_loop(state)))
    try:
        yield
    finally:
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        if state.store.shared and not state.held:
            # Claims still held (the store failed) go back three beats from now, by the heartbeat.
            with contextlib.suppress(StorageError):
                state.store.end_worker(state.worker)


async def _renew_loop(state: RunState) -> None:
    """Every share of the lease, renew the held claims' leases, so that a page slower than the lease is
    not released as a dead worker's, fetched again and its first result dropped as stale."""
    lease = state.settings.run.lease
    while True:
        await asyncio.sleep(lease * RENEW_SHARE_OF_LEASE)
        claims = list(state.held)
        if not claims:
            continue
        try:
            renewed = state.store.renew_leases(claims, now=state.clock(), lease=lease)
        except Exception as exc:
            state.stop(exc, "cannot renew the leases of its claimed URLs: ")
            return
        if renewed < len(claims):
            # Released before a renewal came (the event loop or the database stalled for a lease); their
            # saves will be refused as stale.
            log.info("%d of %d claimed URLs were no longer ours to renew", len(claims) - renewed, len(claims))


async def _claim_loop(state: RunState, *, capacity: int) -> None:
    """Claim while there is room, until nothing is in flight and the store has nothing due.

    An empty claim may only mean that every due host is busy: waiting for its next slot, or holding as
    many claims as `per_host_concurrency` allows (other workers' too, on a shared store), or locked by
    another worker's claim for a moment (SKIP LOCKED). So the run ends only when the store says no URL is
    due at all; until then it polls, and takes its share as hosts come free.
    """
    run_settings = state.settings.run
    limit = run_settings.limit
    claimed = 0
    next_release = time.monotonic()
    while state.fatal is None and not state.stopping.is_set and (limit is None or claimed < limit):
        if time.monotonic() >= next_release:
            released = state.store.release_expired(state.clock(), run_settings)
            if released:
                log.info("returned %d URLs of dead workers or with expired leases to the frontier", released)
            next_release = time.monotonic() + release_interval(state)
        room = capacity - state.in_flight
        if room > 0:
            wanted = min(room, max(1, run_settings.batch_size))
            if limit is not None:
                wanted = min(wanted, limit - claimed)
            claims = state.store.claim(
                worker=state.worker,
                limit=wanted,
                now=state.clock(),
                lease=run_settings.lease,
                host_delay=state.claim_delay,
                per_host=state.per_host_claims,
            )
            if claims:
                claimed += len(claims)
                came_back = _seen_before(state, claims)
                state.held.update(claims)
                for claim in claims:
                    state.queue.put_nowait(claim)
                if came_back:
                    # Due again within this run (a re-check or retry interval shorter than the run):
                    # claiming on would fetch the same pages round and round. The next run takes them.
                    log.info("a URL came due again during this run; no more claims in this run")
                    break
                continue
            if state.in_flight == 0 and not state.store.has_due(state.clock()):
                return
        state.progressed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.progressed.wait(), CLAIM_POLL_INTERVAL)
    await _drain(state)


def _seen_before(state: RunState, claims: list[Claim]) -> bool:
    """Remember the claimed URLs; say whether one of them was already handled in this run."""
    ids = {claim.url_id for claim in claims}
    came_back = not ids.isdisjoint(state.handled)
    state.handled |= ids
    return came_back


async def _drain(state: RunState) -> None:
    """Wait for the claimed URLs still in flight (after the limit was reached, a fatal error or a stop)."""
    while state.in_flight > 0 and state.fatal is None and not state.stopping.is_set:
        state.progressed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.progressed.wait(), CLAIM_POLL_INTERVAL)


async def _fetch_loop(state: RunState) -> None:
    while (claim := await state.queue.get()) is not None:
        try:
            if state.fatal is None:
                outcome = await _process(state, claim)
                if outcome is not None:
                    state.record(outcome)
        except Exception as exc:
            state.stop(exc)  # per-URL problems are outcomes by now: this is the database or a bug
        finally:
            state.held.discard(claim)
            state.progressed.set()


async def _process(state: RunState, claim: Claim) -> Outcome | None:
    """Fetch, extract and save one claimed URL; None when the claim was stale. A StorageError escapes."""
    result = await fetch_captured(state.fetcher, claim.url, claim.validators, accept="html")
    document: Document | None = None
    fingerprint: Fingerprint | None = None
    if result.ok:
        try:
            document, fingerprint = await state.pool.extract_for_store(
                page_input(result),
                result.final_url or claim.url,
                near=state.settings.run.dedup_near,
                keep_all_pages=state.settings.run.keep_all_pages,
            )
        except ExtractionError as exc:
            log.warning("extraction failed for %s: %s", redact_url(claim.url), exc)
            result = dataclasses.replace(
                result, status=FetchStatus.FAILED, error=ErrorInfo(ErrorKind(exc.kind), str(exc))
            )
    if document is not None and not is_stored_page(document, state.settings.run.keep_all_pages):
        result, document = _not_article(result), None
    try:
        return state.store.save(
            claim, result, document, now=state.clock(), policy=state.settings.run, fingerprint=fingerprint
        )
    except StaleClaimError as exc:
        log.warning(
            "result for %s not stored: the claim expired and was taken over (%s)", redact_url(claim.url), exc
        )
        return None


def _not_article(result: FetchResult) -> FetchResult:
    """The fetch as a skip by policy: recorded like the other skips (`storage._rules.decide`) and due again
    after run.recheck_after. A section page given as a source loses nothing: discovery reads sources for
    their links apart from this."""
    return dataclasses.replace(result, status=FetchStatus.SKIPPED, skip_reason=SkipReason.NOT_ARTICLE)
