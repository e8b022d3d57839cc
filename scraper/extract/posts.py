"""Forum threads told by their shape: a run of sibling posts, each with its own date line, poster and text,
none dominating; an article has one byline and one body.

Read from the blocks' container paths (blocks.py), which the body choice computed already: no class name,
no forum software's mark-up, no word of any language, so it holds for the boards that carry no microdata
or schema.org type, as most forum software renders them on the server. The one regular expression runs
on short blocks only; the rest is a pass over the blocks (0.07 ms a page on bench/pagetypes.py's pages).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .blocks import Block, BlockKind
from .body import BodyText

__all__ = ["MAX_TIME_ANCHORS", "repeated_posts"]

# A post's date line is a short block (at most POST_DATE_MAX_CHARS) holding a date-shaped text: a clock
# time ("10:15"), a numeric date ("2024-08-03", "03.08.2024", "2024/08/03", ISO's "2024-08-03T10:15") or
# a day, a word and a year ("3 Aug 2024", "Aug 3, 2024", "Wed Jan 28 2026"): shapes, not words, so they
# read alike in every language that writes dates in Latin digits. A bare year is no date (headlines and
# captions name years).
POST_DATE_MAX_CHARS = 100
# The <time> elements whose places are kept (MarkupCounts.time_paths), in the page's order: enough for
# the posts of a thread's page, and a bound on the walk up from each.
MAX_TIME_ANCHORS = 64
# Written to start at a digit not after a digit (the regex engine then skips to the digits, 7 times
# faster than a pattern that starts at words: the search was nearly all of this module's time); the
# day-year form wants no word character before the day ("Q4 2026" is no date), the clock and numeric
# forms allow one (a poster's name run into the time: "alice12:03").
POST_DATE_PATTERN = re.compile(
    r"\d(?<!\d\d)(?:"
    r"\d?:\d{2}(?!\d)"  # 10:15, 9:30
    r"|\d{0,3}[./-]\d{1,2}[./-]\d{2,4}(?!\d)"  # 2024-08-03, 03.08.2024, 2024/08/03, 2024-08-03T10:15
    r"|(?<!\w\d)\d?(?:\.?\s+\w{3,}\.?,?|,?)\s+(?:19|20)\d{2}(?!\d)"  # 3 Aug 2024, 3. Juli 2024, Aug 3, 2024
    r")"
)
# A post holds at least POST_MIN_CHARS characters of its own (unlinked) text, and a thread at least
# MIN_POSTS posts.
POST_MIN_CHARS = 60
MIN_POSTS = 4
# A post credits its poster: it holds at least POST_MIN_LINES short lines (of at most
# POST_DATE_MAX_CHARS): its date line and its poster's name (with a rank, a post count, a join date, a
# "reply" link), in at least POSTS_MIN_CREDITED_SHARE of the units. A diary's or a timeline's dated
# entries hold their date and their text only. (Every unit of every thread told on bench/pagetypes.py's
# pages, both halves, holds two or more.)
POST_MIN_LINES = 2
POSTS_MIN_CREDITED_SHARE = 0.8
# None dominates: no post holds more than POST_MAX_SHARE of the posts' text. An article sharing a
# container with a few dated comments is one long unit beside short ones. (0.8 would also take a thread
# whose opening post is long, 1 more on each half, but an article's unit reaches 0.7.)
POST_MAX_SHARE = 0.5
# Little of the posts' text links: at most POSTS_MAX_LINK_SHARE (a listing's teasers are linked
# headlines; a thread's links are its posters' names, quotes' sources and signatures: 0.15 left out 2
# threads of half A with link-heavy signatures, nothing else changed on either half).
POSTS_MAX_LINK_SHARE = 0.25
# The body the extractor chose lies at least POSTS_MIN_BODY_SHARE inside the posts: an article's
# comments are a thread too, but its body, the story, lies outside them.
POSTS_MIN_BODY_SHARE = 0.5
# They are no teaser cards: a listing's dated teasers (news, episodes, events) each lead with a headline
# of their own that links to the story; a thread's posts carry none, or the topic's title again
# ("Re: ..."), or their poster's name, which recurs. Teasers: linked titles (a heading or the unit's
# first block, of at least TEASER_TITLE_MIN_CHARS, nearly all link, no date line) that differ, as many as
# TEASER_MIN_TITLE_SHARE of the units. On bench/pagetypes.py's half A: threads 0.00 to 0.29, teaser
# pages 0.42 and over (one an article listing events, kept an article).
TEASER_TITLE_MIN_CHARS = 15
TEASER_TITLE_MIN_LINK_SHARE = 0.8
TEASER_MIN_TITLE_SHARE = 0.4


def _date_lines(blocks: Sequence[Block]) -> list[tuple[int, ...]]:
    """The container paths of the page's date lines, in the page's order."""
    return [
        block.path
        for block in blocks
        if block.chars <= POST_DATE_MAX_CHARS and POST_DATE_PATTERN.search(block.text)
    ]


def _time_anchors(blocks: Sequence[Block], time_paths: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The <time> elements' places among the blocks' containers: a thread whose date lines the blocks do
    not show (a relative "3h" or "Jan '23" whose date is in the attribute, a post's header skipped as
    clutter) still has one <time> a post."""
    known = {container for block in blocks for container in block.path}
    return [tuple(node for node in path if node in known) for path in time_paths]


def _post_units(dated: Sequence[tuple[int, ...]]) -> tuple[tuple[int, ...], set[int]]:
    """The likeliest run of post units: for each two date lines in a row, the two children of their
    deepest common container that hold them (a post's own date line and the next post's); the container
    whose children hold the most date lines apart is the thread, those children its posts."""
    units: dict[tuple[int, ...], set[int]] = {}
    for first, second in itertools.pairwise(dated):
        depth = 0
        for mine, theirs in zip(first, second, strict=False):
            if mine != theirs:
                break
            depth += 1
        if depth < len(first) and depth < len(second):  # neither date line holds the other
            units.setdefault(first[:depth], set()).update((first[depth], second[depth]))
    if not units:
        return (), set()
    parent = max(units, key=lambda path: len(units[path]))
    return parent, units[parent]


@dataclass(slots=True)
class _PostTally:
    """What the units of a likely thread hold, unit by unit."""

    own: dict[int, int]  # own (unlinked) characters
    lines: dict[int, int]  # short lines (a poster's name, rank or post count, the date line)
    links: int = 0  # link characters, all units together
    titles: set[str] = field(default_factory=set)  # linked titles, as a teaser leads with


def _tally(blocks: Sequence[Block], parent: tuple[int, ...], ids: set[int]) -> _PostTally:
    tally = _PostTally(dict.fromkeys(ids, 0), dict.fromkeys(ids, 0))
    depth = len(parent)
    for block in blocks:
        path = block.path
        if len(path) > depth and path[depth] in ids and path[:depth] == parent:
            unit = path[depth]
            if _linked_title(block, first=tally.own[unit] == tally.lines[unit] == 0):
                tally.titles.add(block.text)
            tally.lines[unit] += block.chars <= POST_DATE_MAX_CHARS
            tally.own[unit] += block.chars - block.link_chars
            tally.links += block.link_chars
    return tally


def repeated_posts(
    blocks: Sequence[Block], body: BodyText, time_paths: Sequence[tuple[int, ...]] = ()
) -> int:
    """How many posts the page shows as a thread: sibling units of one container, each with its own date
    line (or <time> element, of whose containers `time_paths` holds the ids, outermost first), poster and
    text, none dominating, little link text, holding the body the extractor chose; 0 when the page does
    not read as a run of posts (see MIN_POSTS and what follows it)."""
    posts = _posts(blocks, body, _post_units(_date_lines(blocks)))
    if not posts and len(time_paths) >= MIN_POSTS:
        posts = _posts(blocks, body, _post_units(_time_anchors(blocks, time_paths)))
    return posts


def _posts(blocks: Sequence[Block], body: BodyText, units: tuple[tuple[int, ...], set[int]]) -> int:
    parent, ids = units
    if len(ids) < MIN_POSTS:
        return 0
    tally = _tally(blocks, parent, ids)
    total = sum(tally.own.values())
    posts = sum(chars >= POST_MIN_CHARS for chars in tally.own.values())
    credited = sum(lines >= POST_MIN_LINES for lines in tally.lines.values())
    if (
        posts < MIN_POSTS
        or credited < POSTS_MIN_CREDITED_SHARE * len(ids)
        or max(tally.own.values()) > POST_MAX_SHARE * total
        or tally.links > POSTS_MAX_LINK_SHARE * (total + tally.links)
        or len(tally.titles) >= TEASER_MIN_TITLE_SHARE * len(ids)
        or _chars_within(body.blocks, parent, ids) < POSTS_MIN_BODY_SHARE * _chars(body.blocks)
    ):
        return 0
    return posts


def _chars(blocks: Sequence[Block]) -> int:
    return sum(block.chars for block in blocks)


def _chars_within(blocks: Sequence[Block], parent: tuple[int, ...], units: set[int]) -> int:
    depth = len(parent)
    return sum(
        block.chars
        for block in blocks
        if len(block.path) > depth and block.path[depth] in units and block.path[:depth] == parent
    )


def _linked_title(block: Block, first: bool) -> bool:
    """A unit's own headline that links (a heading, or the unit's first block), not its date line."""
    return (
        (first or block.kind is BlockKind.HEADING)
        and block.chars >= TEASER_TITLE_MIN_CHARS
        and block.link_chars >= TEASER_TITLE_MIN_LINK_SHARE * block.chars
        and not POST_DATE_PATTERN.search(block.text)
    )
