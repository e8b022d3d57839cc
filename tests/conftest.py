"""Options shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="rewrite snapshots/*/expected.txt from the extractor's current output (read the diff!)",
    )


@pytest.fixture
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No scraper.toml of the working folder and no SCRAPER_* variable of the machine leaks into a test
    that runs the command line: it runs in its own empty folder. (Modules that run commands use it for
    every test: `pytestmark = pytest.mark.usefixtures("no_ambient_config")`.)"""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SCRAPER_"):
            monkeypatch.delenv(name)
