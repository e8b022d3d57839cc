"""Log records while `scraper run` draws its progress bar on a terminal (_progress.py, _logging.py)."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest

from scraper import _logging
from scraper._progress import ProgressBar

_ESCAPE = re.compile(r"(\r|\x1b\[2K|\x1b\[[0-9;?]*[A-Za-z])")


class Terminal(io.StringIO):
    """What is written to stderr, on a terminal."""

    def isatty(self) -> bool:
        return True


def screen(raw: str) -> list[str]:
    """The lines a terminal shows for `raw`: a carriage return moves to the line's start, where the text
    after it overwrites what was there, and ESC [2K clears the line; other escapes draw nothing."""
    lines = []
    for physical in raw.split("\n"):
        shown: list[str] = []
        column = 0
        for token in _ESCAPE.split(physical):
            if token == "\r":
                column = 0
            elif token == "\x1b[2K":
                shown = []
            elif token and not _ESCAPE.fullmatch(token):
                shown[column : column + len(token)] = token
                column += len(token)
        lines.append("".join(shown))
    return lines


@pytest.fixture
def package_logger() -> Iterator[logging.Logger]:
    """The package's logger, as it was before the test configured it."""
    logger = logging.getLogger("scraper")
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate


def test_a_log_record_during_the_progress_bar_is_a_line_of_its_own(
    monkeypatch: pytest.MonkeyPatch, package_logger: logging.Logger
) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    _logging.configure("text", "info")
    with ProgressBar(lambda: 10) as bar:
        bar.discovered(10)
        package_logger.getChild("fetch").warning("a.test refused the connection")
        bar.discovered(10)

    [line] = [line for line in screen(terminal.getvalue()) if "refused the connection" in line]
    # Before, the record was written to the stream under rich's proxy, glued to the bar's line.
    record = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING scraper\.fetch: a\.test refused"
    assert re.match(record, line), line
