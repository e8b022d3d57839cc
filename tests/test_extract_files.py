"""`scraper extract` over many files: every core, output in the order given, one file's failure alone."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scraper import pipeline
from scraper.cli import EXIT_FAILED, main

PARAGRAPH = (
    "The harbour authority confirmed on {day} that the old lighthouse will be restored over the coming two "
    "years, after a survey found the tower sound but its lantern room badly corroded by salt."
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def _page(day: str) -> str:
    paragraph = PARAGRAPH.format(day=day)
    return f"<html><body><article><h1>News of {day}</h1><p>{paragraph}</p></article></body></html>"


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The worker count of each ExtractionPool the command opens (the real pool still runs)."""
    sizes: list[int] = []
    real = pipeline.ExtractionPool

    def spy(*args: Any, **kwargs: Any) -> Any:
        sizes.append(kwargs.get("workers", 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "ExtractionPool", spy)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    yield sizes


def test_many_files_are_extracted_on_every_core_and_printed_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pools: list[int]
) -> None:
    names = []
    for index, day in enumerate(DAYS):
        path = tmp_path / f"{index}-{day}.html"
        path.write_text(_page(day), encoding="utf-8")
        names.append(str(path))

    status = main(["extract", *names])
    out = capsys.readouterr().out

    assert status == 0
    assert pools == [3]  # as many workers as cores (3 here), for more files than cores
    positions = [out.index(PARAGRAPH.format(day=day)) for day in DAYS]
    assert positions == sorted(positions)


def test_one_file_alone_gets_one_worker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pools: list[int]
) -> None:
    path = tmp_path / "one.html"
    path.write_text(_page("Monday"), encoding="utf-8")
    assert main(["extract", str(path)]) == 0
    assert pools == [1]
    assert PARAGRAPH.format(day="Monday") in capsys.readouterr().out


def test_a_folder_without_saved_pages_is_named_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pools: list[int]
) -> None:
    # A folder given by mistake (the wrong one, or pages saved as .txt) was passed over in silence,
    # exit status 0: nothing said that nothing was read.
    page = tmp_path / "Monday.html"
    page.write_text(_page("Monday"), encoding="utf-8")
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a page", encoding="utf-8")

    status = main(["extract", str(folder), str(page)])
    captured = capsys.readouterr()

    assert status == EXIT_FAILED
    assert PARAGRAPH.format(day="Monday") in captured.out
    assert captured.err.splitlines() == [
        f"scraper: {folder}: a folder without saved pages (*.html, *.htm, *.html.gz)"
    ]


def test_failing_files_are_named_in_their_turn_and_the_others_go_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pools: list[int]
) -> None:
    good = []
    for day in ("Monday", "Tuesday", "Wednesday"):
        path = tmp_path / f"{day}.html"
        path.write_text(_page(day), encoding="utf-8")
        good.append(str(path))
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(gzip.compress(_page("Friday").encode())[:30])  # gzip cut short
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body></body></html>", encoding="utf-8")
    missing = tmp_path / "missing.html"

    status = main(["extract", good[0], str(broken), good[1], str(missing), str(empty), good[2]])
    captured = capsys.readouterr()

    assert status == EXIT_FAILED
    positions = [captured.out.index(PARAGRAPH.format(day=day)) for day in ("Monday", "Tuesday", "Wednesday")]
    assert positions == sorted(positions)
    errors = captured.err.splitlines()
    assert len(errors) == 3
    assert str(broken) in errors[0] and "gzip" in errors[0]
    assert str(missing) in errors[1]
    assert str(empty) in errors[2] and "no text" in errors[2]
