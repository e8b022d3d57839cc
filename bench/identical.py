"""Every Document field of every dataset page, dumped, so two versions of the extractor can be compared.

Usage::

    python bench/identical.py dump OUT.jsonl [DATASET...]     # one JSON line per page, datasets in order
    python bench/identical.py diff BASE.jsonl BRANCH.jsonl     # the pages and fields that differ

A change that means to alter *how* the stages compute, not what they decide (speed work), must leave the
dump byte-identical: ``diff`` prints each page and field that differs and exits 1 when any does. The
datasets default to scrapinghub and wcxb-dev (the 890 pages of bench/extraction.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATASETS = [ROOT.parent / "shared" / "datasets" / name for name in ("scrapinghub", "wcxb-dev")]


def dump(out: Path, datasets: list[Path]) -> int:
    from scraper import extract

    count = 0
    with out.open("w", encoding="utf-8") as sink:
        for folder in datasets:
            truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
            for path in sorted((folder / "html").glob("*.html.gz")):
                page_id = path.name.removesuffix(".html.gz")
                html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
                url = truth.get(page_id, {}).get("url")
                document = dataclasses.asdict(extract(html, url))
                record = {"page": f"{folder.name}/{page_id}", **document}
                sink.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
    print(f"{count} pages dumped to {out}")
    return 0


def _records(path: Path) -> dict[str, dict[str, object]]:
    with path.open(encoding="utf-8") as source:
        return {record["page"]: record for record in map(json.loads, source)}


def diff(base: Path, branch: Path) -> int:
    old, new = _records(base), _records(branch)
    differing = 0
    for page in sorted(old.keys() | new.keys()):
        if page not in old or page not in new:
            print(f"{page}: only in {'branch' if page in new else 'base'}")
            differing += 1
            continue
        fields = sorted(
            key for key in old[page].keys() | new[page].keys() if old[page].get(key) != new[page].get(key)
        )
        if fields:
            print(f"{page}: {', '.join(fields)}")
            differing += 1
    print(f"{len(old)} base pages, {len(new)} branch pages, {differing} differ")
    return 1 if differing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="extract every page and write its Document as a JSON line")
    dumping.add_argument("out", type=Path)
    dumping.add_argument("datasets", nargs="*", type=Path, default=DEFAULT_DATASETS)
    diffing = commands.add_parser("diff", help="compare two dumps page by page, field by field")
    diffing.add_argument("base", type=Path)
    diffing.add_argument("branch", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        return dump(args.out, args.datasets)
    return diff(args.base, args.branch)


if __name__ == "__main__":
    sys.exit(main())
