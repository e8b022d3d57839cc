"""`scraper run` and page types: a page that is not an article is skipped as not_article (unless
`run.keep_all_pages`), and a section page given as a source still has its links followed. The site is
served on 127.0.0.1; the real fetcher, extractor and SQLite store."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper import pipeline
from scraper.config import FetchSettings, RunSettings, Settings, Sources
from scraper.models import RunReport, SkipReason
from scraper.storage.sqlite import SQLiteStore
from tests.extract.prose import COUNCIL_STORY
from tests.hostile.site import PageSite

SENTENCES = COUNCIL_STORY[:4]


def story_path(number: int) -> str:
    return f"/news/council-backs-bike-lanes-part-{number}"  # a slug: the section page's links qualify


def story_sentences(number: int) -> list[str]:
    """The sentences above with their words in an order of this story's own: each story is distinct
    text (the same text under another URL would be a duplicate, skipped as such), still running prose."""
    rng = random.Random(number)
    shuffled = []
    for sentence in SENTENCES:
        words = sentence.rstrip(".").lower().split()
        rng.shuffle(words)
        shuffled.append(" ".join(words).capitalize() + ".")
    return shuffled


def article(number: int) -> str:
    paragraphs = "".join(f"<p>Story {number}: {sentence}</p>" for sentence in story_sentences(number))
    return f"""<!doctype html><html><head><title>Story {number}</title>
<meta property="article:published_time" content="2026-03-0{number + 1}T08:00:00Z"></head><body>
<article><h1>Story {number}</h1><p class="byline">By Jane Smith</p>{paragraphs}</article></body></html>"""


def listing(count: int) -> str:
    cards = "".join(
        f'<div class="card"><h3><a href="{story_path(n)}">Story {n} about the council and its plans for '
        f"the city</a></h3><p>A short summary of the story, cut off here…</p><span>March {n + 1}</span></div>"
        for n in range(count)
    )
    return f"""<!doctype html><html><head><title>News</title></head><body>
<main><h1>News</h1><div class="grid">{cards}</div></main></body></html>"""


STORIES = 12


@pytest.fixture(scope="module")
def site() -> Iterator[PageSite]:
    pages = {story_path(n): article(n) for n in range(STORIES)}
    pages["/news/"] = listing(STORIES)
    with PageSite(pages) as served:
        yield served


def run_over(site: PageSite, tmp_path: Path, **run: object) -> tuple[RunReport, SQLiteStore]:
    section = site.url("/news/")
    settings = Settings(
        db=str(tmp_path / "news.db"),
        fetch=FetchSettings(delay=0.0, allow_private=True, respect_robots=False),
        # The section page is a source (its links are discovered) and a URL of its own (it is fetched).
        sources=Sources(urls=(section,), pages=(section,)),
        run=RunSettings(workers=1, **run),  # type: ignore[arg-type]
    )
    store = SQLiteStore(settings.db)
    store.migrate()
    return asyncio.run(pipeline.run(settings, store)), store


@pytest.mark.slow
def test_a_listing_is_skipped_as_not_article_and_its_links_are_followed(
    site: PageSite, tmp_path: Path
) -> None:
    report, store = run_over(site, tmp_path)
    try:
        stored = {document.url for document in store.documents()}
        assert stored == {site.url(story_path(n)) for n in range(STORIES)}
        assert report.skipped == {SkipReason.NOT_ARTICLE: 1}
    finally:
        store.close()


@pytest.mark.slow
def test_keep_all_pages_stores_the_listing_too(site: PageSite, tmp_path: Path) -> None:
    report, store = run_over(site, tmp_path, keep_all_pages=True)
    try:
        stored = {document.url for document in store.documents(None, non_articles=True)}
        assert site.url("/news/") in stored and len(stored) == STORIES + 1
        assert not report.skipped
        # Stored, yet left out of what export lists by default: it is not an article.
        assert site.url("/news/") not in {document.url for document in store.documents(None)}
    finally:
        store.close()
