"""The page's address as page-type evidence: the headline made a slug, wherever the CMS puts it."""

from __future__ import annotations

from scraper.extract import extract
from scraper.extract.pagetype import url_shape
from scraper.models import PageType
from tests.extract.test_pagetype import PROSE_DE, PROSE_ES, json_ld, shell


def test_a_headline_slug_followed_by_an_id_segment_is_read_as_the_slug() -> None:
    # Many CMSs end an article's address with its id after the slug ("/headline-slug/12345",
    # "/headline-slug/item12708", "/headline-slug/a48213.html"): the slug is the segment before the id.
    assert url_shape("https://revista.example/guias/como-elegir-un-curso-en-linea/a48213").slug_words == 6
    assert url_shape("https://zeitung.example/lokal/stadt-baut-die-radwege-aus/12345.html").slug_words == 5
    assert url_shape("https://zeitung.example/lokal/stadt-baut-die-radwege-aus/").slug_words == 5
    # An id after a section's name or a short code is no headline: its words are counted as before.
    assert url_shape("https://shop.example/produkte/4711").slug_words == 1
    assert url_shape("https://forum.example/t/12345").slug_words == 1
    assert url_shape("https://shop.example/c/2024-sale/99").slug_words == 1


def test_an_undated_article_under_a_slug_and_an_id_is_not_a_landing_page() -> None:
    # An undated, unsigned guide of a company's site (og:type "website", the company's Organization type:
    # two marks of a landing page) under its headline's slug followed by an id: the slug speaks for an
    # article, so the landing-page rule does not apply and its prose makes it one. Spanish, German.
    head = '<meta property="og:type" content="website">'
    head += json_ld({"@type": "Organization", "name": "Cursos"})
    texts = [f"{PROSE_ES} {PROSE_DE[0]}", f"{PROSE_DE[1]} {PROSE_ES}", f"{PROSE_DE[0]} {PROSE_DE[1]}"]
    body = "<main><h1>Cómo elegir un curso en línea</h1>" + "".join(f"<p>{t}</p>" for t in texts) + "</main>"
    page = shell(body, head, title="Cómo elegir un curso en línea")
    url = "https://cursos.example/guias/como-elegir-un-curso-en-linea/item12708"
    assert extract(page, url).page_type == PageType.ARTICLE
    # The same page under a section's name and an id stays a landing page.
    assert extract(page, "https://cursos.example/servicios/item12708").page_type == PageType.SERVICE
