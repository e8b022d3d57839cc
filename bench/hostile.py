"""Hostile input against the scraper's limits: every case in a fresh `scraper` process, bounded or not.

    python bench/hostile.py                        # every case, then the mixed site; under a minute
    python bench/hostile.py --only deep-extract    # one case (names: --only list)
    python bench/hostile.py --skip-mixed           # the cases only
    python bench/hostile.py --only mixed           # the mixed site only
    python bench/hostile.py --mixed-parse-timeout 20s

Part 1, the cases. One local site (tests/hostile/site.py, on 127.0.0.1) serves the hostile pages and
sources of tests/hostile/pages.py; each case runs `python -m scraper extract|get|run` once, in a fresh
process, and is printed with its wall time (process start to exit), the peak RSS of its process tree
(the run and its extraction workers, summed, sampled every 20 ms), exit status and outcome: the reason
of the failure as the scraper names it (stderr of `extract`, `error.kind` of `get --format json`, the
`--report json` of `run`), or what was checked (no control characters on stdout, no password stored).

PASS when the case ended within its time limit + 5 s, its peak RSS stayed under its memory limit and
the outcome is the expected one. The limits are the defaults, `run.parse_timeout` (20 s) and
`run.parse_memory` (1 GiB, per extraction worker), for every case (a `run` case too: its whole run is
held to the one limit). Memory is counted as: peak RSS of the tree <= parse_memory + the baseline of
the same command (its peak RSS on a small normal page, measured first: the interpreter, the CLI and the
idle worker, which the limit does not cover). `run` is given `run.workers = 1` so that one worker's
limit is the tree's, and `--limit 5` so that the links a hostile source yields do not turn a case into
a crawl.

Part 2, the mixed site. 100 real pages of ../shared/datasets/scrapinghub (tests/fake_site.py dataset
mode, read at run time, never copied) and 20 hostile pages (pages that blow the memory limit, pages
that blow the time limit, stacked deflate) on 127.0.0.1, plus hostile sources (a broken sitemap, a
feed that is an HTML page, a section page with 20,000 links 10,000 levels deep). One `scraper run
--urls FILE` over the 120 URLs and the sources into a new SQLite file; then at once a second run on the
same file. `run.parse_timeout` is lowered to `--mixed-parse-timeout` (5 s) there only so that seven
pages that each hold a worker for the whole limit do not make the bench long. Printed: stored, failed
by reason, failed sources, exit status, wall time and peak RSS of both runs (the limit: one
parse_memory per worker, one per core by default, + the `run` baseline of part 1), and a PASS/FAIL line
per acceptance point of issue 10.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl import Measured, run_measured, stored_texts  # noqa: E402  (one measurement for every bench)

from tests.fake_site import FakeSite  # noqa: E402
from tests.hostile.pages import (  # noqa: E402
    CREDENTIALS,
    broken_sitemap,
    credential_links_page,
    deep_bogus_nesting,
    normal_article,
    reopened_formatting,
    sitemap_index,
    stacked_deflate,
    terminal_escapes_article,
    urlset,
)
from tests.hostile.site import PageSite  # noqa: E402
from tests.sitegen import DATASETS_ROOT  # noqa: E402

RSS_SAMPLE_SECONDS = 0.02  # short enough to catch the peak of a worker killed within seconds
PARSE_TIMEOUT = 20.0  # seconds: run.parse_timeout's default, the limit every case is held to
PARSE_MEMORY_MB = 1024.0  # run.parse_memory's default (1 GiB), per extraction worker
GRACE = 5.0  # seconds past the time limit a case may take (issue 10's acceptance)
DEADLINE_MARGIN = 120.0  # seconds past limit + grace after which a case is killed: a hang, not a result
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1 but \t and \n
SITEMAP_CHILDREN = 50_000  # the protocol's most children per index
SITEMAP_INDEXES = 20  # indexes listing the same children: a million entries without dedup
SECTION_DEPTH, SECTION_LINKS = 10_000, 20_000  # the 1.2 MB section page (30 s in the event loop)
PARAGRAPHS = 9_000  # distinct paragraphs of about 115 bytes: a 1 MB page
MIXED_WORKERS = os.cpu_count() or 1  # part 2 keeps run.workers' default: one extraction process per core
RUN_FLAGS = ("--allow-private", "--no-robots", "--delay", "0", "--report", "json")


# --- measuring one command ---------------------------------------------------------------------------------


def measure(args: Sequence[str], deadline: float) -> Measured:
    """Run `args` in its own process group, sampling its tree's RSS; kill the group past `deadline` s."""
    return run_measured(args, REPO_ROOT, deadline)


def scraper(*args: str) -> list[str]:
    return [sys.executable, "-m", "scraper", *args]


# --- outcomes ----------------------------------------------------------------------------------------------


def extract_outcome(run: Measured) -> str:
    if run.returncode == 0:
        return f"extracted {len(json.loads(run.stdout).get('text', ''))} chars"
    named = [line for line in run.stderr.splitlines() if line.startswith("scraper:")]
    return named[-1].split(": ", 2)[-1] if named else run.stderr.strip()[-120:]


def get_outcome(run: Measured) -> str:
    try:
        row = json.loads(run.stdout.splitlines()[0])
    except (IndexError, json.JSONDecodeError):
        return f"no JSON on stdout; stderr: {run.stderr.strip()[-120:]}"
    if "error" in row:
        return f"{row['error']['kind']}: {row['error']['message']}"
    return f"extracted {len(row.get('text') or '')} chars"


def report_of(run: Measured) -> dict[str, object]:
    try:
        report: dict[str, object] = json.loads(run.stdout or "{}")
    except json.JSONDecodeError:
        return {}
    return report


def run_outcome(run: Measured) -> str:
    report = report_of(run)
    if not report:
        return f"no report; stderr: {run.stderr.strip()[-120:]}"
    parts = [f"stored {report.get('stored')}"]
    if failed := report.get("failed"):
        parts.append(f"failed {failed}")
    for source in report.get("failed_sources") or []:  # type: ignore[attr-defined]
        parts.append(f"source failed: {source['reason']}: {source['message'][:90]}")
    if limits := report.get("limits_reached"):
        parts.append(f"limits reached {limits}")
    return "; ".join(parts)


OUTCOMES: dict[str, Callable[[Measured], str]] = {"extract": extract_outcome, "get": get_outcome}


# --- the cases ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    command: str  # extract, get or run
    args: list[str]
    expect: Callable[[Measured], tuple[bool, str]] | None = None  # a check beyond time and memory

    def outcome(self, run: Measured) -> str:
        return OUTCOMES.get(self.command, run_outcome)(run)


@dataclass(frozen=True)
class Bench:
    work: Path
    site: PageSite
    config: Path

    def file(self, name: str, text: str) -> str:
        path = self.work / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def run(self, name: str, *args: str) -> list[str]:
        """`scraper run` on a fresh SQLite file of its own, one worker, few URLs fetched."""
        db = str(self.work / f"{name}.db")
        return scraper("run", "--config", str(self.config), "--db", db, *RUN_FLAGS, "--limit", "5", *args)


def serve_hostile(site: PageSite) -> None:
    """Everything part 1 fetches, on one local site (sources naming the site's own URL need its port)."""
    story = normal_article(
        "A story", *(f"Paragraph {n} of an ordinary story, long enough." for n in range(8))
    )
    deep_links = "".join(f'<a href="{site.url(f"/story-{n}")}">story {n}</a>' for n in range(SECTION_LINKS))
    child = urlset([site.url("/story")])
    children = [site.url(f"/child-{n}.xml") for n in range(SITEMAP_CHILDREN)]
    index = sitemap_index(children)
    xml = "application/xml"
    site.add(
        {
            "/story": story,
            "/reopened": reopened_formatting(500, 20_000),
            "/deep": deep_bogus_nesting(300_000),
            "/section": f"<html><body>{'<div>' * SECTION_DEPTH}{deep_links}</body></html>",
            "/broken-sitemap.xml": broken_sitemap(10_000, base=site.url("")),
            "/index.xml": sitemap_index([site.url(f"/index-{k}.xml") for k in range(SITEMAP_INDEXES)]),
            **{f"/index-{k}.xml": index for k in range(SITEMAP_INDEXES)},
            **{f"/child-{n}.xml": child for n in range(SITEMAP_CHILDREN)},
            "/deflate": stacked_deflate(story.encode(), 1500),
            "/escapes": terminal_escapes_article(),
            "/credentials": credential_links_page(site.url("").rstrip("/")),
        },
        content_types={"/broken-sitemap.xml": xml, "/index.xml": xml}
        | {f"/index-{k}.xml": xml for k in range(SITEMAP_INDEXES)}
        | {f"/child-{n}.xml": xml for n in range(SITEMAP_CHILDREN)},
        headers={"/deflate": {"Content-Encoding": ", ".join(["deflate"] * 1500)}},
    )


def distinct_paragraphs() -> str:
    return normal_article(
        "Many paragraphs",
        *(f"Paragraph {n} says a thing of its own, unlike any other paragraph of page {n * 7}." for n in
          range(PARAGRAPHS)),
    )  # fmt: skip


def no_control_characters(run: Measured) -> tuple[bool, str]:
    found = CONTROL.findall(run.stdout)
    return not found, f"{len(run.stdout)} chars on stdout, {len(found)} control characters"


def no_password(bench: Bench, db: str) -> Callable[[Measured], tuple[bool, str]]:
    password = CREDENTIALS.split(":", 1)[1].encode()

    def check(run: Measured) -> tuple[bool, str]:
        leaks = [p.name for p in bench.work.glob(f"{db}.db*") if password in p.read_bytes()]
        leaks += [
            name for name, out in (("stdout", run.stdout), ("stderr", run.stderr)) if password.decode() in out
        ]
        return not leaks, f"password in: {', '.join(leaks) or 'nothing'}; {run_outcome(run)}"

    return check


def cases(bench: Bench) -> list[Case]:
    site, file = bench.site, bench.file
    return [
        Case("reopened-extract", "extract", scraper("extract", "--format", "json",
             file("reopened.html", reopened_formatting(500, 20_000)))),
        Case("deep-extract", "extract", scraper("extract", "--format", "json",
             file("deep.html", deep_bogus_nesting(300_000)))),
        Case("paragraphs-1mb-extract", "extract", scraper("extract", "--format", "json",
             file("paragraphs.html", distinct_paragraphs()))),
        Case("reopened-get", "get", scraper("get", "--config", str(bench.config), "--format", "json",
             "--allow-private", "--no-robots", site.url("/reopened"))),
        Case("deep-get", "get", scraper("get", "--config", str(bench.config), "--format", "json",
             "--allow-private", "--no-robots", site.url("/deep"))),
        Case("deflate-1500-get", "get", scraper("get", "--config", str(bench.config), "--format", "json",
             "--allow-private", "--no-robots", site.url("/deflate"))),
        Case("escapes-get", "get", scraper("get", "--config", str(bench.config), "--allow-private",
             "--no-robots", site.url("/escapes")), no_control_characters),
        Case("section-deep-run", "run", bench.run("section", "--page", site.url("/section"))),
        Case("broken-sitemap-run", "run",
             bench.run("broken", "--sitemap", site.url("/broken-sitemap.xml"))),
        Case("index-amplification-run", "run", bench.run("index", "--sitemap", site.url("/index.xml"))),
        Case("credentials-run", "run", bench.run("credentials", "--page", site.url("/credentials")),
             no_password(bench, "credentials")),
    ]  # fmt: skip


def baselines(bench: Bench) -> dict[str, float]:
    """Peak RSS of each command on a small normal page: what the memory limit is added to."""
    page = bench.file("normal.html", normal_article("Normal", *(f"Paragraph {n} of text." for n in range(8))))
    commands = {
        "extract": scraper("extract", "--format", "json", page),
        "get": scraper("get", "--config", str(bench.config), "--format", "json", "--allow-private",
                       "--no-robots", bench.site.url("/story")),
        "run": bench.run("baseline", "--page", bench.site.url("/story")),
    }  # fmt: skip
    return {name: measure(args, PARSE_TIMEOUT + DEADLINE_MARGIN).peak_mb for name, args in commands.items()}


def part1(bench: Bench, only: str | None, base: dict[str, float]) -> bool:
    chosen = [case for case in cases(bench) if only in (None, case.name)]
    print(f"limits: run.parse_timeout {PARSE_TIMEOUT:.0f} s (+{GRACE:.0f} s), run.parse_memory "
          f"{PARSE_MEMORY_MB:.0f} MB per worker + the command's baseline: "
          + ", ".join(f"{name} {mb:.0f} MB" for name, mb in base.items()))  # fmt: skip
    print(f"{'case':<24} {'cmd':<7} {'limit':>12} {'s':>6} {'peak MB':>8} {'exit':>4} {'':4} outcome")
    ok_all = True
    for case in chosen:
        run = measure(case.args, PARSE_TIMEOUT + GRACE + DEADLINE_MARGIN)
        memory_limit = PARSE_MEMORY_MB + base[case.command]
        within = run.seconds <= PARSE_TIMEOUT + GRACE and run.peak_mb <= memory_limit
        expected, outcome = case.expect(run) if case.expect else (True, case.outcome(run))
        ok = within and expected
        ok_all &= ok
        limit = f"{PARSE_TIMEOUT:.0f}s/{memory_limit:.0f}MB"
        print(
            f"{case.name:<24} {case.command:<7} {limit:>12} {run.seconds:>6.1f} {run.peak_mb:>8.0f} "
            f"{run.returncode:>4} {'PASS' if ok else 'FAIL'} {outcome}",
            flush=True,
        )
    return ok_all


# --- part 2: the mixed site --------------------------------------------------------------------------------


def hostile_pages(count: int = 20) -> tuple[dict[str, str | bytes], dict[str, dict[str, str]]]:
    """`count` pages that must fail: over the memory limit, over the time limit, 1,500 deflates."""
    story = normal_article("A story", *(f"Paragraph {n} of an ordinary story." for n in range(8))).encode()
    pages: dict[str, str | bytes] = {}
    headers: dict[str, dict[str, str]] = {}
    for n in range(count):
        if n % 3 == 0:
            pages[f"/hostile/reopened-{n}"] = reopened_formatting(500 + n, 20_000)
        elif n % 3 == 1:
            pages[f"/hostile/deep-{n}"] = deep_bogus_nesting(300_000 + n)
        else:
            pages[f"/hostile/deflate-{n}"] = stacked_deflate(story, 1500)
            headers[f"/hostile/deflate-{n}"] = {"Content-Encoding": ", ".join(["deflate"] * 1500)}
    return pages, headers


def mixed_sources(site: PageSite) -> list[str]:
    """A broken sitemap, a feed that is an HTML page, a section page over budget: their flags."""
    links = "".join(f'<a href="{site.url(f"/story-{n}")}">story {n}</a>' for n in range(SECTION_LINKS))
    site.add(
        {
            "/broken-sitemap.xml": broken_sitemap(10_000, base=site.url("")),
            "/feed.xml": normal_article("Not a feed", "An HTML page where a feed should be."),
            "/section": f"<html><body>{'<div>' * SECTION_DEPTH}{links}</body></html>",
        },
        content_types={"/broken-sitemap.xml": "application/xml"},
    )
    return [
        *("--sitemap", site.url("/broken-sitemap.xml"), "--feed", site.url("/feed.xml")),
        *("--page", site.url("/section"), "--exclude", "/story-"),
    ]


def part2(work: Path, parse_timeout: str, baseline_mb: float) -> bool:
    if not DATASETS_ROOT.is_dir():
        print(f"part 2 skipped: {DATASETS_ROOT} is missing")
        return True
    pages, headers = hostile_pages()
    with (
        FakeSite.datasets(["scrapinghub"], hosts=2, limit=100) as real,
        PageSite(pages, headers=headers) as bad,
    ):
        real_urls = [url for url, _ in real.pages]
        hostile_urls = [bad.url(path) for path in pages]
        urls = work / "mixed-urls.txt"
        urls.write_text("\n".join(real_urls + hostile_urls) + "\n", encoding="utf-8")
        config = work / "mixed.toml"
        config.write_text(f'db = "{work / "mixed.db"}"\n[run]\nparse_timeout = "{parse_timeout}"\n')
        command = scraper(
            "run", "--config", str(config), "--urls", str(urls), *RUN_FLAGS, *mixed_sources(bad)
        )
        first = measure(command, 600)
        second = measure(command, 600)
        stored = stored_texts(work / "mixed.db")
    memory_limit = MIXED_WORKERS * PARSE_MEMORY_MB + baseline_mb
    return mixed_verdict(first, second, real_urls, hostile_urls, stored, (parse_timeout, memory_limit))


def mixed_verdict(
    first: Measured, second: Measured, real: list[str], hostile: list[str], stored: dict[str, str],
    limits: tuple[str, float],
) -> bool:  # fmt: skip
    parse_timeout, memory_limit = limits
    report = report_of(first)
    failed: dict[str, int] = report.get("failed") or {}  # type: ignore[assignment]
    sources = Counter(s["reason"] for s in report.get("failed_sources") or [])  # type: ignore[attr-defined]
    print(
        f"{len(real)} real pages (scrapinghub) + {len(hostile)} hostile; run.parse_timeout "
        f"{parse_timeout}, {MIXED_WORKERS} workers of run.parse_memory {PARSE_MEMORY_MB:.0f} MB"
    )
    print(f"first run:  {first.seconds:.1f} s, peak {first.peak_mb:.0f} MB, exit {first.returncode}; "
          f"{run_outcome(first)}")  # fmt: skip
    print(f"  failed by reason: {dict(failed)}; failed sources by reason: {dict(sources)}")
    print(f"second run: {second.seconds:.1f} s, peak {second.peak_mb:.0f} MB, exit {second.returncode}; "
          f"{run_outcome(second)}")  # fmt: skip
    real_stored = sum(url in stored for url in real)
    hostile_stored = [url for url in hostile if url in stored]
    hostile_failed = sum(failed.values()) == len(hostile) and not hostile_stored
    checks = [
        (f"all {len(real)} real pages stored ({real_stored})", real_stored == len(real)),
        (f"the {len(hostile)} hostile pages failed, with reasons ({sum(failed.values())} failed, "
         f"{len(hostile_stored)} hostile stored)", hostile_failed),
        (f"hostile sources failed with reasons ({sum(sources.values())} of 3)", sum(sources.values()) == 3),
        (f"exit 1 ({first.returncode})", first.returncode == 1),
        (f"no stall: first run within 120 s ({first.seconds:.1f} s)", first.seconds <= 120),
        (f"peak RSS {first.peak_mb:.0f} MB <= {memory_limit:.0f} MB", first.peak_mb <= memory_limit),
        (f"next run starts at once: not 75 ({second.returncode}), {second.seconds:.1f} s",
         second.returncode != 75 and second.seconds <= 60),
    ]  # fmt: skip
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'} {text}")
    return all(ok for _, ok in checks)


# --- main --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", metavar="CASE", help="run this case only ('mixed': part 2; 'list' prints the names)"
    )
    parser.add_argument("--skip-mixed", action="store_true", help="part 1 only, no mixed site")
    parser.add_argument("--mixed-parse-timeout", default="5s", help="run.parse_timeout of part 2 [5s]")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scraper-hostile-") as folder, PageSite({}) as site:
        work = Path(folder)
        config = work / "scraper.toml"
        config.write_text("[run]\nworkers = 1\n", encoding="utf-8")
        bench = Bench(work, site, config)
        if args.only == "list":
            print("\n".join([*(case.name for case in cases(bench)), "mixed"]))
            return 0
        serve_hostile(site)
        base = baselines(bench)
        ok = args.only == "mixed" or part1(bench, args.only, base)
        if args.only in (None, "mixed") and not args.skip_mixed:
            print()
            ok &= part2(work, args.mixed_parse_timeout, base["run"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
