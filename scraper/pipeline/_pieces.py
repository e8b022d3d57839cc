"""The pieces the pipeline drives, as it sees them: the fetcher and the extractor (with scraper's own as
defaults), the progress sink, and the capture of a fetcher's unexpected exception as a failed result."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, Protocol

from ..config import FetchSettings
from ..models import Document, ErrorInfo, ErrorKind, FetchResult, FetchStatus, Outcome, Validators
from ..urls import redact_url

if TYPE_CHECKING:
    from ..fetch import HostGate

__all__ = [
    "Accept",
    "Extractor",
    "FetcherFactory",
    "PageFetcher",
    "ProgressSink",
    "default_extractor",
    "default_fetcher_factory",
    "default_worker_name",
    "fetch_captured",
    "log",
    "page_input",
    "utc_now",
]

# One logger for the whole package, named as before the split: log filters and the CLI's JSON "logger"
# field see "scraper.pipeline" whichever module speaks.
log = logging.getLogger("scraper.pipeline")

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


def utc_now() -> datetime:
    return datetime.now(UTC)


def default_fetcher_factory(
    settings: FetchSettings, host_gate: HostGate | None = None
) -> AbstractAsyncContextManager[PageFetcher]:
    from ..fetch import Fetcher  # imported late: httpx stays out of `scraper extract` and `export`

    fetcher: AbstractAsyncContextManager[PageFetcher] = Fetcher(settings, host_gate=host_gate)
    return fetcher


def default_extractor() -> Extractor:
    from ..extract import extract

    return extract


def page_input(result: FetchResult) -> str | bytes:
    """The fetcher's decoded text when it has one (it knew the HTTP charset), else the raw bytes."""
    return result.text if result.text is not None else result.content


async def fetch_captured(
    fetcher: PageFetcher, url: str, validators: Validators | None, *, accept: Accept
) -> FetchResult:
    """The fetcher never raises for a per-URL problem; should it anyway, that URL fails, not the run."""
    try:
        return await fetcher.fetch(url, validators, accept=accept)
    except Exception as exc:
        log.exception("fetching %s raised", redact_url(url))
        error = ErrorInfo(ErrorKind.INTERNAL, f"{type(exc).__name__}: {exc}")
        return FetchResult(url=url, status=FetchStatus.FAILED, error=error)
