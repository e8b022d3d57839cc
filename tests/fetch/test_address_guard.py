"""The address guard, on (the default): names resolving to non-public addresses are refused at connect time,
on every hop and every new connection. The server on 127.0.0.1 must then see nothing."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import httpcore
import pytest
from fetch_helpers import HTML, RawServer, Request, page, respond, run

from scraper.config import FetchSettings
from scraper.fetch import AddressGuard, BlockedAddressError, Fetcher, GuardedNetworkBackend
from scraper.models import FetchResult, FetchStatus

pytestmark = pytest.mark.timeout(30)

GUARDED = FetchSettings(delay=0.0, attempts=1, respect_robots=False, timeout=5.0)
PUBLIC = "93.184.216.34"  # a public address; connections to it are steered to the local server below


def fake_dns(table: dict[str, list[str]]) -> Any:
    async def resolve(host: str) -> list[str]:
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    return resolve


@pytest.fixture
def public_address_reaches_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a public address stand for the local server: the guard checks the public address, and only the
    socket underneath goes to 127.0.0.1 (as if routed there)."""
    original = httpcore.AnyIOBackend.connect_tcp

    async def connect_tcp(self: httpcore.AnyIOBackend, host: str, port: int, *args: Any, **kw: Any) -> Any:
        return await original(self, "127.0.0.1" if host == PUBLIC else host, port, *args, **kw)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", connect_tcp)


def serve(routes: dict[str, Any], body: Any) -> Any:
    async def go() -> Any:
        async with RawServer(routes) as server:
            return await body(server), server

    return run(go())


async def _fetch(url: str, resolver: Any, settings: FetchSettings = GUARDED) -> FetchResult:
    async with Fetcher(settings, resolver=resolver) as fetcher:
        return await fetcher.fetch(url)


def test_name_resolving_to_loopback_is_refused_and_never_connected() -> None:
    resolver = fake_dns({"intranet.test": ["127.0.0.1"]})
    result, server = serve({"/": page(HTML)}, lambda s: _fetch(s.url("/", "intranet.test"), resolver))
    assert result.status is FetchStatus.FAILED
    assert result.error is not None and result.error.kind == "blocked_address"
    assert "127.0.0.1" in result.error.message
    assert server.requests == []


def test_allow_private_lets_the_same_fetch_through() -> None:
    resolver = fake_dns({"intranet.test": ["127.0.0.1"]})
    settings = replace(GUARDED, allow_private=True)
    result, server = serve(
        {"/": page(HTML)}, lambda s: _fetch(s.url("/", "intranet.test"), resolver, settings)
    )
    assert result.status is FetchStatus.OK
    assert server.requests[0].host == "intranet.test"  # Host keeps the name, the socket went to the address


def test_system_resolver_localhost_is_refused() -> None:
    result, server = serve({"/": page(HTML)}, lambda s: _fetch(s.url("/", "localhost"), None))
    assert result.error is not None and result.error.kind == "blocked_address"
    assert server.requests == []


def test_one_private_answer_among_public_ones_refuses_the_host() -> None:
    resolver = fake_dns({"mixed.test": [PUBLIC, "10.0.0.8"]})
    result, server = serve({"/": page(HTML)}, lambda s: _fetch(s.url("/", "mixed.test"), resolver))
    assert result.error is not None and result.error.kind == "blocked_address"
    assert server.requests == []


def test_robots_fetch_of_a_blocked_host_reports_the_block() -> None:
    resolver = fake_dns({"intranet.test": ["127.0.0.1"]})
    settings = replace(GUARDED, respect_robots=True)
    result, server = serve(
        {"/": page(HTML)}, lambda s: _fetch(s.url("/", "intranet.test"), resolver, settings)
    )
    assert result.error is not None and result.error.kind == "blocked_address"
    assert server.requests == []


@pytest.mark.usefixtures("public_address_reaches_localhost")
def test_public_host_is_fetched_through_the_guard() -> None:
    resolver = fake_dns({"www.public.test": [PUBLIC]})
    result, server = serve({"/": page(HTML)}, lambda s: _fetch(s.url("/", "www.public.test"), resolver))
    assert result.status is FetchStatus.OK, result.error
    assert server.requests[0].host == "www.public.test"


@pytest.mark.usefixtures("public_address_reaches_localhost")
def test_redirect_to_a_private_name_is_blocked_at_the_hop() -> None:
    resolver = fake_dns({"www.public.test": [PUBLIC], "admin.internal.test": ["10.1.2.3"]})

    async def to_internal(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await respond(writer, 302, b"", {"Location": "http://admin.internal.test/secret"})

    result, server = serve(
        {"/": to_internal, "/secret": page(b"secret")},
        lambda s: _fetch(s.url("/", "www.public.test"), resolver),
    )
    assert result.error is not None and result.error.kind == "blocked_address"
    assert [r.path for r in server.requests] == ["/"]


@pytest.mark.usefixtures("public_address_reaches_localhost")
def test_dns_rebinding_is_caught_on_the_next_connection() -> None:
    answers = iter([[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]])

    async def rebinding(host: str) -> list[str]:
        return next(answers)

    async def close_after(request: Request, writer: asyncio.StreamWriter) -> bool:
        await respond(writer, 200, HTML, {"Connection": "close"})
        return False  # a new connection (and a new resolution) for the next request

    async def twice(server: RawServer) -> list[FetchResult]:
        async with Fetcher(GUARDED, resolver=rebinding) as fetcher:
            return [await fetcher.fetch(server.url(f"/{i}", "rebind.test")) for i in range(2)]

    (first, second), server = serve({"/0": close_after, "/1": close_after}, twice)
    assert first.status is FetchStatus.OK
    assert second.error is not None and second.error.kind == "blocked_address"
    assert [r.path for r in server.requests] == ["/0"]


class RecordingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.connected: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected.append(host)
        raise httpcore.ConnectError("recorded only")


def test_backend_connects_to_the_checked_address_not_the_name() -> None:
    guard = AddressGuard(fake_dns({"site.test": [PUBLIC, "2606:4700::6810:84e5"]}), allow_private=False)
    recorder = RecordingBackend()
    backend = GuardedNetworkBackend(guard, inner=recorder)
    with pytest.raises(httpcore.ConnectError):
        run(backend.connect_tcp("site.test", 443))
    assert recorder.connected == [PUBLIC, "2606:4700::6810:84e5"]  # each checked address tried in turn


def test_guard_refuses_numeric_and_resolved_private_forms() -> None:
    guard = AddressGuard(
        fake_dns({"meta.test": ["169.254.169.254"], "v6.test": ["::1"]}), allow_private=False
    )
    for host in ("meta.test", "v6.test", "2130706433", "0x7f.1", "127.1", "::ffff:127.0.0.1"):
        with pytest.raises(BlockedAddressError):
            run(guard.addresses(host))
    assert run(guard.addresses("8.8.8.8")) == [ipaddress.ip_address("8.8.8.8")]


def test_unresolvable_name_is_a_connect_failure() -> None:
    result = run(_fetch("http://nowhere.test/", fake_dns({})))
    assert result.error is not None and result.error.kind == "connect"
