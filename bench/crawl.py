"""The cron job end to end: `scraper run` against trafilatura's command line, same pages, same politeness.

    python bench/crawl.py                          # every page of both datasets, 8 hosts, 8 at once
    python bench/crawl.py --limit 200 --delay 0.2
    python bench/crawl.py --limit 100 --queued 100000   # memory with 100,000 URLs waiting in the store

A local site (tests/fake_site.py, dataset mode) serves the pages of ../shared/datasets/ (read at run time,
never copied) from `--hosts` servers on 127.0.0.1, each with a sitemap and a feed. Then, one after the
other, in fresh processes:

- `scraper run` discovers the pages through the sitemaps, fetches, extracts (in worker processes) and
  stores them in a new SQLite file;
- `trafilatura -i urls.txt --json --with-metadata` fetches and extracts the same URL list, hosts
  interleaved, writing one JSON file per page.

Same politeness for both: `--concurrency` downloads at once (trafilatura's `--parallel`), one request in
flight per host, `--delay` seconds between two requests to one host (trafilatura's SLEEP_TIME), no
robots.txt (trafilatura's downloader does not read it), no retries, private addresses allowed (the site is
on loopback; trafilatura's SSRF_PROTECTION off).

Printed: pages/s (pages done over wall time, process start to exit, discovery and storage included for
scraper), peak memory (the largest sum of RSS over the process and all its children, sampled every 20 ms),
and the quality of what scraper stored, scored with each dataset's own metric (see bench/extraction.py),
beside `scraper.extract` run in this process on the same pages: `differ` counts stored texts that are not
what `extract` gives, which must be none. A page missing from `stored` was kept once under another URL
(the same canonical URL: a duplicate) and scores as empty text in "F1 stored".
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction import PageScore, _harmonic, _mean, scrapinghub_score, wcxb_score  # noqa: E402

from scraper.extract import extract  # noqa: E402
from tests.fake_site import DatasetFakeSite, FakeSite  # noqa: E402
from tests.sitegen import DATASETS_ROOT, DatasetPage  # noqa: E402

RSS_SAMPLE_SECONDS = 0.02  # short enough to catch the peak of a run that lasts seconds
RUN_DEADLINE = 3600  # seconds; a run that takes longer than this is a hang, not a measurement


# --- measuring a process tree -----------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def _tree_rss_mb(root: int) -> float:
    total_kb, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
        pending += _children(pid)
    return total_kb / 1024


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mb: float
    returncode: int
    stderr: str
    stdout: str


def run_measured(args: Sequence[str], cwd: Path, deadline: float = RUN_DEADLINE) -> Measured:
    """Run `args` in its own process group, sampling the RSS of its process tree; wall time from start to
    exit. Past `deadline` seconds the group is killed (a hang, not a measurement) and stderr says so."""
    began = time.monotonic()
    process = subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
        start_new_session=True,
    )  # fmt: skip
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_mb(process.pid))
            time.sleep(RSS_SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        stderr += f"\n[bench] killed after {deadline:.0f} s"
    seconds = time.monotonic() - began
    done.set()
    sampler.join()
    return Measured(seconds, peak, process.returncode, stderr, stdout)


# --- the two tools ----------------------------------------------------------------------------------------


def run_scraper(site: DatasetFakeSite, args: argparse.Namespace, work: Path) -> tuple[Measured, Path]:
    db = work / "scraper.db"
    config = work / "scraper.toml"
    config.write_text(
        f"""db = "{db}"
[sources]
sitemaps = {json.dumps(site.sitemap_urls)}
[fetch]
concurrency = {args.concurrency}
per_host_concurrency = 1
delay = {args.delay}
attempts = 1
respect_robots = false
allow_private = true
""",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "scraper", "run", "--config", str(config), "--report", "json"]
    return run_measured(command, REPO_ROOT), db


def run_trafilatura(urls: list[str], args: argparse.Namespace, work: Path) -> tuple[Measured, int]:
    import trafilatura

    settings = (Path(trafilatura.__file__).parent / "settings.cfg").read_text(encoding="utf-8")
    for key, value in (("SLEEP_TIME", str(args.delay)), ("SSRF_PROTECTION", "off")):
        settings = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", settings)
    (work / "trafilatura.cfg").write_text(settings, encoding="utf-8")
    (work / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    out = work / "trafilatura-out"
    command = [
        str(Path(sys.executable).with_name("trafilatura")),
        *("-i", str(work / "urls.txt"), "-o", str(out), "--json", "--with-metadata"),
        *("--parallel", str(args.concurrency), "--config-file", str(work / "trafilatura.cfg")),
    ]
    measured = run_measured(command, work)
    return measured, len(list(out.glob("*.json"))) if out.exists() else 0


# --- quality of what was stored ---------------------------------------------------------------------------


def stored_texts(db: Path) -> dict[str, str]:
    """Latest stored text per URL, read straight from the SQLite file."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT u.url, d.text FROM documents d JOIN urls u ON u.id = d.url_id "
            "WHERE d.version = (SELECT max(version) FROM documents WHERE url_id = d.url_id)"
        ).fetchall()
    return dict(rows)


SCORERS: dict[str, Callable[[str, str], PageScore]] = {
    "scrapinghub": scrapinghub_score,
    "wcxb-dev": wcxb_score,
}


def dataset_f1(dataset: str, scores: list[PageScore]) -> float:
    """Each dataset's own averaging: F1 of mean P and R (Scrapinghub), mean of page F1s (WCXB)."""
    if dataset == "wcxb-dev":
        return _mean([s.f1 for s in scores])
    return _harmonic(_mean([s.precision for s in scores]), _mean([s.recall for s in scores]))


def quality(pages: list[tuple[str, DatasetPage]], stored: dict[str, str]) -> list[str]:
    truths = {
        name: json.loads((DATASETS_ROOT / name / "ground-truth.json").read_text(encoding="utf-8"))
        for name in {page.dataset for _, page in pages}
    }
    lines = [
        f"{'dataset':<12} {'pages':>5} {'stored':>6} {'F1 stored':>9} {'F1 extract()':>12} {'differ':>6}"
    ]
    for name in sorted(truths):
        mine = [(url, page) for url, page in pages if page.dataset == name]
        stored_scores, direct_scores, differ = [], [], 0
        for url, page in mine:
            truth = truths[name][page.page_id]["articleBody"]
            html = gzip.decompress(page.source(DATASETS_ROOT).read_bytes()).decode("utf-8", "replace")
            direct = extract(html, url).text
            kept = stored.get(url, "")
            differ += url in stored and kept != direct  # a page not stored is counted in `stored`
            stored_scores.append(SCORERS[name](truth, kept))
            direct_scores.append(SCORERS[name](truth, direct))
        lines.append(
            f"{name:<12} {len(mine):>5} {sum(url in stored for url, _ in mine):>6} "
            f"{dataset_f1(name, stored_scores):>9.3f} {dataset_f1(name, direct_scores):>12.3f} {differ:>6}"
        )
    return lines


# --- memory with a large frontier ------------------------------------------------------------------------


def run_with_queue(site: DatasetFakeSite, args: argparse.Namespace, work: Path, queued: int) -> Measured:
    """`scraper run --limit` over a store holding `queued` due URLs (the site's pages with ?copy=n)."""
    from scraper.storage import open_store

    db = work / f"queued-{queued}.db"
    urls = [url for url, _ in site.pages]
    store = open_store(str(db))
    try:
        copies = (f"{urls[n % len(urls)]}?copy={n}" for n in range(queued))
        store.enqueue(copies, source="bench", now=datetime.now(UTC))
    finally:
        store.close()
    command = [
        *(sys.executable, "-m", "scraper", "run", "--db", str(db), "--limit", str(args.queue_limit)),
        *("--allow-private", "--no-robots", "--delay", str(args.delay)),
        *("--concurrency", str(args.concurrency)),
    ]
    return run_measured(command, REPO_ROOT)


def memory_flatness(site: DatasetFakeSite, args: argparse.Namespace, work: Path) -> list[str]:
    lines = [f"peak memory of `scraper run --limit {args.queue_limit}` by URLs waiting in the store:"]
    for queued in (args.queue_limit, args.queued):
        run = run_with_queue(site, args, work, queued)
        lines.append(
            f"  {queued:>9,} queued: {run.peak_mb:6.0f} MB, {run.seconds:5.1f} s, exit {run.returncode}"
        )
    return lines


# --- main -------------------------------------------------------------------------------------------------


def interleaved(pages: list[tuple[str, DatasetPage]], hosts: int) -> list[str]:
    by_host: dict[str, list[str]] = {}
    for url, _ in pages:
        by_host.setdefault(url.split("/", 3)[2], []).append(url)
    lists = list(by_host.values())
    return [lst[i] for i in range(max(map(len, lists))) for lst in lists if i < len(lst)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", nargs="+", default=["scrapinghub", "wcxb-dev"])
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--limit", type=int, default=None, help="serve only the first N pages")
    parser.add_argument("--queued", type=int, default=0, help="also: peak memory with N URLs queued")
    parser.add_argument("--queue-limit", type=int, default=500, help="pages fetched in the --queued runs")
    parser.add_argument(
        "--reextract",
        action="store_true",
        help="also: `scraper reextract` over the run's store, 1 and 2 workers",
    )
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="scraper-crawl-") as folder,
        FakeSite.datasets(args.datasets, hosts=args.hosts, limit=args.limit) as site,
    ):
        work = Path(folder)
        pages = site.pages
        scraper_run, db = run_scraper(site, args, work)
        report = json.loads(scraper_run.stdout or "{}")
        urls = interleaved(pages, args.hosts)
        trafilatura_run, trafilatura_outputs = run_trafilatura(urls, args, work)
        stored = stored_texts(db)

        print(
            f"{len(pages)} pages on {args.hosts} hosts; concurrency {args.concurrency}, "
            f"1 in flight per host, delay {args.delay}s, no robots, no retries"
        )
        print(f"{'tool':<12} {'outputs':>7} {'seconds':>8} {'pages/s':>8} {'peak MB':>8} {'exit':>4}")
        rates = {}
        for name, outputs, run in (
            ("scraper", len(stored), scraper_run),
            ("trafilatura", trafilatura_outputs, trafilatura_run),
        ):
            rates[name] = len(urls) / run.seconds  # every URL fetched and extracted (or failed) by both
            print(
                f"{name:<12} {outputs:>7} {run.seconds:>8.2f} {rates[name]:>8.1f} "
                f"{run.peak_mb:>8.0f} {run.returncode:>4}"
            )
        print(f"scraper / trafilatura pages/s: {rates['scraper'] / rates['trafilatura']:.2f}x")
        print(f"scraper run report: {json.dumps(report)}")
        print()
        print("\n".join(quality(pages, stored)))
        if args.queued:
            print()
            print("\n".join(memory_flatness(site, args, work)))
        if args.reextract:
            print()
            print("\n".join(reextract_rates(db, len(stored))))
    return 0


def reextract_rates(db: Path, pages: int) -> list[str]:
    """`scraper reextract` over the stored raw pages on 1 and on 2 worker processes (`run.workers`): the
    bulk path issue 14 asks to use every core. Process start to exit, so start-up counts too."""
    lines = [f"scraper reextract over {pages} stored pages"]
    for workers in (1, 2):
        command = [sys.executable, "-m", "scraper", "reextract", "--db", str(db)]
        env = {**os.environ, "SCRAPER_WORKERS": str(workers)}
        began = time.monotonic()
        done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - began
        summary = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
        lines.append(
            f"  {workers} worker(s): {seconds:6.2f} s, {pages / seconds:6.1f} pages/s, "
            f"exit {done.returncode}: {summary}"
        )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
