"""What the block walk notes of a block's structure, for the Markdown of the body (markdown.py).

Lists, list items, quotes, tables and links leave no trace in a block's plain text; the walk (blocks.py)
tells a `Structure` when it enters and leaves those elements and asks it for a block's `Markup` when it
emits one. Plain blocks outside all of them share one `PLAIN` value, so most blocks cost nothing here; a
block with links keeps its raw parts and anchors, and `links_of` works the links out only for the blocks
the body keeps (most links are in menus, which it drops).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from selectolax.lexbor import LexborNode

from . import rules

__all__ = ["PLAIN", "STRUCTURE_TAGS", "Anchor", "Link", "Markup", "Structure", "anchors_of_run", "links_of"]

Anchor = tuple[int, int, str]  # an <a href> of a block: its first part, one past its last part, the href

# The block elements whose structure Markdown shows (headings and <pre> are block kinds already).
STRUCTURE_TAGS = frozenset({"ol", "ul", "menu", "li", "blockquote", "table"})
# CommonMark takes at most nine digits as a list number; a larger or negative `start` is not a number.
_MAX_LIST_NUMBER = 999_999_999


class Link(NamedTuple):
    """An <a href> inside a block: where its text starts and what it is.

    `start` counts the non-space characters before the link in its block's text (in a table row, in its
    cell), which whitespace collapsing leaves unchanged; `href` is as written in the page.
    """

    start: int
    text: str
    href: str
    cell: int = 0


class Markup(NamedTuple):
    """A block's structure beyond its kind and heading level.

    Immutable like the frozen dataclasses between modules, but a named tuple: one is built for every list
    item and linked block of a page in the walk's hot loop, where a frozen dataclass's __init__ costs
    about three times as much (menus hold hundreds of items)."""

    depth: int = 0  # in a list item: the lists open around it, 1 for the outermost; 0 outside
    number: int | None = None  # the item's number in an <ol>; None in a <ul> or <menu>
    item_id: int = 0  # the <li>: blocks of one item after the first continue it (text after a nested list)
    quote: int = 0  # <blockquote>s open around the block
    table: int = 0  # the <table> of a row, to tell two tables' rows apart
    cells: tuple[str, ...] = ()  # a row's cells
    parts: tuple[str, ...] = ()  # the raw text parts of a block with links (see links_of)
    anchors: tuple[Anchor, ...] = ()


PLAIN = Markup()


def _number(value: str | None) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if 0 <= number <= _MAX_LIST_NUMBER else None


def _non_space(text: str) -> int:
    return len("".join(text.split()))  # str.split's whitespace is the one block text collapses


def _cells_of(parts: Sequence[str]) -> list[list[str]]:
    """The parts of a table row split into cells (before the first cell: what is not in one)."""
    cells: list[list[str]] = [[]]
    for part in parts:
        if part == rules.CELL_SEPARATOR:
            cells.append([])
        else:
            cells[-1].append(part)
    return cells


class Structure:
    """The open lists, items, quotes and tables of the walk, and the links of the block being collected."""

    def __init__(self) -> None:
        self.lists: list[int | None] = []  # per open list: the last number given in an <ol>, else None
        self.items: list[list[int | None]] = []  # per open <li>: [depth, number, id]
        self.quote = 0
        self.tables: list[int] = []
        self.anchors: list[Anchor] = []  # the <a href>s of the current block
        self.open_anchor: tuple[int, str] | None = None  # the <a href> being read: its first part, href

    def enter(self, node: LexborNode, tag: str) -> None:
        if tag == "li":
            self._enter_item(node)
        elif tag == "ol":
            start = _number(node.attributes.get("start"))
            self.lists.append((1 if start is None else start) - 1)
        elif tag in ("ul", "menu"):
            self.lists.append(None)
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "table":
            self.tables.append(node.mem_id)

    def _enter_item(self, node: LexborNode) -> None:
        number: int | None = None
        if self.lists and self.lists[-1] is not None:
            number = _number(node.attributes.get("value"))
            number = self.lists[-1] + 1 if number is None else number
            self.lists[-1] = number
        self.items.append([max(1, len(self.lists)), number, node.mem_id])

    def exit(self, tag: str) -> None:
        if tag == "li":
            self.items.pop()
        elif tag in ("ol", "ul", "menu"):
            self.lists.pop()
        elif tag == "blockquote":
            self.quote -= 1
        elif tag == "table":
            self.tables.pop()

    def anchor_start(self, href: str | None, at: int) -> None:
        if href is not None and self.open_anchor is None:
            self.open_anchor = (at, href)

    def anchor_end(self, at: int) -> None:
        if self.open_anchor is not None:
            self.anchors.append((self.open_anchor[0], at, self.open_anchor[1]))
            self.open_anchor = None

    def take_anchors(self, parts_count: int) -> list[Anchor]:
        """The current block's anchors, the block ending at `parts_count` parts; an <a> still open goes
        on into the next block."""
        anchors = self.anchors
        self.anchors = []
        if self.open_anchor is not None:
            anchors.append((self.open_anchor[0], parts_count, self.open_anchor[1]))
            self.open_anchor = (0, self.open_anchor[1])
        return anchors

    def markup(self, list_like: bool, parts: Sequence[str], anchors: Sequence[Anchor], row: bool) -> Markup:
        """The Markup of a block made of `parts` (the anchors' part ranges relative to them)."""
        depth, number, item_id = self.items[-1] if list_like and self.items else (0, None, 0)
        raw = tuple(parts) if anchors else ()
        if not row:
            return Markup(depth or 0, number, item_id or 0, self.quote, 0, (), raw, tuple(anchors))
        cells = tuple(" ".join("".join(cell).split()) for cell in _row_cells(_cells_of(parts)))
        table = self.tables[-1] if self.tables else 0
        return Markup(depth or 0, number, item_id or 0, self.quote, table, cells, raw, tuple(anchors))


def anchors_of_run(
    anchors: Sequence[Anchor], index: int, start: int, length: int
) -> tuple[list[Anchor], int]:
    """The anchors (from `index` on) that start in the run of parts [start, start + length), relative to
    it, and the index of the first anchor after it: runs come in order, so each anchor is looked at once."""
    end = start + length
    run: list[Anchor] = []
    while index < len(anchors) and anchors[index][0] < end:
        first, last, href = anchors[index]
        run.append((first - start, min(last, end) - start, href))
        index += 1
    return run, index


def _row_cells(cells: list[list[str]]) -> list[list[str]]:
    """A row's cells without what stands before the first one, when that is nothing (the usual row)."""
    return cells[1:] if len(cells) > 1 and not "".join(cells[0]).strip() else cells


def links_of(markup: Markup) -> tuple[Link, ...]:
    """The links of a block (of its cells, in a row), placed in its text."""
    if not markup.anchors:
        return ()
    if not markup.cells:
        return _links(markup.parts, markup.anchors)
    cells = _cells_of(markup.parts)
    skipped = len(cells) - len(_row_cells(cells))  # the part before the first cell, not shown
    links = _row_links(cells, markup.anchors)
    return tuple(
        Link(link.start, link.text, link.href, link.cell - skipped) for link in links if link.cell >= skipped
    )


def _link_text(parts: Sequence[str], start: int, end: int) -> str:
    return " ".join("".join(parts[start:end]).split())


def _links(parts: Sequence[str], anchors: Sequence[Anchor]) -> tuple[Link, ...]:
    """Each anchor with text, placed by the non-space characters before it (one pass over the parts)."""
    links: list[Link] = []
    index, before = 0, 0
    for start, end, href in anchors:
        if index < start:
            before += _non_space("".join(parts[index:start]))
            index = start
        text = _link_text(parts, start, end)
        if text:
            links.append(Link(before, text, href))
    return tuple(links)


def _row_links(cells: list[list[str]], anchors: Sequence[Anchor]) -> tuple[Link, ...]:
    """Links of a table row, placed in their cells (cell 0 is the text before the first cell)."""
    links: list[Link] = []
    bounds: list[tuple[int, int]] = []  # per cell: its first part's index in the row, one past its last
    first = 0
    for cell in cells:
        bounds.append((first, first + len(cell)))
        first += len(cell) + 1  # the separator
    cell_index = 0
    for start, end, href in anchors:
        while cell_index < len(cells) - 1 and start >= bounds[cell_index][1]:
            cell_index += 1
        low, high = bounds[cell_index]
        if not low <= start < high:
            continue
        cell = cells[cell_index]
        placed = _links(cell, [(start - low, min(end, high) - low, href)])
        links.extend(Link(link.start, link.text, href, cell_index) for link in placed)
    return tuple(links)
