"""Fixtures shared by the pipeline tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.storage.sqlite import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """A fresh SQLite store with its schema, closed after the test."""
    db = SQLiteStore(str(tmp_path / "pipeline.db"))
    db.migrate()
    yield db
    db.close()
