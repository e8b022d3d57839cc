"""Issue 13, item 4: `export` leaves copies and non-articles out by default, `--with-duplicates` lists the
copies with `duplicate_of` and `--with-non-articles` the other page types; `status` counts both."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.cli import EXIT_OK
from scraper.config import RunSettings
from scraper.models import Document, FetchResult, FetchStatus
from scraper.storage import open_store
from tests.test_cli import run

pytestmark = pytest.mark.usefixtures("no_ambient_config")

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STORY = " ".join(f"Line {n} of the story tells how boat {n} reached port {n * 3} at dawn." for n in range(20))
OTHER = " ".join(
    f"Item {n} of the shop lists lamp {n} at price {n * 9} with free delivery." for n in range(20)
)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store with a story, its copy on another site and a listing page."""
    path = str(tmp_path / "news.db")
    store = open_store(path)
    pages = {
        "http://a.test/story": Document(title="Boats", text=STORY, page_type="article"),
        "http://b.test/copy": Document(title="Boats (wire)", text=STORY, page_type="article"),
        "http://a.test/shop": Document(title="Shop", text=OTHER, page_type="product"),
    }
    try:
        for url, document in pages.items():
            store.enqueue([url], source="test", now=T0)
            [claim] = store.claim(worker="t", limit=1, now=T0, lease=60.0, host_delay=0.0)
            fetched = FetchResult(url=url, status=FetchStatus.OK, http_status=200, content=b"<p>x</p>")
            store.save(claim, fetched, document, now=T0, policy=RunSettings())
    finally:
        store.close()
    return path


def test_export_leaves_copies_and_non_articles_out_by_default(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(["export", "--db", db, "--format", "jsonl"], capsys)
    assert status == EXIT_OK
    assert [json.loads(line)["url"] for line in out.splitlines()] == ["http://a.test/story"]


def test_with_duplicates_lists_the_copies_with_what_they_copy(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(["export", "--db", db, "--format", "jsonl", "--with-duplicates"], capsys)
    assert status == EXIT_OK
    rows = {row["url"]: row["duplicate_of"] for row in map(json.loads, out.splitlines())}
    assert rows == {"http://a.test/story": None, "http://b.test/copy": "http://a.test/story"}
    _, out, _ = run(["export", "--db", db, "--format", "csv", "--with-duplicates"], capsys)
    assert {row["url"]: row["duplicate_of"] for row in csv.DictReader(io.StringIO(out))}[
        "http://b.test/copy"
    ] == "http://a.test/story"
    _, out, _ = run(["export", "--db", db, "--format", "markdown", "--with-duplicates"], capsys)
    assert "Duplicate of: http://a.test/story" in out


def test_with_non_articles_lists_the_other_page_types(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["export", "--db", db, "--format", "jsonl", "--with-non-articles"], capsys)
    assert {row["url"]: row["page_type"] for row in map(json.loads, out.splitlines())} == {
        "http://a.test/story": "article",
        "http://a.test/shop": "product",
    }


def test_status_counts_duplicates_and_non_articles(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["status", "--db", db, "--format", "json"], capsys)
    counts = json.loads(out)
    assert (counts["documents"], counts["duplicates"], counts["non_articles"]) == (3, 1, 1)
    _, out, _ = run(["status", "--db", db], capsys)
    assert "Documents: 3 (3 versions), 1 duplicate, 1 not an article" in out
