"""What the page's JSON-LD (schema.org) says about its article: the article object (found at the top level,
in lists or in ``@graph``; ``@id`` references resolved), else its WebPage object."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import rules
from ._page import PageNodes
from ._text import clean_text

__all__ = ["LinkedData", "linked_data"]


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
    # Every schema.org type named by the page's objects (lower-cased, no URL prefix): what the page says it
    # is ("product", "qapage", "collectionpage" ...), read by the page-type classifier.
    types: frozenset[str] = frozenset()
    # The article's whole text as the page states it (schema.org articleBody), raw: evidence of which of
    # the page's containers is the article (extract/declared.py), never output as its text.
    article_body: str | None = None


def linked_data(nodes: PageNodes) -> LinkedData:
    objects = [(obj, _types(obj)) for obj in _json_ld_objects(nodes.json_ld)]  # each typed once
    if not objects:
        return LinkedData()
    types = frozenset().union(*(named for _, named in objects))
    by_id: dict[str, dict[str, Any]] = {}
    for obj, _ in objects:  # the full objects, not the {"@id": ...} references to them
        if isinstance(obj.get("@id"), str) and len(obj) > 1:
            by_id.setdefault(obj["@id"], obj)
    article = _first_of(objects, rules.ARTICLE_TYPES)
    page = _first_of(objects, rules.PAGE_TYPES)
    main = article or page
    site = _first_of(objects, rules.SITE_TYPES)
    organisation = _first_of(objects, rules.ORGANISATION_TYPES)
    if main is None:
        return LinkedData(sitename=_name_of(site, by_id) or _name_of(organisation, by_id), types=types)
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
        types=types,
        article_body=_article_body(article),
    )


def _article_body(article: dict[str, Any] | None) -> str | None:
    """The article object's articleBody, when it is a string."""
    if article is None:
        return None
    value = article.get("articleBody")
    return value if isinstance(value, str) and value.strip() else None


def _first_of(
    objects: list[tuple[dict[str, Any], frozenset[str]]], kinds: frozenset[str]
) -> dict[str, Any] | None:
    return next((obj for obj, named in objects if named & kinds), None)


def _json_ld_objects(scripts: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Every JSON object of the page's JSON-LD blocks, breadth first (top-level objects come first)."""
    queue: list[Any] = []
    for script in scripts:
        data = _load_json(script)
        if data is not None:
            queue.append(data)
    visited = 0
    position = 0
    while position < len(queue) and visited < rules.MAX_JSON_LD_OBJECTS:
        item = queue[position]
        position += 1
        visited += 1
        if isinstance(item, list):
            queue.extend(item)
        elif isinstance(item, dict):
            yield item
            queue.extend(value for value in item.values() if isinstance(value, dict | list))


def _load_json(text: str) -> Any:
    """Parse one JSON-LD block, tolerating the usual damage (comments, CDATA, trailing commas)."""
    if not text or len(text) > rules.MAX_JSON_LD_CHARS:
        return None
    if any(marker in text for marker in rules.HTML_COMMENT_MARKERS):
        text = rules.HTML_COMMENT_RE.sub("", text)
    text = text.strip().rstrip(";")
    for attempt in (text, rules.TRAILING_COMMA_RE.sub("", text)):
        try:
            return json.loads(attempt, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _types(obj: dict[str, Any]) -> frozenset[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return frozenset(value.rsplit("/", 1)[-1].lower() for value in values if isinstance(value, str))


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
    for item in items[: rules.MAX_AUTHORS]:
        resolved = _resolve(item, by_id)
        is_organisation = isinstance(resolved, dict) and bool(_types(resolved) & rules.ORGANISATION_TYPES)
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
        cleaned = clean_text(value)
        return cleaned or None
    return None


def _language_value(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    return _string(value)
