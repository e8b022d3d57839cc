"""The byline's names (bylines.author_names), computed once for a page's three readers of them."""

from __future__ import annotations

from scraper.extract import extract
from scraper.extract.bylines import author_names

PROSE = "The council voted on Tuesday to expand the protected bicycle lanes downtown, after a long debate. "


def test_the_names_are_the_same_as_computed_afresh() -> None:
    for author in ("Jane Doe and John Roe", "Staff", "", None, "Ana María López; Ben Ng", "Jane Doe"):
        assert author_names(author) == author_names.__wrapped__(author)


def test_a_page_s_author_is_read_into_names_once() -> None:
    author_names("someone else entirely")
    before = author_names.cache_info()
    html = (
        '<html><head><meta name="author" content="Jane Doe"><title>Lanes</title></head><body><article>'
        f"<h1>Lanes</h1><p>By Jane Doe</p><p>{PROSE * 3}</p><p>{PROSE * 2}</p><p>Jane Doe writes about"
        " cities.</p></article></body></html>"
    )
    assert extract(html).author == "Jane Doe"
    after = author_names.cache_info()
    assert after.misses - before.misses == 1 and after.hits - before.hits >= 1
