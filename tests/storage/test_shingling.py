"""The compiled loops of the fingerprint and the duplicate check (storage/_shingling.pyx) against the Python
reference (storage/_minhash.py): the same words, letters, pair counts and Jaccard similarities."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper._compiled import pure_python
from scraper.storage import _minhash
from scraper.storage._minhash import jaccard, shingle_set, shingles

compiled = pytest.importorskip("scraper.storage._shingling") if not os.environ.get("CI") else None
if compiled is None:  # CI builds the extension: its absence there is a broken build, not a skip
    from scraper.storage import _shingling as compiled
compiled.bind(_minhash._ASCII_LOWER_SPACED)  # as _minhash.py does, which does not under SCRAPER_PURE_PYTHON

# ASCII, the separators and their neighbours, letters whose lowercase is another length or depends on
# their neighbours (Σ, İ, the Kelvin sign), two-, three- and four-byte letters, spaces of other blocks.
ALPHABET = "aZ9 .,'-\t\n\u0085\u00a0\u00ab\u00b5\u00c0\u2019\u2014\u2026\u2060\u2070\u3001\u3002" + (
    "ΣσςΑΒİ\u212aÉéжЖ東京\U0001d400\U0001f600\u1680\u3000"
)


@pytest.fixture
def pure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_minhash, "_compiled", None)


def python_spaced(text: str) -> tuple[bytes, bytes]:
    """The words (spaced) and the letters of `text`, as the Python reference makes them."""
    saved, _minhash._compiled = _minhash._compiled, None
    try:
        return _minhash._spaced(text), _minhash._letters(text)
    finally:
        _minhash._compiled = saved


def test_the_compiled_loops_are_used_when_built() -> None:
    # Python where the switch asks for it (the fallback pass of .ci/run), the compiled loops otherwise.
    assert _minhash._compiled is (None if pure_python() else compiled)


@given(st.text(alphabet=ALPHABET, max_size=80))
def test_the_compiled_words_and_letters_are_pythons(text: str) -> None:
    spaced, letters = python_spaced(text)
    encoded = text.encode("utf-8", "replace")
    if "Σ" in text or "İ" in text:  # lowered by their neighbours or into two characters: Python does them
        assert compiled.normalised(encoded, True) is None
    else:
        assert compiled.normalised(encoded, True) == spaced
        assert compiled.normalised(encoded, False) == letters
    assert _minhash._spaced(text) == spaced and _minhash._letters(text) == letters


def test_every_character_is_lowered_and_kept_or_dropped_as_python_does() -> None:
    # One character at a time (str.lower maps each alone but for those two), between letters, in chunks.
    chunk: list[str] = []
    for code in range(0x80, sys.maxunicode + 1):
        if 0xD800 <= code < 0xE000 or code in (0x3A3, 0x130):
            continue
        chunk.append("a" + chr(code))
        if len(chunk) == 4096 or code == sys.maxunicode:
            text = "".join(chunk) + "b"
            spaced, letters = python_spaced(text)
            encoded = text.encode("utf-8")
            assert compiled.normalised(encoded, True) == spaced, hex(code)
            assert compiled.normalised(encoded, False) == letters, hex(code)
            chunk = []


WORDS = st.lists(
    st.sampled_from(["tide", "rose", "Tide", "rose,", "at", "9", "été", "жар", "x"]), max_size=40
)


@given(WORDS, WORDS)
def test_the_pair_sets_count_and_share_as_the_frozensets_do(first: list[str], second: list[str]) -> None:
    one, other = " ".join(first), " ".join(second)
    assert len(shingle_set(one)) == len(shingles(one))
    assert jaccard(shingle_set(one), shingle_set(other)) == jaccard(shingles(one), shingles(other))


def test_a_text_of_characters_and_a_text_of_words_share_nothing() -> None:
    # Scripts without spaces are shingled by characters (Python sets), others by word pairs (compiled):
    # a pair holds a space, a run of characters none, so the two never share a shingle.
    chinese = "東京大学の研究者は新しい材料を開発したと発表した" * 3
    assert not isinstance(shingle_set(chinese), compiled.PairSet)
    assert jaccard(shingle_set(chinese), shingle_set("tide rose at nine " * 10)) == 0.0
    assert jaccard(shingle_set(chinese), shingle_set(chinese)) == 1.0


def test_without_the_compiled_loops_the_sets_are_pythons(pure: None) -> None:
    text = "The tide rose at nine, and the tide fell at noon."
    assert shingle_set(text) == shingles(text)
    assert jaccard(shingle_set(text), shingle_set(text + " Again.")) == jaccard(
        shingles(text), shingles(text + " Again.")
    )


def test_an_empty_text_has_no_pairs() -> None:
    assert len(compiled.PairSet(b"")) == 0 and len(compiled.PairSet(b"   ")) == 0
    assert (
        len(compiled.PairSet(b"one")) == 1 and compiled.PairSet(b"one").shared(compiled.PairSet(b"one")) == 1
    )
