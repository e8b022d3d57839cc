"""The containers' totals compiled (extract/_totals.pyx) against the Python (extract/containers.py): the
same Totals, in the same key order, the same parents and the same innermost-first order, on the golden
pages' blocks and on made-up ones."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from scraper._compiled import pure_python
from scraper.extract import containers
from scraper.extract.blocks import Block, BlockKind, collect_blocks

compiled = pytest.importorskip("scraper.extract._totals") if not os.environ.get("CI") else None
if compiled is None:  # CI builds the extension: its absence there is a broken build, not a skip
    from scraper.extract import _totals as compiled

SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots"


def python_totals(blocks: list[Block], monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patched:
        patched.setattr(containers, "_compiled", None)
        return containers.container_totals(blocks)


def comparable(
    result: Any,
) -> tuple[list[tuple[int, tuple[int, ...]]], list[tuple[int, int | None]], list[int]]:
    totals, parents, inner_first = result
    return (
        [(key, dataclasses.astuple(value)) for key, value in totals.items()],
        list(parents.items()),
        list(inner_first),
    )


def test_containers_use_the_compiled_totals_when_built() -> None:
    # Python where the switch asks for it (the fallback pass of .ci/run), the compiled loop otherwise.
    assert containers._compiled is (None if pure_python() else compiled)


@pytest.mark.parametrize("folder", sorted(SNAPSHOTS.iterdir()), ids=lambda folder: folder.name)
def test_the_golden_pages_blocks_are_totalled_alike(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = LexborHTMLParser((folder / "source.html").read_bytes())
    tree.strip_tags(["script", "style", "noscript", "template"])
    assert tree.body is not None
    blocks = collect_blocks(tree.body)
    assert blocks
    assert comparable(containers.container_totals(blocks)) == comparable(python_totals(blocks, monkeypatch))


KINDS = st.sampled_from(list(BlockKind))
TEXTS = st.sampled_from(["Tide rose.", "Tide rose", "x" * 160, "Read more ", "«Quoted»", "", "Why?  "])
# Paths down a small tree (each container one id, under one parent): blocks come back to containers seen
# before, skip levels, or open new ones, as a page's do.
BRANCHES = st.lists(st.integers(min_value=1, max_value=4), max_size=5)


@st.composite
def made_up_blocks(draw: st.DrawFn) -> list[Block]:
    blocks = []
    ids: dict[tuple[int, ...], int] = {}  # a container's place in the tree -> its id
    for _ in range(draw(st.integers(min_value=0, max_value=25))):
        chars = draw(st.integers(min_value=0, max_value=400))
        branches = draw(BRANCHES)
        places = [tuple(branches[:depth]) for depth in range(len(branches) + 1)]
        path = (
            tuple(ids.setdefault(place, 1000 + len(ids)) for place in places) if draw(st.booleans()) else ()
        )
        blocks.append(
            Block(draw(TEXTS), draw(KINDS), chars, draw(st.integers(min_value=0, max_value=chars)), path)
        )
    return blocks


@given(made_up_blocks())
def test_made_up_blocks_are_totalled_alike(blocks: list[Block]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = comparable(python_totals(blocks, monkeypatch))
    assert comparable(containers.container_totals(blocks)) == expected


def test_a_missing_container_reads_as_empty_totals() -> None:
    # Callers read containers the blocks never named (a defaultdict, as the Python's).
    totals, _, _ = containers.container_totals([Block("Tide rose.", BlockKind.PARAGRAPH, 9, 0, (1, 2))])
    assert dataclasses.astuple(totals[99]) == dataclasses.astuple(containers.Totals())


# The scores (containers.subtree_scores): the same floats, bit for bit, in the same key order, the choice
# of body compares them.


def python_scores(blocks: list[Block], cards: frozenset[int], notices: frozenset[int]) -> Any:
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(containers, "_compiled", None)
        _, parents, inner_first = containers.container_totals(blocks)
        return list(containers.subtree_scores(blocks, (parents, inner_first), cards, notices).items())


def compiled_scores(blocks: list[Block], cards: frozenset[int], notices: frozenset[int]) -> Any:
    _, parents, inner_first = containers.container_totals(blocks)
    return list(compiled.subtree_scores(blocks, parents, inner_first, cards, notices).items())


def bits(scores: list[tuple[int, float]]) -> list[tuple[int, str]]:
    return [(container, score.hex()) for container, score in scores]


@pytest.mark.parametrize("folder", sorted(SNAPSHOTS.iterdir()), ids=lambda folder: folder.name)
def test_the_golden_pages_blocks_are_scored_alike(folder: Path) -> None:
    tree = LexborHTMLParser((folder / "source.html").read_bytes())
    tree.strip_tags(["script", "style", "noscript", "template"])
    assert tree.body is not None
    blocks = collect_blocks(tree.body)
    containers_seen = sorted({container for block in blocks for container in block.path})
    for cards, notices in [
        (frozenset(), frozenset()),
        (frozenset(containers_seen[1::7]), frozenset(range(0, len(blocks), 5))),
    ]:
        expected = python_scores(blocks, cards, notices)
        assert bits(compiled_scores(blocks, cards, notices)) == bits(expected)


@given(made_up_blocks(), st.data())
def test_made_up_blocks_are_scored_alike(blocks: list[Block], data: st.DataObject) -> None:
    containers_seen = sorted({container for block in blocks for container in block.path})
    cards = frozenset(data.draw(st.lists(st.sampled_from(containers_seen))) if containers_seen else ())
    notices = frozenset(data.draw(st.lists(st.integers(min_value=0, max_value=max(len(blocks), 1)))))
    assert bits(compiled_scores(blocks, cards, notices)) == bits(python_scores(blocks, cards, notices))


def test_a_block_without_characters_is_weighed_as_junk_by_both() -> None:
    # No prose without characters: the Python's density is never divided by zero, and neither is the C's.
    blocks = [Block("", BlockKind.PARAGRAPH, 0, 0, (1, 2)), Block("", BlockKind.HEADING, 0, 0, (1, 2))]
    assert bits(compiled_scores(blocks, frozenset(), frozenset())) == bits(
        python_scores(blocks, frozenset(), frozenset())
    )


@pytest.mark.parametrize(
    ("chars", "link_chars"),
    [(100, 35), (100, 36), (40, 0), (39, 0), (200, 100), (50, 10), (120, 60), (67, 0), (10, 10)],
)
def test_blocks_at_the_weights_bounds_are_weighed_alike(chars: int, link_chars: int) -> None:
    # Prose at exactly the link density allowed, exactly MIN_PROSE_CHARS of its own, a penalty at its cap.
    blocks = [
        Block("x" * chars, kind, chars, link_chars, (1, 2 + number))
        for number, kind in enumerate([BlockKind.PARAGRAPH, BlockKind.HEADING, BlockKind.LIST_ITEM])
    ]
    assert bits(compiled_scores(blocks, frozenset(), frozenset())) == bits(
        python_scores(blocks, frozenset(), frozenset())
    )


def test_the_compiled_totals_are_totals_as_the_class_makes_them() -> None:
    # Made by filling their slots (_totals._filled): the class's own objects, equal to those it makes.
    blocks = [
        Block("Tide rose.", BlockKind.PARAGRAPH, 9, 0, (1, 2)),
        Block("x" * 160, BlockKind.LIST_ITEM, 160, 150, (1, 3)),
    ]
    for entry in containers.container_totals(blocks)[0].values():
        assert type(entry) is containers.Totals
        assert entry == containers.Totals(*dataclasses.astuple(entry))
        assert not hasattr(entry, "__dict__")


CONSTRUCTED: list[int] = []  # the `chars` of each CheckedTotals made


@dataclasses.dataclass(slots=True)
class CheckedTotals:
    """Totals (the same fields, in slots) whose construction does more than set the fields: the compiled
    loop must call the class."""

    chars: int = 0
    link_chars: int = 0
    blocks: int = 0
    prose_chars: int = 0
    sentences: int = 0
    non_items: int = 0
    headline_links: int = 0
    lines: int = 0

    def __post_init__(self) -> None:
        CONSTRUCTED.append(self.chars)


def bind_with(totals: type) -> None:
    # containers.py's call, with another class.
    containers._bind_compiled(compiled, totals)


def test_a_class_whose_slots_cannot_be_filled_is_called() -> None:
    blocks = [Block("Tide rose.", BlockKind.PARAGRAPH, 9, 0, (1, 2))]
    CONSTRUCTED.clear()
    bind_with(CheckedTotals)
    try:
        totals = compiled.container_totals(blocks)[0]
    finally:
        bind_with(containers.Totals)
    assert CONSTRUCTED == [9, 9]
    assert [type(entry) for entry in totals.values()] == [CheckedTotals] * 2
    assert [type(entry) for entry in containers.container_totals(blocks)[0].values()] == [
        containers.Totals
    ] * 2


# Bound with the Python's class and rules, as containers.py binds them (which it does not under
# SCRAPER_PURE_PYTHON), for the tests that call the compiled module itself.
bind_with(containers.Totals)
