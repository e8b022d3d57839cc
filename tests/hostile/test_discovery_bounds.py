"""Discovery is bounded per source: a broken sitemap parses in linear time, sitemap indexes cannot
multiply work or memory, and no source enqueues more than its cap; a cap reached is named in the report."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scraper import discover, pipeline
from scraper.config import FetchSettings, RunSettings, Settings, Sources
from scraper.storage.sqlite import SQLiteStore
from tests.hostile.pages import broken_sitemap, sitemap_index, urlset
from tests.pipeline.pipeline_fakes import FakeFetcher, article_html, ok, simple_extract, xml

SITE = "https://news.example"
# "No stall" is measured against a peer timed in the same test: the same call on an ordinary input of
# the same size, so a loaded machine slows both (a bound in seconds failed on a busy machine: 9.4 s
# against 5). Linear parsing keeps a hostile input within a few times its peer (a deep section page
# about 3.3 times its flat twin, a broken sitemap under a plain one); the quadratic walks these tests
# were written against took tens to thousands of times as long (195 KiB of unclosed <loc> 50 s).
STALL_RATIO = 10.0


def times_as_long(hostile: Callable[[], object], peer: Callable[[], object]) -> float:
    """How many times as long `hostile` takes as `peer`, the best of two runs of each, alternated."""
    best = [float("inf"), float("inf")]
    for _ in range(2):
        for index, call in enumerate((hostile, peer)):
            started = time.perf_counter()
            # A refusal is an outcome like any other: its time is what is compared.
            with contextlib.suppress(discover.DiscoveryError):
                call()
            best[index] = min(best[index], time.perf_counter() - started)
    return best[0] / best[1]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    db = SQLiteStore(str(tmp_path / "scraper.db"))
    db.migrate()
    yield db
    db.close()


def settings_for(sources: Sources) -> Settings:
    return Settings(
        db=":memory:",
        fetch=FetchSettings(delay=0.0, concurrency=4),
        sources=sources,
        run=RunSettings(workers=1),
    )


def crawl(settings: Settings, store: SQLiteStore, fetcher: FakeFetcher) -> Any:
    return asyncio.run(
        pipeline.run(settings, store, fetcher_factory=fetcher.factory, extractor=simple_extract)
    )


def test_a_sitemap_of_unclosed_loc_tags_parses_in_linear_time() -> None:
    body = broken_sitemap(30_000).encode()  # about 1 MB
    plain = urlset([f"{SITE}/story-{n}" for n in range(30_000)]).encode()  # the same URLs, closed

    def parse(sitemap: bytes) -> Callable[[], object]:
        return lambda: discover.parse_sitemap(sitemap, f"{SITE}/sitemap.xml")

    assert times_as_long(parse(body), parse(plain)) < STALL_RATIO
    assert discover.parse_sitemap(body, f"{SITE}/sitemap.xml").urls == ()  # no <loc> closed: no URL


def test_the_fallback_still_reads_closed_loc_tags_of_a_malformed_sitemap() -> None:
    body = (
        b"<urlset><url><loc> https://news.example/a-story </loc></url><url><loc>https://news.example/b</loc>"
    )
    assert discover.parse_sitemap(body, f"{SITE}/sitemap.xml").urls == (
        "https://news.example/a-story",
        "https://news.example/b",
    )


def test_children_listed_by_many_indexes_are_fetched_once(store: SQLiteStore) -> None:
    children = [f"{SITE}/sitemap-{n}.xml" for n in range(5)]
    indexes = [f"{SITE}/index-{n}.xml" for n in range(5)]
    root = f"{SITE}/sitemap.xml"
    pages = {root: xml(root, sitemap_index(indexes))}
    pages |= {url: xml(url, sitemap_index([*children, *indexes])) for url in indexes}
    pages |= {
        url: xml(url, urlset([f"{SITE}/2026/01/0{n}/story-number-{n}"])) for n, url in enumerate(children)
    }

    fetcher = FakeFetcher(pages)
    crawl(settings_for(Sources(sitemaps=(root,))), store, fetcher)

    fetched = [call[0] for call in fetcher.calls if call[1] == "xml"]
    assert sorted(fetched) == sorted([root, *indexes, *children])


def test_sitemaps_fetched_per_source_are_capped_and_the_cap_is_reported(store: SQLiteStore) -> None:
    root = f"{SITE}/sitemap.xml"
    chain = [f"{SITE}/index-{n}.xml" for n in range(50)]
    pages = {url: xml(url, sitemap_index([nxt])) for url, nxt in zip([root, *chain], chain, strict=False)}
    fetcher = FakeFetcher(pages)
    settings = settings_for(Sources(sitemaps=(root,), max_sitemaps=10))

    report = crawl(settings, store, fetcher)

    assert len([call for call in fetcher.calls if call[1] == "xml"]) == 10
    assert report.limits_reached == {"sources.max_sitemaps": 1}
    assert "sources.max_sitemaps" in report.summary_line()


def test_urls_taken_per_source_are_capped_and_the_cap_is_reported(store: SQLiteStore) -> None:
    root = f"{SITE}/sitemap.xml"
    children = [f"{SITE}/sitemap-{n}.xml" for n in range(3)]
    pages = {root: xml(root, sitemap_index(children))}
    for n, url in enumerate(children):
        stories = [f"{SITE}/2026/01/01/story-{n}-{k}" for k in range(40)]
        pages[url] = xml(url, urlset(stories))
        pages |= {story: ok(story, article_html("S", "Text.")) for story in stories}
    fetcher = FakeFetcher(pages)

    report = crawl(settings_for(Sources(sitemaps=(root,), max_urls=100)), store, fetcher)

    assert report.discovered == 100
    assert report.limits_reached == {"sources.max_urls": 1}
    assert report.to_dict()["limits_reached"] == {"sources.max_urls": 1}


def test_a_run_within_its_caps_reports_no_limit(store: SQLiteStore) -> None:
    root = f"{SITE}/sitemap.xml"
    story = f"{SITE}/2026/01/01/a-story-of-its-own"
    fetcher = FakeFetcher({root: xml(root, urlset([story])), story: ok(story, article_html("S", "Text."))})
    report = crawl(settings_for(Sources(sitemaps=(root,))), store, fetcher)
    assert report.limits_reached == {}
    assert "limit" not in report.summary_line()


def test_an_index_normalises_no_more_children_than_the_source_may_fetch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 20 indexes of 50,000 children each cost a whole run 20 million-URL normalisations when the
    # source may fetch 1,000 sitemaps: the parse stops at the cap, whatever the file lists.
    calls = 0
    real = discover.normalise_url

    def counting(url: str) -> str | None:
        nonlocal calls
        calls += 1
        return real(url)

    monkeypatch.setattr(discover, "normalise_url", counting)
    index = sitemap_index([f"{SITE}/child-{n}.xml" for n in range(5_000)]).encode()

    result = discover.parse_sitemap(index, f"{SITE}/index.xml", max_sitemaps=10)

    assert result.sitemaps == tuple(f"{SITE}/child-{n}.xml" for n in range(10))
    assert result.more_sitemaps
    assert calls <= 11  # the ten kept and the one that shows there are more


def test_an_index_within_the_cap_is_whole_and_says_so() -> None:
    children = [f"{SITE}/child-{n}.xml" for n in range(5)]
    index = sitemap_index([*children, *children, f"{SITE}/child-0.xml#top"]).encode()

    result = discover.parse_sitemap(index, f"{SITE}/index.xml", max_sitemaps=5)

    assert result.sitemaps == tuple(children)
    assert not result.more_sitemaps  # repeats, even spelled otherwise, are not more children


def test_the_cap_is_reported_when_an_index_lists_more_children_than_the_source_may_fetch(
    store: SQLiteStore,
) -> None:
    root = f"{SITE}/sitemap.xml"
    children = [f"{SITE}/sitemap-{n}.xml" for n in range(30)]
    pages = {root: xml(root, sitemap_index(children))}
    pages |= {url: xml(url, urlset([f"{SITE}/2026/01/01/story-{n}"])) for n, url in enumerate(children)}
    fetcher = FakeFetcher(pages)

    report = crawl(settings_for(Sources(sitemaps=(root,), max_sitemaps=10)), store, fetcher)

    fetched = [call[0] for call in fetcher.calls if call[1] == "xml"]
    assert fetched == [root, *children[:9]]
    assert report.limits_reached == {"sources.max_sitemaps": 1}


def links_of(page: str) -> Callable[[], object]:
    return lambda: discover.links_from_page(page, f"{SITE}/world/")


def test_a_section_page_nested_past_the_guard_is_refused_naming_the_limit() -> None:
    links = "".join(f'<a href="/2026/01/01/story-number-{n}">story {n}</a>' for n in range(20_000))
    page = f"<html><body>{'<div>' * 10_000}{links}</body></html>"
    with pytest.raises(discover.DiscoveryError, match="nesting depth"):
        discover.links_from_page(page, f"{SITE}/world/")
    flat = f"<html><body>{links}</body></html>"
    assert times_as_long(links_of(page), links_of(flat)) < STALL_RATIO


def test_links_of_a_deep_section_page_are_filtered_without_walking_each_links_ancestors() -> None:
    # Just under the guard's depth: 20,000 links under 4,000 levels were 80 million ancestor steps.
    links = "".join(f'<a href="/2026/01/01/story-number-{n}">story {n}</a>' for n in range(20_000))
    nav = '<nav><a href="/2026/01/01/a-story-in-the-menu">menu</a></nav>'
    page = f"<html><body>{nav}{'<div>' * 4_000}{links}</body></html>"
    flat = f"<html><body>{nav}{links}</body></html>"
    assert times_as_long(links_of(page), links_of(flat)) < STALL_RATIO
    urls = discover.links_from_page(page, f"{SITE}/world/")
    assert len(urls) == 20_000
    assert f"{SITE}/2026/01/01/a-story-in-the-menu" not in urls
