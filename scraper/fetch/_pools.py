"""Connections: one small connection pool per origin, each connecting through the address guard.

httpcore's pool checks every one of its connections on each request (a poll() per idle connection), so
one pool for hundreds of hosts costs more CPU than the requests; a table of small pools does not.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable

import httpcore
import httpx

from ..config import FetchSettings
from ._guard import AddressGuard, GuardedNetworkBackend

__all__ = ["PerHostTransport", "build_transport"]

logger = logging.getLogger("scraper.fetch")

_KEEPALIVE_EXPIRY = 5.0  # seconds; servers commonly close idle connections after 5-15 s
# Connection pools of hosts not in use kept open (a few sockets each) before the least recent are closed.
# A crawl over many hosts comes back to each within seconds, and a new connection (TCP and TLS handshakes)
# costs more than an idle socket; 256 stays well inside the common limit of 1024 open files.
_MIN_IDLE_POOLS = 256

_PoolKey = tuple[bytes, bytes, int | None]


def build_transport(settings: FetchSettings, guard: AddressGuard) -> httpx.AsyncBaseTransport:
    """The Fetcher's own transport: per-host pools behind the guard, or one pool to the proxy."""
    if settings.proxy:
        limits = httpx.Limits(max_connections=None, keepalive_expiry=_KEEPALIVE_EXPIRY)
        return httpx.AsyncHTTPTransport(proxy=settings.proxy, limits=limits, trust_env=False)
    ssl_context = httpx.create_ssl_context(trust_env=False)  # built once: loading CA certificates is slow
    backend = GuardedNetworkBackend(guard)

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

    return PerHostTransport(one_host_transport, max_idle_pools=max(_MIN_IDLE_POOLS, 2 * settings.concurrency))


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


class PerHostTransport(httpx.AsyncBaseTransport):
    """One small connection pool per origin, each made by `make_pool`.

    Pools of origins not in use (no response open) are closed, least recently used first, beyond
    `max_idle_pools` (each holds open sockets)."""

    def __init__(self, make_pool: Callable[[], httpx.AsyncBaseTransport], max_idle_pools: int) -> None:
        self._make_pool = make_pool
        self._max_idle_pools = max_idle_pools
        self._pools: OrderedDict[_PoolKey, httpx.AsyncBaseTransport] = OrderedDict()
        self._in_use: dict[_PoolKey, int] = {}

    @property
    def origins(self) -> list[tuple[str, str, int | None]]:
        """Scheme, host and port of the pools kept open, least recently used first."""
        return [(scheme.decode(), host.decode(), port) for scheme, host, port in self._pools]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.url.raw_scheme, request.url.raw_host, request.url.port)
        pool = self._pools.get(key)
        is_new = pool is None
        if pool is None:
            pool = self._pools[key] = self._make_pool()
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

    def _release(self, key: _PoolKey) -> None:
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
