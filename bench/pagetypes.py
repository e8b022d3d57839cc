"""Page types: how often the extractor's page type is right, articles against the other kinds of page.

Usage::

    python bench/pagetypes.py ../shared/datasets/wcxb-dev ../shared/datasets/wcxb-dev-pages

Each folder holds ``html/ID.html.gz``; a folder with ``page-types.json`` (``{ID: type}``) labels its pages,
any other folder's pages are all articles. Each page goes through ``extract(html, url)`` (the URL from
``ground-truth.json`` where there is one). Printed: the share of articles called "article" (the acceptance
asks for at least 0.98: an article called anything else is dropped by ``scraper run``, "unknown" aside),
the share of other pages called something else (at least 0.80), the share of articles kept by the run
(called "article" or "unknown"), and the confusion by type (rows: labelled type, columns: page_type).
The two shares are also printed for two halves of the sites apart: each page goes to half "A" or "B" by a
hash of its host (``www.`` left out, so one site's pages, articles and others, all fall in one half). A
weight tuned on pages of one site says nothing of the site's other pages; tuned on half A, it must hold
on half B, whose sites it never saw. (The earlier split, by even and odd page IDs, put pages of one site
on both sides.)
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import zlib
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scraper.extract import extract  # noqa: E402  (after the path is set)
from scraper.models import PageType  # noqa: E402

ARTICLE = str(PageType.ARTICLE)
KEPT = {ARTICLE, str(PageType.UNKNOWN)}  # what `scraper run` stores (see docs/architecture.md)


def labelled_pages(folder: Path) -> list[tuple[str, str, Path, str | None]]:
    """(folder name, label, file, url) of each page of `folder`."""
    types_file = folder / "page-types.json"
    labels: dict[str, str] = json.loads(types_file.read_text()) if types_file.exists() else {}
    truth_file = folder / "ground-truth.json"
    truth: dict[str, dict[str, str]] = json.loads(truth_file.read_text()) if truth_file.exists() else {}
    pages = []
    for path in sorted((folder / "html").glob("*.html.gz")):
        page_id = path.name.removesuffix(".html.gz")
        url = truth.get(page_id, {}).get("url") or None
        pages.append((folder.name, labels.get(page_id, ARTICLE), path, url))
    return pages


Table = dict[str, Counter[str]]


HALVES = {"A": "sites of half A", "B": "sites of half B", "none": "pages without a URL"}


def site(url: str | None) -> str | None:
    """The page's site: its host name, lower-cased, without ``www.``."""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def half(url: str | None) -> str:
    """ "A" or "B" by a stable hash (CRC-32) of the page's site, "none" for a page without a URL."""
    name = site(url)
    if name is None:
        return "none"
    return "B" if zlib.crc32(name.encode()) % 2 else "A"


def confusion(folders: list[Path]) -> dict[str, Table]:
    """The confusion table of each half of the sites (see `half`)."""
    tables: dict[str, Table] = defaultdict(lambda: defaultdict(Counter))
    for _name, label, path, url in (page for folder in folders for page in labelled_pages(folder)):
        document = extract(gzip.decompress(path.read_bytes()), url)
        tables[half(url)][label][document.page_type] += 1
    return tables


def shares(table: Table) -> str:
    articles = table.get(ARTICLE, Counter())
    others = sum((row for label, row in table.items() if label != ARTICLE), Counter[str]())
    n_articles, n_others = sum(articles.values()), sum(others.values())
    article_share = f"{articles[ARTICLE] / n_articles:.3f}" if n_articles else "-"
    kept_share = f"{sum(articles[kind] for kind in KEPT) / n_articles:.3f}" if n_articles else "-"
    other_share = f"{1 - others[ARTICLE] / n_others:.3f}" if n_others else "-"
    return (
        f"articles called article {article_share} (kept {kept_share}, {n_articles}), "
        f"others not {other_share} ({n_others})"
    )


def report(tables: dict[str, Table]) -> None:
    for name, label in HALVES.items():
        if name in tables:
            print(f"{label:21}{shares(tables[name])}")
    table: Table = defaultdict(Counter)
    for part in tables.values():
        for label, row in part.items():
            table[label].update(row)
    if len(tables) > 1:
        print()
    articles = table.get(ARTICLE, Counter())
    others = Counter[str]()
    for label, row in table.items():
        if label != ARTICLE:
            others.update(row)
    n_articles, n_others = sum(articles.values()), sum(others.values())
    if n_articles:
        print(f"articles called article:        {articles[ARTICLE] / n_articles:.3f} ({n_articles} pages)")
        kept = sum(articles[kind] for kind in KEPT)
        print(f"articles kept (article/unknown): {kept / n_articles:.3f}")
    if n_others:
        right = n_others - others[ARTICLE]
        print(f"other pages called non-article:  {right / n_others:.3f} ({n_others} pages)")
        dropped = n_others - sum(others[kind] for kind in KEPT)
        print(f"other pages skipped by the run:  {dropped / n_others:.3f}")
    columns = [str(kind) for kind in PageType]
    print("\nconfusion (rows: labelled type, columns: page_type)")
    print(f"{'':15}" + "".join(f"{column[:8]:>9}" for column in columns) + f"{'right':>8}")
    for label in sorted(table, key=lambda name: (name != ARTICLE, name)):
        row = table[label]
        total = sum(row.values())
        right = row[ARTICLE] if label == ARTICLE else total - row[ARTICLE]
        cells = "".join(f"{row[column]:>9}" for column in columns)
        print(f"{label:15}{cells}{right / total:>8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    report(confusion(parser.parse_args().folders))


if __name__ == "__main__":
    main()
