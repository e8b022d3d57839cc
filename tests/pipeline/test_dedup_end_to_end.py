"""Issue 13 acceptance, end to end: a local site with stories, their exact and near copies on other paths
(wire copy, print view, an AMP page without a canonical link, a tracking-parameter link) and section
pages. `scraper run` from the section pages, then `scraper export`: each story once and no section page,
on SQLite and on PostgreSQL with several workers saving at once.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from html import escape
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from scraper.cli import main
from tests.hostile.site import PageSite

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_ambient_config")]

POSTGRES_DSN = os.environ.get("SCRAPER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
STORIES = 6
WORKERS = 3
DEADLINE = 180  # seconds for the workers' runs together
SYLLABLES = ("ka", "lo", "mi", "ren", "tas", "vo", "dor", "pel", "sun", "gri", "fa", "nu", "bex", "tal", "os")


def words(rng: random.Random, count: int) -> list[str]:
    """Made-up words from a large vocabulary: distinct stories share few word pairs, as real ones do."""
    return ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(count)]


def story(number: int) -> tuple[str, list[str]]:
    """A headline and six paragraphs of three sentences."""
    rng = random.Random(number)
    headline = " ".join(words(rng, 5)).capitalize()
    paragraphs = [
        " ".join(" ".join(words(rng, rng.randint(10, 14))).capitalize() + "." for _ in range(3))
        for _ in range(6)
    ]
    return headline, paragraphs


def page(site_name: str, headline: str, paragraphs: list[str], canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{escape(headline)} | {site_name}</title>{link}</head><body>"
        f'<header><a href="/">{site_name}</a><nav><a href="/section/world">World</a>'
        f'<a href="/section/business">Business</a></nav></header>'
        f"<main><article><h1>{escape(headline)}</h1><p>By the {site_name} desk</p>{body}</article></main>"
        f"<aside><h2>Most read</h2><ul><li>Weather</li><li>Markets</li></ul></aside>"
        f"<footer>© 2026 {site_name}. All rights reserved.</footer></body></html>"
    )


def one_sentence_changed(paragraphs: list[str]) -> list[str]:
    changed = list(paragraphs)
    sentences = changed[2].split(". ")
    sentences[1] = "Officials later corrected the figures given in the first version of this report"
    changed[2] = ". ".join(sentences)
    return changed


def site_pages() -> tuple[dict[str, str], list[str], dict[str, str]]:
    """Path → HTML of the site, the section pages' paths, and each story's first sentence by slug."""
    pages: dict[str, str] = {}
    links: list[str] = []
    first_sentences: dict[str, str] = {}
    for number in range(STORIES):
        headline, paragraphs = story(number)
        slug = "-".join(headline.lower().split())
        first_sentences[slug] = paragraphs[0].split(". ")[0]
        variants = {
            f"/news/{slug}": page("Daily Ledger", headline, paragraphs),
            f"/wire/{slug}-syndicated": page("Wire Service", headline, paragraphs),
            f"/print/{slug}-print-view": page("Daily Ledger", headline, one_sentence_changed(paragraphs)),
            f"/amp/{slug}-amp-page": page("Ledger AMP", headline.upper(), paragraphs[:-1]),
        }
        pages.update(variants)
        links += [*variants, f"/news/{slug}?utm_source=newsletter&utm_medium=email"]
    teasers = "".join(f'<li><a href="{link}">Read the story {i}</a></li>' for i, link in enumerate(links))
    sections = ["/section/world", "/section/business"]
    for path in sections:
        pages[path] = page("Daily Ledger", f"Section {path}", [f"Latest stories of {path}."]).replace(
            "</article>", f"</article><ul>{teasers}</ul>"
        )
    return pages, sections, first_sentences


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[list[str], dict[str, str]]]:
    """The section pages' URLs and each story's first sentence, while the site is served."""
    pages, sections, first_sentences = site_pages()
    with PageSite(pages) as served:
        yield [served.url(path) for path in sections], first_sentences


def export(db: str, capsys: pytest.CaptureFixture[str], *flags: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["export", "--db", db, "--format", "jsonl", *flags]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def assert_each_story_once(
    db: str, capsys: pytest.CaptureFixture[str], first_sentences: dict[str, str]
) -> None:
    exported = export(db, capsys)
    assert not [row["url"] for row in exported if "/section/" in str(row["url"])]
    for slug, sentence in first_sentences.items():
        holding = [row["url"] for row in exported if sentence in str(row["text"])]
        assert len(holding) == 1, (slug, holding)
    assert len(exported) == STORIES
    # The copies are kept, each pointing at the one exported document of its story.
    originals = {str(row["url"]) for row in exported}
    copies = [row for row in export(db, capsys, "--with-duplicates") if row["duplicate_of"]]
    assert len(copies) >= 3 * STORIES  # wire copy, print view, AMP page of each story
    assert {str(row["duplicate_of"]) for row in copies} <= originals


def test_sqlite_run_exports_each_story_once_and_no_section_page(
    site: tuple[list[str], dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sections, first_sentences = site
    db = str(tmp_path / "news.db")
    flags = [flag for url in sections for flag in ("--page", url)]
    assert main(["run", "--db", db, *flags, "--allow-private", "--delay", "0"]) == 0
    assert_each_story_once(db, capsys, first_sentences)
    capsys.readouterr()
    assert main(["status", "--db", db, "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["duplicates"] >= 3 * STORIES and status["non_articles"] == 0


@pytest.fixture
def postgres_dsn() -> Iterator[str]:
    """A fresh schema of its own on the test server; skipped without a server, failed under CI."""
    try:
        admin = psycopg.connect(POSTGRES_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable at {POSTGRES_DSN}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_DSN}: {exc}")
    schema = f"scraper_dedup_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            parts = urlsplit(POSTGRES_DSN)
            option = "options=" + quote(f"-csearch_path={schema}")
            yield urlunsplit(parts._replace(query=f"{parts.query}&{option}" if parts.query else option))
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.mark.postgres
def test_postgres_workers_saving_at_once_export_each_story_once(
    site: tuple[list[str], dict[str, str]],
    postgres_dsn: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sections, first_sentences = site
    assert main(["db", "migrate", "--db", postgres_dsn]) == 0  # the workers then start together
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCRAPER_")}
    flags = [flag for url in sections for flag in ("--page", url)]
    command = [sys.executable, "-m", "scraper", "run", "--db", postgres_dsn, *flags, "--allow-private"]
    workers = [
        subprocess.Popen(
            [*command, "--delay", "0"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=DEADLINE)
        assert worker.returncode == 0, err.decode(errors="replace")
    assert_each_story_once(postgres_dsn, capsys, first_sentences)
