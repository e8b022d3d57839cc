"""`scraper run` end to end: the fake news site on 127.0.0.1, the real fetcher, extractor and SQLite store.

What the issue asks of the cron job: the stored rows are exactly the site's articles; a second run stores
nothing new; a changed article gets version 2; a run killed with SIGKILL halfway, run again, leaves every
article stored exactly once; of two runs started together, one does the work and the other exits 75.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scraper import pipeline
from scraper.cli import EXIT_LOCKED, main
from scraper.config import load_settings
from scraper.storage import open_store
from tests.fake_site import ArticleKind, FakeSite

pytestmark = pytest.mark.slow

STORED_KINDS = (ArticleKind.OK, ArticleKind.SLOW)
FAILING_KINDS = (ArticleKind.ERROR_500, ArticleKind.MISSING_404)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SUBPROCESS_DEADLINE = 120  # seconds; a run of these sites takes a few
POLL = 0.05  # seconds between two looks at the database while waiting on a run


def write_config(folder: Path, site: FakeSite, *, lease: str = "5m") -> Path:
    """A scraper.toml reaching the site by its feeds, sitemaps and home pages, politeness off for speed."""
    config = folder / "scraper.toml"
    config.write_text(
        f"""
db = "{folder / "news.db"}"

[sources]
feeds = {json.dumps(site.feed_urls)}
sitemaps = {json.dumps(site.sitemap_urls)}
pages = {json.dumps(site.home_urls)}

[fetch]
delay = 0
allow_private = true
backoff = "0.05s"

[run]
lease = "{lease}"
""",
        encoding="utf-8",
    )
    return config


def expected_articles(site: FakeSite) -> dict[str, str]:
    """Every article the site serves as HTML, with the body text extraction must keep."""
    return {
        url: "\n\n".join(site.site_of(url).paragraphs(site.slug_of(url)))
        for url in site.urls_of(*STORED_KINDS)
    }


def stored_articles(db: Path) -> dict[str, tuple[int, str]]:
    """Stored documents keyed by their article (canonical URL), with their version and text."""
    store = open_store(str(db))
    try:
        rows = [(d.document.canonical_url or d.url, d.version, d.document.text) for d in store.documents()]
    finally:
        store.close()
    keyed = {key: (version, text) for key, version, text in rows}
    assert len(keyed) == len(rows), "an article is stored under two URLs"
    return keyed


def version_count(db: Path) -> int:
    """Document versions stored so far (0 while the running scraper has not created its schema yet)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            return int(connection.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def last_lease_expiry(db: Path) -> datetime | None:
    """When the last lease on a claimed URL runs out; None when no URL is claimed."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        rows = connection.execute("SELECT lease_expires_at FROM urls WHERE state = 'claimed'").fetchall()
    return max((datetime.fromisoformat(value) for (value,) in rows), default=None)


def wait_until_leases_expire(db: Path) -> None:
    """Poll until every lease held in `db` has run out, so the URLs of a killed run are due again."""
    deadline = time.monotonic() + SUBPROCESS_DEADLINE
    while (expiry := last_lease_expiry(db)) is not None and datetime.now(UTC) <= expiry:
        assert time.monotonic() < deadline, f"a lease still runs until {expiry.isoformat()}"
        time.sleep(POLL)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def start_run(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scraper", "run", "--config", str(config), "--report", "json"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def site() -> Iterator[FakeSite]:
    with FakeSite(articles=110, hosts=2) as fake:
        yield fake


def test_runs_store_the_articles_exactly_then_only_what_changed(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, site)
    expected = expected_articles(site)
    assert len(expected) >= 200

    status, out, err = run_cli(["run", "--config", str(config), "--report", "json"], capsys)

    report = json.loads(out)
    assert status == 1  # the site's 500 and 404 articles failed
    assert report["stored"] == len(expected)
    assert report["failed"] == {"http_status": len(site.urls_of(*FAILING_KINDS))}
    assert report["skipped"] == {
        "robots": len(site.urls_of(ArticleKind.PRIVATE)),
        "not_html": len(site.urls_of(ArticleKind.FILE)),
        "duplicate": len(site.amp_urls),  # the same article under a second URL is stored once
    }
    assert err.strip().splitlines()[-1].startswith(f"scraper run: {len(expected)} stored")
    assert stored_articles(tmp_path / "news.db") == {url: (1, text) for url, text in expected.items()}

    # A second run at once: nothing is due, no article page is even fetched.
    site.reset_stats()
    status, out, _ = run_cli(["run", "--config", str(config), "--report", "json"], capsys)
    second = json.loads(out)
    assert (status, second["stored"], second["unchanged"], second["discovered"]) == (0, 0, 0, 0)
    assert not set(site.request_counts()) & set(site.urls_of())
    assert version_count(tmp_path / "news.db") == len(expected)

    # A week later every page is due for a re-check; two articles changed meanwhile.
    changed = site.urls_of(ArticleKind.OK)[5:7]
    site.bump_version(site.slug_of(url) for url in changed)
    settings = load_settings(str(config), {}, None)
    store = open_store(settings.db)
    try:
        third = asyncio.run(
            pipeline.run(settings, store, clock=lambda: datetime.now(UTC) + timedelta(days=8))
        )
    finally:
        store.close()

    assert third.stored == 2
    assert third.unchanged == len(expected) - 2
    after = stored_articles(tmp_path / "news.db")
    assert {url: after[url] for url in changed} == {url: (2, expected_articles(site)[url]) for url in changed}
    assert version_count(tmp_path / "news.db") == len(expected) + 2


def test_a_run_killed_halfway_is_finished_by_the_next_without_duplicates(tmp_path: Path) -> None:
    # Every article page takes 50 ms, so the run is still going when it is killed.
    with FakeSite(articles=110, hosts=2, latency=0.05) as slow_site:
        config = write_config(tmp_path, slow_site, lease="2s")
        expected = expected_articles(slow_site)
        db = tmp_path / "news.db"
        first = start_run(config)
        try:
            deadline = time.monotonic() + SUBPROCESS_DEADLINE
            while version_count(db) < len(expected) // 3:
                assert first.poll() is None, first.communicate()
                assert time.monotonic() < deadline
                time.sleep(POLL)
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.communicate()
        killed_at = version_count(db)
        assert 0 < killed_at < len(expected)

        assert last_lease_expiry(db) is not None  # the run was killed holding claims
        wait_until_leases_expire(db)  # its claimed URLs are due again
        second = subprocess.run(
            [sys.executable, "-m", "scraper", "run", "--config", str(config), "--report", "json"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_DEADLINE,
        )

        assert second.returncode == 1, second.stderr  # the failing articles, nothing else
        assert json.loads(second.stdout)["stored"] == len(expected) - killed_at
        assert stored_articles(db) == {url: (1, text) for url, text in expected.items()}
        assert version_count(db) == len(expected)


def test_of_two_runs_started_together_one_works_and_the_other_exits_75(tmp_path: Path) -> None:
    with FakeSite(articles=40, hosts=1, latency=0.1) as small_site:
        config = write_config(tmp_path, small_site)
        runs = [start_run(config), start_run(config)]
        results = [(run.wait(SUBPROCESS_DEADLINE), *run.communicate()) for run in runs]

        statuses = sorted(status for status, _, _ in results)
        assert statuses == [1, EXIT_LOCKED]
        _, _, locked_err = next(r for r in results if r[0] == EXIT_LOCKED)
        winner_pid = next(run.pid for run, r in zip(runs, results, strict=True) if r[0] != EXIT_LOCKED)
        assert f"pid {winner_pid}" in locked_err
        _, winner_out, _ = next(r for r in results if r[0] != EXIT_LOCKED)
        assert json.loads(winner_out)["stored"] == len(expected_articles(small_site))
        assert stored_articles(tmp_path / "news.db") == {
            url: (1, text) for url, text in expected_articles(small_site).items()
        }


POSTGRES_DSN = os.environ.get("SCRAPER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def postgres_dsn() -> Iterator[str]:
    """A DSN whose search_path is a fresh schema of our own, dropped afterwards. Its name is unique, as the
    storage and workers tests' are: suites run at once on one server must not share (and drop) it."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(POSTGRES_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {POSTGRES_DSN}: {exc}")
    schema = f"scraper_pipeline_e2e_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        separator = "&" if "?" in POSTGRES_DSN else "?"
        try:
            yield f"{POSTGRES_DSN}{separator}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.mark.postgres
def test_two_runs_on_postgresql_share_the_work_without_doing_any_twice(postgres_dsn: str) -> None:
    assert main(["db", "migrate", "--db", postgres_dsn]) == 0
    # Slow enough for both to get a share. The workers share each host's 2 requests in flight: two hosts
    # the store tells apart (their own addresses), and one fetch slot (with one claim waiting) per worker,
    # so that neither can hold every slot of the site.
    addresses = ("127.0.0.2", "127.0.0.3")
    with FakeSite(articles=40, hosts=2, latency=0.2, addresses=addresses) as pg_site:
        sources = [flag for url in pg_site.sitemap_urls for flag in ("--sitemap", url)]
        args = ["run", "--db", postgres_dsn, "--allow-private", "--delay", "0", "--concurrency", "1"]
        args += ["--report", "json", *sources]
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "scraper", *args],
                cwd=PROJECT_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [run.communicate(timeout=SUBPROCESS_DEADLINE) for run in runs]
        expected = expected_articles(pg_site)

    reports = [json.loads(out) for out, _ in results]
    assert [run.returncode for run in runs] == [1, 1], [err for _, err in results]
    assert all(report["stored"] > 0 for report in reports)  # no lock: both took a share
    assert sum(report["stored"] for report in reports) == len(expected)
    store = open_store(postgres_dsn)
    try:
        stored = {d.document.canonical_url or d.url: (d.version, d.document.text) for d in store.documents()}
    finally:
        store.close()
    assert stored == {url: (1, text) for url, text in expected.items()}
