"""The guard bounds what the HTML parser builds: depth, elements and reconstructed formatting elements.

Hostile pages (tests/hostile/pages.py) are refused quickly with an ExtractionError that names the limit:
large ones before the parse (the precise pass), smaller ones on the parsed tree, before any walk. Fake end
tags (bogus names, "</" inside attribute values, comments and scripts) do not fool either. The timeouts
are bounds that prove no stall (the unguarded parse of these pages takes 13-37 s), not speed checks.
"""

from __future__ import annotations

import pytest

from scraper.errors import ExtractionError
from scraper.extract import extract
from scraper.extract.guard import (
    AMPLIFY_ABOVE,
    MAX_ATTRIBUTES,
    MAX_DEPTH,
    MAX_RECONSTRUCTED,
    MAX_STACK_WALK,
    PRECISE_ABOVE_TAGS,
    guard_input,
)
from tests.hostile.pages import deep_bogus_nesting, reopened_formatting

PARAGRAPH = "<p>The council met on Tuesday and agreed to publish the engineers' report next month.</p>"


@pytest.mark.timeout(10)
def test_reopened_formatting_is_refused_naming_the_limit() -> None:
    """160 KiB that make the tree builder re-create 500 elements after every paragraph (37 s, 3.7 GB)."""
    with pytest.raises(
        ExtractionError, match=r"reconstructed formatting elements [\d,]+, over the limit of [\d,]+"
    ):
        extract(reopened_formatting(500, 20_000))


@pytest.mark.timeout(10)
def test_deep_nesting_behind_bogus_end_tags_is_refused() -> None:
    with pytest.raises(ExtractionError, match=r"nesting depth [\d,]+, over the limit of [\d,]+"):
        extract(deep_bogus_nesting(100_000))


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "level",
    [
        "<div title='</div>'>",  # an end tag inside a quoted value
        '<div data-x="a</b">',
        "<section><!-- </section> -->",  # and inside a comment
        "<div><script>'</div>'</script>",  # and inside a script
        "<div></div-not>",
    ],
)
@pytest.mark.parametrize("levels", [MAX_DEPTH + 100, PRECISE_ABOVE_TAGS + 100])
def test_fake_end_tags_do_not_hide_depth(level: str, levels: int) -> None:
    """Before the parse (the precise pass) for the larger page, on the tree for the smaller one."""
    with pytest.raises(ExtractionError, match=f"nesting depth .*limit of {MAX_DEPTH:,}"):
        extract(f"<html><body>{level * levels}deep</body></html>")


@pytest.mark.timeout(10)
def test_fewer_reopened_formatting_elements_are_refused_on_the_tree() -> None:
    """Under the pre-parse bound (formatting start tags × tags): parsed, then counted in the tree."""
    opened = 40
    repeats = MAX_RECONSTRUCTED // opened + 100
    assert (opened + 1) * (opened + 2 * repeats) < AMPLIFY_ABOVE
    with pytest.raises(
        ExtractionError, match=r"after parsing: reconstructed formatting elements [\d,]+, over"
    ):
        extract(reopened_formatting(opened, repeats))


@pytest.mark.timeout(10)
def test_a_few_reopened_formatting_elements_on_a_long_page_are_refused() -> None:
    """The same shape with fewer elements: the limit is on elements × paragraphs."""
    opened = 100
    with pytest.raises(ExtractionError, match="reconstructed formatting elements"):
        guard_input(
            reopened_formatting(opened, max(AMPLIFY_ABOVE // opened, 2 * MAX_RECONSTRUCTED // opened))
        )


def test_nesting_just_under_the_limit_passes() -> None:
    html = f"<html><body>{'<div>' * (MAX_DEPTH - 10)}{PARAGRAPH}{'</div>' * (MAX_DEPTH - 10)}</body></html>"
    assert guard_input(html).html is html
    assert "engineers' report" in extract(html).text


def test_nesting_just_over_the_limit_is_refused_on_the_tree() -> None:
    html = f"<html><body>{'<div>' * (MAX_DEPTH + 10)}{PARAGRAPH}</body></html>"
    with pytest.raises(
        ExtractionError, match=f"after parsing: nesting depth over the limit of {MAX_DEPTH:,}"
    ):
        extract(html)


def test_deep_nesting_on_a_large_page_is_refused_with_the_measured_depth() -> None:
    html = f"<html><body>{'<div>' * (MAX_DEPTH + 10)}{PARAGRAPH * PRECISE_ABOVE_TAGS}</body></html>"
    with pytest.raises(
        ExtractionError, match=f"before parsing: nesting depth {MAX_DEPTH + 1:,}, over the limit"
    ):
        guard_input(html)


def test_closed_and_implied_elements_do_not_add_depth() -> None:
    """Many tags, shallow tree: closed formatting, lists and paragraphs that close themselves, voids."""
    item = "<li><b>bold</b> <i>it</i><a href=/x>link</a><br><img src=x.png><p>para<p>more"
    html = f"<html><body><ul>{item * 20_000}</ul>{PARAGRAPH}</body></html>"
    assert guard_input(html).html is html


def test_misnested_formatting_on_an_ordinary_scale_passes() -> None:
    """<b> left open across a few paragraphs is common markup: reconstructed, but few times."""
    html = f"<html><body><p><b>bold{'</p><p>text' * 20}</b>{PARAGRAPH * 3000}</body></html>"
    assert guard_input(html).html is html


@pytest.mark.timeout(20)
def test_many_block_tags_under_deep_nesting_are_refused() -> None:
    """Each block start tag walks the stack of open elements: depth under the limit × a million tags."""
    html = f"<html><body>{'<div>' * (MAX_DEPTH - 100)}{'<p>x' * 1_000_000}</body></html>"
    with pytest.raises(ExtractionError, match=f"open elements walked .* limit of {MAX_STACK_WALK:,}"):
        guard_input(html)


def test_a_large_shallow_page_walks_little() -> None:
    html = f"<html><body><article>{PARAGRAPH * 100_000}</article></body></html>"
    assert guard_input(html).html is html


def _count_tags_as_defined(html: str) -> tuple[list[int], bool]:
    """`guard._count_tags` as first written: every sparse chunk looks back for its last "<" from scratch."""
    from scraper.extract import guard

    counts, checked_tag = [], -1
    for start in range(0, len(html), guard._CHUNK_CHARS):
        end = start + guard._CHUNK_CHARS
        counts.append(html.count("<", start, end))
        if counts[-1] < guard._SPARSE_CHUNK_TAGS:
            tag_start = html.rfind("<", 0, end)
            if tag_start != checked_tag and guard._is_crowded_tag(html, tag_start):
                return counts, True
            checked_tag = tag_start
    return counts, False


_CROWDED = "<div " + " ".join(f"a{n}=1" for n in range(MAX_ATTRIBUTES + 1)) + ">"


@pytest.mark.parametrize("crowded_at", [None, 0, 1, 5_000, 20_000, 40_000])
def test_tag_counts_over_long_sparse_runs_are_the_counts_as_defined(crowded_at: int | None) -> None:
    """A long run without "<" (a page's inline JSON) spans many sparse chunks: each one's last "<" is
    carried over from the chunk before, never searched back for again, with the same counts and verdict."""
    from scraper.extract import guard

    data = "<script>" + '{"k": "value", "n": 12345} ' * 2_000 + "</script>"  # ~56 KB without "<"
    pieces = [PARAGRAPH * 50, data, PARAGRAPH * 50]
    page = "".join(pieces)
    if crowded_at is not None:
        page = page[:crowded_at] + _CROWDED + page[crowded_at:]
    counts, _, crowded = guard._count_tags(page)
    assert (counts, crowded) == _count_tags_as_defined(page)


class _RecordingTree:
    """A parsed page that records the selectors it is searched with."""

    def __init__(self, html: str) -> None:
        from selectolax.lexbor import LexborHTMLParser

        self.tree = LexborHTMLParser(html)
        self.searched: list[str] = []

    def any_css_matches(self, selectors: tuple[str, ...]) -> bool:
        self.searched += selectors
        return bool(self.tree.any_css_matches(selectors))

    def css(self, selector: str) -> list[object]:
        self.searched.append(selector)
        return list(self.tree.css(selector))


def test_a_shallow_page_with_many_tags_is_cleared_by_a_short_selector() -> None:
    """Parsing the selector of MAX_DEPTH + 1 levels is most of the depth check: a page whose elements
    nest no deeper than real pages do is cleared by a shorter one (the long one still decides the rest,
    as the tests above show)."""
    from scraper.extract.guard import check_tree

    html = f"<html><body>{PARAGRAPH * MAX_DEPTH}</body></html>"
    guarded = guard_input(html)
    assert guarded.tags > MAX_DEPTH
    tree = _RecordingTree(html)
    check_tree(tree, guarded)  # type: ignore[arg-type]
    assert tree.searched and max(selector.count(">") for selector in tree.searched) < MAX_DEPTH // 4
