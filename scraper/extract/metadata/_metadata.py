"""The metadata readers put together: each field from the most trusted source that has a usable value."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from . import rules
from ._authors import read_author
from ._dates import read_date
from ._jsonld import LinkedData, linked_data
from ._page import MetaTags, PageNodes, TextNearTitle, meta_tags, page_nodes
from ._text import clean_text, first_text
from ._title import read_title, sitename_from_title

__all__ = ["Metadata", "extract_metadata"]


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
    # What the page says it is, for the page-type classifier (extract/pagetype.py): its JSON-LD types,
    # its og:type (lower-cased), and whether it carries article:published_time (set for articles only by
    # the common CMSs, where og:type "article" is often set on every page).
    schema_types: frozenset[str] = frozenset()
    og_type: str | None = None
    published_time: bool = False
    # The article's text as its JSON-LD states it (articleBody): which container is the article, not the text.
    article_body: str | None = None


def extract_metadata(tree: LexborHTMLParser, url: str | None = None) -> Metadata:
    """Read metadata from the parsed page before any node is removed from it."""
    nodes = page_nodes(tree)
    linked = linked_data(nodes)
    tags = meta_tags(nodes)
    canonical = _canonical_url(nodes, tags, url)
    sitename = first_text(
        tags.first(rules.SITENAME_KEYS[:1]), linked.sitename, tags.first(rules.SITENAME_KEYS[1:])
    )
    title = read_title(nodes, linked, tags, sitename, _inner_page_hostname(canonical or url))
    if sitename is None:
        sitename = sitename_from_title(nodes)
    near_title = TextNearTitle(tree, title)
    return Metadata(
        title=title,
        author=read_author(tree, linked, tags, near_title),
        date=read_date(tree, linked, tags, near_title, canonical or url, nodes.has_time, nodes.has_abbr),
        sitename=clean_text(sitename),
        hostname=_hostname(canonical or url),
        language=_language(tree, linked, tags),
        description=clean_text(first_text(tags.first(rules.DESCRIPTION_KEYS), linked.description)),
        canonical_url=canonical,
        schema_types=linked.types,
        og_type=(tags.first(rules.OG_TYPE_KEYS) or "").strip().lower() or None,
        published_time=tags.first(rules.PUBLISHED_TIME_KEYS) is not None,
        article_body=linked.article_body,
    )


def _language(tree: LexborHTMLParser, linked: LinkedData, tags: MetaTags) -> str | None:
    root = tree.root if tree.root is not None and tree.root.tag == "html" else None
    declared = (root.attributes.get("lang") or root.attributes.get("xml:lang")) if root is not None else None
    for raw in (declared, tags.first(rules.LANGUAGE_KEYS), linked.language):
        language = _normalise_language(raw)
        if language:
            return language
    return None


def _normalise_language(raw: str | None) -> str | None:
    if not raw:
        return None
    cleaned = raw.strip().split(",")[0].strip().lower().replace("_", "-")
    match = rules.LANGUAGE_RE.match(cleaned)
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


def _inner_page_hostname(url: str | None) -> str | None:
    """The hostname of a page below the site's home page: a home page's own name is the site's name
    ("Todoist | A To-Do List ..."), so there the hostname does not mark a title part to strip."""
    try:
        path = urlsplit(url).path if url else ""
    except ValueError:
        return None
    return _hostname(url) if path.strip("/") else None


def _hostname(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None
