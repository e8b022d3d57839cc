"""Many workers on one PostgreSQL frontier: `scraper run` with 1, 2 and 4 worker processes, same site.

    python bench/workers.py                        # 1, 2 and 4 workers; about two minutes on two cores
    python bench/workers.py --workers 1 2 4 8 --hosts 40
    python bench/workers.py --dsn postgresql://scraper@db.internal/bench

A local fake news site (tests/fake_site.py) serves `--hosts` hosts of `--articles` articles each, every
host on its own loopback address (127.0.0.2, 127.0.0.3, ...: the store counts politeness per host name),
with the test suite's faults: pages that answer 500 or 404, reset the connection, answer slowly, are
disallowed by robots.txt or are not HTML, plus AMP twins (a second URL of an article). Every article page
takes `--latency` seconds at the server, as a real site would.

For each worker count, in a fresh PostgreSQL schema on the same site: that many `scraper run` processes
start together, each seeded from the same URL file (as each machine of a deployment would be), and run
until nothing is due. Printed per worker count:

- pages/s: URLs brought to a final state (stored, failed or skipped) over the wall time from the first
  start to the last exit, and the speed-up against the first worker count (1);
- peak MB/worker: the largest RSS of one worker's process tree (the run and its extraction process),
  sampled every 20 ms;
- politeness as the server saw it, over all workers together: the most requests to one host started
  within any one second (`--delay` allows 1/delay), the shortest gap between two request starts to one
  host, robots.txt included (`--delay`), and the most requests in flight to one host
  (`--per-host-concurrency`). Server times are taken by the site's threads in this process, so the gap
  carries a few milliseconds of their scheduling.

The workers' own settings: `--concurrency` requests at once each, one extraction process each, three
attempts per URL (short backoff), a 60 s lease.
"""

from __future__ import annotations

import argparse
import bisect
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from crawl import _tree_rss_mb  # noqa: E402  (one RSS-of-a-process-tree reader for both benches)
from psycopg import sql  # noqa: E402

from tests.fake_site import FakeSite, HostStats  # noqa: E402

DEFAULT_DSN = os.environ.get("SCRAPER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
RSS_SAMPLE_SECONDS = 0.02  # short enough to catch the peak of a worker's extraction
RUN_DEADLINE = 1800.0  # seconds; a crawl that takes longer is a hang, not a measurement
RATE_WINDOW = 1.0  # seconds: "requests per second to one host" is counted over windows this long


# --- measuring processes ----------------------------------------------------------------------------------


@dataclass
class Crawl:
    """One crawl by `workers` processes: wall time, each worker's peak RSS and exit status."""

    workers: int
    seconds: float
    peak_mb: list[float]
    exit_codes: list[int]
    final_urls: int  # URLs stored, failed or skipped
    left_urls: int  # URLs still pending or claimed at the end (should be none)
    stored: int


def run_workers(count: int, command: Sequence[str], folder: Path) -> tuple[float, list[float], list[int]]:
    """Start `count` copies of `command` together; sample their RSS until all exit."""
    began = time.monotonic()
    processes = []
    for n in range(count):
        with (folder / f"w{n}.stderr").open("wb") as err:
            processes.append(subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=err))
    peaks = [0.0] * count
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for index, process in enumerate(processes):
                peaks[index] = max(peaks[index], _tree_rss_mb(process.pid))
            time.sleep(RSS_SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        codes = [process.wait(timeout=RUN_DEADLINE) for process in processes]
    finally:
        done.set()
        sampler.join()
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return time.monotonic() - began, peaks, codes


# --- the database -----------------------------------------------------------------------------------------


def with_search_path(dsn: str, schema: str) -> str:
    parts = urlsplit(dsn)
    option = "options=" + quote(f"-csearch_path={schema}")
    return urlunsplit(parts._replace(query=f"{parts.query}&{option}" if parts.query else option))


def crawl(count: int, site_args: list[str], admin: psycopg.Connection[tuple[object, ...]], dsn: str) -> Crawl:
    """One crawl in a fresh schema, dropped afterwards."""
    schema = f"bench_workers_{uuid.uuid4().hex[:12]}"
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        schema_dsn = with_search_path(dsn, schema)
        # The schema is created once, as a deployment's `scraper db migrate` would, so the workers'
        # start-up is what is timed, not a migration.
        subprocess.run(
            [sys.executable, "-m", "scraper", "db", "migrate", "--db", schema_dsn],
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
        )
        command = [sys.executable, "-m", "scraper", "run", "--db", schema_dsn, *site_args]
        with tempfile.TemporaryDirectory(prefix="scraper-workers-") as folder:
            seconds, peaks, codes = run_workers(count, command, Path(folder))
            failed_to_run = [code for code in codes if code not in (0, 1)]
            if failed_to_run:
                errors = (Path(folder) / "w0.stderr").read_text(encoding="utf-8", errors="replace")
                raise SystemExit(f"{count} workers: exit statuses {codes}\n{errors[-2000:]}")
        with psycopg.connect(schema_dsn, autocommit=True) as db:
            rows = db.execute("SELECT state, count(*) FROM urls GROUP BY state").fetchall()
            stored_row = db.execute("SELECT count(*) FROM documents").fetchone()
            states: dict[str, int] = {str(state): int(str(n)) for state, n in rows}
    finally:
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    final = sum(states.get(state, 0) for state in ("done", "failed", "skipped"))
    left = sum(states.get(state, 0) for state in ("pending", "claimed"))
    return Crawl(count, seconds, peaks, codes, final, left, int(str(stored_row[0])) if stored_row else 0)


# --- politeness at the server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Politeness:
    max_per_window: int  # most request starts to one host within any RATE_WINDOW seconds
    min_gap: float  # shortest time between two request starts to one host
    max_in_flight: int


def politeness(hosts: list[HostStats]) -> Politeness:
    most, gaps = 0, []
    for host in hosts:
        starts = sorted(record.started for record in host.requests)
        for index, start in enumerate(starts):
            most = max(most, bisect.bisect_left(starts, start + RATE_WINDOW) - index)
        gap = host.min_gap(exclude=())
        if gap is not None:
            gaps.append(gap)
    return Politeness(most, min(gaps, default=0.0), max(host.max_in_flight for host in hosts))


# --- main -------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="worker counts, in order")
    parser.add_argument("--hosts", type=int, default=30)
    parser.add_argument("--articles", type=int, default=50, help="articles per host")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds each article page takes")
    parser.add_argument("--delay", type=float, default=0.05, help="fetch.delay of every worker")
    parser.add_argument("--per-host-concurrency", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4, help="fetch.concurrency of each worker")
    parser.add_argument("--dsn", default=DEFAULT_DSN, help="PostgreSQL database (a schema per crawl)")
    args = parser.parse_args(argv)
    if args.hosts > 250:
        parser.error("--hosts: at most 250 (one loopback address each, 127.0.0.2 to 127.0.0.251)")

    addresses = [f"127.0.0.{index + 2}" for index in range(args.hosts)]
    with (
        tempfile.TemporaryDirectory(prefix="scraper-workers-") as folder,
        FakeSite(
            articles=args.articles,
            hosts=args.hosts,
            addresses=addresses,
            amp=1,
            latency=args.latency,
            slow_seconds=1.0,
            # Per host: one article each answering 500, 404, a reset, slowly, robots-disallowed, a PDF.
            failing=1,
            missing=1,
            reset=1,
            slow=1,
            private=1,
            files=1,
        ) as site,
        psycopg.connect(args.dsn, autocommit=True) as admin,
    ):
        work = Path(folder)
        urls = site.urls_of() + site.amp_urls
        (work / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
        (work / "scraper.toml").write_text(
            f"""
[fetch]
concurrency = {args.concurrency}
per_host_concurrency = {args.per_host_concurrency}
delay = {args.delay}
attempts = 3
backoff = "0.05s"
allow_private = true

[run]
lease = "60s"
workers = 1
""",
            encoding="utf-8",
        )
        site_args = ["--config", str(work / "scraper.toml"), "--urls", str(work / "urls.txt")]
        results: list[tuple[Crawl, Politeness]] = []
        for count in args.workers:
            site.reset_stats()
            result = crawl(count, site_args, admin, args.dsn)
            results.append((result, politeness(site.stats())))

    per_second_limit = 1 / args.delay if args.delay else float("inf")
    print(
        f"{len(urls)} URLs on {args.hosts} hosts ({args.articles} articles each, 6 faulty, 1 AMP twin), "
        f"{args.latency:g}s per article page; per host: delay {args.delay:g}s "
        f"(at most {per_second_limit:g} requests/s), {args.per_host_concurrency} in flight; "
        f"each worker: concurrency {args.concurrency}, 1 extraction process"
    )
    print(
        f"{'workers':>7} {'seconds':>8} {'pages/s':>8} {'speed-up':>8} {'stored':>6} {'left':>4} "
        f"{'peak MB/worker':>14} {'max req/s/host':>14} {'min gap s':>9} {'max in flight/host':>18}"
    )
    base_rate = results[0][0].final_urls / results[0][0].seconds
    for result, polite in results:
        rate = result.final_urls / result.seconds
        print(
            f"{result.workers:>7} {result.seconds:>8.1f} {rate:>8.1f} {rate / base_rate:>7.2f}x "
            f"{result.stored:>6} {result.left_urls:>4} {max(result.peak_mb):>14.0f} "
            f"{polite.max_per_window:>14} {polite.min_gap:>9.3f} {polite.max_in_flight:>18}"
        )
    print(
        f"speed-up is against {results[0][0].workers} worker(s); exit statuses: "
        + "; ".join(f"{r.workers}: {r.exit_codes}" for r, _ in results)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
