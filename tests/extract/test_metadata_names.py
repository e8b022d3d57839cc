"""Titles the page states in its own conventions: "_"-joined portal titles, the site's name shown by the
hostname, a headline set in <h2>."""

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
