"""Metadata agreement with labelled pages: scraper's extract_metadata against trafilatura's, same run.

Usage::

    python bench/metadata.py [../shared/datasets/wcxb-dev] [--show-misses FIELD]

For every page of the dataset's ``metadata.json`` both extractors read the page, and their title, author
and date are compared with the labels. Agreement (importable: ``title_agrees``, ``author_agrees``,
``date_agrees``):

- title: equal after normalisation (case folded, quotes dropped, whitespace collapsed);
- author: the same set of names, each normalised as a title and split on ";", ",", "&", "and", "|";
- date: the same calendar day (the first 10 characters of an ISO 8601 value);
- a missing value agrees with a missing label (null vs null), and with nothing else.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATASET = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "wcxb-dev"

_QUOTES_RE = re.compile(r"[\"'“”‘’«»„`]")
_WHITESPACE_RE = re.compile(r"\s+")
_AUTHOR_SEPARATORS_RE = re.compile(r"\s*(?:;|,|&|\||\band\b)\s*")


def normalise_title(value: str | None) -> str | None:
    if value is None:
        return None
    folded = _WHITESPACE_RE.sub(" ", _QUOTES_RE.sub("", value.casefold())).strip()
    return folded or None


def normalise_authors(value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    names = {normalise_title(part) for part in _AUTHOR_SEPARATORS_RE.split(value.casefold())}
    found = frozenset(name for name in names if name)
    return found or None


def normalise_day(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip()[:10] or None


def title_agrees(found: str | None, expected: str | None) -> bool:
    return normalise_title(found) == normalise_title(expected)


def author_agrees(found: str | None, expected: str | None) -> bool:
    return normalise_authors(found) == normalise_authors(expected)


def date_agrees(found: str | None, expected: str | None) -> bool:
    return normalise_day(found) == normalise_day(expected)


AGREEMENT: dict[str, Callable[[str | None, str | None], bool]] = {
    "title": title_agrees,
    "author": author_agrees,
    "date": date_agrees,
}


@dataclass(frozen=True, slots=True)
class Found:
    title: str | None
    author: str | None
    date: str | None


def scraper_metadata(html: str, url: str | None) -> Found:
    from selectolax.lexbor import LexborHTMLParser

    from scraper.extract.metadata import extract_metadata

    meta = extract_metadata(LexborHTMLParser(html), url)
    return Found(meta.title, meta.author, meta.date)


def trafilatura_metadata(html: str, url: str | None) -> Found:
    import trafilatura

    meta = trafilatura.extract_metadata(html, default_url=url)
    return Found(meta.title, meta.author, meta.date)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--show-misses", choices=sorted(AGREEMENT), help="print scraper's misses of a field")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    labels: dict[str, dict[str, str | None]] = json.loads((args.dataset / "metadata.json").read_text())
    truth = json.loads((args.dataset / "ground-truth.json").read_text())
    systems = {"scraper": scraper_metadata, "trafilatura": trafilatura_metadata}
    agreed = {name: dict.fromkeys(AGREEMENT, 0) for name in systems}
    seconds = dict.fromkeys(systems, 0.0)
    page_ids = sorted(labels)[: args.limit]
    for page_id in page_ids:
        html = gzip.decompress((args.dataset / "html" / f"{page_id}.html.gz").read_bytes()).decode(
            "utf-8", "replace"
        )
        url = truth.get(page_id, {}).get("url")
        for name, read in systems.items():
            started = time.perf_counter()
            found = read(html, url)
            seconds[name] += time.perf_counter() - started
            for field_name, agrees in AGREEMENT.items():
                ok = agrees(getattr(found, field_name), labels[page_id][field_name])
                agreed[name][field_name] += ok
                if not ok and name == "scraper" and args.show_misses == field_name:
                    label = labels[page_id][field_name]
                    print(f"{page_id}\tfound={getattr(found, field_name)!r}\tlabel={label!r}")

    total = len(page_ids)
    print(
        f"\nmetadata agreement on {total} pages of {args.dataset.name} (share of pages; null vs null agrees)"
    )
    print(f"{'system':<12} {'title':>7} {'author':>7} {'date':>7} {'ms/page':>8}")
    for name in systems:
        shares = [agreed[name][field_name] / total for field_name in AGREEMENT]
        print(
            f"{name:<12} "
            + " ".join(f"{share:7.3f}" for share in shares)
            + f" {seconds[name] / total * 1000:8.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
