"""Schema versions, shared by both backends: which migrations to run, and what to say when refusing.

Each backend keeps its own DDL (the dialects differ) as a tuple of `Migration`s, numbered from 1. The
`schema_version` table holds one row per applied version; the highest is the database's version, 0 when
the table does not exist (a database scraper never touched).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import SchemaError
from .base import SCHEMA_VERSION

__all__ = ["Migration", "SchemaMigration", "check_version", "migrations_to_apply"]

MIGRATE_COMMAND = "scraper db migrate"


@dataclass(frozen=True, slots=True)
class Migration:
    """The statements that bring a database from `version - 1` to `version`."""

    version: int
    statements: tuple[str, ...]


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
