"""The page as the metadata readers see it: its metadata elements (one walk), its <meta> tags by key and
its text around the headline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

from . import rules
from ._text import clean_text

__all__ = ["MetaTags", "PageNodes", "TextNearTitle", "meta_tags", "page_nodes"]


@dataclass(frozen=True, slots=True)
class PageNodes:
    """The elements metadata is read from, found in one walk of the tree (each CSS query is a walk)."""

    json_ld: tuple[str, ...] = ()
    metas: tuple[dict[str, str | None], ...] = ()
    headings: tuple[str, ...] = ()  # text of the first MAX_HEADINGS <h1> (rules.py)
    subheadings: tuple[str, ...] = ()  # and of the first MAX_HEADINGS <h2>, for a page without <h1>
    title: str | None = None
    canonical: str | None = None
    has_time: bool = False  # a <time> element: without one, its date selectors cannot match


def page_nodes(tree: LexborHTMLParser) -> PageNodes:
    json_ld: list[str] = []
    metas: list[dict[str, str | None]] = []
    headings: list[str] = []
    subheadings: list[str] = []
    title: str | None = None
    canonical: str | None = None
    has_time = False
    for node in tree.css(rules.PAGE_NODES_SELECTOR):
        tag = node.tag
        if tag == "meta":
            metas.append(node.attributes)
        elif tag == "script":
            json_ld.append(node.text(deep=True))
        elif tag == "h1":
            if len(headings) < rules.MAX_HEADINGS:
                headings.append(node.text(deep=True, separator=" "))
        elif tag == "h2":
            if len(subheadings) < rules.MAX_HEADINGS:
                subheadings.append(node.text(deep=True, separator=" "))
        elif tag == "title":
            if title is None:
                title = node.text(deep=True, separator=" ")
        elif tag == "time":
            has_time = True
        elif tag == "link" and canonical is None:
            canonical = node.attributes.get("href")
    return PageNodes(
        tuple(json_ld), tuple(metas), tuple(headings), tuple(subheadings), title, canonical, has_time
    )


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


def meta_tags(nodes: PageNodes) -> MetaTags:
    values: dict[str, list[str]] = {}
    for attributes in nodes.metas:
        content = clean_text(attributes.get("content") or "")
        if not content:
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = attributes.get(attribute)
            if key:
                values.setdefault(key.strip().lower(), []).append(content)
    return MetaTags(values)


class TextNearTitle:
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
            return [text[: rules.BYLINE_AFTER_TITLE_CHARS]]
        after = text[anchor : anchor + len(self._title or "") + rules.BYLINE_AFTER_TITLE_CHARS]
        return [after, text[max(0, anchor - rules.BYLINE_BEFORE_TITLE_CHARS) : anchor]]
