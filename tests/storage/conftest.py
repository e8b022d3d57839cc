"""Fixtures of the storage contract suite: every test runs on a fresh SQLite file and a fresh PostgreSQL
schema.

PostgreSQL comes from SCRAPER_TEST_POSTGRES (default: the local trust-auth server, database `test`). Each
test gets its own schema, reached through `search_path` in the DSN, and drops it afterwards. With no server
reachable the PostgreSQL cases skip, except under CI=true, where they fail: CI must never pass a storage
suite that did not run.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from scraper.storage import Store, open_store

POSTGRES_DSN = os.environ.get("SCRAPER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
CONNECT_TIMEOUT = 5  # seconds: a local server answers at once; a missing one should not stall the suite


@dataclass(frozen=True, slots=True)
class Backend:
    """One database for one test: open as many stores on it as the test needs."""

    name: str
    dsn: str

    def open(self) -> Store:
        return open_store(self.dsn)

    def execute(self, statement: str) -> None:
        """Run raw SQL on the database, beside the store (to set up states the API cannot reach)."""
        if self.name == "sqlite":
            with sqlite3.connect(self.dsn) as db:
                db.execute(statement)
            return
        with psycopg.connect(self.dsn, autocommit=True) as db:
            db.execute(statement.encode())

    def query(self, statement: str) -> list[tuple[object, ...]]:
        """The rows of a raw SQL query on the database, beside the store (to see what it stored)."""
        if self.name == "sqlite":
            with closing(sqlite3.connect(self.dsn)) as db:
                return list(db.execute(statement).fetchall())
        with psycopg.connect(self.dsn, autocommit=True) as db:
            return list(db.execute(statement.encode()).fetchall())


def postgres_admin() -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the test server, or skip (fail under CI) when there is none."""
    try:
        return psycopg.connect(POSTGRES_DSN, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL not reachable at {POSTGRES_DSN}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def with_search_path(dsn: str, schema: str) -> str:
    """`dsn` (URL form) with the session's search_path set to `schema`."""
    parts = urlsplit(dsn)
    option = "options=" + quote(f"-csearch_path={schema}")
    query = f"{parts.query}&{option}" if parts.query else option
    return urlunsplit(parts._replace(query=query))


@pytest.fixture
def postgres_backend() -> Iterator[Backend]:
    admin = postgres_admin()
    schema = f"scraper_test_{uuid.uuid4().hex[:12]}"
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield Backend("postgres", with_search_path(POSTGRES_DSN, schema))
    finally:
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        admin.close()


@pytest.fixture
def sqlite_backend(tmp_path: Path) -> Backend:
    return Backend("sqlite", str(tmp_path / "store.db"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Backend:
    name: str = request.param
    fixture: Backend = request.getfixturevalue(f"{name}_backend")
    return fixture


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    opened = backend.open()
    try:
        yield opened
    finally:
        opened.close()
