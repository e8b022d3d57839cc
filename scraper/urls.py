"""URLs in one place: which ones scraper takes, their canonical form, and what "host" and "site" mean.

Public functions::

    url_problem(url) -> str | None     why a URL is refused; None for an http(s) URL scraper can take
    redact_url(url) -> str             `url` as messages and logs show it: ``user:password@`` as ``***@``
    normalise_url(url) -> str | None   the canonical form, the frontier key; None exactly when refused
    host_key(url) -> str               the server politeness is counted against
    site_of(url) -> str                the site a link belongs to, for "does this link stay on the site"

One validator for every way a URL comes in: the configuration (`sources.urls`, `feeds` ...), `scraper get`
(an ``invalid_url`` row), the Fetcher (a URL given to it and every redirect's target) and discovery (links,
feeds, sitemaps, URL files). What one of them refuses, all do.

A URL with credentials (``http://user:password@host/``) is refused: once taken, it would be stored,
exported and logged with its password. Credentials are given per host in the `fetch.credentials` setting
instead, and sent by the Fetcher to that host only. No message here shows a URL's userinfo.

Two notions of host, on purpose:

- `host_key` is the *server*: the host name as `normalise_url` writes it, and the port when it is not the
  scheme's default (``news.example``, ``news.example:8080``, ``[::1]:8080``). Politeness is counted per
  server: the Fetcher's per-host limit, delay and robots.txt Crawl-delay, and the store's `urls.host`
  column and `hosts` table, which the per-host claim caps and the host turns shared by workers use. It is
  one function so that a worker's own limits and the store's count the same thing.
  Two ports are two servers: each is its own process with its own capacity (a site's staging server, the
  test sites, which run one server per port), as the Fetcher has always counted them. The scheme is not
  part of the key: ``http://`` and ``https://`` of one name are one server, reached on its default ports.
  The store once kept the name alone, port or not; a row so written is still claimed under that name,
  and its requests take their server's turn.
- `site_of` is the *site*: the host name without ``www.`` and without the port. A section page's links
  that stay on its site are the ones discovery keeps; ``www.news.example`` and ``news.example`` are one
  site, though they may well be two servers to be polite to.

Nothing here does I/O or imports the HTTP client: the configuration, the store and the command line's
offline commands use it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

__all__ = [
    "MAX_URL_LENGTH",
    "host_key",
    "normalise_url",
    "redact_url",
    "site_of",
    "url_problem",
]

# Longer URLs are almost always session or tracking junk; the sitemap protocol allows 2,048 characters.
MAX_URL_LENGTH = 4096

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that only tell a site where a click came from: dropping them makes two links to the
# same article one frontier entry. Prefixes end with "_"; the rest are whole names.
_TRACKING_PREFIXES = ("utm_",)
_TRACKING_NAMES = frozenset(
    {"fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl"}
)
# Characters left as they are in a path and a query: RFC 3986 unreserved, sub-delims, ":" "@" "/" and "%"
# (an existing escape is kept, never escaped twice).
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
# A host name (IDNs as xn--): letters, digits, "_", "-" and dots, starting and ending with neither a dot
# nor a hyphen, which no resolver would look up.
_HOST_NAME_RE = re.compile(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?")
_IPV6_RE = re.compile(r"[0-9a-f:.]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Characters never escaped in a path or query (_PATH_SAFE and _QUERY_SAFE minus "%", plus alphanumerics).
_PLAIN_RE = re.compile(r"[A-Za-z0-9/:@!$&'()*+,;=._~-]*")
_STRAY_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE_RE = re.compile(r"%[0-9a-f]{2}", re.IGNORECASE)
# The userinfo of a URL: after the scheme and its slashes (or backslashes, which browsers read as
# slashes), up to the last "@" before the path, query or fragment.
_USERINFO_RE = re.compile(r"^(\s*[a-z][a-z0-9+.-]*:[/\\]*)[^/?#\\]*@", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Checked:
    """An http(s) URL that passed every check, split, with its host and port in canonical form."""

    parts: SplitResult
    scheme: str  # lower-case
    host: str  # lower-case, IDNA-encoded, no trailing dot, an IPv6 address in brackets
    port: int | None  # None for the scheme's default port

    @property
    def authority(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"


def url_problem(url: str) -> str | None:
    """Why `url` is not an http(s) URL scraper can take, in words for the user; None when it is one."""
    checked = _check(url)
    return checked if isinstance(checked, str) else None


def redact_url(url: str) -> str:
    """`url` as a message or a log line may show it: a ``user:password@`` becomes ``***@``."""
    return _USERINFO_RE.sub(r"\1***@", url, count=1) if "@" in url else url


def normalise_url(url: str) -> str | None:
    """The canonical form of an http(s) URL, or None when `url_problem` refuses it.

    Lower-cases scheme and host, drops the default port, the fragment and tracking parameters
    (``utm_*``, ``fbclid``, ``gclid`` ...), percent-encodes what must be encoded, and gives an empty
    path as ``/``. The order of the remaining query parameters is kept: some servers depend on it.
    """
    checked = _check(url)
    if isinstance(checked, str):
        return None
    parts = checked.parts
    path = _remove_dot_segments(_escape(parts.path, _PATH_SAFE)) or "/"
    query = _strip_tracking(_escape(parts.query, _QUERY_SAFE))
    return urlunsplit((checked.scheme, checked.authority, path, query, ""))


def host_key(url: str) -> str:
    """The server `url` is on, as politeness counts it: ``host`` or ``host:port`` (see the module's doc).

    The same for a URL and its `normalise_url` form. A URL `url_problem` refuses keys by the host name
    it has, lower-cased ("" for none): it fails when fetched, on its own, and needs a key all the same.
    """
    checked = _check(url)
    return checked.authority if isinstance(checked, _Checked) else _raw_host(url)


def site_of(url: str) -> str:
    """The site `url` is on: its host name without ``www.`` and without the port (see the module's doc)."""
    checked = _check(url)
    host = checked.host if isinstance(checked, _Checked) else _raw_host(url)
    return host.removeprefix("www.")


def _check(url: str) -> _Checked | str:
    """`url` split and checked, or why it is refused."""
    # As browsers do (WHATWG URL): tabs and newlines vanish, inner spaces are escaped by normalise_url.
    url = url.strip().replace("\t", "").replace("\n", "").replace("\r", "")
    if not url:
        return "empty URL"
    if len(url) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH} characters"
    if _CONTROL_RE.search(url):
        return f"control character in URL: {redact_url(url)!r}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # bad port, unbalanced IPv6 brackets (it quotes no user or password)
        return f"not a valid URL: {exc}"
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return f"not an http or https URL: {redact_url(url)!r}"
    if not parts.hostname:
        return f"no host in URL: {redact_url(url)!r}"
    host = _normalise_host(parts.hostname)
    if host is None:
        return f"invalid host name {parts.hostname!r}"
    checked = _Checked(parts, scheme, host, None if port == _DEFAULT_PORTS[scheme] else port)
    if "@" in parts.netloc:
        return (
            f"credentials in URL {redact_url(url)!r}: URLs with user:password@ are refused; "
            f"give them for host {checked.authority!r} in the fetch.credentials setting"
        )
    return checked


def _normalise_host(hostname: str) -> str | None:
    host = hostname.lower().rstrip(".")
    if ":" in host:  # an IPv6 literal; urlsplit removed its brackets
        return f"[{host}]" if _IPV6_RE.fullmatch(host) else None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host if _HOST_NAME_RE.fullmatch(host) and ".." not in host else None


def _raw_host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _escape(text: str, safe: str) -> str:
    """Percent-encode what must be, once: a stray "%" becomes "%25", existing escapes get upper-case hex."""
    if "%" not in text and _PLAIN_RE.fullmatch(text):
        return text  # the common case, and the hot path for a 50,000-URL sitemap
    text = _STRAY_PERCENT_RE.sub("%25", text)
    return _ESCAPE_RE.sub(lambda m: m.group(0).upper(), quote(text, safe=safe))


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 section 5.2.4: "/a/./b/../c" is "/a/c". Rare in links, so only done when present.
    segments = path.split("/")
    if "." not in segments and ".." not in segments:
        return path
    output: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    trailing = "/" if segments[-1] in (".", "..") else ""
    return "/" + "/".join(output) + trailing


def _strip_tracking(query: str) -> str:
    # Split by hand rather than parse_qsl + urlencode, which would re-encode the values we keep.
    kept = []
    for pair in query.split("&"):
        name = pair.split("=", 1)[0].lower()
        if not pair or name in _TRACKING_NAMES or name.startswith(_TRACKING_PREFIXES):
            continue
        kept.append(pair)
    return "&".join(kept)
