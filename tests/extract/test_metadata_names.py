"""Titles and bylines the page states in its own conventions: "_"-joined portal titles, the site's name
shown by the hostname, a headline set in <h2>, an author archive link, a BEM byline element."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract.metadata import Metadata, extract_metadata


def read(html: str, url: str | None = "https://news.example.org/world/story") -> Metadata:
    return extract_metadata(LexborHTMLParser(html), url)


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return f'<!doctype html><html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("江城老街改造完成 百年骑楼重新开门迎客_新闻中心_东湖网", "江城老街改造完成 百年骑楼重新开门迎客"),
        ("台風で鉄橋が流された潮見線が全線再開_社会_海風新報", "台風で鉄橋が流された潮見線が全線再開"),
        ("小米发布新款折叠屏手机 售价七千元起_科技频道_东湖网", "小米发布新款折叠屏手机 售价七千元起"),
    ],
)
def test_an_underscore_joins_headline_channel_and_site_in_cjk_titles(title: str, expected: str) -> None:
    assert read(page(f"<title>{title}</title>", lang="zh")).title == expected


@pytest.mark.parametrize(
    "title",
    ["Why snake_case_names read better than camelCase", "Reading os.environ_get in __init__ blocks"],
)
def test_an_underscore_inside_a_latin_title_is_part_of_it(title: str) -> None:
    assert read(page(f"<title>{title}</title>")).title == title


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("Sign in | The Harbour Chronicle", "https://account.harbourchronicle.example/login", "Sign in"),
        ("Connexion | Le Courrier du Port", "https://www.lecourrierduport.example/connexion", "Connexion"),
        ("Wirtschaft - Neue Hafenzeitung", "https://www.neuehafenzeitung.example/wirtschaft/", "Wirtschaft"),
        ("Walt's Workshop - Fixing a Radio", "http://www.waltsworkshop.example/radio.html", "Fixing a Radio"),
    ],
)
def test_the_hostname_tells_the_site_name_in_a_title(title: str, url: str, expected: str) -> None:
    assert read(page(f"<title>{title}</title>"), url).title == expected


def test_a_headline_that_names_the_host_keeps_it() -> None:
    title = "Apple unveils a new phone with a folding screen - Tech Review"
    meta = read(page(f"<title>{title}</title>"), "https://www.apple.example/news/phone")
    assert meta.title == "Apple unveils a new phone with a folding screen"


@pytest.mark.parametrize(
    ("title", "heading"),
    [
        ("Walt's Workshop - Restoring a Valve Radio, Part 3", "Restoring a Valve Radio, Part 3: Recapping"),
        ("Omas Küche - Apfelstrudel wie früher, Teil 2", "Apfelstrudel wie früher, Teil 2: der Teig"),
    ],
)
def test_without_an_h1_an_h2_the_title_confirms_is_the_headline(title: str, heading: str) -> None:
    body = f"<table><tr><td><a href='/'>Home</a></td><td><h2>{heading}</h2><p>Text.</p></td></tr></table>"
    assert read(page(f"<title>{title}</title>", body)).title == heading


def test_without_an_h1_a_teaser_h2_is_not_the_headline() -> None:
    body = "<h2>Latest stories</h2><h2>Council approves the new harbour wall</h2>"
    meta = read(page("<title>Fish market moves to a new hall</title>", body))
    assert meta.title == "Fish market moves to a new hall"


@pytest.mark.parametrize(
    ("text", "href", "expected"),
    [
        ("View all posts by Tom Everard", "https://blog.example/author/tom/", "Tom Everard"),
        ("Voir tous les articles de Marie Dupont", "/author/marie-dupont/", "Marie Dupont"),
        ("Alle Beiträge von Jörg Müller anzeigen", "/author/j%C3%B6rg-m%C3%BCller/", "Jörg Müller"),
        ("Alle Beiträge von Jörg Müller anzeigen", "/autor/jorg-muller", "Jörg Müller"),
        # a login name that spells no word of the text: the text is not cut
        ("Tom Everard", "/author/teverard/", "Tom Everard"),
    ],
)
def test_an_author_archive_link_names_the_author_its_slug_spells(text: str, href: str, expected: str) -> None:
    body = (
        f'<article><h1>Mill race rebuilt</h1><p>Text.</p><a href="{href}" rel="author">{text}</a></article>'
    )
    assert read(page("<title>Mill race rebuilt</title>", body)).author == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ('<span class="p-article__author">森田 佳奈</span>', "森田 佳奈"),
        ('<p class="story__author">Ana Lima</p>', "Ana Lima"),
        (
            '<div class="article__author"><img alt=""><span class="article__author__name">Jan Nowak</span>'
            '<span class="article__author__position">Redaktor naczelny</span></div>',
            "Jan Nowak",
        ),
    ],
)
def test_a_bem_author_element_is_a_byline(byline: str, expected: str) -> None:
    body = f"<article><h1>潮見線が全線再開</h1><div>{byline}</div><p>本文。</p></article>"
    assert read(page("<title>潮見線が全線再開</title>", body, lang="ja")).author == expected


def test_a_comment_authors_bem_element_is_not_the_byline() -> None:
    body = (
        "<article><h1>Mill race rebuilt</h1><p>Text.</p></article>"
        '<section class="comments"><div class="c-comment">'
        '<span class="c-comment__author">Jenny Coulson</span></div>'
        '<div class="reply"><span class="reply__author">R Pidgeon</span></div></section>'
    )
    assert read(page("<title>Mill race rebuilt</title>", body)).author is None


def test_a_bem_author_far_from_the_headline_credits_a_quote_not_the_page() -> None:
    prose = "<p>" + "Payments in every currency, settled the next day for every business. " * 40 + "</p>"
    body = (
        f"<main><h1>Unified payments</h1>{prose}"
        '<blockquote><p>It just works.</p><span class="Quote__author">Michelle Lin</span></blockquote></main>'
    )
    assert read(page("<title>Unified payments</title>", body)).author is None
