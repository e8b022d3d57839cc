"""The fetcher: polite, bounded, hostile-server-proof HTTP. The only module that imports httpx.

Public API::

    async with Fetcher(settings.fetch) as fetcher:
        result = await fetcher.fetch("https://example.com/a", validators=None)       # one URL -> FetchResult
        feed = await fetcher.fetch("https://example.com/feed.xml", accept="xml")     # feeds and sitemaps
        async for result in fetcher.fetch_many(["https://a.example/1", ("https://b.example/2", validators)]):
            ...                                                                      # as they complete

    Fetcher(settings, resolver=...)   # tests/benches: map fake host names (a.test) to addresses
    Fetcher(settings, transport=httpx.MockTransport(handler))                       # unit tests

Every result has `url` (as given), `status`, `attempts`, `elapsed`; `http_status`, `headers` (lower-case
names) and `final_url` once a response came.

`fetch` never raises for a problem with one URL; the `FetchResult` says what happened:

- ``OK`` — `content` holds the decoded body (Content-Encoding undone), `text` and `encoding` the
  charset-decoded HTML (``accept="html"`` only), `validators` the response's ETag / Last-Modified,
  `final_url` the URL after redirects, `attempts` the HTTP requests made (robots.txt not counted),
  `elapsed` seconds.
- ``NOT_MODIFIED`` — a 304 to the conditional GET built from the `validators` given.
- ``SKIPPED`` with `skip_reason`: ``robots`` (disallowed), ``robots_unavailable`` (robots.txt answered 5xx or
  not at all: the host is skipped this run, RFC 9309), ``not_html`` (another content type, or a binary body
  sent as text/html), ``not_xml`` (``accept="xml"``: not a feed or sitemap type).
- ``DEFERRED`` with `retry_at` — the server asked (Retry-After) for a longer wait than `max_retry_after`.
- ``FAILED`` with `error` = ErrorInfo(kind, message), kind one of: ``timeout``, ``connect``, ``too_large``,
  ``blocked_address``, ``invalid_url``, ``http_status`` (`http_status` set), ``truncated``,
  ``too_many_redirects``, ``decoding``, ``protocol``.

What it guarantees, and how:

- Deadlines: httpx's connect/read timeouts, plus `settings.timeout` around each whole attempt (connect to last
  byte), since a server trickling a byte every half second never trips a read timeout.
- Size: the decoded body is capped at `max_size` while streaming. httpx expands a compressed chunk without
  limit, so we send Accept-Encoding ourselves, read raw bytes, and undo gzip/deflate/br/zstd with decoders
  that hand out at most `_DECODE_STEP` bytes at a time. A compressed stream cut short is ``truncated``.
- Address guard (unless `allow_private`): host names are resolved by us and every address checked at connect
  time, inside httpcore's network backend, on every hop and every new connection (so DNS rebinding cannot
  slip past); we then connect to the checked address, while TLS SNI and Host keep the name. Numeric hosts
  (``2130706433``, ``0x7f.1``, ``127.1``) are normalised first. With a proxy configured the proxy connects,
  so the target name is checked before each request instead.
- Redirects are followed here (at most `max_redirects`), each hop checked again (http/https only, address
  guard, robots.txt); Authorization and Cookie headers never go to another origin; cookies are not kept.
- Politeness (decisions in `scraper.politeness`): a global limit (`concurrency`), a per-host limit
  (`per_host_concurrency`, host = name and port), requests to one host sent at least `delay` apart (or
  robots.txt's Crawl-delay, capped at `max_retry_after`), counted from when each request actually went out;
  robots.txt fetched once per origin per Fetcher, through the same guarded path.
- Retries (`attempts` in all) for connect errors, timeouts, 408/429/500/502/503/504, with exponential backoff
  and jitter; Retry-After is honoured up to `max_retry_after`, beyond it the URL is DEFERRED.
- Cost: one small connection pool per host (`_PerHostTransport`), since httpcore's pool polls every idle
  connection on each request; about 1 ms of CPU per page (bench/fetch.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import re
import socket
import time
import urllib.parse
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any, Literal, Protocol

import brotli
import httpcore
import httpx
import zstandard

from .config import FetchSettings
from .errors import FetchError
from .charset import decode_html, looks_binary
from .models import ErrorInfo, FetchResult, FetchStatus, Validators
from .politeness import HostSchedule, RetryAction, RetryPolicy, RobotsRules

__all__ = [
    "Accept",
    "Fetcher",
    "HostGate",
    "Resolver",
    "is_public_address",
    "parse_numeric_host",
]

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Awaitable[list[str]]]
"""Maps a host name to its addresses (as strings), like getaddrinfo. Injected by tests and benches."""
Accept = Literal["html", "xml"]


class HostGate(Protocol):
    """Politeness shared with other processes: `scraper run` workers on one store.

    Before each request (robots.txt, redirects and retries included), once this process's own limits let
    it go, the Fetcher awaits `take_turn(url)`: it returns when a request to the URL's host may start, with
    the host held for this request. The call it returns ends the turn once the request has gone out,
    given the delay the host's next request must wait (the configured delay, or robots.txt's Crawl-delay).
    """

    async def take_turn(self, url: str) -> Callable[[float], None]: ...


# Encodings we can undo with bounded memory; nothing else is advertised.
_ACCEPT_ENCODING = "gzip, deflate, br, zstd"
# Largest piece a decoder hands out at once: memory over the cap stays within a few of these.
_DECODE_STEP = 1024 * 1024
# zstandard's decompressobj has no output limit, and one zstd byte can expand to ~32 KiB (a 4-byte RLE block
# yields 128 KiB); feeding it 32 bytes at a time keeps each output within _DECODE_STEP.
_ZSTD_INPUT_SLICE = 32
# RFC 8878 §3.1.1.1.2: HTTP decoders need not accept frames with a window over 8 MB; refusing larger ones
# stops a frame header from making the decoder allocate gigabytes.
_ZSTD_MAX_WINDOW = 8 * 1024 * 1024
# A compressed body larger than the decoded cap is nonsense; leave room for incompressible data's overhead.
_RAW_SLACK = 64 * 1024
# RFC 9309 §2.5: crawlers must parse at least 500 KiB of robots.txt.
_ROBOTS_MAX_SIZE = 512 * 1024
# RFC 9309 §2.3.1.2: follow at least five redirects for robots.txt.
_ROBOTS_MAX_REDIRECTS = 5
# Bounds the tasks `fetch_many` keeps pending (memory stays flat for long URL lists); waiting tasks cost
# little, and enough of them keep every host busy when the input mixes hosts.
_FETCH_MANY_WINDOW = 1024
_KEEPALIVE_EXPIRY = 5.0  # seconds; servers commonly close idle connections after 5-15 s
# Connection pools of hosts not in use kept open (a few sockets each) before the least recent are closed.
# A crawl over many hosts comes back to each within seconds, and a new connection (TCP and TLS handshakes)
# costs more than an idle socket; 256 stays well inside the common limit of 1024 open files.
_MIN_IDLE_POOLS = 256

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset(
    {
        "application/xml",
        "text/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/json",
        "application/feed+json",
        "application/gzip",  # sitemap.xml.gz, gunzipped (boundedly) by discover.py
        "application/x-gzip",
        "application/octet-stream",  # .xml.gz files are often served as this
        "text/plain",  # sitemaps may be plain lists of URLs
    }
)
_CROSS_ORIGIN_DROPPED_HEADERS = ("authorization", "cookie")
_CONDITIONAL_HEADERS = ("if-none-match", "if-modified-since")
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_.])?$")
_INET_ATON_PART = re.compile(r"^(0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$")


# --- address guard -----------------------------------------------------------------------------------------


def parse_numeric_host(host: str) -> IPAddress | None:
    """The address a numeric host means, as browsers and inet_aton read it, or None for a name.

    ``127.0.0.1``, ``127.1``, ``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``[::1]`` are all addresses.
    """
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":  # a trailing dot changes nothing
        parts.pop()
    if not 1 <= len(parts) <= 4 or not all(_INET_ATON_PART.match(part) for part in parts):
        return None
    values = [_parse_inet_aton_part(part) for part in parts]
    # Every part but the last is one byte; the last fills the remaining bytes.
    if any(value > 255 for value in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    number = values[-1]
    for index, value in enumerate(values[:-1]):
        number += value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _parse_inet_aton_part(part: str) -> int:
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8)
    return int(part)


def is_public_address(address: IPAddress) -> bool:
    """True for a globally routable unicast address; False for loopback, private, link-local, CGNAT,
    unspecified, multicast, reserved, documentation ranges, and IPv6 forms that embed an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return False
        embedded = address.sixtofour
        if embedded is None and address in _NAT64_PREFIX:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(embedded):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified or address.is_link_local
    )


_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


class _BlockedAddressError(Exception):
    """Raised inside the network backend; `Fetcher` turns it into a FAILED result of kind blocked_address."""


async def _system_resolver(host: str) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True, slots=True)
class _AddressGuard:
    resolver: Resolver
    allow_private: bool

    async def addresses(self, host: str) -> list[IPAddress]:
        """The addresses to connect to for `host`, all checked; raises _BlockedAddressError or
        httpcore.ConnectError (the name does not resolve)."""
        numeric = parse_numeric_host(host)
        if numeric is not None:
            candidates = [numeric]
        else:
            try:
                resolved = await self.resolver(host)
            except (OSError, UnicodeError) as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
            candidates = list(dict.fromkeys(ipaddress.ip_address(a.split("%", 1)[0]) for a in resolved))
        if not candidates:
            raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
        if self.allow_private:
            return candidates
        refused = [a for a in candidates if not is_public_address(a)]
        if refused:
            # One private answer among public ones is still a rebinding attempt: refuse the host.
            raise _BlockedAddressError(f"{host} resolves to non-public address {refused[0]}")
        return candidates


class _GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves and checks the host itself, then connects to the checked
    address. httpcore still uses the host name for TLS SNI and certificate checks."""

    def __init__(self, guard: _AddressGuard) -> None:
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.addresses(host)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None  # addresses is never empty
        raise last_error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by the fetcher")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _build_transport(settings: FetchSettings, guard: _AddressGuard) -> httpx.AsyncBaseTransport:
    if settings.proxy:
        limits = httpx.Limits(max_connections=None, keepalive_expiry=_KEEPALIVE_EXPIRY)
        return httpx.AsyncHTTPTransport(proxy=settings.proxy, limits=limits, trust_env=False)
    ssl_context = httpx.create_ssl_context(trust_env=False)  # built once: loading CA certificates is slow
    backend = _GuardedNetworkBackend(guard)

    def one_host_transport() -> httpx.AsyncHTTPTransport:
        transport = httpx.AsyncHTTPTransport(verify=ssl_context, trust_env=False)
        # httpx has no network_backend argument: swap in a pool like its own, with the guarded backend.
        # Our semaphores bound the connections in use; the pool keeps as many alive as a host may use.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=None,
            max_keepalive_connections=settings.per_host_concurrency,
            keepalive_expiry=_KEEPALIVE_EXPIRY,
            network_backend=backend,
        )
        return transport

    return _PerHostTransport(
        one_host_transport, max_idle_pools=max(_MIN_IDLE_POOLS, 2 * settings.concurrency)
    )


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that tells its pool's owner when it is closed."""

    def __init__(self, inner: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            if self._release is not None:
                self._release()
                self._release = None


class _PerHostTransport(httpx.AsyncBaseTransport):
    """One small connection pool per origin.

    httpcore's pool checks every one of its connections on each request (a poll() per idle connection),
    so one pool for hundreds of hosts costs more CPU than the requests. Pools of hosts not in use are
    closed, least recently used first, beyond `max_idle_pools` (each holds open sockets)."""

    def __init__(self, make: Callable[[], httpx.AsyncHTTPTransport], max_idle_pools: int) -> None:
        self._make = make
        self._max_idle_pools = max_idle_pools
        self._pools: OrderedDict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = OrderedDict()
        self._in_use: dict[tuple[bytes, bytes, int | None], int] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.url.raw_scheme, request.url.raw_host, request.url.port)
        pool = self._pools.get(key)
        is_new = pool is None
        if pool is None:
            pool = self._pools[key] = self._make()
        self._pools.move_to_end(key)
        # In use before the first await, so that no concurrent eviction can take this pool.
        self._in_use[key] = self._in_use.get(key, 0) + 1
        try:
            if is_new:
                await self._close_idle_pools()
            response = await pool.handle_async_request(request)
        except BaseException:
            self._release(key)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_ReleasingStream(response.stream, lambda: self._release(key)),
            extensions=response.extensions,
        )

    def _release(self, key: tuple[bytes, bytes, int | None]) -> None:
        self._in_use[key] -= 1
        if not self._in_use[key]:
            del self._in_use[key]

    async def _close_idle_pools(self) -> None:
        idle = [key for key in self._pools if key not in self._in_use]
        # All taken out of the table before the first await: requests arriving while they close neither
        # get a closing pool nor pick the same pools to close again.
        evicted = [self._pools.pop(key) for key in idle[: max(0, len(idle) - self._max_idle_pools)]]
        for pool in evicted:
            try:
                await pool.aclose()
            except Exception:  # an idle pool that fails to close must not fail the request that evicted it
                logger.debug("closing an idle connection pool failed", exc_info=True)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()


# --- bounded decoding --------------------------------------------------------------------------------------


class _Failure(Exception):
    """One attempt's failure, carried up to where it becomes a FetchResult."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> Iterator[bytes]: ...


class _ZlibDecoder:
    """gzip (multi-member too) or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._wbits = 16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS
        self._obj = zlib.decompressobj(self._wbits)
        self._produced = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                out = self._obj.decompress(data, _DECODE_STEP)
            except zlib.error as exc:
                if self._gzip or self._produced or self._wbits < 0:
                    raise _Failure(
                        "decoding", f"bad {'gzip' if self._gzip else 'deflate'} data: {exc}"
                    ) from exc
                self._wbits = -zlib.MAX_WBITS  # "deflate" without the zlib wrapper
                self._obj = zlib.decompressobj(self._wbits)
                continue
            if out:
                self._produced = True
                yield out
            if self._obj.eof:
                data = self._obj.unused_data
                if not (self._gzip and data.strip(b"\0")):
                    return
                self._obj = zlib.decompressobj(self._wbits)  # the next gzip member
                continue
            data = self._obj.unconsumed_tail
            if not data and len(out) < _DECODE_STEP:
                return

    def finish(self) -> Iterator[bytes]:
        if not self._obj.eof:
            raise _Failure("truncated", "compressed body ends before its compressed stream does")
        yield from ()


class _BrotliDecoder:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            yield self._obj.process(data, output_buffer_limit=_DECODE_STEP)
            while not self._obj.can_accept_more_data():
                yield self._obj.process(b"", output_buffer_limit=_DECODE_STEP)
        except brotli.error as exc:
            raise _Failure("decoding", f"bad brotli data: {exc}") from exc

    def finish(self) -> Iterator[bytes]:
        if not self._obj.is_finished():
            raise _Failure("truncated", "brotli body ends before its compressed stream does")
        yield from ()


class _ZstdDecoder:
    def __init__(self) -> None:
        self._obj = zstandard.ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW).decompressobj()

    def feed(self, data: bytes) -> Iterator[bytes]:
        view = memoryview(data)
        try:
            for start in range(0, len(view), _ZSTD_INPUT_SLICE):
                if self._obj.eof:
                    return  # bytes after the frame are ignored, as by httpx
                out = self._obj.decompress(view[start : start + _ZSTD_INPUT_SLICE])
                if out:
                    yield out
        except zstandard.ZstdError as exc:
            raise _Failure("decoding", f"bad zstd data: {exc}") from exc

    def finish(self) -> Iterator[bytes]:
        if not self._obj.eof:
            raise _Failure("truncated", "zstd body ends before its frame does")
        yield from ()


class _IdentityDecoder:
    def feed(self, data: bytes) -> Iterator[bytes]:
        yield data

    def finish(self) -> Iterator[bytes]:
        yield from ()


class _DecoderChain:
    """Content-Encoding ``gzip, br`` means br(gzip(body)): undo the last first, passing bounded pieces on."""

    def __init__(self, decoders: list[_Decoder]) -> None:
        self._decoders = decoders or [_IdentityDecoder()]

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(1, self._decoders[0].feed(data))

    def finish(self) -> Iterator[bytes]:
        for index, decoder in enumerate(self._decoders):
            yield from self._through(index + 1, decoder.finish())

    def _through(self, index: int, pieces: Iterator[bytes]) -> Iterator[bytes]:
        if index == len(self._decoders):
            yield from pieces
            return
        for piece in pieces:
            yield from self._through(index + 1, self._decoders[index].feed(piece))


def _decoder_for(content_encoding: str | None) -> _DecoderChain:
    factories: dict[str, Callable[[], _Decoder]] = {
        "gzip": lambda: _ZlibDecoder(gzip=True),
        "x-gzip": lambda: _ZlibDecoder(gzip=True),
        "deflate": lambda: _ZlibDecoder(gzip=False),
        "br": _BrotliDecoder,
        "zstd": _ZstdDecoder,
    }
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    unknown = [c for c in codings if c not in factories]
    if unknown:
        raise _Failure("decoding", f"unsupported Content-Encoding {unknown[0]!r}")
    return _DecoderChain([factories[c]() for c in reversed(codings)])


# --- content checks ----------------------------------------------------------------------------------------


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _type_skip_reason(content_type: str | None, accept: str) -> str | None:
    media = _media_type(content_type)
    if media is None:  # no type given: the body is sniffed instead
        return None
    if accept == "html":
        return None if media in _HTML_TYPES else "not_html"
    if accept == "xml":
        xmlish = media in _XML_TYPES or media.endswith(("+xml", "+json"))
        return None if xmlish else "not_xml"
    return None


# --- the fetcher -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Exchange:
    """One HTTP request's answer: status, headers (lower-case names) and, for a 2xx, the decoded body."""

    url: httpx.URL
    status: int
    headers: dict[str, str]
    body: bytes = b""
    skip_reason: str | None = None
    retry_at: datetime | None = None  # set when the URL is deferred


@dataclass(frozen=True, slots=True)
class _BodyRules:
    accept: str  # "html", "xml" or "any" (robots.txt)
    max_size: int


class _Tally:
    """HTTP requests made for one URL, across retries and redirects."""

    def __init__(self) -> None:
        self.attempts = 0


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _host_key(url: httpx.URL) -> str:
    """Politeness is per host and port: one server, one queue."""
    return f"{url.host}:{url.port}" if url.port else url.host


class Fetcher:
    """Async HTTP fetcher; see the module docstring. Use as ``async with Fetcher(settings) as fetcher``.

    `transport` replaces the guarded httpx transport (tests: httpx.MockTransport / respx); numeric hosts are
    still checked, names are then the transport's business. `resolver` maps host names to addresses for
    the guarded transport (tests and benches map ``a.test`` to 127.0.0.1). `host_gate` shares the per-host
    delay with other processes (see `HostGate`). `clock`/`sleep` (monotonic
    seconds) drive the politeness waits and backoff, `now` the wall clock for Retry-After and `retry_at`,
    `random` the backoff jitter. `headers` are sent with every request (Authorization and Cookie only to the
    first URL's origin).
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = _utc_now,
        random: Callable[[], float] | None = None,
        headers: Mapping[str, str] | None = None,
        host_gate: HostGate | None = None,
    ) -> None:
        if settings.concurrency < 1 or settings.per_host_concurrency < 1 or settings.attempts < 1:
            raise FetchError("concurrency, per_host_concurrency and attempts must be at least 1")
        self._settings = settings
        self._guard = _AddressGuard(resolver or _system_resolver, settings.allow_private)
        self._transport = transport
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._extra_headers = {k.lower(): v for k, v in (headers or {}).items()}
        self._host_gate = host_gate
        self._schedule = HostSchedule(delay=settings.delay, per_host=settings.per_host_concurrency)
        retry = RetryPolicy(settings.attempts, settings.backoff, settings.max_retry_after)
        if random is not None:
            retry.rng = random
        self._retry = retry
        self._global_slots = asyncio.Semaphore(settings.concurrency)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._host_turns: dict[str, asyncio.Lock] = {}
        self._robots: dict[tuple[str, str, int | None], asyncio.Task[RobotsRules]] = {}
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        transport = self._transport or _build_transport(self._settings, self._guard)
        s = self._settings
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,  # proxies only when configured, never from the environment
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=None
            ),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": _ACCEPT_ENCODING},
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),  # keeps no cookies
        )
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for task in self._robots.values():
            task.cancel()
        if self._client is not None:
            await self._client.__aexit__(exc_type, exc, tb)
            self._client = None

    # --- public ------------------------------------------------------------------------------------------

    async def fetch(
        self, url: str, validators: Validators | None = None, *, accept: Accept = "html"
    ) -> FetchResult:
        """Fetch one URL. Never raises for a problem with the URL or its server: see the module docstring."""
        if self._client is None:
            raise FetchError("use Fetcher as an async context manager: async with Fetcher(...) as fetcher")
        started = self._clock()
        tally = _Tally()
        try:
            return await self._fetch(url, validators, accept, tally, started)
        except _Failure as failure:
            return self._failed(url, failure, tally, started)
        except Exception as exc:  # a bug must cost one URL, not the run; the log keeps the traceback
            logger.exception("unexpected error fetching %s", url)
            return self._failed(url, _Failure("protocol", f"{type(exc).__name__}: {exc}"), tally, started)

    async def fetch_many(
        self, urls: Iterable[tuple[str, Validators | None]] | Iterable[str], *, accept: Accept = "html"
    ) -> AsyncIterator[FetchResult]:
        """Fetch many URLs concurrently within the limits, yielding each result as it completes.

        The input is read lazily, at most `_FETCH_MANY_WINDOW` URLs ahead. Closing the iterator early
        cancels the fetches still running.
        """
        items: Iterator[tuple[str, Validators | None] | str] = iter(urls)
        pending: set[asyncio.Task[FetchResult]] = set()
        # Finished tasks land here; asyncio.wait() would re-register on every pending task per result.
        finished: asyncio.Queue[asyncio.Task[FetchResult]] = asyncio.Queue()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < _FETCH_MANY_WINDOW:
                    item = next(items, None)
                    if item is None:
                        exhausted = True
                        break
                    url, validators = (item, None) if isinstance(item, str) else item
                    task = asyncio.create_task(self.fetch(url, validators, accept=accept))
                    task.add_done_callback(finished.put_nowait)
                    pending.add(task)
                if not pending:
                    return
                task = await finished.get()
                pending.discard(task)
                yield task.result()
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    # --- one URL -----------------------------------------------------------------------------------------

    async def _fetch(
        self, url: str, validators: Validators | None, accept: Accept, tally: _Tally, started: float
    ) -> FetchResult:
        target = self._checked_url(url)
        headers = dict(self._extra_headers)
        if validators and validators.etag:
            headers["if-none-match"] = validators.etag
        if validators and validators.last_modified:
            headers["if-modified-since"] = validators.last_modified
        rules = _BodyRules(accept, self._settings.max_size)
        first_origin = _origin(target)
        for _hop in range(self._settings.max_redirects + 1):
            skip = await self._robots_skip_reason(target)
            if skip is not None:
                return self._result(url, FetchStatus.SKIPPED, tally, started, final=target, skip_reason=skip)
            exchange = await self._exchange_with_retries(target, headers, rules, tally)
            if exchange.retry_at is not None:
                return self._result(
                    url, FetchStatus.DEFERRED, tally, started, exchange=exchange, retry_at=exchange.retry_at
                )
            location = exchange.headers.get("location")
            if exchange.status not in _REDIRECT_STATUSES or not location:
                return self._final(url, exchange, accept, validators, tally, started)
            target = self._redirect_target(target, location)
            # Validators belong to the first URL; credentials stay with the first origin.
            for name in _CONDITIONAL_HEADERS:
                headers.pop(name, None)
            if _origin(target) != first_origin:
                for name in _CROSS_ORIGIN_DROPPED_HEADERS:
                    headers.pop(name, None)
        raise _Failure("too_many_redirects", f"more than {self._settings.max_redirects} redirects")

    def _checked_url(self, url: str) -> httpx.URL:
        try:
            target = httpx.URL(_canonical_numeric_host(url.strip()))
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise _Failure("invalid_url", f"invalid URL: {exc}") from exc
        if target.scheme not in ("http", "https"):
            raise _Failure(
                "invalid_url", f"unsupported URL scheme {target.scheme or '(none)'!r}: only http(s)"
            )
        host = target.host
        numeric = parse_numeric_host(host) if host else None
        ascii_host = target.raw_host.decode("ascii", errors="replace").lower()  # IDNs as xn--
        if numeric is None and not (host and _HOST_NAME.match(ascii_host)):
            raise _Failure("invalid_url", f"invalid host name {host!r}")
        if numeric is not None:
            if not self._settings.allow_private and not is_public_address(numeric):
                raise _Failure("blocked_address", f"{host} is the non-public address {numeric}")
            if str(numeric) != host:  # 2130706433, 0x7f.1 ... as the address they are
                target = target.copy_with(host=str(numeric))
        # Each copy parses the URL again (a good part of the CPU a request costs): only when needed.
        return target.copy_with(fragment=None) if target.fragment else target

    def _redirect_target(self, current: httpx.URL, location: str) -> httpx.URL:
        try:
            joined = current.join(location.strip())
        except (httpx.InvalidURL, ValueError) as exc:
            raise _Failure("invalid_url", f"invalid redirect Location {location!r}: {exc}") from exc
        return self._checked_url(str(joined))

    def _final(
        self,
        url: str,
        exchange: _Exchange,
        accept: Accept,
        sent: Validators | None,
        tally: _Tally,
        started: float,
    ) -> FetchResult:
        if exchange.status == 304:
            got = self._validators(exchange.headers)
            return self._result(
                url, FetchStatus.NOT_MODIFIED, tally, started, exchange=exchange, validators=got or sent
            )
        if not 200 <= exchange.status < 300:
            failure = _Failure("http_status", f"HTTP {exchange.status}")
            return self._failed(url, failure, tally, started, exchange=exchange)
        if exchange.skip_reason is not None:
            return self._result(url, FetchStatus.SKIPPED, tally, started, exchange=exchange)
        text = encoding = None
        if accept == "html":
            if looks_binary(exchange.body):  # an image or archive served as text/html
                skipped = _Exchange(exchange.url, exchange.status, exchange.headers, skip_reason="not_html")
                return self._result(url, FetchStatus.SKIPPED, tally, started, exchange=skipped)
            declared = _charset(exchange.headers.get("content-type"))
            try:
                decoded = decode_html(exchange.body, declared=declared)
            except Exception as exc:  # decode_html promises never to raise; a bug there costs one URL
                raise _Failure("decoding", f"cannot decode body: {exc}") from exc
            text, encoding = decoded.text, decoded.encoding
        return self._result(
            url,
            FetchStatus.OK,
            tally,
            started,
            exchange=exchange,
            text=text,
            encoding=encoding,
            validators=self._validators(exchange.headers),
        )

    @staticmethod
    def _validators(headers: Mapping[str, str]) -> Validators:
        return Validators(etag=headers.get("etag"), last_modified=headers.get("last-modified"))

    def _result(
        self,
        url: str,
        status: FetchStatus,
        tally: _Tally,
        started: float,
        *,
        exchange: _Exchange | None = None,
        final: httpx.URL | None = None,
        text: str | None = None,
        encoding: str | None = None,
        validators: Validators | None = None,
        skip_reason: str | None = None,
        retry_at: datetime | None = None,
        error: ErrorInfo | None = None,
    ) -> FetchResult:
        final_url = exchange.url if exchange is not None else final
        return FetchResult(
            url=url,
            status=status,
            final_url=str(final_url) if final_url is not None else None,
            http_status=exchange.status if exchange is not None else None,
            headers=exchange.headers if exchange is not None else {},
            content=exchange.body if exchange is not None and status is FetchStatus.OK else b"",
            text=text,
            encoding=encoding,
            validators=validators or Validators(),
            attempts=tally.attempts,
            elapsed=self._clock() - started,
            error=error,
            skip_reason=skip_reason or (exchange.skip_reason if exchange is not None else None),
            retry_at=retry_at,
        )

    def _failed(
        self, url: str, failure: _Failure, tally: _Tally, started: float, *, exchange: _Exchange | None = None
    ) -> FetchResult:
        error = ErrorInfo(failure.kind, failure.message)
        return self._result(url, FetchStatus.FAILED, tally, started, exchange=exchange, error=error)

    # --- retries, politeness, one request ----------------------------------------------------------------

    async def _exchange_with_retries(
        self, target: httpx.URL, headers: Mapping[str, str], rules: _BodyRules, tally: _Tally | None
    ) -> _Exchange:
        attempt = 0
        while True:
            attempt += 1
            if tally is not None:
                tally.attempts += 1
            try:
                exchange = await self._polite_exchange(target, headers, rules)
            except _Failure as failure:
                decision = self._retry.decide(attempt, self._now(), error_kind=failure.kind)
                if decision.action is not RetryAction.RETRY:
                    raise
                logger.debug("retrying %s in %.1fs after %s", target, decision.wait, failure.kind)
                await self._sleep(decision.wait)
                continue
            decision = self._retry.decide(
                attempt, self._now(), http_status=exchange.status, headers=exchange.headers
            )
            if decision.action is RetryAction.DEFER:
                return _Exchange(exchange.url, exchange.status, exchange.headers, retry_at=decision.retry_at)
            if decision.action is RetryAction.GIVE_UP:
                return exchange
            logger.debug("retrying %s in %.1fs after HTTP %d", target, decision.wait, exchange.status)
            await self._sleep(decision.wait)

    async def _polite_exchange(
        self, target: httpx.URL, headers: Mapping[str, str], rules: _BodyRules
    ) -> _Exchange:
        async with self._polite_slot(target) as request_sent:
            return await self._exchange(target, headers, rules, request_sent)

    @contextlib.asynccontextmanager
    async def _polite_slot(self, target: httpx.URL) -> AsyncIterator[Callable[[], None]]:
        """Wait for a per-host slot, the host's turn and a global slot; yield the call that ends the turn.

        The turn is held until the request has gone out (`request_sent`, called from httpcore's trace hook
        once the request head is written, or at the latest when the exchange ends), and the delay counts
        from then: a slow connect cannot bunch two requests together at the server. With a `HostGate`, the
        host's shared turn is taken last, when nothing else can hold the request back, and ended likewise."""
        host = _host_key(target)
        host_slots = self._host_slots.setdefault(host, asyncio.Semaphore(self._settings.per_host_concurrency))
        host_turn = self._host_turns.setdefault(host, asyncio.Lock())
        async with host_slots:
            await host_turn.acquire()
            turn_held = True
            end_shared_turn: Callable[[float], None] | None = None

            def request_sent() -> None:
                nonlocal turn_held
                if turn_held:
                    turn_held = False
                    self._schedule.started(host, self._clock())
                    if end_shared_turn is not None:
                        end_shared_turn(self._schedule.delay_for(host))
                    host_turn.release()

            try:
                while (wait := self._schedule.wait_before_start(host, self._clock())) > 0:
                    await self._sleep(wait)
                await self._global_slots.acquire()
            except BaseException:
                host_turn.release()
                raise
            try:
                if self._host_gate is not None:
                    end_shared_turn = await self._host_gate.take_turn(str(target))
                yield request_sent
            finally:
                request_sent()  # a request that failed early may still have reached the server
                self._schedule.finished(host)
                self._global_slots.release()

    async def _exchange(
        self,
        target: httpx.URL,
        headers: Mapping[str, str],
        rules: _BodyRules,
        request_sent: Callable[[], None],
    ) -> _Exchange:
        """One HTTP request, bounded as a whole by `settings.timeout`, with httpx errors translated."""
        assert self._client is not None, "use Fetcher as an async context manager"
        reading_body = False

        async def trace(event: str, info: Mapping[str, Any]) -> None:
            if event == "http11.send_request_headers.complete":
                request_sent()

        try:
            async with asyncio.timeout(self._settings.timeout):
                if self._settings.proxy and not self._settings.allow_private:
                    await self._guard.addresses(target.host)  # the proxy connects: check the name here
                request = self._client.build_request(
                    "GET", target, headers=headers, extensions={"trace": trace}
                )
                response = await self._client.send(request, stream=True)
                try:
                    received = {name.lower(): value for name, value in response.headers.items()}
                    if not 200 <= response.status_code < 300:
                        return _Exchange(target, response.status_code, received)
                    skip = _type_skip_reason(received.get("content-type"), rules.accept)
                    if skip is not None:
                        return _Exchange(target, response.status_code, received, skip_reason=skip)
                    reading_body = True
                    body = await self._read_body(response, received, rules.max_size)
                    return _Exchange(target, response.status_code, received, body)
                finally:
                    await response.aclose()
        except TimeoutError as exc:
            raise _Failure("timeout", f"no complete response within {self._settings.timeout:g}s") from exc
        except httpx.TimeoutException as exc:
            raise _Failure("timeout", f"{type(exc).__name__}: {exc or 'timed out'}") from exc
        except _BlockedAddressError as exc:
            raise _Failure("blocked_address", str(exc)) from exc
        except httpcore.ConnectError as exc:  # raised by the guard before httpx maps anything
            raise _Failure("connect", str(exc)) from exc
        except httpx.ConnectError as exc:
            raise _Failure("connect", str(exc) or "cannot connect") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise _Failure("invalid_url", str(exc)) from exc
        except httpx.RemoteProtocolError as exc:
            raise _Failure(_remote_protocol_kind(exc, reading_body), str(exc)) from exc
        except httpx.NetworkError as exc:  # resets and broken pipes
            kind = "truncated" if reading_body else "connect"
            raise _Failure(kind, f"{type(exc).__name__}: {exc or 'connection lost'}") from exc
        except httpx.HTTPError as exc:
            raise _Failure("protocol", f"{type(exc).__name__}: {exc}") from exc

    async def _read_body(self, response: httpx.Response, headers: Mapping[str, str], max_size: int) -> bytes:
        """The decoded body, refused as soon as it is known to exceed `max_size` (no partial bodies)."""
        declared = headers.get("content-length", "")
        if "content-encoding" not in headers and declared.isdigit() and int(declared) > max_size:
            raise _Failure("too_large", f"body of {declared} bytes is over the {max_size}-byte cap")
        decoder = _decoder_for(headers.get("content-encoding"))
        if response.is_stream_consumed:
            # A response built in memory (httpx.MockTransport with content=...) was read and decoded by httpx
            # already; no server can steer that, so only the cap is left to check.
            if len(response.content) > max_size:
                raise _Failure("too_large", f"decoded body is over the {max_size}-byte cap")
            return response.content
        body = bytearray()
        raw_size = 0

        def take(pieces: Iterator[bytes]) -> None:
            for piece in pieces:
                if len(body) + len(piece) > max_size:
                    raise _Failure("too_large", f"decoded body is over the {max_size}-byte cap")
                body.extend(piece)

        async for chunk in response.aiter_raw():
            raw_size += len(chunk)
            if raw_size > max_size + _RAW_SLACK:
                raise _Failure("too_large", f"body is over the {max_size}-byte cap")
            take(decoder.feed(chunk))
        if raw_size:  # an empty body with a Content-Encoding is merely empty
            take(decoder.finish())
        return bytes(body)

    # --- robots.txt --------------------------------------------------------------------------------------

    async def _robots_skip_reason(self, target: httpx.URL) -> str | None:
        if not self._settings.respect_robots:
            return None
        key = _origin(target)
        task = self._robots.get(key)
        if task is None:
            task = self._robots[key] = asyncio.create_task(self._load_robots(target))
        # shield: one caller giving up must not cancel the fetch the others wait for. A blocked host
        # raises its _Failure here, for every URL of it.
        rules = await asyncio.shield(task)
        if not rules.available:
            return "robots_unavailable"
        return None if rules.allows(str(target)) else "robots"

    async def _load_robots(self, target: httpx.URL) -> RobotsRules:
        """RFC 9309: 2xx → parse; 4xx (or too many redirects) → allow all; 5xx or no answer → unavailable."""
        url = target.copy_with(path="/robots.txt", query=None, fragment=None)
        rules = _BodyRules("any", _ROBOTS_MAX_SIZE)
        headers = {k: v for k, v in self._extra_headers.items() if k not in _CROSS_ORIGIN_DROPPED_HEADERS}
        for hop in range(_ROBOTS_MAX_REDIRECTS + 1):
            try:
                exchange = await self._exchange_with_retries(url, headers, rules, None)
                location = exchange.headers.get("location")
                if exchange.status in _REDIRECT_STATUSES and location:
                    url = self._redirect_target(url, location)
                    continue
            except _Failure as failure:
                if hop == 0 and failure.kind == "blocked_address":
                    raise  # the host itself is off limits: each of its URLs fails as blocked_address
                logger.info("robots.txt for %s unavailable: %s", _host_key(target), failure.message)
                return RobotsRules.unavailable()
            break
        else:
            return RobotsRules.allow_all()
        if 200 <= exchange.status < 300:
            parsed = RobotsRules.parse(
                exchange.body.decode("utf-8", errors="replace"), self._settings.user_agent
            )
            delay = parsed.crawl_delay(cap=self._settings.max_retry_after)
            if delay is not None:
                self._schedule.set_delay(_host_key(target), delay)
            return parsed
        if 400 <= exchange.status < 500:
            return RobotsRules.allow_all()
        logger.info("robots.txt for %s answered HTTP %d", _host_key(target), exchange.status)
        return RobotsRules.unavailable()


def _canonical_numeric_host(url: str) -> str:
    """Rewrite a numeric host httpx would refuse (``0177.0.0.1``) as the address it means."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        return url  # httpx will say what is wrong with it
    if not host or ":" in host:  # IPv6 literals are canonical enough for httpx
        return url
    address = parse_numeric_host(host)
    if address is None or str(address) == host:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    port = hostport[len(host) :] if hostport.lower().startswith(host) else ""
    netloc = f"{userinfo}@" if userinfo else ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{netloc}{address}{port}"))


def _remote_protocol_kind(exc: httpx.RemoteProtocolError, reading_body: bool) -> str:
    """h11 reports a body cut short ("incomplete chunked read", "without sending complete message body")
    as a protocol error; for us that is a truncated body. A connection dropped before any answer is a
    connect failure (and retried)."""
    message = str(exc).lower()
    if reading_body and ("incomplete" in message or "complete message body" in message):
        return "truncated"
    if "disconnected without sending a response" in message:
        return "connect"
    return "protocol"
