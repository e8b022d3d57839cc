"""Issue 10: a hostile page cannot stall, exhaust or fool a run.

A page that makes the HTML5 parser run past the time limit, or grow past the memory limit, has its
worker process killed and fails with its own reason; a new worker takes over and the other pages, in
flight or later, are extracted as ever. The limits here are small so that the tests are fast.
"""

from __future__ import annotations

import asyncio
import functools
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper import pipeline
from scraper.cli import main
from scraper.config import FetchSettings, RunSettings, Settings
from scraper.errors import ExtractionError, ExtractionMemoryError, ExtractionTimeoutError
from scraper.extract import extract
from scraper.pipeline import ExtractionPool
from scraper.pipeline._worker import Call, _answer
from scraper.storage import open_store
from tests.hostile.pages import deep_bogus_nesting, normal_article, section_page
from tests.hostile.site import PageSite
from tests.pipeline.pipeline_fakes import markdown_exhausting_extract

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = 1.5  # seconds; the slow page takes 5 s or more unbounded
MEMORY_LIMIT = 250 * 1024 * 1024  # the greedy page grows past it within about a second, to 900 MB
# Pages the extractor's guard lets through (it refuses bogus nesting and formatting re-opened in every
# paragraph, the pages used here before, in a fraction of a second): 60,000 distinct paragraphs under 300
# nested <aside> wrappers, each of which the walk measures before it keeps it as the wrapper of most of the
# page (6.5 MB, under the fetcher's 10 MB: about 4 s on a quiet core, well past TIME_LIMIT however fast the
# rest of extraction gets; 40,000 paragraphs in plain <div>s took 1.0 s once the walk got faster, under the
# limit), and 300 formatting elements re-opened by 3,000 paragraphs, just under the guard's pre-parse bound
# (900,000 elements re-created: ~700 MB).
_TOLD = "It is told at some length, with enough words to read as an article paragraph."
SLOW_PAGE = normal_article(
    "Slow", *(f"Paragraph {n}, {n * 7919 % 100_003}: {_TOLD}" for n in range(60_000))
).replace("<article>", "<aside>" * 300 + "<article>")
_OPENED = "".join(f"<b id={n} title={'x' * 200}>" for n in range(300))  # each copy copies its title
GREEDY_PAGE = f"<html><body><p>{_OPENED}x{'<p>x' * 3_000}</body></html>"
# A section page is parsed under the extractor's guard: bogus nesting is refused before parsing.
DEEP_SECTION_MARKUP = deep_bogus_nesting(60_000)
# A feed feedparser reads for seconds (60,000 items, 7 MB, under fetch.max_size): runs to the time limit.
SLOW_FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Everything</title>'
    + "".join(
        f"<item><title>Story {n}</title><link>/news/story-{n}-of-all</link><description/></item>"
        for n in range(60_000)
    )
    + "</channel></rss>"
)
RUN_DEADLINE = 90  # seconds for a whole `scraper run` of the small site; it takes about 10


def article(n: int) -> str:
    # Each story its own sentences: pages alike but for their number are near copies, stored once (issue 13).
    told = " ".join(
        f"Witness {n}-{i} told it at length: event {n * 97 + i} lasted {n + i} hours in hall {n * 7 + i}."
        for i in range(4)
    )
    return normal_article(f"Story {n}", f"The body of story number {n}. {told}", told, told)


def test_a_page_past_the_time_limit_fails_and_the_same_pool_extracts_the_next() -> None:
    with ExtractionPool(extract, workers=1, time_limit=TIME_LIMIT) as pool:
        began = time.monotonic()
        with pytest.raises(ExtractionTimeoutError) as caught:
            pool.result(pool.submit(SLOW_PAGE, "http://hostile.example/slow"))
        waited = time.monotonic() - began
        assert caught.value.kind == "extraction_timeout"
        assert "took longer than 1.5 s" in str(caught.value)
        assert waited < TIME_LIMIT + 10  # the limit plus a worker's start, not the page's minutes
        document = pool.result(pool.submit(article(1), "http://calm.example/1"))
    assert "story number 1" in document.text


def test_a_page_past_the_memory_limit_fails_and_the_same_pool_extracts_the_next() -> None:
    with ExtractionPool(extract, workers=1, memory_limit=MEMORY_LIMIT, time_limit=60) as pool:
        with pytest.raises(ExtractionMemoryError) as caught:
            pool.result(pool.submit(GREEDY_PAGE, "http://hostile.example/greedy"))
        assert caught.value.kind == "extraction_memory"
        assert "250 MiB" in str(caught.value)
        document = pool.result(pool.submit(article(2), "http://calm.example/2"))
    assert "story number 2" in document.text


def test_pages_in_flight_beside_a_killed_one_are_unaffected() -> None:
    with ExtractionPool(extract, workers=2, time_limit=TIME_LIMIT) as pool:
        hostile = pool.submit(SLOW_PAGE, "http://hostile.example/slow")
        calm = [pool.submit(article(n), f"http://calm.example/{n}") for n in range(6)]
        texts = [pool.result(job).text for job in calm]
        with pytest.raises(ExtractionTimeoutError):
            pool.result(hostile)
    assert all(f"story number {n}" in text for n, text in enumerate(texts))


def test_a_markdown_that_runs_out_of_memory_fails_its_page_and_the_pool_goes_on() -> None:
    # Rendered while the reply was pickled, it was "the result could not be sent back", not this page's
    # memory failure, and the worker with its exhausted heap served the next page.
    with ExtractionPool(markdown_exhausting_extract, workers=1, time_limit=60) as pool:
        with pytest.raises(ExtractionMemoryError):
            pool.result(pool.submit("<p>the story</p>", "http://hostile.example/markdown"))
        with pytest.raises(ExtractionMemoryError):  # a fresh worker, the same page: the same verdict
            pool.result(pool.submit("<p>the story</p>", "http://hostile.example/markdown"))


def run_out_of_memory() -> None:
    raise MemoryError


def test_a_worker_that_runs_out_of_its_address_space_says_so() -> None:
    # The backstop behind the parent's watch: an allocation refused under RLIMIT_AS.
    reply = _answer(Call(run_out_of_memory, ()))
    assert isinstance(reply.error, ExtractionMemoryError)


def test_the_plain_extraction_error_keeps_its_kind() -> None:
    assert ExtractionError("x").kind == "extraction"
    assert issubclass(ExtractionTimeoutError, ExtractionError)
    assert issubclass(ExtractionMemoryError, ExtractionError)


# ─── scraper run, end to end ───────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def site() -> Iterator[PageSite]:
    pages = {f"/news/story-{n}": article(n) for n in range(4)}
    pages["/news/slow-story"] = SLOW_PAGE
    pages["/news/greedy-story"] = GREEDY_PAGE
    pages["/section/"] = section_page(["/news/never-found-story"], hostile=DEEP_SECTION_MARKUP)
    pages["/feed.xml"] = SLOW_FEED
    with PageSite(pages, content_types={"/feed.xml": "application/rss+xml"}) as served:
        yield served


def scraper_run(tmp_path: Path, *args: str) -> tuple[int, dict[str, object], str]:
    """`scraper run` in a subprocess with small limits; its exit status, JSON report and stderr."""
    env = {
        "SCRAPER_PARSE_TIMEOUT": f"{TIME_LIMIT}s",
        "SCRAPER_PARSE_MEMORY": str(MEMORY_LIMIT),
        "SCRAPER_WORKERS": "2",
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "scraper", "run", "--db", str(tmp_path / "news.db"), "--delay", "0"]
    finished = subprocess.run(
        [*command, "--allow-private", "--report", "json", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE,
    )
    report = json.loads(finished.stdout) if finished.stdout.strip() else {}
    return finished.returncode, report, finished.stderr


def stored_urls(db: Path) -> set[str]:
    store = open_store(str(db))
    try:
        return {document.url for document in store.documents()}
    finally:
        store.close()


@pytest.mark.slow
def test_a_run_with_hostile_pages_stores_the_others_fails_those_and_ends(
    site: PageSite, tmp_path: Path
) -> None:
    calm = [site.url(f"/news/story-{n}") for n in range(4)]
    hostile = [site.url("/news/slow-story"), site.url("/news/greedy-story")]
    urls = [arg for url in [hostile[0], *calm[:2], hostile[1], *calm[2:]] for arg in ("--url", url)]

    status, report, stderr = scraper_run(tmp_path, *urls)

    assert status == 1, stderr
    assert report["stored"] == 4
    assert report["failed"] == {"extraction_timeout": 1, "extraction_memory": 1}
    assert stored_urls(tmp_path / "news.db") == set(calm)


@pytest.mark.slow
def test_hostile_sources_fail_alone_with_their_reasons_and_the_run_goes_on(
    site: PageSite, tmp_path: Path
) -> None:
    calm = [site.url(f"/news/story-{n}") for n in range(2)]

    status, report, stderr = scraper_run(
        tmp_path, "--page", site.url("/section/"), "--feed", site.url("/feed.xml"), "--url", calm[0],
        "--url", calm[1],
    )  # fmt: skip

    assert status == 1, stderr
    assert report["failed"] == {}
    failed = {(source["source"], source["kind"], source["reason"]) for source in report["failed_sources"]}
    assert failed == {
        (site.url("/section/"), "page", "discovery"),
        (site.url("/feed.xml"), "feed", "extraction_timeout"),
    }
    assert report["stored"] == 2
    assert stored_urls(tmp_path / "news.db") == set(calm)
    assert f"page {site.url('/section/')} failed (discovery): could not be parsed: page refused" in stderr
    assert "nesting depth" in stderr
    assert (
        f"feed {site.url('/feed.xml')} failed (extraction_timeout): could not be parsed: extraction took"
        in stderr
    )


@pytest.mark.slow
def test_get_fails_a_hostile_page_with_its_reason_and_gets_the_others(site: PageSite) -> None:
    settings = Settings(
        fetch=FetchSettings(delay=0, allow_private=True),
        run=RunSettings(parse_timeout=TIME_LIMIT, parse_memory=MEMORY_LIMIT),
    )
    urls = [site.url("/news/story-0"), site.url("/news/slow-story"), site.url("/news/story-1")]

    async def collect() -> list[pipeline.GetRow]:
        return [row async for row in pipeline.get_urls(urls, settings)]

    rows = asyncio.run(collect())

    assert [row.error.kind if row.error else None for row in rows] == [None, "extraction_timeout", None]
    assert all("story number" in row.document.text for row in (rows[0], rows[2]) if row.document)


def test_extract_fails_a_hostile_file_with_its_reason_and_prints_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `scraper extract` takes no settings: its limits are the defaults, made small here.
    monkeypatch.setattr(pipeline, "ExtractionPool", functools.partial(ExtractionPool, time_limit=TIME_LIMIT))
    hostile, calm = tmp_path / "hostile.html", tmp_path / "calm.html"
    hostile.write_text(SLOW_PAGE, encoding="utf-8")
    calm.write_text(article(7), encoding="utf-8")

    status = main(["extract", str(hostile), str(calm)])

    captured = capsys.readouterr()
    assert status == 1
    assert f"scraper: {hostile}: extraction took longer than 1.5 s" in captured.err
    assert "story number 7" in captured.out
