"""Storage: `open_store(dsn)` picks the backend; the `Store` protocol is all callers see.

A brand-new database (no scraper schema at all) gets the current schema when it is opened, so
`scraper run` on a fresh machine needs no set-up step. An existing database is never changed behind the
operator's back: one at an older or unknown version is refused with a `SchemaError` naming the fix,
`scraper db migrate` (`migrate_database` here), which the operator runs once, when no older worker is
still using the database.
"""

from __future__ import annotations

from typing import Protocol

from ..errors import ConfigError, SchemaError
from ._minhash import Fingerprint
from ._rules import document_fingerprint
from ._schema import SchemaMigration
from .base import SCHEMA_VERSION, Store
from .sqlite import SQLiteStore

__all__ = [
    "SCHEMA_VERSION",
    "Fingerprint",
    "SchemaMigration",
    "Store",
    "document_fingerprint",
    "migrate_database",
    "open_store",
]

_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")
POSTGRES_INSTALL_HINT = "pip install 'scraper[postgres]'"
MIGRATE = "scraper db migrate"


def open_store(dsn: str, *, create: bool = True) -> Store:
    """The store `dsn` names, ready to use: a SQLite path (or `sqlite:///path`), or a
    `postgresql://` / `postgres://` DSN.

    Creates the schema in an empty database, unless `create` is False (the commands that only read):
    then a missing SQLite file is a ConfigError naming it and a database without scraper's schema a
    SchemaError, and nothing is created. A SQLite file holding other tables is refused unchanged either
    way. Raises SchemaError for a database at another version, ConfigError for a DSN no backend takes,
    StorageError when the database cannot be opened.
    """
    store = _connect(dsn, create=create)
    try:
        if store.schema_version() == 0:
            if not create:
                raise SchemaError(f"db: {dsn} has no scraper schema: run `scraper run` or `{MIGRATE}` first")
            store.migrate()
        store.check_schema()
    except BaseException:
        store.close()
        raise
    return store


def migrate_database(dsn: str) -> SchemaMigration:
    """`scraper db migrate`: create or upgrade the schema of the database `dsn` names."""
    store = _connect(dsn)
    try:
        before = store.schema_version()
        after = store.migrate()
    finally:
        store.close()
    return SchemaMigration(before=before, after=after)


class _Backend(Store, Protocol):
    """What both backends offer beyond the protocol, for `open_store` and `migrate_database`."""

    def schema_version(self) -> int: ...


def _connect(dsn: str, *, create: bool = True) -> _Backend:
    """The backend for `dsn`, opened, its schema not yet checked."""
    dsn = dsn.strip()
    if not dsn:
        raise ConfigError("db: empty database path or DSN")
    if dsn.startswith(_POSTGRES_PREFIXES):
        return _connect_postgres(dsn)
    if "://" in dsn and not dsn.startswith(_SQLITE_PREFIX):
        scheme = dsn.split("://", 1)[0]
        raise ConfigError(
            f"db: unknown database scheme {scheme!r}; use a SQLite path, sqlite:///PATH or postgresql://..."
        )
    path = dsn.removeprefix(_SQLITE_PREFIX)
    if not path:
        raise ConfigError(f"db: {dsn!r} names no SQLite file")
    return SQLiteStore(path, create=create)


def _connect_postgres(dsn: str) -> _Backend:
    try:
        from .postgres import PostgresStore
    except ImportError as exc:
        raise ConfigError(
            f"db: a PostgreSQL DSN needs psycopg 3, which is not installed: {POSTGRES_INSTALL_HINT}"
        ) from exc
    return PostgresStore(dsn)
