"""The page's byline and date as the body repeats them: the author's bio box after the article, and the
byline and date lines of an article's header that come with its lede (after the first prose, where the
lead-in rule no longer reaches them).

Both are told by the page's own metadata (its author, its publication date), not by words of a language:
a short line that only names the metadata's author, or only writes its date, is the article's furniture.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import islice

from . import rules
from .blocks import Block, BlockKind
from .repeats import normalised

__all__ = ["author_names", "drop_author_bio", "drop_byline_lines", "is_author_bio"]

# Enum members read for every block, bound once: in Python 3.11 `BlockKind.HEADING` goes through
# EnumType.__getattr__, ten times the cost of reading a global.
_PARAGRAPH = BlockKind.PARAGRAPH


_AUTHOR_SEPARATOR_RE = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*")
# The numbers of an ISO 8601 date as the metadata gives it: year, month, day, and the time when given.
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2}))?")
_NUMBER_RE = re.compile(r"\d+")
_WORD_RE = re.compile(r"[^\W\d_]+")


def drop_author_bio(blocks: list[Block], author: str | None) -> list[Block]:
    """At the very end: the author's bio box (a short paragraph opening with the byline's name)."""
    names = author_names(author)
    end = len(blocks)
    while end > 1 and is_author_bio(blocks[end - 1], names):
        end -= 1
    return blocks[:end]


# The page's author is asked for three times (the widening, the bio box, the byline lines): the last
# answer is kept (one page's; pages extracted side by side in threads only compute it again).
@lru_cache(maxsize=1)
def author_names(author: str | None) -> tuple[str, ...]:
    """The byline's full names, normalised; one word ("Staff") opens sentences, so it names no one."""
    names = (normalised(name) for name in _AUTHOR_SEPARATOR_RE.split(author or ""))
    return tuple(name for name in names if " " in name)


def is_author_bio(block: Block, names: Sequence[str]) -> bool:
    if block.kind is not _PARAGRAPH or len(block.text) > rules.MAX_AUTHOR_BIO_CHARS:
        return False
    opening = normalised(block.text)
    return any(opening.startswith(name + " ") for name in names)


def drop_byline_lines(
    blocks: list[Block],
    body_id: int,
    meta: tuple[str | None, str | None],
    is_prose: Callable[[Block], bool],
) -> list[Block]:
    """Between the first prose and the next, in a box of the first's inside the body (an article's header
    holding its lede): short lines that only name the page's author (`meta`: author, date) ("Por Renata
    Albuquerque", "By Jane Doe") or only write its publication date ("30/09/2025 13h25", "Sept. 30, 2025").
    The lead-in rule (before the first prose) does not reach them. Further on, or outside the lede's box, such
    a line is the page's own (a signature, a date in a timeline, the byline of a card in a list)."""
    prose = list(islice((index for index, block in enumerate(blocks) if is_prose(block)), 2))
    names, numbers = author_names(meta[0]), _date_numbers(meta[1])
    if len(prose) < 2 or not (names or numbers) or body_id not in blocks[prose[0]].path:
        return blocks
    first, second = prose
    lede_path = blocks[first].path
    below_body = lede_path[: lede_path.index(body_id) + 2]  # the body and the lede's box inside it
    lead = [
        block
        for block in blocks[first + 1 : second]
        if not (block.path[: len(below_body)] == below_body and _is_byline_line(block, names, numbers))
    ]
    return blocks[: first + 1] + lead + blocks[second:]


def _is_byline_line(block: Block, names: Sequence[str], numbers: tuple[frozenset[int], ...]) -> bool:
    if block.kind is not _PARAGRAPH or block.quoted or block.chars >= rules.MIN_PROSE_CHARS:
        return False  # a quoted post's signature names its poster and date: the post's own line
    if numbers and _only_writes_date(block.text, numbers):
        return True
    if not names:
        return False
    line = rest = f" {normalised(block.text)} "
    for name in names:
        rest = rest.replace(f" {name} ", " ")
    return rest != line and len(rest.split()) <= rules.MAX_BYLINE_EXTRA_WORDS


def _date_numbers(date: str | None) -> tuple[frozenset[int], ...]:
    """The numbers a line may write the date with: year (also in two digits), month, day, hour (also on a
    12-hour clock) and minute; then the numbers that tell the date, one pair of which the line must write:
    the day and the year, or the day and the month (a month in words leaves its day and year; "Oct 10,
    2024" is not 2024-10-08). Empty without a date."""
    match = _ISO_DATE_RE.match(date or "")
    if match is None:
        return ()
    year, month, day = (int(part) for part in match.groups()[:3])
    numbers = {year, year % 100, month, day}
    if match[4] is not None:
        hour = int(match[4])
        numbers.update((hour, hour % 12 or 12, int(match[5])))
    return frozenset(numbers), frozenset({day, year}), frozenset({day, month})


def _only_writes_date(text: str, numbers: tuple[frozenset[int], ...]) -> bool:
    """The line's numbers are all the date's, its day and year or day and month among them, with a few
    words at most ("Publicado em", "de setembro de", "Updated", "p.m."): a date line, not a sentence."""
    found = frozenset(int(number) for number in _NUMBER_RE.findall(text))
    allowed, *telling = numbers
    return (
        len(found) >= 2  # "2025" alone is a year named, not a date
        and found <= allowed
        and any(told <= found for told in telling)
        and len(_WORD_RE.findall(text)) <= rules.MAX_DATE_LINE_WORDS
    )
