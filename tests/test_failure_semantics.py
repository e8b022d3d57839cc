"""What counts as a failure (README "What counts as a failure"), end to end through `main([...])` against
sites on 127.0.0.1, closed and silent ports, and an injected resolver (no lookup leaves the machine).

A URL the network kept from finishing fails in this run's summary and exit status and stays due for a
later run; invalid URLs and bad sources fail, each named in a warning; exit 0 only when every URL is
stored, unchanged or skipped by a policy the user chose; store trouble has its own exit status.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scraper import ErrorKind, RunReport, SkipReason, SourceFailure, SourceKind
from scraper.cli import EXIT_FAILED, EXIT_OK, EXIT_STORE, EXIT_USAGE, main
from scraper.fetch import _fetcher
from scraper.storage._rules import report_from_json, report_to_json
from tests.fake_site import ArticleKind, FakeSite
from tests.hostile.site import PageSite

LOCAL = ["--allow-private", "--delay", "0"]
REPO = Path(__file__).resolve().parents[1]
# Enough for a reset or refused connection to fail fast, and for a silent port to time out soon: one
# attempt, no backoff.
QUICK = {"SCRAPER_FETCH_ATTEMPTS": "1", "SCRAPER_FETCH_BACKOFF": "0"}


@pytest.fixture(scope="module")
def site() -> Iterator[FakeSite]:
    with FakeSite(articles=20, hosts=1, slow=0) as fake:
        yield fake


@pytest.fixture(autouse=True)
def quick_retries(no_ambient_config: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean environment (`no_ambient_config`), with retries kept short."""
    for name, value in QUICK.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but not listening: every connection to it is refused (and no one else can take it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every name fails to resolve, as on a machine without network; returns the names asked for."""
    asked: list[str] = []

    async def resolver(host: str) -> list[str]:
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(_fetcher, "system_resolver", resolver)
    return asked


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def summary(err: str) -> str:
    return next(line for line in err.splitlines() if line.startswith("scraper run:"))


def url_rows(db: Path) -> list[tuple[str, str, str | None, int, str | None]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT url, state, reason, attempts, next_attempt_at FROM urls").fetchall()


# ─── the network: failed in this run, due again later ──────────────────────────────────────────────────


def test_get_of_an_unreachable_host_fails_naming_the_host(
    closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{closed_port}/story"
    status, _, err = run(["get", *LOCAL, url], capsys)
    assert status == EXIT_FAILED
    assert "robots_unavailable" in err and f"127.0.0.1:{closed_port}" in err

    status, out, _ = run(["get", *LOCAL, "--format", "json", url], capsys)
    assert status == EXIT_FAILED
    assert json.loads(out)["error"]["kind"] == "robots_unavailable"


@pytest.mark.parametrize(("robots", "reason"), [([], "robots_unavailable"), (["--no-robots"], "connect")])
def test_a_run_on_an_unreachable_host_fails_whether_or_not_robots_is_read(
    robots: list[str], reason: str, closed_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{closed_port}/story"
    db = tmp_path / "news.db"
    before = datetime.now(UTC)
    status, _, err = run(["run", *LOCAL, *robots, "--db", str(db), "--url", url], capsys)

    assert status == EXIT_FAILED
    assert f"1 failed ({reason} 1)" in summary(err)
    [(_, state, stored_reason, _, next_attempt)] = url_rows(db)
    assert (state, stored_reason) == ("failed", reason)
    assert next_attempt is not None  # still due, at its retry time
    assert datetime.fromisoformat(next_attempt) > before + timedelta(minutes=1)


def test_robots_txt_unanswered_keeps_its_retry_schedule_without_using_an_attempt(
    closed_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A host that does not answer its robots.txt said nothing about the URL: as before, the URL is
    due again after `run.retry_after` and no attempt of its `run.max_attempts` is spent."""
    url = f"http://127.0.0.1:{closed_port}/story"
    db = tmp_path / "news.db"
    for _ in range(2):
        status, _, _ = run(["run", *LOCAL, "--db", str(db), "--url", url], capsys)
        assert status == EXIT_FAILED
        with closing(sqlite3.connect(db)) as conn:
            conn.execute("UPDATE urls SET next_attempt_at = '2000-01-01T00:00:00+00:00'")  # due now
            conn.commit()
    [(_, state, reason, attempts, _)] = url_rows(db)
    assert (state, reason, attempts) == ("failed", "robots_unavailable", 0)


@pytest.mark.parametrize("robots", [[], ["--no-robots"]])
def test_a_name_that_does_not_resolve_fails_and_is_named(
    robots: list[str], no_dns: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.db"
    status, _, err = run(["run", *robots, "--db", str(db), "--url", "http://news.invalid/story"], capsys)
    assert status == EXIT_FAILED
    assert "1 failed" in summary(err)
    with closing(sqlite3.connect(db)) as conn:
        [(message,)] = conn.execute("SELECT message FROM urls").fetchall()
    assert "cannot resolve news.invalid" in message
    assert set(no_dns) == {"news.invalid"}  # the injected resolver answered, nothing else was asked


def test_a_host_that_never_answers_fails_as_a_timeout(
    silent_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{silent_port}/story"
    args = ["run", *LOCAL, "--timeout", "0.5", "--db", str(tmp_path / "news.db"), "--url", url]
    status, _, err = run(args, capsys)
    assert status == EXIT_FAILED
    assert "1 failed (robots_unavailable 1)" in summary(err)


def test_tls_to_a_plain_http_server_fails(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = site.urls_of(ArticleKind.OK)[0].replace("http://", "https://")
    status, _, err = run(["run", *LOCAL, "--db", str(tmp_path / "news.db"), "--url", url], capsys)
    assert status == EXIT_FAILED
    assert "1 failed" in summary(err)


# ─── invalid URLs and bad sources ──────────────────────────────────────────────────────────────────────


def test_an_invalid_url_flag_is_a_failure_named_in_a_warning(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = site.urls_of(ArticleKind.OK)[0]
    args = ["run", *LOCAL, "--db", str(tmp_path / "news.db"), "--url", "not a url", "--url", good]
    status, _, err = run(args, capsys)
    assert status == EXIT_FAILED
    assert "WARNING" in err and "'not a url'" in err
    assert "1 stored" in summary(err) and "1 failed (invalid_url 1)" in summary(err)


def test_an_invalid_line_of_a_url_file_is_a_failure(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = tmp_path / "urls.txt"
    good = site.urls_of(ArticleKind.OK)[0]
    urls.write_text(f"# articles\n{good}\nftp://example.com/file\n", encoding="utf-8")
    status, _, err = run(["run", *LOCAL, "--db", str(tmp_path / "news.db"), "--urls", str(urls)], capsys)
    assert status == EXIT_FAILED
    assert "ftp://example.com/file" in err
    assert "1 failed (invalid_url 1)" in summary(err)


def test_a_line_of_a_url_file_that_is_not_utf8_is_that_lines_failure(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As `scraper get -i` takes it: one bad line of a long list is that line's failure, named by its
    # number. Before, the whole file was refused (exit 2) with the byte offset of the first bad byte.
    urls = tmp_path / "urls.txt"
    good = site.urls_of(ArticleKind.OK)[:2]
    urls.write_bytes(f"{good[0]}\n".encode() + b"http://caf\xe9.example/menu\n" + f"{good[1]}\n".encode())
    status, _, err = run(["run", *LOCAL, "--db", str(tmp_path / "news.db"), "--urls", str(urls)], capsys)
    assert status == EXIT_FAILED
    assert f"line 2 of {urls}: not UTF-8 text" in err
    assert "2 stored" in summary(err) and "1 failed (invalid_url 1)" in summary(err)


def failed_sources(out: str) -> list[dict[str, str]]:
    report = json.loads(out)
    assert report["exit_status"] == EXIT_FAILED
    sources: list[dict[str, str]] = report["failed_sources"]
    return sources


def test_a_feed_that_is_an_html_page_is_a_failed_source(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = site.home_urls[0]
    args = ["run", *LOCAL, "--db", str(tmp_path / "news.db"), "--feed", page, "--report", "json"]
    status, out, err = run(args, capsys)
    assert status == EXIT_FAILED
    assert f"feed {page}" in err and "WARNING" in err
    assert "1 failed source" in summary(err)
    [failed] = failed_sources(out)
    assert (failed["source"], failed["kind"], failed["reason"]) == (page, "feed", "not_xml")


def test_a_sitemap_that_is_an_rss_feed_is_a_failed_source(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = site.feed_urls[0]
    args = ["run", *LOCAL, "--db", str(tmp_path / "news.db"), "--sitemap", feed, "--report", "json"]
    status, out, err = run(args, capsys)
    assert status == EXIT_FAILED
    assert f"sitemap {feed}" in err and "no URL" in err
    [failed] = failed_sources(out)
    assert (failed["source"], failed["kind"], failed["reason"]) == (feed, "sitemap", "discovery")


@pytest.mark.parametrize(
    ("flag", "path"),
    [("--feed", "/empty-feed"), ("--page", "/no-links")],
)
def test_a_source_that_yields_no_url_is_a_failed_source(
    flag: str, path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = {
        "/robots.txt": "",
        "/empty-feed": '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
        "/no-links": "<html><body><p>Nothing to follow here.</p></body></html>",
    }
    with PageSite(pages, content_types={"/empty-feed": "application/rss+xml"}) as served:
        source = served.url(path)
        args = ["run", *LOCAL, "--db", str(tmp_path / "news.db"), flag, source, "--report", "json"]
        status, out, err = run(args, capsys)
    assert status == EXIT_FAILED
    assert source in err and "no URL" in err
    [failed] = failed_sources(out)
    assert (failed["source"], failed["reason"]) == (source, "discovery")


def test_a_source_whose_every_url_is_filtered_out_is_not_a_failure(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Filters are a policy the user chose: a feed whose links all fall to --exclude did its job."""
    args = ["run", *LOCAL, "--db", str(tmp_path / "news.db"), "--feed", site.feed_urls[0], "--exclude", "."]
    status, _, err = run(args, capsys)
    assert status == EXIT_OK, err
    assert "0 failed sources" in summary(err)


def test_policy_skips_exit_0(site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """robots.txt disallow and not HTML are skips by policy: the run succeeds."""
    disallowed, not_html = f"{site.base_url}/private/story", site.feed_urls[0]
    args = ["run", *LOCAL, "--db", str(tmp_path / "news.db"), "--url", disallowed, "--url", not_html]
    status, _, err = run(args, capsys)
    assert status == EXIT_OK, err
    assert "2 skipped (not_html 1, robots 1)" in summary(err)


# ─── store trouble ─────────────────────────────────────────────────────────────────────────────────────


def test_store_trouble_has_its_own_exit_status(closed_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    dsn = f"postgresql://scraper@127.0.0.1:{closed_port}/news"
    status, _, err = run(["run", "--db", dsn, "--url", "https://example.com/a"], capsys)
    assert status == EXIT_STORE == 74  # EX_IOERR
    assert f"127.0.0.1:{closed_port}" in err or "127.0.0.1" in err
    assert EXIT_STORE not in (EXIT_OK, EXIT_FAILED, EXIT_USAGE, 75)


# ─── the address refusal says how to allow it ──────────────────────────────────────────────────────────


def test_the_loopback_refusal_names_the_flag_and_the_key(
    closed_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["get", f"http://127.0.0.1:{closed_port}/story"], capsys)
    assert status == EXIT_FAILED
    assert "127.0.0.1" in err and "--allow-private" in err and "fetch.allow_private" in err

    async def loopback(host: str) -> list[str]:
        return ["127.0.0.1"]

    monkeypatch.setattr(_fetcher, "system_resolver", loopback)
    status, _, err = run(["get", "http://intranet.example/story"], capsys)
    assert status == EXIT_FAILED
    assert "intranet.example" in err and "--allow-private" in err and "fetch.allow_private" in err


# ─── the README's main job on a machine without network ────────────────────────────────────────────────


def test_the_readme_main_job_without_network_names_the_source_and_host(
    no_dns: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = REPO / "docs" / "scraper.example.toml"
    feed, host = "https://www.theguardian.com/world/rss", "www.theguardian.com"
    assert feed in config.read_text(encoding="utf-8")
    # --db: the example's news.db would land in docs/ of this checkout.
    status, _, err = run(["run", "--config", str(config), "--db", str(tmp_path / "news.db")], capsys)

    assert status == EXIT_FAILED
    warning = next(line for line in err.splitlines() if feed in line)
    assert "WARNING" in warning and host in warning and "resolve" in warning
    assert "1 failed source" in summary(err)
    assert set(no_dns) == {host}


def test_a_report_keeps_its_failed_sources_in_the_store() -> None:
    """`scraper status` shows the last runs from their stored JSON: the failed sources come back."""
    failure = SourceFailure("https://a.test/feed", SourceKind.FEED, ErrorKind.ROBOTS_UNAVAILABLE, "why")
    report = RunReport(failed_sources=(failure, failure))
    again = report_from_json(report_to_json(report))
    assert again == report and again.exit_status == EXIT_FAILED
    assert "2 failed sources (robots_unavailable 2)" in again.summary_line()
    assert RunReport(skipped={SkipReason.ROBOTS: 1}, deferred=1).exit_status == EXIT_OK
