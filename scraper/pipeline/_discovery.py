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
from ..urls import normalise_url, redact_url, url_problem
from ._pieces import Accept, fetch_captured, log
from ._state import RunState

__all__ = [
    "Links",
    "discover_sources",
    "parse_feed_links",
    "parse_page_links",
    "parse_sitemap_links",
]


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
        url_file = discover.read_url_file(path)
        for number, shown in url_file.not_utf8:
            _failed_url(state, shown, f"line {number} of {path}: not UTF-8 text")
        new += _enqueue(state, _valid(state, url_file.urls, str(path)), source=f"file:{path}")
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
            _failed_url(
                state, url, f"{given_in}: not a crawlable URL: {redact_url(url)!r} ({problem})", problem
            )
        else:
            yield normal


def _failed_url(state: RunState, url: str, warning: str, problem: str | None = None) -> None:
    """A line or flag that gives no URL to crawl: named in a warning, and its failure (invalid_url)."""
    log.warning("%s", warning)
    state.record(Outcome(redact_url(url), OutcomeKind.FAILED, ErrorKind.INVALID_URL, problem or warning))


@dataclass(frozen=True, slots=True)
class Links:
    """What a source held: its URLs after the include/exclude filters, how many it held before them
    (a source whose every URL is filtered out did its job; one that held none did not), and for a
    sitemap index its child sitemaps."""

    urls: tuple[str, ...]
    found: int
    sitemaps: tuple[str, ...] = ()
    more_sitemaps: bool = False  # more child sitemaps than its source may fetch, so not all are here


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
    content: bytes, base_url: str, include: Sequence[str], exclude: Sequence[str], max_sitemaps: int
) -> Links:
    """The sitemap's page URLs (filtered) and its first `max_sitemaps` child sitemaps: the most its source
    may fetch in all, so whichever of them the source already knows, the ones it may still queue are here."""
    sitemap = discover.parse_sitemap(content, base_url, max_sitemaps=max_sitemaps)
    urls = discover.filter_urls(sitemap.urls, include, exclude)
    found = len(sitemap.urls) + len(sitemap.sitemaps)
    return Links(tuple(urls), found, sitemap.sitemaps, sitemap.more_sitemaps)


def _feed_links(state: RunState, result: FetchResult, base_url: str) -> Awaitable[Links]:
    sources = state.settings.sources
    return state.pool.call(parse_feed_links, result.content, base_url, sources.include, sources.exclude)


def _page_links(state: RunState, result: FetchResult, base_url: str) -> Awaitable[Links]:
    sources = state.settings.sources
    html = result.text if result.text is not None else result.content.decode("utf-8", "replace")
    return state.pool.call(parse_page_links, html, base_url, sources.include, sources.exclude)


def _sitemap_links(state: RunState, result: FetchResult, base_url: str) -> Awaitable[Links]:
    sources = state.settings.sources
    return state.pool.call(
        parse_sitemap_links, result.content, base_url, sources.include, sources.exclude, sources.max_sitemaps
    )


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
    url = redact_url(url)  # a source given with credentials fails as invalid_url: shown without them
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
    if links is None:
        return 0
    budget = _UrlBudget(state.settings.sources.max_urls)
    new = _enqueue(state, budget.take(links.urls), source=f"{kind}:{url}")
    if budget.exhausted:
        state.limit_reached("sources.max_urls", f"{kind} {url}")
    return new


class _UrlBudget:
    """The URLs one source may still enqueue in this run (`sources.max_urls`), over all its sitemaps: one
    source cannot fill the frontier with millions of URLs, however many indexes it chains."""

    def __init__(self, limit: int) -> None:
        self._left = limit
        self.exhausted = False

    def take(self, urls: Sequence[str]) -> Sequence[str]:
        if len(urls) > self._left:
            self.exhausted = True
        taken = urls[: self._left]
        self._left -= len(taken)
        return taken


class _SitemapQueue:
    """The sitemaps of one source still to fetch, breadth first: each one once, however many indexes list
    it, and at most `sources.max_sitemaps` of them, so an index that lists itself, a hostile chain of
    indexes or 50,000 children per index cost bounded time and memory."""

    def __init__(self, root: str, limit: int) -> None:
        self._pending: deque[str] = deque([root])
        self._known = {root}  # queued or fetched: at most `limit`
        self._limit = limit
        self.capped = False

    def __bool__(self) -> bool:
        return bool(self._pending)

    def pop(self) -> str:
        return self._pending.popleft()

    def add(self, children: Iterable[str], *, more: bool = False) -> None:
        """Queue the unseen children; `more`: the index listed others, past what the source may fetch."""
        self.capped |= more
        for child in children:
            if child in self._known:
                continue
            if len(self._known) >= self._limit:
                self.capped = True
                return
            self._known.add(child)
            self._pending.append(child)


async def _discover_sitemaps(state: RunState, root: str) -> int:
    """A sitemap and, for a sitemap index, its children, within the source's caps."""
    sources = state.settings.sources
    queue = _SitemapQueue(root, sources.max_sitemaps)
    budget = _UrlBudget(sources.max_urls)
    new = 0
    while queue and not budget.exhausted:
        url = queue.pop()
        links = await _links(state, url, SourceKind.SITEMAP, _sitemap_links, accept="xml")
        if links is None:
            continue
        queue.add(links.sitemaps, more=links.more_sitemaps)
        new += _enqueue(state, budget.take(links.urls), source=f"sitemap:{url}")
    if queue.capped:
        state.limit_reached("sources.max_sitemaps", f"sitemap {root}")
    if budget.exhausted:
        state.limit_reached("sources.max_urls", f"sitemap {root}")
    return new
