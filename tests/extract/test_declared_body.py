"""The page's own statement of its article text (JSON-LD articleBody) ends the body: what the template
appends after the article's field (a writer's bio, a "support us" appeal) goes, when the body as a whole is
the declared article; the declared text itself is never output."""

from __future__ import annotations

import json

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract import extract
from scraper.extract.declared import MIN_DECLARED_CHARS, declared_words
from scraper.extract.metadata import extract_metadata
from tests.extract.prose import COUNCIL_STORY

ENGLISH = {
    "paragraphs": COUNCIL_STORY,
    "tail": [
        "Contributing Writer",
        "Sam Carter is a freelance writer living near the coast who has covered local politics, schools and "
        "housing for a dozen newspapers and magazines over the past fifteen years.",
        "Support our newsroom! Become a member today, or send a one-off gift by card or bank transfer.",
    ],
}
GERMAN = {
    "paragraphs": [
        "Der Stadtrat hat am Dienstag beschlossen, das Netz geschützter Radwege in der gesamten Innenstadt "
        "auszubauen, nach einer Debatte, die bis in den späten Abend dauerte und viele Anwohner anzog.",
        "Die Befürworter sagten, der Plan, der in drei Jahren etwa vier Millionen Euro kostet, mache die "
        "Straßen sicherer für Kinder auf dem Schulweg und für die vielen Menschen, die mit dem Rad pendeln.",
        "Die Gegner wandten ein, dass der Wegfall hunderter Parkplätze den kleinen Läden an der Hauptstraße "
        "schade, die auf Kundschaft aus den umliegenden Dörfern angewiesen seien.",
        "Die ersten neuen Radwege sollen im nächsten Frühjahr eröffnet werden, teilte das Verkehrsamt mit, "
        "das vor Jahresende eine genaue Karte der Bauarbeiten und der Straßen veröffentlichen will.",
        "Der Rat vereinbarte, die Ergebnisse nach einem Jahr zu prüfen und über Unfälle, Verkehr und die "
        "Umsätze der örtlichen Geschäfte zu berichten, damit der Plan angepasst werden kann.",
    ],
    "tail": [
        "Freie Autorin",
        "Mara Vogel lebt als freie Journalistin an der Küste und schreibt seit fünfzehn Jahren über "
        "Kommunalpolitik, Schulen und Wohnungsbau für ein Dutzend Zeitungen und Zeitschriften.",
        "Unterstützen Sie unsere Redaktion! Werden Sie jetzt Mitglied oder spenden Sie einmalig per Karte.",
    ],
}


def _page(language: str, paragraphs: list[str], tail: list[str], article_body: str | None) -> str:
    """The article's field and, in the same <article> after it, the template's bio box and appeal (no
    class word names them, no byline names the writer: only the declared text tells them apart)."""
    script = ""
    if article_body is not None:
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "articleBody": article_body}
        script = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    field = "".join(f"<p>{text}</p>" for text in paragraphs)
    appended = "".join(f"<p>{text}</p>" for text in tail)
    return f"""<html lang="{language}"><head><title>Radwege</title>{script}</head><body>
<article><div class="a">{field}</div><div class="b">{appended}</div></article></body></html>"""


@pytest.mark.parametrize("case", [ENGLISH, GERMAN], ids=["en", "de"])
def test_the_blocks_after_the_declared_article_are_dropped(case: dict[str, list[str]]) -> None:
    paragraphs, tail = case["paragraphs"], case["tail"]
    text = extract(_page("x", paragraphs, tail, "\n\n".join(paragraphs))).text
    assert all(paragraph in text for paragraph in paragraphs)
    assert not any(line in text for line in tail)


@pytest.mark.parametrize("case", [ENGLISH, GERMAN], ids=["en", "de"])
@pytest.mark.parametrize(
    "declared",
    [None, "first", "truncated", "other"],
    ids=["no-json-ld", "first-paragraph-only", "cut-off-excerpt", "another-article"],
)
def test_without_a_whole_declared_article_the_body_is_kept(
    case: dict[str, list[str]], declared: str | None
) -> None:
    """A teaser, an excerpt cut off with "...", or another page's text says nothing of where the article
    ends: the body is the scores' and cleaning's, its tail included."""
    paragraphs, tail = case["paragraphs"], case["tail"]
    article_body = {
        None: None,
        "first": paragraphs[0],
        "truncated": " ".join(paragraphs[:3]) + " ...",
        "other": " ".join(reversed(ENGLISH["paragraphs"] if case is GERMAN else GERMAN["paragraphs"])),
    }[declared]
    text = extract(_page("x", paragraphs, tail, article_body)).text
    assert all(paragraph in text for paragraph in paragraphs)
    assert tail[1] in text


def test_the_declared_text_is_never_output() -> None:
    """Stale JSON-LD holding a sentence the page no longer shows: the page's own blocks are the text."""
    paragraphs, tail = ENGLISH["paragraphs"], ENGLISH["tail"]
    stale = "An earlier version of this story named the wrong street as the first to get a lane."
    text = extract(_page("en", paragraphs, tail, "\n\n".join([*paragraphs, stale]))).text
    assert stale not in text
    assert paragraphs[-1] in text and tail[1] not in text


def test_declared_words_need_a_whole_article() -> None:
    long_text = " ".join(COUNCIL_STORY)
    assert len(long_text) >= MIN_DECLARED_CHARS
    assert declared_words(long_text)[:3] == ["the", "city", "council"]
    assert declared_words("<p>" + long_text.replace("city", "<b>city</b>") + "</p>")[:3] == [
        "the",
        "city",
        "council",
    ]
    assert declared_words(COUNCIL_STORY[0]) == []  # a teaser
    assert declared_words(long_text + "…") == []  # cut off
    assert declared_words(None) == []


def test_the_article_body_is_read_from_the_article_object_in_a_graph() -> None:
    """Yoast-style @graph: the WebPage's text is not the article's; the Article's articleBody is."""
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": "#page", "text": "not this"},
            {
                "@type": "Article",
                "isPartOf": {"@id": "#page"},
                "articleBody": "Der Stadtrat hat beschlossen.",
            },
        ],
    }
    page = f'<html><head><script type="application/ld+json">{json.dumps(graph)}</script></head></html>'
    assert extract_metadata(LexborHTMLParser(page)).article_body == "Der Stadtrat hat beschlossen."
    assert extract_metadata(LexborHTMLParser("<html><p>No JSON-LD</p></html>")).article_body is None
