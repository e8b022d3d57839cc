"""Crawl throughput: scraper's Fetcher against trafilatura's downloader, same local site, same politeness.

    python bench/fetch.py                 # 2000 pages over 50 hosts
    python bench/fetch.py --pages 10000   # the memory check (peak RSS of the client process)

What is measured, in one run, for each fetcher in a fresh child process (so peak RSS is its own):
pages fetched per second (wall clock), CPU ms per page (user + system of the client process, threads
included), peak RSS of the client process, and, measured at the server, the most requests in flight to one
host and the shortest gap between two request arrivals at one host.

The site: `--hosts` servers on 127.0.0.1, 127.0.0.2, ... (all loopback on Linux, one port each), run in
another process, each serving the same HTML page (`--page-kb`, gzip when the client accepts it) on
keep-alive connections. Distinct loopback addresses, rather than names mapped by a resolver, because
trafilatura resolves through the system; both fetchers get the very same URLs, hosts interleaved.

Same politeness for both: one request in flight per host (trafilatura's downloader takes one URL per host per
round), at least `--delay` seconds between requests to a host (trafilatura's `sleep_time`), `--concurrency`
requests at once overall (trafilatura's download threads), no robots.txt (trafilatura's downloader does not
read it), no retries. trafilatura's SSRF protection is switched off, as ours is (`allow_private`), since
the site is on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import math
import multiprocessing as mp
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from statistics import NormalDist
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


# --- the site ---------------------------------------------------------------------------------------------


def make_page(size_kb: int) -> bytes:
    paragraph = (
        "<p>The council met on Tuesday to discuss the new budget, which several members described as "
        "the most difficult in a decade. Spending on roads and schools was debated at length.</p>\n"
    )
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(30))
    head = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Article</title></head>"
        f"<body><nav><ul>{nav}</ul></nav><article>"
    )
    body = paragraph * max(1, size_kb * 1024 // len(paragraph))
    return (head + body + "</article><footer>Footer</footer></body></html>").encode()


@dataclass(frozen=True)
class Latency:
    """The server's time to first byte for each page.

    `sigma` 0 gives every page the median; above 0 the times are log-normal around the median, as measured
    response times of real web servers are (most answers quick, a long tail of slow ones). Each page's time
    is a function of its path alone, so every fetcher meets the very same slow pages whatever order it
    asks in.
    """

    median: float
    sigma: float

    def for_path(self, path: bytes) -> float:
        if not self.median or not self.sigma:
            return self.median
        digest = int.from_bytes(hashlib.blake2b(path, digest_size=8).digest(), "big")
        quantile = (digest + 0.5) / 2**64
        return self.median * math.exp(self.sigma * NormalDist().inv_cdf(quantile))


@dataclass
class SiteStats:
    requests: int = 0
    max_in_flight_per_host: int = 0
    min_gap_per_host: float = float("inf")
    in_flight: dict[str, int] = field(default_factory=dict)
    last_arrival: dict[str, float] = field(default_factory=dict)


async def _serve_site(hosts: int, page: bytes, latency: Latency, conn: Connection) -> None:
    stats = SiteStats()
    compressed = gzip.compress(page, 6)

    def head(length: int, encoding: str | None) -> bytes:
        extra = f"Content-Encoding: {encoding}\r\n" if encoding else ""
        return (
            f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n{extra}"
            f"Content-Length: {length}\r\n\r\n"
        ).encode()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                now = time.monotonic()
                stats.requests += 1
                previous = stats.last_arrival.get(host)
                if previous is not None:
                    stats.min_gap_per_host = min(stats.min_gap_per_host, now - previous)
                stats.last_arrival[host] = now
                stats.in_flight[host] = stats.in_flight.get(host, 0) + 1
                stats.max_in_flight_per_host = max(stats.max_in_flight_per_host, stats.in_flight[host])
                gzip_ok = b"gzip" in request.lower().split(b"accept-encoding:", 1)[-1].split(b"\r\n", 1)[0]
                body = compressed if gzip_ok else page
                wait = latency.for_path(request.split(b" ", 2)[1])
                if wait:
                    await asyncio.sleep(wait)  # a real server's time to first byte
                writer.write(head(len(body), "gzip" if gzip_ok else None) + body)
                await writer.drain()
                stats.in_flight[host] -= 1
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, f"127.0.0.{i + 1}", 0, backlog=1024) for i in range(hosts)]
    conn.send([(f"127.0.0.{i + 1}", s.sockets[0].getsockname()[1]) for i, s in enumerate(servers)])
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)  # wait for "stop"
    for server in servers:
        server.close()
    gap = stats.min_gap_per_host if stats.requests > 1 else 0.0
    conn.send(
        {"requests": stats.requests, "max_in_flight_per_host": stats.max_in_flight_per_host, "min_gap": gap}
    )


def site_process(hosts: int, page_kb: int, latency: Latency, conn: Connection) -> None:
    asyncio.run(_serve_site(hosts, make_page(page_kb), latency, conn))


# --- the clients ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One fetcher run: which fetcher, its parallelism, and the politeness every run shares."""

    label: str
    fetcher: str  # "scraper" | "trafilatura"
    parallel: int  # scraper: global concurrency; trafilatura: download threads
    delay: float


@dataclass(frozen=True)
class ClientResult:
    label: str
    fetched: int
    failed: int
    wall: float
    cpu: float
    peak_rss_mb: float


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_scraper(urls: list[str], run: Run) -> tuple[int, int]:
    from scraper.config import FetchSettings
    from scraper.fetch import Fetcher

    settings = FetchSettings(
        delay=run.delay,
        concurrency=run.parallel,
        per_host_concurrency=1,
        respect_robots=False,
        allow_private=True,
        attempts=1,
    )

    async def go() -> tuple[int, int]:
        ok = failed = 0
        async with Fetcher(settings) as fetcher:
            async for result in fetcher.fetch_many(urls):
                if result.ok and result.text:
                    ok += 1
                else:
                    failed += 1
        return ok, failed

    return asyncio.run(go())


def run_trafilatura(urls: list[str], run: Run) -> tuple[int, int]:
    """trafilatura's own download loop, as its CLI runs it (cli_utils.download_queue_processing)."""
    from trafilatura.downloads import add_to_compressed_dict, buffered_downloads, load_download_buffer
    from trafilatura.settings import Extractor, use_config

    config = use_config()
    config.set("DEFAULT", "SSRF_PROTECTION", "off")
    config.set("DEFAULT", "SLEEP_TIME", str(run.delay))
    options = Extractor(config=config)
    store = add_to_compressed_dict(urls)
    ok = failed = 0
    while not store.done:
        batch, store = load_download_buffer(store, run.delay)
        for _url, html in buffered_downloads(batch, run.parallel, options):
            if html:
                ok += 1
            else:
                failed += 1
    return ok, failed


FETCHERS = {"scraper": run_scraper, "trafilatura": run_trafilatura}


def client_process(urls: list[str], run: Run, conn: Connection) -> None:
    import logging

    # Imported before the clock starts: imports are not what is measured.
    import trafilatura.downloads  # noqa: F401

    import scraper.fetch  # noqa: F401

    logging.disable(logging.CRITICAL)  # trafilatura logs every download error; the counts say enough
    cpu, start = _cpu(), time.perf_counter()
    fetched, failed = FETCHERS[run.fetcher](urls, run)
    wall, cpu = time.perf_counter() - start, _cpu() - cpu
    conn.send(asdict(ClientResult(run.label, fetched, failed, wall, cpu, _peak_rss_mb())))


# --- one run ------------------------------------------------------------------------------------------------


def measure(run: Run, args: argparse.Namespace) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    site_end, site_child = ctx.Pipe()
    site_args = (args.hosts, args.page_kb, Latency(args.latency_ms / 1000, args.latency_sigma), site_child)
    site = ctx.Process(target=site_process, args=site_args)
    site.start()
    addresses = site_end.recv()
    urls = [
        f"http://{host}:{port}/article/{i}"
        for i, (host, port) in enumerate(_spread(addresses, args.pages, args.skew))
    ]
    client_end, client_child = ctx.Pipe()
    client = ctx.Process(target=client_process, args=(urls, run, client_child))
    client.start()
    result: dict[str, Any] = client_end.recv()
    client.join()
    site_end.send("stop")
    result.update(site_end.recv())
    site.join()
    result["pages_per_s"] = result["fetched"] / result["wall"] if result["wall"] else 0.0
    result["cpu_ms_per_page"] = 1000 * result["cpu"] / max(1, result["fetched"] + result["failed"])
    return result


def _spread(hosts: list[Any], count: int, skew: float) -> list[Any]:
    """Which host each page is on: hosts interleaved, as a crawl of many sites would be.

    With `skew` 0 every host has the same number of pages; above 0 host k has a share proportional to
    1 / k**skew (Zipf), as when a few big sites have most of the new articles.
    """
    weights = [1 / (rank + 1) ** skew for rank in range(len(hosts))]
    shares = [count * weight / sum(weights) for weight in weights]
    placed = [0] * len(hosts)
    spread = []
    for _ in range(count):
        # Next page to the host furthest behind its share: deterministic, interleaved, exact totals.
        behind = max(range(len(hosts)), key=lambda k: shares[k] - placed[k])
        placed[behind] += 1
        spread.append(hosts[behind])
    return spread


def trafilatura_default_threads() -> int:
    from trafilatura.settings import PARALLEL_CORES

    return int(PARALLEL_CORES)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds between requests to one host")
    parser.add_argument("--concurrency", type=int, default=16, help="scraper's requests in flight overall")
    parser.add_argument("--page-kb", type=int, default=30)
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="server's median delay before each response"
    )
    parser.add_argument(
        "--latency-sigma",
        type=float,
        default=0.0,
        help="spread of the server's delays (log-normal sigma; 0 = every response waits the median)",
    )
    parser.add_argument(
        "--skew", type=float, default=0.0, help="pages per host ~ 1/rank**skew (0 = the same for every host)"
    )
    parser.add_argument("--only", choices=sorted(FETCHERS), help="run one fetcher only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)

    default_threads = trafilatura_default_threads()
    runs = [
        Run("scraper", "scraper", args.concurrency, args.delay),
        Run(f"trafilatura {default_threads} thr", "trafilatura", default_threads, args.delay),
        Run(f"trafilatura {args.concurrency} thr", "trafilatura", args.concurrency, args.delay),
    ]
    if args.only:
        runs = [r for r in runs if r.fetcher == args.only]
    if args.concurrency == default_threads:
        runs = runs[:2] if not args.only or args.only == "scraper" else runs[:1]
    results = [measure(run, args) for run in runs]
    print(
        f"{args.pages} pages, {args.hosts} hosts on loopback, {args.page_kb} KiB page (gzip), "
        f"server latency median {args.latency_ms:g} ms sigma {args.latency_sigma:g}, "
        f"host skew {args.skew:g}; same politeness: delay {args.delay:g}s per host, "
        f"1 in flight per host; scraper concurrency {args.concurrency}, trafilatura threads as labelled "
        f"({default_threads} = its CLI default here)"
    )
    header = (
        f"{'fetcher':<18} {'ok':>6} {'failed':>6} {'pages/s':>8} {'CPU ms/page':>11} {'peak RSS MB':>11} "
        f"{'max/host':>8} {'min gap s':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['label']:<18} {r['fetched']:>6} {r['failed']:>6} {r['pages_per_s']:>8.1f} "
            f"{r['cpu_ms_per_page']:>11.2f} {r['peak_rss_mb']:>11.1f} {r['max_in_flight_per_host']:>8} "
            f"{r['min_gap']:>9.3f}"
        )
    ours = next((r for r in results if r["label"] == "scraper"), None)
    for other in results:
        if ours is not None and other is not ours and other["pages_per_s"]:
            print(f"scraper / {other['label']}: {ours['pages_per_s'] / other['pages_per_s']:.2f}x pages/s")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
