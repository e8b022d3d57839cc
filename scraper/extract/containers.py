"""The containers of the blocks' paths: the tree they form and each one's totals over the blocks inside it.

body.py chooses the body by these totals (prose, links, headline links) and judges the containers inside it
by them when cleaning (link lists, rails, lines of data); widen.py and the explanation read them too. They
are found in one pass over the blocks, the one pass over a page's blocks that every page pays for.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._compiled import load as load_compiled
from . import rules
from .blocks import Block, BlockKind

__all__ = ["LinkListSize", "Totals", "container_totals", "junk_weight", "subtree_scores", "weight"]

# Enum members read for every block, bound once: in Python 3.11 `BlockKind.HEADING` goes through
# EnumType.__getattr__, ten times the cost of reading a global.
_HEADING, _PARAGRAPH, _PRE = BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.PRE


@dataclass(slots=True)
class Totals:
    chars: int = 0
    link_chars: int = 0
    blocks: int = 0
    prose_chars: int = 0  # own (unlinked) characters of prose blocks
    sentences: int = 0  # blocks that read as running text (see is_sentence)
    non_items: int = 0  # blocks that are neither headings, list items nor table rows
    headline_links: int = 0  # headline-sized blocks that are (nearly) all link
    lines: int = 0  # paragraphs that are its own children (not in a card or box inside it)

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0


def container_totals(
    blocks: Sequence[Block],
) -> tuple[Mapping[int, Totals], dict[int, int | None], list[int]]:
    """Each container's totals over the blocks inside it, in one pass: a block is added to its own
    container only, then each container's totals to its parent's, innermost first (sums of counts, so the
    same as adding every block to every container of its path, at a cost that does not grow with depth).
    Keys in the order the containers first appear in the blocks' paths, outer before inner. And the tree,
    found once for totals, cards and scores: each one's parent (in that order), all innermost first."""
    if _compiled is not None:
        return _compiled.container_totals(blocks)  # type: ignore[no-any-return]
    totals: dict[int, Totals] = defaultdict(Totals)
    parents: dict[int, int | None] = {}
    levels: list[list[int]] = []  # the containers at each depth, in the order they first appear
    for block in blocks:
        path = block.path
        if not path:
            continue
        if block.kind is _PARAGRAPH and len(path) > 1:
            totals[path[-2]].lines += 1  # first, as before: the keys' order is kept too
        inner = path[-1]
        if inner in parents:  # a block of a container seen before
            _add_totals(totals[inner], _own_totals(block))
            continue
        # Most blocks: only their own element is new, its parent seen (a container seen has its
        # ancestors seen). Its entry is inserted last, so that keys keep the order of first appearance.
        if len(path) > 1 and path[-2] in parents:
            parents[inner] = path[-2]
            if len(levels) < len(path):
                levels.append([])
            levels[len(path) - 1].append(inner)
        else:
            for container in path[_add_path(path, parents, levels) : -1]:
                totals[container]  # inserted now, outer before inner
        totals[inner] = _own_totals(block)
    # Deepest first, each depth in order of appearance: the order of a stable sort by depth.
    inner_first = [container for level in reversed(levels) for container in level]
    for container in inner_first:
        parent = parents[container]
        if parent is not None:
            _add_totals(totals[parent], totals[container])
    return totals, parents, inner_first


def _own_totals(block: Block) -> Totals:
    """One block's counts: body.is_prose, is_sentence and _is_headline_link written out, as every block of the
    page is counted."""
    kind, chars, link_chars = block.kind, block.chars, block.link_chars
    density = link_chars / chars if chars else 0.0
    headline_link = (
        1 if chars >= rules.MIN_HEADLINE_LINK_CHARS and density > rules.MAX_CONTAINER_LINK_DENSITY else 0
    )
    if kind is _HEADING:
        return Totals(chars, link_chars, 1, headline_links=headline_link)
    own = chars - link_chars
    text = block.text.rstrip()
    return Totals(
        chars,
        link_chars,
        1,
        own if own >= rules.MIN_PROSE_CHARS and density <= rules.MAX_PROSE_LINK_DENSITY else 0,
        1
        if len(text) >= rules.MIN_UNPUNCTUATED_SENTENCE_CHARS or text.endswith(rules.SENTENCE_ENDINGS)
        else 0,
        1 if kind is _PARAGRAPH or kind is _PRE else 0,
        headline_link,
    )


def _add_path(path: tuple[int, ...], parents: dict[int, int | None], levels: list[list[int]]) -> int:
    """The containers of `path` not seen yet entered in `parents` and in `levels` (by depth), in order; the
    index of the first of them. Only the end of a path is new (a container seen has its ancestors seen), so
    a block costs one lookup, not one per container of its path."""
    first = len(path)
    while first > 0 and path[first - 1] not in parents:
        first -= 1
    for depth in range(first, len(path)):
        parents[path[depth]] = path[depth - 1] if depth else None
        while len(levels) <= depth:
            levels.append([])
        levels[depth].append(path[depth])
    return first


def _add_totals(into: Totals, child: Totals) -> None:
    into.chars += child.chars
    into.link_chars += child.link_chars
    into.blocks += child.blocks
    into.prose_chars += child.prose_chars
    into.sentences += child.sentences
    into.non_items += child.non_items
    into.headline_links += child.headline_links  # `lines` counts a container's own paragraphs: not summed


def weight(block: Block) -> float:
    """Prose counts for the body, short and linked text against it; headings are neutral."""
    chars, link_chars = block.chars, block.link_chars
    if block.kind is _HEADING:
        if link_chars == 0:
            return 0.0
    elif chars - link_chars >= rules.MIN_PROSE_CHARS and link_chars / chars <= rules.MAX_PROSE_LINK_DENSITY:
        return float(chars - link_chars)  # body.is_prose, written out: every block of the page is weighed
    return junk_weight(block)


def junk_weight(block: Block) -> float:
    own = block.chars - block.link_chars
    return -min(rules.MAX_BLOCK_PENALTY, rules.JUNK_WEIGHT * own + rules.LINK_WEIGHT * block.link_chars)


def subtree_scores(
    blocks: Sequence[Block],
    tree: tuple[dict[int, int | None], list[int]],
    cards: frozenset[int],
    notices: frozenset[int] = frozenset(),
) -> dict[int, float]:
    """Each container's score (body.find_body chooses by it): its own blocks' weights plus its children's,
    each child capped below.

    The cap makes a list of fifty links inside the body cost no more than a short menu: the body is the
    container with the most prose, not the one with the fewest links. Teaser cards and notices (the block
    indexes in `notices`, see evidence.py) count as junk: evidence that their containers are not the article.
    """
    parents, inner_first = tree  # parents in document order, outer before inner (see container_totals)
    if _compiled is not None:
        return _compiled.subtree_scores(blocks, parents, inner_first, cards, notices)  # type: ignore[no-any-return]
    scores = dict.fromkeys(parents, 0.0)  # in that order, as the choice of the outer of equal scores needs
    if notices or cards:
        for index, block in enumerate(blocks):
            if block.path:
                junk = index in notices or not cards.isdisjoint(block.path)
                scores[block.path[-1]] += junk_weight(block) if junk else weight(block)
    else:  # most pages: no card, no notice
        for block in blocks:
            if path := block.path:
                scores[path[-1]] += weight(block)
    floor = -rules.MAX_CHILD_PENALTY
    for container in inner_first:
        parent = parents[container]
        if parent is not None:
            score = scores[container]
            scores[parent] += score if score >= floor else floor  # max(score, floor), without the call
    return scores


# The totals and scores, compiled (extract/_totals.pyx, optional: see setup.py), given this module's class,
# kinds and rules; None where it was not built or SCRAPER_PURE_PYTHON is set.
_compiled: Any = load_compiled("scraper.extract._totals")


def _bind_compiled(compiled: Any, totals: type) -> None:
    """Give the compiled totals `totals` (Totals; tests give another) and this module's kinds and rules."""
    compiled.bind(
        totals,
        BlockKind.PARAGRAPH,
        BlockKind.HEADING,
        BlockKind.PRE,
        rules.MIN_HEADLINE_LINK_CHARS,
        rules.MAX_CONTAINER_LINK_DENSITY,
        rules.MIN_PROSE_CHARS,
        rules.MAX_PROSE_LINK_DENSITY,
        rules.MIN_UNPUNCTUATED_SENTENCE_CHARS,
        rules.SENTENCE_ENDINGS,
    )
    compiled.bind_weights(
        rules.JUNK_WEIGHT, rules.LINK_WEIGHT, rules.MAX_BLOCK_PENALTY, rules.MAX_CHILD_PENALTY
    )


if _compiled is not None:
    _bind_compiled(_compiled, Totals)

_WIDE_CHAR_RE = re.compile(rules.WIDE_SCRIPT_CHARS)
# All bytes but the first bytes of the UTF-8 of U+3000 to U+FFFF, where the characters of WIDE_SCRIPT_CHARS
# lie (tests/extract/test_body_speed.py): a text whose UTF-8 holds none of those is not searched for them.
# Most pages' characters outside ASCII (accents, curly quotes, dashes) lie below U+3000.
_NOT_WIDE_LEADS = bytes(code for code in range(256) if not 0xE3 <= code <= 0xEF)


class LinkListSize:
    """Whether a container of the body holds enough text to be dropped whole as a link list:
    rules.MIN_CONTAINER_CHARS, divided by rules.WIDE_CHAR_WEIGHT when most of the body's characters are
    Chinese, Japanese or Korean, which write a headline in a third of the letters. The body's script is
    read only for a container whose size it decides (between the two bounds): most pages have none."""

    def __init__(self, blocks: Sequence[Block]) -> None:
        self._blocks = blocks
        self._least: float | None = None

    def reached_by(self, chars: int) -> bool:
        if chars >= rules.MIN_CONTAINER_CHARS:
            return True
        if chars < rules.MIN_CONTAINER_CHARS / rules.WIDE_CHAR_WEIGHT:
            return False
        if self._least is None:
            self._least = _least_chars(self._blocks)
        return chars >= self._least


def _least_chars(blocks: Sequence[Block]) -> float:
    text = "".join([block.text for block in blocks])
    if text.isascii():  # most bodies: no character of those scripts, no search
        return rules.MIN_CONTAINER_CHARS
    # A deletion of bytes costs a third of the search that finds none.
    leads = text.encode("utf-8", "surrogatepass").translate(None, _NOT_WIDE_LEADS)
    wide = len(_WIDE_CHAR_RE.findall(text)) if leads else 0
    if wide < rules.MIN_WIDE_SCRIPT_SHARE * sum(block.chars for block in blocks):
        return rules.MIN_CONTAINER_CHARS
    return rules.MIN_CONTAINER_CHARS / rules.WIDE_CHAR_WEIGHT
