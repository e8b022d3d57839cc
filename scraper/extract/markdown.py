"""The kept body blocks as Markdown (CommonMark with GitHub tables): the body's structure, links included;
and as the plain text of `Document.text` (`serialise`).

Headings by level, `1.` and `-` lists (numbered as in their <ol>, nested by indentation), `>` quotes,
GitHub tables (the first row is the header), fenced code for <pre>, and links as `[text](absolute URL)`.
Links are always written: `render.py` strips them unless asked for (`--links`), which the escaping below
makes safe, since ordinary text never holds an unescaped `[` or `]`. Ordinary text is escaped where a
character would change the meaning (emphasis, code, links, HTML; headings, quotes, lists at a line start).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from .blocks import Block, BlockKind
from .markup import Link, links_of

__all__ = ["render_markdown", "serialise"]

# `*`, backtick, `[`, `]`, `\`, `<` and `~` always; `_` unless between two letters or digits (CommonMark
# takes no emphasis there: snake_case stays readable); `&` where it starts a character reference.
_INLINE_RE = re.compile(r"[\\`*\[\]<~]|(?<![^\W_])_|_(?![^\W_])|&(?=#?\w+;)")
_MAYBE_INLINE_RE = re.compile(r"[\\`*\[\]<~_&]")  # most text holds none: no substitution then
# A line opening a heading, quote, list, rule, setext underline or table; an ordered list's number.
_LINE_START_RE = re.compile(r"^[#>+\-=|]", re.MULTILINE)
_LINE_NUMBER_RE = re.compile(r"^(\d{1,9})([.)])(?=\s|$)", re.MULTILINE)
_LINE_OPENERS = frozenset("#>+-=|0123456789")
_CLOSING_HASHES_RE = re.compile(r"(\s)(#+)$")  # "## C #": a heading's closing sequence, to be kept as text
_BACKTICKS_RE = re.compile(r"`+")
# In an absolute http(s) href, what asks for urljoin's work: userinfo, dot segments, spaces, backslashes.
_NOT_PLAIN_URL_RE = re.compile(r"[@\\\s]|/\.\.?(?:[/?#]|$)")
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})  # no javascript:, data: or file: link
# Characters that would end or break the (URL) of a link, percent-encoded; `|` would split a table cell.
_URL_ESCAPES = str.maketrans(
    {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "|": "%7C", "\\": "%5C"}
)
_URL_DROPPED = str.maketrans("", "", "\t\n\r")  # as browsers do: no tab or newline in a URL
# str.translate looks each character up in its table (3.7 µs for a URL of 85 characters); most URLs hold
# none of those characters, which one search tells (0.2 µs).
_URL_ESCAPED_RE = re.compile(r"[ ()<>|\\]")
_URL_DROPPED_RE = re.compile(r"[\t\n\r]")
_HARD_BREAK = "\\\n"  # a <br> inside a block: CommonMark's backslash line break


def _non_space(text: str) -> int:
    return len("".join(text.split()))


def _escape(text: str) -> str:
    if _MAYBE_INLINE_RE.search(text) is None:
        return text
    return _INLINE_RE.sub(r"\\\g<0>", text)


def _escape_line_starts(text: str) -> str:
    if "\n" not in text and text[:1] not in _LINE_OPENERS:
        return text  # one line, opening with nothing Markdown reads
    return _LINE_NUMBER_RE.sub(r"\1\\\2", _LINE_START_RE.sub(r"\\\g<0>", text))


@functools.lru_cache(maxsize=1024)  # a page links to the same few places again and again
def link_target(href: str, base: str | None) -> str | None:
    """`href` as an absolute URL fit for Markdown, without `user:password@`; None when it is not one."""
    if href.startswith(("https://", "http://", "/")) and not _NOT_PLAIN_URL_RE.search(href):
        if href[0] != "/":
            return _url_escaped(href)  # absolute already: nothing to resolve or drop
        origin = _origin(base) if href[1:2] != "/" else None
        if origin is not None:  # "/path" on an http(s) page: the page's origin and the path
            return _url_escaped(origin + href)
    try:
        href = href.strip()
        target = urljoin(base or "", href.translate(_URL_DROPPED) if _URL_DROPPED_RE.search(href) else href)
        parts = urlsplit(target)
    except ValueError:  # a malformed host ("http://[::1"): no link, the text stays
        return None
    if parts.scheme.lower() not in _LINK_SCHEMES or (parts.scheme != "mailto" and not parts.netloc):
        return None
    netloc = parts.netloc.rpartition("@")[2] if parts.scheme != "mailto" else parts.netloc
    return _url_escaped(urlunsplit(parts._replace(netloc=netloc)))


def _url_escaped(url: str) -> str:
    return url.translate(_URL_ESCAPES) if _URL_ESCAPED_RE.search(url) else url


@functools.lru_cache(maxsize=64)
def _origin(base: str | None) -> str | None:
    """`scheme://host[:port]` of an http(s) `base` without userinfo; None for any other."""
    target = link_target(base, None) if base else None
    if target is None or not target.startswith(("https://", "http://")):
        return None
    scheme, _, rest = target.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0].split('#', 1)[0]}"


def _inline(text: str, links: Sequence[Link], base: str | None) -> str:
    """Escaped text with its links; a link whose text is not where the walk saw it stays plain text.

    One pass over the text, whatever the number of links (links come in the order of their starts)."""
    if not links:
        return _escape(text)
    pieces: list[str] = []
    position = 0  # the text before it is written
    index, seen = 0, 0  # where the scan stands, and the non-space characters before it
    for link in links:
        index, seen = _advance(text, index, seen, link.start)
        target = link_target(link.href, base)
        if target is None or not text.startswith(link.text, index):
            continue
        before = _escape(text[position:index])
        if before.endswith("!"):
            before = before[:-1] + "\\!"  # "![" would make the link an image
        pieces += (before, f"[{_escape(link.text)}]({target})")
        position = index = index + len(link.text)
        seen += _non_space(link.text)
    pieces.append(_escape(text[position:]))
    return "".join(pieces)


def _advance(text: str, index: int, seen: int, start: int) -> tuple[int, int]:
    """From `index` (`seen` non-space characters before it) to the first non-space character with `start`
    before it: each step takes as many characters as are still missing, so a few steps do."""
    while seen < start:
        step = text[index : index + start - seen]
        if not step:
            break
        seen += _non_space(step)
        index += len(step)
    while index < len(text) and text[index].isspace():
        index += 1
    return index, seen


@dataclass(slots=True)
class _Chunk:
    """One rendered piece: its lines, its quote depth, and whether it follows the one before on the next
    line (items of one list) instead of after a blank line."""

    lines: list[str]
    quote: int
    tight: bool = False


class _Lists:
    """The open list items as Markdown sees them: per depth, the item's id and its content's column."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.columns: list[int] = []

    def close(self) -> None:
        self.ids.clear()
        self.columns.clear()

    def item(self, block: Block, text: str) -> _Chunk:
        item = block.markup
        open_before = bool(self.ids)  # the block before was a list item too
        depth = min(item.depth, len(self.ids) + 1)  # an item whose parent item was dropped moves out
        lines = text.split("\n")
        if len(self.ids) >= depth and self.ids[depth - 1] == item.item_id:  # text after a nested list
            del self.ids[depth:], self.columns[depth:]
            indent = " " * self.columns[depth - 1]
            return _Chunk([indent + line if line else line for line in lines], block.markup.quote)
        base = self.columns[depth - 2] if depth > 1 else 0
        marker = "-" if item.number is None else f"{item.number}."
        del self.ids[depth - 1 :], self.columns[depth - 1 :]
        self.ids.append(item.item_id)
        self.columns.append(base + len(marker) + 1)
        indent = " " * self.columns[-1]
        first = " " * base + marker + " " + lines[0]
        rest = [indent + line if line else line for line in lines[1:]]
        return _Chunk([first, *rest], block.markup.quote, tight=open_before)


def _text_lines(block: Block, base: str | None) -> str:
    markup = block.markup
    text = block.text
    if markup.anchors:
        text = _inline(text, links_of(markup), base)
    elif _MAYBE_INLINE_RE.search(text) is not None:
        text = _INLINE_RE.sub(r"\\\g<0>", text)
    if "\n" in text:
        return _escape_line_starts(text).replace("\n", _HARD_BREAK)
    return _escape_line_starts(text) if text[:1] in _LINE_OPENERS else text


def _heading(block: Block, base: str | None) -> list[str]:
    text = _inline(" ".join(block.text.split()), links_of(block.markup), base)
    return ["#" * max(1, min(block.level, 6)) + " " + _CLOSING_HASHES_RE.sub(r"\1\\\2", text)]


def _code(block: Block) -> list[str]:
    longest = max((len(run) for run in _BACKTICKS_RE.findall(block.text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *block.text.split("\n"), fence]


def _table(rows: Sequence[Block], base: str | None) -> list[str]:
    width = max(len(row.markup.cells) for row in rows)
    lines: list[str] = []
    for number, row in enumerate(rows):
        links = links_of(row.markup)
        cells = [_cell(row, index, links, base) for index in range(width)]
        lines.append("| " + " | ".join(cells) + " |")
        if number == 0:
            lines.append("|" + " --- |" * width)
    return lines


def _cell(row: Block, index: int, links: Sequence[Link], base: str | None) -> str:
    cells = row.markup.cells
    if index >= len(cells):
        return ""
    return _inline(cells[index], [link for link in links if link.cell == index], base).replace("|", "\\|")


def render_markdown(blocks: Sequence[Block], base: str | None) -> str:
    """The blocks as Markdown, links resolved against `base` (the page's URL)."""
    out: list[str] = []  # joined by newlines: an entry may hold several lines
    lists = _Lists()
    previous = -1  # the quote depth of the block before; -1 before the first
    index, count = 0, len(blocks)
    while index < count:
        block = blocks[index]
        markup = block.markup
        quote = markup.quote
        kind = block.kind
        index += 1
        tight = False  # an item of the same list as the block before: no blank line between them
        if markup.depth and (kind is BlockKind.LIST_ITEM or kind is BlockKind.PARAGRAPH):
            chunk = lists.item(block, _text_lines(block, base))
            tight = chunk.tight and previous == quote
            lines: str | list[str] = chunk.lines
        else:
            if lists.ids:
                lists.close()
            if kind is BlockKind.ROW and markup.cells:
                first = index - 1
                while index < count and _same_table(blocks[index], block):
                    index += 1
                lines = _table(blocks[first:index], base)
            elif kind is BlockKind.HEADING:
                lines = _heading(block, base)
            elif kind is BlockKind.PRE:
                lines = _code(block)
            else:  # a paragraph, a caption, or a <dt> or <dd> (a list item outside a list)
                lines = _text_lines(block, base)
        if previous >= 0 and not tight:
            out.append(_quoted("", min(previous, quote)))
        if quote:
            out.extend(
                _quoted(line, quote) for line in (lines.split("\n") if isinstance(lines, str) else lines)
            )
        elif isinstance(lines, str):
            out.append(lines)  # most blocks: their lines as one string
        else:
            out += lines
        previous = quote
    return "\n".join(out)


def _same_table(block: Block, first: Block) -> bool:
    return (
        block.kind is BlockKind.ROW and bool(block.markup.cells) and block.markup.table == first.markup.table
    )


def _quoted(line: str, depth: int) -> str:
    if not depth:
        return line
    return ("> " * depth + line) if line else ">" + " >" * (depth - 1)


def serialise(blocks: Sequence[Block]) -> str:
    """Paragraphs apart by a blank line; list items and table rows of one run on consecutive lines; the
    items of an ordered list numbered as the page numbers them ("1. ", from its start on): steps and
    rankings read wrong without their numbers."""
    pieces: list[str] = []
    previous: Block | None = None
    numbered_item = 0  # the <li> whose number is written: an item's later lines take none
    for block in blocks:
        if previous is not None:
            same_run = block.kind is previous.kind and block.kind in (BlockKind.LIST_ITEM, BlockKind.ROW)
            pieces.append("\n" if same_run else "\n\n")
        number = block.markup.number
        if number is not None and block.markup.item_id != numbered_item:
            numbered_item = block.markup.item_id
            pieces.append(f"{number}. ")
        pieces.append(block.text)
        previous = block
    return "".join(pieces)
