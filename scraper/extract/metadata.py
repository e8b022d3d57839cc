"""Page metadata from JSON-LD, OpenGraph, <meta> and the page itself.

Each field is taken from the most trusted source that has a usable value, in this order:

1. JSON-LD (schema.org): the page's article object (NewsArticle, BlogPosting ..., found at the top level,
   in lists or in ``@graph``; ``@id`` references resolved), else its WebPage object;
2. OpenGraph and ``article:*`` properties;
3. other ``<meta>`` names: author, date, description, ``citation_*``, ``dc.*``, ``parsely-*``,
   ``sailthru.*``;
4. microdata (``itemprop``) and ``<time datetime>`` elements;
5. the page itself: ``<title>`` without its " | Site" suffix, ``<h1>``, ``rel=author`` and byline
   elements, a date in the URL path (``/2024/03/05/``).

Values are cleaned, not invented: authors lose their "By" and are refused when they are a URL, an e-mail
address or a sentence; dates come only from structured fields, date elements and the URL path, and are
written as ISO 8601 (a date, or a full date-time when the source gives a time and a UTC offset).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

__all__ = ["Metadata", "extract_metadata", "normalise_date"]


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    hostname: str | None = None
    language: str | None = None
    description: str | None = None
    canonical_url: str | None = None


# ---------------------------------------------------------------------------------------------------------
# Tuning values

# JSON-LD blocks beyond this size are product catalogues or state dumps, not article metadata; skipping
# them bounds the time spent in json.loads on hostile pages.
MAX_JSON_LD_CHARS = 512 * 1024
# Objects visited in one page's JSON-LD (a @graph of a big site holds a few dozen).
MAX_JSON_LD_OBJECTS = 2000
# Longer "authors" are sentences or lists of credits, not names.
MAX_AUTHOR_CHARS = 80
MAX_AUTHOR_WORDS = 7
MAX_AUTHORS = 10
# Titles longer than this are paragraphs that landed in a title slot.
MAX_TITLE_CHARS = 300
# <h1> elements looked at (pages put logos, section names and teasers in more of them).
MAX_HEADINGS = 5
# Share of an <h1>'s words that must occur in a metadata title for it to be taken as the headline.
MIN_HEADING_CONFIRMATION = 0.5
# Share of that metadata title's words the <h1> must cover (a logo "Discord" is one word of a long title).
MIN_TITLE_COVERAGE = 0.3
# A title suffix (" | Site") is only taken as a site name when it is this short.
MAX_SITENAME_WORDS = 6
# Plausible publication years: older dates are birthdays or founding years, not publications.
MIN_YEAR = 1990
MAX_YEAR = 2100
# Date-like text is only read from short elements: a long one is prose that happens to hold a date.
MAX_DATE_TEXT_CHARS = 120

# ---------------------------------------------------------------------------------------------------------
# Rules as data

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "liveblogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "advertisercontentarticle",
        "scholarlyarticle",
        "medicalscholarlyarticle",
        "techarticle",
        "report",
        "socialmediaposting",
        "discussionforumposting",
        "review",
        "howto",
        "recipe",
        "videoobject",
        "podcastepisode",
    }
)
PAGE_TYPES = frozenset(
    {
        "webpage",
        "itempage",
        "aboutpage",
        "faqpage",
        "qapage",
        "medicalwebpage",
        "profilepage",
        "collectionpage",
    }
)
SITE_TYPES = frozenset({"website"})
ORGANISATION_TYPES = frozenset({"organization", "newsmediaorganization", "corporation", "onlinebusiness"})

# <meta> keys (name, property or itemprop, lower-cased) in order of trust, per field.
TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "citation_title", "parsely-title", "sailthru.title")
AUTHOR_KEYS = (
    "author",
    "article:author",
    "og:article:author",
    "citation_author",
    "dc.creator",
    "dcterms.creator",
    "parsely-author",
    "sailthru.author",
    "byl",
    "twitter:data1",  # "Written by" in WordPress' Yoast cards; checked below by its label
    "book:author",
)
# Keys repeated once per author (one <meta> each); the others hold one value with every name in it.
MULTI_AUTHOR_KEYS = frozenset({"citation_author", "dc.creator", "dcterms.creator", "article:author"})
DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "citation_publication_date",
    "citation_date",
    "citation_online_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "release_date",
    "article.published",
    "article_date_original",
    "original-publish-date",
    "created",
)
SITENAME_KEYS = (
    "og:site_name",
    "application-name",
    "apple-mobile-web-app-title",
    "publisher",
    "dc.publisher",
)
DESCRIPTION_KEYS = ("og:description", "description", "twitter:description", "dc.description")
LANGUAGE_KEYS = ("content-language", "og:locale", "dc.language", "language")

# Byline elements of the page itself, most specific first. Searched with Lexbor's CSS engine.
AUTHOR_SELECTORS = (
    '[itemprop="author"] [itemprop="name"]',
    '[rel="author"]',
    '[itemprop="author"]',
    ".author-name, .author_name, .authorName, .byline__name, .byline-name, .post-author-name, "
    ".entry-author-name",
    ".byline a, .byline, .author a, .post-author a, .entry-author a, .article-author a, .c-byline a",
    '[class*="byline"], .author, .post-author, .entry-author, .article-author, .posted-by, .written-by',
)
# The first selectors name bylines precisely; the later ones match broadly and are tried after the text.
SPECIFIC_AUTHOR_SELECTORS = 4
# A byline sits just under the headline (or just above it); further away, "By" lines belong to teasers.
BYLINE_AFTER_TITLE_CHARS = 1500
BYLINE_BEFORE_TITLE_CHARS = 500
# As for authors: precise date selectors first, then a date line under the headline, then broad ones.
SPECIFIC_DATE_SELECTORS = 3
# Elements tried per date selector (the first ones are the article's; later ones are teasers' dates).
MAX_DATE_ELEMENTS = 3
# Lines after the headline searched for a name printed beside the date.
MAX_BYLINE_LINES = 30
# A line of text that is a date, maybe with a label ("Last updated: 20 January 2025"), is this short.
MAX_DATE_LINE_CHARS = 60
DATE_SELECTORS = (
    '[itemprop="datePublished"]',
    "time[pubdate], time.published, time.entry-date, time.post-date",
    "article time[datetime], header time[datetime], main time[datetime]",
    ".published, .entry-date, .post-date, .posted-on, .publish-date, .published-date, .article-date, "
    ".date-published, .byline time, .dateline, .article__date, .post-meta time, time[datetime]",
)
# Words that introduce a name in a byline, in the languages most often met.
_BYLINE_WORDS = (
    r"(?:(?:written|posted|published|reviewed|updated|edited|reported|words|story|text|photos?)\s+)?"
    r"(?:by|von|par|por|door|di|da|av|af|przez|от|автор|tekst|author|authors|autor|auteur|autore"
    r"|contributors?|writer|written\s+by|بقلم|كتبه|מאת|作者)"
)
_BYLINE_PREFIX_RE = re.compile(r"^\s*" + _BYLINE_WORDS + r"(?:\s*[:\-–—]\s*|\s+|$)", re.IGNORECASE)
# A line of page text that is a byline: "By Jane Doe", or "Written by" with the name on the next line.
_BYLINE_LINE_RE = re.compile(
    r"^[^\S\n]*" + _BYLINE_WORDS + r"\b[^\S\n]*:?[^\S\n]*\n?\s*(?P<name>[^\n]{2,120})$",
    re.IGNORECASE | re.MULTILINE,
)
_INLINE_SEPARATOR_RE = re.compile(r"\s+[·•|/—–-]\s+")
_LINE_SEPARATORS = frozenset({"·", "•", "|", "/", "-", "—", "–", ",", "in", "on", "by"})
_PERSON_NAME_RE = re.compile(
    r"^(?:[A-Z][\w'’.-]*\.?\s+)(?:(?:[A-Z][\w'’.-]*|van|von|de|der|da|di|la|le|bin|al)\s+){0,2}[A-Z][\w'’-]*$"
)
# Words of headings, menus and labels that a capitalised line near the headline may hold instead of a name.
_NOT_NAME_WORDS = frozenset(
    {"the", "of", "and", "in", "on", "for", "to", "a", "an", "with", "by", "at", "from", "your", "our"}
    | {"blog", "news", "home", "menu", "contents", "share", "posts", "post", "more", "read", "about"}
    | {"contact", "search", "subscribe", "login", "sign", "comments", "related", "minutes", "min"}
    | {"updated", "published", "team", "editorial", "staff", "guide", "tips", "review", "reviews", "table"}
    | {"privacy", "policy", "terms", "cookies", "newsletter", "follow", "us", "all", "new", "latest", "top"}
)
_AUTHOR_SPLIT_RE = re.compile(r"\s*(?:;|\||•|·|,?\s+and\s+|\s+und\s+|\s+et\s+|\s+y\s+|\s*&\s*|,)\s*")
# Credentials after a name ("Jane Doe, Ph.D., RD") stay with it instead of being split off as names.
_CREDENTIAL_RE = re.compile(r"^(?:[A-Z]{2,6}|(?:[A-Z][a-z]?\.){1,3}[A-Z]?[a-z]?\.?|Jr\.?|Sr\.?)[®™]?$")
_TRAILING_DATE_RE = re.compile(
    r"\s+(?:on|am|le|el|il|updated|published|posted)\s+\S.*$|\s+[-–—|]\s+.*$", re.IGNORECASE
)
_NOT_A_NAME_RE = re.compile(r"https?:|www\.|@|\.(?:com|org|net)\b|\d|[<>{}=#/\\]", re.IGNORECASE)
_AUTHOR_NOISE_WORDS = frozenset(
    {
        "admin",
        "administrator",
        "staff",
        "editor",
        "editors",
        "guest",
        "unknown",
        "anonymous",
        "author",
        "null",
        "none",
        "by",
        "facebook",
        "twitter",
        "instagram",
        "linkedin",
        "share",
        "follow",
        "contact",
        "email",
        "more",
        "read more",
        "view all posts",
        "all posts",
        "undefined",
        "webmaster",
        "written by",
        "posted by",
        "the author",
        "contributor",
        "contributors",
    }
)
# Generic credentials and affiliations that follow a name after a comma (kept by the name, not split).
_TITLE_SEPARATORS_RE = re.compile(r"\s+(?:\||-|–|—|::|·|»|•|/|:)\s+")
_QUOTES = "\"'“”‘’«»„"
_WHITESPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")

# Dates ---------------------------------------------------------------------------------------------------
_ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_COMPACT_RE = re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:T?\d{4,6}Z?)?$")
_SLASHED_YMD_RE = re.compile(r"\b(?P<y>(?:19|20)\d{2})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})\b")
_DMY_RE = re.compile(r"\b(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>(?:19|20)\d{2})\b")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "janvier", "januar", "enero", "gennaio", "janeiro", "januari", "jänner"),
            (
                "february",
                "feb",
                "février",
                "fevrier",
                "februar",
                "febrero",
                "febbraio",
                "fevereiro",
                "februari",
            ),
            ("march", "mar", "mars", "märz", "maerz", "marzo", "março", "maart"),
            ("april", "apr", "avril", "abril", "aprile"),
            ("may", "mai", "mayo", "maggio", "maio", "mei"),
            ("june", "jun", "juin", "juni", "junio", "giugno", "junho"),
            ("july", "jul", "juillet", "juli", "julio", "luglio", "julho"),
            ("august", "aug", "août", "aout", "agosto", "augustus"),
            ("september", "sep", "sept", "septembre", "septiembre", "settembre", "setembro"),
            ("october", "oct", "octobre", "oktober", "octubre", "ottobre", "outubro"),
            ("november", "nov", "novembre", "noviembre", "novembro"),
            ("december", "dec", "décembre", "decembre", "dezember", "diciembre", "dicembre", "dezembro"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = frozenset(
    {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday"}
    | {"friday", "saturday", "sunday", "today", "yesterday"}
)
_MONTH_NAME = r"(?P<mon>[^\W\d_]{3,10})\.?"
_MDY_WORDS_RE = re.compile(_MONTH_NAME + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})\b")
_DMY_WORDS_RE = re.compile(
    r"\b(?P<d>\d{1,2})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?"
    + _MONTH_NAME
    + r",?\s+(?:de\s+)?(?P<y>(?:19|20)\d{2})\b"
)
_URL_DATE_RE = re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>[01]?\d)[/-](?P<d>[0-3]?\d)(?:/|[-_]|$)")
_URL_COMPACT_DATE_RE = re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)/")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?")


# ---------------------------------------------------------------------------------------------------------
# Entry point


def extract_metadata(tree: LexborHTMLParser, url: str | None = None) -> Metadata:
    """Read metadata from the parsed page before any node is removed from it."""
    nodes = _page_nodes(tree)
    linked = _linked_data(nodes)
    tags = _meta_tags(nodes)
    canonical = _canonical_url(nodes, tags, url)
    sitename = _first_text(tags.first(SITENAME_KEYS[:1]), linked.sitename, tags.first(SITENAME_KEYS[1:]))
    title = _title(nodes, linked, tags, sitename)
    if sitename is None:
        sitename = _sitename_from_title(nodes)
    near_title = _TextNearTitle(tree, title)
    return Metadata(
        title=title,
        author=_author(tree, linked, tags, near_title),
        date=_date(tree, linked, tags, near_title, canonical or url),
        sitename=_clean_text(sitename),
        hostname=_hostname(canonical or url),
        language=_language(tree, linked, tags),
        description=_clean_text(_first_text(tags.first(DESCRIPTION_KEYS), linked.description)),
        canonical_url=canonical,
    )


@dataclass(frozen=True, slots=True)
class PageNodes:
    """The elements metadata is read from, found in one walk of the tree (each CSS query is a walk)."""

    json_ld: tuple[str, ...] = ()
    metas: tuple[dict[str, str | None], ...] = ()
    headings: tuple[str, ...] = ()  # text of the first MAX_HEADINGS <h1>
    title: str | None = None
    canonical: str | None = None


_PAGE_NODES_SELECTOR = (
    'script[type="application/ld+json"], meta[content], h1, title, link[rel="canonical"][href]'
)


def _page_nodes(tree: LexborHTMLParser) -> PageNodes:
    json_ld: list[str] = []
    metas: list[dict[str, str | None]] = []
    headings: list[str] = []
    title: str | None = None
    canonical: str | None = None
    for node in tree.css(_PAGE_NODES_SELECTOR):
        tag = node.tag
        if tag == "meta":
            metas.append(node.attributes)
        elif tag == "script":
            json_ld.append(node.text(deep=True))
        elif tag == "h1":
            if len(headings) < MAX_HEADINGS:
                headings.append(node.text(deep=True, separator=" "))
        elif tag == "title":
            if title is None:
                title = node.text(deep=True, separator=" ")
        elif tag == "link" and canonical is None:
            canonical = node.attributes.get("href")
    return PageNodes(tuple(json_ld), tuple(metas), tuple(headings), title, canonical)


# ---------------------------------------------------------------------------------------------------------
# JSON-LD


@dataclass(frozen=True, slots=True)
class LinkedData:
    """What the page's JSON-LD says about its article (empty when it has none)."""

    title: str | None = None
    authors: tuple[str, ...] = ()  # people, or names given as plain strings
    organisation_authors: tuple[str, ...] = ()  # weaker: often the site itself
    date: str | None = None
    sitename: str | None = None
    language: str | None = None
    description: str | None = None
    is_article: bool = False


def _linked_data(nodes: PageNodes) -> LinkedData:
    objects = list(_json_ld_objects(nodes.json_ld))
    if not objects:
        return LinkedData()
    by_id: dict[str, dict[str, Any]] = {}
    for obj in objects:  # the full objects, not the {"@id": ...} references to them
        if isinstance(obj.get("@id"), str) and len(obj) > 1:
            by_id.setdefault(obj["@id"], obj)
    article = next((obj for obj in objects if _types(obj) & ARTICLE_TYPES), None)
    page = next((obj for obj in objects if _types(obj) & PAGE_TYPES), None)
    main = article or page
    site = next((obj for obj in objects if _types(obj) & SITE_TYPES), None)
    organisation = next((obj for obj in objects if _types(obj) & ORGANISATION_TYPES), None)
    if main is None:
        return LinkedData(sitename=_name_of(site, by_id) or _name_of(organisation, by_id))
    title = _string(main.get("headline")) or (_string(main.get("name")) if article is not None else None)
    credited = main.get("author") or main.get("creator")
    authors = tuple(_names(credited, by_id, organisations=False))
    organisation_authors = tuple(_names(credited, by_id, organisations=True))
    published = main.get("datePublished") or main.get("dateCreated") or main.get("uploadDate")
    if published is None and article is not None and page is not None:
        published = page.get("datePublished")
    publisher = _name_of(_resolve(main.get("publisher"), by_id), by_id)
    return LinkedData(
        title=title,
        authors=authors,
        organisation_authors=organisation_authors,
        date=_string(published),
        sitename=_name_of(site, by_id) or publisher or _name_of(organisation, by_id),
        language=_language_value(main.get("inLanguage")),
        description=_string(main.get("description")),
        is_article=article is not None,
    )


def _json_ld_objects(scripts: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Every JSON object of the page's JSON-LD blocks, breadth first (top-level objects come first)."""
    queue: list[Any] = []
    for script in scripts:
        data = _load_json(script)
        if data is not None:
            queue.append(data)
    visited = 0
    position = 0
    while position < len(queue) and visited < MAX_JSON_LD_OBJECTS:
        item = queue[position]
        position += 1
        visited += 1
        if isinstance(item, list):
            queue.extend(item)
        elif isinstance(item, dict):
            yield item
            queue.extend(value for value in item.values() if isinstance(value, dict | list))


_HTML_COMMENT_RE = re.compile(r"<!--|-->|<!\[CDATA\[|\]\]>")
_TRAILING_COMMA_RE = re.compile(r",\s*(?=[}\]])")


def _load_json(text: str) -> Any:
    """Parse one JSON-LD block, tolerating the usual damage (comments, CDATA, trailing commas)."""
    if not text or len(text) > MAX_JSON_LD_CHARS:
        return None
    text = _HTML_COMMENT_RE.sub("", text).strip().rstrip(";")
    for attempt in (text, _TRAILING_COMMA_RE.sub("", text)):
        try:
            return json.loads(attempt, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {value.rsplit("/", 1)[-1].lower() for value in values if isinstance(value, str)}


def _resolve(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    """Follow an {"@id": ...} reference to the object it names in the page's @graph."""
    if isinstance(value, dict) and "@id" in value and len(value) <= 2 and "name" not in value:
        return by_id.get(value["@id"], value)
    if isinstance(value, list) and value:
        return _resolve(value[0], by_id)
    return value


def _name_of(value: Any, by_id: dict[str, dict[str, Any]]) -> str | None:
    value = _resolve(value, by_id)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return _string(value.get("name")) or _string(value.get("legalName"))
    return None


def _names(value: Any, by_id: dict[str, dict[str, Any]], *, organisations: bool) -> Iterator[str]:
    """Names of the people (or, with `organisations`, of the organisations) credited in `value`."""
    items = value if isinstance(value, list) else [value]
    for item in items[:MAX_AUTHORS]:
        resolved = _resolve(item, by_id)
        is_organisation = isinstance(resolved, dict) and bool(_types(resolved) & ORGANISATION_TYPES)
        if is_organisation != organisations:
            continue
        name = _name_of(resolved, by_id)
        if name:
            yield name


def _string(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str)), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, str):
        cleaned = _clean_text(value)
        return cleaned or None
    return None


def _language_value(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    return _string(value)


# ---------------------------------------------------------------------------------------------------------
# <meta> tags


@dataclass(frozen=True, slots=True)
class MetaTags:
    """The page's <meta> contents by lower-cased name, property, itemprop or http-equiv."""

    values: dict[str, list[str]] = field(default_factory=dict)

    def first(self, keys: Iterable[str]) -> str | None:
        for key in keys:
            found = self.values.get(key)
            if found:
                return found[0]
        return None

    def all(self, key: str) -> list[str]:
        return self.values.get(key, [])


def _meta_tags(nodes: PageNodes) -> MetaTags:
    values: dict[str, list[str]] = {}
    for attributes in nodes.metas:
        content = _clean_text(attributes.get("content") or "")
        if not content:
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = attributes.get(attribute)
            if key:
                values.setdefault(key.strip().lower(), []).append(content)
    return MetaTags(values)


# ---------------------------------------------------------------------------------------------------------
# Fields


def _title(nodes: PageNodes, linked: LinkedData, tags: MetaTags, sitename: str | None) -> str | None:
    """The headline as the page shows it: an <h1> that the metadata titles confirm, else the best of them.

    Editors write <h1> for readers and og:title / <title> for search engines ("Top 10 X to Watch" vs
    "X For 2026 | Site"); an <h1> is trusted when most of its words also occur in a metadata title,
    which tells a headline from a site logo or a section name set in <h1>.
    """
    page_title = nodes.title
    meta_titles = [
        _without_site_suffix(title, sitename, None)
        for title in (linked.title, tags.first(TITLE_KEYS), page_title)
    ]
    references = [_words(title) for title in meta_titles if title]
    headings = [_usable_title(heading) for heading in nodes.headings]
    site = _fold(sitename) if sitename else None
    for heading in headings:
        if heading and _fold(heading) != site and (not references or _confirmed(heading, references)):
            return heading
    first_heading = next((heading for heading in headings if heading), None)
    preferred = (
        linked.title if linked.is_article else None,
        tags.first(TITLE_KEYS),
        linked.title,
        page_title,
    )
    for candidate in preferred:
        title = _without_site_suffix(candidate, sitename, first_heading)
        if title:
            return title
    return first_heading


def _words(text: str) -> set[str]:
    return set(_WORD_RE.findall(text.casefold()))


def _confirmed(heading: str, references: list[set[str]]) -> bool:
    """Most of the heading's words are in a metadata title, and they make a good part of that title."""
    words = _words(heading)
    if not words:
        return False
    for reference in references:
        shared = len(words & reference)
        if shared >= MIN_HEADING_CONFIRMATION * len(words) and shared >= MIN_TITLE_COVERAGE * len(reference):
            return True
    return False


def _without_site_suffix(title: str | None, sitename: str | None, heading: str | None) -> str | None:
    """The title without a " | Site" part: the part that matches the h1, or the longest part."""
    title = _usable_title(title)
    if title is None:
        return None
    parts = [part for part in _TITLE_SEPARATORS_RE.split(title) if part]
    if len(parts) < 2:
        return title
    if heading:
        wanted = _fold(heading)
        if _fold(title) == wanted:
            return title
        for start in range(len(parts)):
            for end in range(len(parts), start, -1):
                if (start, end) != (0, len(parts)) and _fold(_rejoin(title, parts[start:end])) == wanted:
                    return _rejoin(title, parts[start:end])
    site = _fold(sitename) if sitename else None
    if site and _fold(parts[-1]) == site:
        return _rejoin(title, parts[:-1])
    if site and _fold(parts[0]) == site:
        return _rejoin(title, parts[1:])
    suffix = parts[-1]
    if (
        len(suffix.split()) <= MAX_SITENAME_WORDS
        and len(suffix) < len(" ".join(parts[:-1]))
        and _looks_like_site(suffix)
    ):
        return _rejoin(title, parts[:-1])
    return title


def _rejoin(title: str, parts: list[str]) -> str:
    """The span of `title` from the first to the last of `parts`, with its own separators."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if 0 <= start < end else " ".join(parts)


def _looks_like_site(text: str) -> bool:
    """A site name is short and capitalised or a domain ("The Verge", "example.com")."""
    words = text.split()
    if "." in text and " " not in text.strip():
        return True
    return all(_capitalised(word) or not word[:1].isalpha() for word in words)


def _sitename_from_title(nodes: PageNodes) -> str | None:
    title = _usable_title(nodes.title)
    if title is None:
        return None
    parts = [part for part in _TITLE_SEPARATORS_RE.split(title) if part]
    if len(parts) >= 2 and len(parts[-1].split()) <= MAX_SITENAME_WORDS and _looks_like_site(parts[-1]):
        return parts[-1]
    return None


def _usable_title(text: str | None) -> str | None:
    text = _clean_text(text)
    if not text or len(text) > MAX_TITLE_CHARS:
        return None
    return text


def _author(
    tree: LexborHTMLParser, linked: LinkedData, tags: MetaTags, near_title: _TextNearTitle
) -> str | None:
    for raw, strict in _author_candidates(tree, linked, tags, near_title):
        names = _author_names(raw, strict=strict)
        if names:
            return "; ".join(names)
    return None


def _author_candidates(
    tree: LexborHTMLParser, linked: LinkedData, tags: MetaTags, near_title: _TextNearTitle
) -> Iterator[tuple[list[str], bool]]:
    """Raw author values, most trusted first, each with whether it must look like a person's name."""
    yield list(linked.authors), False
    for key in AUTHOR_KEYS:
        values = tags.all(key)
        if key == "twitter:data1" and tags.first(["twitter:label1"]) not in ("Written by", "Author", "By"):
            continue
        if values:
            yield (values if key in MULTI_AUTHOR_KEYS else values[:1]), False
    for selector in AUTHOR_SELECTORS[:SPECIFIC_AUTHOR_SELECTORS]:
        node = tree.css_first(selector)
        if node is not None:
            yield [node.attributes.get("content") or node.text(deep=True, separator=" ")], True
    yield _byline_in_text(near_title), False
    yield _name_beside_date(near_title), False
    for selector in AUTHOR_SELECTORS[SPECIFIC_AUTHOR_SELECTORS:]:
        node = tree.css_first(selector)
        if node is not None:
            yield [node.attributes.get("content") or node.text(deep=True, separator=" ")], True
    yield list(linked.organisation_authors), False


class _TextNearTitle:
    """The page's text around its headline (one line per text node), computed once and only if asked.

    A byline and a date line sit just under the headline (or just above it); further away, "By" lines
    and dates belong to teasers, comments and related articles.
    """

    def __init__(self, tree: LexborHTMLParser, title: str | None) -> None:
        self._tree = tree
        self._title = title
        self._windows: list[str] | None = None

    def windows(self) -> list[str]:
        if self._windows is None:
            self._windows = self._compute()
        return self._windows

    def _compute(self) -> list[str]:
        body = self._tree.body
        if body is None:
            return []
        text = body.text(deep=True, separator="\n")
        anchor = text.find(self._title) if self._title else -1
        if anchor < 0:
            return [text[:BYLINE_AFTER_TITLE_CHARS]]
        after = text[anchor : anchor + len(self._title or "") + BYLINE_AFTER_TITLE_CHARS]
        return [after, text[max(0, anchor - BYLINE_BEFORE_TITLE_CHARS) : anchor]]


def _byline_in_text(near_title: _TextNearTitle) -> list[str]:
    """A "By Jane Doe" line near the headline (after "By", a single word may be a pen name: "by ibby")."""
    for window in near_title.windows():
        for match in _BYLINE_LINE_RE.finditer(window):
            name = match["name"].strip()
            if _looks_like_name(name) or (" " not in name and name.isalpha()):
                return [name]
    return []


def _name_beside_date(near_title: _TextNearTitle) -> list[str]:
    """A name printed next to the date under the headline, without "By" ("Jane Doe · May 5, 2024")."""
    windows = near_title.windows()
    if not windows:
        return []
    lines = [line.strip() for line in windows[0].split("\n")]
    lines = [line for line in lines if line and line not in _LINE_SEPARATORS][:MAX_BYLINE_LINES]
    for index, line in enumerate(lines):
        parts = [part.strip() for part in _INLINE_SEPARATOR_RE.split(line)]
        if len(parts) > 1 and any(_date_in_text(part) for part in parts):
            people = [part for part in parts if _looks_like_person(part)]
            if people:
                return people[:1]
        if len(line) <= MAX_DATE_LINE_CHARS and _date_in_text(line):
            neighbours = lines[max(0, index - 2) : index] + lines[index + 1 : index + 3]
            people = [neighbour for neighbour in neighbours if _looks_like_person(neighbour)]
            if people:
                return people[:1]
    return []


def _looks_like_person(text: str) -> bool:
    """Two to four capitalised words and nothing that a person's name would not hold."""
    words = text.split()
    if not 2 <= len(words) <= 4 or not _PERSON_NAME_RE.match(text):
        return False
    return not any(word.casefold() in _NOT_NAME_WORDS for word in words)


def _date_line_in_text(near_title: _TextNearTitle) -> str | None:
    """A short line near the headline that is a date ("March 5, 2024", "Updated: 05/03/2024")."""
    for window in near_title.windows():
        for line in window.split("\n"):
            line = line.strip()
            if 6 <= len(line) <= MAX_DATE_LINE_CHARS:
                found = _date_in_text(line)
                if found:
                    return found
    return None


def _looks_like_name(text: str) -> bool:
    """Capitalised words, as a byline prints names (lower-case particles such as "van", "de" allowed)."""
    words = _TRAILING_DATE_RE.sub("", _clean_text(text) or "").split()
    if not words or len(words) > 2 * MAX_AUTHOR_WORDS:
        return False
    capitalised = sum(1 for word in words if _capitalised(word))
    return _capitalised(words[0]) and capitalised >= len(words) / 2


def _capitalised(word: str) -> bool:
    """Starts with a capital, or with a letter of a script without case (Arabic, Hebrew, CJK ...)."""
    first = word[:1]
    return first.isupper() or (first.isalpha() and first.lower() == first.upper())


def _author_names(raw_values: list[str], *, strict: bool) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for raw in raw_values:
        for name in _split_authors(raw):
            key = _fold(name)
            if key not in seen and (not strict or _looks_like_name(name)):
                seen.add(key)
                names.append(name)
    return names[:MAX_AUTHORS]


def _split_authors(raw: str) -> Iterator[str]:
    text = _clean_text(raw)
    if not text or len(text) > 4 * MAX_AUTHOR_CHARS:
        return
    text = _BYLINE_PREFIX_RE.sub("", text)
    parts: list[str] = []
    for part in _AUTHOR_SPLIT_RE.split(text):
        if parts and _CREDENTIAL_RE.match(part.strip()):
            parts[-1] = f"{parts[-1]}, {part.strip()}"
        elif part.strip():
            parts.append(part)
    if len(parts) == 2 and _is_surname_first(text, parts):
        parts = [text]
    for part in parts:
        name = _clean_name(part)
        if name:
            yield name


def _is_surname_first(text: str, parts: list[str]) -> bool:
    """ "Doe, Jane" (one comma, one or two words each side) is one name in library order, kept as is."""
    return text.count(",") == 1 and "," in text and all(1 <= len(part.split()) <= 2 for part in parts)


def _clean_name(part: str) -> str | None:
    name = _TRAILING_DATE_RE.sub("", _BYLINE_PREFIX_RE.sub("", part)).strip(_QUOTES + " :-–—|")
    if not name or _NOT_A_NAME_RE.search(name):
        return None
    if len(name) > MAX_AUTHOR_CHARS or len(name.split()) > MAX_AUTHOR_WORDS:
        return None
    folded = name.casefold()
    if folded in _AUTHOR_NOISE_WORDS or folded.rstrip(".") in _MONTHS or folded in _WEEKDAYS:
        return None
    if not any(char.isalpha() for char in name):
        return None
    return name


def _date(
    tree: LexborHTMLParser, linked: LinkedData, tags: MetaTags, near_title: _TextNearTitle, url: str | None
) -> str | None:
    for raw in (linked.date, tags.first(DATE_KEYS)):
        found = normalise_date(raw)
        if found:
            return found
    return (
        _date_in_elements(tree, DATE_SELECTORS[:SPECIFIC_DATE_SELECTORS])
        or _date_line_in_text(near_title)
        or _date_in_elements(tree, DATE_SELECTORS[SPECIFIC_DATE_SELECTORS:])
        or _date_in_url(url)
    )


def _date_in_elements(tree: LexborHTMLParser, selectors: Iterable[str]) -> str | None:
    for selector in selectors:
        for node in tree.css(selector)[:MAX_DATE_ELEMENTS]:
            attributes = node.attributes
            raw = attributes.get("datetime") or attributes.get("content")
            found = normalise_date(raw) or _date_in_text(node.text(deep=True, separator=" "))
            if found:
                return found
    return None


def normalise_date(raw: str | None) -> str | None:
    """ISO 8601 for a machine-readable date ("2024-03-05", with time and offset when given), else None."""
    if not raw:
        return None
    raw = raw.strip()
    match = _ISO_RE.search(raw[:64])
    if match:
        day = _valid_date(match["y"], match["m"], match["d"])
        if day is None:
            return None
        if match["H"] is not None and match["tz"] is not None:
            return _with_time(day, match)
        return day.isoformat()
    compact = _COMPACT_RE.match(raw)
    if compact:
        return _iso(compact["y"], compact["m"], compact["d"])
    return _date_in_text(raw)


def _with_time(day: date, match: re.Match[str]) -> str:
    offset = match["tz"]
    if offset == "Z":
        offset = "+00:00"
    elif ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        moment = datetime.fromisoformat(
            f"{day.isoformat()}T{int(match['H']):02d}:{match['M']}:{match['S'] or '00'}{offset}"
        )
    except ValueError:
        return day.isoformat()
    return moment.isoformat()


def _date_in_text(text: str | None) -> str | None:
    """A date written for people ("March 5, 2024", "5 mars 2024", "2024/03/05", "05.03.2024")."""
    text = _clean_text(text)
    if not text or len(text) > MAX_DATE_TEXT_CHARS:
        return None
    for pattern in (_MDY_WORDS_RE, _DMY_WORDS_RE):
        match = pattern.search(text)
        if match:
            month = _MONTHS.get(match["mon"].casefold())
            if month is not None:
                return _iso(match["y"], str(month), match["d"])
    match = _ISO_RE.search(text) or _SLASHED_YMD_RE.search(text)
    if match:
        return _iso(match["y"], match["m"], match["d"])
    match = _DMY_RE.search(text)
    if match:  # day first, as written outside the US; month first when that is the only valid reading
        return _iso(match["y"], match["m"], match["d"]) or _iso(match["y"], match["d"], match["m"])
    return None


def _date_in_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    match = _URL_DATE_RE.search(path) or _URL_COMPACT_DATE_RE.search(path)
    return _iso(match["y"], match["m"], match["d"]) if match else None


def _valid_date(year: str, month: str, day: str) -> date | None:
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if MIN_YEAR <= found.year <= MAX_YEAR else None


def _iso(year: str, month: str, day: str) -> str | None:
    found = _valid_date(year, month, day)
    return found.isoformat() if found else None


def _language(tree: LexborHTMLParser, linked: LinkedData, tags: MetaTags) -> str | None:
    root = tree.root if tree.root is not None and tree.root.tag == "html" else None
    declared = (root.attributes.get("lang") or root.attributes.get("xml:lang")) if root is not None else None
    for raw in (declared, tags.first(LANGUAGE_KEYS), linked.language):
        language = _normalise_language(raw)
        if language:
            return language
    return None


def _normalise_language(raw: str | None) -> str | None:
    if not raw:
        return None
    cleaned = raw.strip().split(",")[0].strip().lower().replace("_", "-")
    match = _LANGUAGE_RE.match(cleaned)
    return match.group(0) if match else None


def _canonical_url(nodes: PageNodes, tags: MetaTags, url: str | None) -> str | None:
    for raw in (nodes.canonical, tags.first(["og:url"])):
        if not raw:
            continue
        try:  # urllib raises ValueError for malformed hosts ("http://[::1")
            absolute = urljoin(url or "", raw.strip())
            parts = urlsplit(absolute)
            if parts.scheme in ("http", "https") and parts.hostname:
                return absolute
        except ValueError:
            continue
    return None


def _hostname(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------
# Helpers


def _first_text(*values: str | None) -> str | None:
    return next((value for value in values if value), None)


def _clean_text(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = _WHITESPACE_RE.sub(" ", _unescape(text)).strip()
    return cleaned or None


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def _fold(text: str) -> str:
    return _WHITESPACE_RE.sub(" ", text.casefold().strip(_QUOTES + " ")).strip()
