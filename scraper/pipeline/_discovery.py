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
    budget = _UrlBudget(state.settings.sources.max_urls)
    new = _enqueue(state, budget.take(links), source=f"{kind}:{url}")
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

    def add(self, children: Iterable[str]) -> None:
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
        sitemap = await _sitemap(state, url)
        if sitemap is None:
            continue
        queue.add(sitemap.sitemaps)
        new += _enqueue(state, budget.take(sitemap.urls), source=f"sitemap:{url}")
    if queue.capped:
        state.limit_reached("sources.max_sitemaps", f"sitemap {root}")
    if budget.exhausted:
        state.limit_reached("sources.max_urls", f"sitemap {root}")
    return new


async def _sitemap(state: RunState, url: str) -> discover.SitemapResult | None:
    """One sitemap fetched and parsed (in a worker, filtered); None when it failed, as that source."""
    sources = state.settings.sources
    result = await _fetch_source(state, url, "sitemap", accept="xml")
    if result is None:
        return None
    try:
        return await state.pool.call(
            parse_sitemap_links, result.content, result.final_url or url, sources.include, sources.exclude
        )
    except ConfigError:
        raise
    except Exception as exc:
        _parse_failed(state, url, "sitemap", exc)
        return None
