"""Bounds on what a server or a setting can make the fetcher hold or do: stacked content encodings,
header values, wide text encodings without a BOM, and per-origin state (robots.txt rules, host slots)
that stays flat in the number of origins."""

from __future__ import annotations

import asyncio
import gc
import itertools
import tracemalloc
from dataclasses import replace

import pytest
from fetch_helpers import HTML, RawServer, Request, page, resolver_to_localhost, respond, run

from scraper.config import FetchSettings
from scraper.errors import FetchError
from scraper.fetch import Fetcher, _robots
from scraper.models import FetchResult, FetchStatus
from tests.hostile.pages import stacked_deflate

pytestmark = pytest.mark.timeout(120)

KIB = 1024
SETTINGS = FetchSettings(
    allow_private=True,
    respect_robots=False,
    delay=0.0,
    attempts=1,
    timeout=5.0,
    connect_timeout=2.0,
    read_timeout=2.0,
)


def fetch_one(routes: dict[str, object], path: str, settings: FetchSettings = SETTINGS) -> FetchResult:
    async def go() -> FetchResult:
        async with RawServer(routes) as server, Fetcher(settings) as fetcher:  # type: ignore[arg-type]
            return await fetcher.fetch(server.url(path))

    return run(go())


# --- stacked content encodings ---------------------------------------------------------------------


@pytest.mark.parametrize("layers", [4, 1500])
def test_more_than_three_stacked_encodings_are_refused(layers: int) -> None:
    # 1,500 stacked deflates raised RecursionError (reported as `protocol`); browsers stop far earlier.
    coding = ", ".join(["deflate"] * layers)
    body = stacked_deflate(HTML, layers)
    result = fetch_one({"/": page(body, headers={"Content-Encoding": coding})}, "/")
    assert result.status is FetchStatus.FAILED
    assert result.error is not None and result.error.kind == "decoding"
    assert f"{layers} stacked content codings" in result.error.message


def test_three_stacked_encodings_are_still_decoded() -> None:
    body = stacked_deflate(HTML, 3)
    result = fetch_one({"/": page(body, headers={"Content-Encoding": "deflate, deflate, deflate"})}, "/")
    assert result.status is FetchStatus.OK, result.error
    assert result.content == HTML


# --- header values -----------------------------------------------------------------------------------


@pytest.mark.parametrize("agent", ["bot/1.0\r\nX-Injected: 1", "bot\n", "bot\rx", "bot\x00x"])
def test_a_user_agent_with_control_characters_is_refused_at_construction(agent: str) -> None:
    with pytest.raises(FetchError, match="user_agent"):
        Fetcher(replace(SETTINGS, user_agent=agent))


def test_an_extra_header_with_control_characters_is_refused_at_construction() -> None:
    with pytest.raises(FetchError, match="X-Token"):
        Fetcher(SETTINGS, headers={"X-Token": "a\r\nb"})
    Fetcher(SETTINGS, headers={"X-Token": "tab\tis fine"})


# --- UTF-16 and UTF-32 without a byte order mark ---------------------------------------------------

WIDE_PAGE = "<html><head><title>Wide</title></head><body><p>Привет, wide text.</p></body></html>"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_a_wide_page_without_bom_is_decoded_not_taken_for_binary(codec: str) -> None:
    body = WIDE_PAGE.encode(codec)
    result = fetch_one({"/": page(body, headers={"Content-Type": "text/html"})}, "/")
    assert result.status is FetchStatus.OK, (result.skip_reason, result.error)
    assert result.text == WIDE_PAGE
    assert result.encoding == codec


# --- robots.txt: size and how many are kept ---------------------------------------------------------

ROBOTS_SETTINGS = replace(SETTINGS, respect_robots=True)


def robots_route(text: str) -> object:
    return page(text.encode(), headers={"Content-Type": "text/plain"})


def fetch_paths_by_host(
    routes: dict[str, object], urls: list[tuple[str, str]], settings: FetchSettings = ROBOTS_SETTINGS
) -> tuple[list[FetchResult], RawServer]:
    """Fetch (host, path) pairs in order; the hosts are names mapped to 127.0.0.1."""
    hosts = sorted({host for host, _ in urls})

    async def go() -> tuple[list[FetchResult], RawServer]:
        async with RawServer(routes) as server:  # type: ignore[arg-type]
            async with Fetcher(settings, resolver=resolver_to_localhost(*hosts)) as fetcher:
                results = [await fetcher.fetch(server.url(path, host)) for host, path in urls]
            return results, server

    return run(go())


def robots_hits(server: RawServer, host: str) -> int:
    return sum(1 for r in server.requests if r.path == "/robots.txt" and r.host == host)


def test_robots_txt_over_the_limit_is_truncated_not_unavailable() -> None:
    # RFC 9309 §2.5: a crawler must parse at least 500 KiB; what lies beyond may be ignored. Refusing the
    # whole file made the host `robots_unavailable`, every URL of it skipped.
    filler = "# filler line of a very long robots.txt\n" * (600 * KIB // 40)
    text = "User-agent: *\nDisallow: /private/\n" + filler + "Disallow: /late/\n"
    routes = {"/robots.txt": robots_route(text), "/page": page(HTML), "/late/x": page(HTML)}
    urls = [("a.test", "/page"), ("a.test", "/private/x"), ("a.test", "/late/x")]
    (ok, private, late), _ = fetch_paths_by_host(routes, urls)
    assert ok.status is FetchStatus.OK, (ok.skip_reason, ok.error)
    assert private.skip_reason == "robots"
    assert late.status is FetchStatus.OK  # the rule past the limit is not read


def test_robots_rules_are_kept_for_a_bounded_number_of_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_robots, "ROBOTS_CACHE_ENTRIES", 2, raising=False)
    routes = {"/robots.txt": robots_route("User-agent: *\nDisallow: /private/\n"), "/p": page(HTML)}
    urls = [("a.test", "/p"), ("b.test", "/p"), ("a.test", "/p"), ("c.test", "/p"), ("b.test", "/p")]
    results, server = fetch_paths_by_host(routes, urls)
    assert all(r.status is FetchStatus.OK for r in results)
    # a stays (used again before c came); b was the least recently used when c came: fetched again.
    assert [robots_hits(server, host) for host in ("a.test", "b.test", "c.test")] == [1, 2, 1]


def test_robots_rules_are_kept_within_a_size_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    big = "User-agent: *\n" + "".join(f"Disallow: /private/{i}/\n" for i in range(2000))
    monkeypatch.setattr(_robots, "ROBOTS_CACHE_BYTES", _robots.robots_cost(big) + 100)

    async def robots(request: Request, writer: asyncio.StreamWriter) -> bool:
        text = big if request.host == "big.test" else "User-agent: *\nDisallow: /x/\n"
        return await respond(writer, 200, text.encode(), {"Content-Type": "text/plain"})

    urls = [("a.test", "/p"), ("big.test", "/p"), ("a.test", "/p"), ("big.test", "/p")]
    results, server = fetch_paths_by_host({"/robots.txt": robots, "/p": page(HTML)}, urls)
    assert all(r.status is FetchStatus.OK for r in results)
    # The big file leaves no room for a; a's return pushes the big one out in turn.
    assert [robots_hits(server, host) for host in ("a.test", "big.test")] == [2, 2]


def test_crawl_delay_survives_the_robots_rules_being_reloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_robots, "ROBOTS_CACHE_ENTRIES", 1, raising=False)
    routes = {"/robots.txt": robots_route("User-agent: *\nCrawl-delay: 0.3\n"), "/p": page(HTML)}
    urls = [("a.test", "/p"), ("b.test", "/p"), ("a.test", "/p"), ("a.test", "/p")]
    _, server = fetch_paths_by_host(routes, urls)
    arrivals = [r.arrived for r in server.requests if r.host == "a.test"]
    assert len(arrivals) == 5  # robots, page, robots again, page, page: the last page reuses the rules
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert min(gaps) >= 0.28, gaps


def test_per_origin_memory_is_flat_in_the_number_of_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each origin's robots.txt parses to ~0.5 MB; kept for the whole run, 60 origins held ~30 MB.
    monkeypatch.setattr(_robots, "ROBOTS_CACHE_BYTES", 4 * 1024 * KIB, raising=False)
    text = "User-agent: *\n" + "".join(f"Disallow: /private/section-{i}/page.html\n" for i in range(1500))
    routes = {"/robots.txt": robots_route(text), "/p": page(HTML)}
    hosts = [f"o{i}.test" for i in range(60)]

    async def go() -> int:
        async with RawServer(routes) as server:  # type: ignore[arg-type]
            # Memory is measured, not time: under tracemalloc on a loaded machine, 60 connections at once
            # to one local server took longer than the module's 2 s connect timeout.
            settings = replace(
                ROBOTS_SETTINGS, delay=0.05, timeout=60.0, connect_timeout=30.0, read_timeout=30.0
            )
            async with Fetcher(settings, resolver=resolver_to_localhost(*hosts)) as fetcher:
                tracemalloc.start()
                try:
                    async for result in fetcher.fetch_many([server.url("/p", host) for host in hosts]):
                        assert result.status is FetchStatus.OK, (result.skip_reason, result.error)
                    await asyncio.sleep(0.1)  # every host's delay has passed: nothing left to remember
                    gc.collect()  # protego's parsed rules are reference cycles: dropped ones wait for the GC
                    return tracemalloc.get_traced_memory()[0]
                finally:
                    tracemalloc.stop()

    held = run(go())
    assert held < 12 * 1024 * KIB, held
