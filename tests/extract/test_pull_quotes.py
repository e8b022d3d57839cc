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
