"""Stand-ins for the fetcher and the extractor in the pipeline's unit tests.

The extractors are module-level functions: the pipeline sends them to worker processes by name.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType

from scraper.config import FetchSettings
from scraper.models import Document, ErrorInfo, FetchResult, FetchStatus, Validators

EXPLODE_MARK = "<!-- explode -->"  # the extractor raises on pages carrying it
CRASH_MARK = "<!-- crash -->"  # the extraction process dies on pages carrying it

_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S)
_PARAGRAPH_RE = re.compile(r"<p>(.*?)</p>", re.S)


def simple_extract(html: str | bytes, url: str | None) -> Document:
    """A toy extractor: the <title> and the <p> texts. Raises or dies on the marks above."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    if EXPLODE_MARK in text:
        raise ValueError("the extractor choked on this page")
    if CRASH_MARK in text:
        os._exit(13)
    title = _TITLE_RE.search(text)
    return Document(
        url=url,
        title=title.group(1) if title else None,
        text="\n\n".join(p.strip() for p in _PARAGRAPH_RE.findall(text)),
    )


def markdown_exhausting_extract(html: str | bytes, url: str | None) -> Document:
    """extract()'s Document, whose Markdown is rendered when first read, here running out of memory."""
    from scraper.extract import _document
    from scraper.extract.metadata import Metadata

    def exhausted() -> str:
        raise MemoryError

    return _document(url, Metadata(), simple_extract(html, url).text, "article", exhausted)


def shouting_extract(html: str | bytes, url: str | None) -> Document:
    """Another extractor version: the same pages give different text (for `reextract`)."""
    document = simple_extract(html, url)
    return Document(url=document.url, title=document.title, text=document.text.upper())


def article_html(title: str, *paragraphs: str, extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>{title}</title></head><body>{extra}{body}</body></html>"


@dataclass
class FakeFetcher:
    """Answers from a table of URL → FetchResult; an unknown URL is a 404. Records every call."""

    pages: Mapping[str, FetchResult]
    latency: Mapping[str, float] = field(default_factory=dict)
    calls: list[tuple[str, str, Validators | None]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    async def fetch(
        self, url: str, validators: Validators | None = None, *, accept: str = "html"
    ) -> FetchResult:
        self.calls.append((url, accept, validators))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency.get(url, 0))
            if url in self.pages:
                return self.pages[url]
            return FetchResult(
                url=url,
                status=FetchStatus.FAILED,
                final_url=url,
                http_status=404,
                error=ErrorInfo("http_status", "HTTP 404"),
            )
        finally:
            self.in_flight -= 1

    async def __aenter__(self) -> FakeFetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def factory(self, settings: FetchSettings) -> FakeFetcher:
        return self


def ok(url: str, html: str, *, etag: str | None = None, final_url: str | None = None) -> FetchResult:
    return FetchResult(
        url=url,
        status=FetchStatus.OK,
        final_url=final_url or url,
        http_status=200,
        content=html.encode(),
        text=html,
        encoding="utf-8",
        validators=Validators(etag=etag),
    )


def xml(url: str, body: str) -> FetchResult:
    return FetchResult(url=url, status=FetchStatus.OK, final_url=url, http_status=200, content=body.encode())


def pid_extract(html: str | bytes, url: str | None) -> Document:
    """Says which process extracted the page (its pid as the title)."""
    return Document(url=url, title=str(os.getpid()), text="")


def failing_extract(html: str | bytes, url: str | None) -> Document:
    """An extractor version that fails on every page."""
    raise RuntimeError("this extractor version is broken")
