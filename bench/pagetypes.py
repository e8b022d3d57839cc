"""Page types: how often the extractor's page type is right, articles against the other kinds of page.

Usage::

    python bench/pagetypes.py ../shared/datasets/wcxb-dev ../shared/datasets/wcxb-dev-pages

Each folder holds ``html/ID.html.gz``; a folder with ``page-types.json`` (``{ID: type}``) labels its pages,
any other folder's pages are all articles. Each page goes through ``extract(html, url)`` (the URL from
``ground-truth.json`` where there is one). Printed: the share of articles called "article" (the acceptance
asks for at least 0.98: an article called anything else is dropped by ``scraper run``, "unknown" aside),
the share of other pages called something else (at least 0.80), the share of articles kept by the run
(called "article" or "unknown"), and the confusion by type (rows: labelled type, columns: page_type).
The rules are developed on the pages with even numeric IDs: the two shares are also printed for the even
and the odd (held-out) IDs apart, so a rule that only fits the pages it was written on shows.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

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


def half(path: Path) -> str:
    """ "even" or "odd" for a numeric page ID (development and held-out pages), "other" for the rest."""
    page_id = path.name.removesuffix(".html.gz")
    if not page_id.isdigit():
        return "other"
    return "odd" if int(page_id) % 2 else "even"


def confusion(folders: list[Path]) -> dict[str, Table]:
    """The confusion table of each half of the pages (see `half`)."""
    tables: dict[str, Table] = defaultdict(lambda: defaultdict(Counter))
    for _name, label, path, url in (page for folder in folders for page in labelled_pages(folder)):
        document = extract(gzip.decompress(path.read_bytes()), url)
        tables[half(path)][label][document.page_type] += 1
    return tables


def shares(table: Table) -> str:
    articles = table.get(ARTICLE, Counter())
    others = sum((row for label, row in table.items() if label != ARTICLE), Counter[str]())
    n_articles, n_others = sum(articles.values()), sum(others.values())
    article_share = f"{articles[ARTICLE] / n_articles:.3f}" if n_articles else "-"
    other_share = f"{1 - others[ARTICLE] / n_others:.3f}" if n_others else "-"
    return f"articles called article {article_share} ({n_articles}), others not {other_share} ({n_others})"


def report(tables: dict[str, Table]) -> None:
    for name in ("even", "odd"):
        if name in tables:
            label = "development (even IDs)" if name == "even" else "held out (odd IDs)"
            print(f"{label:24}{shares(tables[name])}")
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
