"""The pipeline: sources → frontier → fetch → extract (in worker processes) → store, folded into a RunReport.

`run` is the cron job. It works in two phases:

1. discovery: feeds, sitemaps and section pages are fetched and parsed, their article URLs normalised,
   filtered and enqueued in the store (the store is the frontier);
2. the crawl: due URLs are claimed from the store in small batches (never all at once, so memory stays flat
   however many are queued), fetched concurrently, extracted in worker processes so every core is used, and
   saved one page per transaction. Each URL's result is an `Outcome`; a failure of one page (even an
   exception in the extractor) is a FAILED outcome, never a crashed run.

The library functions behind the other commands live here too: `get_urls` (`scraper get`), `reextract`
(`scraper reextract`) and `export` (`scraper export`). Nothing here prints: it logs through `logging` and
reports progress through a `ProgressSink`.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import json
import logging
import multiprocessing
import os
import re
import signal
import socket
import sys
import threading
import time
import unicodedata
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlsplit

from . import discover
from .config import FetchSettings, Settings, Sources
from .errors import ConfigError, ExtractionError, StaleClaimError, StorageError
from .models import (
    Claim,
    Document,
    ErrorInfo,
    FetchResult,
    FetchStatus,
    Outcome,
    OutcomeKind,
    RawPage,
    RunReport,
    StoredDocument,
    Validators,
)
from .storage.base import Store

if TYPE_CHECKING:
    from .fetch import HostGate

__all__ = [
    "EXPORT_FORMATS",
    "ExtractionJob",
    "ExtractionPool",
    "Extractor",
    "FetcherFactory",
    "GetRow",
    "PageFetcher",
    "ProgressSink",
    "ReextractReport",
    "default_worker_name",
    "document_to_markdown",
    "export",
    "get_urls",
    "reextract",
    "run",
]

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("jsonl", "csv", "txt", "markdown")

# How long the claim loop sleeps when the store has nothing due for us right now. Short enough that a host
# whose delay just ran out is served promptly, long enough not to hammer the database with empty claims.
CLAIM_POLL_INTERVAL = 0.1
# Claimed URLs waiting for a fetch slot, per fetch slot. A small backlog keeps every slot busy between
# two claims; a large one would hold leases on URLs that are nowhere near being fetched.
CLAIM_BACKLOG_PER_SLOT = 1
# Expired leases (of crashed workers) are returned to the frontier this often during a long run, as a
# share of the lease: well before a healthy worker's claims could be mistaken for dead ones.
RELEASE_EXPIRED_SHARE_OF_LEASE = 0.5
# The leases of the URLs a run still works on are renewed this often, as a share of the lease: a page may
# take longer than a lease (timeouts times attempts, Retry-After, a host's delay), and two renewals can be
# missed (a slow database, a busy event loop) before the lease runs out and the URL is released as a dead
# worker's.
RENEW_SHARE_OF_LEASE = 1 / 3
# Pages handed to the extraction processes at once by `reextract`, per process: enough to keep each busy,
# few enough that memory stays flat over a large store.
REEXTRACT_WINDOW_PER_WORKER = 4
# Child sitemaps followed from sitemap indexes in one run: a bound against an index that lists itself or
# a hostile site's endless chain.
MAX_SITEMAPS_PER_SOURCE = 1000
# Longest file name stem `export` writes; 255 bytes is the usual file-system limit and UTF-8 takes up to 4.
EXPORT_NAME_MAX_CHARS = 60
# Shortest wait between two asks for a host's turn held by another worker (see _StoreHostGate).
MIN_HOST_TURN_POLL = 0.01
# How often an extraction process checks that its run is still alive; it exits this long after a kill -9.
PARENT_CHECK_INTERVAL = 0.5
WARM_UP_HTML = "<html><head><title>warm</title></head><body><article><p>Warm up.</p></article></body></html>"


# ─── interfaces of the pieces the pipeline drives ──────────────────────────────────────────────────────


Accept = Literal["html", "xml"]  # what the fetcher lets through: web pages, or feeds and sitemaps


class PageFetcher(Protocol):
    """What the pipeline needs of `scraper.fetch.Fetcher`."""

    async def fetch(
        self, url: str, validators: Validators | None = None, *, accept: Accept = "html"
    ) -> FetchResult: ...


FetcherFactory = Callable[[FetchSettings], AbstractAsyncContextManager[PageFetcher]]
Extractor = Callable[[str | bytes, str | None], Document]


class ProgressSink(Protocol):
    """Where a run reports progress (the CLI draws a bar from it on a terminal)."""

    def discovered(self, new_urls: int) -> None: ...

    def outcome(self, outcome: Outcome) -> None: ...


def default_worker_name() -> str:
    """Who claims URLs: host and pid, so a lease in the store says which process holds it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _default_fetcher_factory(
    settings: FetchSettings, host_gate: HostGate | None = None
) -> AbstractAsyncContextManager[PageFetcher]:
    from .fetch import Fetcher  # imported late: httpx stays out of `scraper extract` and `export`

    fetcher: AbstractAsyncContextManager[PageFetcher] = Fetcher(settings, host_gate=host_gate)
    return fetcher


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
                log.warning("could not end the host turn of %s: %s", url, exc)

        return end


def _default_extractor() -> Extractor:
    from .extract import extract

    return extract


# ─── extraction in worker processes ────────────────────────────────────────────────────────────────────


def _start_worker(extractor: Extractor) -> None:
    """Process initializer: die with the run, then warm the extractor up so the first page is not slow."""
    # Ctrl-C reaches the whole process group; the run shuts its pool down itself, without a traceback
    # from every worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    with contextlib.suppress(Exception):  # a warm-up failure shows again, per page, where it is reported
        extractor(WARM_UP_HTML, "http://localhost/")


def _exit_with_parent() -> None:
    """Exit when the run that started this worker is gone.

    An idle pool worker waits on a queue whose write end it holds itself, so it never sees the run die:
    after a `kill -9` of the run it would wait forever, holding memory and the run's stderr. Its parent
    is the run (spawn start method), and a dead parent's children are re-parented at once.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _extract_in_worker(extractor: Extractor, html: str | bytes, url: str | None) -> Document:
    """Runs in the worker. Any exception becomes an ExtractionError, which always pickles back."""
    try:
        return extractor(html, url)
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(f"{type(exc).__name__}: {exc}") from None


@dataclass(frozen=True, slots=True)
class ExtractionJob:
    """A page handed to the pool: its future, and the executor it runs in (to tell which one broke)."""

    future: Future[Document]
    executor: Executor


class ExtractionPool:
    """The extractor run in worker processes (or, with `processes=False`, in a thread).

    A worker that dies (a crash in the parser, the OOM killer) breaks a ProcessPoolExecutor for good, and
    every page in it with it. The pool is then rebuilt and each of those pages is tried once more, one at
    a time; a page that breaks the pool again fails, with reason "extraction", and the run goes on.
    """

    def __init__(self, extractor: Extractor, *, workers: int = 0, processes: bool = True) -> None:
        self._extractor = extractor
        self._workers = workers or os.cpu_count() or 1
        self._processes = processes
        self._executor: Executor | None = None
        self._retry_turn = asyncio.Lock()

    @property
    def workers(self) -> int:
        return self._workers if self._processes else 1

    def submit(self, html: str | bytes, url: str | None) -> ExtractionJob:
        """Start extracting one page."""
        for _ in range(2):
            executor = self._ensure_executor()
            try:
                return ExtractionJob(
                    executor.submit(_extract_in_worker, self._extractor, html, url), executor
                )
            except BrokenProcessPool:
                self._discard(executor)
        raise ExtractionError("the extraction processes cannot be started")

    async def extract(self, html: str | bytes, url: str | None) -> Document:
        """The Document of one page; ExtractionError when the extractor failed on it or died twice."""
        job = self.submit(html, url)
        try:
            return await asyncio.wrap_future(job.future)
        except BrokenProcessPool:
            self._discard(job.executor)
        # Pages retried after a break go one at a time, so the page that breaks the pool again is, all
        # but surely, the one that kills it, and the innocent pages that shared its pool get through.
        async with self._retry_turn:
            job = self.submit(html, url)
            try:
                return await asyncio.wrap_future(job.future)
            except BrokenProcessPool:
                self._discard(job.executor)
        raise ExtractionError("the extraction process died on this page")

    def result(self, job: ExtractionJob) -> Document:
        """Wait for a submitted page: its Document, or ExtractionError (also when its process died)."""
        try:
            return job.future.result()
        except BrokenProcessPool as exc:
            self._discard(job.executor)
            raise ExtractionError("the extraction process died on this page") from exc

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _ensure_executor(self) -> Executor:
        if self._executor is None:
            self._executor = self._new_executor()
        return self._executor

    def _new_executor(self) -> Executor:
        if not self._processes:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")
        # Spawn: a forked child would inherit the run lock's descriptor and the event loop's state, and
        # forkserver's workers are children of the server, which outlives a killed run.
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self._extractor,),
        )

    def _discard(self, broken: Executor) -> None:
        """Drop a broken executor, once: the pages that were in it all report the same break."""
        if broken is self._executor:
            self._executor = None
            broken.shutdown(wait=False, cancel_futures=True)
            log.warning("an extraction process died; starting new ones")


# ─── the run ───────────────────────────────────────────────────────────────────────────────────────────


@dataclass
class _Tally:
    """Outcomes folded as they come; frozen into a RunReport at the end."""

    stored: int = 0
    unchanged: int = 0
    deferred: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    discovered: int = 0

    def add(self, outcome: Outcome) -> None:
        match outcome.kind:
            case OutcomeKind.STORED:
                self.stored += 1
            case OutcomeKind.UNCHANGED:
                self.unchanged += 1
            case OutcomeKind.DEFERRED:
                self.deferred += 1
            case OutcomeKind.SKIPPED:
                self.skipped[outcome.reason or "unknown"] += 1
            case OutcomeKind.FAILED:
                self.failed[outcome.reason or "unknown"] += 1

    def report(self, *, elapsed: float, started_at: datetime) -> RunReport:
        return RunReport(
            stored=self.stored,
            unchanged=self.unchanged,
            skipped=dict(self.skipped),
            deferred=self.deferred,
            failed=dict(self.failed),
            discovered=self.discovered,
            elapsed=elapsed,
            started_at=started_at,
        )


class _NullSink:
    def discovered(self, new_urls: int) -> None:
        pass

    def outcome(self, outcome: Outcome) -> None:
        pass


@dataclass
class _Run:
    """The state one run shares between its claim loop and its fetch tasks."""

    settings: Settings
    store: Store
    fetcher: PageFetcher
    pool: ExtractionPool
    sink: ProgressSink
    worker: str
    clock: Callable[[], datetime]
    claim_delay: float  # the host delay each claim reserves; 0 when the fetcher keeps it per request
    per_host_claims: int | None  # URLs of one host claimed at once over all workers; None: no cap
    tally: _Tally = field(default_factory=_Tally)
    # Bounded by the claim loop, which claims only while `in_flight` is under its capacity: a put never
    # waits, so the loop can also watch for the end of the run and for a fatal error.
    queue: asyncio.Queue[Claim | None] = field(default_factory=asyncio.Queue)
    # Claimed and not yet saved or given up (queued, fetching, extracting, saving): their leases are renewed.
    held: set[Claim] = field(default_factory=set)
    handled: set[int] = field(default_factory=set)  # url ids claimed in this run: a few MB per 100,000
    progressed: asyncio.Event = field(default_factory=asyncio.Event)
    fatal: BaseException | None = None

    @property
    def in_flight(self) -> int:
        return len(self.held)

    def stop(self, exc: Exception, context: str = "") -> None:
        """The database failing (disk full, connection lost) or a bug: no more claims, the URLs in flight
        finish, then the run raises `exc`."""
        log.error("the run stops: %s%s", context, exc)
        self.fatal = exc
        self.progressed.set()

    def record(self, outcome: Outcome) -> None:
        if outcome.kind is OutcomeKind.FAILED:
            log.debug("%s failed: %s (%s)", outcome.url, outcome.reason, outcome.message)
        self.tally.add(outcome)
        self.sink.outcome(outcome)


async def run(
    settings: Settings,
    store: Store,
    *,
    progress: ProgressSink | None = None,
    worker: str | None = None,
    fetcher_factory: FetcherFactory | None = None,
    extractor: Extractor | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> RunReport:
    """Discover the sources' URLs, then fetch, extract and store every due URL; record and return the report.

    `fetcher_factory` and `extractor` default to scraper's own; the extractor must be a module-level
    function (it is sent to worker processes by name).
    """
    started_at = clock()
    began = time.monotonic()
    factory = fetcher_factory or _default_fetcher_factory
    # On a store many workers share, the per-host delay is kept where requests go out: scraper's fetcher
    # takes each host's turn in the store, so all workers keep it together, and claims then reserve no
    # delay of their own (the same delay twice would halve the pace). A run alone on its store (SQLite),
    # or with another fetcher, is paced by its claims and its fetcher, as one process needs.
    paced_per_request = store.shared and fetcher_factory is None and settings.fetch.delay > 0
    if paced_per_request:
        gate = _StoreHostGate(store, clock, settings.fetch)

        def factory(fetch_settings: FetchSettings) -> AbstractAsyncContextManager[PageFetcher]:
            return _default_fetcher_factory(fetch_settings, gate)

    with ExtractionPool(extractor or _default_extractor(), workers=settings.run.workers) as pool:
        async with factory(settings.fetch) as fetcher:
            state = _Run(
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
            )
            state.tally.discovered = await _discover(state)
            state.sink.discovered(state.tally.discovered)
            await _crawl(state)
    report = state.tally.report(elapsed=time.monotonic() - began, started_at=started_at)
    store.record_run(report)
    log.debug("%s", report.summary_line())  # the CLI prints it; logged for library callers
    return report


async def _crawl(state: _Run) -> None:
    """Claim due URLs in batches and feed them to `concurrency` fetch tasks until nothing is due."""
    slots = max(1, state.settings.fetch.concurrency)
    async with _renewing_leases(state):
        tasks = [asyncio.create_task(_fetch_loop(state)) for _ in range(slots)]
        try:
            await _claim_loop(state, capacity=slots * (1 + CLAIM_BACKLOG_PER_SLOT))
        except BaseException:
            # Interrupted (or the store failed to claim): stop at once. Claimed URLs come back when their
            # leases expire; nothing half-done was saved.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        for _ in tasks:
            state.queue.put_nowait(None)
        await asyncio.gather(*tasks)
    if state.fatal is not None:
        raise state.fatal


@contextlib.asynccontextmanager
async def _renewing_leases(state: _Run) -> AsyncIterator[None]:
    """Renew the leases of the claims the run holds, in the background, for as long as the block runs."""
    heartbeat = asyncio.create_task(_renew_loop(state))
    try:
        yield
    finally:
        heartbeat.cancel()
        await asyncio.gather(heartbeat, return_exceptions=True)


async def _renew_loop(state: _Run) -> None:
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


async def _claim_loop(state: _Run, *, capacity: int) -> None:
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
    while state.fatal is None and (limit is None or claimed < limit):
        if time.monotonic() >= next_release:
            released = state.store.release_expired(state.clock(), run_settings)
            if released:
                log.info("returned %d URLs with expired leases to the frontier", released)
            next_release = time.monotonic() + run_settings.lease * RELEASE_EXPIRED_SHARE_OF_LEASE
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


def _seen_before(state: _Run, claims: list[Claim]) -> bool:
    """Remember the claimed URLs; say whether one of them was already handled in this run."""
    ids = {claim.url_id for claim in claims}
    came_back = not ids.isdisjoint(state.handled)
    state.handled |= ids
    return came_back


async def _drain(state: _Run) -> None:
    """Wait for the claimed URLs still in flight (after the limit was reached or a fatal error)."""
    while state.in_flight > 0 and state.fatal is None:
        state.progressed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.progressed.wait(), CLAIM_POLL_INTERVAL)


async def _fetch_loop(state: _Run) -> None:
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


async def _process(state: _Run, claim: Claim) -> Outcome | None:
    """Fetch, extract and save one claimed URL; None when the claim was stale. A StorageError escapes."""
    result = await _fetch_captured(state.fetcher, claim.url, claim.validators, accept="html")
    document: Document | None = None
    if result.ok:
        try:
            document = await state.pool.extract(_page_input(result), result.final_url or claim.url)
        except ExtractionError as exc:
            log.warning("extraction failed for %s: %s", claim.url, exc)
            result = dataclasses.replace(
                result, status=FetchStatus.FAILED, error=ErrorInfo("extraction", str(exc))
            )
    try:
        return state.store.save(claim, result, document, now=state.clock(), policy=state.settings.run)
    except StaleClaimError as exc:
        log.warning("result for %s not stored: the claim expired and was taken over (%s)", claim.url, exc)
        return None


def _page_input(result: FetchResult) -> str | bytes:
    """The fetcher's decoded text when it has one (it knew the HTTP charset), else the raw bytes."""
    return result.text if result.text is not None else result.content


async def _fetch_captured(
    fetcher: PageFetcher, url: str, validators: Validators | None, *, accept: Accept
) -> FetchResult:
    """The fetcher never raises for a per-URL problem; should it anyway, that URL fails, not the run."""
    try:
        return await fetcher.fetch(url, validators, accept=accept)
    except Exception as exc:
        log.exception("fetching %s raised", url)
        return FetchResult(
            url=url, status=FetchStatus.FAILED, error=ErrorInfo("internal", f"{type(exc).__name__}: {exc}")
        )


# ─── discovery ─────────────────────────────────────────────────────────────────────────────────────────


async def _discover(state: _Run) -> int:
    """Enqueue the URLs of every source; return how many were new. A source that fails is a FAILED
    outcome (reason "discovery"), and the other sources still count."""
    sources = state.settings.sources
    if not sources:
        log.info("no sources configured: only URLs already in the store and due are fetched")
    new = 0
    if sources.urls:
        new += _enqueue(state, _normalised(sources.urls), source="url")
    for path in sources.url_files:
        new += _enqueue(state, _normalised(discover.read_url_file(path)), source=f"file:{path}")
    for feed in sources.feeds:
        new += await _discover_from(state, feed, "feed", _feed_links)
    for sitemap in sources.sitemaps:
        new += await _discover_sitemaps(state, sitemap)
    for page in sources.pages:
        new += await _discover_from(state, page, "page", _page_links, accept="html")
    return new


def _normalised(urls: Iterable[str]) -> Iterator[str]:
    """URLs given by the user, normalised; one that is not a crawlable URL is logged and left out."""
    for url in urls:
        normal = discover.normalise_url(url)
        if normal is None:
            log.warning("not a crawlable URL, ignored: %r", url)
        else:
            yield normal


def _feed_links(result: FetchResult, base_url: str, sources: Sources) -> list[str]:
    return discover.filter_urls(
        discover.parse_feed(result.content, base_url), sources.include, sources.exclude
    )


def _page_links(result: FetchResult, base_url: str, sources: Sources) -> list[str]:
    html = result.text if result.text is not None else result.content.decode("utf-8", "replace")
    return discover.links_from_page(html, base_url, sources.include, sources.exclude)


def _enqueue(state: _Run, urls: Iterable[str], *, source: str) -> int:
    new = state.store.enqueue(urls, source=source, now=state.clock())
    log.debug("%s: %d new URLs", source, new)
    return new


async def _fetch_source(state: _Run, url: str, kind: str, *, accept: Accept) -> FetchResult | None:
    """Fetch a feed, sitemap or section page; a failure is recorded as a FAILED "discovery" outcome."""
    result = await _fetch_captured(state.fetcher, url, None, accept=accept)
    if result.ok:
        return result
    detail = result.error.message if result.error else (result.skip_reason or result.status.value)
    if result.status is FetchStatus.SKIPPED:
        log.info("%s %s skipped: %s", kind, url, detail)
        state.record(Outcome(url, OutcomeKind.SKIPPED, result.skip_reason, detail))
    else:
        log.warning("%s %s could not be fetched: %s", kind, url, detail)
        state.record(Outcome(url, OutcomeKind.FAILED, "discovery", detail))
    return None


def _parse_failed(state: _Run, url: str, kind: str, exc: Exception) -> None:
    log.warning("%s %s could not be parsed: %s", kind, url, exc)
    state.record(Outcome(url, OutcomeKind.FAILED, "discovery", str(exc)))


async def _discover_from(
    state: _Run,
    url: str,
    kind: str,
    links_of: Callable[[FetchResult, str, Sources], list[str]],
    *,
    accept: Accept = "xml",
) -> int:
    result = await _fetch_source(state, url, kind, accept=accept)
    if result is None:
        return 0
    try:
        links = links_of(result, result.final_url or url, state.settings.sources)
    except ConfigError:
        raise  # a bad include/exclude pattern is the user's to fix, not this source's failure
    except Exception as exc:  # DiscoveryError, or a parser bug: this source fails, the run goes on
        _parse_failed(state, url, kind, exc)
        return 0
    return _enqueue(state, links, source=f"{kind}:{url}")


async def _discover_sitemaps(state: _Run, root: str) -> int:
    """A sitemap and, for a sitemap index, its children (breadth first, each fetched once)."""
    sources = state.settings.sources
    pending: deque[str] = deque([root])
    seen: set[str] = set()
    new = 0
    while pending and len(seen) < MAX_SITEMAPS_PER_SOURCE:
        url = pending.popleft()
        if url in seen:
            continue
        seen.add(url)
        result = await _fetch_source(state, url, "sitemap", accept="xml")
        if result is None:
            continue
        try:
            sitemap = discover.parse_sitemap(result.content, result.final_url or url)
            links = discover.filter_urls(sitemap.urls, sources.include, sources.exclude)
        except ConfigError:
            raise
        except Exception as exc:
            _parse_failed(state, url, "sitemap", exc)
            continue
        pending.extend(sitemap.sitemaps)
        new += _enqueue(state, links, source=f"sitemap:{url}")
    return new


# ─── scraper get ───────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class GetRow:
    """What `scraper get` learned about one input: a Document, a skip or a failure."""

    url: str  # the input, as given
    fetch: FetchResult | None = None  # None when the input was not a URL at all
    document: Document | None = None
    error: ErrorInfo | None = None
    skipped: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def to_dict(self) -> dict[str, Any]:
        """One JSON object of `scraper get --format json` (DESIGN.md): `url` echoes the input."""
        row: dict[str, Any] = {}
        if self.document is not None:
            row.update(self.document.to_dict())
        row["url"] = self.url
        row["status"] = self.fetch.http_status if self.fetch else None
        row["final_url"] = self.fetch.final_url if self.fetch else None
        if self.error is not None:
            row["error"] = {"kind": self.error.kind, "message": self.error.message}
        if self.skipped is not None:
            row["skipped"] = self.skipped
        return row


async def get_urls(
    urls: Iterable[str],
    settings: Settings,
    *,
    fetcher_factory: FetcherFactory | None = None,
    extractor: Extractor | None = None,
) -> AsyncIterator[GetRow]:
    """Fetch and extract each URL, concurrently, yielding one row per input in input order.

    Inputs are read lazily and only a window of them is in flight, so a long list on standard input
    streams. Extraction runs in a thread: for a handful of URLs, starting worker processes costs more
    than it saves.
    """
    factory = fetcher_factory or _default_fetcher_factory
    window = max(1, settings.fetch.concurrency) * 2
    with ExtractionPool(extractor or _default_extractor(), processes=False) as pool:
        async with factory(settings.fetch) as fetcher:
            in_flight: deque[asyncio.Task[GetRow]] = deque()
            try:
                for url in urls:
                    in_flight.append(asyncio.create_task(_get_one(fetcher, pool, url)))
                    if len(in_flight) >= window:
                        yield await in_flight.popleft()
                while in_flight:
                    yield await in_flight.popleft()
            finally:
                for task in in_flight:
                    task.cancel()


async def _get_one(fetcher: PageFetcher, pool: ExtractionPool, url: str) -> GetRow:
    problem = _invalid_url_reason(url)
    if problem is not None:
        return GetRow(url, error=ErrorInfo("invalid_url", problem))
    result = await _fetch_captured(fetcher, url, None, accept="html")
    if result.status is FetchStatus.SKIPPED:
        return GetRow(url, fetch=result, skipped=result.skip_reason or "skipped")
    if result.status is FetchStatus.DEFERRED:
        when = result.retry_at.isoformat() if result.retry_at else "later"
        return GetRow(url, fetch=result, error=ErrorInfo("deferred", f"the server asks to retry at {when}"))
    if not result.ok:
        error = result.error or ErrorInfo("http_status", f"fetch ended as {result.status.value}")
        return GetRow(url, fetch=result, error=error)
    try:
        document = await pool.extract(_page_input(result), result.final_url or url)
    except ExtractionError as exc:
        return GetRow(url, fetch=result, error=ErrorInfo("extraction", str(exc)))
    return GetRow(url, fetch=result, document=document)


def _invalid_url_reason(url: str) -> str | None:
    """Why `url` cannot be fetched at all, before any network: scheme and host are checked here."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        return f"not a valid URL: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http or https URL: {url!r}"
    if not parts.hostname:
        return f"no host in URL: {url!r}"
    return None


# ─── scraper reextract ─────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class ReextractReport:
    """What `scraper reextract` did to the stored raw pages."""

    pages: int = 0
    changed: int = 0  # a new version was stored
    unchanged: int = 0
    failed: int = 0
    elapsed: float = 0.0

    def summary_line(self) -> str:
        return (
            f"scraper reextract: {self.pages} pages, {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.failed} failed in {self.elapsed:.1f}s"
        )


def reextract(
    store: Store,
    *,
    extractor: Extractor | None = None,
    workers: int = 0,
    clock: Callable[[], datetime] = _utc_now,
) -> ReextractReport:
    """Run the extractor again over every stored raw page, in worker processes; a new version is stored
    only where the text changed. A page the extractor fails on is counted and left as it was."""
    began = time.monotonic()
    counts: Counter[str] = Counter()
    with ExtractionPool(extractor or _default_extractor(), workers=workers) as pool:
        window: deque[tuple[int, str, ExtractionJob]] = deque()
        limit = pool.workers * REEXTRACT_WINDOW_PER_WORKER
        for page in store.raw_pages():
            html = _raw_page_input(page)
            window.append((page.url_id, page.url, pool.submit(html, page.final_url or page.url)))
            if len(window) >= limit:
                counts[_reextract_one(store, pool, *window.popleft(), clock())] += 1
        while window:
            counts[_reextract_one(store, pool, *window.popleft(), clock())] += 1
    return ReextractReport(
        pages=counts.total(),
        changed=counts["changed"],
        unchanged=counts["unchanged"],
        failed=counts["failed"],
        elapsed=time.monotonic() - began,
    )


def _raw_page_input(page: RawPage) -> str | bytes:
    """Stored bytes decoded as the fetcher decoded them; without a known charset, the extractor sniffs."""
    if page.encoding:
        try:
            return page.html.decode(page.encoding, errors="replace")
        except LookupError:  # a charset name Python does not know: let the extractor detect one
            pass
    return page.html


def _reextract_one(
    store: Store, pool: ExtractionPool, url_id: int, url: str, job: ExtractionJob, now: datetime
) -> str:
    try:
        document = pool.result(job)
    except ExtractionError as exc:
        log.warning("reextract: extraction failed for %s: %s", url, exc)
        return "failed"
    return "changed" if store.add_version(url_id, document, now=now) else "unchanged"


# ─── scraper export ────────────────────────────────────────────────────────────────────────────────────


def export(store: Store, fmt: str, since: datetime | None, out: Path | IO[str] | None) -> int:
    """Write the latest version of every stored document (fetched since `since`); return how many.

    jsonl and csv go to `out` (a path, an open text stream, or None for standard output); txt and markdown
    write one file per article into the folder `out`, with safe names that never leave it.
    """
    documents = store.documents(since)
    if fmt in ("jsonl", "csv"):
        write = _write_jsonl if fmt == "jsonl" else _write_csv
        if out is None or not isinstance(out, Path):
            return write(documents, out or sys.stdout)
        with _open_output(out) as stream:
            return write(documents, stream)
    if fmt in ("txt", "markdown"):
        if not isinstance(out, Path):
            raise ConfigError(f"export --format {fmt} writes one file per article: give a folder with -o")
        return _write_files(documents, out, markdown=fmt == "markdown")
    raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")


def _open_output(path: Path) -> IO[str]:
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc


def _export_record(stored: StoredDocument) -> dict[str, Any]:
    record = stored.document.to_dict()
    record["url"] = record["url"] or stored.url
    record["version"] = stored.version
    record["fetched_at"] = stored.fetched_at.isoformat()
    return record


def _write_jsonl(documents: Iterable[StoredDocument], stream: IO[str]) -> int:
    count = 0
    for stored in documents:
        stream.write(json.dumps(_export_record(stored), ensure_ascii=False) + "\n")
        count += 1
    return count


EXPORT_CSV_FIELDS = (*Document().to_dict().keys(), "version", "fetched_at")


def _write_csv(documents: Iterable[StoredDocument], stream: IO[str]) -> int:
    writer = csv.DictWriter(stream, fieldnames=EXPORT_CSV_FIELDS)
    writer.writeheader()
    count = 0
    for stored in documents:
        writer.writerow(_export_record(stored))
        count += 1
    return count


def _write_files(documents: Iterable[StoredDocument], folder: Path, *, markdown: bool) -> int:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        root = folder.resolve(strict=True)
    except OSError as exc:
        raise ConfigError(f"cannot write into {folder}: {exc.strerror}") from exc
    suffix = ".md" if markdown else ".txt"
    count = 0
    for stored in documents:
        body = document_to_markdown(stored.document) if markdown else _document_to_text(stored.document)
        _write_inside(root, _safe_file_name(stored, suffix), body)
        count += 1
    return count


def _write_inside(root: Path, name: str, body: str) -> None:
    """Write `root/name`, refusing anything that would land outside `root` or follow a planted symlink."""
    target = root / name
    if target.parent != root or not target.resolve(strict=False).is_relative_to(root):
        raise ConfigError(f"refusing to write outside {root}: {name!r}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(target, flags, 0o644)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(body)


_UNSAFE_NAME_CHARS = re.compile(r"[^\w\-]+")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


def _safe_file_name(stored: StoredDocument, suffix: str) -> str:
    """`<url id>-<slug of the title or URL path><suffix>`: letters, digits, '-' and '_' only, so no path
    separator, no '..', no control character and no leading dot can come from a page. The id keeps
    names unique when two titles slug alike."""
    source = stored.document.title or urlsplit(stored.url).path or "article"
    slug = unicodedata.normalize("NFKC", source)
    slug = _UNSAFE_NAME_CHARS.sub("-", slug).strip("-_").lower()[:EXPORT_NAME_MAX_CHARS].strip("-_")
    if not slug or _WINDOWS_RESERVED.match(slug):
        slug = "article"
    return f"{stored.url_id:08d}-{slug}{suffix}"


def _document_to_text(document: Document) -> str:
    head = "\n".join(line for line in (document.title, document.url) if line)
    return f"{head}\n\n{document.text}\n" if head else f"{document.text}\n"


def document_to_markdown(document: Document) -> str:
    """A Document as Markdown: the title as a heading, a metadata line, then the body text."""
    parts: list[str] = []
    if document.title:
        parts.append(f"# {_one_line(document.title)}")
    meta = [
        f"{label}: {_one_line(value)}"
        for label, value in (
            ("Author", document.author),
            ("Date", document.date),
            ("Source", document.url),
        )
        if value
    ]
    if meta:
        parts.append("  \n".join(meta))
    if document.text:
        parts.append(document.text)
    return "\n\n".join(parts) + "\n"


def _one_line(value: str) -> str:
    return " ".join(value.split())
