"""One pass over the DOM: visible text cut into blocks, each with its link share and container path.

Later stages work on these blocks alone (no DOM mutation, no second walk): body.py scores containers
from the blocks' paths and drops the blocks of link-dense containers. Clutter is skipped during the walk,
except small elements whose clutter words only name a layout piece ("widget"): their blocks are marked
deferred, for body.py to decide once it knows where the body is.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from selectolax.lexbor import LexborNode

from . import accelerator, rules
from .clutter import (
    GATED,
    HIDDEN,
    NO_CLUTTER,
    STRONG,
    WEAK,
    Clutter,
    clutter_of,
    clutter_of_plain,
    is_beside_the_article,
    is_footer,
    names,
    names_its_terms,
    names_only_layout,
)
from .markup import PLAIN, STRUCTURE_TAGS, Anchor, Markup, Structure, anchors_of_run
from .measure import link_chars, quoted_chars, visible_chars

if TYPE_CHECKING:
    from .recorder import Recorder

__all__ = ["Block", "BlockKind", "Deferral", "collect_blocks"]


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
# The kinds Markdown shows as list items: a tuple, as a set would hash its members in Python (Enum.__hash__).
_LIST_LIKE = (BlockKind.LIST_ITEM, BlockKind.PARAGRAPH)


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


# The walk makes its blocks with the slots' own setters: a frozen dataclass's __init__ sets each field by
# object.__setattr__, which made building the blocks a tenth of the walk; the setters cost half as much.
# (A named tuple would cost less still, but the stages after the walk read a block's fields faster from
# slots, which Python 3.11 specialises, than from a named tuple's.)
_new_block = object.__new__
(
    _SET_TEXT,
    _SET_KIND,
    _SET_CHARS,
    _SET_LINK_CHARS,
    _SET_PATH,
    _SET_LEVEL,
    _SET_DEFERRAL,
    _SET_QUOTED,
    _SET_MARKUP,
) = (Block.__dict__[field.name].__set__ for field in dataclasses.fields(Block))


def _block(
    text: str,
    kind: BlockKind,
    chars: int,
    link_chars: int,
    path: tuple[int, ...],
    level: int,
    deferral: Deferral,
    quoted: bool,
    markup: Markup,
) -> Block:
    """`Block(text, kind, ...)`, made faster."""
    block: Block = _new_block(Block)
    _SET_TEXT(block, text)
    _SET_KIND(block, kind)
    _SET_CHARS(block, chars)
    _SET_LINK_CHARS(block, link_chars)
    _SET_PATH(block, path)
    _SET_LEVEL(block, level)
    _SET_DEFERRAL(block, deferral)
    _SET_QUOTED(block, quoted)
    _SET_MARKUP(block, markup)
    return block


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


# Enum members the walk reads for every element and block, bound once: in Python 3.11 `Entry.ENTER` goes
# through EnumType.__getattr__, ten times the cost of reading a global.
_ENTER, _SKIP, _DEFER_SHORT, _DEFER_PROSE = Entry.ENTER, Entry.SKIP, Entry.DEFER_SHORT, Entry.DEFER_PROSE
_PARAGRAPH, _ROW, _PRE, _CAPTION = BlockKind.PARAGRAPH, BlockKind.ROW, BlockKind.PRE, BlockKind.CAPTION
_NOT_DEFERRED = Deferral.NONE


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
    return quoted_chars(node) >= rules.MIN_QUOTATION_SHARE * chars


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
        self.kinds: list[tuple[BlockKind, int]] = [(_PARAGRAPH, 0)]
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
        parts = self.parts
        if not parts:
            return
        in_links = self.in_links
        self.parts, self.in_links = [], []
        kind, level = self.kinds[-1]
        structure = self.structure
        if self.caption_depth or kind is _PRE or kind is _ROW or _LINE_BREAK in parts:
            self._flush_marked(parts, in_links, kind, level)
            return
        # Most blocks: one run of text, no <br>. (What _flush_marked and _emit do then.)
        markup = PLAIN  # no link, outside lists and quotes: most blocks of a page
        if structure.anchors or structure.open_anchor or structure.items or structure.quote:
            anchors = structure.take_anchors(len(parts)) if structure.anchors or structure.open_anchor else []
            if anchors or structure.items or structure.quote:
                # The anchors start in order, all inside the parts but maybe one opened at their end.
                whole = not anchors or anchors[-1][0] < len(parts)
                run_anchors = anchors if whole else anchors_of_run(anchors, 0, 0, len(parts))[0]
                markup = structure.markup(kind in _LIST_LIKE, parts, run_anchors, False)
        raw = "".join(parts).strip(" ")
        # Whitespace collapsed: most blocks have none to collapse, as a text's newlines and tabs are spaces
        # by now (see text), and str.isprintable() is False for every other whitespace character.
        text = raw if raw.isprintable() and "  " not in raw else " ".join(raw.split())
        if text:  # its only whitespace is single spaces
            link_chars = _link_chars_of(parts, in_links) if True in in_links else 0
            deferral = self.deferrals[0] if self.deferrals else _NOT_DEFERRED
            path, chars, quoted = tuple(self.path), len(text) - text.count(" "), structure.quote > 0
            self.blocks.append(_block(text, kind, chars, link_chars, path, level, deferral, quoted, markup))

    def _flush_marked(self, parts: list[str], in_links: list[bool], kind: BlockKind, level: int) -> None:
        """The block of `parts` in a caption, <pre> or table row, or when it holds a <br>."""
        structure = self.structure
        anchors = structure.take_anchors(len(parts)) if structure.anchors or structure.open_anchor else []
        if self.caption_depth:
            kind = _CAPTION
        if kind is _PRE:
            markup = self._markup(kind, parts, [])  # code shows no links
            self._emit("".join(parts).strip("\n"), kind, level, _link_chars_of(parts, in_links), markup)
            return
        if kind is _ROW:
            text = _text_of(parts).strip(" |")
            if len(text) <= rules.MAX_TABLE_ROW_CHARS:
                markup = self._markup(kind, parts, anchors, row=True)
                self._emit(text.replace("\n", " "), kind, level, _link_chars_of(parts, in_links), markup)
                return
            kind = _PARAGRAPH  # a layout table's cell holds prose, not data
            parts = _without_cell_separators(parts)
        plain = not (anchors or structure.items or structure.quote)  # no Markup of its own
        # Two <br> in a row (old hand-written pages) start a new paragraph: each becomes its own block, so
        # a run of links (a "<< Previous | Home | Next >>" line) is judged apart from the prose before it.
        runs = _br_paragraphs(parts, in_links) if _LINE_BREAK in parts else ((parts, in_links),)
        start, next_anchor = 0, 0
        for run_parts, run_links in runs:
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
            deferral = self.deferrals[0] if self.deferrals else _NOT_DEFERRED
            path = tuple(self.path)
            quoted = self.structure.quote > 0  # inside a <blockquote>
            block = _block(
                text, kind, _non_space_len(text), link_chars, path, level, deferral, quoted, markup
            )
            self.blocks.append(block)

    def entry(self, node: LexborNode, tag: str) -> Entry:
        if tag in rules.SKIP_TAGS:
            return _SKIP
        if self.pre_depth:
            return _ENTER  # code: a highlighter's classes ("comment", "tag") name tokens, not clutter
        if tag in rules.FINE_PRINT_TAGS and _is_legal_fine_print(node, tag):
            return _SKIP
        attributes = node.attributes
        furniture = tag in rules.FURNITURE_TAGS and not (
            self.sectioning_depth and tag in rules.SECTION_FURNITURE_TAGS
        )
        heading = tag in rules.HEADING_TAGS
        clutter = (
            clutter_of(furniture, attributes, heading) if attributes else (WEAK if furniture else NO_CLUTTER)
        )
        if clutter is NO_CLUTTER or (clutter is WEAK and self.caption_depth):
            return _ENTER  # "caption-title", "credit" inside a caption are the caption itself
        return self.judged(node, tag, clutter, attributes, furniture, heading)

    def judged(
        self,
        node: LexborNode,
        tag: str,
        clutter: Clutter,
        attributes: dict[str, str | None],
        furniture: bool = False,
        heading: bool = False,
    ) -> Entry:
        """The entry of an element with clutter (beyond a weak word inside a caption): by its text."""
        if clutter is STRONG and tag in rules.DEFINITION_LIST_TAGS and names_its_terms(attributes):
            return _ENTER
        if clutter is HIDDEN and tag in rules.HIDDEN_RAW_TEXT_TAGS:
            return _SKIP  # whatever its length: not measured
        chars = visible_chars(node)
        if clutter is HIDDEN or clutter is GATED:
            least = rules.MIN_HIDDEN_PROSE_CHARS if clutter is HIDDEN else rules.MIN_GATED_PROSE_CHARS
            if chars < least or link_chars(node) > rules.MAX_PROSE_LINK_DENSITY * chars:
                return _SKIP
            return _ENTER
        if tag == "nav" and link_chars(node) >= rules.MIN_MENU_LINK_SHARE * chars:
            return _SKIP  # a menu, however much of the page it holds: never a wrapper
        wrapper_chars = self.page_chars * rules.WEAK_WRAPPER_TEXT_SHARE
        if tag in rules.TANGENTIAL_TAGS and chars >= wrapper_chars and is_beside_the_article(node):
            return _SKIP  # a sidebar beside the headline or <article>: whatever its size, not a wrapper
        # A wrapper that merely carries a furniture tag or a clutter word keeps its content.
        if chars >= self.page_chars * rules.WRAPPER_TEXT_SHARE:
            return _ENTER
        if clutter is STRONG:
            return _ENTER if _is_quotation(node, chars) else _SKIP
        layout = not furniture and names_only_layout(names(attributes, heading))
        if chars < wrapper_chars and not layout:
            return _SKIP  # its own text, at most all of its text, makes no wrapper: its links need no count
        own_chars = chars - link_chars(node)
        if own_chars >= wrapper_chars and not is_footer(tag, names(attributes, heading)):
            return _ENTER
        if not layout:
            return _SKIP
        prose = own_chars >= rules.MIN_DEFERRED_PROSE_CHARS and (
            own_chars >= (1 - rules.MAX_PROSE_LINK_DENSITY) * chars
        )
        return _DEFER_PROSE if prose else _DEFER_SHORT

    def defer(self, entry: Entry) -> None:
        self.flush()  # the text before a deferred element is not deferred
        self.deferrals.append(_DEFERRAL_OF_ENTRY[entry])

    def text(self, value: str) -> None:
        """A text node's text (outside <pre> the walk's loop does the same without the call)."""
        if not self.parts and not self.pre_depth and value.isspace():
            return  # indentation between tags: most text nodes of a page
        if not self.pre_depth:
            value = value.replace("\n", " ").replace("\t", " ").replace("\r", " ")
        self.parts.append(value)
        self.in_links.append(self.anchor_depth > 0)


def collect_blocks(
    root: LexborNode, page_chars: int | None = None, recorder: Recorder | None = None
) -> list[Block]:
    """Cut the visible text under `root` into blocks, skipping clutter subtrees.

    A `recorder` is told of each skipped element (`scraper extract --explain`).
    """
    collector = _Collector(visible_chars(root) if page_chars is None else page_chars)
    collector.path.append(root.mem_id)  # the root is a container too: a bare page's body is all of it
    (_compiled_walk or _walk)(collector, root, recorder)
    collector.flush()
    return collector.blocks


# What the walk does with a node, by its tag. Most elements are a <div>, <span>, <a> or <li> with at most a
# class: their entry (clutter by attributes alone) is worked out in the walk's loop, as is the entering of
# the first three. Tags with an entry rule of their own (skipped, fine print, furniture, headings) go
# through `_Collector.entry`.
_TEXT, _IGNORED, _INLINE, _BLOCK, _ANCHOR, _ENTERED, _OTHER = range(7)
_Action = tuple[int, tuple[BlockKind, int], str]  # what to do, the block kind (of a _BLOCK), the tag
_ENTRY_RULE_TAGS = rules.SKIP_TAGS | rules.FINE_PRINT_TAGS | rules.FURNITURE_TAGS | rules.HEADING_TAGS
# Tags that _enter() and _exit() do more with than a plain block element.
_ENTER_RULE_TAGS = rules.SECTIONING_TAGS | rules.CELL_TAGS | STRUCTURE_TAGS | {"pre", "figcaption", "br"}
# Lexbor numbers the tags of its own table (HTML's, SVG's, MathML's: about two hundred) from 1, alike in every
# document; a page's own tags ("my-widget") are numbered by the address of their entry in the document's
# tag table, far above. So what to do with a known tag is found by its number, one read from C, without
# making its name; a page's own tags are looked up by name. tests/extract/test_walk.py checks the line.
FIXED_TAG_IDS = 0x10000
_ACTIONS: dict[int, _Action] = {}  # by tag number, for the fixed ones: filled as the walk meets them


@functools.cache  # one entry per distinct tag name
def _action_of(tag: str) -> _Action:
    kind = (_PARAGRAPH, 0)
    if tag == "-text":
        return _TEXT, kind, tag
    if tag == "-comment" or tag.startswith("_"):
        return _IGNORED, kind, tag
    if tag in _ENTRY_RULE_TAGS:
        return _OTHER, kind, tag
    if tag in _ENTER_RULE_TAGS:
        return _ENTERED, kind, tag
    if tag in rules.BLOCK_TAGS:
        return _BLOCK, _kind_of(tag), tag
    return (_ANCHOR if tag == "a" else _INLINE), kind, tag


def _action_of_node(node: LexborNode, tag_id: int) -> _Action:
    tag = node.tag
    action = _action_of(tag or "")
    if tag and 0 < tag_id < FIXED_TAG_IDS:
        _ACTIONS[tag_id] = action
    return action


# Depth-first without recursion (pages nest thousands of levels deep), from node to node by `first_child` and
# `next`: an element's children cost no iterator of their own, and a skipped element's subtree is never
# entered. A plain block element is left in the loop, the other elements by _leave. Indentation between tags
# (most text nodes) is told in C, without making a string of it; whitespace inside a run of text, or in
# <pre>, is text.
def _walk(collector: _Collector, root: LexborNode, recorder: Recorder | None) -> None:
    actions, path, kinds, verdict_of = _ACTIONS, collector.path, collector.kinds, clutter_of_plain
    open_nodes: list[tuple[LexborNode, int, str, bool]] = []  # (node, action, tag, deferred?) not yet left
    node = root.first_child
    while True:
        if node is None:  # past the last child: leave its parent, go on with the parent's next sibling
            if not open_nodes:
                return
            node, action, tag, deferred = open_nodes.pop()
            if action == _BLOCK and not deferred:
                if collector.parts:
                    collector.flush()
                path.pop()
                kinds.pop()
            elif action != _INLINE or deferred:
                _leave(collector, action, tag, deferred)
            node = node.next
            continue
        action, kind, tag = actions.get(tag_id := node.tag_id) or _action_of_node(node, tag_id)
        if action == _TEXT:
            if collector.pre_depth:
                collector.text(node.text_content or "")
            elif collector.parts or not node.is_empty_text_node:  # _Collector.text, outside <pre>
                value = node.text_content or ""
                if collector.parts or not value.isspace():
                    collector.parts.append(value.replace("\n", " ").replace("\t", " ").replace("\r", " "))
                    collector.in_links.append(collector.anchor_depth > 0)
        elif action != _IGNORED:
            if action == _OTHER:
                entry = collector.entry(node, tag)
            elif not (attributes := node.attributes) or collector.pre_depth:
                entry = _ENTER
            else:  # _Collector.entry for a tag of no entry rule: furniture and heading are False
                clutter = verdict_of(attributes)
                if clutter is NO_CLUTTER or (clutter is WEAK and collector.caption_depth):
                    entry = _ENTER
                else:
                    entry = collector.judged(node, tag, clutter, attributes)
            if entry is _SKIP:
                if recorder is not None:
                    recorder.skipped(node, tuple(path), len(collector.blocks))
            else:
                deferred = entry is not _ENTER  # a deferral (`is`, not a dict: Enum hashes in Python)
                if deferred:
                    collector.defer(entry)
                if action == _BLOCK:
                    if collector.parts:  # most block elements open with no text pending: no call
                        collector.flush()
                    path.append(node.mem_id)
                    kinds.append(kind)
                elif action == _ANCHOR:
                    collector.anchor_depth += 1
                    if collector.anchor_depth == 1:
                        collector.structure.anchor_start(attributes.get("href"), len(collector.parts))
                elif action != _INLINE:
                    _enter(collector, node, tag)
                open_nodes.append((node, action, tag, deferred))
                node = node.first_child  # None for an empty element: left at once, above
                continue
        node = node.next


def _leave(collector: _Collector, action: int, tag: str, deferred: bool) -> None:
    """Leave an element the walk's loop does not: one entered deferred, a link, or one _enter opened (a
    plain block element and an inline one are left in the loop)."""
    if deferred or action >= _ENTERED:
        _exit(collector, tag, deferred)
    elif action == _ANCHOR:
        collector.anchor_depth -= 1
        if collector.anchor_depth == 0:
            collector.structure.anchor_end(len(collector.parts))


@dataclass(frozen=True, slots=True)
class _Opening:
    """What _enter and _exit do with an element of a tag, beyond a flush: worked out once per tag, and read
    by the compiled walk once per tag number, so it keeps no rule of its own."""

    block: bool  # a block element: its id and kind pushed on the path
    kind: tuple[BlockKind, int]
    pre: int  # what it adds to pre_depth, caption_depth, sectioning_depth: 0 or 1
    caption: int
    sectioning: int
    structure: bool  # Markdown's structure (markup.STRUCTURE_TAGS) is told of it
    separator: str | None  # a part of its own, not a link's: <br>'s line break, a cell's separator
    anchor: bool  # an <a>


@functools.cache  # one entry per distinct tag name
def _opening_of(tag: str) -> _Opening:
    if tag in rules.BLOCK_TAGS:
        depths = int(tag == "pre"), int(tag == "figcaption"), int(tag in rules.SECTIONING_TAGS)
        return _Opening(True, _kind_of(tag), *depths, tag in STRUCTURE_TAGS, None, False)
    separator = _LINE_BREAK if tag == "br" else rules.CELL_SEPARATOR if tag in rules.CELL_TAGS else None
    return _Opening(False, (_PARAGRAPH, 0), 0, 0, 0, False, separator, tag == "a")


def _enter(collector: _Collector, node: LexborNode, tag: str) -> None:
    opening = _opening_of(tag)
    if opening.block:
        if collector.parts:  # most block elements open with no text pending: no call
            collector.flush()
        collector.path.append(node.mem_id)
        collector.kinds.append(opening.kind)
        collector.pre_depth += opening.pre
        collector.caption_depth += opening.caption
        collector.sectioning_depth += opening.sectioning
        if opening.structure:
            collector.structure.enter(node, tag)
    elif opening.separator is not None:
        collector.parts.append(opening.separator)
        collector.in_links.append(False)
    elif opening.anchor:
        collector.anchor_depth += 1
        if collector.anchor_depth == 1:
            collector.structure.anchor_start(node.attrs.get("href"), len(collector.parts))


def _exit(collector: _Collector, tag: str, deferred: bool) -> None:
    if deferred:
        collector.flush()  # its last text is deferred, what follows is not
        collector.deferrals.pop()
    opening = _opening_of(tag)
    if opening.block:
        if collector.parts:
            collector.flush()
        collector.path.pop()
        collector.kinds.pop()
        collector.pre_depth -= opening.pre
        collector.caption_depth -= opening.caption
        collector.sectioning_depth -= opening.sectioning
        if opening.structure:
            collector.structure.exit(tag)
    elif opening.anchor:
        collector.anchor_depth -= 1
        if collector.anchor_depth == 0:
            collector.structure.anchor_end(len(collector.parts))


def _first_walk(collector: _Collector, root: LexborNode, recorder: Recorder | None) -> None:
    """Pick the walk at the first page, once logging is set up to tell which (accelerator.py): _walk's loop
    in C (_cwalk.pyx, bound to this module's rules) where it was built for the selectolax installed."""
    global _compiled_walk
    _compiled_walk = accelerator.load_walk(sys.modules[__name__]).walk
    (_compiled_walk or _walk)(collector, root, recorder)


_compiled_walk: accelerator.WalkFunction | None = _first_walk  # None: _walk runs
