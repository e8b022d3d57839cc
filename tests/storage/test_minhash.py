"""The fingerprint of a document (storage/_minhash.py): pure, the same in every process."""

from __future__ import annotations

import subprocess
import sys

from scraper.storage._clean import text_hash
from scraper.storage._minhash import BANDS, EXACT_BAND, MIN_SHINGLES, fingerprint, jaccard, shingles

STORY = " ".join(f"Clause {n} of the treaty binds state {n} to pay {n * 5} crowns." for n in range(12))


def keys_of(text: str, *, near: bool = True) -> tuple[tuple[int, int], ...]:
    return fingerprint(text, text_hash(text), near=near).keys


def test_a_long_text_has_its_exact_key_and_one_key_per_band() -> None:
    keys = keys_of(STORY)
    assert [band for band, _ in keys] == [EXACT_BAND, *range(BANDS)]
    assert all(-(2**63) <= value < 2**63 for _, value in keys)  # a BIGINT on PostgreSQL


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
