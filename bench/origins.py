"""Memory per origin: the Fetcher's peak RSS against the number of origins a run meets.

    python bench/origins.py                          # 1,000, 5,000 and 10,000 origins, 64 KiB robots.txt
    python bench/origins.py --origins 500 1000 2000 --robots-kb 128

Each origin (o1.test, o2.test, ... mapped to 127.0.0.1 by the Fetcher's injectable `resolver`) serves a
large robots.txt (`--robots-kb` of Disallow lines, which protego parses to ~7 bytes per byte) and one page;
the Fetcher fetches one page per origin with robots.txt obeyed, `--delay` between requests to a host. Per
origin it keeps robots.txt rules, a host schedule, a host slot and a connection pool: every one of them
bounded, the peak RSS stays flat as the number of origins grows. Each count runs in a fresh child process,
so each peak RSS is its own; the site runs in another process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGE = (
    b"<!doctype html><html><head><title>Article</title></head><body><article>"
    + b"<p>The council met on Tuesday to discuss the new budget.</p>" * 40
    + b"</article></body></html>"
)


def make_robots(size_kb: int) -> bytes:
    lines = ["User-agent: *", "Allow: /article/"]
    size = 0
    while size < size_kb * 1024:
        line = f"Disallow: /private/section-{len(lines)}/page-{len(lines)}.html"
        lines.append(line)
        size += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


# --- the site ---------------------------------------------------------------------------------------------


async def _serve(robots: bytes, conn: Connection) -> None:
    def response(content_type: str, body: bytes) -> bytes:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode() + body

    answers = {b"/robots.txt": response("text/plain", robots), b"/article/1": response("text/html", PAGE)}
    missing = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                writer.write(answers.get(request.split(b" ", 2)[1], missing))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    conn.send(server.sockets[0].getsockname()[1])
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # wait for "stop"
    server.close()


def site_process(robots_kb: int, conn: Connection) -> None:
    asyncio.run(_serve(make_robots(robots_kb), conn))


# --- the client -------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: ru_maxrss would show a forked parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _crawl(port: int, origins: int, delay: float, concurrency: int) -> dict[str, float]:
    from scraper.config import FetchSettings
    from scraper.fetch import Fetcher

    async def resolve(host: str) -> list[str]:
        return ["127.0.0.1"]  # every oN.test is the local site

    settings = FetchSettings(
        allow_private=True, respect_robots=True, delay=delay, concurrency=concurrency, attempts=1
    )
    urls = (f"http://o{i}.test:{port}/article/1" for i in range(1, origins + 1))
    ok = failed = 0
    started = time.monotonic()
    async with Fetcher(settings, resolver=resolve) as fetcher:
        async for result in fetcher.fetch_many(urls):
            if result.status.value == "ok":
                ok += 1
            else:
                failed += 1
    return {"ok": ok, "failed": failed, "seconds": time.monotonic() - started}


def client_process(port: int, origins: int, delay: float, concurrency: int, conn: Connection) -> None:
    figures = asyncio.run(_crawl(port, origins, delay, concurrency))
    conn.send({**figures, "origins": origins, "peak_rss_mb": peak_rss_mb()})


def measure(port: int, origins: int, args: argparse.Namespace) -> dict[str, float]:
    parent, child = mp.Pipe()
    process = mp.get_context("spawn").Process(
        target=client_process, args=(port, origins, args.delay, args.concurrency, child)
    )
    process.start()
    figures: dict[str, float] = parent.recv()
    process.join()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--origins", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--robots-kb", type=int, default=64, help="size of each origin's robots.txt")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds between requests to one host")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)

    site, site_end = mp.Pipe()
    server = mp.get_context("spawn").Process(target=site_process, args=(args.robots_kb, site_end))
    server.start()
    port = site.recv()
    try:
        rows = [measure(port, origins, args) for origins in args.origins]
    finally:
        site.send("stop")
        server.join()
    print(
        f"one page per origin, each origin's robots.txt {args.robots_kb} KiB, delay {args.delay}s, "
        f"concurrency {args.concurrency}; peak RSS of the fetching process"
    )
    print(f"{'origins':>8} {'ok':>8} {'failed':>7} {'seconds':>8} {'pages/s':>8} {'peak RSS MB':>12}")
    for row in rows:
        rate = row["ok"] / row["seconds"] if row["seconds"] else 0.0
        print(
            f"{row['origins']:>8} {row['ok']:>8} {row['failed']:>7} {row['seconds']:>8.1f} {rate:>8.1f} "
            f"{row['peak_rss_mb']:>12.1f}"
        )
    if args.json:
        print(json.dumps(rows))
    return 0 if all(row["failed"] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
