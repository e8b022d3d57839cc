"""Input guards run before parsing: size, and a bound on what the HTML parser builds.

Why: Lexbor (selectolax 1.0) parses ordinary pages fast (0.57 ms for the average 185 KB page of the
datasets), but its tree builder is made to work far beyond the size of its input by three shapes.
Measured (one core of the 2-core dev machine, selectolax 1.0.2)::

    depth of <div>         100: 0.2 ms   1,000: 1.3 ms   10,000: 124 ms   30,000: 1.06 s   100,000: 13.5 s
    <div></x> × 100,000 (a bogus end tag after each open tag: 0.9 MB):                  13.6 s
    500 distinct <b id=N> left open, then </p><p>x × 20,000 (160 KiB):                  37 s, 3.7 GB
    distinct attributes on one element:  5,000: 43 ms   10,000: 170 ms   20,000: 656 ms

Block elements test "is there a <p> in button scope" on every start tag by walking the stack of open
elements, so n nested blocks cost O(n²); after every paragraph the parser re-creates each formatting
element (b, i, em, font, ...) still in its list of active formatting elements ("reconstruct the active
formatting elements"), so the tree holds opened × paragraphs elements; an element's distinct attribute
names are compared pairwise.

The guard therefore, in order of cost:

1. refuses (ExtractionError) input over MAX_HTML_CHARS;
2. counts "<" per 4 KiB chunk (``str.count``, C speed): a page cannot nest deeper than its tags, and
   the sum over chunks of (its tags + 1) × (formatting start tags before its end + 1) bounds the
   formatting elements it can make the parser re-create (the formatting start tags are found by one
   regular expression, only on pages with enough tags to matter: `_reconstructable`). A chunk with
   almost no "<" may sit inside one huge tag, which a regular expression then looks at; such a tag
   keeps only its first MAX_ATTRIBUTES attributes;
3. when those bounds pass PRECISE_ABOVE_TAGS or AMPLIFY_ABOVE, before the parse, the precise pass
   (`_TreeBound`): a tokenizer over tags, comments and raw text that follows the tree builder's stack of
   open elements and list of active formatting elements, and refuses the page as soon as it nests deeper
   than MAX_DEPTH, builds more than MAX_ELEMENTS elements or re-creates more than MAX_RECONSTRUCTED
   formatting elements. An end tag pops only an element that is open and in scope, so bogus end tags, and
   "</" in attribute values, comments or scripts, close nothing, as in the parser;
4. otherwise the parse is bounded (at most PRECISE_ABOVE_TAGS levels, ~0.3 s; at most AMPLIFY_ABOVE
   re-created elements, ~4 s and ~370 MB), and `check_tree` measures the parsed tree in C before any
   Python walk, where the bounds allow a limit to be passed: depth with one CSS selector of MAX_DEPTH + 1
   levels, re-created formatting elements as the tree's formatting elements less the page's start tags.

A refusal names the limit and the measured value ("nesting depth 4,097, over the limit of 4,096").
On the 890 dataset pages none is refused and 2 take the precise pass (~7× a parse); the cost of the
guard against a whole ``extract()``: ``python bench/guard.py``.
"""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from .._compiled import load as load_compiled
from ..errors import ExtractionError

__all__ = [
    "AMPLIFY_ABOVE",
    "MAX_ATTRIBUTES",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "MAX_HTML_CHARS",
    "MAX_RECONSTRUCTED",
    "MAX_STACK_WALK",
    "PRECISE_ABOVE_TAGS",
    "Guarded",
    "check_tree",
    "guard_input",
]

# A 20 MB page (the example) must pass; 32 Mi characters leave room for it while keeping the
# parser's memory (≈10× the input) within a worker's budget. The fetcher caps bodies at 10 MB by default.
MAX_HTML_CHARS = 32 * 1024 * 1024
# Real pages nest at most ~500 tags (the deepest of the 890 dataset pages); 4,096 levels cost Lexbor
# ~20 ms of its O(n²) walk (10,000: 124 ms, 100,000: 13.5 s). Deeper pages are refused.
MAX_DEPTH = 4096
# A million elements make a Lexbor tree of ~370 MB, a third of a worker's 1 GiB (run.parse_memory); the
# largest dataset page has ~5,000, the 20 MB test page ~120,000.
MAX_ELEMENTS = 1_000_000
# Real pages re-create a formatting element now and then (a <b> left open across paragraphs: dozens);
# 100,000 cost Lexbor ~0.4 s and 37 MB. The 160 KiB amplification page asks for 10 million.
MAX_RECONSTRUCTED = 100_000
# A page cannot nest deeper than its count of "<". Up to this many, the worst nesting costs Lexbor ~0.3 s,
# so such a page is parsed and its tree measured (`check_tree`); past it, the precise pass (~8× a parse)
# runs first. The largest of the 890 dataset pages has 9,770 "<".
PRECISE_ABOVE_TAGS = 16_384
# Each reconstruction re-creates at most the formatting elements opened before it (an <a> counts once: a
# new one ends the old), at most once per tag (only a tag closes them): `_reconstructable` sums that per
# chunk. Up to a million (≤ ~4 s and ~370 MB of Lexbor, within a worker's limits) the page is parsed and
# its tree counted (`check_tree`); past it the precise pass runs first: 2 of the 890 dataset pages.
AMPLIFY_ABOVE = 1_000_000
# Every block start tag walks the stack of open elements (is a <p> in button scope?): at ~2.5 ns a step,
# 200 million steps are ~0.5 s of Lexbor. Real pages take well under a million (5,000 tags × depth 30; the
# 20 MB test page 120,000 paragraphs × 5); MAX_DEPTH alone would let a million tags walk 4,096 each.
# Pages within PRECISE_ABOVE_TAGS take at most PRECISE_ABOVE_TAGS² / 2 (~134 million).
MAX_STACK_WALK = 200_000_000
# Real elements carry a few dozen attributes; 256 distinct ones cost Lexbor well under 0.1 ms.
MAX_ATTRIBUTES = 256

# The two counts over every character of a page, compiled (extract/_scan.pyx, optional: see setup.py); None
# where it was not built or SCRAPER_PURE_PYTHON is set, and `_chunk_counts` does the same in Python.
_compiled: Any = load_compiled("scraper.extract._scan")

# Pre-check tuning. Smaller chunks find huge tags sooner but cost more Python-level calls per page.
_CHUNK_CHARS = 4096
# A chunk with fewer "<" than this may sit inside one huge tag (normal markup has dozens per 4 KiB).
_SPARSE_CHUNK_TAGS = 2
# Pages with no more "<" than this cannot reconstruct MAX_RECONSTRUCTED elements (n²/4 at most): their
# formatting start tags are not even counted.
_AMPLIFY_FREE_TAGS = 2 * math.isqrt(MAX_RECONSTRUCTED)

# The tree builder's vocabulary (WHATWG HTML, "tree construction"), as far as depth and elements go.
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source"}
    | {"track", "wbr", "keygen", "frame", "basefont", "bgsound", "image"}
)
_FORMATTING_TAGS = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"}
)
# An element "in scope" is one above the last of these on the stack; the cell and object ones are also
# markers in the list of active formatting elements (reconstruction stops at the last marker).
_SCOPE_TAGS = frozenset({"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"})
_MARKER_TAGS = _SCOPE_TAGS - {"html", "table"}
# Start tags that close an open <p> first ("close a p element" when one is in button scope).
_CLOSES_P = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl"}
    | {"fieldset", "figcaption", "figure", "footer", "header", "hgroup", "main", "menu", "nav", "ol"}
    | {"p", "search", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "listing"}
    | {"form", "table", "hr", "xmp", "li", "dd", "dt", "plaintext"}
)
# Start tags that end an open sibling of theirs (one of these names, above the nearest list or table).
_ENDS_SIBLING: dict[str, tuple[str, ...]] = {
    "li": ("li",),
    "dd": ("dd", "dt"),
    "dt": ("dd", "dt"),
    "td": ("td", "th"),
    "th": ("td", "th"),
    "tr": ("tr", "td", "th"),
    "thead": ("thead", "tbody", "tfoot", "tr", "td", "th"),
    "tbody": ("thead", "tbody", "tfoot", "tr", "td", "th"),
    "tfoot": ("thead", "tbody", "tfoot", "tr", "td", "th"),
    "option": ("option",),
    "optgroup": ("option", "optgroup"),
    "rb": ("rb", "rt", "rp", "rtc"),
    "rt": ("rb", "rt", "rp"),
    "rp": ("rb", "rt", "rp"),
    "rtc": ("rb", "rt", "rp", "rtc"),
}
# Where the search for that sibling stops: the list, table or ruby it belongs to (None: any scope element).
_TABLE_BOUNDS = ("table", "template", "html")
_SIBLING_BOUNDS: dict[str, tuple[str, ...] | None] = {
    "li": ("ul", "ol", "menu", *_SCOPE_TAGS),
    "dd": ("dl", *_SCOPE_TAGS),
    "dt": ("dl", *_SCOPE_TAGS),
    **dict.fromkeys(("td", "th", "tr", "thead", "tbody", "tfoot"), _TABLE_BOUNDS),
    **dict.fromkeys(("rb", "rt", "rp", "rtc"), ("ruby", *_SCOPE_TAGS)),
}
_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_MERGED_TAGS = frozenset({"html", "head", "body"})  # a second one adds attributes, no element
_FOREIGN_TAGS = ("svg", "math")  # inside them "<x/>" is closed at once
_NOAHS_ARK = 3  # at most three identical formatting elements stay in the list

# The inside of a tag: a quote opens a value only right after "=" (as in the HTML tokenizer), and a
# quoted value may hold ">". Possessive quantifiers keep the scan linear on unterminated tags.
_TAG_BODY = r"""(?:[^>=]++|=\s*+(?:"[^"]*+"|'[^']*+'|[^\s>]*+))*+"""
# One token of the precise pass: a comment, a raw-text element with its content (whose "<" are not
# tags), or a start or end tag with its attributes.
_TOKEN_RE = re.compile(
    r"""<!--.*?(?:-->|\Z)
      | <(?P<raw>script|style|textarea|title|xmp|iframe|noembed|noframes|plaintext)\b"""
    + _TAG_BODY
    + r"""(?:>.*?(?:</(?P=raw)\s*>|\Z)|\Z)
      | <(?P<close>/?)(?P<name>[a-zA-Z][^\s/>]*+)(?P<attrs>"""
    + _TAG_BODY
    + r""")(?:>|\Z)""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
# A formatting start tag, for the pre-check's count (case-insensitive by hand: faster than re.I).
# The lookahead on the first letter turns most "<" away at once: the alternation alone cost 1.6× as much.
_FORMATTING_START_RE = re.compile(
    r"<(?=[bBiIsSuUeEfFcCtTnN])(?:[bisuBISU]|[eE][mM]|[sS][tT][rR][oO][nN][gG]|[fF][oO][nN][tT]"
    r"|[sS][mM][aA][lL][lL]|[bB][iI][gG]|[cC][oO][dD][eE]|[tT][tT]|[nN][oO][bB][rR]"
    r"|[sS][tT][rR][iI][kK][eE])[\s/>]"
)
# Matches an element with more than MAX_DEPTH ancestors (Lexbor checks it in C, right to left).
_DEEPER_THAN_LIMIT = " > ".join(["*"] * (MAX_DEPTH + 1))
# Lexbor parses a selector at every search: for the one above, 0.6 ms of the ~0.8 ms its check takes. A
# page none of whose elements has more than _REAL_DEPTH ancestors (as on every dataset page) cannot have
# one with more than MAX_DEPTH: a selector an eighth as long clears it, and only the pages it does not
# clear are searched with the long one.
_REAL_DEPTH = 512
_DEEPER_THAN_REAL = " > ".join(["*"] * (_REAL_DEPTH + 1))
_FORMATTING_NAMES = tuple(sorted(_FORMATTING_TAGS - {"a"}))  # those _FORMATTING_START_RE finds
_FORMATTING_SELECTOR = ",".join(_FORMATTING_NAMES)
if _compiled is not None:
    _compiled.bind(_FORMATTING_NAMES)
_ATTRIBUTE_RE = re.compile(r"""[^\s/>=]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s>"']*+))?+""")
# A start tag with more than MAX_ATTRIBUTES attributes (pre-check of sparse chunks only).
_CROWDED_TAG_RE = re.compile(
    r"<[a-zA-Z][^\s/>]*+(?:[\s/]++[^\s/>=]++(?:\s*+=\s*+(?:\"[^\"]*+\"|'[^']*+'|[^\s>\"']*+))?+)"
    + f"{{{MAX_ATTRIBUTES + 1}}}"
)


@dataclass(frozen=True)
class Guarded:
    """A page past the pre-parse guard, and what its counts leave for `check_tree` to look at."""

    html: str
    tags: int  # "<" in the page: no more elements open at once
    formatting: int  # formatting start tags, -1 when not counted (too few tags to matter)
    reconstructable: int  # at most this many formatting elements can be re-created
    checked: bool  # the precise pass ran: depth and reconstruction are already bounded


def guard_input(html: str) -> Guarded:
    """Refuse input over a limit; keep MAX_ATTRIBUTES attributes of a crowded tag.

    Raises ExtractionError naming the limit and the measured value: size over MAX_HTML_CHARS, and, when
    the counts leave room for it, depth over MAX_DEPTH, elements over MAX_ELEMENTS or reconstructed
    formatting elements over MAX_RECONSTRUCTED. Linear in the input.
    """
    if len(html) > MAX_HTML_CHARS:
        raise ExtractionError(f"input of {len(html):,} characters exceeds the limit of {MAX_HTML_CHARS:,}")
    chunk_tags, chunk_formatting, crowded = _count_tags(html)
    if crowded:
        html = _TOKEN_RE.sub(_fewer_attributes, html)
        chunk_tags, chunk_formatting, _ = _count_tags(html)
    tags = sum(chunk_tags)
    if tags > PRECISE_ABOVE_TAGS:  # the precise pass, whatever the formatting tags
        _TreeBound().feed(html)
        return Guarded(html, tags, -1, 0, checked=True)
    if tags <= _AMPLIFY_FREE_TAGS:
        return Guarded(html, tags, -1, tags * tags // 4, checked=False)
    formatting, reconstructable = _reconstructable(chunk_formatting, chunk_tags)
    if reconstructable > AMPLIFY_ABOVE:
        _TreeBound().feed(html)
        return Guarded(html, tags, formatting, 0, checked=True)
    return Guarded(html, tags, formatting, reconstructable, checked=False)


def check_tree(tree: LexborHTMLParser, guarded: Guarded) -> None:
    """After the parse, before any walk: refuse a tree deeper than MAX_DEPTH or holding more than
    MAX_RECONSTRUCTED re-created formatting elements, where the page's counts allowed them (in C)."""
    if guarded.checked:
        return
    if (
        guarded.tags > MAX_DEPTH
        and tree.any_css_matches((_DEEPER_THAN_REAL,))
        and tree.any_css_matches((_DEEPER_THAN_LIMIT,))
    ):
        raise ExtractionError(f"refused after parsing: nesting depth over the limit of {MAX_DEPTH:,}")
    if guarded.reconstructable > MAX_RECONSTRUCTED:
        reconstructed = len(tree.css(_FORMATTING_SELECTOR)) - guarded.formatting
        if reconstructed > MAX_RECONSTRUCTED:
            _refuse("after parsing", "reconstructed formatting elements", reconstructed, MAX_RECONSTRUCTED)


def _count_tags(html: str) -> tuple[list[int], list[int], bool]:
    """The number of "<" and of formatting start tags in each chunk of `html`, and whether a tag may carry
    more than MAX_ATTRIBUTES attributes (then the counts stop there)."""
    counts, formatting = _chunk_counts(html)
    checked_tag = -1  # a long tag spans many sparse chunks: look at it once
    known_to = 0  # the end of the chunk whose last "<" is checked_tag
    for index, in_chunk in enumerate(counts):
        start = index * _CHUNK_CHARS
        end = start + _CHUNK_CHARS
        if in_chunk < _SPARSE_CHUNK_TAGS:
            # A chunk without "<" ends inside the tag the chunk before ended in: a long run without tags
            # (a page's inline JSON) is not searched back over again for each of its chunks.
            if in_chunk or known_to != start:
                tag_start = html.rfind("<", start if in_chunk else 0, end)
                if tag_start != checked_tag and _is_crowded_tag(html, tag_start):
                    return counts[: index + 1], formatting[: index + 1], True
                checked_tag = tag_start
            known_to = end
    return counts, formatting, False


def _chunk_counts(html: str) -> tuple[list[int], list[int]]:
    """The number of "<" in each _CHUNK_CHARS characters of `html`, and of the formatting start tags that
    begin in each."""
    if _compiled is not None:
        return _compiled.chunk_counts(html, _CHUNK_CHARS)  # type: ignore[no-any-return]
    tags = [html.count("<", start, start + _CHUNK_CHARS) for start in range(0, len(html), _CHUNK_CHARS)]
    formatting = [0] * len(tags)
    for match in _FORMATTING_START_RE.finditer(html):
        formatting[match.start() // _CHUNK_CHARS] += 1
    return tags, formatting


def _reconstructable(chunk_formatting: list[int], chunk_tags: list[int]) -> tuple[int, int]:
    """The formatting start tags of the page, and how many formatting elements its tags can make the
    parser re-create. Only a tag can close them, so a chunk holds at most one reconstruction per "<" in it
    (and one carried over from the chunk before), each re-creating at most the formatting elements opened
    before the chunk ends, and one <a>."""
    opened = bound = 0
    for formatting, tags in zip(chunk_formatting, chunk_tags, strict=True):
        opened += formatting
        bound += (opened + 1) * (tags + 1)
    return opened, bound


def _is_crowded_tag(html: str, tag_start: int) -> bool:
    return tag_start >= 0 and _CROWDED_TAG_RE.match(html, tag_start) is not None


def _fewer_attributes(match: re.Match[str]) -> str:
    """The token, a start tag keeping only its first MAX_ATTRIBUTES attributes."""
    token = match.group(0)
    attrs = match.group("attrs")
    if match.group("name") is None or match.group("close") or len(attrs) <= 2 * MAX_ATTRIBUTES:
        return token  # shorter cannot hold that many attributes
    kept = [
        m.group(0) for _, m in zip(range(MAX_ATTRIBUTES + 1), _ATTRIBUTE_RE.finditer(attrs), strict=False)
    ]
    if len(kept) <= MAX_ATTRIBUTES:
        return token
    attrs_offset = match.start("attrs") - match.start()
    closing = ">" if token.endswith(">") else ""
    return token[:attrs_offset] + " " + " ".join(kept[:MAX_ATTRIBUTES]) + closing


@dataclass(eq=False)
class _Entry:
    """An element of the list of active formatting elements."""

    name: str
    key: str  # name and attributes: three equal ones at most stay in the list
    index: int = -1  # its place on the stack of open elements, -1 when it is not open
    removed: bool = False


@dataclass(eq=False)
class _Segment:
    """The part of the list of active formatting elements after one marker (a cell, object, ...)."""

    entries: list[_Entry] = field(default_factory=list)
    dead: int = 0  # removed entries still in `entries`
    by_name: dict[str, list[_Entry]] = field(default_factory=dict)
    by_key: dict[str, deque[_Entry]] = field(default_factory=dict)


class _TreeBound:
    """The tree builder's stack of open elements and list of active formatting elements, followed over
    the tokens of a page as far as they decide depth and element count; refuses the page past a limit."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, _Entry | None]] = []
        self.where: dict[str, list[int]] = {}  # name -> its places on the stack, deepest last
        self.scopes: list[int] = [-1]  # places of the scope elements on the stack
        self.segments: list[_Segment] = [_Segment()]
        self.elements = 0
        self.reconstructed = 0
        self.walked = 0  # open elements the parser's "p in button scope" checks pass

    def feed(self, html: str) -> None:
        text_from = 0
        for match in _TOKEN_RE.finditer(html):
            start, end = match.span()
            if start > text_from:  # text, even white space, re-opens them
                self.reconstruct()
            text_from = end
            close, name, attrs = match.group("close", "name", "attrs")
            if name is None:  # comment, or raw-text element and its content: no markup inside
                self.created(1)
            elif close:
                self.end_tag(name.lower())
            else:
                self.start_tag(name.lower(), attrs)
        if text_from < len(html):
            self.reconstruct()

    # --- the stack of open elements

    def push(self, name: str, entry: _Entry | None = None) -> None:
        index = len(self.stack)
        if index >= MAX_DEPTH:
            _refuse("before parsing", "nesting depth", index + 1, MAX_DEPTH)
        self.stack.append((name, entry))
        self.where.setdefault(name, []).append(index)
        if name in _SCOPE_TAGS:
            self.scopes.append(index)
        if name in _MARKER_TAGS:
            self.segments.append(_Segment())
        if entry is not None:
            entry.index = index
        self.created(1)

    def pop_to(self, index: int) -> None:
        """Close the element at `index` and every element above it."""
        while len(self.stack) > index:
            name, entry = self.stack.pop()
            self.where[name].pop()
            if name in _SCOPE_TAGS:
                self.scopes.pop()
            if name in _MARKER_TAGS and len(self.segments) > 1:
                self.segments.pop()  # its formatting elements leave the list with it
            if entry is not None:
                entry.index = -1

    def in_scope(self, name: str, extra: str = "") -> int:
        """The place of the deepest open `name` above every scope boundary (and `extra`), or -1."""
        places = self.where.get(name)
        if not places:
            return -1
        found = places[-1]
        boundary = self.scopes[-1]
        if extra and self.where.get(extra):
            boundary = max(boundary, self.where[extra][-1])
        return found if found >= boundary else -1  # a boundary is in scope of its own end tag

    def end_sibling(self, names: tuple[str, ...], bounds: tuple[str, ...] | None) -> None:
        """Close the shallowest open element named in `names` above the deepest of `bounds` (of the scope
        elements when None): a new list item ends the open one, a new row its row and cell."""
        if bounds is None:
            boundary = self.scopes[-1]
        else:
            boundary = max((self.where[name][-1] for name in bounds if self.where.get(name)), default=-1)
        above = [self.where[name][-1] for name in names if self.where.get(name)]
        found = min((index for index in above if index > boundary), default=-1)
        if found >= 0:
            self.pop_to(found)

    def created(self, count: int) -> None:
        self.elements += count
        if self.elements > MAX_ELEMENTS:
            _refuse("before parsing", "elements", self.elements, MAX_ELEMENTS)

    # --- tokens

    def end_tag(self, name: str) -> None:
        if name in _FORMATTING_TAGS and self.end_formatting(name):
            return
        if name in _MERGED_TAGS or name == "br":
            return
        found = self.in_scope(name, "button" if name == "p" else "")
        if found >= 0:
            self.pop_to(found)
        elif name == "p":
            self.created(1)  # "</p>" with no open <p> makes an empty one

    def start_tag(self, name: str, attrs: str) -> None:
        if name in _MERGED_TAGS:
            return
        closes = _ENDS_SIBLING.get(name)
        if closes is not None:
            self.end_sibling(closes, _SIBLING_BOUNDS.get(name))
        elif name in _HEADINGS and self.stack and self.stack[-1][0] in _HEADINGS:
            self.pop_to(len(self.stack) - 1)
        if name == "table" and self.stack and self.stack[-1][0] in _TABLE_PARTS:
            self.end_sibling(("table",), ("template", "html"))  # a table directly in a table ends it
        if name in _CLOSES_P:
            self.walked += len(self.stack)
            if self.walked > MAX_STACK_WALK:
                _refuse(
                    "before parsing", "open elements walked by block start tags", self.walked, MAX_STACK_WALK
                )
            found = self.in_scope("p", "button")
            if found >= 0:
                self.pop_to(found)
        elif name not in _ENDS_SIBLING:
            self.reconstruct()
        if name in _VOID_TAGS or (attrs.endswith("/") and any(self.where.get(tag) for tag in _FOREIGN_TAGS)):
            self.created(1)
        elif name in _FORMATTING_TAGS:
            self.start_formatting(name, attrs)
        else:
            self.push(name)

    # --- the list of active formatting elements

    def start_formatting(self, name: str, attrs: str) -> None:
        segment = self.segments[-1]
        if name in {"a", "nobr"}:  # a new one ends the old (the adoption agency, roughly)
            self.end_formatting(name)
        key = f"{name} {attrs.strip()}"
        same = segment.by_key.setdefault(key, deque())
        while same and same[0].removed:
            same.popleft()
        if len(same) >= _NOAHS_ARK:
            self.remove(same.popleft())
        entry = _Entry(name, key)
        same.append(entry)
        segment.entries.append(entry)
        segment.by_name.setdefault(name, []).append(entry)
        self.push(name, entry)

    def end_formatting(self, name: str) -> bool:
        """Close the latest active formatting element of this name; False when there is none."""
        entries = self.segments[-1].by_name.get(name)
        while entries and entries[-1].removed:
            entries.pop()
        if not entries:
            return False
        entry = entries.pop()
        if entry.index >= 0:
            self.pop_to(entry.index)
        self.remove(entry)
        return True

    def remove(self, entry: _Entry) -> None:
        entry.removed = True
        segment = self.segments[-1]
        segment.dead += 1
        while segment.entries and segment.entries[-1].removed:
            segment.entries.pop()
            segment.dead -= 1
        if segment.dead > 32 and segment.dead * 2 > len(segment.entries):  # keep the walk back short
            segment.entries = [kept for kept in segment.entries if not kept.removed]
            segment.dead = 0

    def reconstruct(self) -> None:
        """Re-open the active formatting elements that were closed without their end tag."""
        entries = self.segments[-1].entries
        if not entries or entries[-1].index >= 0:  # the last is never a removed one (see `remove`)
            return
        first = len(entries)
        while first > 0 and (entries[first - 1].removed or entries[first - 1].index < 0):
            first -= 1
        closed = [entry for entry in entries[first:] if not entry.removed]
        if not closed:
            return
        self.reconstructed += len(closed)
        if self.reconstructed > MAX_RECONSTRUCTED:
            _refuse(
                "before parsing", "reconstructed formatting elements", self.reconstructed, MAX_RECONSTRUCTED
            )
        for entry in closed:
            self.push(entry.name, entry)


def _refuse(when: str, what: str, measured: int, limit: int) -> None:
    raise ExtractionError(f"refused {when}: {what} {measured:,}, over the limit of {limit:,}")
