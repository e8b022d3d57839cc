"""`scraper extract --explain`: each block of a page, its container path and the stage that kept or
dropped it, as plain text off a terminal, a rich table on one, JSON with --format json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scraper._explain_view as view
from scraper.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from tests.extract.test_explain import NEWSLETTER, PAGE, PARAGRAPHS, RELATED, SIDEBAR
from tests.test_cli import run


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "rivers.html"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_plain_text_names_each_block_its_fate_and_its_path(
    page: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["extract", "--explain", str(page)], capsys)

    assert (status, err) == (EXIT_OK, "")
    assert out.startswith(f"{page}\nbody: body > div#main > article.story.lead (score ")
    entries = [entry for entry in out.split("\n\n")[1:] if entry]
    fates = {_text_of(entry): entry.splitlines()[0] for entry in entries}
    assert fates[_preview(PARAGRAPHS[0])] == "kept  serialise: kept"
    assert fates[_preview(NEWSLETTER)].startswith(
        "dropped  collect_blocks: clutter: skipped (class 'newsletter-box'"
    )
    assert fates[_preview(RELATED[0])].startswith(
        "dropped  clean_body: link-dense list or rail (div.more: 100% links"
    )
    assert fates[_preview(SIDEBAR)].startswith("dropped  find_body: outside the body")
    kept_entry = next(entry for entry in entries if _text_of(entry) == _preview(PARAGRAPHS[0]))
    assert "path: body > div#main > article.story.lead > p" in kept_entry
    assert "links 0%" in kept_entry


def test_a_long_paragraph_is_shown_cut_with_an_ellipsis(
    page: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(["extract", "--explain", str(page)], capsys)

    assert PARAGRAPHS[0] not in out
    assert f"text: {PARAGRAPHS[0][: view.PREVIEW_CHARS - 1]}…" in out


def test_json_gives_one_object_per_file_with_every_block_in_full(
    page: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(["extract", "--explain", "--format", "json", str(page), str(page)], capsys)

    rows = [json.loads(line) for line in out.splitlines()]
    assert status == EXIT_OK and len(rows) == 2
    assert rows[0]["file"] == str(page) and rows[0]["body"] == "body > div#main > article.story.lead"
    kept = [block["text"] for block in rows[0]["blocks"] if block["kept"]]
    assert kept == PARAGRAPHS


def test_a_terminal_gets_a_table(
    page: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(view, "on_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")

    status, out, _ = run(["extract", "--explain", str(page)], capsys)

    assert status == EXIT_OK
    assert "┃ fate" in out and "clean_body" in out and "link-dense list or rail" in out
    assert "div.newsletter-box" in out


def test_explain_with_markdown_is_a_usage_error(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["extract", "--explain", "--format", "markdown", str(page)], capsys)

    assert status == EXIT_USAGE and "--explain" in err


def test_a_page_without_text_is_explained_and_a_missing_file_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    menu = tmp_path / "menu.html"
    labels = "".join(f"<div>Label number {i}</div>" for i in range(6))
    menu.write_text(f'<html><body><nav><a href="/">Home</a></nav>{labels}</body></html>', encoding="utf-8")

    status, out, err = run(["extract", "--explain", str(menu), str(tmp_path / "gone.html")], capsys)

    assert status == EXIT_FAILED and "gone.html" in err
    assert "body: none" in out and "collect_blocks: clutter: skipped (<nav>)" in out


def test_the_help_of_extract_shows_explain_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["extract", "--help"], capsys)

    assert status == EXIT_OK
    assert "--explain" in out and "scraper extract --explain page.html" in out


def _preview(text: str) -> str:
    return text if len(text) <= view.PREVIEW_CHARS else text[: view.PREVIEW_CHARS - 1] + "…"


def _text_of(entry: str) -> str:
    return next(line for line in entry.splitlines() if line.startswith("    text: ")).removeprefix(
        "    text: "
    )
