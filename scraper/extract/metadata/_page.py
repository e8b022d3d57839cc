"""The page as the metadata readers see it: its metadata elements (one walk), its <meta> tags by key and
its text around the headline."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..._compiled import load as load_compiled
from ..pagetype_rules import LINK_SELECTOR, PAGE_TYPE_SELECTOR
from . import rules
from ._text import clean_text

__all__ = [
    "MetaTags",
    "PageNodes",
    "TextNearTitle",
    "all_matches",
    "author_marked",
    "first_matches",
    "markup_tally",
    "meta_tags",
    "page_nodes",
]

# The searches of the whole tree below, each a compiled walk (_cpage.pyx, optional: see setup.py), given
# the rules' selectors; None where it was not built, SCRAPER_PURE_PYTHON is set, or the selectolax
# installed is not the one whose structs it reads (scraper/_compiled.py).
_compiled: Any = load_compiled("scraper.extract.metadata._cpage")
# The author and date selectors, each a walk of the whole tree in Lexbor (most a few hundredths of a
# millisecond, the broad ones up to a third): compiled, by their place.
# And the page-type counts' query (pagetype.markup_counts), all its matches: a walk of the same kind; with
# its count of links, in the same walk (markup_tally).
_QUERIES = {
    selector: index
    for index, selector in enumerate(
        (*rules.AUTHOR_SELECTORS, *rules.DATE_SELECTORS, PAGE_TYPE_SELECTOR, LINK_SELECTOR)
    )
}
if _compiled is not None:
    _compiled.bind(rules.PAGE_NODES_SELECTOR, rules.AUTHOR_MARKS, tuple(_QUERIES))
# The body's text for TextNearTitle, read only as far as its windows reach (_cnear.pyx, likewise).
_compiled_text: Any = load_compiled("scraper.extract.metadata._cnear")
if _compiled_text is not None:
    _compiled_text.bind()


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
    has_abbr: bool = False  # an <abbr> element: likewise for the hAtom date selectors


def page_nodes(tree: LexborHTMLParser) -> PageNodes:
    json_ld: list[str] = []
    metas: list[dict[str, str | None]] = []
    headings: list[str] = []
    subheadings: list[str] = []
    title: str | None = None
    canonical: str | None = None
    has_time = has_abbr = False
    root = tree.root
    found = (
        _compiled.page_elements(root)
        if _compiled is not None and root is not None
        else tree.css(rules.PAGE_NODES_SELECTOR)
    )
    for node in found:
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
        elif tag == "abbr":
            has_abbr = True
        elif tag == "link" and canonical is None:
            canonical = node.attributes.get("href")
    headings_found = (tuple(headings), tuple(subheadings))
    return PageNodes(tuple(json_ld), tuple(metas), *headings_found, title, canonical, has_time, has_abbr)


def author_marked(tree: LexborHTMLParser) -> bool:
    """Whether an element bears one of rules.AUTHOR_MARKS: on a page without, no author selector matches."""
    root = tree.root
    if _compiled is not None and root is not None:
        return bool(_compiled.bears_marks(root))
    return bool(tree.any_css_matches((rules.AUTHOR_MARKS,)))


def all_matches(tree: LexborHTMLParser, selector: str) -> list[LexborNode]:
    """Every element the selector matches, once for each selector of its list it matches (as Lexbor's
    css() lists them), in document order."""
    return first_matches(tree, selector, sys.maxsize)


def first_matches(tree: LexborHTMLParser, selector: str, limit: int) -> list[LexborNode]:
    """The first `limit` elements the selector matches, in document order."""
    root = tree.root
    query = _QUERIES.get(selector) if _compiled is not None else None
    if query is not None and root is not None:
        return list(_compiled.first_matches(root, query, limit))
    if limit == 1:  # Lexbor stops at the first match
        found = tree.css_first(selector)
        return [found] if found is not None else []
    return list(tree.css(selector)[:limit])


def markup_tally(tree: LexborHTMLParser, max_times: int) -> tuple[Any, ...] | None:
    """pagetype.markup_counts's walk compiled (_cpage.markup_tally), or None where it is not built."""
    root = tree.root
    if _compiled is None or root is None:
        return None
    return tuple(
        _compiled.markup_tally(root, _QUERIES[PAGE_TYPE_SELECTOR], _QUERIES[LINK_SELECTOR], max_times)
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
        self._placed: list[tuple[int, str]] | None = None
        self._text = ""
        self._whole = True  # whether _text is the body's whole text, not a prefix of it
        self._anchor = -1
        self._teasers: tuple[tuple[int, int], ...] | None = None

    def windows(self) -> list[str]:
        return [window for _, window in self.placed_windows()]

    def placed_windows(self) -> list[tuple[int, str]]:
        """Each window with its offset in the body's text."""
        if self._placed is None:
            self._placed = self._compute()
        return self._placed

    def in_teaser(self, offset: int) -> bool:
        """Whether the body's text at this offset is a teaser card's (found only when first asked)."""
        if self._teasers is None:
            self.placed_windows()  # sets the body's text and the headline's place in it
            cards = teaser_cards(self._tree)
            body = self._tree.body
            # The cards' texts are found in the whole text; fewer cards than a run of them make no teasers
            # whatever their text, which is then not read.
            if len(cards) >= rules.MIN_TEASER_CARDS and not self._whole and body is not None:
                self._text, self._whole = body.text(deep=True, separator="\n"), True
            self._teasers = teaser_spans(cards, self._text, self._anchor)
        return any(start <= offset < end for start, end in self._teasers)

    def _compute(self) -> list[tuple[int, str]]:
        body = self._tree.body
        if body is None:
            return []
        text, self._whole, anchor = _text_near(body, self._title or "")
        self._text, self._anchor = text, anchor
        if anchor < 0:
            return [(0, text[: rules.BYLINE_AFTER_TITLE_CHARS])]
        after = text[anchor : anchor + len(self._title or "") + rules.BYLINE_AFTER_TITLE_CHARS]
        before = max(0, anchor - rules.BYLINE_BEFORE_TITLE_CHARS)
        return [(anchor, after), (before, text[before:anchor])]


def _text_near(body: LexborNode, title: str) -> tuple[str, bool, int]:
    """The body's text (joined with "\n"), or a prefix of it that holds all the windows read: the title's
    first occurrence and BYLINE_AFTER_TITLE_CHARS after it, or that many from the start without a title;
    whether it is the whole; and where the title first occurs in it (-1 nowhere or without a title), found
    once (a title not on the page is looked for through all the text)."""
    after = rules.BYLINE_AFTER_TITLE_CHARS
    if _compiled_text is not None:
        text, whole = _compiled_text.text_through(body, title.encode("utf-8", "surrogatepass"), after)
        anchor = text.find(title) if title else -1
        reach = anchor if title else 0  # where the windows start: the title, else the text's start
        if whole or (reach >= 0 and len(text) >= reach + len(title) + after):
            return str(text), bool(whole), anchor
    text = body.text(deep=True, separator="\n")
    return text, True, text.find(title) if title else -1


def teaser_cards(tree: LexborHTMLParser) -> list[LexborNode]:
    """The page's teaser cards as their mark-up shows them: <article> elements that hold no other, whose
    first heading is a link and is not an <h1>."""
    # Lexbor's css() on a node matches the node itself: more than one is a nested article.
    return [
        card
        for card in tree.css(rules.TEASER_CARD_TAG)
        if len(card.css(rules.TEASER_CARD_TAG)) == 1 and _heading_links_away(card)
    ]


def teaser_spans(cards: list[LexborNode], text: str, anchor: int) -> tuple[tuple[int, int], ...]:
    """Where the teaser cards' text lies in the body's text: the cards (teaser_cards) whose text does not
    hold the headline (at ``anchor``); none unless there are several (rules.MIN_TEASER_CARDS)."""
    if len(cards) < rules.MIN_TEASER_CARDS:
        return ()
    spans: list[tuple[int, int]] = []
    cursor = 0  # cards holding no other card come in the text's order: a copy of one is found in its place
    for card in cards:
        card_text = card.text(deep=True, separator="\n")
        start = text.find(card_text, cursor) if card_text.strip() else -1
        if start < 0:
            continue
        cursor = start + len(card_text)
        if not start <= anchor < cursor:
            spans.append((start, cursor))
    return tuple(spans) if len(spans) >= rules.MIN_TEASER_CARDS else ()


def _heading_links_away(card: LexborNode) -> bool:
    heading = card.css_first(rules.CARD_HEADINGS)
    if heading is None or heading.tag == "h1":
        return False
    if heading.css_first("a[href]") is not None:
        return True
    parent = heading.parent
    while parent is not None and parent.tag != rules.TEASER_CARD_TAG:
        if parent.tag == "a" and "href" in parent.attributes:
            return True
        parent = parent.parent
    return False
