"""One pass over the DOM: visible text cut into blocks, each with its link share and container path.

Later stages work on these blocks alone (no DOM mutation, no second walk): body.py scores containers
from the blocks' paths and drops the blocks of link-dense containers. Clutter is skipped during the walk,
except small elements whose clutter words only name a layout piece ("widget"): their blocks are marked
deferred, for body.py to decide once it knows where the body is.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from selectolax.lexbor import LexborNode

from . import rules
from .markup import PLAIN, STRUCTURE_TAGS, Anchor, Markup, Structure, anchors_of_run

if TYPE_CHECKING:
    from .recorder import Recorder

__all__ = ["Block", "BlockKind", "Deferral", "collect_blocks", "visible_chars"]

_STYLE_HIDDEN_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")


class BlockKind(enum.Enum):
    PARAGRAPH = "paragraph"
    HEADING = "heading"
    LIST_ITEM = "list_item"
    ROW = "row"  # a table row, cells joined by rules.CELL_SEPARATOR
    PRE = "pre"
    CAPTION = "caption"  # <figcaption>


class Entry(enum.Enum):
    """What the walk does with an element."""

    ENTER = "enter"
    SKIP = "skip"  # with its whole subtree
    DEFER_SHORT = "defer_short"  # enter, its blocks marked Deferral.SHORT
    DEFER_PROSE = "defer_prose"  # enter, its blocks marked Deferral.PROSE


class Deferral(enum.Enum):
    """A block inside a small element whose weak clutter words name only a layout piece ("widget"): page
    builders wrap every paragraph in one, sidebars too. Decided once the body is known (body.find_body);
    the outermost such element sets it."""

    NONE = "none"
    SHORT = "short"  # the element holds little prose of its own: body only where widgets are the layout
    PROSE = "prose"  # the element holds prose: kept when it lies inside the body


_DEFERRAL_OF_ENTRY = {Entry.DEFER_SHORT: Deferral.SHORT, Entry.DEFER_PROSE: Deferral.PROSE}
_LIST_LIKE = frozenset({BlockKind.LIST_ITEM, BlockKind.PARAGRAPH})  # kinds Markdown shows as list items


@dataclass(frozen=True, slots=True)
class Block:
    """A run of text between two block boundaries.

    `path` holds the ids of the block-level elements around it, outermost first; `chars` counts
    non-space characters, `link_chars` those inside <a>.
    """

    text: str
    kind: BlockKind
    chars: int
    link_chars: int
    path: tuple[int, ...]
    level: int = 0  # heading level, 1-6
    deferral: Deferral = Deferral.NONE
    quoted: bool = False  # inside a <blockquote>: quoted or embedded text (a post, a tweet), not a rail
    markup: Markup = PLAIN  # lists, quotes, table cells, links: for the Markdown (markdown.py) and numbers

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0


@functools.cache  # called only for rules.BLOCK_TAGS: a few dozen entries
def _kind_of(tag: str) -> tuple[BlockKind, int]:
    if tag in rules.HEADING_TAGS:
        return BlockKind.HEADING, int(tag[1])
    if tag in rules.LIST_ITEM_TAGS:
        return BlockKind.LIST_ITEM, 0
    if tag == "tr":
        return BlockKind.ROW, 0
    if tag == "pre":
        return BlockKind.PRE, 0
    return BlockKind.PARAGRAPH, 0


class Clutter(enum.IntEnum):
    """How sure a tag or attribute is that an element is not body: decides how it may be a wrapper."""

    NONE = 0
    WEAK = 1  # furniture tag, or a word like "sidebar" / "widget": also a wrapper when it holds prose
    HIDDEN = 2  # hidden by attribute or style: kept only when it is a long run of prose (streamed SSR
    # chunks, paywalled bodies revealed by script); menus, modals and templates are short or linked
    GATED = 3  # a paywall wrapper: the article itself when long prose, else the barrier with its offers
    STRONG = 4  # a non-content landmark, or a word like "share" / "related" / "comments"


def _clutter(furniture: bool, attributes: dict[str, str | None], heading: bool = False) -> Clutter:
    return _clutter_of_attributes(
        furniture,
        heading,
        "hidden" in attributes,
        attributes.get("aria-hidden"),
        attributes.get("style"),
        attributes.get("role"),
        attributes.get("class"),
        None if heading else attributes.get("id"),
    )


# The verdict of each distinct combination of the attributes it reads, so an element like its neighbours
# (a page repeats a few dozen class/role/style combinations over thousands of elements) costs one lookup.
@functools.lru_cache(maxsize=16384)
def _clutter_of_attributes(
    furniture: bool,
    heading: bool,
    hidden: bool,
    aria_hidden: str | None,
    style: str | None,
    role: str | None,
    class_: str | None,
    id_: str | None,
) -> Clutter:
    # A role that is never the body (a dialog, a menu) outranks "hidden": a hidden element with prose is
    # kept as an article streamed or revealed by script, but a dialog hidden until opened (a "republish
    # this story" box, a sign-up form) is one long run of prose too, and never the article.
    if role and role.lower() in rules.SKIP_ROLES:
        return Clutter.STRONG
    if hidden or aria_hidden == "true":
        return Clutter.HIDDEN
    if style and _STYLE_HIDDEN_RE.search(style.lower()):
        return Clutter.HIDDEN
    names = " ".join(value for value in (class_, id_) if value)
    by_name = _clutter_of_names(names) if names else Clutter.NONE
    return max(by_name, Clutter.WEAK if furniture else Clutter.NONE)


def _names(attributes: dict[str, str | None], heading: bool = False) -> str:
    """The class and id; a heading's id is its anchor, a slug of its own words ("related-costs"), which
    names its topic, not its role."""
    keys = ("class",) if heading else ("class", "id")
    return " ".join(value for key in keys if (value := attributes.get(key)))


def _tokens(names: str) -> frozenset[str]:
    """`rules.attribute_tokens(names)`, put together from the tokens of each name: a site combines the same
    few names in many ways ("card card--3 is-active"), so each name is tokenised once."""
    split = names.split()
    if len(split) == 1:
        return _name_tokens(split[0])
    return frozenset().union(*map(_name_tokens, split))


@functools.lru_cache(maxsize=16384)
def _name_tokens(name: str) -> frozenset[str]:
    return frozenset(rules.attribute_tokens(name))  # tokens never span two names: the union is the same


@functools.lru_cache(maxsize=16384)
def _has_clutter_word(name: str) -> bool:
    # Per name, not per class attribute: every token of a name lies inside the name squeezed, so no
    # clutter token is missed, and a name is searched once however the site combines it with others.
    return rules.CLUTTER_WORD_RE.search(rules.squeezed(name)) is not None


@functools.lru_cache(maxsize=1024)
def _names_only_layout(names: str) -> bool:
    """The weak clutter words in `names` all name layout ("widget"), none a kind of clutter ("caption")."""
    weak = rules.WEAK_CLUTTER_TOKENS & _tokens(names)
    return bool(weak) and weak <= rules.LAYOUT_TOKENS


@functools.lru_cache(maxsize=8192)  # class names repeat within a page and across a site's pages
def _clutter_of_names(names: str) -> Clutter:
    split = names.split()
    flagged = [name for name in split if _has_clutter_word(name)]
    if not flagged:
        return Clutter.NONE  # most class names: no clutter word anywhere, no need to tokenise
    if not rules.HIDDEN_CLASSES.isdisjoint(names.lower().split()):
        return Clutter.STRONG
    # Only a name holding a clutter word can give a clutter token (each token lies inside its name
    # squeezed), so the others ("container", "col-md-6") are not tokenised for these three tests.
    tokens = _tokens(" ".join(flagged))
    if not rules.STRONG_CLUTTER_TOKENS.isdisjoint(tokens):
        return Clutter.STRONG
    if not rules.GATED_TOKENS.isdisjoint(tokens):
        return Clutter.GATED
    if rules.WEAK_CLUTTER_TOKENS.isdisjoint(tokens):
        return Clutter.NONE
    # In BEM names ("story__meta") the block part names the component, the element part this element:
    # only the element part may claim content.
    elements = " ".join(name.rpartition("__")[2] for name in split)
    return Clutter.WEAK if rules.CONTENT_TOKENS.isdisjoint(_tokens(elements)) else Clutter.NONE


def _names_its_terms(attributes: dict[str, str | None]) -> bool:
    """A definition list whose only strong clutter words are the terms it defines ("glossary-terms")."""
    words = rules.STRONG_CLUTTER_TOKENS & _tokens(_names(attributes))
    return bool(words) and words <= rules.DEFINITION_LIST_TOKENS


def _is_footer(tag: str, names: str) -> bool:
    return tag in rules.FOOTER_TAGS or not rules.FOOTER_TOKENS.isdisjoint(_tokens(names))


def _is_legal_fine_print(node: LexborNode, tag: str) -> bool:
    if tag == "font" and (node.attributes.get("size") or "").strip() not in rules.FINE_PRINT_FONT_SIZES:
        return False
    text = node.text()
    return len(text) <= rules.MAX_FINE_PRINT_CHARS and rules.COPYRIGHT_LINE_RE.search(text) is not None


def _is_quotation(node: LexborNode, chars: int) -> bool:
    """An element whose text is (nearly) all inside a <blockquote> holds a quoted post, whatever its class
    says ("social-embed"): share bars and related boxes quote nothing."""
    if not chars:
        return False
    quoted = sum(_visible_chars(quote.text()) for quote in node.css("blockquote"))
    return quoted >= rules.MIN_QUOTATION_SHARE * chars


def _visible_chars(text: str) -> int:
    # Four counts written out: a generator over " \n\t\r" cost more than the counting, on every element
    # the walk measures.
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\r")


def _link_chars(node: LexborNode) -> int:
    return _visible_chars("".join([anchor.text() for anchor in node.css("a")]))  # counts add up: one count


_LINE_BREAK = "\n"  # a <br>; outside <pre> the newlines of text become spaces, so only <br> makes one
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def _link_chars_of(parts: list[str], in_links: list[bool]) -> int:
    # Outside <pre> a text part's only ASCII whitespace is spaces (see _Collector.text).
    return sum(len(part) - part.count(" ") for part, linked in zip(parts, in_links, strict=True) if linked)


def _non_space_len(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\n")


def _text_of(parts: list[str]) -> str:
    """The text of a block's parts: spaces collapsed; one <br> kept as a line break."""
    raw = "".join(parts)
    if _LINE_BREAK not in raw:
        return " ".join(raw.split())
    lines = "\n".join(" ".join(line.split()) for line in raw.split(_LINE_BREAK))
    return _BLANK_LINES_RE.sub("\n\n", lines).strip("\n")


def _without_cell_separators(parts: list[str]) -> list[str]:
    """A layout table's cell text: the separators between cells become spaces."""
    return [" " if part == rules.CELL_SEPARATOR else part for part in parts]


def _br_paragraphs(parts: list[str], in_links: list[bool]) -> Iterator[tuple[list[str], list[bool]]]:
    """The parts split where two or more <br> follow each other (spaces between them allowed)."""
    start, breaks = 0, 0
    for index, part in enumerate(parts):
        if part == _LINE_BREAK:
            breaks += 1
        elif not part.isspace():
            if breaks >= 2 and index > start:
                yield parts[start:index], in_links[start:index]
                start = index
            breaks = 0
    yield parts[start:], in_links[start:]


class _Collector:
    """The walk's state: open block elements, the text of the current block, its link text."""

    def __init__(self, page_chars: int) -> None:
        self.blocks: list[Block] = []
        self.path: list[int] = []
        self.kinds: list[tuple[BlockKind, int]] = [(BlockKind.PARAGRAPH, 0)]
        self.parts: list[str] = []
        self.in_links: list[bool] = []  # one per part: inside <a>?
        self.anchor_depth = 0
        self.pre_depth = 0
        self.caption_depth = 0  # inside <figcaption>: every block there is a caption
        self.sectioning_depth = 0  # inside <article>/<main>/<section>: a <header> there heads that part
        self.deferrals: list[Deferral] = []  # one per open element entered deferred, outermost first
        self.page_chars = page_chars
        self.structure = Structure()

    def flush(self) -> None:
        if not self.parts:
            return
        parts, in_links = self.parts, self.in_links
        self.parts, self.in_links = [], []
        kind, level = self.kinds[-1]
        structure = self.structure
        anchors = structure.take_anchors(len(parts)) if structure.anchors or structure.open_anchor else []
        if self.caption_depth:
            kind = BlockKind.CAPTION
        if kind is BlockKind.PRE:
            markup = self._markup(kind, parts, [])  # code shows no links
            self._emit("".join(parts).strip("\n"), kind, level, _link_chars_of(parts, in_links), markup)
            return
        if kind is BlockKind.ROW:
            text = _text_of(parts).strip(" |")
            if len(text) <= rules.MAX_TABLE_ROW_CHARS:
                markup = self._markup(kind, parts, anchors, row=True)
                self._emit(text.replace("\n", " "), kind, level, _link_chars_of(parts, in_links), markup)
                return
            kind = BlockKind.PARAGRAPH  # a layout table's cell holds prose, not data
            parts = _without_cell_separators(parts)
        # Two <br> in a row (old hand-written pages) start a new paragraph: each becomes its own block, so
        # a run of links (a "<< Previous | Home | Next >>" line) is judged apart from the prose before it.
        plain = not (anchors or structure.items or structure.quote)  # most blocks: no Markup of their own
        start, next_anchor = 0, 0
        for run_parts, run_links in _br_paragraphs(parts, in_links):
            markup = PLAIN
            if not plain:
                run_anchors, next_anchor = anchors_of_run(anchors, next_anchor, start, len(run_parts))
                markup = structure.markup(kind in _LIST_LIKE, run_parts, run_anchors, False)
            self._emit(_text_of(run_parts), kind, level, _link_chars_of(run_parts, run_links), markup)
            start += len(run_parts)

    def _markup(self, kind: BlockKind, parts: list[str], anchors: list[Anchor], row: bool = False) -> Markup:
        structure = self.structure
        if not (row or anchors or structure.items or structure.quote):
            return PLAIN  # most blocks
        return structure.markup(kind in _LIST_LIKE, parts, anchors, row)

    def _emit(self, text: str, kind: BlockKind, level: int, link_chars: int, markup: Markup = PLAIN) -> None:
        if text and not text.isspace():
            deferral = self.deferrals[0] if self.deferrals else Deferral.NONE
            path = tuple(self.path)
            quoted = self.structure.quote > 0  # inside a <blockquote>
            block = Block(text, kind, _non_space_len(text), link_chars, path, level, deferral, quoted, markup)
            self.blocks.append(block)

    def entry(self, node: LexborNode, tag: str) -> Entry:
        if tag in rules.SKIP_TAGS:
            return Entry.SKIP
        if self.pre_depth:
            return Entry.ENTER  # code: a highlighter's classes ("comment", "tag") name tokens, not clutter
        if tag in rules.FINE_PRINT_TAGS and _is_legal_fine_print(node, tag):
            return Entry.SKIP
        attributes = node.attributes
        furniture = tag in rules.FURNITURE_TAGS and not (
            self.sectioning_depth and tag in rules.SECTION_FURNITURE_TAGS
        )
        heading = tag in rules.HEADING_TAGS
        clutter = (
            _clutter(furniture, attributes, heading)
            if attributes
            else (Clutter.WEAK if furniture else Clutter.NONE)
        )
        if clutter is Clutter.NONE or (clutter is Clutter.WEAK and self.caption_depth):
            return Entry.ENTER  # "caption-title", "credit" inside a caption are the caption itself
        if clutter is Clutter.STRONG and tag in rules.DEFINITION_LIST_TAGS and _names_its_terms(attributes):
            return Entry.ENTER
        if clutter is Clutter.HIDDEN and tag in rules.HIDDEN_RAW_TEXT_TAGS:
            return Entry.SKIP  # whatever its length: not measured
        chars = _visible_chars(node.text())
        if clutter is Clutter.HIDDEN or clutter is Clutter.GATED:
            least = rules.MIN_HIDDEN_PROSE_CHARS if clutter is Clutter.HIDDEN else rules.MIN_GATED_PROSE_CHARS
            if chars < least or _link_chars(node) > rules.MAX_PROSE_LINK_DENSITY * chars:
                return Entry.SKIP
            return Entry.ENTER
        if tag == "nav" and _link_chars(node) >= rules.MIN_MENU_LINK_SHARE * chars:
            return Entry.SKIP  # a menu, however much of the page it holds: never a wrapper
        # A wrapper that merely carries a furniture tag or a clutter word keeps its content.
        if chars >= self.page_chars * rules.WRAPPER_TEXT_SHARE:
            return Entry.ENTER
        if clutter is Clutter.STRONG:
            return Entry.ENTER if _is_quotation(node, chars) else Entry.SKIP
        own_chars = chars - _link_chars(node)
        if own_chars >= self.page_chars * rules.WEAK_WRAPPER_TEXT_SHARE and not _is_footer(
            tag, _names(attributes, heading)
        ):
            return Entry.ENTER
        if furniture or not _names_only_layout(_names(attributes, heading)):
            return Entry.SKIP
        prose = own_chars >= rules.MIN_DEFERRED_PROSE_CHARS and (
            own_chars >= (1 - rules.MAX_PROSE_LINK_DENSITY) * chars
        )
        return Entry.DEFER_PROSE if prose else Entry.DEFER_SHORT

    def text(self, value: str) -> None:
        if not self.parts and not self.pre_depth and value.isspace():
            return  # indentation between tags: most text nodes of a page
        if not self.pre_depth:
            value = value.replace("\n", " ").replace("\t", " ").replace("\r", " ")
        self.parts.append(value)
        self.in_links.append(self.anchor_depth > 0)


def visible_chars(node: LexborNode) -> int:
    """Non-space characters of the text under `node` (scripts and styles must be stripped first)."""
    return _visible_chars(node.text())


def collect_blocks(
    root: LexborNode, page_chars: int | None = None, recorder: Recorder | None = None
) -> list[Block]:
    """Cut the visible text under `root` into blocks, skipping clutter subtrees.

    Depth-first without recursion (pages nest thousands of levels deep), from node to node by
    `first_child` and `next`: an element's children cost no iterator of their own, and a skipped element's
    subtree is never entered. A `recorder` is told of each skipped element (`scraper extract --explain`).
    """
    collector = _Collector(visible_chars(root) if page_chars is None else page_chars)
    collector.path.append(root.mem_id)  # the root is a container too: a bare page's body is all of it
    open_nodes: list[
        tuple[LexborNode, str, bool]
    ] = []  # entered elements being walked: (node, tag, deferred?)
    node = root.first_child
    while True:
        if node is None:  # past the last child: leave its parent, go on with the parent's next sibling
            if not open_nodes:
                break
            parent, parent_tag, deferred = open_nodes.pop()
            _exit(collector, parent_tag, deferred)
            node = parent.next
            continue
        # One read from C tells the node's type: Lexbor names text "-text" and comments "-comment".
        tag = node.tag or ""
        if tag == "-text":
            # Indentation between tags (most text nodes) is told in C, without making a string of it;
            # whitespace inside a run of text, or in <pre>, is text (see _Collector.text).
            if collector.parts or collector.pre_depth or not node.is_empty_text_node:
                collector.text(node.text_content or "")
        elif tag != "-comment" and not tag.startswith("_"):
            entry = collector.entry(node, tag)
            if entry is Entry.SKIP:
                if recorder is not None:
                    recorder.skipped(node, tuple(collector.path), len(collector.blocks))
            else:
                deferred = entry is not Entry.ENTER  # a deferral (`is`, not a dict: Enum hashes in Python)
                if deferred:
                    collector.flush()  # the text before it is not deferred
                    collector.deferrals.append(_DEFERRAL_OF_ENTRY[entry])
                _enter(collector, node, tag)
                child = node.first_child
                if child is not None:
                    open_nodes.append((node, tag, deferred))
                    node = child
                    continue
                _exit(collector, tag, deferred)
        node = node.next
    collector.flush()
    return collector.blocks


def _enter(collector: _Collector, node: LexborNode, tag: str) -> None:
    if tag in rules.BLOCK_TAGS:
        if collector.parts:  # most block elements open with no text pending: no call
            collector.flush()
        collector.path.append(node.mem_id)
        collector.kinds.append(_kind_of(tag))
        collector.pre_depth += tag == "pre"
        collector.caption_depth += tag == "figcaption"
        collector.sectioning_depth += tag in rules.SECTIONING_TAGS
        if tag in STRUCTURE_TAGS:
            collector.structure.enter(node, tag)
    elif tag == "br":
        collector.parts.append(_LINE_BREAK)
        collector.in_links.append(False)
    elif tag == "a":
        collector.anchor_depth += 1
        if collector.anchor_depth == 1:
            collector.structure.anchor_start(node.attrs.get("href"), len(collector.parts))
    elif tag in rules.CELL_TAGS:
        collector.parts.append(rules.CELL_SEPARATOR)
        collector.in_links.append(False)
    elif tag == "img":
        return


def _exit(collector: _Collector, tag: str, deferred: bool) -> None:
    if deferred:
        collector.flush()  # its last text is deferred, what follows is not
        collector.deferrals.pop()
    if tag in rules.BLOCK_TAGS:
        if collector.parts:
            collector.flush()
        collector.path.pop()
        collector.kinds.pop()
        collector.pre_depth -= tag == "pre"
        collector.caption_depth -= tag == "figcaption"
        collector.sectioning_depth -= tag in rules.SECTIONING_TAGS
        if tag in STRUCTURE_TAGS:
            collector.structure.exit(tag)
    elif tag == "a":
        collector.anchor_depth -= 1
        if collector.anchor_depth == 0:
            collector.structure.anchor_end(len(collector.parts))
