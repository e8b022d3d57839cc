"""The public API is what scraper.__all__ lists: sorted, importable, and nothing private."""

from __future__ import annotations

import scraper


def test_all_is_sorted_and_unique() -> None:
    assert list(scraper.__all__) == sorted(set(scraper.__all__))


def test_every_public_name_exists_and_is_not_private() -> None:
    for name in scraper.__all__:
        assert not name.startswith("_") or name == "__version__", name
        assert getattr(scraper, name) is not None, name


def test_exception_tree_has_one_root() -> None:
    for name in scraper.__all__:
        obj = getattr(scraper, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, scraper.ScraperError), name
