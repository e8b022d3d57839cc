"""The exception tree is the one `scraper.errors` draws in its docstring, every error in it."""

from __future__ import annotations

import re

import pytest

from scraper import errors

# A line of the drawing: the branch art, then an error's name. Each level of the tree indents it by 4.
DRAWN = re.compile(r"^(?P<art>[ │├└─]*)(?P<name>[A-Z]\w*Error)\b")
INDENT = 4


def drawn_parents() -> dict[str, str | None]:
    """Each error drawn in the docstring, with the error it is drawn under (None for the root)."""
    assert errors.__doc__ is not None
    parents: dict[str, str | None] = {}
    path: list[str] = []
    for line in errors.__doc__.split("::", 1)[1].splitlines():
        drawn = DRAWN.match(line)
        if drawn is None:
            continue
        depth = len(drawn["art"]) // INDENT - 1
        del path[depth:]
        parents[drawn["name"]] = path[-1] if path else None
        path.append(drawn["name"])
    return parents


def test_the_drawing_names_every_public_error_once() -> None:
    public = {name for name in errors.__all__ if issubclass(getattr(errors, name), Exception)}
    assert set(drawn_parents()) == public


@pytest.mark.parametrize(("name", "parent"), sorted(drawn_parents().items(), key=str))
def test_each_error_derives_from_the_one_it_is_drawn_under(name: str, parent: str | None) -> None:
    expected = Exception if parent is None else getattr(errors, parent)
    assert getattr(errors, name).__bases__ == (expected,)


def test_the_run_lock_is_no_storage_error() -> None:
    # A caller that handles a failing database must not mistake a second run for one.
    assert not issubclass(errors.LockedError, errors.StorageError)
    assert issubclass(errors.LockedError, errors.ScraperError)
