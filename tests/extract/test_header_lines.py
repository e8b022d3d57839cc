"""The article header's byline and date lines beside the lede."""

from __future__ import annotations

import pytest

from scraper.extract import extract

_LEDES = {
    "en": (
        "The city council voted on Tuesday to expand the network of protected bike lanes downtown by 30 km.",
        [
            "Supporters said the plan, which costs about four million dollars, would make streets safer.",
            "Opponents argued that removing parking spaces would hurt the small shops along Main Street.",
        ],
    ),
    "de": (
        "Der Stadtrat hat am Dienstag beschlossen, das Netz geschützter Radwege in der Stadt auszubauen.",
        [
            "Befürworter sagten, der Plan koste rund vier Millionen Euro und mache die Straßen sicherer.",
            "Gegner meinten, der Wegfall von Parkplätzen schade den kleinen Läden an der Hauptstraße.",
        ],
    ),
}
_BYLINES = {
    "en": ("By Jane Doe", "Sept. 30, 2025, 1:25 p.m."),
    "de": ("Von Jane Doe", "30.09.2025, 13:25 Uhr"),
}


def _article(lang: str, byline: str, dateline: str) -> str:
    lede, rest = _LEDES[lang]
    body = "".join(f"<p>{text}</p>" for text in rest)
    return f"""<!doctype html><html lang="{lang}"><head><title>Council backs bike lanes</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Council backs bike lanes", "datePublished": "2025-09-30T13:25:00+02:00",
"author": {{"@type": "Person", "name": "Jane Doe"}}}}</script></head><body>
<main><article><header><h1>Council backs bike lanes</h1><p class="lede">{lede}</p>
<div class="who">{byline}</div><time datetime="2025-09-30T13:25:00+02:00">{dateline}</time></header>
<div class="text">{body}</div></article></main></body></html>"""


@pytest.mark.parametrize("lang", ["en", "de"])
def test_byline_and_date_lines_after_the_lede_are_dropped(lang: str) -> None:
    byline, dateline = _BYLINES[lang]
    text = extract(_article(lang, byline, dateline)).text
    lede, rest = _LEDES[lang]
    assert text.split("\n\n") == [lede, *rest]


def test_lines_of_other_names_and_numbers_stay() -> None:
    """A short line naming someone else, or numbers that are not the page's date, is not its byline."""
    text = extract(_article("en", "By John Roe", "Sept. 29, 2025")).text
    assert "By John Roe" in text
    assert "Sept. 29, 2025" in text
