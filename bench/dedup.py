"""One copy per story (issue 13): duplicate pairs found, the time they add, memory with many documents.

Usage::

    python bench/dedup.py ../shared/datasets/wcxb-dev ../shared/datasets/scrapinghub
    python bench/dedup.py DATASET... --limit 200 --docs 20000 --postgres postgresql://postgres@127.0.0.1/test

The corpus is built at run time from the dev sets' articles (nothing is copied out of them). Each article
is one story with six pages: the real page, and five pages made from its labelled text in other sites'
chrome (nav, cookie banner, related links, sidebar, footer): the same text, one sentence changed (taken
from another story), a paragraph added (from another story), the last paragraph cut, another headline.
Every other article is a distinct story (the sets' articles span many sites on close topics: news,
finance, health, technology). All pages are extracted with `scraper.extract` and saved through the store
in a shuffled order, so a copy may come before its original.

Precision: of the pages stored as a copy, the share whose original is of the same story. Recall: of the
pages that should be copies (all pages of a story but one), the share stored as a copy of their story.
The copies missed are counted by their best true Jaccard similarity with a page of their story saved
before them: under the threshold no check could find them.
Added time, per stored page against the extraction of that page: the fingerprint (shingles, MinHash,
band keys), which a run makes in the extraction worker beside the Document, and the duplicate check in
the save transaction, the only part left to the run's own process.

Memory: `--docs` distinct documents saved in one store, the process's resident memory and the time of a
save at each tenth (band keys are looked up in the store, not held in memory, so both should stay flat),
then near copies of early documents found.
Also shown: the stored fingerprint's own time per page (the band keys of the letters' 8-byte windows,
MinHash by rensa over their hashes), and the time of rensa's and datasketch's MinHash on the same word-pair
shingles (why rensa).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scraper.config import RunSettings  # noqa: E402
from scraper.extract import extract  # noqa: E402
from scraper.models import Document, FetchResult, FetchStatus, OutcomeKind  # noqa: E402
from scraper.storage import (  # noqa: E402
    Fingerprint,
    Store,
    _dedup,
    _minhash,
    _sql,
    document_fingerprint,
    open_store,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = RunSettings()  # the defaults: near copies on, threshold 0.8
VARIANTS = ("page", "chrome", "sentence", "added", "cut", "headline")
SEED = 13
CLAIM_BATCH = 1000  # URLs enqueued and claimed at once by the memory check
KEPT = 20  # early documents of the memory check whose near copies are saved at the end


# ---------------------------------------------------------------- corpus


@dataclass(frozen=True)
class Story:
    story_id: str
    title: str
    paragraphs: tuple[str, ...]
    page_html: str


@dataclass(frozen=True)
class Page:
    story_id: str
    variant: str
    url: str
    html: str


def load_stories(folders: list[Path], limit: int | None) -> list[Story]:
    stories: list[Story] = []
    for folder in folders:
        truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        meta_path = folder / "metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        for page_id in sorted(truth)[:limit]:
            body = truth[page_id]["articleBody"]
            paragraphs = tuple(p.strip() for p in re.split(r"\n+", body) if p.strip())
            if not paragraphs:
                continue
            title = (meta.get(page_id) or {}).get("title") or " ".join(body.split()[:8])
            raw = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())
            stories.append(
                Story(f"{folder.name}/{page_id}", title, paragraphs, raw.decode("utf-8", "replace"))
            )
    return stories


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def one_sentence_changed(paragraphs: tuple[str, ...], donor: Story) -> tuple[str, ...]:
    """The middle sentence of the longest paragraph replaced by the sentence of another story closest to
    it in length (an update rewrites a sentence; it does not swap a line for a paragraph)."""
    index = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))
    sentences = _SENTENCE_END.split(paragraphs[index])
    middle = len(sentences) // 2
    pool = [s for p in donor.paragraphs for s in _SENTENCE_END.split(p)]
    sentences[middle] = min(pool, key=lambda s: abs(len(s) - len(sentences[middle])))
    return (*paragraphs[:index], " ".join(sentences), *paragraphs[index + 1 :])


def median_paragraph(story: Story) -> str:
    """A paragraph of ordinary length for the story: the median by length."""
    return sorted(story.paragraphs, key=len)[len(story.paragraphs) // 2]


def variants(story: Story, donor: Story, rng: random.Random) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Variant name → (headline, paragraphs) of the pages made from the story's labelled text."""
    added = (*story.paragraphs, median_paragraph(donor))
    cut = story.paragraphs[:-1] if len(story.paragraphs) > 2 else story.paragraphs
    other_headline = f"{donor.title.split(':')[0][:40]} {rng.choice(['update', 'latest', 'live'])}"
    return {
        "chrome": (story.title, story.paragraphs),
        "sentence": (story.title, one_sentence_changed(story.paragraphs, donor)),
        "added": (story.title, added),
        "cut": (story.title, cut),
        "headline": (other_headline, story.paragraphs),
    }


def site_page(site: int, title: str, paragraphs: tuple[str, ...], others: list[Story]) -> str:
    """A page of synthetic site number `site`: its own chrome around an article."""
    name = f"The Daily {['Ledger', 'Courier', 'Herald', 'Gazette', 'Tribune'][site % 5]}"
    nav = "".join(f'<li><a href="/{s}/">{s.title()}</a></li>' for s in ("world", "business", "sport", "tech"))
    related = "".join(f'<li><a href="/r/{i}">{html.escape(o.title)}</a></li>' for i, o in enumerate(others))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | {name}'
        f'</title></head><body><div class="cookie-banner">We use cookies to improve your experience. '
        f'<button>Accept all</button></div><header class="site-header"><a href="/">{name}</a><nav><ul>{nav}'
        f'</ul></nav></header><main><article><h1>{html.escape(title)}</h1><p class="byline">By Staff '
        f'Reporter</p>{body}</article><aside class="related"><h2>Related stories</h2><ul>{related}</ul>'
        f'</aside></main><aside class="sidebar"><h3>Most read</h3><ol>{related}</ol><div class="newsletter">'
        "Sign up for our morning briefing.</div></aside><footer><p>© 2026 "
        f'{name}. All rights reserved.</p><ul><li><a href="/privacy">Privacy</a></li><li><a href="/terms">'
        "Terms</a></li></ul></footer></body></html>"
    )


def build_pages(stories: list[Story]) -> list[Page]:
    rng = random.Random(SEED)
    pages: list[Page] = []
    for number, story in enumerate(stories):
        donor = stories[(number + 1 + rng.randrange(len(stories) - 1)) % len(stories)]
        others = rng.sample(stories, min(5, len(stories)))
        pages.append(Page(story.story_id, "page", f"http://origin{number}.test/story", story.page_html))
        for site, (name, (title, paragraphs)) in enumerate(variants(story, donor, rng).items()):
            url = f"http://site{site}-{number}.test/{name}"
            pages.append(Page(story.story_id, name, url, site_page(site, title, paragraphs, others)))
    rng.shuffle(pages)
    return pages


# ---------------------------------------------------------------- timing the duplicate check


@dataclass
class Timer:
    """Seconds spent in a function, by what it returned (for the check: a copy or an original)."""

    seconds: dict[bool, float] = field(default_factory=lambda: {True: 0.0, False: 0.0})
    calls: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def per_call_ms(self, result: bool) -> float:
        return self.seconds[result] / max(1, self.calls[result]) * 1000

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            result = function(*args, **kwargs)
            self.seconds[result is True] += time.perf_counter() - start
            self.calls[result is True] += 1
            return result

        return timed


@dataclass
class DedupTimers:
    fingerprint: Timer = field(default_factory=Timer)  # in the worker, as the run makes it
    check: Timer = field(default_factory=Timer)  # in the save transaction
    # The real pages alone (the dev sets' own HTML, one page in six): seconds of extraction and of
    # fingerprint, and their count. The other five are made here with little markup, quick to extract.
    real_pages: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])

    def install(self) -> None:
        # _sql calls it through its module, so wrapping the module attribute times every call.
        _dedup.mark_if_copy = self.check.wrap(_dedup.mark_if_copy)  # type: ignore[method-assign]
        assert _sql._dedup is _dedup


def save(
    store: Store,
    url: str,
    document: Document,
    policy: RunSettings = POLICY,
    fingerprint: Fingerprint | None = None,
) -> tuple[OutcomeKind, float]:
    store.enqueue([url], source="bench", now=T0)
    [claim] = store.claim(worker="bench", limit=1, now=T0, lease=600.0, host_delay=0.0)
    result = FetchResult(url=url, status=FetchStatus.OK, http_status=200, content=b"<p>x</p>")
    start = time.perf_counter()
    kind = store.save(claim, result, document, now=T0, policy=policy, fingerprint=fingerprint).kind
    return kind, time.perf_counter() - start


# ---------------------------------------------------------------- quality


def run_corpus(store: Store, pages: list[Page]) -> tuple[dict[str, Page], float, DedupTimers]:
    timers = DedupTimers()
    timers.install()
    extraction = 0.0
    by_url: dict[str, Page] = {}
    for page in pages:
        start = time.perf_counter()
        document = extract(page.html, page.url)
        made = time.perf_counter()
        extraction += made - start
        fingerprint = document_fingerprint(document, near=POLICY.dedup_near)  # the worker's share
        timers.fingerprint.seconds[False] += time.perf_counter() - made
        if page.variant == "page":
            for index, seconds in enumerate((made - start, time.perf_counter() - made, 1.0)):
                timers.real_pages[index] += seconds
        save(store, page.url, document, fingerprint=fingerprint)
        by_url[page.url] = page
    return by_url, extraction, timers


def score(store: Store, by_url: dict[str, Page], pages: list[Page]) -> list[str]:
    stories = {page.story_id for page in pages}
    marked = correct = 0
    found_by_variant: dict[str, int] = dict.fromkeys(VARIANTS, 0)
    texts = {d.url: d.document.text for d in store.documents(duplicates=True, non_articles=True)}
    wrong: list[float] = []  # true Jaccard of each page stored as a copy of another story's
    for stored in store.documents(duplicates=True, non_articles=True):
        if stored.duplicate_of is None:
            continue
        marked += 1
        page = by_url[stored.url]
        if by_url[stored.duplicate_of].story_id == page.story_id:
            correct += 1
            found_by_variant[page.variant] += 1
        else:
            own, other = (_minhash.shingles(texts[url]) for url in (stored.url, stored.duplicate_of))
            wrong.append(_minhash.jaccard(own, other))
    expected = len(pages) - len(stories)
    originals = {url for url in by_url} - {d.url for d in store.documents(duplicates=True, non_articles=True)}
    lines = [
        f"corpus: {len(stories)} stories, {len(pages)} pages ({len(VARIANTS)} per story), "
        f"{expected} pages that are copies",
        f"stored as copies: {marked}, of their own story: {correct}"
        + (f"  (not stored at all: {len(originals)})" if originals else ""),
        f"precision {correct / marked if marked else 1.0:.4f}  recall {correct / expected:.4f}  "
        f"(threshold {POLICY.dedup_threshold})",
        "copies found by variant (one page of each story is its original, whichever came first): "
        + ", ".join(f"{name} {count}" for name, count in found_by_variant.items()),
    ]
    if wrong:
        lines.append(
            f"copies of another story: {len(wrong)}, their true Jaccard with it: "
            + ", ".join(f"{value:.3f}" for value in sorted(wrong))
        )
    return lines


# Bounds of the bins of true Jaccard similarity the missed copies are counted in.
MISSED_BINS = (0.0, 0.5, 0.6, 0.7, 0.75, POLICY.dedup_threshold, 1.01)


def missed(store: Store, by_url: dict[str, Page], pages: list[Page]) -> list[str]:
    """Why the copies not found were missed: each one's best true Jaccard similarity (word shingles, as
    the store checks them) with a page of its story saved before it. Under the threshold, no check
    could call it a copy; at or over it, the banding or the candidates lost it."""
    stored = {d.url: d for d in store.documents(duplicates=True, non_articles=True)}
    shingled = {url: _minhash.shingles(d.document.text) for url, d in stored.items()}
    earlier: dict[str, list[str]] = {}
    bins = [0] * (len(MISSED_BINS) - 1)
    by_variant: dict[str, int] = {}
    for page in pages:  # in the order they were saved
        before = earlier.setdefault(page.story_id, [])
        found = stored.get(page.url)
        copy_of = found.duplicate_of if found else None
        if before and (copy_of is None or by_url[copy_of].story_id != page.story_id) and page.url in shingled:
            own = shingled[page.url]
            best = max((_minhash.jaccard(own, shingled[url]) for url in before if url in shingled), default=0)
            bins[next(i for i in range(len(bins)) if best < MISSED_BINS[i + 1])] += 1
            by_variant[page.variant] = by_variant.get(page.variant, 0) + 1
        before.append(page.url)
    names = [f"{low:.2f}-{min(high, 1.0):.2f}" for low, high in pairwise(MISSED_BINS)]
    return [
        f"copies missed: {sum(bins)}; their best true Jaccard with an earlier page of their story: "
        + ", ".join(f"{name} {count}" for name, count in zip(names, bins, strict=True)),
        "  missed by variant: " + ", ".join(f"{name} {count}" for name, count in sorted(by_variant.items())),
    ]


def timing(pages: list[Page], extraction: float, timers: DedupTimers) -> list[str]:
    per_page = extraction / len(pages) * 1000
    fingerprint = timers.fingerprint.total / len(pages) * 1000
    original, copy = timers.check.per_call_ms(False), timers.check.per_call_ms(True)
    added = (timers.fingerprint.total + timers.check.total) / len(pages) * 1000
    return [
        f"time per page: extraction {per_page:.2f} ms; duplicate check {added:.2f} ms = "
        f"{added / per_page:.1%} of extraction (this corpus is 5/6 copies)",
        f"  fingerprint (in the extraction worker) {fingerprint:.2f} ms = {fingerprint / per_page:.1%}; in "
        f"the transaction (the run's process): an original {original:.2f} ms = {original / per_page:.1%}, "
        f"a copy {copy:.2f} ms = {copy / per_page:.1%}",
        f"  an original page in all: {fingerprint + original:.2f} ms = "
        f"{(fingerprint + original) / per_page:.1%} of extraction",
        *real_pages(timers, original),
    ]


def real_pages(timers: DedupTimers, original: float) -> list[str]:
    """The same against the real pages' own extraction (the other five are made with little markup)."""
    extraction, fingerprint, count = timers.real_pages
    if not count:
        return []
    per_page, made = extraction / count * 1000, fingerprint / count * 1000
    return [
        f"  on the real pages alone ({count:.0f}): extraction {per_page:.2f} ms, fingerprint {made:.2f} ms = "
        f"{made / per_page:.1%}; an original page in all {(made + original) / per_page:.1%} of extraction"
    ]


def minhash_speed(pages: list[Page], sample: int = 200) -> str:
    texts = [extract(page.html, page.url).text for page in pages[:sample]]
    hashes = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
    start = time.perf_counter()
    for text, text_hash in zip(texts, hashes, strict=True):
        _minhash.fingerprint(text, text_hash, near=True)
    stored_ms = (time.perf_counter() - start) / len(texts) * 1000
    shingled = [list(_minhash.shingles(text)) for text in texts]
    from rensa import RMinHash

    start = time.perf_counter()
    for items in shingled:
        RMinHash(num_perm=_minhash.BANDS * _minhash.ROWS, seed=_minhash.MINHASH_SEED).update(items)
    rensa_ms = (time.perf_counter() - start) / len(shingled) * 1000
    start = time.perf_counter()
    for text in texts:
        _minhash.shingles(text)
    shingle_ms = (time.perf_counter() - start) / len(texts) * 1000
    try:
        from datasketch import MinHash
    except ImportError:
        return (
            f"fingerprint as stored {stored_ms:.3f} ms per page; on word pairs, MinHash: "
            f"rensa {rensa_ms:.3f} ms (no datasketch), shingling {shingle_ms:.3f} ms"
        )
    start = time.perf_counter()
    for items in shingled:
        MinHash(num_perm=_minhash.BANDS * _minhash.ROWS, seed=1).update_batch([s.encode() for s in items])
    datasketch_ms = (time.perf_counter() - start) / len(shingled) * 1000
    return (
        f"fingerprint as stored {stored_ms:.3f} ms per page; on word pairs, MinHash: "
        f"rensa {rensa_ms:.3f} ms, datasketch {datasketch_ms:.3f} ms, shingling {shingle_ms:.3f} ms"
    )


# ---------------------------------------------------------------- memory with many documents


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def synthetic_texts(stories: list[Story], count: int) -> Iterator[str]:
    """`count` distinct texts of 150 to 400 words drawn from the corpus's words."""
    rng = random.Random(SEED)
    words = [word for story in stories for p in story.paragraphs for word in p.split()]
    for _ in range(count):
        yield " ".join(rng.choices(words, k=rng.randint(150, 400)))


def memory_flatness(store: Store, stories: list[Story], count: int) -> Iterator[str]:
    """Lines as they come: resident memory and save time at each tenth of `count` saves."""
    yield f"{count} distinct documents saved one by one: resident memory and save time per tenth"
    step = max(1, count // 10)
    kept: list[str] = []
    window: list[float] = []
    texts = synthetic_texts(stories, count)
    for start in range(0, count, CLAIM_BATCH):
        # Claimed a thousand at a time (one host each), as a run claims; each save is timed alone.
        urls = [
            f"http://m{number}.test/a" for number in range(start + 1, min(count, start + CLAIM_BATCH) + 1)
        ]
        store.enqueue(urls, source="bench", now=T0)
        claims = store.claim(worker="bench", limit=len(urls), now=T0, lease=600.0, host_delay=0.0)
        for claim, text in zip(claims, texts, strict=False):
            result = FetchResult(url=claim.url, status=FetchStatus.OK, http_status=200, content=b"<p>x</p>")
            began = time.perf_counter()
            store.save(claim, result, Document(text=text), now=T0, policy=POLICY)
            window.append(time.perf_counter() - began)
            if len(kept) < KEPT:
                kept.append(text)
            if (number := claim.url_id) % step == 0:
                mean_ms = statistics.mean(window) * 1000
                yield f"  {number:>7} stored  RSS {resident_mb():7.1f} MB  save {mean_ms:6.2f} ms"
                window = []
    found = 0
    for number, text in enumerate(kept):
        words = text.split()
        words[len(words) // 2] = "changed"
        kind, _ = save(store, f"http://copy{number}.test/a", Document(text=" ".join(words)))
        found += kind is OutcomeKind.SKIPPED
    yield f"  near copies of the first {len(kept)} documents, saved last: {found} found"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("datasets", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="articles per dataset")
    parser.add_argument("--docs", type=int, default=100_000, help="documents for the memory check (0: skip)")
    parser.add_argument("--postgres", default=None, help="a DSN: run on PostgreSQL instead of SQLite")
    args = parser.parse_args(argv)

    stories = load_stories(args.datasets, args.limit)
    pages = build_pages(stories)
    loops = "Python (SCRAPER_PURE_PYTHON, or not built)" if _minhash._compiled is None else "compiled"
    print(f"words, letters and pair sets: {loops}")
    with tempfile.TemporaryDirectory() as work:
        dsn = args.postgres or str(Path(work) / "dedup.db")
        store = open_store(dsn)
        try:
            by_url, extraction, timers = run_corpus(store, pages)
            for line in score(store, by_url, pages) + missed(store, by_url, pages):
                print(line)
            for line in timing(pages, extraction, timers):
                print(line)
            print(minhash_speed(pages))
        finally:
            store.close()
        if args.docs:
            if args.postgres:
                print("memory check: SQLite only (it needs a fresh database)")
                return 0
            store = open_store(str(Path(work) / "many.db"))
            try:
                for line in memory_flatness(store, stories, args.docs):
                    print(line, flush=True)
            finally:
                store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
