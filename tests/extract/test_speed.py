"""What makes extraction fast must leave the process as it found it and the output as it was."""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from scraper import extract
from scraper.errors import ExtractionError

# The package, not the function: `scraper` re-exports `extract`, which shadows the attribute of the same name.
extract_module = importlib.import_module("scraper.extract")

PAGE = "<html><body><article><p>" + "A sentence of the article body. " * 20 + "</p></article></body></html>"


@pytest.fixture
def gc_state() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def _spy_collect_blocks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    seen: list[bool] = []
    original = extract_module.collect_blocks

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(extract_module, "collect_blocks", spy)
    return seen


@pytest.mark.usefixtures("gc_state")
def test_the_cyclic_collector_is_paused_during_a_page_and_resumed_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _spy_collect_blocks(monkeypatch)
    gc.enable()
    document = extract(PAGE, "https://example.com/a")
    assert seen == [False]
    assert gc.isenabled()
    assert "A sentence of the article body." in document.text


@pytest.mark.usefixtures("gc_state")
def test_a_collector_disabled_by_the_caller_stays_disabled() -> None:
    gc.disable()
    extract(PAGE, "https://example.com/a")
    assert not gc.isenabled()


@pytest.mark.usefixtures("gc_state")
def test_the_collector_is_resumed_when_a_page_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ExtractionError("refused")

    monkeypatch.setattr(extract_module, "collect_blocks", refuse)
    gc.enable()
    with pytest.raises(ExtractionError):
        extract(PAGE, "https://example.com/a")
    assert gc.isenabled()
