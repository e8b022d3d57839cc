"""The fetcher against a real, misbehaving server on 127.0.0.1 (see fetch_helpers.RawServer)."""

from __future__ import annotations

import asyncio
import functools
import gzip
import itertools
import struct
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import replace

import brotli
import pytest
import zstandard
from fetch_helpers import (
    HTML,
    RawServer,
    Request,
    page,
    reset_connection,
    resolver_to_localhost,
    respond,
    response_head,
    run,
    stream_chunks,
)

from scraper.config import FetchSettings
from scraper.fetch import Fetcher
from scraper.models import FetchResult, FetchStatus

pytestmark = pytest.mark.timeout(60)

MIB = 1024 * 1024
GIB = 1024 * MIB
# Wire tests talk to 127.0.0.1, so the address guard is lifted here; test_address_guard.py covers it.
SETTINGS = FetchSettings(
    allow_private=True,
    respect_robots=False,
    delay=0.0,
    attempts=1,
    backoff=0.05,
    timeout=5.0,
    connect_timeout=2.0,
    read_timeout=2.0,
)
Writer = asyncio.StreamWriter
Route = Callable[[Request, Writer], Awaitable[bool | None]]


async def fetch_from(
    server: RawServer, path: str, settings: FetchSettings = SETTINGS, **kw: object
) -> FetchResult:
    async with Fetcher(settings) as fetcher:
        return await fetcher.fetch(server.url(path), **kw)  # type: ignore[arg-type]


def serve_and_fetch(
    routes: dict[str, Route], path: str, settings: FetchSettings = SETTINGS
) -> tuple[FetchResult, RawServer]:
    async def go() -> tuple[FetchResult, RawServer]:
        async with RawServer(routes) as server:
            return await fetch_from(server, path, settings), server

    return run(go())


def error_kind(result: FetchResult) -> str | None:
    return result.error.kind if result.error else None


# --- servers that hang, trickle, reset or cut bodies short ----------------------------------------


async def never_answers(request: Request, writer: Writer) -> None:
    await asyncio.sleep(3600)


async def trickles(request: Request, writer: Writer) -> None:
    writer.write(response_head(200, {"Content-Type": "text/html", "Content-Length": "200"}))
    for _ in range(200):
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(0.5)


async def resets(request: Request, writer: Writer) -> None:
    reset_connection(writer)


async def truncated_body(request: Request, writer: Writer) -> None:
    writer.write(response_head(200, {"Content-Type": "text/html", "Content-Length": "1000"}) + b"<html>cut")
    await writer.drain()


async def broken_chunk_header(request: Request, writer: Writer) -> None:
    head = response_head(200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
    writer.write(head + b"5\r\n<html\r\nzz\r\n")
    await writer.drain()


async def chunked_cut_short(request: Request, writer: Writer) -> None:
    head = response_head(200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
    writer.write(head + b"6\r\n<html>\r\n")
    await writer.drain()


def test_server_that_never_answers_times_out() -> None:
    result, _server = serve_and_fetch({"/": never_answers}, "/", replace(SETTINGS, timeout=1.0))
    assert result.status is FetchStatus.FAILED
    assert error_kind(result) == "timeout"
    assert result.http_status is None


def test_trickling_server_trips_the_total_deadline() -> None:
    # Each byte arrives well within the read timeout; only the whole-attempt deadline can stop this.
    settings = replace(SETTINGS, timeout=1.5, read_timeout=5.0)
    result, _ = serve_and_fetch({"/": trickles}, "/", settings)
    assert error_kind(result) == "timeout"
    assert result.content == b"" and result.text is None


def test_connection_reset_is_a_connect_failure_and_retried() -> None:
    result, server = serve_and_fetch({"/": resets}, "/", replace(SETTINGS, attempts=2))
    assert error_kind(result) == "connect"
    assert result.attempts == 2
    assert server.hits("/") == 2


def test_body_shorter_than_content_length_is_truncated() -> None:
    result, _ = serve_and_fetch({"/": truncated_body}, "/")
    assert result.status is FetchStatus.FAILED
    assert error_kind(result) == "truncated"
    assert result.content == b""


def test_broken_chunked_encoding_is_a_protocol_error() -> None:
    result, _ = serve_and_fetch({"/": broken_chunk_header}, "/")
    assert error_kind(result) == "protocol"


def test_chunked_body_cut_short_is_truncated() -> None:
    result, _ = serve_and_fetch({"/": chunked_cut_short}, "/")
    assert error_kind(result) == "truncated"


def test_oversized_identity_body_is_refused_whole() -> None:
    body = b"<html>" + b"a" * 5000
    settings = replace(SETTINGS, max_size=4096)
    result, _ = serve_and_fetch({"/": page(body)}, "/", settings)
    assert error_kind(result) == "too_large"
    assert result.content == b"" and result.text is None

    async def no_length(request: Request, writer: Writer) -> None:  # close-delimited: counted while streaming
        writer.write(response_head(200, {"Content-Type": "text/html"}) + body)
        await writer.drain()

    result, _ = serve_and_fetch({"/": no_length}, "/", settings)
    assert error_kind(result) == "too_large"


# --- content encodings ----------------------------------------------------------------------------


def deflate_raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": lambda data: brotli.compress(data, quality=5),
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
}
BIG_HTML = (
    b"<html><body>"
    + b"".join(b"<p>paragraph %d of the article</p>" % i for i in range(20000))
    + b"</body></html>"
)


def encoded_page(body: bytes, encoding: str) -> Route:
    return page(body, headers={"Content-Encoding": encoding})


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_each_content_encoding_is_decoded(encoding: str) -> None:
    result, _ = serve_and_fetch({"/": encoded_page(ENCODERS[encoding](BIG_HTML), encoding)}, "/")
    assert result.status is FetchStatus.OK, result.error
    assert result.content == BIG_HTML
    assert result.text is not None and "paragraph 19999" in result.text


def test_raw_deflate_and_stacked_encodings_are_decoded() -> None:
    result, _ = serve_and_fetch({"/": encoded_page(deflate_raw(HTML), "deflate")}, "/")
    assert result.content == HTML
    stacked = brotli.compress(gzip.compress(HTML))  # "gzip, br": gzip applied first
    result, _ = serve_and_fetch({"/": encoded_page(stacked, "gzip, br")}, "/")
    assert result.content == HTML


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_compressed_stream_cut_short_is_truncated(encoding: str) -> None:
    compressed = ENCODERS[encoding](BIG_HTML)
    result, _ = serve_and_fetch({"/": encoded_page(compressed[: len(compressed) // 2], encoding)}, "/")
    assert result.status is FetchStatus.FAILED
    assert error_kind(result) == "truncated"


def test_corrupt_compressed_body_is_a_decoding_error() -> None:
    result, _ = serve_and_fetch({"/": encoded_page(b"\x1f\x8b\x08\x00garbage-garbage", "gzip")}, "/")
    assert error_kind(result) == "decoding"


def test_unknown_content_encoding_is_a_decoding_error() -> None:
    result, _ = serve_and_fetch({"/": encoded_page(b"abc", "lzma")}, "/")
    assert error_kind(result) == "decoding"


# --- compression bombs: 1 GiB decoded -------------------------------------------------------------


def _deflate_stream_of_zeros(size: int) -> bytes:
    """Raw deflate of `size` zero bytes, built from one full-flushed 1 MiB block repeated (a full flush makes
    each block independent), which is far quicker than compressing 1 GiB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (size // MIB) + compressor.flush()


def make_bomb(encoding: str, size: int) -> bytes:
    """`size` zero bytes (a multiple of 1 MiB), compressed as `encoding`, as a valid stream."""
    zeros, blocks = bytes(MIB), size // MIB
    if encoding == "gzip":
        crc = functools.reduce(lambda value, _: zlib.crc32(zeros, value), range(blocks), 0)
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
        return header + _deflate_stream_of_zeros(size) + struct.pack("<II", crc, size & 0xFFFFFFFF)
    if encoding == "deflate":
        adler = functools.reduce(lambda value, _: zlib.adler32(zeros, value), range(blocks), 1)
        return b"\x78\xda" + _deflate_stream_of_zeros(size) + struct.pack(">I", adler)
    if encoding == "br":
        compressor = brotli.Compressor(quality=1)
        return b"".join([*(compressor.process(zeros) for _ in range(blocks)), compressor.finish()])
    zcompressor = zstandard.ZstdCompressor(level=1).compressobj()
    return b"".join([*(zcompressor.compress(zeros) for _ in range(blocks)), zcompressor.flush()])


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_bomb_builder_makes_valid_streams(encoding: str) -> None:
    # The repeated-block trick must give a valid stream of the stated size (checked at 64 MiB for speed).
    size = 64 * MIB
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
    data, total = make_bomb(encoding, size), 0
    while data:
        total += len(decoder.decompress(data, 16 * MIB))
        data = decoder.unconsumed_tail
    assert total == size and decoder.eof and not decoder.unused_data


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_compression_bomb_is_too_large_and_memory_stays_bounded(encoding: str) -> None:
    payload = make_bomb(encoding, GIB)
    cap = 10 * MIB

    async def send_bomb(request: Request, writer: Writer) -> None:
        head = {
            "Content-Type": "text/html",
            "Content-Encoding": encoding,
            "Content-Length": str(len(payload)),
        }
        writer.write(response_head(200, head))
        view = memoryview(payload)
        await stream_chunks(writer, (bytes(view[i : i + 65536]) for i in range(0, len(view), 65536)))

    async def go() -> tuple[FetchResult, int]:
        async with RawServer({"/": send_bomb}) as server:
            tracemalloc.start()
            try:
                result = await fetch_from(server, "/", replace(SETTINGS, max_size=cap, timeout=30.0))
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            return result, peak

    result, peak = run(go())
    assert result.status is FetchStatus.FAILED
    assert error_kind(result) == "too_large"
    assert result.content == b""
    print(f"{encoding} bomb: {len(payload)} bytes on the wire, peak traced memory {peak / MIB:.1f} MiB")
    assert peak < cap + 70 * MIB, f"peak {peak / MIB:.1f} MiB"


# --- redirects over the wire ----------------------------------------------------------------------


def redirect(location: str, status: int = 302) -> Route:
    async def handler(request: Request, writer: Writer) -> bool:
        return await respond(writer, status, b"", {"Location": location})

    return handler


def test_redirect_loop_ends_with_too_many_redirects() -> None:
    routes = {"/a": redirect("/b"), "/b": redirect("/a")}
    result, server = serve_and_fetch(routes, "/a", replace(SETTINGS, max_redirects=3))
    assert error_kind(result) == "too_many_redirects"
    assert len(server.requests) == 4


def test_redirect_chain_records_the_final_url() -> None:
    routes = {"/old": redirect("/new", 301), "/new": page(HTML)}
    result, server = serve_and_fetch(routes, "/old")
    assert result.status is FetchStatus.OK
    assert result.final_url == server.url("/new")
    assert result.url == server.url("/old")


def test_redirect_to_file_is_refused() -> None:
    result, _server = serve_and_fetch({"/": redirect("file:///etc/passwd")}, "/")
    assert error_kind(result) == "invalid_url"


# --- robots.txt -----------------------------------------------------------------------------------


ROBOTS_SETTINGS = replace(SETTINGS, respect_robots=True)


def robots(text: str) -> Route:
    return page(text.encode(), headers={"Content-Type": "text/plain"})


def test_robots_disallow_skips_without_requesting_and_is_fetched_once() -> None:
    routes = {"/robots.txt": robots("User-agent: *\nDisallow: /private\n"), "/open": page(HTML)}

    async def go() -> tuple[list[FetchResult], RawServer]:
        async with RawServer(routes) as server, Fetcher(ROBOTS_SETTINGS) as fetcher:
            urls = [server.url("/private/1"), server.url("/open"), server.url("/private/2")]
            return [r async for r in fetcher.fetch_many(urls)], server

    results, server = run(go())
    by_path = {r.url.rsplit("/", 2)[-2] + "/" + r.url.rsplit("/", 1)[-1]: r for r in results}
    assert by_path["private/1"].status is FetchStatus.SKIPPED
    assert by_path["private/1"].skip_reason == "robots"
    assert by_path["private/2"].skip_reason == "robots"
    assert results[0].error is None
    assert server.hits("/private/1") == 0 and server.hits("/private/2") == 0
    assert server.hits("/robots.txt") == 1
    assert next(r for r in results if r.status is FetchStatus.OK).url.endswith("/open")


def test_robots_404_allows_everything() -> None:
    result, server = serve_and_fetch({"/page": page(HTML)}, "/page", ROBOTS_SETTINGS)
    assert result.status is FetchStatus.OK
    assert server.hits("/robots.txt") == 1


def test_robots_500_fails_the_url_without_requesting_it() -> None:
    routes = {"/robots.txt": page(b"oops", status=500), "/page": page(HTML)}
    result, server = serve_and_fetch(routes, "/page", ROBOTS_SETTINGS)
    assert result.status is FetchStatus.FAILED
    assert result.error is not None and result.error.kind == "robots_unavailable"
    assert "answered HTTP 500" in result.error.message
    assert server.hits("/page") == 0


def test_robots_crawl_delay_spaces_requests_at_the_server() -> None:
    crawl_delay = 0.6
    routes = {"/robots.txt": robots(f"User-agent: *\nCrawl-delay: {crawl_delay}\n")}
    routes.update({f"/p{i}": page(HTML) for i in range(3)})

    async def go() -> RawServer:
        async with (
            RawServer(routes) as server,
            Fetcher(replace(ROBOTS_SETTINGS, per_host_concurrency=2)) as f,
        ):
            results = [r async for r in f.fetch_many([server.url(f"/p{i}") for i in range(3)])]
            assert all(r.ok for r in results)
            return server

    server = run(go())
    starts = [r.arrived for r in server.requests]
    assert len(starts) == 4  # robots.txt and three pages
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= crawl_delay - 0.05, gaps


# --- Retry-After ----------------------------------------------------------------------------------


def busy_then_ok(retry_after: str) -> Route:
    calls = 0

    async def handler(request: Request, writer: Writer) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            return await respond(writer, 503, b"busy", {"Retry-After": retry_after})
        return await respond(writer, 200, HTML)

    return handler


def test_503_with_small_retry_after_is_retried_after_the_wait() -> None:
    result, server = serve_and_fetch({"/": busy_then_ok("1")}, "/", replace(SETTINGS, attempts=3))
    assert result.status is FetchStatus.OK
    assert result.attempts == 2
    first, second = (r.arrived for r in server.requests)
    assert second - first >= 1.0 - 0.05


def test_503_with_huge_retry_after_is_deferred_not_slept_on() -> None:
    result, server = serve_and_fetch({"/": busy_then_ok("86400")}, "/", replace(SETTINGS, attempts=3))
    assert result.status is FetchStatus.DEFERRED
    assert result.retry_at is not None
    assert result.http_status == 503
    assert server.hits("/") == 1


# --- politeness measured at the server ------------------------------------------------------------


def test_per_host_concurrency_and_delay_hold_at_the_server() -> None:
    hosts = ["a.test", "b.test", "c.test"]
    delay, per_host, concurrency = 0.1, 2, 4

    async def slow_page(request: Request, writer: Writer) -> bool:
        await asyncio.sleep(0.3)  # longer than the delay, so requests to one host overlap
        return await respond(writer, 200, HTML)

    settings = replace(SETTINGS, delay=delay, per_host_concurrency=per_host, concurrency=concurrency)

    async def go() -> tuple[list[FetchResult], RawServer]:
        routes: dict[str, Route] = {f"/{i}": slow_page for i in range(5)}
        resolver = resolver_to_localhost(*hosts)
        async with RawServer(routes) as server, Fetcher(settings, resolver=resolver) as fetcher:
            urls = [server.url(f"/{i}", host) for i in range(5) for host in hosts]
            return [r async for r in fetcher.fetch_many(urls)], server

    results, server = run(go())
    assert len(results) == 15 and all(r.ok for r in results)
    for host in hosts:
        starts = sorted(r.arrived for r in server.requests if r.host == host)
        assert len(starts) == 5
        assert min(b - a for a, b in itertools.pairwise(starts)) >= delay - 0.02
        assert server.max_in_flight[host] <= per_host
    assert max(server.max_in_flight.values()) == per_host  # the limit was reached, not merely unneeded
    assert server.max_in_flight_total <= concurrency


class RecordingGate:
    """A HostGate that records each turn: how many requests the server had seen when it was taken, and
    the delay it was ended with. Each turn is held for `hold` seconds first, as when another worker has
    the host."""

    def __init__(self, server: RawServer, hold: float) -> None:
        self.server = server
        self.hold = hold
        self.events: list[tuple[str, str, float]] = []

    async def take_turn(self, url: str) -> Callable[[float], None]:
        path = "/" + url.split("/", 3)[3]
        self.events.append(("take", path, len(self.server.requests)))
        await asyncio.sleep(self.hold)

        def end(delay: float) -> None:
            self.events.append(("end", path, delay))

        return end


def test_every_request_waits_for_the_shared_host_turn_and_ends_it_with_the_delay() -> None:
    answers = iter([500, 500, 200])

    async def flaky(request: Request, writer: Writer) -> bool:
        return await respond(writer, next(answers), HTML)

    routes = {
        "/robots.txt": robots("User-agent: *\nCrawl-delay: 0.1\n"),
        "/flaky": flaky,
        "/page": page(HTML),
    }
    settings = replace(ROBOTS_SETTINGS, delay=0.05, attempts=3, backoff=0.01)

    async def go() -> tuple[RecordingGate, RawServer, list[FetchResult]]:
        async with RawServer(routes) as server:
            gate = RecordingGate(server, hold=0.2)
            async with Fetcher(settings, host_gate=gate) as fetcher:
                results = [await fetcher.fetch(server.url(path)) for path in ("/flaky", "/page")]
            return gate, server, results

    gate, server, results = run(go())
    assert all(r.ok for r in results)
    paths = [r.path for r in server.requests]
    assert paths == ["/robots.txt", "/flaky", "/flaky", "/flaky", "/page"]  # robots.txt and retries too
    takes = [(path, seen) for kind, path, seen in gate.events if kind == "take"]
    ends = [(path, delay) for kind, path, delay in gate.events if kind == "end"]
    # The n-th turn was taken when the server had seen n-1 requests: none went out before its turn.
    assert takes == [(path, n) for n, path in enumerate(paths)]
    assert [kind for kind, _, _ in gate.events] == ["take", "end"] * len(paths)  # one turn at a time
    # Ended with the delay the host's next request must keep: robots.txt's Crawl-delay once it is known.
    assert ends == [("/robots.txt", 0.05)] + [(path, 0.1) for path in paths[1:]]
    # Each waited for its turn (held 0.2 s here), not only for this process's own delay.
    assert all(b.arrived - a.arrived >= 0.2 - 0.02 for a, b in itertools.pairwise(server.requests))


def test_socket_level_connect_failure_is_reported() -> None:
    async def go() -> FetchResult:
        async with RawServer({}) as server:
            port = server.port
        async with Fetcher(SETTINGS) as fetcher:  # the server is gone: connection refused
            return await fetcher.fetch(f"http://127.0.0.1:{port}/")

    result = run(go())
    assert error_kind(result) == "connect"


def test_proxy_from_the_environment_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # Proxies only when configured: a dead proxy in the environment must change nothing.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    result, server = serve_and_fetch({"/": page(HTML)}, "/")
    assert result.status is FetchStatus.OK
    assert server.hits("/") == 1


def test_configured_proxy_is_used() -> None:
    async def proxy(request: Request, writer: Writer) -> bool:
        return await respond(writer, 200, b"<html><p>via proxy</p></html>")

    async def go() -> tuple[FetchResult, RawServer]:
        async with RawServer({"http://origin.example/page": proxy}) as proxy_server:
            settings = replace(SETTINGS, proxy=proxy_server.url(""))
            async with Fetcher(settings) as fetcher:
                return await fetcher.fetch("http://origin.example/page"), proxy_server

    result, proxy_server = run(go())
    assert result.status is FetchStatus.OK
    assert result.text is not None and "via proxy" in result.text
    assert proxy_server.requests[0].path == "http://origin.example/page"  # absolute-form: a proxy request
