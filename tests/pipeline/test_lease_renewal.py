"""A run renews the leases of the URLs it still works on: a page slower than the lease is fetched once
and stored, not released as a dead worker's, fetched again and its first result dropped as stale."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pipeline_fakes import FakeFetcher, article_html, ok, simple_extract

from scraper import pipeline
from scraper.config import FetchSettings, RunSettings, Settings, Sources
from scraper.errors import StorageError
from scraper.models import Claim
from scraper.storage.sqlite import SQLiteStore
from tests.fake_site import ArticleKind, FakeSite

LEASE = 1.0  # seconds; the slow page takes longer than two of them
SLOW_SECONDS = 2.5


@pytest.fixture
def site() -> Iterator[FakeSite]:
    with FakeSite(
        articles=4, failing=0, missing=0, slow=1, private=0, files=0, amp=0, slow_seconds=SLOW_SECONDS
    ) as fake:
        yield fake


def test_a_page_slower_than_the_lease_is_fetched_once_and_stored(
    site: FakeSite, store: SQLiteStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    urls = site.urls_of()
    [slow_url] = site.urls_of(ArticleKind.SLOW)
    settings = Settings(
        db=str(tmp_path / "unused.db"),
        fetch=FetchSettings(delay=0.0, allow_private=True, timeout=SLOW_SECONDS + 10),
        sources=Sources(urls=tuple(urls)),
        run=RunSettings(lease=LEASE, workers=1),
    )

    with caplog.at_level(logging.DEBUG, logger="scraper.pipeline"):
        report = asyncio.run(pipeline.run(settings, store, extractor=simple_extract))

    assert site.request_counts()[slow_url] == 1
    assert (report.stored, report.failed) == (len(urls), {})
    assert {doc.url: doc.version for doc in store.documents()} == dict.fromkeys(urls, 1)
    assert store.status().by_state == {"done": len(urls)}
    assert not [message for message in caplog.messages if "not stored" in message or "expired" in message]


class RenewalFails:
    """A store whose lease renewals fail, as when the database went away in the middle of a run."""

    def __init__(self, inner: SQLiteStore) -> None:
        self.inner = inner

    def renew_leases(self, claims: Sequence[Claim], *, now: datetime, lease: float) -> int:
        raise StorageError("the database is gone")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_failing_renewal_stops_the_run_once_the_urls_in_flight_are_done(store: SQLiteStore) -> None:
    url = "https://news.example/slow-story"
    fetcher = FakeFetcher({url: ok(url, article_html("S", "Text."))}, latency={url: 0.5})
    settings = Settings(
        db=":memory:",
        fetch=FetchSettings(delay=0.0),
        sources=Sources(urls=(url,)),
        run=RunSettings(lease=0.3, workers=1),
    )

    with pytest.raises(StorageError, match="the database is gone"):
        asyncio.run(
            pipeline.run(
                settings,
                RenewalFails(store),  # type: ignore[arg-type]
                fetcher_factory=fetcher.factory,
                extractor=simple_extract,
            )
        )

    assert [doc.url for doc in store.documents()] == [url]  # the page in flight was still saved
