"""bench/extraction.py: the count of failed pages (F1 under 0.5 of the pages with enough truth)."""

from __future__ import annotations

from bench.extraction import PageScore, Tally, low_f1_pages


def _score(f1: float) -> PageScore:
    return PageScore(f1, f1, f1, f1 == 1.0)


def test_low_f1_pages_counts_only_pages_with_enough_truth() -> None:
    tally = Tally()
    for page, f1, words in [("a", 0.2, 50), ("b", 0.49, 400), ("c", 0.5, 80), ("d", 0.1, 49), ("e", 0.9, 60)]:
        tally.scores[page] = _score(f1)
        tally.truth_words[page] = words
    assert low_f1_pages(tally) == (2, 4)  # a and b; c is not under 0.5, d has too little truth
