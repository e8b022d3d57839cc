"""Wrong-body guards: a page whose longest prose is a notice beside a short article (a disclaimer, an
affiliate or sponsorship notice, a cookie notice) gets the article, not the notice."""

from __future__ import annotations

import pytest

from scraper.extract import extract
from scraper.extract.blocks import Block, BlockKind
from scraper.extract.evidence import is_notice

# A short article: two paragraphs and a list, less prose than the notice beside it (but enough not to ask
# the fallback for a second opinion).
ARTICLE = """<h1>Renting a van for the move</h1>
<p>A careful check of every driver before the keys change hands keeps the fleet safe and the costs low.</p>
<p>Three steps matter most at the counter, and each takes only a minute of the clerk's time, yet together
they prevent most of the claims a rental business sees in a year.</p>
<ul><li>Check the licence and its expiry date</li><li>Walk around the van with the renter</li>
<li>Note the fuel level on the contract</li></ul>"""

DISCLAIMER = """<p>This material is for informational purposes only and is not intended to replace the
advice of a qualified professional. Information has been obtained from sources believed to be reliable
but its accuracy is not guaranteed, and it may not reflect the opinion of the publisher.</p>
<p>Products and services mentioned are for general information only. Always consult a qualified advisor before
you buy anything, and read the maker's instructions before use. The publisher cannot be held liable for the
use or misuse of any product mentioned on these pages, nor for the content of other websites.</p>
<p>Copyright 2026 Example Publishing. All rights reserved. No part may be reproduced without consent.</p>"""

AFFILIATE = """<p>This post contains affiliate links. If you buy something through one of them we may earn a
small commission at no extra cost to you, which helps to keep this site running. We only ever recommend
products we have tried ourselves and would happily buy again with our own money; opinions stay ours.</p>
<p>As a partner of several online shops we earn from qualifying purchases. Prices and availability were right
when this was written but they can change at any time, so check them on the shop's page before you order.</p>
<p>Sponsored content is always labelled as such, and no sponsor ever sees a review before it is online.</p>"""

COOKIES = """<p>We use cookies to improve your experience on our website, to show you personalised content and
to analyse our traffic. By continuing to browse this site you agree to our use of cookies as described in our
cookie statement, which also explains how you can change your settings at any time you wish to do so.</p>
<p>Some of the cookies we use are essential for the site to work, others help us understand how visitors use
it and which pages they like most, and a few come from partners who show advertising across the web.</p>"""


def _page(article: str, notice: str) -> str:
    # The notice sits in a plain column of its own, without any class word that names it: only its text
    # tells it apart from the article.
    return f"""<html><head><title>Renting a van for the move</title></head><body>
<div class="row"><div class="col-a">{article}</div></div>
<div class="row"><div class="col-b">{notice}</div></div></body></html>"""


@pytest.mark.parametrize(
    "notice", [DISCLAIMER, AFFILIATE, COOKIES], ids=["disclaimer", "affiliate", "cookies"]
)
def test_a_notice_longer_than_the_article_is_not_chosen_as_the_body(notice: str) -> None:
    text = extract(_page(ARTICLE, notice)).text
    assert "A careful check of every driver" in text
    assert "Three steps matter most" in text
    assert "Note the fuel level on the contract" in text
    assert "qualified" not in text and "commission" not in text and "cookies" not in text


def test_a_notice_inside_the_article_stays_with_it() -> None:
    # The guard decides which container is the body; it does not cut the body's own notices.
    paragraphs = "".join(
        f"<p>Paragraph {n} of the story runs long enough to be prose, with a sentence or two of news.</p>"
        for n in range(8)
    )
    closing = "<p>This post contains affiliate links: we may earn a commission when you buy through them.</p>"
    text = extract(f"<html><body><article>{paragraphs}{closing}</article></body></html>").text
    assert "Paragraph 7 of the story" in text
    assert "we may earn a commission" in text


def _block(text: str) -> Block:
    return Block(text, BlockKind.PARAGRAPH, len(text.replace(" ", "")), 0, (1,))


@pytest.mark.parametrize(
    "text",
    [
        "Ce site utilise des cookies pour améliorer votre expérience de navigation.",
        "Alle Rechte vorbehalten. Nachdruck nur mit Genehmigung des Verlags.",
        "Este artículo contiene enlaces de afiliados: podemos recibir una comisión.",
        "Las informaciones de esta página tienen fines informativos y no sustituyen a un profesional.",
    ],
)
def test_notices_are_recognised_in_other_languages(text: str) -> None:
    assert is_notice(_block(text))


@pytest.mark.parametrize(
    "text",
    [
        "The court ruled that the company was not liable for the damage caused by the flood last year.",
        "Cookies and cakes were sold at the school fair, raising money for the new library books.",
    ],
)
def test_article_sentences_about_the_same_things_are_not_notices(text: str) -> None:
    assert not is_notice(_block(text))


def _streamed_page(chunks: list[str]) -> str:
    """A page as React streams it: placeholders (<template id="P:n">) where each part of the article
    belongs, the parts themselves in hidden <div id="S:n"> at the end, moved into place by a script."""
    placeholders = "".join(f'<template id="P:{n}"></template>' for n in range(len(chunks)))
    hidden = "".join(f'<div hidden id="S:{n}">{chunk}</div>' for n, chunk in enumerate(chunks))
    scripts = "".join(f'<script>$RS("S:{n}","P:{n}")</script>' for n in range(len(chunks)))
    return f"""<html><head><title>Index funds explained</title></head><body>
<nav><a href="/">Home</a> <a href="/invest">Investing</a></nav>
<main><h1>Index funds explained</h1>
<p>Index funds track a market index, so an investor owns a little of every company in it at low cost.</p>
{placeholders}</main><footer><p>About us</p></footer>{hidden}{scripts}</body></html>"""


def test_an_article_streamed_in_hidden_parts_is_put_together_in_place() -> None:
    chunks = [
        "<h2>How they work</h2>" + "".join(f"<p>Part one, paragraph {n}: {_SENTENCE}</p>" for n in range(3)),
        "<h2>What they cost</h2>" + "".join(f"<p>Part two, paragraph {n}: {_SENTENCE}</p>" for n in range(5)),
        "<h2>Taxes</h2>" + "".join(f"<p>Part three, paragraph {n}: {_SENTENCE}</p>" for n in range(4)),
    ]
    text = extract(_streamed_page(chunks)).text
    assert text.startswith("Index funds track a market index")
    for part in ("Part one, paragraph 0", "Part two, paragraph 4", "Part three, paragraph 3"):
        assert part in text
    assert text.index("Part one") < text.index("Part two") < text.index("Part three")


_SENTENCE = "a fund holds the shares of an index in the same proportions, and its fees stay small."


def test_a_streamed_part_holding_the_placeholder_of_the_next_is_put_together_in_order() -> None:
    first = f'<p>The first part: {_SENTENCE}</p><template id="P:1"></template><p>The first part ends.</p>'
    second = f"<p>The second part: {_SENTENCE}</p>"
    html = f"""<html><body><main><p>{_SENTENCE}</p><template id="P:0"></template></main>
<div hidden id="S:0">{first}</div><div hidden id="S:1">{second}</div></body></html>"""
    text = extract(html).text
    assert text.index("The first part:") < text.index("The second part:") < text.index("The first part ends")


def test_streamed_parts_nested_in_each_other_or_without_placeholder_do_not_break_the_page() -> None:
    html = f"""<html><body><main><template id="P:0"></template></main>
<div hidden id="S:0"><p>Outer part: {_SENTENCE}</p><div hidden id="S:1"><p>Inner part: {_SENTENCE}</p></div>
<template id="P:1"></template></div><div hidden id="S:x"><p>Not a part: {_SENTENCE}</p></div></body></html>"""
    text = extract(html).text
    assert "Outer part:" in text


def test_streamed_parts_whose_place_is_unknown_are_taken_together() -> None:
    # Suspense boundaries (<template id="B:n">) say where a part goes only through the script that moves it;
    # without it the parts stay after the footer, but as one body, not its longest part alone.
    chunks = [
        "".join(f"<p>Part one, paragraph {n}: {_SENTENCE}</p>" for n in range(3)),
        "".join(f"<p>Part two, paragraph {n}: {_SENTENCE}</p>" for n in range(5)),
        "".join(f"<p>Part three, paragraph {n}: {_SENTENCE}</p>" for n in range(4)),
    ]
    boundaries = "".join(f'<template id="B:{n}"></template><div>Loading...</div>' for n in range(3))
    hidden = "".join(f'<div hidden id="S:{n}">{chunk}</div>' for n, chunk in enumerate(chunks))
    html = f"""<html><body><nav><a href="/">Home</a></nav><main><h1>Index funds</h1>{boundaries}</main>
<footer><p>About us</p></footer>{hidden}</body></html>"""
    text = extract(html).text
    for part in ("Part one, paragraph 2", "Part two, paragraph 4", "Part three, paragraph 3"):
        assert part in text


def test_streamed_parts_nested_in_each_other_are_gathered_once() -> None:
    inner = f'<div hidden id="S:1"><p>Inner part: {_SENTENCE}</p></div>'
    html = f"""<html><body><main><p>Shell.</p></main>
<div hidden id="S:0"><p>Outer part: {_SENTENCE}</p>{inner}</div></body></html>"""
    text = extract(html).text
    # Only parts among <body>'s children are moved (React streams them there); one inside another moves
    # with it, and is never copied twice.
    assert text.count("Outer part:") == 1 and text.count("Inner part:") <= 1


# A sidebar <aside> holding more of the page's prose than the short article beside it: HTML defines <aside> as
# content tangentially related to what is around it, so one beside the headline or the <article>/<main> is
# not the article's wrapper, however much text it holds.
_SIDEBAR_PAGES = {
    "en": (
        "Night hours at the old library",
        [
            "The old library will stay open until midnight throughout the exam month, the council said.",
            "Its reading rooms fill with students before noon, and many have no quiet place at home.",
        ],
        "About us",
        "The Riverside Courier is an independent weekly founded in 1998 that covers the city and its old "
        "neighbourhoods, publishing reports, interviews and essays written by the people who live here. We "
        "believe that local journalism is the memory of a place, so we record the small stories that never "
        "reach the national papers, from the markets to the cafes, the libraries and the schools.",
    ),
    "de": (
        "Die alte Bibliothek öffnet nachts",
        [
            "Die alte Stadtbibliothek bleibt im Prüfungsmonat bis Mitternacht geöffnet, sagt die Stadt.",
            "Schon vor Mittag sind die Lesesäle voll, und viele finden zu Hause keinen ruhigen Platz.",
        ],
        "Über uns",
        "Der Flussbote ist eine unabhängige Wochenzeitung, gegründet 1998, die über die Stadt und ihre alten "
        "Viertel berichtet und Reportagen, Gespräche und Essays ihrer Bewohner veröffentlicht. Wir glauben, "
        "dass Lokaljournalismus das Gedächtnis eines Ortes ist, und halten darum kleine Geschichten fest, "
        "die nie in die großen Zeitungen kommen, von den Märkten bis zu den Cafés, Bibliotheken und Schulen.",
    ),
}


def _sidebar_page(language: str, article: str, sidebar_first: bool) -> str:
    title, _, heading, about = _SIDEBAR_PAGES[language]
    aside = f'<aside class="col-side"><div class="box"><h3>{heading}</h3><p>{about}</p></div></aside>'
    columns = f"{aside}{article}" if sidebar_first else f"{article}{aside}"
    return f"""<html lang="{language}"><head><title>{title}</title></head><body>
<header><a href="/">Home</a></header><div class="page">{columns}</div></body></html>"""


def _article(language: str, holder: str) -> str:
    title, paragraphs, _, _ = _SIDEBAR_PAGES[language]
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    if holder == "div":  # no sectioning element: only the headline says where the article is
        return f'<div class="col-main"><h1>{title}</h1>{body}</div>'
    return f"<{holder}><h1>{title}</h1>{body}</{holder}>"


@pytest.mark.parametrize("sidebar_first", [False, True], ids=["sidebar-after", "sidebar-before"])
@pytest.mark.parametrize("holder", ["main", "article", "div"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_an_aside_beside_the_article_is_no_wrapper_however_long(
    language: str, holder: str, sidebar_first: bool
) -> None:
    _, paragraphs, heading, about = _SIDEBAR_PAGES[language]
    text = extract(_sidebar_page(language, _article(language, holder), sidebar_first)).text
    assert all(paragraph in text for paragraph in paragraphs)
    assert heading not in text and about[:40] not in text


def test_an_aside_holding_the_article_is_still_its_wrapper() -> None:
    """A headline only in the site's <header> (a logo) says nothing of where the article is: a page that
    wraps its article in <aside> keeps it."""
    title, paragraphs, _, about = _SIDEBAR_PAGES["en"]
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    html = f"""<html><head><title>{title}</title></head><body><header><h1>The Courier</h1></header>
<aside><h2>{title}</h2>{body}<p>{about}</p></aside><footer><a href="/">Home</a></footer></body></html>"""
    text = extract(html).text
    assert all(paragraph in text for paragraph in paragraphs) and about[:40] in text


def test_a_page_without_streamed_parts_makes_no_box_for_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # The box for parts without a placeholder is parsed from markup (a new document): only when one is left.
    from scraper.extract import streamed

    def no_parse(html: str) -> None:
        raise AssertionError(f"a document was parsed for the streamed parts' box: {html}")

    tree = streamed.LexborHTMLParser("<body><div id='S:0'>not hidden</div><p>" + "text " * 50 + "</p></body>")
    monkeypatch.setattr(streamed, "LexborHTMLParser", no_parse)
    streamed.place_streamed_parts(tree)
    assert tree.body is not None and "not hidden" in tree.body.text()
