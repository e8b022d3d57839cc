"""Issue 11, what the commands say and write: `status --failed`, log flags and JSON logs, where the
database is and that read-only commands never make one, export and extract outputs, the progress bar.

End to end through `main([...])`, against the fake news site on 127.0.0.1 where fetching is needed.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest

from scraper.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, cli
from scraper.config import load_settings
from scraper.extract import extract
from scraper.models import Document, StoredDocument
from scraper.render import export
from tests.fake_site import ArticleKind, FakeSite
from tests.hostile.site import PageSite
from tests.test_cli import LOCAL, LONG_PARAGRAPH, article_text, run, write_page

pytestmark = pytest.mark.usefixtures("no_ambient_config")

REPO = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def site() -> Iterator[FakeSite]:
    with FakeSite(articles=20, hosts=1, slow=0) as fake:
        yield fake


@pytest.fixture
def crawled(site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, list[str], str]:
    """A database with two stored articles and one failed URL: (db, stored URLs, failed URL)."""
    db = str(tmp_path / "news.db")
    urls = site.urls_of(ArticleKind.OK)[:2]
    failing = site.urls_of(ArticleKind.ERROR_500)[0]
    flags = [flag for url in [*urls, failing] for flag in ("--url", url)]
    assert run(["run", "--db", db, *LOCAL, *flags], capsys)[0] == EXIT_FAILED
    return db, urls, failing


# ─── 3. status --failed, -v and --log-level, failed URLs logged ────────────────────────────────────────


def test_status_failed_lists_each_failed_url_with_reason_attempts_and_next_attempt(
    crawled: tuple[str, list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _, failing = crawled

    status, out, _ = run(["status", "--db", db, "--failed"], capsys)
    assert status == EXIT_OK
    line = next(line for line in out.splitlines() if failing in line)
    assert "http_status" in line and " 1 " in line  # reason, attempts

    status, out, _ = run(["status", "--db", db, "--failed", "--format", "json"], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == EXIT_OK
    assert [(row["url"], row["reason"], row["attempts"]) for row in rows] == [(failing, "http_status", 1)]
    assert "500" in rows[0]["message"]
    assert rows[0]["next_attempt"] > rows[0]["failed_at"]

    status, out, _ = run(["status", "--db", db, "--failed", "--since", "2999-01-01"], capsys)
    assert status == EXIT_OK and failing not in out


@pytest.mark.parametrize(
    "command", [["run"], ["get"], ["extract"], ["export"], ["status"], ["reextract"], ["db", "migrate"]]
)
def test_every_command_takes_verbose_and_log_level(command: list[str]) -> None:
    group: click.Command = cli
    for name in command:
        assert isinstance(group, click.Group)
        group = group.commands[name]
    names = {name for param in group.params for name in param.opts}
    assert {"-v", "--verbose", "--log-level"} <= names


def test_a_failed_url_is_logged_at_info_with_its_reason_and_log_level_hides_it(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = site.urls_of(ArticleKind.ERROR_500)[0]
    args = ["run", *LOCAL, "--url", failing]

    status, _, err = run([*args, "--db", str(tmp_path / "a.db")], capsys)
    assert status == EXIT_FAILED
    assert re.search(rf"INFO .*{re.escape(failing)}.*http_status", err), err

    status, _, err = run([*args, "--db", str(tmp_path / "b.db"), "--log-level", "warning"], capsys)
    assert status == EXIT_FAILED and failing not in err

    status, _, err = run([*args, "--db", str(tmp_path / "c.db"), "-v"], capsys)
    assert status == EXIT_FAILED and " DEBUG " in err


# ─── 4. --log-format json: every stderr line is JSON ───────────────────────────────────────────────────


def test_under_json_logs_every_stderr_line_is_json_and_the_summary_carries_the_report(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [site.urls_of(ArticleKind.OK)[3], site.urls_of(ArticleKind.ERROR_500)[0]]
    flags = [flag for url in urls for flag in ("--url", url)]
    args = ["run", "--db", str(tmp_path / "j.db"), *LOCAL, *flags, "--log-format", "json"]

    status, out, err = run([*args, "--report", "json", "-v"], capsys)

    records = [json.loads(line) for line in err.strip().splitlines()]
    report = json.loads(out)
    assert status == EXIT_FAILED
    summary = records[-1]
    assert summary["message"].startswith("scraper run: 1 stored")
    assert {key: summary[key] for key in report} == report
    assert any(urls[1] in record["message"] for record in records[:-1])


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--db", "missing.db"],
        ["get", "--allow-private", "--no-robots", "http://127.0.0.1:1/x", "--timeout", "2"],
        ["export", "--format", "jsonl", "--db", "missing.db"],
        ["status", "--no-such-flag"],
    ],
)
def test_under_json_logs_messages_and_errors_are_json_too(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run([*args, "--log-format", "json"], capsys)
    assert status != EXIT_OK
    lines = err.strip().splitlines()
    assert lines
    for line in lines:
        assert json.loads(line)["message"]


# ─── 5. where the database is; read-only commands never make one ───────────────────────────────────────


@pytest.mark.parametrize("command", [["status"], ["export", "--format", "jsonl"], ["reextract"]])
def test_a_read_only_command_on_a_missing_database_exits_2_naming_it_and_creates_nothing(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "mistyped.db"
    status, out, err = run([*command, "--db", str(db)], capsys)
    assert (status, out) == (EXIT_USAGE, "")
    assert str(db) in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["status"], ["export", "--format", "jsonl"], ["reextract"], ["run"]])
def test_a_sqlite_file_that_is_not_ours_is_refused_and_left_as_it_was(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "notes.db"
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE notes (body TEXT)")
    before = db.read_bytes()

    status, _, err = run([*command, "--db", str(db)], capsys)

    assert status == EXIT_USAGE
    assert str(db) in err and "not a scraper database" in err
    assert db.read_bytes() == before
    # No -wal or -shm file: never switched to WAL (`run` takes its lock file first, beside it).
    assert sorted(path.name for path in tmp_path.iterdir() if path.suffix != ".lock") == ["notes.db"]


def test_the_readme_says_where_the_main_jobs_database_lands_and_that_is_where_it_lands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    main_job = re.search(r"scraper run --config (\S+)", readme)
    assert main_job is not None
    settings = load_settings(str(REPO / main_job.group(1)), {})
    lands = Path(settings.db).relative_to(REPO).as_posix()
    assert f"`{lands}`" in readme.split("## Commands", 1)[0]


# ─── 6. outputs ────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("fmt", "separator"), [("txt", "\n" + "=" * 72 + "\n"), ("markdown", "\n---\n")])
def test_export_txt_and_markdown_go_to_stdout_documents_apart(
    fmt: str, separator: str, site: FakeSite, crawled: tuple[str, list[str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    db, urls, _ = crawled
    status, out, _ = run(["export", "--db", db, "--format", fmt], capsys)
    assert status == EXIT_OK
    parts = out.split(separator)
    assert len(parts) == 2
    assert sorted(sum(article_text(site, url) in part for part in parts) for url in urls) == [1, 1]


def test_export_to_a_file_writes_one_file_and_to_a_folder_one_file_per_document(
    site: FakeSite, crawled: tuple[str, list[str], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, urls, _ = crawled
    one = tmp_path / "one.txt"
    assert run(["export", "--db", db, "--format", "txt", "-o", str(one)], capsys)[0] == EXIT_OK
    assert one.is_file()
    assert all(article_text(site, url) in one.read_text(encoding="utf-8") for url in urls)

    folder = tmp_path / "out"
    assert run(["export", "--db", db, "--format", "jsonl", "-o", f"{folder}/"], capsys)[0] == EXIT_OK
    files = sorted(folder.iterdir())
    assert [path.suffix for path in files] == [".json", ".json"]
    assert {json.loads(path.read_text(encoding="utf-8"))["url"] for path in files} == set(urls)

    existing = tmp_path / "existing"
    existing.mkdir()
    assert run(["export", "--db", db, "--format", "markdown", "-o", str(existing)], capsys)[0] == EXIT_OK
    assert [path.suffix for path in existing.iterdir()] == [".md", ".md"]


def test_get_prints_markdown(site: FakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    url = site.urls_of(ArticleKind.OK)[5]
    status, out, _ = run(["get", *LOCAL, "--format", "markdown", url], capsys)
    assert status == EXIT_OK
    assert out.startswith("# ") and f"Source: {url}" in out
    assert article_text(site, url) in out


def test_extract_reads_gzip_by_its_magic_bytes_and_walks_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = tmp_path / "pages"
    (pages / "deep").mkdir(parents=True)
    plain = write_page(pages, "a.html", "Plain", LONG_PARAGRAPH)
    zipped = write_page(pages / "deep", "b.html", "Zipped", LONG_PARAGRAPH.replace("Tuesday", "Friday"))
    (pages / "deep" / "b.html.gz").write_bytes(gzip.compress(zipped.read_bytes()))
    zipped.unlink()
    (pages / "notes.txt").write_text("not a page", encoding="utf-8")
    misnamed = tmp_path / "c.htm"  # gzip without the .gz name: the magic bytes decide
    misnamed.write_bytes(gzip.compress(plain.read_bytes().replace(b"Tuesday", b"Sunday")))

    status, out, err = run(["extract", "--format", "json", str(pages), str(misnamed)], capsys)

    rows = [json.loads(line) for line in out.splitlines()]
    assert (status, err) == (EXIT_OK, "")
    assert [row["file"] for row in rows] == [str(plain), str(pages / "deep" / "b.html.gz"), str(misnamed)]
    assert ["Tuesday" in rows[0]["text"], "Friday" in rows[1]["text"], "Sunday" in rows[2]["text"]] == [
        True,
        True,
        True,
    ]


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff" * 100, b"<html><body></body></html>"])
def test_extract_of_a_file_without_text_says_so_and_exits_1(
    content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.html"
    empty.write_bytes(content)
    good = write_page(tmp_path, "good.html", "Good", LONG_PARAGRAPH)

    status, out, err = run(["extract", str(empty), str(good)], capsys)

    assert status == EXIT_FAILED
    assert LONG_PARAGRAPH in out
    assert str(empty) in err and "no text" in err


# ─── 8. the progress bar ───────────────────────────────────────────────────────────────────────────────


def test_a_terminal_gets_a_bar_with_the_total_and_an_eta_and_counts_by_state(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    urls = [*site.urls_of(ArticleKind.OK)[6:8], site.urls_of(ArticleKind.ERROR_500)[0]]
    flags = [flag for url in urls for flag in ("--url", url)]

    status, _, err = run(["run", "--db", str(tmp_path / "p.db"), *LOCAL, *flags], capsys)

    drawn = ANSI.sub("", err)
    assert status == EXIT_FAILED
    assert "0/3" in drawn and "eta" in drawn
    assert re.search(r"2 stored.*1 failed", drawn)
    assert drawn.strip().splitlines()[-1].startswith("scraper run: 2 stored")


# ─── issue 12, item 4: structure in Markdown, links with --links ───────────────────────────────────────

STRUCTURED_BODY = (
    f"<p>{LONG_PARAGRAPH} See the <a href='/survey'>survey</a>.</p><h2>Steps</h2>"
    "<ol start='2'><li>Scaffolding goes up</li><li>The lantern comes down</li></ol>"
    "<blockquote><p>We mean to keep this light burning for another century at least.</p></blockquote>"
    "<table><tr><th>Phase</th><th>Cost</th></tr><tr><td>Lantern</td><td>1.2 million</td></tr></table>"
    f"<pre>keep = True</pre><p>{LONG_PARAGRAPH.replace('Tuesday', 'Friday')}</p>"
)
STRUCTURED_MARKDOWN = (
    "## Steps\n\n2. Scaffolding goes up\n3. The lantern comes down\n\n"
    "> We mean to keep this light burning for another century at least.\n\n"
    "| Phase | Cost |\n| --- | --- |\n| Lantern | 1.2 million |\n\n```\nkeep = True\n```\n\n"
)
STRUCTURED_HTML = (
    f"<html><head><title>Works</title></head><body><article><h1>Works</h1>{STRUCTURED_BODY}</article>"
    "</body></html>"
)


def _structured_page(folder: Path) -> Path:
    path = folder / "works.html"
    path.write_text(STRUCTURED_HTML, encoding="utf-8")
    return path


def test_extract_markdown_shows_structure_and_links_only_with_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = str(_structured_page(tmp_path))
    url = ["--url", "https://port.example/news/works"]

    status, out, _ = run(["extract", "--format", "markdown", *url, page], capsys)
    assert status == EXIT_OK
    assert f"{LONG_PARAGRAPH} See the survey.\n\n" + STRUCTURED_MARKDOWN in out
    assert "](" not in out

    status, out, _ = run(["extract", "--format", "markdown", "--links", *url, page], capsys)
    assert status == EXIT_OK
    assert f"{LONG_PARAGRAPH} See the [survey](https://port.example/survey).\n\n" + STRUCTURED_MARKDOWN in out


@pytest.mark.parametrize("links", [[], ["--links"]])
def test_extract_text_stays_plain(
    links: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(
        ["extract", *links, "--url", "https://port.example/a", str(_structured_page(tmp_path))], capsys
    )
    assert status == EXIT_OK
    # An ordered list keeps its numbers in the text too (they are the page's content, not a mark).
    assert "Steps\n\n2. Scaffolding goes up\n3. The lantern comes down\n\n" in out
    assert not any(mark in out for mark in ("#", "](", "> ", "| --- |", "```", "\\"))


def test_get_markdown_keeps_links_with_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with PageSite({"/works": STRUCTURED_HTML}) as served:
        url = served.url("/works")
        status, out, _ = run(["get", *LOCAL, "--format", "markdown", url], capsys)
        assert status == EXIT_OK
        assert STRUCTURED_MARKDOWN in out and "See the survey." in out
        status, out, _ = run(["get", *LOCAL, "--format", "markdown", "--links", url], capsys)
    assert status == EXIT_OK
    assert f"See the [survey]({served.url('/survey')})." in out


class _OneDocumentStore:
    def __init__(self, document: Document) -> None:
        self.stored = StoredDocument(
            1, "https://port.example/news/works", 1, datetime(2026, 1, 1, tzinfo=UTC), document
        )

    def documents(
        self, since: datetime | None = None, *, duplicates: bool = False, non_articles: bool = False
    ) -> Iterator[StoredDocument]:
        yield self.stored


@pytest.mark.parametrize("links", [False, True])
def test_export_markdown_writes_the_stored_markdown(links: bool) -> None:
    document = extract(STRUCTURED_HTML, "https://port.example/news/works")
    out = io.StringIO()
    assert export(_OneDocumentStore(document), "markdown", None, out, links=links) == 1  # type: ignore[arg-type]
    assert STRUCTURED_MARKDOWN in out.getvalue()
    assert ("[survey](https://port.example/survey)" in out.getvalue()) is links


def test_get_extract_and_export_take_links() -> None:
    for name in ("get", "extract", "export"):
        command = cli.commands[name]
        assert "--links" in {opt for param in command.params for opt in param.opts}
