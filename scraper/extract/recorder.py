"""What the stages tell a recorder about the blocks they skip or drop (`scraper extract --explain`).

The stages take `recorder=None` in production and then call nothing: each hook is one `is not None`
test at a place where a block is skipped or dropped, so the explanation (explain.py) follows the real
decisions and cannot drift from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

    from .blocks import Block
    from .body import BodyChoice, BodyText

__all__ = ["Recorder"]


class Recorder(Protocol):
    def skipped(self, node: LexborNode, path: tuple[int, ...], position: int) -> None:
        """collect_blocks skipped `node` with its subtree; `path` holds the containers around it and
        `position` counts the blocks collected before it."""

    def scored(self, scores: Mapping[int, float]) -> None:
        """find_body's score of each container (its blocks' weights, children capped)."""

    def dropped(self, block: Block, reason: str, container: int | None = None) -> None:
        """clean_body dropped `block` from the body (with all of `container`, when given)."""

    def finished(self, root: LexborNode, blocks: Sequence[Block], choice: BodyChoice, body: BodyText) -> None:
        """The body stages are done: the walk's root, every block, the body chosen and the blocks kept."""

    def replaced(self) -> None:
        """The fallback's text replaced the own one."""
