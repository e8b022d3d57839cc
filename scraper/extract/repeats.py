"""Blocks the body holds twice: a standfirst or headline repeated above the body, a pull quote that
repeats a sentence of it. The copy set apart goes; lines the article itself repeats among its own
paragraphs stay each time.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from .._compiled import load as load_compiled
from . import rules
from .blocks import Block, BlockKind

__all__ = ["drop_pull_quotes", "drop_repeats", "headline_keys", "held", "normalised", "normalised_all"]

# Enum members read for every block, bound once: in Python 3.11 `BlockKind.HEADING` goes through
# EnumType.__getattr__, ten times the cost of reading a global.
_HEADING, _PARAGRAPH = BlockKind.HEADING, BlockKind.PARAGRAPH


_WORD_RE = re.compile(r"\w+")
_TITLE_SEPARATOR_RE = re.compile(r"\s+[-|–—:·»]\s+")
# In ASCII text \w is exactly letters, digits and "_": every other ASCII character becomes a space, so a
# C translate and split find the same words as the regular expression, without a match per word.
_ASCII_WORD_CHARS = frozenset(string.ascii_letters + string.digits + "_")
_ASCII_NON_WORD_TO_SPACE = str.maketrans(
    {chr(code): " " for code in range(128) if chr(code) not in _ASCII_WORD_CHARS}
)


def normalised(text: str) -> str:
    """The text's words (runs of \\w), lower-cased, one space apart: the key blocks are compared by."""
    lowered = text.lower()
    if lowered.isascii():  # most blocks of most pages
        return " ".join(lowered.translate(_ASCII_NON_WORD_TO_SPACE).split())
    return " ".join(_WORD_RE.findall(lowered))


# Between the texts normalised at once: never a word character, neither cased nor case-ignorable (so
# lower-casing reads it as the end of a text: a final sigma before it stays final), and no text holds it.
_SEPARATOR = "\x00"
_ASCII_BYTES = bytes(range(128))
_SPACE_RUN_RE = re.compile(rb"  +")
# The bytes of UTF-8 below 128 are its ASCII characters: the others are left as they are.
_ASCII_NON_WORD_BYTES_TO_SPACE = bytes(
    code if code >= 128 or chr(code) in _ASCII_WORD_CHARS or chr(code) == _SEPARATOR else ord(" ")
    for code in range(256)
)
# The same with the ASCII capitals lowered and every byte outside ASCII a space: for the UTF-8 of a text whose
# characters outside ASCII all become spaces (most pages': see _words_utf8), read as it is, unlowered. Each
# such character becomes as many spaces as it has bytes, and a run of spaces one.
_LOWERED_OTHERS_TO_SPACE = bytes(
    code + 32 if 0x41 <= code <= 0x5A else ord(" ") if code >= 128 else _ASCII_NON_WORD_BYTES_TO_SPACE[code]
    for code in range(256)
)


# The last steps of normalised_all and the search of drop_pull_quotes, compiled (extract/_repeats.pyx,
# optional: see setup.py), given this module's separator (and its table of bytes with each call); None where
# it was not built or SCRAPER_PURE_PYTHON is set.
_compiled: Any = load_compiled("scraper.extract._repeats")
if _compiled is not None:
    _compiled.bind(_SEPARATOR)


def normalised_all(texts: Sequence[str]) -> list[str]:
    """normalised(text) of each of `texts`, found for all of them at once: a body's blocks are compared by
    these keys, and a call per block (lower-casing, a search of its words, a join) cost more than the
    work. The non-word characters outside ASCII become spaces one distinct character at a time (a page
    uses a few: quotes, dashes), the ASCII ones in one translation of the text's bytes."""
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:
        return [normalised(text) for text in texts]  # a text holds the separator (or there is none)
    utf8, table = _words_utf8(joined)
    if _compiled is not None:  # the same steps, in one pass over the bytes
        return _compiled.keys(utf8, table)  # type: ignore[no-any-return]
    # Only spaces are left between the words (and the separators): their runs are collapsed in the bytes.
    utf8 = utf8.translate(table)
    # A run of spaces becomes one by a substitution: a split of the bytes made an object of every word.
    # (The spaces left at each text's ends are stripped below.)
    collapsed = _SPACE_RUN_RE.sub(b" ", utf8).decode("utf-8", "surrogatepass")
    return [part.strip(" ") for part in collapsed.split(_SEPARATOR)]


def _words_utf8(joined: str) -> tuple[bytes, bytes]:
    """The text as UTF-8, and the table of bytes that makes it lower-cased, its non-word characters spaces
    (but for runs of spaces, which normalised_all collapses).

    Most pages' only characters outside ASCII are punctuation and spaces (curly quotes, dashes, no-break
    spaces): made spaces first, they leave ASCII, which lower-cases byte by byte; so the UTF-8 is read as it
    is, by a table that makes every byte outside ASCII a space and lowers the ASCII capitals (a text
    lower-cased as Unicode costs ten times as much, and a replacement per character in the text more than
    the table). That order gives the same words where no such character lower-cases to a word character
    (none does; tested per character, as a later Unicode may differ) and no letter is left outside ASCII,
    whose lower-casing may read its neighbours (a final sigma) or add marks that are not word characters
    ("İ")."""
    if joined.isascii():
        return joined.encode("ascii"), _LOWERED_OTHERS_TO_SPACE
    utf8 = joined.encode("utf-8", "surrogatepass")
    others = _others(utf8)
    if all(_WORD_RE.fullmatch(char) is None and _WORD_RE.search(char.lower()) is None for char in others):
        return utf8, _LOWERED_OTHERS_TO_SPACE  # each of those characters made spaces, by the table
    lowered = joined.lower()
    utf8 = lowered.encode("utf-8", "surrogatepass")
    non_words = [char for char in _others(utf8) if _WORD_RE.fullmatch(char) is None]
    for char in non_words:
        lowered = lowered.replace(char, " ")
    return (lowered.encode("utf-8", "surrogatepass") if non_words else utf8), _ASCII_NON_WORD_BYTES_TO_SPACE


def _others(utf8: bytes) -> set[str]:
    """The distinct characters outside ASCII: what is left of the bytes without the ASCII ones."""
    return set(utf8.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))


def headline_keys(title: str | None, blocks: Sequence[Block]) -> frozenset[str]:
    """The headline in every form a body may repeat it: the metadata title, its parts around a
    " - Site name" separator, and the text of every <h1> on the page (normalised words)."""
    keys = {normalised(block.text) for block in blocks if block.kind is _HEADING and block.level == 1}
    if title:
        keys.add(normalised(title))
        keys.update(normalised(part) for part in _TITLE_SEPARATOR_RE.split(title))
    keys.discard("")
    return frozenset(key for key in keys if len(key) >= rules.MIN_HEADLINE_CHARS)


def drop_repeats(blocks: list[Block]) -> list[Block]:
    """Of blocks repeated word for word (standfirst, headline), keep the last copy: the one in the body;
    but the article's own repeated lines (see own_repeats) stay each time."""
    keys = [block.text for block in blocks]
    least = rules.MIN_DUPLICATE_CHARS
    long_keys = [key for key in keys if len(key) >= least]
    if len(set(long_keys)) == len(long_keys):
        return blocks  # most bodies: no block twice (told by a set, without a loop in Python)
    last_index = {key: index for index, key in enumerate(keys) if len(key) >= least}
    own = own_repeats(blocks, keys)
    return [
        block
        for index, (block, key) in enumerate(zip(blocks, keys, strict=True))
        if len(key) < rules.MIN_DUPLICATE_CHARS or last_index[key] == index or index in own
    ]


def own_repeats(blocks: Sequence[Block], keys: Sequence[str]) -> frozenset[int]:
    """The blocks whose text the article itself repeats, each copy its own: a parent repeating several
    distinct lines among its own blocks (a plan's "Eat 60-90 minutes before your workout" and its dishes
    under each menu), a line set again and again apart (the question put to each interviewee), the same
    signature under two quoted posts. One line set twice among the paragraphs is a standfirst repeated,
    and copies followed alike are the page printing a block or a body again: neither is such a pattern."""
    long_keys = [key for key in keys if len(key) >= rules.MIN_DUPLICATE_CHARS]
    if len(set(long_keys)) == len(long_keys):
        return frozenset()  # most bodies: no line twice (told by a set, without a list per line)
    copies: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        if len(key) >= rules.MIN_DUPLICATE_CHARS:
            copies[key].append(index)
    repeated = [indexes for indexes in copies.values() if len(indexes) > 1]
    own = _sibling_patterns(blocks, repeated)
    for indexes in repeated:
        if (len(indexes) >= rules.MIN_PATTERN_COPIES and _each_followed_apart(indexes, keys)) or all(
            blocks[index].quoted for index in indexes
        ):
            own.update(indexes)
    return frozenset(own)


def _each_followed_apart(indexes: Sequence[int], keys: Sequence[str]) -> bool:
    """Whether each copy is followed by a text of its own (a question by each answer): copies followed
    alike are a block or a whole body printed again (a layout's copies for each screen)."""
    following = {keys[index + 1] if index + 1 < len(keys) else "" for index in indexes}
    return len(following) == len(indexes)


def _sibling_patterns(blocks: Sequence[Block], repeated: list[list[int]]) -> set[int]:
    """The copies of lines repeated among one parent's own blocks, where that parent repeats at least
    rules.MIN_OWN_REPEATED_LINES distinct lines."""
    by_parent: dict[tuple[int, ...], list[list[int]]] = defaultdict(list)
    for indexes in repeated:
        parents: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for index in indexes:
            if len(blocks[index].path) > 1:
                parents[blocks[index].path[:-1]].append(index)
        for parent, siblings in parents.items():
            if len(siblings) > 1:
                by_parent[parent].append(siblings)
    return {
        index
        for lines in by_parent.values()
        if len(lines) >= rules.MIN_OWN_REPEATED_LINES
        for siblings in lines
        for index in siblings
    }


def drop_pull_quotes(blocks: list[Block], keys: Sequence[str] | None = None) -> list[Block]:
    """A short block whose words all stand inside another block is a pull quote or a teaser of it. `keys`:
    the blocks' normalised texts, when the caller has them."""
    keys = normalised_all([block.text for block in blocks]) if keys is None else keys
    paragraph, least, most = _PARAGRAPH, rules.MIN_DUPLICATE_CHARS, rules.MAX_PULL_QUOTE_CHARS
    candidates = [
        index
        for index, (block, key) in enumerate(zip(blocks, keys, strict=True))
        if least <= len(key) <= most and block.kind is paragraph  # the length first: most blocks are longer
    ]
    if not candidates:
        return blocks  # nothing short enough to be a quote
    haystack = "\n".join(keys)  # keys hold no newline: no false match across two
    if len(candidates) * (len(haystack) + 1) > rules.PULL_QUOTE_SCAN_BUDGET:  # each key and its newline
        dropped = set(filter(_QuoteFinder(keys), candidates))
    else:
        dropped = set(held(haystack, keys, candidates, 2))  # once is the block itself
    if not dropped:
        return blocks  # most bodies
    dropped -= own_repeats(blocks, keys)  # a line the article repeats stands inside its other copy
    return [block for index, block in enumerate(blocks) if index not in dropped]


def held(haystack: str, keys: Sequence[str], candidates: list[int], copies: int) -> list[int]:
    """The indexes among `candidates` (of `keys`) whose key `haystack` holds `copies` times or more, without
    overlap (str.count): compiled, all found in one pass over the text (extract/_repeats.pyx)."""
    if _compiled is not None:
        return _compiled.held(haystack, list(keys), candidates, copies)  # type: ignore[no-any-return]
    if copies == 1:  # `in` stops at the first copy
        return [index for index in candidates if keys[index] in haystack]
    return [index for index in candidates if haystack.count(keys[index]) >= copies]


class _QuoteFinder:
    """Whether a block's key (normalised words) stands inside another block's key.

    Searching all the text for each short block costs (blocks × text), minutes for megabytes of distinct
    paragraphs. A key found inside another holds its inner words (all but the first and last, which may
    be cut) as whole words of that other key, so only the blocks holding its rarest inner word are
    searched; keys of one or two words fall back to the search of all the text.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = keys
        self.holders: dict[str, list[int]] = defaultdict(list)  # word -> the blocks holding it
        for index, key in enumerate(keys):
            for word in set(key.split(" ")):
                self.holders[word].append(index)
        self.all_text: str | None = None

    def __call__(self, index: int) -> bool:
        key = self.keys[index]
        inner = key.split(" ")[1:-1]
        if not inner:
            if self.all_text is None:
                self.all_text = "\n".join(self.keys)  # keys hold no newline: no false match across two
            return self.all_text.count(key) > 1  # once is the block itself
        rarest = min(inner, key=lambda word: len(self.holders[word]))
        keys = self.keys
        return any(other != index and key in keys[other] for other in self.holders[rarest])
