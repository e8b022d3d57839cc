"""Page types of pages full of code: a programmer's post against a manual's page, told by structure."""

from __future__ import annotations

from scraper.extract import extract
from scraper.models import PageType
from tests.extract.test_pagetype import PROSE_DE, PROSE_FR, code_sections, shell, site_menu


def test_a_signed_post_full_of_code_outside_a_manuals_navigation_is_an_article() -> None:
    # A personal site's post: a date (or a byline) and no other mark, a dozen snippets, a few links around
    # it. A manual's page carries its contents' navigation, a hundred links or more: there the same code
    # and date stay documentation. German, French.
    head = '<meta name="date" content="2026-03-05">'
    code = code_sections(PROSE_DE[0], 12)
    body = f"<article><h1>Wie wir den Speicher umgezogen haben</h1>{code}</article>"
    url = "https://jana.example/notizen/umzug"
    assert extract(shell(body, head), url).page_type == PageType.ARTICLE
    manual = f"{site_menu(150, '/handbuch')}<main><h1>Den Speicher umziehen</h1>{code}</main>"
    assert extract(shell(manual, head), "https://docs.example/de/umzug").page_type == PageType.DOCUMENTATION
    head = '<meta name="author" content="Claire Martin">'
    body = f"<article><h1>Notre migration</h1>{code_sections(PROSE_FR, 12)}</article>"
    assert extract(shell(body, head), "https://claire.example/migration").page_type == PageType.ARTICLE


def test_an_unsigned_page_full_of_code_with_few_links_stays_documentation() -> None:
    # Without a date or a byline the few links say nothing: a one-page manual or a README.
    body = f"<main><h1>Den Speicher umziehen</h1>{code_sections(PROSE_DE[0], 12)}</main>"
    assert extract(shell(body), "https://tool.example/umzug").page_type == PageType.DOCUMENTATION
