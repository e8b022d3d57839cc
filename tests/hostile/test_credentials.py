"""Issue 10, credentials: a ``user:password@`` in a URL is never stored, exported, logged or printed.

Such URLs are refused wherever they come in (configuration, flags, URL files, `scraper get`, links,
feeds, sitemaps, redirects), with a message that shows the URL without its credentials and points to
`fetch.credentials`; that setting sends HTTP Basic authentication to its own host only. A canonical link
or og:url with credentials keeps its URL, without them.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
import logging
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from scraper.cli import main
from scraper.config import COMMANDS, FetchSettings, command_flags, load_settings
from scraper.errors import ConfigError
from scraper.extract import extract
from scraper.fetch import Fetcher
from scraper.models import ErrorKind, FetchStatus
from scraper.urls import normalise_url, url_problem
from tests.hostile.pages import CREDENTIALS, credential_links_page, normal_article
from tests.hostile.site import PageSite

PASSWORD = CREDENTIALS.split(":", 1)[1]
LOCAL = ["--allow-private", "--delay", "0"]
TOLD = "A story told at some length, with enough words to be taken for an article. " * 5


pytestmark = pytest.mark.usefixtures("no_ambient_config")


def basic(userpass: str) -> str:
    return "Basic " + base64.b64encode(userpass.encode("utf-8")).decode("ascii")


def database_text(db: str) -> str:
    """Every text value of every table of a SQLite store, one per line (raw HTML is compressed bytes)."""
    values: list[str] = []
    with closing(sqlite3.connect(db)) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in connection.execute(f"SELECT * FROM {table}"):  # names from the schema
                values += [value for value in row if isinstance(value, str)]
    return "\n".join(values)


# ─── the one validator ──────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "url",
    [
        f"http://{CREDENTIALS}@news.example/a",
        f"https://{CREDENTIALS}@news.example:8443/a?b=c",
        f"http://crawler@news.example/{PASSWORD}-not-a-secret-here",
        f"http://:{PASSWORD}@news.example/a",
        "http://@news.example/a",
        f"HTTP://{CREDENTIALS}@News.Example/a",
    ],
)
def test_url_problem_refuses_userinfo_and_points_to_the_credentials_setting(url: str) -> None:
    problem = url_problem(url)
    assert problem is not None
    assert "fetch.credentials" in problem
    assert CREDENTIALS not in problem and f":{PASSWORD}@" not in problem
    assert "news.example" in problem.lower()  # the URL is named, without its credentials
    assert normalise_url(url) is None


@pytest.mark.parametrize(
    "url",
    [
        f"ftp://{CREDENTIALS}@news.example/a",
        f"http://{CREDENTIALS}@news.example/a\x01",
        f"http://{CREDENTIALS}@/a",
        f"http://{CREDENTIALS}@bad..host/a",
        f"javascript://{CREDENTIALS}@x/%0aalert(1)",
    ],
)
def test_no_message_of_the_validator_shows_a_password(url: str) -> None:
    problem = url_problem(url)
    assert problem is not None
    assert PASSWORD not in problem


def test_config_refuses_a_url_with_credentials_without_showing_them(tmp_path: Path) -> None:
    config = tmp_path / "scraper.toml"
    config.write_text(f'[sources]\nurls = ["http://{CREDENTIALS}@news.example/a"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(config), {})
    message = str(caught.value)
    assert "sources.urls[0]" in message and "fetch.credentials" in message
    assert PASSWORD not in message


# ─── the credentials setting ────────────────────────────────────────────────────────────────────────────


def test_credentials_are_read_from_the_file_by_host_key_and_never_shown(tmp_path: Path) -> None:
    config = tmp_path / "scraper.toml"
    config.write_text(
        '[fetch.credentials]\n"Intranet.Example:8080" = "alice:pw with: colon"\n"b.example" = "bob:x"\n',
        encoding="utf-8",
    )
    settings = load_settings(str(config), {})
    assert dict(settings.fetch.credentials) == {
        "intranet.example:8080": "alice:pw with: colon",
        "b.example": "bob:x",
    }
    assert "pw with" not in repr(settings) and "bob:x" not in repr(settings)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (f'[fetch]\ncredentials = "{CREDENTIALS}"\n', "a table"),
        (f'[fetch.credentials]\n"h.example" = "no-colon-{PASSWORD}"\n', "user:password"),
        (f'[fetch.credentials]\n"h.example/path" = "{CREDENTIALS}"\n', "host"),
        (f'[fetch.credentials]\n"http://h.example" = "{CREDENTIALS}"\n', "host"),
        ('[fetch.credentials]\n"h.example" = 12\n', "user:password"),
    ],
)
def test_a_bad_credentials_setting_is_refused_without_showing_the_password(
    tmp_path: Path, toml: str, expected: str
) -> None:
    config = tmp_path / "scraper.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(config), {})
    message = str(caught.value)
    assert "fetch.credentials" in message and expected in message
    assert PASSWORD not in message


def test_credentials_have_no_command_line_flag() -> None:
    # A password in argv is visible to every user of the machine (ps, /proc/PID/cmdline).
    assert all("credentials" not in key.path for command in COMMANDS for key in command_flags(command))


def test_the_fetcher_sends_basic_auth_to_its_host_only() -> None:
    with PageSite({"/page": normal_article("B", TOLD)}) as other:
        pages = {"/page": normal_article("A", TOLD), "/robots.txt": "User-agent: *\nAllow: /\n"}
        with PageSite(pages, redirects={"/away": other.url("/page")}) as site:
            settings = FetchSettings(allow_private=True, delay=0, credentials={site.key: "alice:pw:x"})

            async def fetch_both() -> tuple[FetchStatus, FetchStatus]:
                async with Fetcher(settings) as fetcher:
                    first = await fetcher.fetch(site.url("/page"))
                    second = await fetcher.fetch(site.url("/away"))
                return first.status, second.status

            assert asyncio.run(fetch_both()) == (FetchStatus.OK, FetchStatus.OK)
    assert set(site.requests) == {
        ("/robots.txt", basic("alice:pw:x")),
        ("/page", basic("alice:pw:x")),
        ("/away", basic("alice:pw:x")),
    }
    assert other.requests and all(auth is None for _, auth in other.requests)


def test_a_redirect_to_a_url_with_credentials_fails_without_showing_them() -> None:
    with PageSite({"/page": normal_article("A", TOLD)}) as site:
        site.redirect("/go", site.url("/page", CREDENTIALS))
        settings = FetchSettings(allow_private=True, delay=0, respect_robots=False)

        async def fetch() -> object:
            async with Fetcher(settings) as fetcher:
                return await fetcher.fetch(site.url("/go"))

        result = asyncio.run(fetch())
        assert result.status is FetchStatus.FAILED  # type: ignore[attr-defined]
        assert result.error.kind is ErrorKind.INVALID_URL  # type: ignore[attr-defined]
        assert PASSWORD not in repr(result)
        assert site.requests == [("/go", None)]


# ─── end to end ─────────────────────────────────────────────────────────────────────────────────────────


def test_run_refuses_a_url_with_credentials_as_any_invalid_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with PageSite({"/page": normal_article("A", TOLD)}) as site:
        invalid = main(["run", "--db", str(tmp_path / "other.db"), *LOCAL, "--url", "ftp://news.example/a"])
        db = str(tmp_path / "news.db")
        status = main(["run", "--db", db, *LOCAL, "--url", site.url("/page", CREDENTIALS)])
        assert site.requests == []
    err = capsys.readouterr().err
    assert status == invalid
    assert "fetch.credentials" in err + caplog.text
    assert PASSWORD not in err + caplog.text
    assert PASSWORD not in database_text(db)


@pytest.mark.parametrize("flag", ["--feed", "--sitemap", "--page"])
def test_a_source_with_credentials_is_never_fetched_shown_or_stored(
    flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    db = str(tmp_path / "news.db")
    with PageSite({"/source": credential_links_page("http://x")}) as site:
        main(["run", "--db", db, *LOCAL, flag, site.url("/source", CREDENTIALS)])
        assert all(auth is None for _, auth in site.requests)
        assert all(path != "/source" for path, _ in site.requests)
    captured = capsys.readouterr()
    assert PASSWORD not in captured.err + captured.out + caplog.text
    assert PASSWORD not in database_text(db)


@pytest.mark.parametrize("fmt", ["txt", "json"])
def test_get_refuses_a_url_with_credentials_without_printing_them(
    fmt: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with PageSite({"/page": normal_article("A", TOLD)}) as site:
        status = main(["get", *LOCAL, "--format", fmt, site.url("/page", CREDENTIALS)])
        assert site.requests == []
    captured = capsys.readouterr()
    assert status == 1
    assert "invalid_url" in captured.out + captured.err
    assert "fetch.credentials" in captured.out + captured.err
    assert PASSWORD not in captured.out + captured.err + caplog.text


def test_links_canonical_and_og_url_with_credentials_are_never_stored_or_exported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    db = str(tmp_path / "news.db")
    with PageSite({}) as site:
        base = site.url("")
        site.add(
            {
                "/section": credential_links_page(base, title="Section page"),
                "/canonical": credential_links_page(base, title="Canonical article"),
                "/og": credential_links_page(base, title="Og article", canonical=False),
            }
        )
        status = main(
            ["run", "--db", db, *LOCAL, "--page", site.url("/section")]
            + [f"--url={site.url(path)}" for path in ("/canonical", "/og")]
        )
        assert all(auth is None for _, auth in site.requests)
        assert not any(path.startswith("/news/") for path, _ in site.requests)  # the links were dropped
    # The section page is left with no crawlable link: a failed source (README "What counts as a failure").
    assert status == 1
    assert PASSWORD not in database_text(db)
    assert PASSWORD not in capsys.readouterr().err + caplog.text

    assert main(["export", "--db", db, "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    canonicals = {record["title"]: record["canonical_url"] for record in records}
    assert canonicals == {
        "Canonical article": site.url("/canonical"),
        "Og article": site.url("/og"),
    }
    assert main(["export", "--db", db, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert len(list(csv.DictReader(io.StringIO(out)))) == 2
    assert PASSWORD not in out


def test_extract_drops_userinfo_from_the_url_and_the_canonical() -> None:
    page = credential_links_page("http://news.example", title="Canonical article")
    document = extract(page, f"http://{CREDENTIALS}@news.example/a")
    assert document.url == "http://news.example/a"
    assert document.canonical_url == "http://news.example/canonical"
    assert PASSWORD not in repr(document)
    og = extract(credential_links_page("http://news.example", canonical=False), None)
    assert og.canonical_url == "http://news.example/og"
