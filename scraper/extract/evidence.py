"""Evidence that a candidate body is the article and not a notice beside it.

On a page with a short article, a box of fine print beside it (a disclaimer, an affiliate or sponsorship
notice, a cookie or consent notice) can hold more prose than the article and win the choice of body. Such
text is recognised by the formulas it is made of (rules.NOTICE_RE, several languages), and a box whose text
is mostly such paragraphs is a notice as a whole (its other paragraphs say the rest of the notice without a
formula). Notices count against the containers that hold them when the body is chosen (body._weight), so
the choice falls back to the strongest prose container that is not a notice. Inside the chosen body they
are left to the cleaning rules: an article's own closing "this post contains affiliate links" sits in the
article's box, mostly article, and stays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from . import rules
from .blocks import Block

__all__ = ["is_notice", "notice_blocks"]


def is_notice(block: Block) -> bool:
    """A paragraph of disclaimer, affiliate, sponsorship, consent or legal text."""
    return block.chars <= rules.MAX_NOTICE_CHARS and rules.NOTICE_RE.search(block.text.lower()) is not None


def _box(block: Block, block_counts: Mapping[int, int]) -> int | None:
    """The nearest container around `block` that holds more than this one block: the box it stands in."""
    for container in reversed(block.path):
        if block_counts[container] > 1:
            return container
    return None


def notice_blocks(blocks: Sequence[Block], block_counts: Mapping[int, int]) -> frozenset[int]:
    """The indexes of the notices among `blocks`: the blocks made of a notice's formulas, and every block
    of a box whose text is mostly such blocks. `block_counts` gives the blocks under each container."""
    own = [is_notice(block) for block in blocks]
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
