"""The fingerprint of a document (storage/_minhash.py): pure, the same in every process."""

from __future__ import annotations

import random
import re
import string
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.storage import _minhash
from scraper.storage._clean import text_hash
from scraper.storage._minhash import (
    BANDS,
    EXACT_BAND,
    MAX_TOKENS_PER_CALL,
    MIN_SHINGLES,
    ROWS,
    _digest,
    _letters,
    _long_enough,
    _windows,
    _words,
    fingerprint,
    jaccard,
    may_reach,
    shingle_list,
    shingles,
)

STORY = " ".join(f"Clause {n} of the treaty binds state {n} to pay {n * 5} crowns." for n in range(12))

# The band keys of STORY since schema version 7.
PINNED_KEYS = (
    (0, 1176481455813885236),
    (1, 4600557221051301626),
    (2, -8225642281568717642),
    (3, 6915247229488044527),
    (4, -3326188815560341152),
    (5, -785151161471127412),
    (6, 383493394020671042),
    (7, -5104686856434665311),
    (8, 6081605157723754197),
    (9, 4367178537082815260),
)


def keys_of(text: str, *, near: bool = True) -> tuple[tuple[int, int], ...]:
    return fingerprint(text, text_hash(text), near=near).keys


def test_a_long_text_has_its_exact_key_and_one_key_per_band() -> None:
    keys = keys_of(STORY)
    assert [band for band, _ in keys] == [EXACT_BAND, *range(BANDS)]
    assert all(-(2**63) <= value < 2**63 for _, value in keys)  # a BIGINT on PostgreSQL


def test_a_band_key_is_the_low_16_bits_of_each_of_its_rows() -> None:
    # Four rows of 16 bits fill a 64-bit key: a band's key is its rows, nothing hashed again. Two bands
    # that differ in a row have other keys but one time in 65,536 (a candidate checked for nothing, never
    # a copy: candidates are checked on their Jaccard).
    rows = _digest(_windows(_letters(STORY)))
    expected = []
    for band in range(BANDS):
        key = sum(
            (row & 0xFFFF) << (16 * index) for index, row in enumerate(rows[band * ROWS : band * ROWS + ROWS])
        )
        expected.append((band, key - 2**64 if key >= 2**63 else key))
    assert keys_of(STORY)[1:] == tuple(expected)


def test_the_stored_keys_of_a_text_stay_what_they_were() -> None:
    # Stored keys must meet the keys of documents saved later: a change of how they are made (the
    # letters, the windows, rensa's hash or seed, the banding) is a schema migration that remakes them
    # (_schema.NEAR_KEYS_VERSION). This test is the tripwire.
    assert keys_of(STORY)[1:] == PINNED_KEYS


def test_near_off_or_a_short_text_gives_the_exact_key_only() -> None:
    assert [band for band, _ in keys_of(STORY, near=False)] == [EXACT_BAND]
    short = "Breaking: a short teaser line."
    assert len(shingles(short)) < MIN_SHINGLES
    assert [band for band, _ in keys_of(short)] == [EXACT_BAND]


def test_a_near_copy_shares_band_keys_and_a_distinct_text_none() -> None:
    changed = STORY.replace("pay 15 crowns", "pay 16 crowns")
    other = " ".join(f"Verse {n} sings of river {n} flowing {n * 2} miles to a mill." for n in range(12))
    assert set(keys_of(STORY)[1:]) & set(keys_of(changed)[1:])
    assert not set(keys_of(STORY)) & set(keys_of(other))
    assert 0.8 < jaccard(shingles(STORY), shingles(changed)) < 1.0


def test_scripts_without_spaces_are_shingled_by_characters() -> None:
    text = "東京都は本日新しい交通計画を発表し市民の意見を広く募集すると述べた" * 3
    assert len(shingles(text)) >= MIN_SHINGLES  # not one "word" per clause


def test_long_tokens_in_a_spaced_script_are_still_words() -> None:
    # Before: a mean word length past 12 switched to character shingles, so a line of two URLs made 20
    # band keys and such lines on 400 pages were near copies of each other.
    text = "Text https://host-12.example/some/long/path/story."
    assert len(shingles(text)) == 8  # pairs of its 9 words, not 45 runs of 4 characters
    assert [band for band, _ in keys_of(text)] == [EXACT_BAND]


def test_the_keys_are_the_same_in_another_process() -> None:
    program = (
        "from scraper.storage._minhash import fingerprint; from scraper.storage._clean import text_hash; "
        f"t = {STORY!r}; print(fingerprint(t, text_hash(t), near=True).keys)"
    )
    other = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == str(keys_of(STORY))


def test_importing_scraper_leaves_rensa_unloaded_until_a_fingerprint_is_made() -> None:
    # rensa reserves about 1 GB of address space when imported: extraction workers, which run under an
    # address-space cap of twice run.parse_memory, could then not start (tests/pipeline/test_limits.py).
    program = (
        "import sys, scraper, scraper.pipeline, scraper.storage; "
        "assert 'rensa' not in sys.modules; "
        "from scraper.storage._minhash import fingerprint; "
        "fingerprint(' '.join(map(str, range(50))), '00' * 32, near=True); "
        "assert 'rensa' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", program], check=True)


def test_a_process_that_made_a_fingerprint_keeps_its_address_space_small() -> None:
    # Extraction workers make fingerprints under an address-space cap (pipeline/_worker.py): rensa's
    # allocator, left alone, reserves a 1 GiB arena there.
    program = (
        "import os; os.environ.pop('MIMALLOC_ARENA_RESERVE', None); "
        "from scraper.storage._minhash import fingerprint; "
        "fingerprint(' '.join(map(str, range(500))), '00' * 32, near=True); "
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmSize:')))"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert int(done.stdout) * 1024 < 512 * 2**20


def test_punctuation_is_not_part_of_a_word() -> None:
    # Two sites' extractions of one text differ in punctuation more than in words: a table's cell
    # borders, list bullets, an apostrophe set apart. Words are runs of letters and digits, so these
    # neither make new shingles nor break the pairs around them.
    assert shingles("The Browns’ record | was 5-1 • again") == shingles("the browns ’ record was 5 1 again")
    assert shingles("— a - b | c") == shingles("a b c")


def test_a_paragraph_with_its_punctuation_changed_is_the_same_text_to_the_check() -> None:
    spaced = STORY.replace(".", " .").replace(" of ", " - of ")
    assert jaccard(shingles(STORY), shingles(spaced)) == 1.0


def test_unicode_spaces_and_quotes_end_words_and_other_letters_stay_whole() -> None:
    assert shingles("a\u00a0b \u201cc\u201d d\u2009e") == shingles("a b c d e")
    assert shingles("Ελλάδα και Κύπρος") == {"ελλάδα και".encode(), "και κύπρος".encode()}


# The separators as UTF-8 (U+00A0 to U+00BF, U+2000 to U+206F, U+3000 to U+303F), in one pattern.
UNICODE_SEPARATORS = re.compile(
    rb"\xc2[\xa0-\xbf]|\xe2\x80[\x80-\xbf]|\xe2\x81[\x80-\xaf]|\xe3\x80[\x80-\xbf]"
)
PUNCTUATION_TO_SPACE = bytes(0x20 if chr(byte) in string.punctuation else byte for byte in range(256))
# Characters the letters must treat as the words do: ASCII, the Unicode separators (U+00A0 to U+00BF,
# General and CJK punctuation) and their neighbours (U+0085, U+2070), letters whose lowercase depends on
# their neighbours (Σ) or is ASCII (the Kelvin sign) or longer (İ), and letters of other scripts.
LETTER_CASES = (
    "aZ9 .,'-\t\n\u0085\u00a0\u00ab\u00b5\u2019\u2014\u2026\u2060\u2070\u3001\u3002" + "ΣσςΑΒİ\u212aÉéжЖ東京"
)


@given(st.text(alphabet=LETTER_CASES))
def test_the_words_are_the_lowered_text_split_at_punctuation_and_the_letters_run_them_together(
    text: str,
) -> None:
    # Both lower only what is left to lower once the punctuation is gone (`str.lower` on a whole text is
    # a quarter of the time of its words): the result must be the lowered text's, whatever it holds.
    lowered = text.lower().encode("utf-8", "replace")
    spaced = UNICODE_SEPARATORS.sub(b" ", lowered).translate(PUNCTUATION_TO_SPACE)
    assert _words(text) == spaced.split()
    letters = b"".join(spaced.split()).translate(None, bytes(range(0xC2, 0xF5)))
    assert _letters(text) == letters  # the band keys are made of them


@given(st.text(alphabet="ab \u00a0\u2014\u3001東京", max_size=160))
def test_a_text_is_long_enough_for_band_keys_when_it_has_enough_shingles(text: str) -> None:
    # Counted without making them: the words of the first bytes, or the text's.
    assert _long_enough(text) == (len(shingle_list(text)) >= MIN_SHINGLES)


@given(st.text(alphabet="ab \u00a0\u2014\u3001東京", min_size=250, max_size=700))
def test_a_text_with_enough_words_at_its_head_is_long_enough_in_either_script(text: str) -> None:
    # Past COUNT_HEAD characters, and with enough words there, the script is not looked at.
    assert _long_enough(text) == (len(shingle_list(text)) >= MIN_SHINGLES)


def test_the_keys_do_not_change_with_how_rensa_is_given_the_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    # A long text's windows go to rensa in chunks (MAX_TOKENS_PER_CALL), whose MinHashes are combined.
    text = " ".join(f"Report {n} counts {n * 7} ballots in ward {n % 13} of the county." for n in range(6000))
    assert len(_letters(text)) > 3 * MAX_TOKENS_PER_CALL
    chunked = keys_of(text)
    monkeypatch.setattr(_minhash, "MAX_TOKENS_PER_CALL", 10**9)
    assert keys_of(text) == chunked


def test_a_long_text_is_hashed_without_starting_threads() -> None:
    # rensa reads a long buffer on threads of its own: extraction workers run under an address-space cap
    # (pipeline/_worker.py), where each thread's stack takes room.
    program = (
        "from scraper.storage._minhash import fingerprint; "
        "fingerprint(' '.join(f'word{n}' for n in range(60000)), '00' * 32, near=True); "
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('Threads:')))"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "1"


def test_a_text_is_long_enough_for_band_keys_by_its_word_pairs_wherever_they_are() -> None:
    # The pairs are counted on the first characters when they have enough: a text whose beginning is one
    # long token (a link, a table row run together) still counts the words after it.
    words = [f"w{n}" for n in range(MIN_SHINGLES + 1)]
    assert [band for band, _ in keys_of(" ".join(words))] == [EXACT_BAND, *range(BANDS)]
    assert [band for band, _ in keys_of(" ".join(words[:-1]))] == [EXACT_BAND]
    late = "x" * 2000 + " " + " ".join(words[:-1])
    assert [band for band, _ in keys_of(late)] == [EXACT_BAND, *range(BANDS)]


def test_texts_of_a_two_byte_script_are_told_apart_by_more_than_their_syllables() -> None:
    # The same 60 Russian words of five or six letters in two orders: two texts that share their words
    # but hardly a pair of them. A window of 8 bytes with the letters' lead bytes would be 4 letters, a
    # part of one word, and the two would share most windows.
    stems = ["казан", "лодка", "ветер", "пшено", "мосты", "рынок", "склад", "травы", "город", "школа"]
    vocabulary = [stem + ending for stem in stems for ending in ("", "ми", "ах", "ой", "ый", "ую")]
    first, second = (" ".join(random.Random(seed).choices(vocabulary, k=300)) for seed in (1, 2))
    assert jaccard(shingles(first), shingles(second)) < 0.1
    assert not set(keys_of(first)) & set(keys_of(second))


@given(
    st.frozensets(st.binary(max_size=2), max_size=40),
    st.frozensets(st.binary(max_size=2), max_size=40),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_a_pair_ruled_out_by_its_counts_is_under_the_threshold(
    first: frozenset[bytes], second: frozenset[bytes], threshold: float
) -> None:
    # The early reject of a candidate by the stored counts never drops a pair the exact check would keep.
    if not may_reach(len(first), len(second), threshold):
        assert jaccard(first, second) < threshold


@given(st.frozensets(st.binary(max_size=2), max_size=40), st.data())
def test_the_bound_of_the_counts_is_reached_by_a_set_and_its_part(
    whole: frozenset[bytes], data: st.DataObject
) -> None:
    # min / max is what the Jaccard similarity of a set and any part of it is: no tighter bound exists.
    part = data.draw(st.frozensets(st.sampled_from(sorted(whole)))) if whole else frozenset()
    assert may_reach(len(part), len(whole), jaccard(part, whole))
    assert not may_reach(len(part), len(whole), jaccard(part, whole) + 1e-9)
