"""The fetcher: polite, bounded, hostile-server-proof HTTP. The only package that imports httpx.

Public API::

    async with Fetcher(settings.fetch) as fetcher:
        result = await fetcher.fetch("https://example.com/a", validators=None)       # one URL -> FetchResult
        feed = await fetcher.fetch("https://example.com/feed.xml", accept="xml")     # feeds and sitemaps
        async for result in fetcher.fetch_many(["https://a.example/1", ("https://b.example/2", validators)]):
            ...                                                                      # as they complete

    Fetcher(settings, resolver=...)   # tests/benches: map fake host names (a.test) to addresses
    Fetcher(settings, transport=httpx.MockTransport(handler))                       # unit tests
    Fetcher(settings, transport=PerHostTransport(make_pool, max_idle_pools=2))     # pool tests

    AddressGuard(resolver, allow_private=False).addresses("a.example")   # checked addresses, or raises
    GuardedNetworkBackend(guard, inner=...)   # httpcore backend that connects only to checked addresses

Every result has `url` (as given), `status`, `attempts`, `elapsed`; `http_status`, `headers` (lower-case
names) and `final_url` once a response came.

`fetch` never raises for a problem with one URL; the `FetchResult` says what happened:

- ``OK`` — `content` holds the decoded body (Content-Encoding undone), `text` and `encoding` the
  charset-decoded HTML (``accept="html"`` only), `validators` the response's ETag / Last-Modified,
  `final_url` the URL after redirects, `attempts` the HTTP requests made (robots.txt not counted),
  `elapsed` seconds.
- ``NOT_MODIFIED`` — a 304 to the conditional GET built from the `validators` given.
- ``SKIPPED`` with `skip_reason`, a `SkipReason`: ``robots`` (disallowed), ``not_html`` (another content
  type, or a binary body sent as text/html), ``not_xml`` (``accept="xml"``: not a feed or sitemap type).
- ``DEFERRED`` with `retry_at` — the server asked (Retry-After) for a longer wait than `max_retry_after`.
- ``FAILED`` with `error` = ErrorInfo(kind, message), kind an `ErrorKind`, here one of: ``timeout``,
  ``connect``, ``too_large``, ``blocked_address``, ``invalid_url``, ``http_status`` (`http_status` set),
  ``truncated``, ``too_many_redirects``, ``decoding``, ``protocol``, ``robots_unavailable`` (robots.txt
  answered 5xx or not at all: RFC 9309 says wait, so the URL is not fetched now; the message says why).

What it guarantees, and how:

- Deadlines: httpx's connect/read timeouts, plus `settings.timeout` around each whole attempt (connect to last
  byte), since a server trickling a byte every half second never trips a read timeout.
- Size: the decoded body is capped at `max_size` while streaming. httpx expands a compressed chunk without
  limit, so we send Accept-Encoding ourselves, read raw bytes, and undo gzip/deflate/br/zstd with decoders
  that hand out at most a mebibyte at a time, at most three codings stacked (more is ``decoding``, as
  is an unknown one). A compressed stream cut short is ``truncated``.
- Address guard (unless `allow_private`): host names are resolved by us and every address checked at connect
  time, inside httpcore's network backend, on every hop and every new connection (so DNS rebinding cannot
  slip past); we then connect to the checked address, while TLS SNI and Host keep the name. Numeric hosts
  (``2130706433``, ``0x7f.1``, ``127.1``) are normalised first. With a proxy configured the proxy connects,
  so the target name is checked before each request instead.
- Redirects are followed here (at most `max_redirects`), each hop checked again (http/https only, address
  guard, robots.txt); Authorization and Cookie headers never go to another origin; cookies are not kept.
- Credentials: a URL with ``user:password@`` is ``invalid_url`` (given or a redirect's target), so none is
  ever logged or stored; the `credentials` setting (`fetch.credentials`, host key → "user:password")
  sends HTTP Basic to its host only, robots.txt included, and never to the host a redirect leads to.
- Politeness (decisions in `scraper.politeness`): a global limit (`concurrency`), a per-host limit
  (`per_host_concurrency`; a host is `scraper.urls.host_key`, the name and a port that is not the default,
  the store's key too), requests to one host sent at least `delay` apart (or robots.txt's Crawl-delay, capped
  at `max_retry_after`), counted from when each request actually went out; robots.txt fetched through the
  same guarded path, read up to 500 KiB (RFC 9309; the rest ignored).
- Memory flat in the number of origins (bench/origins.py): robots.txt rules are kept for the most recently
  used origins within a count and an estimated-size budget (a dropped origin's robots.txt is fetched again
  when it comes back, its Crawl-delay set again); hosts idle with their delay passed are forgotten by the
  schedule and the slots; idle connection pools are closed beyond a count.
- Settings every request would fail with are refused at construction (`FetchError` naming them): a
  `user_agent` or extra header holding CR, LF or another control character.
- Retries (`attempts` in all) for connect errors, timeouts, 408/429/500/502/503/504, with exponential backoff
  and jitter; Retry-After is honoured up to `max_retry_after`, beyond it the URL is DEFERRED.
- Cost: one small connection pool per host (`PerHostTransport`), since httpcore's pool polls every idle
  connection on each request; about 1 ms of CPU per page (bench/fetch.py).

Modules, by job: ``_fetcher`` (the Fetcher: redirects, retries, results), ``_errors`` (the one table from
low-level exceptions to error kinds), ``_guard`` (address guard and guarded network backend), ``_urls``
(URL checks), ``_pools`` (per-host connection pools), ``_decoders`` (bounded Content-Encoding decoders),
``_body`` (content types and the capped body), ``_robots`` (robots.txt rules per origin, in a bounded
cache), ``_slots`` (the politeness waits). Charset decoding is ``scraper.charset``, shared with the extractor.
"""

from __future__ import annotations

from ._body import Accept
from ._errors import BlockedAddressError
from ._fetcher import Fetcher
from ._guard import AddressGuard, GuardedNetworkBackend, Resolver, is_public_address, parse_numeric_host
from ._pools import PerHostTransport
from ._slots import HostGate

__all__ = [
    "Accept",
    "AddressGuard",
    "BlockedAddressError",
    "Fetcher",
    "GuardedNetworkBackend",
    "HostGate",
    "PerHostTransport",
    "Resolver",
    "is_public_address",
    "parse_numeric_host",
]
