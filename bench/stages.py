"""Where extraction time goes, stage by stage, with trafilatura's time on the same pages as the yardstick.

Usage::

    python bench/stages.py [../shared/datasets/scrapinghub ../shared/datasets/wcxb-dev] [--rounds 3]

Each stage function that ``scraper.extract()`` calls by name is wrapped in a timer for the run (a few
calls a page, so the wrapping costs nothing measurable); the lowest of ``--rounds`` rounds is kept per
page and stage, so a page interrupted by another process on this shared machine does not count. The table
gives milliseconds per page (mean) and each stage's share of the whole; the floor is Lexbor's parse plus
reading the body's text (``parse`` + ``LexborNode.text()``), what no extractor built on Lexbor can beat.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATASETS = [ROOT.parent / "shared" / "datasets" / name for name in ("scrapinghub", "wcxb-dev")]

# The package, not the function: `scraper` re-exports `extract`, which shadows the attribute of the same name.
extract_module = importlib.import_module("scraper.extract")

# The stages, in the order extract() runs them: names looked up in scraper.extract's namespace.
TOP_STAGES = (
    "_decode",
    "guard_input",
    "_parse",
    "check_tree",
    "extract_metadata",
    "markup_counts",
    "_body_text",
    "classify_page",
    "serialise",
    "render_markdown",
    "fallback_text",
    "_document",
)
# The parts of _body_text (what is left of it is strip_tags, in C, and the calls between).
BODY_STAGES = (
    "place_streamed_parts",
    "visible_chars",
    "collect_blocks",
    "find_body",
    "widened",
    "headline_keys",
    "clean_body",
)
STAGES = TOP_STAGES + BODY_STAGES


def load_pages(folder: Path) -> list[str]:
    return [
        gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        for path in sorted((folder / "html").glob("*.html.gz"))
    ]


@contextmanager
def timed_stages(spent: dict[str, float]) -> Iterator[None]:
    """Every stage of `STAGES` found in the module wrapped to add its time to `spent`."""
    originals = {name: getattr(extract_module, name) for name in STAGES if hasattr(extract_module, name)}

    def wrap(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return timed

    for name, function in originals.items():
        setattr(extract_module, name, wrap(name, function))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(extract_module, name, function)


def profile_page(html: str) -> dict[str, float]:
    spent: dict[str, float] = defaultdict(float)
    with timed_stages(spent):
        started = time.perf_counter()
        extract_module.extract(html)
        spent["total"] = time.perf_counter() - started
    return spent


def floor_seconds(html: str) -> float:
    from selectolax.lexbor import LexborHTMLParser

    started = time.perf_counter()
    tree = LexborHTMLParser(html)
    (tree.body or tree.root).text()  # type: ignore[union-attr]
    return time.perf_counter() - started


def trafilatura_seconds(html: str) -> float:
    import trafilatura

    started = time.perf_counter()
    trafilatura.extract(html)
    return time.perf_counter() - started


def best_of(rounds: int, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    best: dict[str, float] = {}
    for _ in range(rounds):
        for key, value in run().items():
            best[key] = min(best.get(key, value), value)
    return best


def report(name: str, pages: list[str], rounds: int) -> None:
    totals: dict[str, float] = defaultdict(float)
    for html in pages:
        for key, value in best_of(rounds, lambda html=html: profile_page(html)).items():
            totals[key] += value
        totals["floor (Lexbor parse + text)"] += min(floor_seconds(html) for _ in range(rounds))
        totals["trafilatura"] += min(trafilatura_seconds(html) for _ in range(rounds))
    count = len(pages)
    whole = totals["total"]
    print(f"\n{name}: {count} pages, best of {rounds} rounds per page")
    print(f"{'stage':32} {'ms/page':>8} {'share':>7}")
    for stage in TOP_STAGES:
        print(f"{stage:32} {1000 * totals[stage] / count:8.3f} {totals[stage] / whole:7.1%}")
        if stage == "_body_text":
            for part in BODY_STAGES:
                print(f"  {part:30} {1000 * totals[part] / count:8.3f} {totals[part] / whole:7.1%}")
            rest = totals[stage] - sum(totals[part] for part in BODY_STAGES)
            print(f"  {'(strip_tags and between)':30} {1000 * rest / count:8.3f} {rest / whole:7.1%}")
    between = whole - sum(totals[stage] for stage in TOP_STAGES)
    print(f"{'(between stages)':32} {1000 * between / count:8.3f} {between / whole:7.1%}")
    print(f"{'extract() total':32} {1000 * whole / count:8.3f} {1:7.1%}")
    floor = totals["floor (Lexbor parse + text)"]
    print(f"{'floor (Lexbor parse + text)':32} {1000 * floor / count:8.3f} {floor / whole:7.1%}")
    peer = totals["trafilatura"]
    print(f"{'trafilatura.extract':32} {1000 * peer / count:8.3f}   speed ratio {peer / whole:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("datasets", nargs="*", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per page; the lowest time is kept")
    parser.add_argument("--limit", type=int, default=None, help="at most this many pages per dataset")
    args = parser.parse_args(argv)
    for folder in args.datasets:
        pages = load_pages(folder)[: args.limit]
        for html in pages[:20]:  # warm imports and caches before timing
            extract_module.extract(html)
            trafilatura_seconds(html)
        report(folder.name, pages, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
