"""A raw asyncio HTTP/1.1 server on 127.0.0.1 that can misbehave, and helpers for the fetcher tests.

The server parses request heads itself and hands the socket's writer to a route handler, which writes
whatever bytes it likes (truncated bodies, broken chunking, bombs, nothing at all). It records each
request's host, path, arrival time and headers, and the most requests in flight per host, so politeness is
measured where it matters: at the server.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    host: str  # the Host header without the port
    headers: dict[str, str]  # lower-case names
    arrived: float  # time.monotonic()


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[bool | None]]
"""Writes the response; returns True to keep the connection open for another request."""


@dataclass
class RawServer:
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    max_in_flight: dict[str, int] = field(default_factory=dict)
    max_in_flight_total: int = 0
    _in_flight: dict[str, int] = field(default_factory=dict)
    _server: asyncio.Server | None = None
    port: int = 0

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        # Handlers that hang on purpose (never answering) must not hold the test up.
        with _suppress_all():
            await asyncio.wait_for(self._server.wait_closed(), 1.0)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request = _parse_head(head)
                self.requests.append(request)
                host = request.host
                self._in_flight[host] = self._in_flight.get(host, 0) + 1
                self.max_in_flight[host] = max(self.max_in_flight.get(host, 0), self._in_flight[host])
                self.max_in_flight_total = max(self.max_in_flight_total, sum(self._in_flight.values()))
                try:
                    handler = self.routes.get(request.path, not_found)
                    keep_alive = await handler(request, writer)
                finally:
                    self._in_flight[host] -= 1
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            with _suppress_all():
                writer.close()


def _parse_head(head: bytes) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    host = headers.get("host", "").rsplit(":", 1)[0]
    return Request(method, path, host, headers, time.monotonic())


class _suppress_all:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True


# --- response helpers -----------------------------------------------------------------------------


def response_head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def respond(
    writer: asyncio.StreamWriter, status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> bool:
    all_headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    all_headers["Content-Length"] = str(len(body))
    writer.write(response_head(status, all_headers) + body)
    await writer.drain()
    return True


def page(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    async def handler(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await respond(writer, status, body, headers)

    return handler


async def not_found(request: Request, writer: asyncio.StreamWriter) -> bool:
    return await respond(writer, 404, b"not found", {"Content-Type": "text/plain"})


async def stream_chunks(writer: asyncio.StreamWriter, chunks: Iterator[bytes]) -> None:
    for chunk in chunks:
        writer.write(chunk)
        await writer.drain()


def reset_connection(writer: asyncio.StreamWriter) -> None:
    """Close with an RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def resolver_to_localhost(*names: str) -> Callable[[str], Awaitable[list[str]]]:
    """A resolver mapping the given fake names (and only them) to 127.0.0.1."""

    async def resolve(host: str) -> list[str]:
        if host in names:
            return ["127.0.0.1"]
        raise OSError(f"unknown test host {host}")

    return resolve


HTML = b"<html><head><title>T</title></head><body><article><p>Hello, world.</p></article></body></html>"
