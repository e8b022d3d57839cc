"""Evidence that a candidate body is the article and not a notice beside it.

On a page with a short article, a box of fine print beside it (a disclaimer, an affiliate or sponsorship
notice, a cookie or consent notice) can hold more prose than the article and win the choice of body. Such
text is recognised by the formulas it is made of (rules.NOTICE_RE, several languages), and a box whose text
is mostly such paragraphs is a notice as a whole (its other paragraphs say the rest of the notice without a
formula). When the body chosen may be such a box (may_be_notice_box), it is chosen again with the notices
counted against the containers that hold them (containers.subtree_scores): the choice falls back to the
strongest prose container that is not a notice. Inside the chosen body they are left to the cleaning
rules: a notice in a box of its own before the article's first paragraph (the page's "we may earn a
commission" line under the headline) goes (body._drop_lead_notices); an article's own "this post contains
affiliate links" sits in the article's box, among its paragraphs, and stays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from . import rules
from .blocks import Block
from .repeats import held

__all__ = ["is_notice", "may_be_notice_box", "notice_blocks"]


def is_notice(block: Block, keys: Sequence[str] = rules.NOTICE_KEYS) -> bool:
    """A paragraph of disclaimer, affiliate, sponsorship, consent or legal text. `keys`: the NOTICE_KEYS
    that may be in it (those of its page)."""
    if not _may_be_notice(block):
        return False
    text = block.text.lower()
    return any(key in text for key in keys) and rules.NOTICE_RE.search(text) is not None


def _may_be_notice(block: Block) -> bool:
    return rules.MIN_PROSE_CHARS <= block.chars <= rules.MAX_NOTICE_CHARS  # a label is not counted anyway


def may_be_notice_box(blocks: Sequence[Block]) -> bool:
    """Whether the blocks of a chosen body may be (or hold) a notice box: then the body is chosen again
    with notices counted against their containers. A long body is not tested (rules.MAX_NOTICE_BOX_CHARS):
    it won on its own prose, and searching a long article's text for the formulas costs time."""
    sized = [block for block in blocks if _may_be_notice(block)]  # sized once, for the sum and the keys
    if sum([block.chars for block in sized]) > rules.MAX_NOTICE_BOX_CHARS:
        return False
    keys = _keys_in(sized)
    return bool(keys) and any(is_notice(block, keys) for block in sized)


def _keys_in(blocks: Sequence[Block]) -> list[str]:
    """The NOTICE_KEYS found in the text of the blocks that may be notices, searched all at once: most
    texts hold none, or a few."""
    text = "\n".join([block.text for block in blocks if _may_be_notice(block)]).lower()
    return [rules.NOTICE_KEYS[index] for index in held(text, rules.NOTICE_KEYS, _EVERY_KEY, 1)]


_EVERY_KEY = list(range(len(rules.NOTICE_KEYS)))


def _box(block: Block, block_counts: Mapping[int, int]) -> int | None:
    """The nearest container around `block` that holds more than this one block: the box it stands in."""
    for container in reversed(block.path):
        if block_counts[container] > 1:
            return container
    return None


def notice_blocks(blocks: Sequence[Block], block_counts: Mapping[int, int]) -> frozenset[int]:
    """The indexes of the notices among `blocks`: the blocks made of a notice's formulas, and every block
    of a box whose text is mostly such blocks. `block_counts` gives the blocks under each container."""
    keys = _keys_in(blocks)
    own = [bool(keys) and is_notice(block, keys) for block in blocks]
    if not any(own):
        return frozenset()  # most pages: nothing more to count
    boxes = [_box(block, block_counts) for block in blocks]
    chars: dict[int | None, int] = defaultdict(int)
    notice_chars: dict[int | None, int] = defaultdict(int)
    for block, notice, box in zip(blocks, own, boxes, strict=True):
        chars[box] += block.chars
        notice_chars[box] += block.chars if notice else 0
    return frozenset(
        index
        for index, (notice, box) in enumerate(zip(own, boxes, strict=True))
        if notice or (box is not None and notice_chars[box] >= rules.MIN_NOTICE_BOX_SHARE * chars[box])
    )
