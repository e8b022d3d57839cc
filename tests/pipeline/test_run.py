"""`pipeline.run` against a fake fetcher, a toy extractor and a real SQLite store."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pipeline_fakes import CRASH_MARK, EXPLODE_MARK, FakeFetcher, article_html, ok, simple_extract, xml

from scraper import pipeline
from scraper.config import FetchSettings, RunSettings, Settings, Sources
from scraper.errors import StaleClaimError
from scraper.models import Claim, FetchResult, FetchStatus, Outcome, OutcomeKind
from scraper.storage.sqlite import SQLiteStore

SITE = "https://news.example"


def settings_for(sources: Sources, **run: Any) -> Settings:
    return Settings(
        db=":memory:",
        fetch=FetchSettings(delay=0.0, concurrency=4),
        sources=sources,
        run=RunSettings(workers=1, **run),
    )


def crawl(settings: Settings, store: SQLiteStore, fetcher: FakeFetcher, **kwargs: Any) -> Any:
    return asyncio.run(
        pipeline.run(settings, store, fetcher_factory=fetcher.factory, extractor=simple_extract, **kwargs)
    )


def stored_texts(store: SQLiteStore) -> dict[str, str]:
    return {doc.url: doc.document.text for doc in store.documents()}


def test_run_stores_each_page_and_folds_every_outcome(store: SQLiteStore) -> None:
    urls = [f"{SITE}/story-{n}" for n in range(3)]
    pages = {url: ok(url, article_html(f"Story {n}", f"Body of story {n}.")) for n, url in enumerate(urls)}
    broken = f"{SITE}/broken-page"
    pages[broken] = ok(broken, article_html("Broken", "Never seen.", extra=EXPLODE_MARK))
    missing = f"{SITE}/missing-page"
    fetcher = FakeFetcher(pages)

    report = crawl(settings_for(Sources(urls=(*urls, broken, missing))), store, fetcher)

    assert report.stored == 3
    assert report.failed == {"extraction": 1, "http_status": 1}
    assert report.discovered == 5
    assert report.exit_status == 1
    assert stored_texts(store) == {url: f"Body of story {n}." for n, url in enumerate(urls)}
    assert sorted(call[0] for call in fetcher.calls) == sorted([*urls, broken, missing])
    assert store.status().last_runs[0].stored == 3


def test_a_second_run_fetches_nothing_that_is_not_due(store: SQLiteStore) -> None:
    url = f"{SITE}/only-story"
    fetcher = FakeFetcher({url: ok(url, article_html("Only", "Once."))})
    settings = settings_for(Sources(urls=(url,)))
    crawl(settings, store, fetcher)
    fetcher.calls.clear()

    second = crawl(settings, store, fetcher)

    assert (second.stored, second.unchanged, second.discovered, second.failed_total) == (0, 0, 0, 0)
    assert fetcher.calls == []


def test_a_due_page_is_fetched_with_its_validators_and_a_changed_text_is_a_new_version(
    store: SQLiteStore,
) -> None:
    url = f"{SITE}/changing-story"
    fetcher = FakeFetcher({url: ok(url, article_html("Story", "First text."), etag='"v1"')})
    settings = settings_for(Sources(urls=(url,)), recheck_after=3600.0)
    crawl(settings, store, fetcher)
    fetcher.pages = {url: ok(url, article_html("Story", "Second text."), etag='"v2"')}
    fetcher.calls.clear()

    report = crawl(settings, store, fetcher, clock=lambda: datetime.now(UTC) + timedelta(hours=2))

    assert report.stored == 1
    assert fetcher.calls[0][2] is not None and fetcher.calls[0][2].etag == '"v1"'
    [latest] = list(store.documents())
    assert (latest.version, latest.document.text) == (2, "Second text.")


def test_a_dead_extraction_process_fails_its_page_only(store: SQLiteStore) -> None:
    urls = [f"https://calm-{n}.example/calm-story" for n in range(6)]
    pages = {url: ok(url, article_html("Calm", f"Calm {n}.")) for n, url in enumerate(urls)}
    killer = "https://killer.example/killer-page"
    pages[killer] = ok(killer, article_html("Killer", "Dies.", extra=CRASH_MARK))
    settings = replace(settings_for(Sources(urls=(killer, *urls))), run=RunSettings(workers=2))

    report = crawl(settings, store, FakeFetcher(pages))

    assert report.failed == {"extraction": 1}
    assert report.stored == 6  # the pages that shared the dying process's pool were tried again
    assert set(stored_texts(store)) == set(urls)


def test_discovery_reads_feeds_and_filters_their_links(store: SQLiteStore) -> None:
    feed = f"{SITE}/feed.xml"
    items = "".join(
        f"<item><title>{slug}</title><link>{SITE}/{slug}</link></item>"
        for slug in ("news/first-big-story", "news/second-big-story", "video/a-clip-of-news")
    )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    wanted = [f"{SITE}/news/first-big-story", f"{SITE}/news/second-big-story"]
    pages: dict[str, FetchResult] = {url: ok(url, article_html("News", f"Text of {url}.")) for url in wanted}
    pages[feed] = xml(feed, rss)
    fetcher = FakeFetcher(pages)

    report = crawl(settings_for(Sources(feeds=(feed,), exclude=("/video/",))), store, fetcher)

    assert (feed, "xml", None) in fetcher.calls
    assert report.discovered == 2
    assert sorted(stored_texts(store)) == wanted


def test_a_source_that_cannot_be_fetched_fails_but_the_others_go_on(store: SQLiteStore) -> None:
    url = f"{SITE}/plain-story"
    fetcher = FakeFetcher({url: ok(url, article_html("Plain", "Plain text."))})
    sources = Sources(urls=(url,), feeds=(f"{SITE}/gone-feed.xml",), sitemaps=(f"{SITE}/gone-sitemap.xml",))

    report = crawl(settings_for(sources), store, fetcher)

    assert report.failed == {}
    assert [(f.kind, f.source) for f in report.failed_sources] == [
        ("feed", f"{SITE}/gone-feed.xml"),
        ("sitemap", f"{SITE}/gone-sitemap.xml"),
    ]
    assert report.stored == 1
    assert report.exit_status == 1


def test_a_sitemap_index_is_followed_to_its_children(store: SQLiteStore) -> None:
    index_url, child_url = f"{SITE}/sitemap.xml", f"{SITE}/sitemap-news.xml"
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{child_url}</loc></sitemap><sitemap><loc>{index_url}</loc></sitemap></sitemapindex>"
    )
    article = f"{SITE}/2026/05/12/a-story-from-the-sitemap"
    child = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{article}</loc></url></urlset>"
    )
    fetcher = FakeFetcher(
        {
            index_url: xml(index_url, index),
            child_url: xml(child_url, child),
            article: ok(article, article_html("Sitemap", "Found.")),
        }
    )

    report = crawl(settings_for(Sources(sitemaps=(index_url,))), store, fetcher)

    assert report.stored == 1
    assert [call[0] for call in fetcher.calls].count(index_url) == 1  # an index listing itself: once


def test_limit_stops_after_that_many_urls(store: SQLiteStore) -> None:
    urls = [f"https://host-{n}.example/story-{n}" for n in range(6)]
    # Distinct texts: the same text under another URL would be a duplicate, skipped (issue 13).
    fetcher = FakeFetcher({url: ok(url, article_html("S", f"Text of {url}.")) for url in urls})

    report = crawl(settings_for(Sources(urls=tuple(urls)), limit=2), store, fetcher)

    assert report.stored == 2
    assert len(fetcher.calls) == 2


class ClaimSpy:
    """A store whose claims are watched: how many URLs did the run hold, claimed but not saved?"""

    def __init__(self, inner: SQLiteStore) -> None:
        self.inner = inner
        self.held = 0
        self.max_held = 0
        self.claim_calls = 0

    def claim(self, **kwargs: Any) -> list[Claim]:
        claims = self.inner.claim(**kwargs)
        self.claim_calls += 1
        self.held += len(claims)
        self.max_held = max(self.max_held, self.held)
        return claims

    def save(self, claim: Claim, *args: Any, **kwargs: Any) -> Outcome:
        self.held -= 1
        return self.inner.save(claim, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_claims_come_in_small_batches_however_many_urls_are_due(store: SQLiteStore) -> None:
    urls = [f"https://host-{n}.example/story" for n in range(400)]
    store.enqueue(urls, source="test", now=datetime.now(UTC))
    fetcher = FakeFetcher({url: ok(url, article_html("S", f"Text {url}.")) for url in urls})
    spy = ClaimSpy(store)
    settings = replace(settings_for(Sources()), fetch=FetchSettings(delay=0.0, concurrency=8))

    report = crawl(settings, spy, fetcher)  # type: ignore[arg-type]

    assert report.stored == 400
    assert spy.max_held <= 8 * 2  # fetch slots plus one waiting claim per slot, never the whole frontier
    assert fetcher.max_in_flight <= 8


def test_a_host_waiting_for_its_delay_is_served_before_the_run_ends(store: SQLiteStore) -> None:
    urls = [f"{SITE}/story-number-{n}" for n in range(3)]
    fetcher = FakeFetcher({url: ok(url, article_html("S", f"Text {n}.")) for n, url in enumerate(urls)})
    settings = replace(settings_for(Sources(urls=tuple(urls))), fetch=FetchSettings(delay=0.2))

    report = crawl(settings, store, fetcher)

    assert report.stored == 3  # one URL per host per delay: the run waited for the slot, twice


class SharedSQLiteStore(SQLiteStore):
    """A SQLite store that says other workers claim from it too, as a PostgreSQL store does."""

    shared = True


def test_a_run_waits_for_a_host_at_its_claim_cap_instead_of_ending(tmp_path: Path) -> None:
    # Another worker holds a URL of the host, as many as per_host_concurrency allows, and dies: its lease
    # runs out. Until then every claim of this run comes back empty, yet the host's other URL is due:
    # the run waits, takes the dead worker's URL back once its lease is released, and does both.
    store = SharedSQLiteStore(str(tmp_path / "shared.db"))
    store.migrate()
    urls = [f"{SITE}/story-number-{n}" for n in range(2)]
    store.enqueue(urls, source="test", now=datetime.now(UTC))
    [held] = store.claim(worker="dead", limit=1, now=datetime.now(UTC), lease=0.5, host_delay=0.0)
    fetcher = FakeFetcher({url: ok(url, article_html("S", f"Text {n}.")) for n, url in enumerate(urls)})
    settings = replace(
        settings_for(Sources(), lease=1.0), fetch=FetchSettings(delay=0.0, per_host_concurrency=1)
    )
    try:
        report = crawl(settings, store, fetcher)
    finally:
        store.close()

    assert report.stored == 2
    assert [call[0] for call in fetcher.calls][-1] == held.url  # the held URL came last, once released
    assert fetcher.max_in_flight == 1


def test_a_run_alone_on_its_store_waits_for_a_host_whose_turn_is_held(store: SQLiteStore) -> None:
    # The host's turn is held (by a worker that died holding it) for a second: every claim comes
    # back empty meanwhile, yet a URL is due, so the run waits instead of ending with it undone.
    url = f"{SITE}/only-story"
    now = datetime.now(UTC)
    store.enqueue([url], source="test", now=now)
    store.take_host_turn(url, now=now, held_until=now + timedelta(seconds=1.0))
    fetcher = FakeFetcher({url: ok(url, article_html("S", "Text."))})

    report = crawl(settings_for(Sources()), store, fetcher)

    assert report.stored == 1


class StaleOnce:
    """A store that refuses one save as stale, as when a lease expired and another worker took over."""

    def __init__(self, inner: SQLiteStore, stale_url: str) -> None:
        self.inner = inner
        self.stale_url = stale_url

    def save(self, claim: Claim, *args: Any, **kwargs: Any) -> Outcome:
        if claim.url == self.stale_url:
            raise StaleClaimError(f"{claim.url}: claim is no longer current")
        return self.inner.save(claim, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_stale_claim_is_logged_and_not_counted(
    store: SQLiteStore, caplog: pytest.LogCaptureFixture
) -> None:
    urls = [f"{SITE}/fresh-story", f"{SITE}/stale-story"]
    fetcher = FakeFetcher({url: ok(url, article_html("S", "Text.")) for url in urls})

    with caplog.at_level(logging.WARNING, logger="scraper.pipeline"):
        report = crawl(settings_for(Sources(urls=tuple(urls))), StaleOnce(store, urls[1]), fetcher)  # type: ignore[arg-type]

    assert (report.stored, report.failed_total) == (1, 0)
    assert any("stale-story" in message and "not stored" in message for message in caplog.messages)


class RecordingSink:
    def __init__(self) -> None:
        self.new_urls: list[int] = []
        self.outcomes: list[Outcome] = []

    def discovered(self, new_urls: int) -> None:
        self.new_urls.append(new_urls)

    def outcome(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)


def test_progress_is_reported_per_url(store: SQLiteStore) -> None:
    url = f"{SITE}/reported-story"
    fetcher = FakeFetcher({url: ok(url, article_html("S", "Text."))})
    sink = RecordingSink()

    crawl(settings_for(Sources(urls=(url, f"{SITE}/absent-page"))), store, fetcher, progress=sink)

    assert sink.new_urls == [2]
    assert sorted((o.url, o.kind) for o in sink.outcomes) == [
        (f"{SITE}/absent-page", OutcomeKind.FAILED),
        (url, OutcomeKind.STORED),
    ]


def test_a_fetcher_that_raises_fails_that_url_not_the_run(store: SQLiteStore) -> None:
    good, bad = f"{SITE}/good-story", f"{SITE}/raising-story"

    class RaisingFetcher(FakeFetcher):
        async def fetch(self, url: str, validators: Any = None, *, accept: str = "html") -> FetchResult:
            if url == bad:
                raise RuntimeError("a bug in the fetcher")
            return await super().fetch(url, validators, accept=accept)

    fetcher = RaisingFetcher({good: ok(good, article_html("S", "Good."))})

    report = crawl(settings_for(Sources(urls=(good, bad))), store, fetcher)

    assert report.stored == 1
    assert report.failed == {"internal": 1}


def test_deferred_and_skipped_fetches_are_counted_as_such(store: SQLiteStore) -> None:
    deferred, skipped = f"{SITE}/busy-story", f"{SITE}/robots-story"
    later = datetime(2099, 1, 1, tzinfo=UTC)
    fetcher = FakeFetcher(
        {
            deferred: FetchResult(deferred, FetchStatus.DEFERRED, http_status=503, retry_at=later),
            skipped: FetchResult(skipped, FetchStatus.SKIPPED, skip_reason="robots"),
        }
    )

    report = crawl(settings_for(Sources(urls=(deferred, skipped))), store, fetcher)

    assert (report.deferred, report.skipped, report.exit_status) == (1, {"robots": 1}, 0)


def test_a_url_due_again_within_the_run_is_left_for_the_next_run(store: SQLiteStore) -> None:
    url = f"{SITE}/always-due-story"
    fetcher = FakeFetcher({url: ok(url, article_html("S", "Text."))})

    report = crawl(settings_for(Sources(urls=(url,)), recheck_after=0.0), store, fetcher)

    assert report.stored == 1
    assert len(fetcher.calls) <= 2  # claimed again at most once, then the run ends instead of looping
