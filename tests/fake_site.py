"""The fake news site on 127.0.0.1, for end-to-end tests and benches. Content is in `tests/sitegen.py`.

    with FakeSite(articles=220, hosts=2) as site:
        site.base_urls                       # ["http://127.0.0.1:PORT0", "http://127.0.0.1:PORT1"]
        site.feed_urls, site.sitemap_urls    # one each per host (/feed.xml, /sitemap_index.xml)
        site.urls_of(ArticleKind.OK)         # expected article URLs, all hosts
        site.bump_version(slugs)             # those articles change: new text, new ETag
        site.stats()                         # requests per path, per host: times, max in flight

Every host is its own ThreadingHTTPServer on its own port (port 0: the kernel picks), so per-host
politeness can be measured at the server. `hostnames=("a.test", "b.test")` puts those names in the
generated URLs instead of 127.0.0.1; map them to 127.0.0.1 with the Fetcher's resolver injection.
`addresses=("127.0.0.2", "127.0.0.3")` binds each host to its own loopback address instead, and names it
in the URLs: hosts that a `scraper run` subprocess (no resolver to inject) and the store, which counts
politeness per host name without the port, tell apart.

Each host serves: ``/`` (latest articles), ``/<section>/`` (all of a section), article pages,
``/amp/...`` twins with a canonical link, ``/tag/x/`` and ``/author/x/`` listings, ``/feed.xml`` (RSS),
``/sitemap_index.xml`` → ``/sitemaps/articles-1.xml``, ``/sitemaps/articles-2.xml.gz`` (gzipped),
``/sitemaps/news.xml`` (Google News), and ``/robots.txt`` (disallows ``/private/``). Every 200 carries
an ETag; a matching If-None-Match gets 304. A RESET article gets no answer: the connection is reset
(logged with status 0).

`FakeSite.datasets(...)` serves the shared evaluation pages instead (see `DatasetSite`).
"""

from __future__ import annotations

import itertools
import os
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import urlsplit

from tests.sitegen import DATASETS_ROOT, ArticleKind, DatasetPage, DatasetSite, NewsSite, Response

__all__ = ["ArticleKind", "FakeSite", "HostStats", "RequestRecord"]


class SiteContent(Protocol):
    base_url: str

    def render(self, path: str) -> Response: ...


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the server saw it. Times are time.monotonic() seconds."""

    path: str  # with the query string
    started: float
    finished: float
    status: int
    user_agent: str


@dataclass(frozen=True, slots=True)
class HostStats:
    """A snapshot of what one host served."""

    base_url: str
    requests: tuple[RequestRecord, ...]
    max_in_flight: int

    @property
    def counts(self) -> Counter[str]:
        """Requests per path (query string removed)."""
        return Counter(r.path.split("?", 1)[0] for r in self.requests)

    def min_gap(self, *, exclude: Sequence[str] = ("/robots.txt",)) -> float | None:
        """Shortest time between the starts of two consecutive requests (None with fewer than two)."""
        starts = sorted(r.started for r in self.requests if r.path.split("?", 1)[0] not in exclude)
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        return min(gaps) if gaps else None


class _Recorder:
    """Thread-safe request log of one host."""

    # A client has its answer before the handler thread logs the request: a snapshot waits this long for
    # requests in flight to be logged, so "fetch, then look at the log" sees the fetch.
    SETTLE_SECONDS = 2.0

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._records: list[RequestRecord] = []
        self._in_flight = 0
        self._max_in_flight = 0

    def enter(self) -> float:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        return time.monotonic()

    def leave(self, record: RequestRecord) -> None:
        with self._lock:
            self._in_flight -= 1
            self._records.append(record)
            self._lock.notify_all()

    def snapshot(self, base_url: str) -> HostStats:
        with self._lock:
            self._lock.wait_for(lambda: self._in_flight == 0, timeout=self.SETTLE_SECONDS)
            return HostStats(base_url, tuple(self._records), self._max_in_flight)

    def reset(self) -> None:
        with self._lock:
            self._records.clear()
            self._max_in_flight = self._in_flight


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle + delayed ACK add 40 ms each.
    disable_nagle_algorithm = True
    server: _HostServer

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, *, head: bool) -> None:
        started = self.server.recorder.enter()
        status = 0
        try:
            status = self._send(self.server.content.render(urlsplit(self.path).path), head=head)
        finally:
            finished = time.monotonic()
            ua = self.headers.get("User-Agent", "")
            self.server.recorder.leave(RequestRecord(self.path, started, finished, status, ua))

    def _send(self, response: Response, *, head: bool) -> int:
        if response.delay:
            time.sleep(response.delay)
        if response.reset:
            self._reset()
            return 0
        etag = response.etag
        not_modified = response.status == 200 and etag in _etags(self.headers.get("If-None-Match"))
        status = 304 if not_modified else response.status
        body = b"" if not_modified or head else response.body
        self.send_response(status)
        self.send_header("Content-Type", response.content_type)
        if response.status == 200:
            self.send_header("ETag", etag)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if not head else len(response.body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        return status

    def _reset(self) -> None:
        """Drop the connection with a TCP RST: SO_LINGER 0, then close the descriptor itself (closing the
        socket object would wait for the handler's file objects, and the server's shutdown sends a FIN)."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(self.connection.detach())

    def log_message(self, format: str, *args: object) -> None:
        pass  # tests read stats(), not a log on stderr


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


class _HostServer(ThreadingHTTPServer):
    daemon_threads = True  # a slow page must not keep the test process alive
    request_queue_size = 128  # the default backlog of 5 refuses connections under a bench's load
    content: SiteContent
    recorder: _Recorder

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        # A client that went away mid-request (a worker killed by a test, a reset connection) is part of
        # the tests; its traceback would land in whichever test's captured stderr is current.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class FakeSite:
    """N fake news hosts on 127.0.0.1, one server and port each. A context manager (or start/stop)."""

    def __init__(
        self,
        *,
        articles: int = 220,
        hosts: int = 1,
        hostnames: Sequence[str] | None = None,
        seed: int = 0,
        failing: int = 3,
        missing: int = 3,
        slow: int = 2,
        private: int = 2,
        files: int = 1,
        amp: int = 3,
        slow_seconds: float = 1.0,
        latency: float = 0.0,
        reset: int = 0,
        addresses: Sequence[str] | None = None,
    ) -> None:
        """`articles` and each special count are per host; article ids are unique over all hosts.

        `slow_seconds` is how long SLOW articles take; `latency` is added to every article page (not to
        feeds, sitemaps or listings), so that a run lasts long enough to be killed halfway. `reset` is
        the number of RESET articles per host; `addresses` the loopback address of each host.
        """
        if hostnames is not None and len(hostnames) != hosts:
            raise ValueError("give one host name per host")
        if addresses is not None and (len(addresses) != hosts or hostnames is not None):
            raise ValueError("give one address per host, and no host names with them")
        binds = list(addresses) if addresses is not None else ["127.0.0.1"] * hosts
        self._servers = [_start_server(address) for address in binds]
        self.sites: list[NewsSite] = []
        for index, server in enumerate(self._servers):
            name = hostnames[index] if hostnames else binds[index]
            site = NewsSite(
                f"http://{name}:{server.server_address[1]}",
                articles=articles,
                seed=seed + index,
                id_offset=index * 100_000,
                failing=failing,
                missing=missing,
                slow=slow,
                private=private,
                files=files,
                amp=amp,
                slow_seconds=slow_seconds,
                latency=latency,
                reset=reset,
            )
            server.content = site
            self.sites.append(site)
        self._threads: list[threading.Thread] = []

    @classmethod
    def datasets(
        cls,
        names: Sequence[str] = ("scrapinghub", "wcxb-dev"),
        *,
        hosts: int = 1,
        hostnames: Sequence[str] | None = None,
        root: Path = DATASETS_ROOT,
        limit: int | None = None,
    ) -> DatasetFakeSite:
        """Serve the pages of the shared datasets, spread round-robin over `hosts` hosts."""
        return DatasetFakeSite(names, hosts=hosts, hostnames=hostnames, root=root, limit=limit)

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- what the site holds --------------------------------------------------------------------

    @property
    def base_urls(self) -> list[str]:
        return [site.base_url for site in self.sites]

    @property
    def base_url(self) -> str:
        return self.sites[0].base_url

    @property
    def ports(self) -> list[int]:
        return [server.server_address[1] for server in self._servers]

    @property
    def feed_urls(self) -> list[str]:
        return [site.url("/feed.xml") for site in self.sites]

    @property
    def sitemap_urls(self) -> list[str]:
        return [site.url("/sitemap_index.xml") for site in self.sites]

    @property
    def home_urls(self) -> list[str]:
        return [site.url("/") for site in self.sites]

    def urls_of(self, *kinds: ArticleKind) -> list[str]:
        """Article URLs of these kinds on every host (all kinds when none is given)."""
        return [url for site in self.sites for url in site.urls_of(*kinds)]

    @property
    def amp_urls(self) -> list[str]:
        """Second URLs of some OK articles; their canonical link names the first."""
        return [url for site in self.sites for url in site.amp_urls]

    def site_of(self, url: str) -> NewsSite:
        return next(site for site in self.sites if url.startswith(site.base_url + "/"))

    def slug_of(self, url: str) -> str:
        return url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".pdf")

    def article_text(self, url: str) -> str:
        """The current body text of the article at `url`: its paragraphs, one per line."""
        return self.site_of(url).article_text(self.slug_of(url))

    def article_paragraphs(self, url: str) -> tuple[str, ...]:
        """The current paragraphs of the article at `url`. Compare with the stored text split on
        newlines, blank lines dropped: extractors differ in how many newlines part two paragraphs."""
        return self.site_of(url).paragraphs(self.slug_of(url))

    def bump_version(self, slugs: Iterable[str]) -> list[str]:
        """Change the text of these articles (by slug, on whichever host has them); return those found."""
        wanted = list(slugs)
        return [slug for site in self.sites for slug in site.bump_version(wanted)]

    # --- what the server saw --------------------------------------------------------------------

    def stats(self) -> list[HostStats]:
        """Per host, in host order: every request so far and the most requests in flight at once."""
        return [server.recorder.snapshot(server.content.base_url) for server in self._servers]

    def request_counts(self) -> Counter[str]:
        """Requests per absolute URL (query string removed), all hosts."""
        counts: Counter[str] = Counter()
        for host in self.stats():
            counts.update({host.base_url + path: n for path, n in host.counts.items()})
        return counts

    def reset_stats(self) -> None:
        for server in self._servers:
            server.recorder.reset()


class DatasetFakeSite(FakeSite):
    """FakeSite serving the shared dataset pages (`DatasetSite` per host) instead of generated news."""

    def __init__(
        self,
        names: Sequence[str],
        *,
        hosts: int,
        hostnames: Sequence[str] | None,
        root: Path,
        limit: int | None,
    ) -> None:
        if hostnames is not None and len(hostnames) != hosts:
            raise ValueError("give one host name per host")
        pages = DatasetSite.list_pages(names, root)[:limit]
        self._servers = [_start_server() for _ in range(hosts)]
        self.sites = []
        self.dataset_sites: list[DatasetSite] = []
        for index, server in enumerate(self._servers):
            name = hostnames[index] if hostnames else "127.0.0.1"
            site = DatasetSite(f"http://{name}:{server.server_address[1]}", pages[index::hosts], root)
            server.content = site
            self.dataset_sites.append(site)
        self._threads = []

    @property
    def base_urls(self) -> list[str]:
        return [site.base_url for site in self.dataset_sites]

    @property
    def base_url(self) -> str:
        return self.dataset_sites[0].base_url

    @property
    def feed_urls(self) -> list[str]:
        return [site.url("/feed.xml") for site in self.dataset_sites]

    @property
    def sitemap_urls(self) -> list[str]:
        return [site.url("/sitemap.xml") for site in self.dataset_sites]

    @property
    def pages(self) -> list[tuple[str, DatasetPage]]:
        """(absolute URL, page) of every served page: the page names its dataset and ground-truth id."""
        return [(site.url(page.path), page) for site in self.dataset_sites for page in site.pages]


def _start_server(address: str = "127.0.0.1") -> _HostServer:
    server = _HostServer((address, 0), _Handler)
    server.recorder = _Recorder()
    return server
