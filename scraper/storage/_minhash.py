"""A document's fingerprint for finding its copies: the exact key of its text, the LSH band keys of its
MinHash, and its word shingles (to check a candidate's Jaccard exactly).

Pure CPU: a run makes it in the extraction worker, beside the Document (`document_fingerprint`), so
neither the event loop nor the save transaction spends time on it; a save without one makes it before
the transaction opens. The store keeps the keys (`band_keys` table), so
copies are found across runs and across workers, with nothing held in memory.

MinHash is rensa's `RMinHash` (Rust): 0.1 ms for a 1,900-word article against 12 ms for datasketch's
`MinHash` (numpy), measured on the wcxb-dev articles (bench/dedup.py prints both). Its tokens are not
word pairs made in Python but the 8-byte windows of the text's letters, which rensa reads from one
buffer (`_letters`, `_windows`): no Python object per token. The keys depend on rensa's hash function,
`MINHASH_SEED`, the letters, the windows and the banding below: changing any of them makes stored keys
meaningless to new documents, so such a change comes with a schema migration after which `migrate`
remakes every stored document's keys (`_schema.NEAR_KEYS_VERSION`, `_dedup.remake_keys`).
"""

from __future__ import annotations

import os
import re
import string
import struct
import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .._compiled import load as load_compiled

__all__ = [
    "EXACT_BAND",
    "Fingerprint",
    "ShingleSet",
    "exact_key",
    "fingerprint",
    "jaccard",
    "may_reach",
    "shingle_list",
    "shingle_set",
    "shingles",
]

# The loops over a text's bytes, compiled (storage/_shingling.pyx, an optional extension: see setup.py);
# None where it was not built or SCRAPER_PURE_PYTHON is set, and the Python below does the same, byte for
# byte (tests/storage/test_shingling.py holds them to it).
_compiled: Any = load_compiled("scraper.storage._shingling")

# Banding: BANDS bands of ROWS rows, one MinHash of BANDS × ROWS permutations. A pair of documents becomes
# a candidate with probability 1 - (1 - J**ROWS)**BANDS: 0.995 at J = 0.8, 0.9994 at 0.85, 0.94 at 0.7 (a
# lowered threshold), 2e-7 at 0.012 (two distinct articles: the median pair of bench/dedup.py's
# stories). Candidates are then checked on their exact Jaccard, so the banding sets recall (and the cost
# of checking), never precision. Each band is one row inserted in every save's transaction, so the bands
# are as few as recall allows: ten, not twenty, halve that insert and its commit, and lose 0.1 of the
# 4,450 copies of bench/dedup.py's corpus in expectation (a copy is most often at 0.9 or more, and it has
# several earlier pages of its story to be found through). Four rows, not three: three would make
# distinct articles on one topic (0.05 to 0.2) candidates of each other, a text read and shingled for
# nothing: 14 times as often over the pairs of bench/dedup.py's distinct stories.
BANDS = 10
ROWS = 4
# A band key is a BIGINT: the low 16 bits of each of its four rows (see `fingerprint`), packed as "H".
ROW_MASK = 0xFFFF
MINHASH_SEED = 13
# The exact copy of a text has its own key: band -1, the text's hash.
EXACT_BAND = -1
# Words are split at white space and at punctuation: punctuation is not part of a word. Two sites'
# extractions of one text differ in punctuation more than in words (a table's cell borders, list bullets,
# an apostrophe set apart from its word): with words split at white space only, these made new shingles
# and broke the pairs around them, and 0.9% of bench/dedup.py's copies fell under 0.8 for that alone.
# The split is made on the text's UTF-8 bytes, with C loops only: ASCII punctuation by one byte table,
# and the Unicode blocks of punctuation and spaces that texts are full of by one pattern. That is 0.27 ms
# a mean article (pairs included) where a `\w+` regex over the text took 0.38, for the same words but
# for the rarer punctuation of other blocks (an Arabic comma, a danda), which then stays in its word, as
# it does in every copy (copies at or over 0.8 with an earlier page of their story: 0.9591 against 0.9593).
# The byte tables are with the letters, below. The Unicode separators, as UTF-8: the no-break space and
# Latin-1 punctuation (U+00A0 to U+00BF), General Punctuation (U+2000 to U+206F: spaces, dashes, quotes,
# bullets, the ellipsis), CJK Symbols and Punctuation (U+3000 to U+303F).
# A lead byte (C2, E2, E3) is never a continuation byte, so no match starts inside another character, and
# a character is whole on either side of a match, so one block's removal never makes another's match. One
# pattern per lead byte: a pattern that starts with a literal byte is searched for by a fast loop, where
# an alternation of the three was tried at every byte (10 µs a mean article against 30).
# Each pattern with its lead byte: a text without that byte (most have no C2 or E3) is not searched,
# as a membership test is a quarter of the time of a search that finds nothing (0.4 µs against 2.5, a
# mean article).
_UNICODE_SEPARATORS = (
    (b"\xe2", re.compile(rb"\xe2(?:\x80[\x80-\xbf]|\x81[\x80-\xaf])")),
    (b"\xc2", re.compile(rb"\xc2[\xa0-\xbf]")),
    (b"\xe3", re.compile(rb"\xe3\x80[\x80-\xbf]")),
)
# A shingle is two consecutive words. Share of bench/dedup.py's copies at or over 0.8 with an earlier page
# of their story (the recall the check can reach), and distinct stories' pairs (median, 99.99th centile),
# measured with `\w+` words:
#   single words  0.963  0.103  0.281
#   word pairs    0.959  0.012  0.071
#   word triples  0.956  0.001  0.022
# Single words find a few more copies (each changed word counts once, not once per shingle it is in), but
# they judge texts by vocabulary alone: distinct texts written with few words (tests/sitegen.py's
# articles, templated results and weather pages) reach 0.76, next to the threshold, and at 0.1 for two
# unrelated articles the banding would make 1 stored article in 1,000 a candidate of each new one.
# Triples lose copies to each changed word three times over.
SHINGLE_WORDS = 2
# Scripts written without spaces between words (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar): a text
# whose first SCRIPT_SAMPLE characters are at least NO_SPACE_SHARE of them is shingled by characters, as
# its words would be whole clauses. Checked on a sample: one regex pass over 1,000 characters.
_NO_SPACE_SCRIPT = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
SCRIPT_SAMPLE = 1000
NO_SPACE_SHARE = 0.3
SHINGLE_CHARS = 4
# Below this many shingles a text is too short to call a near copy (a one-line teaser, a caption): only
# its exact copies are duplicates.
MIN_SHINGLES = 20
# The MinHash's tokens are the 8-byte windows at every byte of the text's letters (its words run
# together, `_letters`), each window's bytes read as the token's 64-bit hash. The windows starting at
# r, r + 8, r + 16, ... are the letters from r read as 64-bit numbers, so eight slices joined hold every
# window, and rensa reads them from that one buffer: a fingerprint takes 0.085 ms a mean article of
# bench/dedup.py (10,500 characters) where word pairs, a Python object each, took 0.23 (one quiet core).
# The windows find copies as word pairs did: of the 12,380 pairs of one story's pages in bench/dedup.py
# at a word-pair Jaccard of 0.8 or more, 12,375 share a band key (word pairs' MinHash: 12,376), at a mean
# Jaccard of 0.955 (word pairs: 0.956); distinct stories are further apart (median 0.005 against 0.012,
# 99.99th centile 0.053 against 0.068), and no pair of 100,000 shares a key, as with word pairs.
WINDOW = 8  # bytes: one 64-bit token
# A window is 8 bytes of the letters without their UTF-8 lead bytes (C2 to F4): one byte a character in
# the scripts of two-byte letters (Cyrillic, Greek, Hebrew, Arabic...), two in those of three (Chinese,
# Japanese, Korean, Thai...). With them, a window held 4 Cyrillic letters (part of one word) or 2.7
# Chinese characters, which distinct texts share a lot of: the halves of bench/dedup.py's Russian articles
# were at 0.08 to 0.24 by such windows, at 0.01 to 0.05 without lead bytes, as by word pairs (0.01 to
# 0.05). A character and another of the same script rarely differ by their lead byte alone.
_UTF8_LEADS = bytes(range(0xC2, 0xF5))
# rensa reads a buffer of 100,000 tokens or more on threads of its own (there were none at 65,000): a
# text's windows go to it in chunks of this many, their digests combined by their minima (the MinHash
# of a union), so an extraction worker under an address-space cap never starts threads.
MAX_TOKENS_PER_CALL = 2**15
# Characters whose words are counted first to tell a text long enough for band keys (MIN_SHINGLES): some
# 50 words of English, where 21 are needed.
COUNT_HEAD = 300
# Words at the head that make a text long enough in either script: as many word pairs (n words make
# n - 1), and as many runs of SHINGLE_CHARS characters (each word has a character at least, and n
# characters make n - 3). The script is then not looked at: its regex, over SCRIPT_SAMPLE characters,
# was half of the count's time.
ENOUGH_WORDS = MIN_SHINGLES + max(SHINGLE_WORDS, SHINGLE_CHARS) - 1


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


def shingles(text: str) -> frozenset[bytes]:
    """The set of word shingles of `text` (character shingles in scripts without spaces)."""
    return frozenset(_shingled(text, by_chars=_no_space_script(text)))  # no list made on the way


def shingle_list(text: str) -> list[bytes]:
    """The word shingles of `text` in order, repeats kept (MinHash does not mind them), as UTF-8."""
    return list(_shingled(text, by_chars=_no_space_script(text)))


def _no_space_script(text: str) -> bool:
    """Whether `text` is written without spaces between words, judged on its first characters."""
    if text.isascii():  # known without a look at its characters: none is of those scripts
        return False
    sample = text[:SCRIPT_SAMPLE]
    return len(_NO_SPACE_SCRIPT.findall(sample)) > NO_SPACE_SHARE * len(sample)


def _shingled(text: str, *, by_chars: bool) -> Iterable[bytes]:
    """The shingles of `text` in order: of characters with `by_chars`, else of words."""
    words = _words(text)
    if by_chars:
        chars = b"".join(words).decode()
        return [chars[i : i + SHINGLE_CHARS].encode() for i in range(max(1, len(chars) - SHINGLE_CHARS + 1))]
    if SHINGLE_WORDS == 1:
        return words
    if len(words) <= SHINGLE_WORDS:
        return [b" ".join(words)] if words else []
    return map(b" ".join, zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False))


def _words(text: str) -> list[bytes]:
    """The words of `text` lowered (not casefolded: a third of the time, and a copy has the same case),
    split at white space and punctuation, as UTF-8."""
    return _spaced(text).split()


def _spaced(text: str, encoded: bytes | None = None) -> bytes:
    """`text` (UTF-8 `encoded`) lowered, as UTF-8, each ASCII white space or punctuation character and
    each Unicode separator made a space: its words with spaces between."""
    utf8 = _utf8(text, encoded)
    if _compiled is not None and (spaced := _compiled.normalised(utf8, True)) is not None:
        return bytes(spaced)
    spaced = _without_separators(utf8.translate(_ASCII_LOWER_SPACED), b" ")
    return spaced if spaced.isascii() else spaced.decode("utf-8").lower().encode("utf-8")


def _without_separators(encoded: bytes, replacement: bytes) -> bytes:
    """`encoded` with each Unicode separator replaced by `replacement`."""
    if encoded.isascii():  # no lead byte: nothing to search for
        return encoded
    for lead, pattern in _UNICODE_SEPARATORS:
        if lead in encoded:
            encoded = pattern.sub(replacement, encoded)
    return encoded


# A text's shingles for the duplicate check: a frozenset of them (`shingles`), or with the compiled loops
# and a text of words, their pairs' keyed hashes (`_shingling.PairSet`), which count and share as the set
# does (but once in 2**64) at a tenth of its time.
ShingleSet = Any


def shingle_set(text: str) -> ShingleSet:
    """The shingles of `text`, for `jaccard` and `len` only."""
    by_chars = _no_space_script(text)
    if _compiled is None or by_chars:
        return frozenset(_shingled(text, by_chars=by_chars))
    return _compiled.PairSet(_spaced(text))


def jaccard(first: ShingleSet, second: ShingleSet) -> float:
    """|A ∩ B| / |A ∪ B|; 0 for two empty sets (nothing to call a copy)."""
    if type(first) is not type(second):
        # Word pairs (compiled) against characters' shingles (a script without spaces): a pair holds a
        # space, a run of characters none, so they share nothing.
        shared = 0
    elif isinstance(first, frozenset):
        shared = len(first & second)  # the union is counted, not made: half the time of the check
    else:
        shared = first.shared(second)
    union = len(first) + len(second) - shared
    return shared / union if union else 0.0


def may_reach(first: int, second: int, threshold: float) -> bool:
    """Whether two sets of `first` and `second` elements can have a Jaccard similarity at or over
    `threshold`. It is at most min / max (the smaller set inside the larger: shared at most the smaller,
    the union at least the larger), so a pair this says no to is under the threshold, exactly."""
    larger = max(first, second)
    return (min(first, second) / larger if larger else 0.0) >= threshold


def fingerprint(text: str, text_hash: str, *, near: bool, encoded: bytes | None = None) -> Fingerprint:
    """The keys of `text` (whose sha256 is `text_hash`, and UTF-8 `encoded` if the caller has it): always
    the exact key, and with `near` the band keys of its MinHash when it has enough shingles."""
    exact = exact_key(text_hash)
    if not (near and _long_enough(text)):
        return Fingerprint((exact,), near=False)
    rows = _digest(_windows(_letters(text, encoded)))
    # Each band's key is the low 16 bits of each of its rows, side by side: one pack and one unpack
    # for all bands, where a BLAKE2b of each band's rows was a fifth of the fingerprint (26 µs of 113, a
    # mean wcxb-dev article). A row is the minimum of a text's 32-bit window hashes, so its low bits are as
    # uniform as its hash; two bands that differ in a row get one key once in 2**16: a candidate checked on
    # its Jaccard for nothing, never a copy, and no band's key meets another text's but by that chance.
    low = struct.pack(f"<{BANDS * ROWS}H", *[row & ROW_MASK for row in rows])
    bands = list(enumerate(struct.unpack(f"<{BANDS}q", low)))
    return Fingerprint((exact, *bands), near=True)  # in key order: band -1, then 0, 1, ...


def _long_enough(text: str) -> bool:
    """Whether `shingle_list(text)` has MIN_SHINGLES shingles or more. The words are counted on the
    first COUNT_HEAD characters when they have enough (a prefix has no more words than the whole), so
    a long text's words are not made for a count."""
    head = text[:COUNT_HEAD]
    head_words = len(_words(head))
    if head_words >= ENOUGH_WORDS:  # most texts: long enough whatever their script, which is not read
        return True
    if _no_space_script(text):
        return len(shingle_list(text)) >= MIN_SHINGLES
    needed = MIN_SHINGLES + SHINGLE_WORDS - 1  # n words make n - SHINGLE_WORDS + 1 shingles
    return head_words >= needed or (len(head) < len(text) and len(_words(text)) >= needed)


# The words, and the letters the band keys are made of, are made from the UTF-8 bytes with C loops (and
# no object per word for the letters): ASCII letters lowered and ASCII white space and punctuation made
# spaces (deleted, for the letters) by one `translate`, then the Unicode separators likewise. What is
# left is ASCII for most texts (76% of bench/dedup.py's), whose other characters were all separators:
# `str.lower`, 25 µs a mean article, is not needed. Otherwise the rest is lowered, which is lowering the
# whole text first, as `str.lower` maps each character alone, makes no separator, punctuation or white
# space and keeps every separator as it is; but for the capital sigma, whose lowercase depends on the
# letters around it: a text that has one is lowered whole first.
_ASCII_LOWER = bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
_ASCII_DROPPED = bytes(byte for byte in range(256) if chr(byte) in string.punctuation + string.whitespace)
_ASCII_LOWER_SPACED = bytes(
    0x20 if chr(byte) in string.punctuation + string.whitespace else _ASCII_LOWER[byte] for byte in range(256)
)
if _compiled is not None:
    _compiled.bind(_ASCII_LOWER_SPACED)  # the compiled words and letters read this table, not a copy
_CONTEXT_LOWERED = "\u03a3"


def _utf8(text: str, encoded: bytes | None) -> bytes:
    """The UTF-8 of `text` (`encoded`, when the caller has it) for `_spaced` and `_letters`; a text with a
    capital sigma lowered whole first (see above)."""
    if _CONTEXT_LOWERED in text:
        return text.lower().encode("utf-8", "replace")
    return text.encode("utf-8", "replace") if encoded is None else encoded


def _letters(text: str, encoded: bytes | None = None) -> bytes:
    """The words of `text` (UTF-8 `encoded`) run together, without their UTF-8 lead bytes (`_UTF8_LEADS`):
    made as `_spaced` makes the words, with white space, punctuation and separators deleted, not spaced."""
    utf8 = _utf8(text, encoded)
    if _compiled is not None and (letters := _compiled.normalised(utf8, False)) is not None:
        return bytes(letters)
    letters = _without_separators(utf8.translate(_ASCII_LOWER, _ASCII_DROPPED), b"")
    if letters.isascii():
        return letters
    return letters.decode("utf-8").lower().encode("utf-8").translate(None, _UTF8_LEADS)


def _windows(letters: bytes) -> memoryview:
    """Every WINDOW-byte window of `letters` as a 64-bit number (little-endian, whatever the machine)."""
    size, view = len(letters), memoryview(letters)  # slices of a view: the letters are copied once, by join
    joined = b"".join([view[start : start + (size - start) // WINDOW * WINDOW] for start in range(WINDOW)])
    if sys.byteorder == "little":
        return memoryview(joined).cast("Q")
    swapped = array("Q", joined)
    swapped.byteswap()
    return memoryview(swapped)


def _digest(tokens: memoryview) -> list[int]:
    """rensa's MinHash of `tokens`, read MAX_TOKENS_PER_CALL at a time."""
    rensa, width = _rensa(), BANDS * ROWS
    digests = []
    for start in range(0, len(tokens), MAX_TOKENS_PER_CALL):
        part = tokens[start : start + MAX_TOKENS_PER_CALL]
        matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            part, [0, len(part)], width, MINHASH_SEED
        )
        digests.append(matrix.to_rows()[0])
    return digests[0] if len(digests) == 1 else list(map(min, *digests))


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


def _signed64(eight: bytes) -> int:
    """Eight bytes as a signed 64-bit integer: PostgreSQL's BIGINT and SQLite's INTEGER both hold it."""
    return int.from_bytes(eight, "little", signed=True)
