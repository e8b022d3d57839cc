"""Parsing in worker processes, under limits: the extractor on article pages, and discovery's parsers on
section pages, feeds and sitemaps. Nothing a site sends is parsed in the run's own process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from ..config import RunSettings
from ..errors import ExtractionError, ScraperError
from ..models import ARTICLE_PAGE_TYPES, Document
from ..storage import Fingerprint, document_fingerprint
from ._pieces import Extractor
from ._processes import WorkerPool

__all__ = ["DEFAULT_MEMORY_LIMIT", "DEFAULT_TIME_LIMIT", "ExtractionJob", "ExtractionPool", "is_stored_page"]

T = TypeVar("T")

# The documented defaults of run.parse_timeout and run.parse_memory, for callers without Settings.
DEFAULT_TIME_LIMIT = RunSettings().parse_timeout
DEFAULT_MEMORY_LIMIT = RunSettings().parse_memory


@dataclass(frozen=True, slots=True)
class ExtractionJob:
    """A page handed to the pool: the future of its Document."""

    future: Future[Document]


class ExtractionPool:
    """The extractor (and any module-level parsing function) run in worker processes, or, with
    `processes=False`, in a thread.

    Each call runs under `time_limit` seconds of wall-clock time and each worker under `memory_limit`
    bytes resident (None: no limit). A call past either has its worker killed and fails with
    ExtractionTimeoutError or ExtractionMemoryError; a new worker takes over and the calls in the
    other workers go on. A worker that dies (a crash in the parser, the OOM killer) has its call tried
    once more in a new one; dying again, the call fails with reason "extraction". A thread cannot be
    stopped: `processes=False` has no limits.
    """

    def __init__(
        self,
        extractor: Extractor,
        *,
        workers: int = 0,
        processes: bool = True,
        time_limit: float | None = DEFAULT_TIME_LIMIT,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    ) -> None:
        self._extractor = extractor
        self._workers = workers or os.cpu_count() or 1
        self._processes: WorkerPool | None = None
        self._thread: Executor | None = None
        if processes:
            self._processes = WorkerPool(
                extractor, self._workers, time_limit=time_limit, memory_limit=memory_limit
            )
        else:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")

    @property
    def workers(self) -> int:
        return self._workers if self._processes is not None else 1

    def submit(self, html: str | bytes, url: str | None) -> ExtractionJob:
        """Start extracting one page."""
        return ExtractionJob(self._submit(extract_rendered, self._extractor, html, url))

    def result(self, job: ExtractionJob) -> Document:
        """Wait for a submitted page: its Document, or ExtractionError (or one of its kinds)."""
        return job.future.result()

    async def extract(self, html: str | bytes, url: str | None) -> Document:
        """The Document of one page; ExtractionError when the extractor failed on it, ran past a limit
        or died twice."""
        document: Document = await self.call(extract_rendered, self._extractor, html, url)
        return document

    async def extract_for_store(
        self, html: str | bytes, url: str | None, *, near: bool, keep_all_pages: bool
    ) -> tuple[Document, Fingerprint | None]:
        """The Document of one page and, when the run stores it, its fingerprint for the store's
        duplicate check, both made in the worker: shingling and MinHash are CPU work the event loop and
        the save transaction are spared. ExtractionError as for `extract`."""
        made: tuple[Document, Fingerprint | None] = await self.call(
            extract_and_fingerprint, self._extractor, html, url, near, keep_all_pages
        )
        return made

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a worker, under the limits. `function` must be module-level (it is sent
        by name); its ScraperError comes back as it is, any other exception as ExtractionError."""
        value: T = await asyncio.wrap_future(self._submit(function, *args))
        return value

    def close(self) -> None:
        if self._processes is not None:
            self._processes.close()
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        if self._processes is not None:
            return self._processes.submit(function, *args)
        assert self._thread is not None
        return self._thread.submit(_in_thread, function, *args)


def extract_rendered(extractor: Extractor, html: str | bytes, url: str | None) -> Document:
    """What a worker does for a page it sends back (`scraper extract`, `scraper get`): extract it, its
    Markdown rendered under the worker's limits. The reply would render it anyway while it is pickled,
    where running out of memory reads as a reply that could not be sent, not as this page's failure."""
    document = extractor(html, url)
    document.markdown  # noqa: B018
    return document


def extract_and_fingerprint(
    extractor: Extractor, html: str | bytes, url: str | None, near: bool, keep_all_pages: bool
) -> tuple[Document, Fingerprint | None]:
    """What a worker does for a page to store: extract it, then fingerprint its text, unless the run
    will skip it as not an article (no fingerprint is needed for a page that is not saved)."""
    # The Markdown is rendered when first read: here, under the worker's limits, for every page, as the
    # reply sends each Document back whole (a skipped page's too) and the store keeps it.
    document = extract_rendered(extractor, html, url)
    if not is_stored_page(document, keep_all_pages):
        return document, None
    return document, document_fingerprint(document, near=near)


def is_stored_page(document: Document, keep_all_pages: bool) -> bool:
    """Whether `scraper run` stores this page: an article (or a page of unknown kind), or any page
    under run.keep_all_pages."""
    return keep_all_pages or document.page_type in ARTICLE_PAGE_TYPES


def _in_thread(function: Callable[..., T], *args: Any) -> T:
    """As in a worker: any exception but scraper's own becomes an ExtractionError."""
    try:
        return function(*args)
    except ScraperError:
        raise
    except Exception as exc:
        raise ExtractionError(f"{type(exc).__name__}: {exc}") from None
