"""The guard's compiled counts (extract/_scan.pyx) against its Python (extract/guard.py): the same "<" and
formatting start tags per chunk, on every kind of str (one, two and four bytes a character)."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper._compiled import pure_python
from scraper.extract import guard

compiled = pytest.importorskip("scraper.extract._scan") if not os.environ.get("CI") else None
if compiled is None:  # CI builds the extension: its absence there is a broken build, not a skip
    from scraper.extract import _scan as compiled
compiled.bind(guard._FORMATTING_NAMES)  # as guard.py does, which does not under SCRAPER_PURE_PYTHON

# Tag names in both cases, near misses ("bi", "strongest", "b1"), what may end a tag name (white space of
# every block, "/", ">"), and characters that make the str two and four bytes a character.
TAG_STARTS = ["<", "<b", "<B", "<i", "<s", "<u", "<em", "<Em", "<tt", "<big", "<code", "<font", "<nobr"]
MORE_STARTS = ["<small", "<strike", "<STRONG", "<strongest", "<bi", "<b1", "<a", "<div", "</b", "<bé"]
AFTER = [" ", "\t", "\n", "\u00a0", "\u2003", "\u3000", "\x1c", "/", ">", "x", "é", "東", "\U0001f600"]
PIECES = st.sampled_from([*TAG_STARTS, *MORE_STARTS, *AFTER])
PAGES = st.lists(PIECES, max_size=60).map("".join)


def python_counts(html: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], list[int]]:
    with monkeypatch.context() as patched:
        patched.setattr(guard, "_compiled", None)
        return guard._chunk_counts(html)


def test_the_guard_uses_the_compiled_counts_when_built() -> None:
    # Python where the switch asks for it (the fallback pass of .ci/run), the compiled loop otherwise.
    assert guard._compiled is (None if pure_python() else compiled)


@given(PAGES, st.integers(min_value=1, max_value=9))
def test_the_formatting_start_tags_of_each_chunk_are_counted_where_python_finds_them(
    html: str, chunk: int
) -> None:
    starts = [match.start() for match in guard._FORMATTING_START_RE.finditer(html)]
    expected = [
        sum(start // chunk == index for start in starts) for index in range(len(range(0, len(html), chunk)))
    ]
    assert compiled.chunk_counts(html, chunk)[1] == expected


@given(PAGES, st.integers(min_value=1, max_value=9))
def test_the_tags_of_each_chunk_are_counted_as_python_counts_them(html: str, chunk: int) -> None:
    expected = [html.count("<", start, start + chunk) for start in range(0, len(html), chunk)]
    assert compiled.chunk_counts(html, chunk)[0] == expected


@given(PAGES)
def test_the_compiled_counts_are_the_pythons(html: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = python_counts(html, monkeypatch)
    assert guard._chunk_counts(html) == expected


def test_a_long_page_is_counted_and_guarded_alike_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    page = "<p>été <b>un</b> <STRONG>deux</strong> <i\u3000x> 東</p>" * 2000
    assert guard._chunk_counts(page) == python_counts(page, monkeypatch)
    compiled_guarded = guard.guard_input(page)
    monkeypatch.setattr(guard, "_compiled", None)
    assert guard.guard_input(page) == compiled_guarded
    assert compiled_guarded.formatting == 6000 and compiled_guarded.tags == 14000


def test_a_chunk_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunk"):
        compiled.chunk_counts("<p>", 0)
