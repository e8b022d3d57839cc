"""The one-off commands: `get_urls` (`scraper get`) and `reextract` (`scraper reextract`)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import RunSettings, Settings
from ..errors import ExtractionError
from ..models import Document, ErrorInfo, ErrorKind, FetchResult, FetchStatus, RawPage, SkipReason
from ..storage.base import Store
from ..urls import redact_url, url_problem
from ._pieces import (
    Extractor,
    FetcherFactory,
    PageFetcher,
    default_extractor,
    default_fetcher_factory,
    fetch_captured,
    log,
    page_input,
    utc_now,
)
from ._pool import DEFAULT_MEMORY_LIMIT, DEFAULT_TIME_LIMIT, ExtractionJob, ExtractionPool

__all__ = ["GetRow", "ReextractReport", "get_urls", "reextract"]

# Pages handed to the extraction processes at once by `reextract`, per process: enough to keep each busy,
# few enough that memory stays flat over a large store.
REEXTRACT_WINDOW_PER_WORKER = 4


# ─── scraper get ───────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class GetRow:
    """What `scraper get` learned about one input: a Document, a skip or a failure."""

    url: str  # the input, as given (a URL with credentials, refused, without them)
    fetch: FetchResult | None = None  # None when the input was not a URL at all
    document: Document | None = None
    error: ErrorInfo | None = None
    skipped: SkipReason | None = None

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
    streams. Extraction runs in one worker process, under the run's limits (a thread could not be
    stopped on a hostile page), started with the first page.
    """
    factory = fetcher_factory or default_fetcher_factory
    window = max(1, settings.fetch.concurrency) * 2
    with ExtractionPool(
        extractor or default_extractor(),
        workers=1,
        time_limit=settings.run.parse_timeout,
        memory_limit=settings.run.parse_memory,
    ) as pool:
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
    problem = url_problem(url)
    if problem is not None:  # shown without credentials, which make a URL invalid
        return GetRow(redact_url(url), error=ErrorInfo(ErrorKind.INVALID_URL, problem))
    result = await fetch_captured(fetcher, url, None, accept="html")
    if result.status is FetchStatus.SKIPPED:
        return GetRow(url, fetch=result, skipped=result.skip_reason or SkipReason.UNSPECIFIED)
    if result.status is FetchStatus.DEFERRED:
        when = result.retry_at.isoformat() if result.retry_at else "later"
        return GetRow(
            url, fetch=result, error=ErrorInfo(ErrorKind.DEFERRED, f"the server asks to retry at {when}")
        )
    if not result.ok:
        error = result.error or ErrorInfo(ErrorKind.HTTP_STATUS, f"fetch ended as {result.status.value}")
        return GetRow(url, fetch=result, error=error)
    try:
        document = await pool.extract(page_input(result), result.final_url or url)
    except ExtractionError as exc:
        return GetRow(url, fetch=result, error=ErrorInfo(ErrorKind(exc.kind), str(exc)))
    return GetRow(url, fetch=result, document=document)


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
    clock: Callable[[], datetime] = utc_now,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    policy: RunSettings | None = None,
) -> ReextractReport:
    """Run the extractor again over every stored raw page, in worker processes under the limits; a new
    version is stored only where the text changed, checked for copies of another URL's story under
    `policy`'s duplicate settings as a run's save is. A page the extractor fails on is counted and left
    as it was."""
    began = time.monotonic()
    counts: Counter[str] = Counter()
    with ExtractionPool(
        extractor or default_extractor(), workers=workers, time_limit=time_limit, memory_limit=memory_limit
    ) as pool:
        window: deque[tuple[int, str, ExtractionJob]] = deque()
        limit = pool.workers * REEXTRACT_WINDOW_PER_WORKER
        for page in store.raw_pages():
            html = _raw_page_input(page)
            window.append((page.url_id, page.url, pool.submit(html, page.final_url or page.url)))
            if len(window) >= limit:
                counts[_reextract_one(store, pool, *window.popleft(), clock(), policy)] += 1
        while window:
            counts[_reextract_one(store, pool, *window.popleft(), clock(), policy)] += 1
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
    store: Store,
    pool: ExtractionPool,
    url_id: int,
    url: str,
    job: ExtractionJob,
    now: datetime,
    policy: RunSettings | None,
) -> str:
    try:
        document = pool.result(job)
    except ExtractionError as exc:
        log.warning("reextract: extraction failed for %s: %s", redact_url(url), exc)
        return "failed"
    return "changed" if store.add_version(url_id, document, now=now, policy=policy) else "unchanged"
