"""A document's fingerprint for finding its copies: the exact key of its text, the LSH band keys of its
MinHash over word shingles, and the shingles themselves (to check a candidate's Jaccard exactly).

Pure CPU: a run makes it in the extraction worker, beside the Document (`document_fingerprint`), so
neither the event loop nor the save transaction spends time on it; a save without one makes it before
the transaction opens. The store keeps the keys (`band_keys` table), so
copies are found across runs and across workers, with nothing held in memory.

MinHash is rensa's `RMinHash` (Rust): 0.1 ms for a 1,900-word article against 12 ms for datasketch's
`MinHash` (numpy), measured on the wcxb-dev articles (bench/dedup.py prints both). Shingling in Python costs
more than rensa's MinHash. The keys depend on rensa's hash function, `MINHASH_SEED` and the banding below:
changing any of them makes stored keys meaningless to new documents (stored ones are still found by their
exact key).
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
from dataclasses import dataclass
from typing import Any

__all__ = ["EXACT_BAND", "Fingerprint", "exact_key", "fingerprint", "jaccard", "shingle_list", "shingles"]

# Banding: BANDS bands of ROWS rows, one MinHash of BANDS × ROWS permutations. A pair of documents becomes
# a candidate with probability 1 - (1 - J**ROWS)**BANDS: 0.99999 at J = 0.8, 0.996 at 0.7 (a lowered
# threshold), 0.94 at 0.6, 0.03 at 0.2 and 2e-6 at 0.02 (two unrelated articles). Candidates are then
# checked on their exact Jaccard, so the banding sets recall (and the cost of checking), never precision.
# Four rows, not five: five lost 2.5% of the pairs at 0.7; fewer rows would make unrelated articles on one
# topic (0.05 to 0.2) candidates of each other. 20 keys per original document keep the table small.
BANDS = 20
ROWS = 4
MINHASH_SEED = 13
# The exact copy of a text has its own key: band -1, the text's hash.
EXACT_BAND = -1
# A shingle is two consecutive words. Measured on bench/dedup.py's corpus at the default threshold: single
# words find more copies (recall 0.958 against 0.935 on 80 stories: each changed word counts once, not
# once per shingle it is in), but they judge texts by vocabulary alone: distinct texts written with few
# words (tests/sitegen.py's articles, templated results and weather pages) reach 0.76, next to the
# threshold, where word pairs stay under 0.03 (and distinct real stories under 0.07).
SHINGLE_WORDS = 2
# Scripts written without spaces between words (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar): a text
# whose first SCRIPT_SAMPLE characters are at least NO_SPACE_SHARE of them is shingled by characters, as
# `split()` would find whole clauses. Checked on a sample: one regex pass over 1,000 characters.
_NO_SPACE_SCRIPT = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
SCRIPT_SAMPLE = 1000
NO_SPACE_SHARE = 0.3
SHINGLE_CHARS = 4
# Below this many shingles a text is too short to call a near copy (a one-line teaser, a caption): only
# its exact copies are duplicates.
MIN_SHINGLES = 20


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the store needs to find a document's copies and be found by later ones."""

    keys: tuple[tuple[int, int], ...]  # (band, hash), sorted: the exact key, then the band keys if any
    near: bool  # the band keys were made: near copies are looked for

    @property
    def exact(self) -> tuple[int, int]:
        return self.keys[0]  # band -1 sorts first


def exact_key(text_hash: str) -> tuple[int, int]:
    """The key of the text whose sha256 is `text_hash`: its copies' texts have the same."""
    return (EXACT_BAND, _signed64(bytes.fromhex(text_hash)[:8]))


def shingles(text: str) -> frozenset[str]:
    """The set of word shingles of `text` (character shingles in scripts without spaces)."""
    return frozenset(shingle_list(text))


def shingle_list(text: str) -> list[str]:
    """The word shingles of `text` in order, repeats kept (MinHash does not mind them). Words are split
    at white space, punctuation attached: `\\w+` costs four times as much, and a copy keeps its
    punctuation."""
    words = text.lower().split()  # lower, not casefold: a third of the time, and a copy has the same case
    sample = text[:SCRIPT_SAMPLE]
    if len(_NO_SPACE_SCRIPT.findall(sample)) > NO_SPACE_SHARE * len(sample):
        chars = "".join(words)
        return [chars[i : i + SHINGLE_CHARS] for i in range(max(1, len(chars) - SHINGLE_CHARS + 1))]
    if SHINGLE_WORDS == 1:
        return words
    if len(words) <= SHINGLE_WORDS:
        return [" ".join(words)] if words else []
    return list(map(" ".join, zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False)))


def jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    """|A ∩ B| / |A ∪ B|; 0 for two empty sets (nothing to call a copy)."""
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def fingerprint(text: str, text_hash: str, *, near: bool) -> Fingerprint:
    """The keys of `text` (whose sha256 is `text_hash`): always the exact key, and with `near` the band
    keys of its MinHash when it has enough shingles."""
    exact = exact_key(text_hash)
    shingled = shingle_list(text) if near else []
    if len(shingled) < MIN_SHINGLES:
        return Fingerprint((exact,), near=False)
    minhash = _rensa().RMinHash(num_perm=BANDS * ROWS, seed=MINHASH_SEED)
    minhash.update(shingled)  # repeats and order change no minimum
    digest = minhash.digest()
    bands = [(band, _signed64(_band_bytes(digest[band * ROWS : (band + 1) * ROWS]))) for band in range(BANDS)]
    return Fingerprint(tuple(sorted([exact, *bands])), near=True)


# rensa's allocator (mimalloc) reserves an arena of 1 GiB of address space when it loads. The extraction
# workers make fingerprints under an address-space cap (pipeline/_worker.py), where that arena would
# take half the room a page has; 64 MiB arenas are plenty for a MinHash. Set before the first load only:
# the operator's own MIMALLOC_ARENA_RESERVE wins.
ARENA_RESERVE = "64MiB"


def _rensa() -> Any:
    """rensa, loaded at the first fingerprint, not with scraper: a process that never makes one (the
    run's own, once workers make them) never carries its arena."""
    os.environ.setdefault("MIMALLOC_ARENA_RESERVE", ARENA_RESERVE)
    import rensa

    return rensa


def _band_bytes(values: list[int]) -> bytes:
    return hashlib.blake2b(struct.pack(f"<{len(values)}Q", *values), digest_size=8).digest()


def _signed64(eight: bytes) -> int:
    """Eight bytes as a signed 64-bit integer: PostgreSQL's BIGINT and SQLite's INTEGER both hold it."""
    return int.from_bytes(eight, "little", signed=True)
