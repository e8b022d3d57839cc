"""Discovery, the first phase of a run: the sources' URLs (given, from files, feeds, sitemaps and section
pages) normalised, filtered and enqueued in the store, which is the frontier. Parsing is `discover`'s,
run in the extraction pool's worker processes under its limits."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from .. import discover
from ..errors import ConfigError, ExtractionMemoryError, ExtractionTimeoutError
from ..models import ErrorKind, FetchResult, FetchStatus, Outcome, OutcomeKind, SkipReason, SourceKind
from ..urls import normalise_url, url_problem
from ._pieces import Accept, fetch_captured, log
from ._state import RunState

__all__ = [
    "Links",
    "discover_sources",
    "parse_feed_links",
    "parse_page_links",
    "parse_sitemap_links",
]

# Child sitemaps followed from sitemap indexes in one run: a bound against an index that lists itself or
# a hostile site's endless chain.
MAX_SITEMAPS_PER_SOURCE = 1000


async def discover_sources(state: RunState) -> int:
    """Enqueue the URLs of every source; return how many were new. An invalid URL from a flag or file is
    that URL's failure (invalid_url); a source that gives no URL is a failed source; both are named in a
    warning, and the other sources still count."""
    sources = state.settings.sources
    if not sources:
        log.info("no sources configured: only URLs already in the store and due are fetched")
    new = 0
    if sources.urls:
        new += _enqueue(state, _valid(state, sources.urls, "--url"), source="url")
    for path in sources.url_files:
        urls = discover.read_url_file(path)
        new += _enqueue(state, _valid(state, urls, str(path)), source=f"file:{path}")
    for feed in sources.feeds:
        new += await _discover_from(state, feed, SourceKind.FEED, _feed_links)
    for sitemap in sources.sitemaps:
        new += await _discover_sitemaps(state, sitemap)
    for page in sources.pages:
        new += await _discover_from(state, page, SourceKind.PAGE, _page_links, accept="html")
    return new


def _valid(state: RunState, urls: Iterable[str], given_in: str) -> Iterator[str]:
    """URLs given by the user, normalised; one that is not a crawlable URL fails (invalid_url)."""
    for url in urls:
        normal = normalise_url(url)
        if normal is None:
            problem = url_problem(url) or "not a crawlable URL"
            log.warning("%s: not a crawlable URL: %r (%s)", given_in, url, problem)
            state.record(Outcome(url, OutcomeKind.FAILED, ErrorKind.INVALID_URL, problem))
        else:
            yield normal


@dataclass(frozen=True, slots=True)
class Links:
    """What a source held: its URLs after the include/exclude filters, how many it held before them
    (a source whose every URL is filtered out did its job; one that held none did not), and for a
    sitemap index its child sitemaps."""

    urls: tuple[str, ...]
    found: int
    sitemaps: tuple[str, ...] = ()


# The parsers below run in the extraction pool's workers, under its limits (module-level, as they are sent
# by name): a hostile feed, sitemap or section page fails as that source, and the event loop never stalls.


def parse_feed_links(content: bytes, base_url: str, include: Sequence[str], exclude: Sequence[str]) -> Links:
    found = discover.parse_feed(content, base_url)
    return Links(tuple(discover.filter_urls(found, include, exclude)), len(found))


def parse_page_links(html: str, base_url: str, include: Sequence[str], exclude: Sequence[str]) -> Links:
    """The page's article links. An `include` pattern also admits links that do not look like articles,
    so the filters are applied by `links_from_page` itself; only a page left with none is read again
    without them, to tell a page whose links were all filtered out from one that had none."""
    urls = discover.links_from_page(html, base_url, include, exclude)
    if urls or not (include or exclude):
        return Links(tuple(urls), len(urls))
    return Links((), len(discover.links_from_page(html, base_url)))


def parse_sitemap_links(
    content: bytes, base_url: str, include: Sequence[str], exclude: Sequence[str]
) -> Links:
    """The sitemap's page URLs (filtered) and its child sitemaps."""
    sitemap = discover.parse_sitemap(content, base_url)
    urls = discover.filter_urls(sitemap.urls, include, exclude)
    return Links(tuple(urls), len(sitemap.urls) + len(sitemap.sitemaps), sitemap.sitemaps)


def _feed_links(state: RunState, result: FetchResult, base_url: str) -> Awaitable[Links]:
    sources = state.settings.sources
    return state.pool.call(parse_feed_links, result.content, base_url, sources.include, sources.exclude)


def _page_links(state: RunState, result: FetchResult, base_url: str) -> Awaitable[Links]:
    sources = state.settings.sources
    html = result.text if result.text is not None else result.content.decode("utf-8", "replace")
    return state.pool.call(parse_page_links, html, base_url, sources.include, sources.exclude)


def _sitemap_links(state: RunState, result: FetchResult, base_url: str) -> Awaitable[Links]:
    sources = state.settings.sources
    return state.pool.call(parse_sitemap_links, result.content, base_url, sources.include, sources.exclude)


def _enqueue(state: RunState, urls: Iterable[str], *, source: str) -> int:
    new = state.store.enqueue(urls, source=source, now=state.clock())
    log.debug("%s: %d new URLs", source, new)
    return new


async def _fetch_source(state: RunState, url: str, kind: SourceKind, *, accept: Accept) -> FetchResult | None:
    """Fetch a feed, sitemap or section page. One robots.txt disallows is skipped by policy; any other
    result but OK (not fetched, deferred by its server, not of its kind) is a failed source."""
    result = await fetch_captured(state.fetcher, url, None, accept=accept)
    if result.ok:
        return result
    if result.status is FetchStatus.SKIPPED and result.skip_reason is SkipReason.ROBOTS:
        log.info("%s %s skipped: robots.txt disallows it", kind, url)
        state.record(Outcome(url, OutcomeKind.SKIPPED, SkipReason.ROBOTS))
        return None
    reason, message = _fetch_problem(result, kind)
    state.source_failed(kind, url, reason, message)
    return None


def _fetch_problem(result: FetchResult, kind: SourceKind) -> tuple[ErrorKind | SkipReason, str]:
    if result.error is not None:
        return result.error.kind, result.error.message
    if result.status is FetchStatus.DEFERRED:
        when = result.retry_at.isoformat() if result.retry_at else "later"
        return ErrorKind.DEFERRED, f"the server asks to retry at {when}"
    if result.status is FetchStatus.SKIPPED:
        reason = result.skip_reason or SkipReason.UNSPECIFIED
        content_type = result.headers.get("content-type", "no Content-Type")
        return reason, f"not a {kind}: the server sent {content_type}"
    return ErrorKind.UNKNOWN, f"fetch ended {result.status.value} without an error"


def _parse_failure_reason(exc: Exception) -> ErrorKind:
    if isinstance(exc, ExtractionTimeoutError | ExtractionMemoryError):
        return ErrorKind(exc.kind)
    return ErrorKind.DISCOVERY


async def _links(
    state: RunState,
    url: str,
    kind: SourceKind,
    links_of: Callable[[RunState, FetchResult, str], Awaitable[Links]],
    *,
    accept: Accept,
) -> Links | None:
    """The links of one source, or None when it failed (recorded as a failed source)."""
    result = await _fetch_source(state, url, kind, accept=accept)
    if result is None:
        return None
    try:
        links = await links_of(state, result, result.final_url or url)
    except ConfigError:
        raise  # a bad include/exclude pattern is the user's to fix, not this source's failure
    except Exception as exc:  # DiscoveryError, or a parser bug: this source fails, the run goes on
        state.source_failed(kind, url, _parse_failure_reason(exc), f"could not be parsed: {exc}")
        return None
    if not links.found:
        state.source_failed(kind, url, ErrorKind.DISCOVERY, f"no URL in it: is it a {kind}?")
        return None
    if not links.urls and not links.sitemaps:
        log.info("%s %s: all %d URLs left out by include/exclude", kind, url, links.found)
    return links


async def _discover_from(
    state: RunState,
    url: str,
    kind: SourceKind,
    links_of: Callable[[RunState, FetchResult, str], Awaitable[Links]],
    *,
    accept: Accept = "xml",
) -> int:
    links = await _links(state, url, kind, links_of, accept=accept)
    return 0 if links is None else _enqueue(state, links.urls, source=f"{kind}:{url}")


async def _discover_sitemaps(state: RunState, root: str) -> int:
    """A sitemap and, for a sitemap index, its children (breadth first, each fetched once)."""
    pending: deque[str] = deque([root])
    seen: set[str] = set()
    new = 0
    while pending and len(seen) < MAX_SITEMAPS_PER_SOURCE:
        url = pending.popleft()
        if url in seen:
            continue
        seen.add(url)
        links = await _links(state, url, SourceKind.SITEMAP, _sitemap_links, accept="xml")
        if links is None:
            continue
        pending.extend(links.sitemaps)
        new += _enqueue(state, links.urls, source=f"sitemap:{url}")
    return new
