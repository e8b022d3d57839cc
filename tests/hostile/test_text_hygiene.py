"""Issue 10, text hygiene: what a page says never drives the terminal or the spreadsheet it is shown in.

Extracted text and metadata lose every C0 and C1 control character but newline and tab (terminal escapes
such as OSC 52, which writes the clipboard, came through as raw characters and as character references),
text and Markdown output is cleaned again for documents stored by older versions, and a CSV cell that a
spreadsheet would run as a formula starts with a quote.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.cli import main
from scraper.extract import extract
from scraper.models import Document, StoredDocument
from scraper.render import document_to_markdown, export
from tests.hostile.pages import FORMULA_TITLE, TERMINAL_ESCAPES, normal_article, terminal_escapes_article
from tests.hostile.site import PageSite

# Every C0 and C1 control character, DEL included, but newline and tab.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LOCAL = ["--allow-private", "--delay", "0"]


pytestmark = pytest.mark.usefixtures("no_ambient_config")


def strings_of(value: object) -> Iterator[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)


def assert_clean(text: str) -> None:
    found = CONTROL_RE.findall(text)
    assert not found, f"control characters in output: {sorted(set(found))!r}"


def test_the_hostile_page_does_carry_control_characters_before_extraction() -> None:
    # So that the tests below prove something: the raw page is full of them.
    assert CONTROL_RE.search(terminal_escapes_article())
    assert any("&#" in escape for escape in TERMINAL_ESCAPES)


def test_extracted_text_and_metadata_hold_no_control_characters() -> None:
    document = extract(terminal_escapes_article(), "http://hostile.example/escapes")
    fields = document.to_dict()
    for name in ("title", "author", "description", "sitename", "text"):
        assert fields[name], f"{name} was not extracted at all"
    for value in strings_of(fields):
        assert_clean(value)
    assert "Paragraph 1" in document.text and "\n" in document.text  # the layout is kept
    assert "pwned title" in document.title  # the printable rest is kept


def test_numeric_references_to_control_characters_are_removed_after_decoding() -> None:
    page = normal_article("A &#27;]0;x&#7; title", "Text &#x1b;[2J with &#x9d;0;t&#7; references. " * 20)
    document = extract(page, "http://hostile.example/references")
    assert_clean(document.title or "")
    assert_clean(document.text)
    assert "]0;x" in (document.title or "")


@pytest.mark.parametrize("fmt", ["txt", "markdown", "json"])
def test_scraper_extract_prints_no_control_characters(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "escapes.html"
    page.write_text(terminal_escapes_article(), encoding="utf-8")

    status = main(["extract", str(page), "--format", fmt])

    out = capsys.readouterr().out
    assert status == 0
    assert "Paragraph 1" in out
    assert_clean(out)
    if fmt == "json":
        for value in strings_of(json.loads(out)):
            assert_clean(value)


@pytest.mark.parametrize("fmt", ["txt", "json"])
def test_scraper_get_prints_no_control_characters(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    with PageSite({"/escapes": terminal_escapes_article()}) as site:
        status = main(["get", site.url("/escapes"), *LOCAL, "--format", fmt])
    out = capsys.readouterr().out
    assert status == 0
    assert "Paragraph 1" in out
    assert_clean(out)
    if fmt == "json":
        for value in strings_of(json.loads(out)):
            assert_clean(value)


def test_run_then_export_csv_and_jsonl_hold_no_control_characters_and_no_formula(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    told = "A story told at some length, with enough words to be taken for an article. " * 5
    pages = {"/escapes": terminal_escapes_article(), "/formula": normal_article(FORMULA_TITLE, told, told)}
    db = str(tmp_path / "news.db")
    with PageSite(pages) as site:
        urls = [site.url(path) for path in pages]
        assert main(["run", "--db", db, *LOCAL, *(f"--url={url}" for url in urls)]) == 0
    capsys.readouterr()

    assert main(["export", "--db", db, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2
    for row in rows:
        for cell in row.values():
            assert_clean(cell)
    titles = {row["title"] for row in rows}
    assert "'" + FORMULA_TITLE in titles

    assert main(["export", "--db", db, "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for line in lines:
        for value in strings_of(json.loads(line)):
            assert_clean(value)


class _OldStore:
    """A store holding a document written by a version that did not clean extracted text."""

    def __init__(self, document: Document) -> None:
        fetched = datetime(2024, 1, 1, tzinfo=UTC)
        self._stored = StoredDocument(1, "http://old.example/a", 1, fetched, document)

    def documents(
        self, since: datetime | None = None, *, duplicates: bool = False, non_articles: bool = False
    ) -> Iterator[StoredDocument]:
        yield self._stored


DIRTY = Document(
    url="http://old.example/a",
    title="Old \x1b]0;title\x07 story",
    author="-Ann \x9b2J",
    date="2024-01-01",
    text="First \x1b]52;c;ZWNobw==\x07 paragraph.\n\nSecond\tparagraph \x1b[2J.",
)


def test_markdown_of_a_document_stored_unclean_is_clean() -> None:
    markdown = document_to_markdown(DIRTY)
    assert_clean(markdown)
    assert "Second\tparagraph" in markdown and "First" in markdown


@pytest.mark.parametrize("fmt", ["txt", "markdown"])
def test_export_files_of_a_document_stored_unclean_are_clean(fmt: str, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()  # an existing folder: one file per document
    assert export(_OldStore(DIRTY), fmt, None, folder) == 1  # type: ignore[arg-type]
    (written,) = folder.iterdir()
    body = written.read_text(encoding="utf-8")
    assert "paragraph" in body
    assert_clean(body)


def test_export_csv_of_a_document_stored_unclean_is_clean_and_formulas_are_quoted() -> None:
    formulas = Document(
        url="http://old.example/a",
        title="=1+1",
        author="@SUM(A1)",
        sitename="+cmd",
        description="\tx",
        language="\rx",
        text="-2+3\nand more",
        date="2024-01-01",
    )
    for document, check in ((DIRTY, "clean"), (formulas, "quoted")):
        out = io.StringIO()
        assert export(_OldStore(document), "csv", None, out) == 1  # type: ignore[arg-type]
        (row,) = csv.DictReader(io.StringIO(out.getvalue()))
        for cell in row.values():
            assert_clean(cell)
        if check == "quoted":
            for field in ("title", "author", "sitename", "text"):
                assert row[field].startswith("'"), field
            assert row["title"] == "'=1+1"
            assert row["date"] == "2024-01-01" and row["url"] == "http://old.example/a"
