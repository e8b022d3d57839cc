"""Pull quotes: a short paragraph standing inside another block goes, whatever words it is cut at."""

from __future__ import annotations

import pytest

from scraper.extract import extract

LONG = (
    "The council met on Tuesday to discuss the new bridge, which has been delayed twice since the first "
    "plans were drawn up, and agreed to publish the engineers' report next month."
)


def page(*paragraphs: str) -> str:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f"<html><body><article><h1>Bridge</h1>{body}<p>{LONG}</p></article></body></html>"


@pytest.mark.parametrize(
    "quote",
    [
        "met on Tuesday to discuss the new bridge",  # whole words
        "ouncil met on Tuesday to discuss the new bri",  # cut inside its first and last words
        "delayed twice",  # too short to be judged: kept
        "engineersreportnextmonthandmore",  # one long word, not in the text: kept
        "the engineers' report next month",  # two words at most inside: the search of all the text
    ],
)
def test_a_short_paragraph_inside_a_longer_one_is_dropped(quote: str) -> None:
    text = extract(page("An opening paragraph of its own, long enough to be a paragraph.", quote)).text
    inside = quote.lower().replace("'", " ") in LONG.lower().replace("'", " ") and len(quote) >= 30
    assert (quote not in text.split("\n\n")) is inside


# The old search of the whole body text for every short paragraph took 52 s on 2 MB of them; the indexed
# one about 1 s. A bound that shows "no stall" (not a speed measurement), run in a worker so that a
# regression fails here instead of hanging the suite.
NO_STALL_SECONDS = 20.0


def distinct_paragraphs(total_chars: int) -> str:
    """About `total_chars` of distinct short paragraphs: each could be a pull quote of the others."""
    paragraphs = []
    for index in range(total_chars // 70):
        paragraphs.append(f"<p>Paragraph number {index} of the story says something of its own.</p>")
    return f"<html><body><article><h1>Story</h1>{''.join(paragraphs)}</article></body></html>"


def test_megabytes_of_distinct_short_paragraphs_are_extracted_without_stalling() -> None:
    from scraper.pipeline import ExtractionPool

    html = distinct_paragraphs(2_000_000)
    with ExtractionPool(extract, workers=1, time_limit=NO_STALL_SECONDS) as pool:
        text = pool.result(pool.submit(html, None)).text
    assert "Paragraph number 0 of the story" in text
    assert f"Paragraph number {2_000_000 // 70 - 1} of the story" in text


@pytest.mark.parametrize(
    "before",
    [
        "<figure><img src='a.jpg'><figcaption>The old bridge, seen from the east bank.</figcaption></figure>",
        f"<p>{LONG}</p>",  # the same paragraph twice: the first copy goes as a repeat
    ],
    ids=["caption", "repeat"],
)
def test_a_pull_quote_after_a_block_dropped_before_the_search_is_still_found(before: str) -> None:
    # The search reads the kept blocks' keys: each block's own, after captions and repeats are dropped.
    quote = "met on Tuesday to discuss the new bridge"
    opening = "An opening paragraph of its own, long enough to be a paragraph."
    html = (
        f"<html><body><article><h1>Bridge</h1><p>{opening}</p>{before}<p>{quote}</p>"
        f"<p>{LONG}</p><p>A closing paragraph of its own, long enough to be a paragraph too.</p>"
        "</article></body></html>"
    )
    paragraphs = extract(html).text.split("\n\n")
    assert quote not in paragraphs
    assert opening in paragraphs and LONG in paragraphs
