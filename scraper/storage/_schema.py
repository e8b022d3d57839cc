"""The schema, written once for both backends: its migrations, which to run, what to say when refusing.

Each version's statements are templates in which `{name}` stands for a field of `ColumnTypes`, the only thing
the backends' DDL differs in (a backend's `Dialect` carries its types), or for a URL state written from
`UrlState`, so that the schema and the code share one list of states. The migrations are numbered from 1.
A released migration never changes (databases were made by it): the next change of schema is a new one.
The `schema_version` table holds one row per applied version; the highest is the database's version, 0
when the table does not exist (a database scraper never touched).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ..errors import SchemaError
from ..models import PageType, UrlState
from .base import SCHEMA_VERSION

__all__ = [
    "CLAIMED_SQL",
    "FAILED_SQL",
    "NEAR_KEYS_VERSION",
    "PENDING_SQL",
    "ColumnTypes",
    "Migration",
    "SchemaMigration",
    "check_version",
    "migrations",
    "migrations_to_apply",
    "schema_version_table",
    "sql_literal",
]

MIGRATE_COMMAND = "scraper db migrate"


def sql_literal(text: str) -> str:
    """`text` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


# The states that statements write or test by name, as SQL literals: no state is spelt out by hand.
PENDING_SQL = sql_literal(UrlState.PENDING)
CLAIMED_SQL = sql_literal(UrlState.CLAIMED)
FAILED_SQL = sql_literal(UrlState.FAILED)
# The template fields besides the column types. The CHECK lists the states in UrlState's order: the
# released DDL (tests/storage/released_ddl.json) is pinned to the letter.
_STATE_FIELDS = {
    "url_states": ", ".join(sql_literal(state) for state in UrlState),
    "pending": PENDING_SQL,
    "claimed": CLAIMED_SQL,
    "unknown_page": sql_literal(PageType.UNKNOWN),
}


@dataclass(frozen=True, slots=True)
class ColumnTypes:
    """The column types a backend's DDL is written with, and its one table option: all that differs
    between the two schemas."""

    row_id: str  # a table's own id, assigned by the database on insert, with its primary key
    big_integer: str  # a reference to such an id, or a counter that could outgrow 32 bits
    time: str  # an instant
    blob: str  # raw bytes
    json: str  # a JSON document
    keyed_table: str  # after a table's columns: its rows stored in its primary key's own order


@dataclass(frozen=True, slots=True)
class Migration:
    """The statements that bring a database from `version - 1` to `version`."""

    version: int
    statements: tuple[str, ...]


_VERSION_1 = (
    """CREATE TABLE IF NOT EXISTS urls (
                id {row_id},
                url TEXT NOT NULL UNIQUE,
                host TEXT NOT NULL,
                source TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT {pending}
                    CHECK (state IN ({url_states})),
                reason TEXT,
                message TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at {time},
                lease_expires_at {time},
                claimed_by TEXT,
                token {big_integer} NOT NULL DEFAULT 0,
                etag TEXT,
                last_modified TEXT,
                canonical_url TEXT,
                first_seen {time} NOT NULL,
                last_fetched {time},
                last_status INTEGER
            )""",
    # The claim query walks this per host: first due URL of each host, without a sort.
    "CREATE INDEX IF NOT EXISTS urls_due ON urls (host, next_attempt_at, id) WHERE state <> {claimed}",
    "CREATE INDEX IF NOT EXISTS urls_lease ON urls (lease_expires_at) WHERE state = {claimed}",
    "CREATE INDEX IF NOT EXISTS urls_state ON urls (state, reason)",
    "CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, next_allowed_at {time} NOT NULL)",
    """CREATE TABLE IF NOT EXISTS pages (
                url_id {big_integer} PRIMARY KEY REFERENCES urls (id),
                final_url TEXT,
                encoding TEXT,
                html {blob} NOT NULL,
                fetched_at {time} NOT NULL
            )""",
    """CREATE TABLE IF NOT EXISTS documents (
                id {row_id},
                url_id {big_integer} NOT NULL REFERENCES urls (id),
                version INTEGER NOT NULL,
                url TEXT,
                canonical_url TEXT,
                title TEXT,
                author TEXT,
                date TEXT,
                sitename TEXT,
                hostname TEXT,
                language TEXT,
                description TEXT,
                text TEXT NOT NULL,
                text_hash TEXT NOT NULL,
                fetched_at {time} NOT NULL,
                created_at {time} NOT NULL,
                UNIQUE (url_id, version)
            )""",
    "CREATE INDEX IF NOT EXISTS documents_created ON documents (created_at, id)",
    # One row per article: the first URL that stored it owns its canonical URL. The primary key is what
    # makes two workers saving the same article at once store it once.
    """CREATE TABLE IF NOT EXISTS canonicals (
                key TEXT PRIMARY KEY,
                url_id {big_integer} NOT NULL REFERENCES urls (id)
            )""",
    """CREATE TABLE IF NOT EXISTS runs (
                id {row_id},
                started_at {time},
                finished_at {time} NOT NULL,
                report {json} NOT NULL
            )""",
)

# Version 2: heartbeats. Each worker of a shared store beats (`workers`), saying until when it is alive;
# the claims of a worker past its `dead_after` go back without waiting out their leases. The index finds
# a worker's claims (and tells whether a dead worker still holds any).
_VERSION_2 = (
    """CREATE TABLE IF NOT EXISTS workers (
                name TEXT PRIMARY KEY,
                last_beat {time} NOT NULL,
                dead_after {time} NOT NULL
            )""",
    "CREATE INDEX IF NOT EXISTS urls_claimed_by ON urls (claimed_by) WHERE state = {claimed}",
)

# Version 3: one copy per story (issue 13) and what the extractor says of a page. A document that copies
# another URL's document (the same text, or a near copy) is kept as a row pointing at it (`duplicate_of`),
# so that `export --with-duplicates` can list it; `page_type` and `markdown` are Document's fields. Rows
# stored before get "unknown" and "". `band_keys` holds one row per key, owned by the first document
# that had it (the exact key of its text, band -1, and the LSH bands of its MinHash, storage/_minhash.py):
# the primary key is what makes two workers saving copies of one story at once agree on which is the
# original (the second insert of a key waits for the first transaction, then finds its owner).
_VERSION_3 = (
    "ALTER TABLE documents ADD COLUMN duplicate_of {big_integer} REFERENCES documents (id)",
    "ALTER TABLE documents ADD COLUMN page_type TEXT NOT NULL DEFAULT {unknown_page}",
    "ALTER TABLE documents ADD COLUMN markdown TEXT NOT NULL DEFAULT ''",
    """CREATE TABLE IF NOT EXISTS band_keys (
                band INTEGER NOT NULL,
                hash {big_integer} NOT NULL,
                document_id {big_integer} NOT NULL REFERENCES documents (id),
                PRIMARY KEY (band, hash)
            )""",
)

# Version 4: band keys made by new rules (storage/_minhash.py: words are runs of letters and digits, ten
# bands of four rows). The near keys stored before would never meet a new document's, so they go, and
# `migrate` makes every stored document's keys again (`_dedup.remake_keys`); the exact keys (band -1, from
# the text's hash) are made as before and stay.
_VERSION_4 = ("DELETE FROM band_keys WHERE band >= 0",)
# Version 5: band keys made from the 8-byte windows of a text's letters, not its word pairs
# (storage/_minhash.py); the near keys are dropped and remade as in version 4.
_VERSION_5 = _VERSION_4
# Version 6: `shingles`, the number of distinct shingles of a document's text (storage/_minhash.py), kept
# once a duplicate check has counted them (NULL until then: counting every saved document would cost each
# save a shingle set). A later check rules out a candidate whose count is too far from its own (their
# Jaccard similarity is at most the smaller count over the larger) without reading its text. A change of
# how shingles are made must reset the column in its migration.
# The same version stores `band_keys` in the order of its primary key, the only way it is ever read or
# written: on SQLite a WITHOUT ROWID table, one b-tree where a rowid table and the index of its key were
# two, so each of a save's eleven key inserts writes one (17% fewer instructions an insert, measured).
# PostgreSQL has no such option: its table is made again as it was.
_VERSION_6 = (
    "ALTER TABLE documents ADD COLUMN shingles INTEGER",
    """CREATE TABLE band_keys_6 (
                band INTEGER NOT NULL,
                hash {big_integer} NOT NULL,
                document_id {big_integer} NOT NULL REFERENCES documents (id),
                PRIMARY KEY (band, hash)
            ){keyed_table}""",
    "INSERT INTO band_keys_6 (band, hash, document_id) SELECT band, hash, document_id FROM band_keys",
    "DROP TABLE band_keys",
    "ALTER TABLE band_keys_6 RENAME TO band_keys",
)
# Version 7: a band's key is the low 16 bits of each of its four rows, not a BLAKE2b of them
# (storage/_minhash.py); the near keys are dropped and remade as in version 4.
_VERSION_7 = _VERSION_4
# A store migrated across this version has its band keys remade (after every migration: version 6 made
# the table again).
NEAR_KEYS_VERSION = 7

# Every version's statement templates, in order.
_TEMPLATES: tuple[Migration, ...] = (
    Migration(1, _VERSION_1),
    Migration(2, _VERSION_2),
    Migration(3, _VERSION_3),
    Migration(4, _VERSION_4),
    Migration(5, _VERSION_5),
    Migration(6, _VERSION_6),
    Migration(7, _VERSION_7),
)

_SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at {time} NOT NULL)"
)


def migrations(types: ColumnTypes) -> tuple[Migration, ...]:
    """Every migration, its statements written with `types`."""
    names = asdict(types) | _STATE_FIELDS
    return tuple(
        Migration(template.version, tuple(statement.format_map(names) for statement in template.statements))
        for template in _TEMPLATES
    )


def schema_version_table(types: ColumnTypes) -> str:
    """The statement creating the `schema_version` table when it does not exist yet."""
    return _SCHEMA_VERSION_TABLE.format_map(asdict(types))


@dataclass(frozen=True, slots=True)
class SchemaMigration:
    """What `scraper db migrate` did: the version found and the version now in place."""

    before: int
    after: int

    @property
    def changed(self) -> bool:
        return self.before != self.after


def check_version(found: int, *, where: str) -> None:
    """Raise SchemaError unless `found` is the version this release was written for."""
    if found == SCHEMA_VERSION:
        return
    if found > SCHEMA_VERSION:
        raise SchemaError(
            f"{where}: database schema is version {found}, newer than version {SCHEMA_VERSION} "
            f"that this scraper knows; upgrade scraper to use it (`{MIGRATE_COMMAND}` never downgrades)"
        )
    described = "has no scraper schema (version 0)" if found == 0 else f"has schema version {found}"
    raise SchemaError(
        f"{where}: database {described}, this scraper needs version {SCHEMA_VERSION}; "
        f"run `{MIGRATE_COMMAND}` to upgrade it"
    )


def migrations_to_apply(found: int, migrations: Sequence[Migration], *, where: str) -> list[Migration]:
    """The migrations after `found`, in order; SchemaError when the database is newer than we know."""
    if found > SCHEMA_VERSION:
        check_version(found, where=where)
    versions = [migration.version for migration in migrations]
    if versions != list(range(1, SCHEMA_VERSION + 1)):
        raise AssertionError(f"migrations must be numbered 1..{SCHEMA_VERSION}, got {versions}")
    return [migration for migration in migrations if migration.version > found]
