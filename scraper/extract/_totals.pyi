# The compiled module's interface (extract/_totals.pyx), for the type checker.

from collections.abc import Sequence
from typing import Any

def bind(
    totals: type,
    paragraph: object,
    heading: object,
    pre: object,
    min_headline_link_chars: int,
    max_container_link_density: float,
    min_prose_chars: int,
    max_prose_link_density: float,
    min_unpunctuated_sentence_chars: int,
    sentence_endings: tuple[str, ...],
) -> None: ...
def container_totals(blocks: Sequence[Any]) -> tuple[Any, dict[int, int | None], list[int]]: ...
def bind_weights(
    junk_weight: float, link_weight: float, max_block_penalty: float, max_child_penalty: float
) -> None: ...
def subtree_scores(
    blocks: Sequence[Any],
    parents: dict[int, int | None],
    inner_first: list[int],
    cards: frozenset[int],
    notices: frozenset[int],
) -> dict[int, float]: ...
