"""What the input guard protects against, and what it costs on real pages.

Usage::

    python bench/guard.py [../shared/datasets/scrapinghub ../shared/datasets/wcxb-dev] [--deep]

1. Lexbor's parse time against nesting depth and attributes per element, and what the guard does with
   each (its time, and the parse of what it passes; ``--deep`` adds 100,000 levels unguarded: ~15 s).
2. On every dataset page: Lexbor's parse, the guard (``guard_input`` before the parse, ``check_tree``
   after it) and a whole ``extract()``, per page; the guard's share of ``extract()``, how many pages
   took the precise pass and how many were refused (none should be).
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATASETS = [ROOT.parent / "shared" / "datasets" / name for name in ("scrapinghub", "wcxb-dev")]


def seconds(run: Callable[[str], object], html: str) -> float:
    started = time.perf_counter()
    run(html)
    return time.perf_counter() - started


def reopened(opened: int, repeats: int) -> str:
    """tests/hostile/pages.py's reopened_formatting: formatting elements re-created in every paragraph."""
    head = "".join(f"<b id={n}>" for n in range(opened))
    return f"<html><body><p>{head}x{'</p><p>x' * repeats}</body></html>"


def pathological_cases(deep: bool) -> list[tuple[str, str]]:
    depths = [1_000, 10_000, 30_000] + ([100_000] if deep else [])
    cases = [(f"<div> x{n:,}", "<div>" * n + "x" + "</div>" * n) for n in depths]
    cases += [(f"<ul><li> x{n:,}", "<ul><li>" * n + "x") for n in depths[:2]]
    cases += [(f"<span> x{n:,}", "<span>" * n + "x") for n in depths]
    cases += [(f"<div></x> x{n:,}", "<div></x>" * n + "x") for n in depths]
    cases += [(f"<b id=N> 500, </p><p> x{n:,}", reopened(500, n)) for n in (200, 2_000)]  # 20,000: 37 s
    cases += [
        (f"{n:,} attributes", "<div " + " ".join(f"a{i}=v" for i in range(n)) + ">x</div>")
        for n in (1_000, 10_000, 20_000)
    ]
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("datasets", nargs="*", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--deep", action="store_true", help="also parse 100,000 levels without the guard")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from selectolax.lexbor import LexborHTMLParser

    from scraper.errors import ExtractionError
    from scraper.extract import extract
    from scraper.extract.guard import check_tree, guard_input

    print(f"{'input':<22} {'parse ms':>10} {'guard ms':>10} {'guarded parse ms':>17}  outcome")
    for name, html in pathological_cases(args.deep):
        unguarded = seconds(LexborHTMLParser, html)
        started = time.perf_counter()
        try:
            guarded, outcome = guard_input(html).html, "passed"
        except ExtractionError as exc:
            guarded, outcome = "", str(exc)
        guard_time = time.perf_counter() - started
        after = seconds(LexborHTMLParser, guarded)
        times = f"{unguarded * 1000:10.1f} {guard_time * 1000:10.1f} {after * 1000:17.1f}"
        print(f"{name:<22} {times}  {outcome}")

    pages = [
        gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        for dataset in args.datasets
        for path in sorted((dataset / "html").glob("*.html.gz"))
    ]
    parse = guard = whole = 0.0
    precise = refused = 0
    for html in pages:
        parse += seconds(LexborHTMLParser, html)
        try:
            started = time.perf_counter()
            checked = guard_input(html)
            guard += time.perf_counter() - started
            tree = LexborHTMLParser(checked.html)  # the parse between the two checks is not the guard's
            started = time.perf_counter()
            check_tree(tree, checked)
            guard += time.perf_counter() - started
            precise += checked.checked
        except ExtractionError:
            refused += 1
        whole += seconds(extract, html)
    count = max(1, len(pages))
    print(
        f"\n{len(pages)} pages: parse {parse / count * 1000:.3f} ms/page, guard "
        f"{guard / count * 1000:.3f} ms/page ({guard / parse:.0%} of parse, {guard / whole:.1%} of extract), "
        f"extract {whole / count * 1000:.2f} ms/page; precise pass: {precise} pages, refused: {refused}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
