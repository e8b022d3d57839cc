"""Extraction quality and speed: scraper against trafilatura, side by side in one run.

Usage::

    python bench/extraction.py ../shared/datasets/scrapinghub ../shared/datasets/wcxb-dev
    python bench/extraction.py DATASET... --limit 40 --only scraper --worst 15

Each dataset folder holds ``html/ID.html.gz`` and ``ground-truth.json``; a folder that also has
``snippets.json`` / ``metadata.json`` (wcxb) gets the snippet and metadata checks. The metric follows the
dataset: a folder with ``snippets.json`` is scored with WCXB's bag-of-words F1 per page (averaged); any
other folder with the Scrapinghub metric (4-token shingles with multiplicity, P and R averaged over pages,
F1 = harmonic mean of the averages, accuracy = share of pages whose token lists match exactly).

Both extractors get the same decoded ``str`` page by page in turn (the order alternates per page, so
neither always runs on a warm cache). trafilatura is called as ``trafilatura.extract(html)`` with its
defaults (no ``url=``). Speed counts extraction only (not reading or scoring). Peak memory is the peak
RSS (VmHWM) of a child process that runs only that extractor over the same pages, and its growth over
the imports, so C-level parser memory counts too; ``--no-memory`` skips it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

TOKEN_RE = re.compile(r"\w+", re.UNICODE)
SHINGLE_SIZE = 4  # the Scrapinghub benchmark's own choice
# Pages counted as failed: F1 under LOW_F1 among the pages with at least MIN_TRUTH_WORDS words of truth
# (below that the page has next to no article, and one stray line swings its F1).
LOW_F1 = 0.5
MIN_TRUTH_WORDS = 50


# ---------------------------------------------------------------- datasets


@dataclass(frozen=True)
class Page:
    page_id: str
    html: str
    truth: str


@dataclass(frozen=True)
class Dataset:
    name: str
    folder: Path
    ids: tuple[str, ...]
    truth: dict[str, str]
    snippets: dict[str, dict[str, list[str]]]
    metadata: dict[str, dict[str, str | None]]

    @property
    def is_wcxb(self) -> bool:
        return bool(self.snippets)

    def pages(self) -> Iterator[Page]:
        for page_id in self.ids:
            raw = gzip.decompress((self.folder / "html" / f"{page_id}.html.gz").read_bytes())
            yield Page(page_id, raw.decode("utf-8", errors="replace"), self.truth[page_id])


def _load_json(path: Path) -> dict[str, object]:
    if not path.exists():
        return {}
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_dataset(folder: Path, limit: int | None) -> Dataset:
    truth_raw = _load_json(folder / "ground-truth.json")
    truth = {key: str(value.get("articleBody") or "") for key, value in truth_raw.items()}  # type: ignore[attr-defined]
    ids = tuple(sorted(key for key in truth if (folder / "html" / f"{key}.html.gz").exists()))
    if limit is not None:
        ids = ids[:limit]
    return Dataset(
        name=folder.name,
        folder=folder,
        ids=ids,
        truth=truth,
        snippets=_load_json(folder / "snippets.json"),  # type: ignore[arg-type]
        metadata=_load_json(folder / "metadata.json"),  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------- metrics


@dataclass(frozen=True)
class PageScore:
    precision: float
    recall: float
    f1: float
    exact: bool


def _shingles(tokens: list[str]) -> Counter[tuple[str, ...]]:
    count = max(1, len(tokens) - SHINGLE_SIZE + 1)
    return Counter(tuple(tokens[i : i + SHINGLE_SIZE]) for i in range(count) if tokens[i : i + SHINGLE_SIZE])


def scrapinghub_score(truth: str, predicted: str) -> PageScore:
    """The benchmark's string_shingle_matching, normalised tp/fp/fn, its precision/recall rules."""
    true_tokens, pred_tokens = TOKEN_RE.findall(truth), TOKEN_RE.findall(predicted)
    true_sh, pred_sh = _shingles(true_tokens), _shingles(pred_tokens)
    tp = sum((true_sh & pred_sh).values())
    fp = sum((pred_sh - true_sh).values())
    fn = sum((true_sh - pred_sh).values())
    precision = 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))
    recall = 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))
    return PageScore(precision, recall, _harmonic(precision, recall), true_tokens == pred_tokens)


def wcxb_score(truth: str, predicted: str) -> PageScore:
    """Bag-of-words F1 of lower-cased \\w+ tokens for one page."""
    true_bag = Counter(TOKEN_RE.findall(truth.lower()))
    pred_bag = Counter(TOKEN_RE.findall(predicted.lower()))
    if not true_bag and not pred_bag:
        return PageScore(1.0, 1.0, 1.0, True)
    overlap = sum((true_bag & pred_bag).values())
    precision = overlap / sum(pred_bag.values()) if pred_bag else 0.0
    recall = overlap / sum(true_bag.values()) if true_bag else 0.0
    return PageScore(precision, recall, _harmonic(precision, recall), true_bag == pred_bag)


def _harmonic(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _normalise_snippet(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def snippet_present(snippet: str, normalised_text: str) -> bool:
    """Case- and whitespace-insensitive; word boundaries at both ends, so 'Home' does not hit 'homework'."""
    needle = _normalise_snippet(snippet)
    if not needle:
        return False
    pattern = (
        (r"\b" if needle[0].isalnum() else "") + re.escape(needle) + (r"\b" if needle[-1].isalnum() else "")
    )
    return re.search(pattern, normalised_text) is not None


def _normalise_name(value: str | None) -> str:
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value).lower()
    return " ".join(TOKEN_RE.findall(text))


def _calendar_day(value: str | None) -> date | None:
    if not value:
        return None
    match = re.match(r"\d{4}-\d{2}-\d{2}", value.strip())
    if not match:
        return None
    try:
        return datetime.strptime(match.group(0), "%Y-%m-%d").date()
    except ValueError:
        return None


def metadata_agrees(kind: str, expected: str | None, found: str | None) -> bool:
    """title/author: equal after NFKC, lower case and token normalisation; date: same calendar day.

    A field labelled null agrees only with an empty result.
    """
    if kind == "date":
        return _calendar_day(expected) == _calendar_day(found)
    return _normalise_name(expected) == _normalise_name(found)


# ---------------------------------------------------------------- extractors


@dataclass(frozen=True)
class Result:
    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None


Extractor = Callable[[str], Result]


def scraper_extractor() -> Extractor:
    from scraper.extract import extract

    def run(html: str) -> Result:
        document = extract(html)
        return Result(document.text, document.title, document.author, document.date)

    return run


def trafilatura_extractor() -> Extractor:
    import trafilatura

    def run(html: str) -> Result:
        return Result(trafilatura.extract(html) or "")

    return run


def trafilatura_metadata(html: str) -> Result:
    """Not timed: trafilatura's metadata pass, for the agreement table only."""
    import trafilatura

    meta = trafilatura.extract_metadata(html)
    if meta is None:
        return Result("")
    return Result("", meta.title, meta.author, meta.date)


EXTRACTORS: dict[str, Callable[[], Extractor]] = {
    "scraper": scraper_extractor,
    "trafilatura": trafilatura_extractor,
}


# ---------------------------------------------------------------- the run


@dataclass
class Tally:
    scores: dict[str, PageScore] = field(default_factory=dict)
    truth_words: dict[str, int] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    with_found: int = 0
    with_total: int = 0
    without_present: int = 0
    without_total: int = 0
    meta_agree: Counter[str] = field(default_factory=Counter)
    meta_total: int = 0
    memory: Memory | None = None


def run_dataset(dataset: Dataset, names: Sequence[str], with_metadata: bool) -> dict[str, Tally]:
    extractors = {name: EXTRACTORS[name]() for name in names}
    tallies = {name: Tally() for name in names}
    score = wcxb_score if dataset.is_wcxb else scrapinghub_score
    for index, page in enumerate(dataset.pages()):
        order = list(names) if index % 2 == 0 else list(reversed(names))
        for name in order:
            started = time.perf_counter()
            result = extractors[name](page.html)
            tallies[name].seconds.append(time.perf_counter() - started)
            tally = tallies[name]
            tally.scores[page.page_id] = score(page.truth, result.text)
            tally.truth_words[page.page_id] = len(TOKEN_RE.findall(page.truth))
            if dataset.is_wcxb:
                _check_snippets(tally, dataset.snippets.get(page.page_id, {}), result.text)
            if with_metadata and page.page_id in dataset.metadata:
                meta = result if name == "scraper" else trafilatura_metadata(page.html)
                _check_metadata(tally, dataset.metadata[page.page_id], meta)
    return tallies


def _check_snippets(tally: Tally, snippets: dict[str, list[str]], text: str) -> None:
    normalised = _normalise_snippet(text)
    for snippet in snippets.get("with", []):
        tally.with_total += 1
        tally.with_found += snippet_present(snippet, normalised)
    for snippet in snippets.get("without", []):
        tally.without_total += 1
        tally.without_present += snippet_present(snippet, normalised)


def _check_metadata(tally: Tally, expected: dict[str, str | None], found: Result) -> None:
    tally.meta_total += 1
    for kind in ("title", "author", "date"):
        tally.meta_agree[kind] += metadata_agrees(kind, expected.get(kind), getattr(found, kind))


# ---------------------------------------------------------------- memory (child process per extractor)


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, since ru_maxrss survives exec on Linux (it would show the parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Memory:
    baseline_mb: float  # RSS peak after imports, before the first page
    peak_mb: float  # RSS peak after every page


def measure_peak_rss(dataset: Dataset, name: str) -> Memory | None:
    """Peak RSS of a child process running only `name` over the dataset's pages (VmHWM).

    The child reads one page at a time and never loads the ground truth, so the peak is the extractor's.
    """
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
        "import extraction as b, gzip; from pathlib import Path;"
        "files = sorted(Path(sys.argv[3], 'html').glob('*.html.gz'))[: int(sys.argv[4])];"
        "run = b.EXTRACTORS[sys.argv[5]](); run('<p>warm up</p>');"
        "base = b.peak_rss_mb();"
        "[run(gzip.decompress(f.read_bytes()).decode('utf-8', 'replace')) for f in files];"
        "print(base, b.peak_rss_mb())"
    )
    args = [str(REPO_ROOT), str(Path(__file__).parent), str(dataset.folder), str(len(dataset.ids)), name]
    completed = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=1800, check=False
    )
    try:
        baseline, peak = (float(value) for value in completed.stdout.split()[-2:])
    except ValueError:
        return None
    return Memory(baseline, peak)


# ---------------------------------------------------------------- report


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def low_f1_pages(tally: Tally) -> tuple[int, int]:
    """(pages whose F1 is under LOW_F1, pages with at least MIN_TRUTH_WORDS words of truth): the failures
    an average hides, a truncated or wrong body."""
    judged = [page for page, words in tally.truth_words.items() if words >= MIN_TRUTH_WORDS]
    return sum(tally.scores[page].f1 < LOW_F1 for page in judged), len(judged)


def summary(dataset: Dataset, tally: Tally) -> dict[str, float]:
    scores = list(tally.scores.values())
    precision, recall = _mean([s.precision for s in scores]), _mean([s.recall for s in scores])
    f1 = _mean([s.f1 for s in scores]) if dataset.is_wcxb else _harmonic(precision, recall)
    total = sum(tally.seconds)
    return {
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "accuracy": _mean([float(s.exact) for s in scores]),
        "median_ms": statistics.median(tally.seconds) * 1000 if tally.seconds else 0.0,
        "p95_ms": _percentile(tally.seconds, 0.95) * 1000,
        "pages_s": len(tally.seconds) / total if total else 0.0,
    }


def print_report(dataset: Dataset, tallies: dict[str, Tally], worst: int) -> None:
    metric = (
        "bag-of-words F1 per page, averaged" if dataset.is_wcxb else "4-shingle P/R averaged, F1 of means"
    )
    print(f"\n== {dataset.name}: {len(dataset.ids)} pages ({metric})")
    header = f"{'extractor':<12} {'F1':>6} {'prec':>6} {'recall':>6} {'acc':>6} {'med ms':>7} {'p95 ms':>7}"
    header += f" {'pages/s':>8} {'peak RSS MB (+over imports)':>28}"
    print(header)
    summaries = {name: summary(dataset, tally) for name, tally in tallies.items()}
    for name, s in summaries.items():
        memory = tallies[name].memory
        peak_text = f"{'-':>28}"
        if memory is not None:
            peak_text = f"{memory.peak_mb:.0f} (+{memory.peak_mb - memory.baseline_mb:.0f})".rjust(28)
        print(
            f"{name:<12} {s['f1']:6.3f} {s['precision']:6.3f} {s['recall']:6.3f} {s['accuracy']:6.3f} "
            f"{s['median_ms']:7.2f} {s['p95_ms']:7.2f} {s['pages_s']:8.1f} {peak_text}"
        )
    if "scraper" in summaries and "trafilatura" in summaries and summaries["trafilatura"]["pages_s"]:
        ratio = summaries["scraper"]["pages_s"] / summaries["trafilatura"]["pages_s"]
        print(f"speed ratio scraper/trafilatura (pages/s): {ratio:.2f}x")
    for name, tally in tallies.items():
        low, judged = low_f1_pages(tally)
        print(f"pages {name:<12} F1 < {LOW_F1}: {low} of {judged} with >= {MIN_TRUTH_WORDS} words of truth")
    if dataset.is_wcxb:
        for name, tally in tallies.items():
            found = tally.with_found / tally.with_total if tally.with_total else 0.0
            wrong = tally.without_present / tally.without_total if tally.without_total else 0.0
            print(
                f"snippets {name:<12} 'with' found {found:.3f} ({tally.with_found}/{tally.with_total})   "
                f"'without' present {wrong:.3f} ({tally.without_present}/{tally.without_total})"
            )
        for name, tally in tallies.items():
            if tally.meta_total:
                shares = "  ".join(
                    f"{kind} {tally.meta_agree[kind] / tally.meta_total:.3f}"
                    for kind in ("title", "author", "date")
                )
                print(f"metadata {name:<12} agreement over {tally.meta_total} pages: {shares}")
    if worst:
        for name, tally in tallies.items():
            ranked = sorted(tally.scores.items(), key=lambda item: item[1].f1)[:worst]
            print(
                f"worst {worst} pages for {name}: "
                + "  ".join(f"{k} P={s.precision:.2f} R={s.recall:.2f}" for k, s in ranked)
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("datasets", nargs="+", type=Path, help="dataset folders (html/ + ground-truth.json)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages of each dataset")
    parser.add_argument("--only", choices=sorted(EXTRACTORS), action="append", help="run only this extractor")
    parser.add_argument(
        "--worst", type=int, default=0, help="list the N worst pages (id, P, R) per extractor"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory child processes")
    parser.add_argument("--no-metadata", action="store_true", help="skip the metadata agreement check")
    args = parser.parse_args(argv)
    names: list[str] = args.only or list(EXTRACTORS)
    for folder in args.datasets:
        dataset = load_dataset(folder, args.limit)
        tallies = run_dataset(dataset, names, with_metadata=not args.no_metadata)
        if not args.no_memory:
            for name in names:
                tallies[name].memory = measure_peak_rss(dataset, name)
        print_report(dataset, tallies, args.worst)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
