"""Discovery, the first phase of a run: the sources' URLs (given, from files, feeds, sitemaps and section
pages) normalised, filtered and enqueued in the store, which is the frontier. Parsing is `discover`'s,
run in the extraction pool's worker processes under its limits."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence

from .. import discover
from ..errors import ConfigError, ExtractionMemoryError, ExtractionTimeoutError
from ..models import ErrorKind, FetchResult, FetchStatus, Outcome, OutcomeKind
from ..urls import normalise_url, redact_url, url_problem
from ._pieces import Accept, fetch_captured, log
from ._state import RunState

__all__ = ["discover_sources", "parse_feed_links", "parse_page_links", "parse_sitemap_links"]

# Child sitemaps followed from sitemap indexes in one run: a bound against an index that lists itself or
# a hostile site's endless chain.
MAX_SITEMAPS_PER_SOURCE = 1000


async def discover_sources(state: RunState) -> int:
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
        normal = normalise_url(url)
        if normal is None:
            log.warning("not a crawlable URL, ignored: %r (%s)", redact_url(url), url_problem(url))
        else:
            yield normal


# The parsers below run in the extraction pool's workers, under its limits (module-level, as they are sent
# by name): a hostile feed, sitemap or section page fails as that source, and the event loop never stalls.


def parse_feed_links(
    content: bytes, base_url: str, include: Sequence[str], exclude: Sequence[str]
) -> list[str]:
    return discover.filter_urls(discover.parse_feed(content, base_url), include, exclude)


def parse_page_links(html: str, base_url: str, include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    return discover.links_from_page(html, base_url, include, exclude)


def parse_sitemap_links(
    content: bytes, base_url: str, include: Sequence[str], exclude: Sequence[str]
) -> discover.SitemapResult:
    """The sitemap's page URLs (filtered) and its child sitemaps."""
    sitemap = discover.parse_sitemap(content, base_url)
    urls = discover.filter_urls(sitemap.urls, include, exclude)
    return discover.SitemapResult(urls=tuple(urls), sitemaps=sitemap.sitemaps)


def _feed_links(state: RunState, result: FetchResult, base_url: str) -> Awaitable[list[str]]:
    sources = state.settings.sources
    return state.pool.call(parse_feed_links, result.content, base_url, sources.include, sources.exclude)


def _page_links(state: RunState, result: FetchResult, base_url: str) -> Awaitable[list[str]]:
    sources = state.settings.sources
    html = result.text if result.text is not None else result.content.decode("utf-8", "replace")
    return state.pool.call(parse_page_links, html, base_url, sources.include, sources.exclude)


def _enqueue(state: RunState, urls: Iterable[str], *, source: str) -> int:
    new = state.store.enqueue(urls, source=source, now=state.clock())
    log.debug("%s: %d new URLs", source, new)
    return new


async def _fetch_source(state: RunState, url: str, kind: str, *, accept: Accept) -> FetchResult | None:
    """Fetch a feed, sitemap or section page; a failure is recorded as a FAILED "discovery" outcome."""
    result = await fetch_captured(state.fetcher, url, None, accept=accept)
    if result.ok:
        return result
    url = redact_url(url)  # a source given with credentials fails as invalid_url: shown without them
    detail = result.error.message if result.error else (result.skip_reason or result.status.value)
    if result.status is FetchStatus.SKIPPED:
        log.info("%s %s skipped: %s", kind, url, detail)
        state.record(Outcome(url, OutcomeKind.SKIPPED, result.skip_reason, detail))
    else:
        log.warning("%s %s could not be fetched: %s", kind, url, detail)
        state.record(Outcome(url, OutcomeKind.FAILED, ErrorKind.DISCOVERY, detail))
    return None


def _parse_failed(state: RunState, url: str, kind: str, exc: Exception) -> None:
    """The source fails: reason "discovery", or the limit its parse ran past (extraction_timeout,
    extraction_memory)."""
    log.warning("%s %s could not be parsed: %s", kind, url, exc)
    state.record(Outcome(url, OutcomeKind.FAILED, _parse_failure_reason(exc), str(exc)))


def _parse_failure_reason(exc: Exception) -> ErrorKind:
    if isinstance(exc, ExtractionTimeoutError | ExtractionMemoryError):
        return ErrorKind(exc.kind)
    return ErrorKind.DISCOVERY


async def _discover_from(
    state: RunState,
    url: str,
    kind: str,
    links_of: Callable[[RunState, FetchResult, str], Awaitable[list[str]]],
    *,
    accept: Accept = "xml",
) -> int:
    result = await _fetch_source(state, url, kind, accept=accept)
    if result is None:
        return 0
    try:
        links = await links_of(state, result, result.final_url or url)
    except ConfigError:
        raise  # a bad include/exclude pattern is the user's to fix, not this source's failure
    except Exception as exc:  # DiscoveryError, or a parser bug: this source fails, the run goes on
        _parse_failed(state, url, kind, exc)
        return 0
    return _enqueue(state, links, source=f"{kind}:{url}")


async def _discover_sitemaps(state: RunState, root: str) -> int:
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
            sitemap = await state.pool.call(
                parse_sitemap_links, result.content, result.final_url or url, sources.include, sources.exclude
            )
        except ConfigError:
            raise
        except Exception as exc:
            _parse_failed(state, url, "sitemap", exc)
            continue
        pending.extend(sitemap.sitemaps)
        new += _enqueue(state, sitemap.urls, source=f"sitemap:{url}")
    return new
