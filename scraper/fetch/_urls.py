"""URLs as the Fetcher takes them: checked (`scraper.urls.url_problem`, then the address guard for numeric
hosts), numeric hosts written as the address they mean, and the origin robots.txt and credentials go by.
Politeness counts per server, `scraper.urls.host_key`: the store's key too, and the key of the
`fetch.credentials` setting."""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Mapping

import httpx

from ..models import ErrorKind
from ..urls import host_key, redact_url, url_problem
from ._errors import Failure
from ._guard import ALLOW_PRIVATE_HINT, is_public_address, parse_numeric_host

__all__ = [
    "CROSS_ORIGIN_DROPPED_HEADERS",
    "REDIRECT_STATUSES",
    "Authorizations",
    "Origin",
    "checked_url",
    "origin",
    "redirect_target",
]

Origin = tuple[str, str, int | None]
"""Scheme, host and port: whose robots.txt applies, and where credentials may go."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Credentials go to the origin they were given for, never where a redirect leads.
CROSS_ORIGIN_DROPPED_HEADERS = ("authorization", "cookie")


class Authorizations:
    """The `fetch.credentials` setting as the Authorization header (HTTP Basic, RFC 7617, UTF-8) each
    host gets: only the host they were given for, on whatever path (robots.txt included: a site behind
    a login often has its robots.txt behind it too, and a 401 would read as "allow all"), and the host
    a redirect leads to gets its own or none. The header is never logged."""

    def __init__(self, credentials: Mapping[str, str]) -> None:
        self._by_host = {
            host: "Basic " + base64.b64encode(userpass.encode("utf-8")).decode("ascii")
            for host, userpass in credentials.items()
        }

    def added(self, target: httpx.URL, headers: Mapping[str, str]) -> Mapping[str, str]:
        """`headers`, with the Authorization of `target`'s host when it has credentials and `headers`
        none of their own."""
        if not self._by_host or "authorization" in headers:
            return headers  # the common case costs no parse of the URL
        authorization = self._by_host.get(host_key(str(target)))
        return headers if authorization is None else {**headers, "authorization": authorization}


def origin(url: httpx.URL) -> Origin:
    return (url.scheme, url.host, url.port)


def checked_url(url: str, *, allow_private: bool) -> httpx.URL:
    """`url` parsed and checked; raises a Failure of kind invalid_url or blocked_address."""
    problem = url_problem(url)
    if problem is not None:
        raise Failure(ErrorKind.INVALID_URL, problem)
    try:
        target = httpx.URL(_canonical_numeric_host(url.strip()))
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise Failure(ErrorKind.INVALID_URL, f"invalid URL: {exc}") from exc
    host = target.host
    numeric = parse_numeric_host(host) if host else None
    if numeric is not None:
        if not allow_private and not is_public_address(numeric):
            raise Failure(ErrorKind.BLOCKED_ADDRESS, _blocked(_written_host(url), str(numeric)))
        if str(numeric) != host:  # 2130706433, 0x7f.1 ... as the address they are
            target = target.copy_with(host=str(numeric))
    # Each copy parses the URL again (a good part of the CPU a request costs): only when needed.
    return target.copy_with(fragment=None) if target.fragment else target


def _blocked(written: str, address: str) -> str:
    """The refusal of a numeric host, named as the URL writes it (2130706433, 0x7f.1): the address it
    means is said beside it only when it reads otherwise."""
    if written in ("", address):
        return f"{address} is a non-public address{ALLOW_PRIVATE_HINT}"
    return f"{written} is the non-public address {address}{ALLOW_PRIVATE_HINT}"


def _written_host(url: str) -> str:
    """The host of `url` as written (lower-cased, as urllib gives it); "" when it has none."""
    try:
        return urllib.parse.urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""


def redirect_target(current: httpx.URL, location: str, *, allow_private: bool) -> httpx.URL:
    """Where a redirect from `current` to `location` leads, checked as any URL."""
    try:
        joined = current.join(location.strip())
    except (httpx.InvalidURL, ValueError) as exc:
        message = f"invalid redirect Location {redact_url(location)!r}: {exc}"
        raise Failure(ErrorKind.INVALID_URL, message) from exc
    return checked_url(str(joined), allow_private=allow_private)


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
