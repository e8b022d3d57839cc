"""One copy per story, inside the save transaction: is the document just inserted a copy of another URL's?

The document's keys (storage/_minhash.py: the exact key of its text and the LSH bands of its MinHash) go
into `band_keys`, whose primary key holds one owner per key. The insert comes first, in key order: when
another worker is saving a copy at the same moment, PostgreSQL makes the second insert of a shared key
wait until the first transaction ends, so the second worker then sees the first document as the owner
and becomes its copy; exactly one of them is the original. Taking keys in one order means two savers
never wait on each other in a cycle. SQLite serialises writers anyway (`BEGIN IMMEDIATE`).

The owners of the document's keys that belong to other URLs are the candidates, checked on their exact
Jaccard similarity (the MinHash only says where to look), those sharing the most keys first (the MinHash's
estimate of their similarity): the first at or over the threshold ends the check, so a copy of a story
stored many times costs two shingle sets, not one per stored copy. The shingle counts a check makes are
kept (`documents.shingles`): a later check rules out a candidate whose count is too far from its own
(`_minhash.may_reach`, exact) without reading its text.

A copy keeps the keys no one held before it, and a copy found as a candidate stands for its original: a
print view one sentence off the full story is found through the story's wire copy even when the first
page stored was an AMP page missing a paragraph (too far from the print view by itself). So a story is
one original and copies pointing at it, never a chain. Documents of the same URL, or whose original is
of the same URL, are never candidates: a later version is a version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ..config import RunSettings
from ..models import ARTICLE_PAGE_TYPES
from . import _minhash
from ._clean import text_hash
from ._minhash import Fingerprint
from ._schema import sql_literal

if TYPE_CHECKING:
    from ._rules import PendingDocument
    from ._sql import Connection, Dialect, ManyConnection

__all__ = ["ARTICLE_TYPES_SQL", "mark_if_copy", "remake_keys"]

# Candidates read per document at most: the owners of its 11 keys, a handful unless a spammy template
# makes many pages alike. Each costs a read of its text and a Jaccard check.
MAX_CANDIDATES = 32
# Documents read per query when their keys are remade: a page of texts in memory, never the store.
REMAKE_BATCH = 200
# The page types `export` and `documents()` list by default (models.ARTICLE_PAGE_TYPES), as SQL.
ARTICLE_TYPES_SQL = "(" + ", ".join(sql_literal(kind) for kind in sorted(ARTICLE_PAGE_TYPES)) + ")"


def mark_if_copy(
    db: Connection,
    dialect: Dialect,
    document_id: int,
    url_id: int,
    pending: PendingDocument,
    policy: RunSettings,
) -> bool:
    """Register the keys of the document `document_id` of URL `url_id`; when it copies another URL's
    document, mark it `duplicate_of` that one's original and return True."""
    if pending.fingerprint is None:
        return False
    keys = pending.fingerprint.keys
    p = dialect.param
    # A text whose keys were all new (most pages of a crawl) owns them all now: the count of rows the
    # insert made says so, and nothing more is read. Otherwise the owners of its keys but itself are the
    # candidates: the keys it owns lead back to it alone.
    if _insert_keys(db, dialect, keys, document_id) == len(keys):
        return False
    check = _original(db, dialect, (document_id, url_id), pending.fingerprint, pending, policy)
    if check.original is not None or check.own is not None:
        db.execute(
            f"UPDATE documents SET duplicate_of = {p}, shingles = {p} WHERE id = {p}",
            (check.original, check.own, document_id),
        )
    _keep_counts(db, dialect, check.counted)
    return check.original is not None


@dataclass(frozen=True, slots=True)
class _Check:
    """What the duplicate check of one document found, and the shingle counts it made on the way."""

    original: int | None  # the original it copies
    own: int | None = None  # its own shingle count, when made
    counted: tuple[tuple[int, int], ...] = ()  # (id, count) of the candidates read that had none stored


def _original(
    db: Connection,
    dialect: Dialect,
    ids: tuple[int, int],
    fingerprint: Fingerprint,
    pending: PendingDocument,
    policy: RunSettings,
) -> _Check:
    """The original of the document this one (`ids`: its id and its URL's) copies: of an exact copy
    first, else of the first candidate at or over the threshold, in order of the keys they share. A
    candidate whose stored count rules it out (`_minhash.may_reach`) is not read: exactly the pairs the
    Jaccard check would turn down, as their similarity cannot reach the threshold."""
    rows = _candidates(db, dialect, *ids, fingerprint.keys)
    exact = [int(row[3]) for row in rows if row[1] == pending.text_hash]
    if exact:
        return _Check(min(exact))
    if not (policy.dedup_near and fingerprint.near and rows):
        return _Check(None)
    own = _minhash.shingle_set(pending.document.text)  # seldom needed: made here, not carried
    counted: list[tuple[int, int]] = []
    for candidate, _, count, original in rows:
        if count is not None and not _minhash.may_reach(len(own), int(count), policy.dedup_threshold):
            continue
        theirs = _minhash.shingle_set(_text(db, dialect, int(candidate)))
        if count is None:
            counted.append((int(candidate), len(theirs)))
        if _minhash.jaccard(own, theirs) >= policy.dedup_threshold:
            return _Check(int(original), len(own), tuple(counted))
    return _Check(None, len(own), tuple(counted))


def _candidates(
    db: Connection, dialect: Dialect, document_id: int, url_id: int, keys: tuple[tuple[int, int], ...]
) -> list[Any]:
    p = dialect.param
    which = " OR ".join([f"(b.band = {p} AND b.hash = {p})"] * len(keys))
    # The candidate's original: itself, or the document it copies (always an original, never a copy).
    # Most shared keys first: with more candidates than MAX_CANDIDATES, the nearest are the ones read.
    # Its text is read apart, only when its shingle count does not rule it out.
    query = (
        "SELECT d.id, d.text_hash, d.shingles, o.id FROM band_keys b "
        "JOIN documents d ON d.id = b.document_id JOIN documents o ON o.id = coalesce(d.duplicate_of, d.id) "
        f"WHERE ({which}) AND d.url_id <> {p} AND o.url_id <> {p} AND d.id <> {p} "
        f"GROUP BY d.id, o.id ORDER BY count(*) DESC, d.id LIMIT {MAX_CANDIDATES}"
    )
    params = [value for key in keys for value in key]
    return db.execute(query, (*params, url_id, url_id, document_id)).fetchall()


def _text(db: Connection, dialect: Dialect, document_id: int) -> str:
    return str(
        db.execute(f"SELECT text FROM documents WHERE id = {dialect.param}", (document_id,)).fetchone()[0]
    )


def _keep_counts(db: Connection, dialect: Dialect, counted: tuple[tuple[int, int], ...]) -> None:
    """Store the shingle counts of candidates that had none. In the order of their ids: on PostgreSQL
    each update locks the row until the transaction ends, and two savers taking rows in one order never
    wait on each other in a cycle (their key inserts, the only other waits, all come before)."""
    p = dialect.param
    for document_id, count in sorted(counted):
        db.execute(
            f"UPDATE documents SET shingles = {p} WHERE id = {p} AND shingles IS NULL", (count, document_id)
        )


def remake_keys(db: Connection, dialect: Dialect) -> int:
    """Register the keys of every stored document, in the order they were stored (the first holder of a
    key owns it, as when they were saved), after the rules that make them changed (schema versions 4 and 5);
    return how many documents were read. Near keys are made whatever a run's `dedup_near`: a key costs
    a row, and a run that turns near copies on finds the documents stored while they were off."""
    p = dialect.param
    last, count = 0, 0
    while rows := db.execute(
        f"SELECT id, text FROM documents WHERE id > {p} ORDER BY id LIMIT {REMAKE_BATCH}", (last,)
    ).fetchall():
        for document_id, text in rows:
            _insert_keys(
                db, dialect, _minhash.fingerprint(text, text_hash(text), near=True).keys, document_id
            )
        last, count = int(rows[-1][0]), count + len(rows)
    return count


def _insert_keys(
    db: Connection, dialect: Dialect, keys: tuple[tuple[int, int], ...], document_id: int
) -> int:
    """Register `keys` as `document_id`'s where no one holds them yet; return how many it got."""
    if dialect.insert_many:
        rows = [(band, hash_, document_id) for band, hash_ in keys]
        return cast("ManyConnection", db).executemany(_insert_keys_sql(dialect, 1), rows).rowcount
    values = [value for band, hash_ in keys for value in (band, hash_, document_id)]
    return db.execute(_insert_keys_sql(dialect, len(keys)), values).rowcount


def _insert_keys_sql(dialect: Dialect, count: int) -> str:
    """One statement for `count` keys: a key held already keeps its owner."""
    p = dialect.param
    values = ", ".join([f"({p}, {p}, {p})"] * count)
    insert = f"INSERT INTO band_keys (band, hash, document_id) VALUES {values}"
    return insert + " ON CONFLICT (band, hash) DO NOTHING"
