"""The address guard: which addresses a host may be reached at, checked where the connection is made.

Host names are resolved here, not by the operating system's connect, and every address is checked at
connect time inside httpcore's network backend, on every hop and every new connection, so DNS rebinding
cannot slip past; the backend then connects to the checked address, while TLS SNI and Host keep the name.
Numeric hosts (``2130706433``, ``0x7f.1``, ``127.1``) are read as browsers and inet_aton read them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpcore

from ._errors import BlockedAddressError

__all__ = [
    "ALLOW_PRIVATE_HINT",
    "AddressGuard",
    "GuardedNetworkBackend",
    "IPAddress",
    "Resolver",
    "is_public_address",
    "parse_numeric_host",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Awaitable[list[str]]]
"""Maps a host name to its addresses (as strings), like getaddrinfo. Injected by tests and benches."""

# Appended to every refusal of a non-public address: an intranet or a test on 127.0.0.1 is a legitimate
# target, and the message is where the user learns how to allow it.
ALLOW_PRIVATE_HINT = " (refused; allow it with --allow-private or fetch.allow_private = true)"

_INET_ATON_PART = re.compile(r"^(0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$")
_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


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


async def system_resolver(host: str) -> list[str]:
    """The operating system's answer (getaddrinfo), off the event loop."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True, slots=True)
class AddressGuard:
    """Resolves host names with `resolver` and refuses non-public addresses unless `allow_private`."""

    resolver: Resolver
    allow_private: bool

    async def addresses(self, host: str) -> list[IPAddress]:
        """The addresses to connect to for `host`, all checked; raises BlockedAddressError or
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
            message = f"{host} resolves to non-public address {refused[0]}{ALLOW_PRIVATE_HINT}"
            raise BlockedAddressError(message)
        return candidates


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves and checks the host itself, then connects to the checked
    address through `inner` (anyio's backend by default; tests pass a recording one). httpcore still
    uses the host name for TLS SNI and certificate checks."""

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

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
