"""The library functions behind `scraper get`, `export` and `reextract`, and the extraction pool."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pipeline_fakes import (
    EXPLODE_MARK,
    FakeFetcher,
    article_html,
    failing_extract,
    ok,
    pid_extract,
    shouting_extract,
    simple_extract,
)

from scraper.config import FetchSettings, RunSettings, Settings
from scraper.errors import ConfigError, ExtractionError
from scraper.models import Document, ErrorInfo, FetchResult, FetchStatus
from scraper.pipeline import ExtractionPool, GetRow, export, get_urls, reextract
from scraper.storage.sqlite import SQLiteStore
from scraper.urls import url_problem

SITE = "https://news.example"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


# ─── get_urls ──────────────────────────────────────────────────────────────────────────────────────────


def get_rows(urls: list[str], fetcher: FakeFetcher, concurrency: int = 4) -> list[GetRow]:
    settings = Settings(fetch=FetchSettings(concurrency=concurrency))

    async def collect() -> list[GetRow]:
        stream = get_urls(urls, settings, fetcher_factory=fetcher.factory, extractor=simple_extract)
        return [row async for row in stream]

    return asyncio.run(collect())


def test_get_rows_come_in_input_order_whatever_order_the_fetches_finish_in() -> None:
    urls = [f"{SITE}/story-{n}" for n in range(6)]
    pages = {url: ok(url, article_html(f"Story {n}", f"Text {n}.")) for n, url in enumerate(urls)}
    # The first URL is the slowest, the last the fastest; a window of 2 slots still keeps the order.
    fetcher = FakeFetcher(pages, latency={url: 0.05 * (6 - n) for n, url in enumerate(urls)})

    rows = get_rows(urls, fetcher, concurrency=2)

    assert [row.url for row in rows] == urls
    assert [row.document.title if row.document else None for row in rows] == [f"Story {n}" for n in range(6)]
    assert fetcher.max_in_flight > 1  # fetched side by side, not one after the other


def test_get_refuses_for_the_reasons_discovery_does_and_says_which() -> None:
    # `scraper get` used to pass a URL `scraper run` would not queue on to the fetcher.
    inputs = [f"{SITE}/" + "a" * 5000, "https://exa..mple.example/", "ftp://files.example/a"]
    fetcher = FakeFetcher({})

    rows = get_rows(inputs, fetcher)

    assert fetcher.calls == []
    assert [row.error for row in rows] == [ErrorInfo("invalid_url", str(url_problem(url))) for url in inputs]
    assert [row.error.message for row in rows if row.error] == [
        "URL longer than 4096 characters",
        "invalid host name 'exa..mple.example'",
        "not an http or https URL: 'ftp://files.example/a'",
    ]


def test_an_invalid_url_is_a_failure_row_and_is_never_fetched() -> None:
    good = f"{SITE}/good-story"
    fetcher = FakeFetcher({good: ok(good, article_html("Good", "Fine."))})

    rows = get_rows(["not a url", "ftp://files.example/a", "https://", "http://host:99999/", good], fetcher)

    assert [row.error.kind if row.error else None for row in rows] == ["invalid_url"] * 4 + [None]
    assert [call[0] for call in fetcher.calls] == [good]
    assert rows[0].to_dict() == {
        "url": "not a url",
        "status": None,
        "final_url": None,
        "error": {"kind": "invalid_url", "message": rows[0].error.message if rows[0].error else ""},
    }


def test_get_rows_carry_document_fields_status_skips_and_failures() -> None:
    stored, moved, robots, broken = (f"{SITE}/{name}" for name in ("story", "old", "private", "broken"))
    fetcher = FakeFetcher(
        {
            stored: ok(stored, article_html("Title", "Body.")),
            moved: ok(moved, article_html("Moved", "Here."), final_url=f"{SITE}/new"),
            robots: FetchResult(robots, FetchStatus.SKIPPED, skip_reason="robots"),
            broken: ok(broken, article_html("Broken", "x", extra=EXPLODE_MARK)),
        }
    )

    rows = [row.to_dict() for row in get_rows([stored, moved, robots, broken, f"{SITE}/gone"], fetcher)]

    assert rows[0] == {**Document(url=stored, title="Title", text="Body.").to_dict(), "status": 200,
                       "final_url": stored}  # fmt: skip
    assert (rows[1]["url"], rows[1]["final_url"], rows[1]["text"]) == (moved, f"{SITE}/new", "Here.")
    assert rows[2] == {"url": robots, "status": None, "final_url": None, "skipped": "robots"}
    assert rows[3]["error"]["kind"] == "extraction" and rows[3]["status"] == 200
    assert rows[4]["error"] == {"kind": "http_status", "message": "HTTP 404"}
    assert rows[4]["status"] == 404


# ─── stores with content ───────────────────────────────────────────────────────────────────────────────


def save_pages(store: SQLiteStore, pages: dict[str, str], *, now: datetime = NOW) -> None:
    """Fetch-and-store, by hand: enqueue, claim until nothing is due, save with the toy extractor."""
    store.enqueue(pages, source="test", now=now)
    while claims := store.claim(worker="test", limit=100, now=now, lease=60, host_delay=0):
        for claim in claims:
            html = pages[claim.url]
            try:
                document: Document | None = simple_extract(html, claim.url)
                fetch = ok(claim.url, html)
            except ValueError:
                document = None
                fetch = FetchResult(claim.url, FetchStatus.FAILED, error=ErrorInfo("extraction", "x"))
            store.save(claim, fetch, document, now=now, policy=RunSettings())


# ─── export ────────────────────────────────────────────────────────────────────────────────────────────


def test_export_jsonl_writes_one_object_per_document(store: SQLiteStore, tmp_path: Path) -> None:
    save_pages(
        store, {f"{SITE}/a": article_html("Ä title", "Text A."), f"{SITE}/b": article_html("B", "Text B.")}
    )
    out = tmp_path / "out.jsonl"

    count = export(store, "jsonl", None, out)

    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert count == 2
    assert [(r["url"], r["title"], r["text"], r["version"]) for r in records] == [
        (f"{SITE}/a", "Ä title", "Text A.", 1),
        (f"{SITE}/b", "B", "Text B.", 1),
    ]
    assert datetime.fromisoformat(records[0]["fetched_at"]) == NOW
    assert "Ä title" in out.read_text(encoding="utf-8")  # UTF-8, not \u escapes


def test_export_csv_and_since(store: SQLiteStore) -> None:
    save_pages(store, {f"{SITE}/old": article_html("Old", "Old text.")}, now=NOW)
    save_pages(
        store, {f"{SITE}/new": article_html("New", 'New "quoted", text.')}, now=NOW + timedelta(days=2)
    )
    stream = io.StringIO()

    count = export(store, "csv", NOW + timedelta(days=1), stream)

    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert count == 1
    assert [(row["url"], row["text"]) for row in rows] == [(f"{SITE}/new", 'New "quoted", text.')]


def test_export_files_have_safe_names_inside_the_folder(store: SQLiteStore, tmp_path: Path) -> None:
    hostile = {
        f"{SITE}/1": article_html("../../etc/passwd", "Escape attempt."),
        f"{SITE}/2": article_html("/absolute/path", "Absolute."),
        f"{SITE}/3": article_html(".hidden\x00name", "Hidden."),
        f"{SITE}/4": article_html("CON", "Reserved."),
        f"{SITE}/5": article_html("A title", "Same slug one."),
        f"{SITE}/6": article_html("A  title!", "Same slug two."),
    }
    save_pages(store, hostile)
    folder = tmp_path / "export"

    count = export(store, "txt", None, f"{folder}/")  # a trailing "/": a folder, one file per article

    files = sorted(folder.iterdir())
    assert count == len(files) == 6
    assert all(f.parent == folder and f.is_file() and not f.name.startswith(".") for f in files)
    assert all(f.suffix == ".txt" and ".." not in f.name for f in files)
    assert not (tmp_path / "etc").exists()
    texts = {f.read_text(encoding="utf-8").strip().splitlines()[-1] for f in files}
    assert texts == {
        "Escape attempt.",
        "Absolute.",
        "Hidden.",
        "Reserved.",
        "Same slug one.",
        "Same slug two.",
    }


def test_export_markdown_refuses_to_follow_a_planted_symlink(store: SQLiteStore, tmp_path: Path) -> None:
    save_pages(store, {f"{SITE}/story": article_html("Story", "Body.")})
    folder = tmp_path / "md"
    folder.mkdir()  # an existing folder: one file per article
    export(store, "markdown", None, folder)
    [written] = list(folder.iterdir())
    assert written.read_text(encoding="utf-8").startswith("# Story\n")
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    written.unlink()
    written.symlink_to(victim)

    with pytest.raises(ConfigError, match="refusing to write outside"):
        export(store, "markdown", None, folder)
    assert victim.read_text() == "untouched"


def test_export_txt_to_standard_output_and_to_one_file(
    store: SQLiteStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_pages(
        store, {f"{SITE}/1": article_html("One", "First body."), f"{SITE}/2": article_html("Two", "Second.")}
    )
    assert export(store, "txt", None, None) == 2
    assert capsys.readouterr().out.count("=" * 72) == 1
    one = tmp_path / "one.txt"  # not a folder: one file, as `-o one.txt` says
    assert export(store, "txt", None, one) == 2
    assert one.is_file() and "First body." in one.read_text(encoding="utf-8")


# ─── reextract ─────────────────────────────────────────────────────────────────────────────────────────


def test_reextract_stores_a_version_only_where_the_text_changed(store: SQLiteStore) -> None:
    save_pages(
        store,
        {
            f"{SITE}/shout": article_html("S", "quiet words."),
            f"{SITE}/digits": article_html("D", "1234."),  # upper-casing leaves it as it is
        },
    )

    first = reextract(store, extractor=shouting_extract, workers=1)
    second = reextract(store, extractor=shouting_extract, workers=1)

    assert (first.pages, first.changed, first.unchanged, first.failed) == (2, 1, 1, 0)
    assert (second.changed, second.unchanged) == (0, 2)
    latest = {d.url: (d.version, d.document.text) for d in store.documents()}
    assert latest == {f"{SITE}/shout": (2, "QUIET WORDS."), f"{SITE}/digits": (1, "1234.")}


def test_a_copy_of_a_re_extracted_text_is_found(store: SQLiteStore) -> None:
    save_pages(store, {f"{SITE}/wire": article_html("Story", "the same wire story, word for word.")})
    assert reextract(store, extractor=shouting_extract, workers=1).changed == 1

    # Another site's copy of the text as the new extractor reads it, fetched later.
    copy = article_html("Story", "THE SAME WIRE STORY, WORD FOR WORD.")
    save_pages(store, {"http://other.test/wire": copy})

    assert [(d.url, d.version) for d in store.documents()] == [(f"{SITE}/wire", 2)]
    copies = {d.url: d.duplicate_of for d in store.documents(duplicates=True)}
    assert copies["http://other.test/wire"] == f"{SITE}/wire"


def test_reextract_counts_pages_the_extractor_fails_on_and_keeps_them(store: SQLiteStore) -> None:
    save_pages(
        store, {f"{SITE}/fine": article_html("F", "fine."), f"{SITE}/also": article_html("A", "also.")}
    )

    report = reextract(store, extractor=failing_extract, workers=1)

    assert (report.pages, report.changed, report.failed) == (2, 0, 2)
    assert {d.url: (d.version, d.document.text) for d in store.documents()} == {
        f"{SITE}/fine": (1, "fine."),
        f"{SITE}/also": (1, "also."),
    }


# ─── the extraction pool ───────────────────────────────────────────────────────────────────────────────

ORPHAN_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from pipeline_fakes import pid_extract
from scraper.pipeline import ExtractionPool
pool = ExtractionPool(pid_extract, workers=2)
pids = {pool.result(pool.submit("<p>x</p>", None)).title for _ in range(8)}
print(" ".join(sorted(pids)), flush=True)
import time; time.sleep(60)
"""


def is_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (FileNotFoundError, IndexError):
        return True
    return state == "Z"  # a zombie has exited; only its parent's reaping is left


def test_extraction_processes_exit_when_their_run_is_killed() -> None:
    run = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_SCRIPT, str(Path(__file__).parent)], stdout=subprocess.PIPE, text=True
    )
    assert run.stdout is not None
    workers = [int(pid) for pid in run.stdout.readline().split()]
    assert workers and run.pid not in workers
    os.kill(run.pid, signal.SIGKILL)
    run.wait()

    deadline = time.monotonic() + 10
    while not all(is_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(is_gone(pid) for pid in workers)


def test_an_extractor_exception_comes_back_as_extraction_error() -> None:
    with ExtractionPool(simple_extract, workers=1) as pool:
        with pytest.raises(ExtractionError, match="choked"):
            pool.result(pool.submit(f"<p>x</p>{EXPLODE_MARK}", None))
        assert pool.result(pool.submit("<p>fine</p>", None)).text == "fine"


def test_extraction_uses_other_processes() -> None:
    with ExtractionPool(pid_extract, workers=2) as pool:
        pids = {pool.result(pool.submit("<p>x</p>", None)).title for _ in range(4)}
    assert str(os.getpid()) not in pids


FINGERPRINT_SCRIPT = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from pipeline_fakes import simple_extract
from scraper.pipeline import ExtractionPool
from scraper.storage import document_fingerprint
html = "<p>" + " ".join(f"word{n}" for n in range(60)) + "</p>"
with ExtractionPool(simple_extract, workers=1) as pool:
    document, fingerprint = asyncio.run(pool.extract_for_store(html, None, near=True, keep_all_pages=False))
print("rensa" in sys.modules, len(fingerprint.keys))
print(fingerprint == document_fingerprint(document, near=True))
"""


def test_the_fingerprint_of_a_page_is_made_in_the_worker_not_the_run() -> None:
    # MinHash and shingling are CPU work: made where the page is extracted, they leave the event loop
    # free. The run's process never loads rensa (imported only where a fingerprint is made).
    done = subprocess.run(
        [sys.executable, "-c", FINGERPRINT_SCRIPT, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded_here, keys = done.stdout.split("\n")[0].split()
    assert (loaded_here, int(keys) > 1) == ("False", True)
    assert done.stdout.split("\n")[1] == "True"


def test_a_page_the_run_skips_as_not_an_article_is_not_fingerprinted() -> None:
    # The fingerprint only serves the save's duplicate check: a listing skipped as not_article is not
    # saved, so the worker spares its shingling; under run.keep_all_pages it is saved, and fingerprinted.
    from scraper.models import Document, PageType
    from scraper.pipeline._pool import extract_and_fingerprint

    text = " ".join(f"word{n}" for n in range(60))

    def listing(html: str | bytes, url: str | None) -> Document:
        return Document(text=text, page_type=PageType.LISTING)

    assert extract_and_fingerprint(listing, "<p>x</p>", None, True, False)[1] is None
    kept = extract_and_fingerprint(listing, "<p>x</p>", None, True, True)[1]
    assert kept is not None and kept.keys


def test_the_markdown_of_a_stored_page_is_rendered_in_the_worker_under_its_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # extract() renders Markdown when first read; the run stores it, so the worker must render it inside
    # the call its time and memory limits cover, not later while its reply is pickled or in the storing
    # thread: a failure there would not be an extraction failure of this page.
    import importlib

    from scraper.pipeline._pool import extract_and_fingerprint

    extract_module = importlib.import_module("scraper.extract")  # the package, not the function

    def exhausted(*args: object) -> str:
        raise MemoryError

    monkeypatch.setattr(extract_module, "render_markdown", exhausted)
    page = "<article><h1>Title</h1>" + "<p>A sentence of the story, long enough.</p>" * 20 + "</article>"
    with pytest.raises(MemoryError):
        extract_and_fingerprint(extract_module.extract, page, None, True, False)
