"""The body widened to the parts of the article that lie outside the chosen container.

find_body picks one container and narrows it to where nearly all the prose is; what the article holds
outside it (an intro in its own wrapper between the headline and the body) is added back here, by
structure: the headline before it, prose that reads as sentences, no link-dense container around it.
Not the dek: a summary set above the body that repeats the page's description (its card in feeds and
search results) is the site's blurb, which both labelled datasets leave out of the article; nor an
author's bio box opening with the byline's name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from . import rules
from .blocks import Block, BlockKind, Deferral
from .body import BodyChoice, is_prose, is_sentence, normalised
from .bylines import author_names, is_author_bio

__all__ = ["PageHints", "widened"]

# Enum members read for every block, bound once: in Python 3.11 `BlockKind.HEADING` goes through
# EnumType.__getattr__, ten times the cost of reading a global.
_HEADING, _PARAGRAPH, _DEFERRED_SHORT = BlockKind.HEADING, BlockKind.PARAGRAPH, Deferral.SHORT


@dataclasses.dataclass(frozen=True, slots=True)
class PageHints:
    """What the metadata says that tells an intro from a blurb or a bio box."""

    description: str = ""  # normalised words of the page's description
    authors: tuple[str, ...] = ()  # normalised full names of the byline


def widened(
    choice: BodyChoice, blocks: Sequence[Block], description: str | None = None, author: str | None = None
) -> BodyChoice:
    """`choice` with the article's parts outside its container; `blocks` are the page's, in order."""
    return _with_intro(choice, blocks, PageHints(normalised(description or ""), author_names(author)))


def _with_intro(choice: BodyChoice, blocks: Sequence[Block], hints: PageHints) -> BodyChoice:
    """The intro (standfirst, lede, summary) between the page's headline and the body, when the page
    wraps it apart from the body: prose blocks after the last <h1> before the body. A body that holds
    its own <h1> has no such intro outside it."""
    if choice.body_id is None or not choice.blocks:
        return choice
    if any(block.kind is _HEADING and block.level == 1 for block in choice.blocks):  # _is_headline
        return choice
    first_id = id(choice.blocks[0])
    first = next(index for index, block in enumerate(blocks) if id(block) == first_id)
    headline = next((index for index in range(first - 1, -1, -1) if _is_headline(blocks[index])), None)
    if headline is None:
        return choice
    intro = tuple(block for block in blocks[headline + 1 : first] if _is_intro(block, choice, hints))
    if not intro:
        return choice  # most bodies: the body's prose not summed
    intro_chars = sum(block.chars for block in intro)
    body_chars = sum(block.chars - block.link_chars for block in choice.blocks if is_prose(block))
    if intro_chars > rules.MAX_INTRO_SHARE * body_chars:
        return choice
    return dataclasses.replace(choice, blocks=intro + choice.blocks)


def _is_headline(block: Block) -> bool:
    return block.kind is _HEADING and block.level == 1


def _is_intro(block: Block, choice: BodyChoice, hints: PageHints) -> bool:
    if block.kind is not _PARAGRAPH or block.deferral is _DEFERRED_SHORT:
        return False
    if _repeats_description(block, hints.description) or is_author_bio(block, hints.authors):
        return False
    if not (is_prose(block) and is_sentence(block)) or not choice.cards.isdisjoint(block.path):
        return False
    return not any(_link_dense(container, choice) for container in block.path)


def _link_dense(container: int, choice: BodyChoice) -> bool:
    entry = choice.totals[container]
    return entry.chars >= rules.MIN_CONTAINER_CHARS and entry.link_density > rules.MAX_CONTAINER_LINK_DENSITY


def _repeats_description(block: Block, description: str) -> bool:
    if len(description) < rules.MIN_HEADLINE_CHARS:
        return False
    text = normalised(block.text)
    return description in text or text in description
