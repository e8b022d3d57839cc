"""Fetcher behaviour against httpx.MockTransport: statuses, content types, validators, redirects, headers."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
from fetch_helpers import HTML, run

from scraper.config import FetchSettings
from scraper.errors import FetchError
from scraper.fetch import Fetcher, PerHostTransport, is_public_address, parse_numeric_host
from scraper.models import FetchResult, FetchStatus, Validators
from scraper.urls import url_problem

pytestmark = pytest.mark.timeout(30)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SETTINGS = FetchSettings(delay=0.0, backoff=0.0, respect_robots=False, attempts=3)
MockHandler = Callable[[httpx.Request], httpx.Response]


async def no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


def fetch_with(
    handler: MockHandler, url: str, settings: FetchSettings = SETTINGS, **kw: object
) -> FetchResult:
    async def go() -> FetchResult:
        transport = httpx.MockTransport(handler)
        async with Fetcher(settings, transport=transport, sleep=no_sleep, now=lambda: NOW) as fetcher:
            return await fetcher.fetch(url, **kw)  # type: ignore[arg-type]

    return run(go())


def html_response(body: bytes = HTML, **headers: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/html; charset=utf-8", **headers}, content=body)


def test_ok_page_has_text_encoding_validators_and_final_url() -> None:
    result = fetch_with(
        lambda r: html_response(etag='"v1"', **{"last-modified": "Wed, 25 Nov 2026 10:00:00 GMT"}),
        "https://example.com/a#frag",
    )
    assert result.status is FetchStatus.OK
    assert result.http_status == 200
    assert result.final_url == "https://example.com/a"
    assert result.content == HTML
    assert result.text is not None and "Hello, world." in result.text
    assert result.encoding == "utf-8"
    assert result.validators == Validators('"v1"', "Wed, 25 Nov 2026 10:00:00 GMT")
    assert result.attempts == 1
    assert result.headers["content-type"].startswith("text/html")


def test_user_agent_and_accept_encoding_are_ours() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return html_response()

    fetch_with(handler, "https://example.com/", replace(SETTINGS, user_agent="TestBot/9 (+mailto:x@y.z)"))
    assert seen[0].headers["user-agent"] == "TestBot/9 (+mailto:x@y.z)"
    assert seen[0].headers["accept-encoding"] == "gzip, deflate, br, zstd"


def test_conditional_get_gives_not_modified() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304, headers={"etag": '"v1"'})
        return html_response()

    sent = Validators(etag='"v1"', last_modified="Wed, 25 Nov 2026 10:00:00 GMT")
    result = fetch_with(handler, "https://example.com/a", validators=sent)
    assert result.status is FetchStatus.NOT_MODIFIED
    assert result.validators.etag == '"v1"'
    assert seen[0].headers["if-modified-since"] == "Wed, 25 Nov 2026 10:00:00 GMT"
    assert result.content == b""


def test_decodes_content_encoding_itself() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-type": "text/html", "content-encoding": "gzip"},
            content=gzip.compress(HTML),
        )

    result = fetch_with(handler, "https://example.com/")
    assert result.status is FetchStatus.OK
    assert result.content == HTML


def test_unknown_content_encoding_fails_as_decoding() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/html", "content-encoding": "lzma"}, content=b"x"
        )

    result = fetch_with(handler, "https://example.com/")
    assert result.status is FetchStatus.FAILED
    assert result.error is not None and result.error.kind == "decoding"


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "application/json", "text/css"])
def test_other_content_types_are_skipped_as_not_html(content_type: str) -> None:
    result = fetch_with(
        lambda r: httpx.Response(200, headers={"content-type": content_type}, content=b"x"),
        "https://example.com/f",
    )
    assert result.status is FetchStatus.SKIPPED
    assert result.skip_reason == "not_html"
    assert result.error is None


def test_binary_body_served_as_html_is_sniffed() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    result = fetch_with(lambda r: html_response(png), "https://example.com/img")
    assert result.status is FetchStatus.SKIPPED
    assert result.skip_reason == "not_html"


def test_xhtml_and_untyped_html_go_on() -> None:
    result = fetch_with(
        lambda r: httpx.Response(200, headers={"content-type": "application/xhtml+xml"}, content=HTML),
        "https://example.com/x",
    )
    assert result.status is FetchStatus.OK
    result = fetch_with(lambda r: httpx.Response(200, content=HTML), "https://example.com/y")
    assert result.status is FetchStatus.OK and result.text is not None


@pytest.mark.parametrize(
    "content_type", ["application/rss+xml", "application/atom+xml", "text/xml", "application/x-gzip"]
)
def test_accept_xml_takes_feeds_and_sitemaps_without_text(content_type: str) -> None:
    body = b"<rss><channel></channel></rss>"
    result = fetch_with(
        lambda r: httpx.Response(200, headers={"content-type": content_type}, content=body),
        "https://example.com/feed",
        accept="xml",
    )
    assert result.status is FetchStatus.OK
    assert result.content == body
    assert result.text is None


def test_accept_xml_skips_html() -> None:
    result = fetch_with(lambda r: html_response(), "https://example.com/feed", accept="xml")
    assert result.status is FetchStatus.SKIPPED
    assert result.skip_reason == "not_xml"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "not a url",
        "http://",
        "http://exa mple.com/",
        "",
        # What discovery never queues, the Fetcher refuses too (scraper.urls.url_problem): it used to try.
        "http://exa..mple.com/",
        "http://example.com:99999/",
        "https://example.com/" + "a" * 5000,
    ],
)
def test_invalid_urls_are_results_not_raises(url: str) -> None:
    calls: list[httpx.Request] = []
    result = fetch_with(lambda r: calls.append(r) or html_response(), url)  # type: ignore[func-returns-value]
    assert result.status is FetchStatus.FAILED
    assert result.error is not None and result.error.kind == "invalid_url"
    assert result.http_status is None
    assert calls == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
    ],
)
def test_numeric_non_public_hosts_are_blocked_before_any_request(url: str) -> None:
    calls: list[httpx.Request] = []
    result = fetch_with(lambda r: calls.append(r) or html_response(), url)  # type: ignore[func-returns-value]
    assert result.status is FetchStatus.FAILED
    assert result.error is not None and result.error.kind == "blocked_address"
    assert calls == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://2130706433/", "2130706433 is the non-public address 127.0.0.1"),
        ("http://0x7f.1:8080/a", "0x7f.1 is the non-public address 127.0.0.1"),
        ("http://127.0.0.1/", "127.0.0.1 is a non-public address"),
    ],
)
def test_a_blocked_numeric_host_is_named_as_written(url: str, message: str) -> None:
    # The user must find the host in the URL they gave: before, it was named as the address it means
    # ("127.0.0.1 is the non-public address 127.0.0.1" for http://2130706433/).
    result = fetch_with(lambda r: html_response(), url)
    assert result.error is not None and result.error.message.startswith(message + " (refused;"), result.error


def test_international_domain_names_are_fetched_as_punycode() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return html_response()

    result = fetch_with(handler, "https://bücher.example/straße")
    assert result.status is FetchStatus.OK
    assert seen[0].url.raw_host == b"xn--bcher-kva.example"


def test_fetch_outside_the_context_manager_is_a_setup_error() -> None:
    async def go() -> None:
        await Fetcher(SETTINGS).fetch("https://example.com/")

    with pytest.raises(FetchError):
        run(go())


def test_allow_private_lifts_the_guard_and_normalises_numeric_hosts() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return html_response()

    result = fetch_with(handler, "http://2130706433:8080/a", replace(SETTINGS, allow_private=True))
    assert result.status is FetchStatus.OK
    assert seen[0].url.host == "127.0.0.1"


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("10.1.2", "10.1.0.2"),
        ("[::1]", "::1"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("256.1.1.1", None),
        ("0x", "0.0.0.0"),
        ("09.1.1.1", None),
    ],
)
def test_parse_numeric_host(host: str, address: str | None) -> None:
    parsed = parse_numeric_host(host)
    assert (str(parsed) if parsed else None) == address


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("100.100.100.100", False),
        ("169.254.1.1", False),
        ("224.0.0.251", False),
        ("0.0.0.0", False),
        ("255.255.255.255", False),
        ("::ffff:93.184.216.34", False),
        ("::ffff:127.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 wrapping 10.0.0.1
        ("fe80::1", False),
        ("ff02::1", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    parsed = parse_numeric_host(address)
    assert parsed is not None
    assert is_public_address(parsed) is public


def test_404_is_a_failure_not_retried() -> None:
    calls: list[httpx.Request] = []
    result = fetch_with(lambda r: calls.append(r) or httpx.Response(404), "https://example.com/gone")  # type: ignore[func-returns-value]
    assert result.status is FetchStatus.FAILED
    assert result.error is not None and result.error.kind == "http_status"
    assert result.http_status == 404
    assert len(calls) == 1 and result.attempts == 1


def test_500_is_retried_until_attempts_run_out() -> None:
    calls: list[httpx.Request] = []
    result = fetch_with(lambda r: calls.append(r) or httpx.Response(500), "https://example.com/err")  # type: ignore[func-returns-value]
    assert result.status is FetchStatus.FAILED
    assert result.http_status == 500
    assert len(calls) == 3 and result.attempts == 3


def test_retry_after_beyond_cap_defers() -> None:
    result = fetch_with(
        lambda r: httpx.Response(503, headers={"retry-after": "7200"}), "https://example.com/busy"
    )
    assert result.status is FetchStatus.DEFERRED
    assert result.retry_at is not None
    assert (result.retry_at - NOW).total_seconds() == 7200
    assert result.error is None


def test_redirects_are_followed_and_credentials_stay_with_their_origin() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/start":
            return httpx.Response(302, headers={"location": "/same"})
        if request.url.path == "/same":
            return httpx.Response(301, headers={"location": "https://other.example/final"})
        return html_response()

    async def go() -> FetchResult:
        headers = {"Authorization": "Bearer secret", "Cookie": "session=1", "X-Custom": "kept"}
        transport = httpx.MockTransport(handler)
        async with Fetcher(SETTINGS, transport=transport, sleep=no_sleep, headers=headers) as fetcher:
            return await fetcher.fetch("https://example.com/start")

    result = run(go())
    assert result.status is FetchStatus.OK
    assert result.final_url == "https://other.example/final"
    assert result.attempts == 3
    assert [r.url.path for r in seen] == ["/start", "/same", "/final"]
    assert seen[1].headers["authorization"] == "Bearer secret"  # same origin
    assert "authorization" not in seen[2].headers and "cookie" not in seen[2].headers
    assert seen[2].headers["x-custom"] == "kept"


def test_an_invalid_url_is_refused_for_the_reason_every_other_door_gives() -> None:
    result = fetch_with(lambda r: html_response(), "ftp://example.com/a")
    assert result.error is not None and result.error.message == url_problem("ftp://example.com/a")


def test_cookies_from_responses_are_not_kept() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/login":
            return httpx.Response(302, headers={"location": "/next", "set-cookie": "track=1; Path=/"})
        return html_response()

    fetch_with(handler, "https://example.com/login")
    assert "cookie" not in seen[1].headers


def test_redirect_to_file_scheme_is_refused() -> None:
    result = fetch_with(
        lambda r: httpx.Response(302, headers={"location": "file:///etc/passwd"}), "https://example.com/"
    )
    assert result.status is FetchStatus.FAILED
    assert result.error is not None and result.error.kind == "invalid_url"


def test_redirect_to_private_numeric_address_is_blocked() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(302, headers={"location": "http://169.254.169.254/latest/meta-data/"})

    result = fetch_with(handler, "https://example.com/")
    assert result.status is FetchStatus.FAILED
    assert result.error is not None and result.error.kind == "blocked_address"
    assert len(calls) == 1


def test_redirect_loop_stops_at_max_redirects() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(302, headers={"location": "/loop"})

    result = fetch_with(handler, "https://example.com/loop", replace(SETTINGS, max_redirects=4))
    assert result.status is FetchStatus.FAILED
    assert result.error is not None and result.error.kind == "too_many_redirects"
    assert len(calls) == 5


def test_fetch_many_yields_every_result() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/missing":
            return httpx.Response(404)
        return html_response()

    async def go() -> list[FetchResult]:
        urls = [("https://a.example/1", None), ("https://b.example/missing", Validators(etag='"x"'))]
        async with Fetcher(SETTINGS, transport=httpx.MockTransport(handler), sleep=no_sleep) as fetcher:
            first = [r async for r in fetcher.fetch_many(urls)]
            second = [r async for r in fetcher.fetch_many(["https://c.example/2", "bad url"])]
        return first + second

    results = {r.url: r for r in run(go())}
    assert results["https://a.example/1"].status is FetchStatus.OK
    assert results["https://b.example/missing"].http_status == 404
    assert results["https://c.example/2"].status is FetchStatus.OK
    assert results["bad url"].error is not None and results["bad url"].error.kind == "invalid_url"


def test_fetch_many_closed_early_cancels_the_rest() -> None:
    started: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        started.append(str(request.url))
        if request.url.path != "/fast":
            await asyncio.sleep(30)
        return html_response()

    async def go() -> FetchResult:
        urls = ["https://a.example/fast"] + [f"https://b{i}.example/slow" for i in range(5)]
        async with Fetcher(SETTINGS, transport=httpx.MockTransport(handler)) as fetcher:
            stream = fetcher.fetch_many(urls)
            first = await anext(stream)
            await stream.aclose()  # type: ignore[attr-defined]
            return first

    assert run(go()).url == "https://a.example/fast"


def test_retries_wait_with_exponential_backoff() -> None:
    waits: list[float] = []

    async def record_sleep(seconds: float) -> None:
        waits.append(seconds)

    async def go() -> FetchResult:
        settings = replace(SETTINGS, attempts=3, backoff=1.0)
        transport = httpx.MockTransport(lambda r: httpx.Response(502))
        async with Fetcher(settings, transport=transport, sleep=record_sleep, random=lambda: 0.5) as fetcher:
            return await fetcher.fetch("https://example.com/flaky")

    result = run(go())
    assert result.attempts == 3
    assert waits == [0.75, 1.5]  # half fixed, half jitter (0.5 here), doubling


def test_fetch_many_reads_its_input_lazily() -> None:
    consumed = 0

    def urls() -> Iterator[str]:
        nonlocal consumed
        for i in range(100_000):
            consumed += 1
            yield f"https://h{i % 7}.example/{i}"

    async def go() -> int:
        async with Fetcher(SETTINGS, transport=httpx.MockTransport(lambda r: html_response())) as fetcher:
            stream = fetcher.fetch_many(urls())
            await anext(stream)
            seen = consumed
            await stream.aclose()  # type: ignore[attr-defined]
            return seen

    assert run(go()) <= 1025  # the window, not the whole input


def recording_pools(closed: list[str]) -> Callable[[], httpx.AsyncHTTPTransport]:
    """A factory of host pools that answer 200 and append their host to `closed` when closed."""

    class RecordingPool(httpx.AsyncHTTPTransport):
        def __init__(self) -> None:
            self.host = ""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            self.host = request.url.host
            return httpx.Response(200, stream=httpx.ByteStream(b"ok"))

        async def aclose(self) -> None:
            await asyncio.sleep(0.01)  # closing sockets lets other requests run meanwhile
            closed.append(self.host)

    return RecordingPool


async def get_via(transport: PerHostTransport, host: str) -> httpx.Response:
    return await transport.handle_async_request(httpx.Request("GET", f"https://{host}.example/"))


def test_idle_host_pools_are_closed_beyond_the_limit() -> None:
    closed: list[str] = []

    async def go() -> PerHostTransport:
        transport = PerHostTransport(recording_pools(closed), max_idle_pools=2)
        for host in ("a", "b", "c", "d", "e"):
            response = await get_via(transport, host)
            await response.aclose()
        return transport

    transport = run(go())
    assert closed == ["a.example", "b.example"]  # least recently used first
    # two idle and the one whose request made the others go
    assert [host for _, host, _ in transport.origins] == ["c.example", "d.example", "e.example"]


def test_concurrent_new_hosts_never_close_the_same_pool_twice() -> None:
    closed: list[str] = []

    async def go() -> PerHostTransport:
        transport = PerHostTransport(recording_pools(closed), max_idle_pools=2)
        held = [await get_via(transport, f"h{i}") for i in range(5)]  # five pools in use: none closable
        for response in held:
            await response.aclose()  # now five idle pools, three over the limit
        for response in await asyncio.gather(get_via(transport, "x"), get_via(transport, "y")):
            await response.aclose()
        return transport

    transport = run(go())
    assert closed == ["h0.example", "h1.example", "h2.example"]
    assert sorted(host for _, host, _ in transport.origins) == [
        "h3.example",
        "h4.example",
        "x.example",
        "y.example",
    ]
