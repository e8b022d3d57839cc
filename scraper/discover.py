"""Feeds, sitemaps and section pages → article URLs. Nothing here fetches: callers pass bytes in.

Public functions::

    parse_feed(data, base_url) -> list[str]              RSS, Atom (feedparser) and JSON Feed
    parse_sitemap(data, base_url) -> SitemapResult       urlset, sitemapindex, news sitemaps, gzip, plain text
    links_from_page(html, base_url, include, exclude) -> list[str]   article links of a home or section page
    filter_urls(urls, include, exclude) -> list[str]     include/exclude regular expressions (RE2)
    pattern_problem(pattern) -> str | None               why a pattern cannot be an include/exclude one
    read_url_file(path) -> UrlFile                       one URL per line, ``#`` comments

Every returned list is normalised (`scraper.urls.normalise_url`: the frontier key), free of duplicates and
in document order, except `read_url_file`, which returns the lines as written so that an invalid one can be
reported (and, apart, the lines that are not UTF-8 text). A section page's links stay on its site as
`scraper.urls.site_of` says (``www.`` aside).

XML safety: feeds and sitemaps come from strangers. Before any XML parser builds anything, the bytes are
checked with defusedxml, which refuses entity declarations (billion laughs, quadratic blow-up) and
external references; sitemaps may not even carry a DTD. Gzipped bodies are inflated with a bound, and
every input is size-capped, so a hostile server costs at most `MAX_XML_BYTES` of memory.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_etree
import feedparser
import re2
from defusedxml import DefusedXmlException
from selectolax.lexbor import LexborHTMLParser

from .errors import ConfigError, DiscoveryError, ExtractionError
from .extract.guard import check_tree, guard_input
from .urls import normalise_url, site_of

__all__ = [
    "MAX_SITEMAP_URLS",
    "MAX_XML_BYTES",
    "SitemapResult",
    "UrlFile",
    "UrlPattern",
    "filter_urls",
    "links_from_page",
    "parse_feed",
    "parse_sitemap",
    "pattern_problem",
    "read_url_file",
]

log = logging.getLogger(__name__)

# The sitemap protocol caps one file at 50 MB uncompressed and 50,000 URLs; feeds are far smaller.
# Anything beyond is refused (size) or cut (count) rather than trusted.
MAX_XML_BYTES = 50 * 1024 * 1024
MAX_SITEMAP_URLS = 50_000
# Size of each inflate step: bounds the memory held beyond the cap while checking it.
_INFLATE_CHUNK = 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"  # a URL file saved by a Windows editor may start with one

# Path segments that name listing pages, not articles (tag, author, category, search, account pages).
_LISTING_SEGMENTS = frozenset(
    {
        "about",
        "account",
        "archive",
        "archives",
        "author",
        "authors",
        "categories",
        "category",
        "contact",
        "cookies",
        "feed",
        "feeds",
        "login",
        "logout",
        "newsletter",
        "newsletters",
        "page",
        "privacy",
        "profile",
        "register",
        "rss",
        "search",
        "section",
        "sections",
        "signin",
        "signup",
        "subscribe",
        "tag",
        "tags",
        "terms",
        "topic",
        "topics",
        "user",
        "users",
        "wp-admin",
        "wp-login.php",
    }
)
# Segments a listing page has after its listing word ("/tag/<name>"), counting the word itself.
_LISTING_TAIL = 2
# File types that are never article pages.
_NON_PAGE_SUFFIXES = (
    ".7z", ".avi", ".css", ".csv", ".doc", ".docx", ".gif", ".gz", ".ico", ".jpeg", ".jpg", ".js",
    ".json", ".m4a", ".mov", ".mp3", ".mp4", ".ogg", ".pdf", ".png", ".ppt", ".rss", ".svg", ".tar",
    ".txt", ".wav", ".webm", ".webp", ".xls", ".xlsx", ".xml", ".zip",
)  # fmt: skip
# An article slug names its story in words: "storm-hits-the-coast" has at least this many of them.
_MIN_SLUG_WORDS = 3
# ...or carries an id: a run of digits this long (CMS ids, "/2024/05/12/" dates count via _DATE_PATH_RE).
_MIN_ID_DIGITS = 5
_DATE_PATH_RE = re.compile(r"/(19|20)\d\d/(0?[1-9]|1[0-2])(/(0?[1-9]|[12]\d|3[01]))?(/|$)")
_SLUG_WORD_RE = re.compile(r"[^\W_]+")
# Links inside these elements are site navigation, not content listings. Matched by one selector, in C:
# walking each link's ancestors in Python took 30 s for 20,000 links 10,000 levels deep.
_NAVIGATION_LINKS = ", ".join(
    f"{container} a[href]" for container in ("nav", "header", "footer", '[role="navigation"]')
)


@dataclass(frozen=True, slots=True)
class SitemapResult:
    """What one sitemap file lists: page URLs (`urlset`) and child sitemaps (`sitemapindex`)."""

    urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    more_sitemaps: bool = False  # it lists more child sitemaps than the `max_sitemaps` kept


def _unique_normalised(urls: Iterable[str], base_url: str) -> list[str]:
    return _first_unique_normalised(urls, base_url, limit=None).urls


@dataclass(frozen=True)
class _Kept:
    urls: list[str]
    more: bool  # a URL past `limit` would have been kept too


def _first_unique_normalised(raw_urls: Iterable[str], base_url: str, *, limit: int | None) -> _Kept:
    """The first `limit` distinct URLs of `raw_urls`, normalised. Normalising is most of a sitemap's cost,
    so it stops at the limit: past it, only spellings not seen before are normalised, until one is new."""
    seen: set[str] = set()
    seen_raw: set[str] = set()
    result: list[str] = []
    for raw in raw_urls:
        raw = raw.strip()
        if not raw or raw in seen_raw:
            continue  # urljoin would turn an empty entry into the base URL itself
        seen_raw.add(raw)
        url = normalise_url(raw if raw.startswith(("http://", "https://")) else urljoin(base_url, raw))
        if url is None or url in seen:
            continue
        if limit is not None and len(result) >= limit:
            return _Kept(result, more=True)
        seen.add(url)
        result.append(url)
    return _Kept(result, more=False)


# Include and exclude patterns are run by RE2, in time linear in the URL whatever the pattern: Python's
# backtracking `re` took 12 s on a 49-character URL with r"^https?://[^/]+/(\w+-?)+/$", twice as long with
# each character more. What RE2 cannot run (backreferences, lookarounds) is refused with the settings.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # else RE2's C++ logger prints every refused pattern on stderr
# What RE2's error message starts with → what the pattern has that RE2 cannot run.
_RE2_REASONS: tuple[tuple[str, str], ...] = (
    *((f"invalid escape sequence: \\{digit}", "a backreference") for digit in "123456789"),
    ("invalid perl operator: (?P", "a backreference"),  # (?P=name)
    ("invalid perl operator: (?=", "a lookaround"),
    ("invalid perl operator: (?!", "a lookaround"),
    ("invalid perl operator: (?<", "a lookaround"),
    ("invalid repetition size", "a repeat count over 1000"),
    ("pattern too large", "more states than RE2's memory budget allows"),
)


class UrlPattern(Protocol):
    """A compiled include/exclude pattern."""

    def search(self, text: str) -> object: ...


def pattern_problem(pattern: str) -> str | None:
    """What `pattern` should be to serve as an include/exclude pattern, or None when it can.

    It must be a Python regular expression (the documented syntax) that RE2 can run: RE2 matches in
    time linear in the URL, with the same meaning where both engines take a pattern (``\\w``, ``\\d`` and
    ``\\b`` are ASCII in RE2; normalised URLs are ASCII).
    """
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"a valid regular expression ({exc})"
    except (OverflowError, RecursionError) as exc:  # a repeat count past sys.maxsize, deep nesting
        return f"a valid regular expression ({type(exc).__name__})"
    try:
        re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        error = exc.args[0].decode("utf-8", "replace") if exc.args else ""
        has = next((why for start, why in _RE2_REASONS if error.startswith(start)), "a construct it lacks")
        return f"a regular expression RE2 can run in linear time; this one has {has} ({error})"
    return None


def _compile(patterns: Sequence[str]) -> list[UrlPattern]:
    compiled: list[UrlPattern] = []
    for pattern in patterns:
        problem = pattern_problem(pattern)
        if problem is not None:
            raise ConfigError(f"invalid regular expression {pattern!r}: expected {problem}")
        compiled.append(re2.compile(pattern, _RE2_OPTIONS))
    return compiled


def filter_urls(urls: Iterable[str], include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    """Keep URLs matching any `include` pattern (all when there is none) and no `exclude` pattern.

    Patterns are regular expressions searched anywhere in the URL (as ``re.search``), run by RE2;
    one RE2 cannot run is a ConfigError (see `pattern_problem`).
    """
    wanted, unwanted = _compile(include), _compile(exclude)
    return [url for url in urls if _passes(url, wanted, unwanted)]


def _passes(url: str, wanted: list[UrlPattern], unwanted: list[UrlPattern]) -> bool:
    if wanted and not any(p.search(url) for p in wanted):
        return False
    return not any(p.search(url) for p in unwanted)


@dataclass(frozen=True, slots=True)
class UrlFile:
    """The lines of a URL file: its URLs as written, and the lines that are not UTF-8 text (no URL can be
    read from them: each is that line's failure, as `scraper get -i` has it, and the others still count)."""

    urls: list[str]
    not_utf8: list[tuple[int, str]]  # (line number, the line with its bad bytes escaped: \xe9)


def read_url_file(path: str | Path) -> UrlFile:
    """The URLs of a text file, one per line; blank lines and lines starting with ``#`` are skipped.

    Lines are returned stripped but not normalised, so an invalid one can be reported as such.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: URL file not found") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read URL file: {exc.strerror or exc}") from exc
    urls: list[str] = []
    not_utf8: list[tuple[int, str]] = []
    for number, raw in enumerate(data.removeprefix(_UTF8_BOM).splitlines(), 1):
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            not_utf8.append((number, raw.decode("utf-8", "backslashreplace").strip()))
            continue
        if line and not line.startswith("#"):
            urls.append(line)
    return UrlFile(urls, not_utf8)


# --- safe XML -----------------------------------------------------------------------------------


def _bounded_body(data: bytes, what: str) -> bytes:
    """`data`, inflated when gzipped, refused when larger than MAX_XML_BYTES either way."""
    if len(data) > MAX_XML_BYTES:
        raise DiscoveryError(f"{what} is larger than {MAX_XML_BYTES} bytes")
    if not data.startswith(_GZIP_MAGIC):
        return data
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    try:
        while pending and not inflater.eof:
            # max_length keeps each step small, so a bomb is caught one chunk past the cap.
            out += inflater.decompress(pending, _INFLATE_CHUNK)
            pending = inflater.unconsumed_tail
            if len(out) > MAX_XML_BYTES:
                raise DiscoveryError(f"{what} inflates to more than {MAX_XML_BYTES} bytes")
    except zlib.error as exc:
        raise DiscoveryError(f"{what}: broken gzip data: {exc}") from exc
    if not inflater.eof:
        raise DiscoveryError(f"{what}: gzip data cut short")
    return bytes(out)


def _safe_events(data: bytes, *, forbid_dtd: bool) -> Iterator[Element]:
    """Elements of an XML document as they close; entity declarations and external references refused."""
    try:
        for _, element in safe_etree.iterparse(
            io.BytesIO(data),
            events=("end",),
            forbid_dtd=forbid_dtd,
            forbid_entities=True,
            forbid_external=True,
        ):
            yield element
    except DefusedXmlException as exc:
        raise DiscoveryError(f"unsafe XML refused: {exc}") from exc
    except ValueError as exc:  # expat: "multi-byte encodings are not supported" (a declared utf-16-le)
        raise ParseError(str(exc)) from exc


def _declares_entity(body: bytes) -> bool:
    """An entity declaration in XML the parser gave up on. NULs are dropped first: UTF-16 and UTF-32 spell
    "<!ENTITY" with NUL bytes between its letters."""
    return b"<!entity" in body.replace(b"\x00", b"").lower()


def _local_name(tag: object) -> str:
    # Namespaces are ignored: sitemaps in the wild use wrong or missing ones.
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


# --- sitemaps -----------------------------------------------------------------------------------

# A <loc> is a URL: no "<" inside. Matching up to the next "<" keeps the fallback linear on hostile input:
# a lazy ".*?" up to "</loc>" would scan to the end of the body from every unclosed <loc> (195 KiB took 50 s).
_LOC_RE = re.compile(rb"<(?:\w+:)?loc>([^<]*)</(?:\w+:)?loc>", re.IGNORECASE)


def parse_sitemap(data: bytes, base_url: str, *, max_sitemaps: int = MAX_SITEMAP_URLS) -> SitemapResult:
    """The page URLs and child sitemaps listed by a sitemap (XML, gzipped XML or plain text).

    Handles ``urlset`` (including Google News and image sitemaps: only each ``<url>``'s own ``<loc>``
    counts) and ``sitemapindex``. At most MAX_SITEMAP_URLS entries are kept, and at most `max_sitemaps`
    child sitemaps (the most its source may fetch: `more_sitemaps` says there were more). Malformed XML
    falls back to collecting ``<loc>`` elements, as search engines do; unsafe XML raises DiscoveryError.
    """
    body = _bounded_body(data, "sitemap").lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        return SitemapResult()
    if not body.startswith(b"<"):
        # The protocol also allows a plain text file of URLs, one per line.
        lines = body.decode("utf-8", "replace").splitlines()
        return SitemapResult(urls=tuple(_capped(lines, base_url, MAX_SITEMAP_URLS).urls))
    pages: list[str] = []
    children: list[str] = []
    try:
        for element in _safe_events(body, forbid_dtd=True):
            _collect_sitemap_entry(element, pages, children)
    except ParseError as exc:
        log.info("malformed sitemap %s (%s): collecting <loc> elements instead", base_url, exc)
        pages, children = _regex_sitemap(body)
    sitemaps = _capped(children, base_url, min(max_sitemaps, MAX_SITEMAP_URLS))
    return SitemapResult(
        urls=tuple(_capped(pages, base_url, MAX_SITEMAP_URLS).urls),
        sitemaps=tuple(sitemaps.urls),
        more_sitemaps=sitemaps.more,
    )


def _collect_sitemap_entry(element: Element, pages: list[str], children: list[str]) -> None:
    name = _local_name(element.tag)
    if name not in ("url", "sitemap"):
        return
    for child in element:
        if _local_name(child.tag) == "loc" and child.text:
            (pages if name == "url" else children).append(child.text)
            break
    element.clear()  # keep memory flat on 50,000-entry files


def _regex_sitemap(body: bytes) -> tuple[list[str], list[str]]:
    if _declares_entity(body):
        raise DiscoveryError("unsafe XML refused: entity declaration in a malformed sitemap")
    locs = [unescape(m.group(1).decode("utf-8", "replace")).strip() for m in _LOC_RE.finditer(body)]
    is_index = re.search(rb"<(\w+:)?sitemapindex[\s>]", body, re.IGNORECASE) is not None
    return ([], locs) if is_index else (locs, [])


def _capped(raw_urls: list[str], base_url: str, limit: int) -> _Kept:
    kept = _first_unique_normalised(raw_urls, base_url, limit=limit)
    if kept.more and limit == MAX_SITEMAP_URLS:
        log.warning("%s lists more than %d URLs; keeping the first %d", base_url, limit, limit)
    return kept


# --- feeds --------------------------------------------------------------------------------------


def parse_feed(data: bytes, base_url: str) -> list[str]:
    """The article URLs of an RSS, Atom or JSON feed, in feed order.

    Unsafe XML (entity declarations, external references) raises DiscoveryError; a body that is no
    feed at all also raises DiscoveryError, while an empty feed gives an empty list.
    """
    body = _bounded_body(data, "feed").lstrip(b"\xef\xbb\xbf \t\r\n")
    if body.startswith(b"{"):
        return _unique_normalised(_json_feed_links(body), base_url)
    _check_feed_xml(body)
    # A stream, never bytes or str: feedparser would take those for a file name or a URL to fetch.
    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries and not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "no RSS, Atom or JSON Feed document"
        raise DiscoveryError(f"not a feed: {reason}")
    feed_base = parsed.feed.get("link") if isinstance(parsed.feed.get("link"), str) else None
    links = [_entry_link(entry) for entry in parsed.entries]
    return _unique_normalised((link for link in links if link), urljoin(base_url, feed_base or ""))


def _check_feed_xml(body: bytes) -> None:
    """Refuse entity tricks before feedparser sees the bytes; malformed feeds go on to its loose parser."""
    try:
        for _ in _safe_events(body, forbid_dtd=False):
            pass
    except ParseError:
        # Malformed: defusedxml stopped early, so look for a declaration in the raw bytes too.
        if _declares_entity(body):
            raise DiscoveryError("unsafe XML refused: entity declaration in a malformed feed") from None


def _entry_link(entry: Any) -> str | None:
    link = entry.get("link")
    if isinstance(link, str) and link:
        return link
    for candidate in entry.get("links", ()):
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            return str(candidate["href"])
    guid = entry.get("id")  # an RSS guid is often the permalink
    return guid if isinstance(guid, str) and guid.startswith(("http://", "https://")) else None


def _json_feed_links(body: bytes) -> list[str]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise DiscoveryError(f"not a JSON feed: {exc}") from exc
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise DiscoveryError("not a JSON feed: no items list")
    links = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if isinstance(link, str):
            links.append(link)
    return links


# --- section and home pages ---------------------------------------------------------------------


def links_from_page(
    html: str, base_url: str, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[str]:
    """Same-site links of a home or section page that look like articles, in page order.

    A link qualifies when it stays on the page's site (`scraper.urls.site_of`: the host name, ``www.``
    and port aside), is not in a ``<nav>``, ``<header>`` or ``<footer>``, is not a file or a listing
    page (tag, author, category, search, pagination ...) and its path looks like an article: a slug of
    several words, a long id or a date. A link matching an `include` pattern needs no slug, id or date
    (the user vouches for it); `exclude` patterns drop links whatever they look like.
    """
    wanted, unwanted = _compile(include), _compile(exclude)
    tree = _parsed_page(html)
    base = _document_base(tree, base_url)
    page = normalise_url(base_url)
    site = site_of(base)
    in_navigation = {anchor.mem_id for anchor in tree.css(_NAVIGATION_LINKS)}
    candidates = []
    for anchor in tree.css("a[href]"):
        href = anchor.attributes.get("href") or ""
        if href.startswith(("#", "javascript:", "mailto:", "tel:")) or anchor.mem_id in in_navigation:
            continue
        url = normalise_url(urljoin(base, href))
        if url is None or url == page or site_of(url) != site or not _passes(url, [], unwanted):
            continue
        path = urlsplit(url).path
        if _is_listing_or_file(path):
            continue
        if (wanted and any(p.search(url) for p in wanted)) or (not wanted and _looks_like_article(path)):
            candidates.append(url)
    return list(dict.fromkeys(candidates))


def _document_base(tree: LexborHTMLParser, base_url: str) -> str:
    node = tree.css_first("base[href]")
    href = node.attributes.get("href") if node is not None else None
    return urljoin(base_url, href) if href else base_url


def _parsed_page(html: str) -> LexborHTMLParser:
    """The page parsed under the extractor's guard: what a hostile page makes the parser build is bounded
    the same way for a section page as for an article."""
    try:
        guarded = guard_input(html)
        tree = LexborHTMLParser(guarded.html)
        check_tree(tree, guarded)
    except ExtractionError as exc:
        raise DiscoveryError(f"page refused: {exc}") from exc
    return tree


def _is_listing_or_file(path: str) -> bool:
    segments = [s.lower() for s in path.split("/") if s]
    if not segments or segments[-1].endswith(_NON_PAGE_SUFFIXES):
        return True  # the home page, or a file
    # "/tag/storm", "/author/jane-doe/", "/world/page/2": a listing word and at most one segment after
    # it. Deeper paths ("/archive/2023/11/some-story") are articles filed under such a word.
    listing = [i for i, segment in enumerate(segments) if segment in _LISTING_SEGMENTS]
    return bool(listing) and len(segments) - listing[-1] <= _LISTING_TAIL


def _looks_like_article(path: str) -> bool:
    segments = [s for s in path.split("/") if s]
    last = re.sub(r"\.s?html?$|\.php$|\.aspx?$", "", segments[-1].lower())
    if len(_SLUG_WORD_RE.findall(last)) >= _MIN_SLUG_WORDS and not last.isdigit():
        return True
    if re.search(rf"\d{{{_MIN_ID_DIGITS},}}", path):
        return True
    # A date in the path with something after it: /2024/05/some-story, not the archive /2024/05/.
    match = _DATE_PATH_RE.search(path)
    return match is not None and len(path[match.end() :].strip("/")) > 0
