"""The shortcuts of choosing and cleaning the body give what the plain rules give, on every text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.extract.repeats import normalised, normalised_all

# Characters whose lower-casing or word-ness the shortcuts must not misread: punctuation and spaces outside
# ASCII (the fast path's), letters that lower-case to more or other letters, a final sigma and what it
# reads around it, marks, digits of other scripts, an emoji, a lone surrogate, the separator itself.
_TRICKY = "’“”—–\u00a0\u2009\u3000…😀Ⓐⓩ\u2160ΣσΑİ\u212aéE\u0301ǅ١½²日\ud800\x00_"
_ALPHABET = st.sampled_from("aZ0 .,-\n\t" + _TRICKY)


@pytest.mark.parametrize(
    "texts",
    [
        ["l’été", "“Quoted” — and\u00a0spaced"],  # only punctuation and spaces outside ASCII, and a letter
        ["“Quoted” — and\u00a0spaced…", "emoji 😀 here", "a lone surrogate \ud800"],  # only those
        ["Ⓐ CIRCLED Ⓑ letters", "\u2160 roman numeral"],  # symbols that lower-case: not word characters
        ["ΟΔΟΣ’Α", "ΟΔΟΣ’"],  # a sigma read through a quote, case-ignorable: final or not
        ["“İstanbul”", "\u212a’s"],  # lower-casing that adds a mark, and gives an ASCII letter
    ],
)
def test_texts_with_punctuation_outside_ascii_are_each_normalised(texts: list[str]) -> None:
    assert normalised_all(texts) == [normalised(text) for text in texts]


@given(st.lists(st.text(_ALPHABET, max_size=30), max_size=6))
def test_texts_normalised_at_once_are_each_normalised_whatever_their_characters(texts: list[str]) -> None:
    assert normalised_all(texts) == [normalised(text) for text in texts]
