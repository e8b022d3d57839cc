"""Page metadata: JSON-LD, OpenGraph, <meta>, microdata and the page itself, in order of trust."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from scraper.extract.metadata import MAX_JSON_LD_CHARS, Metadata, extract_metadata, normalise_date


def read(html: str, url: str | None = "https://news.example.org/world/story") -> Metadata:
    return extract_metadata(LexborHTMLParser(html), url)


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return f'<!doctype html><html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


def json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


YOAST_GRAPH = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "@id": "https://example.org/#website", "name": "The Example Times"},
        {"@type": "Organization", "@id": "https://example.org/#org", "name": "Example Media Group"},
        {
            "@type": ["Article", "NewsArticle"],
            "headline": "Rivers rise after a week of rain",
            "author": {"@id": "https://example.org/#/schema/person/1"},
            "publisher": {"@id": "https://example.org/#org"},
            "datePublished": "2024-03-05T08:30:00+01:00",
            "inLanguage": "en-GB",
        },
        {"@type": "Person", "@id": "https://example.org/#/schema/person/1", "name": "Jane Doe"},
    ],
}


def test_json_ld_graph_with_id_references() -> None:
    meta = read(page(json_ld(YOAST_GRAPH) + "<title>Rivers rise | The Example Times</title>"))
    assert meta.title == "Rivers rise after a week of rain"
    assert meta.author == "Jane Doe"
    assert meta.date == "2024-03-05T08:30:00+01:00"
    assert meta.sitename == "The Example Times"


def test_json_ld_authors_as_strings_objects_and_lists() -> None:
    data = [
        {"@type": "BreadcrumbList", "itemListElement": []},
        {
            "@type": "BlogPosting",
            "headline": "Ten years of gardening",
            "author": ["By Ann Smith", {"@type": "Person", "name": "Bob Jones"}, {"name": "Ann Smith"}],
            "datePublished": "2023-11-02",
            "publisher": {"@type": "Organization", "name": "Garden Weekly"},
        },
    ]
    meta = read(page(json_ld(data)))
    assert meta.author == "Ann Smith; Bob Jones"
    assert meta.date == "2023-11-02"
    assert meta.sitename == "Garden Weekly"


def test_organisation_author_gives_way_to_a_byline() -> None:
    data = {
        "@type": "NewsArticle",
        "headline": "Budget passes",
        "author": {"@type": "Organization", "name": "Wire"},
    }
    body = "<article><h1>Budget passes</h1><p class='meta'>By Maria Lopez</p><p>Story.</p></article>"
    assert read(page(json_ld(data), body)).author == "Maria Lopez"
    assert read(page(json_ld(data), "<h1>Budget passes</h1>")).author == "Wire"


@pytest.mark.parametrize(
    "script",
    [
        '{"@type": "NewsArticle", "headline": "Broken", ',  # truncated
        '<!-- {"@type": "NewsArticle" -->',
        "",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" * 2000,  # deep enough to hit recursion limits
        '{"@type": null, "author": [null, 3, {"name": ["x"]}], "datePublished": {"nested": true}}',
        '"just a string"',
        '{"@graph": "not a list", "@type": ["Article", 7]}',
    ],
)
def test_malformed_json_ld_never_crashes(script: str) -> None:
    html = page(f'<script type="application/ld+json">{script}</script><title>Fallback title</title>')
    assert read(html).title == "Fallback title"


def test_damaged_but_readable_json_ld_is_read() -> None:
    script = """<!--
    {"@type": "NewsArticle", "headline": "Commas everywhere", "author": {"name": "Sam Lee",},
     "datePublished": "2022-01-09",}
    -->"""
    meta = read(page(f'<script type="application/ld+json">{script}</script>'))
    assert (meta.title, meta.author, meta.date) == ("Commas everywhere", "Sam Lee", "2022-01-09")


@pytest.mark.parametrize(
    ("before", "after"), [("<!--", ""), ("", "-->"), ("<![CDATA[", ""), ("", "]]>"), ("<![CDATA[", "]]>")]
)
def test_each_comment_or_cdata_marker_alone_is_dropped_from_json_ld(before: str, after: str) -> None:
    """The markers are looked for before the pattern runs: each one, alone, must still be found."""
    script = f'{before}{{"@type": "NewsArticle", "headline": "Marked up"}}{after}'
    assert read(page(f'<script type="application/ld+json">{script}</script>')).title == "Marked up"


def test_oversized_json_ld_is_skipped() -> None:
    padding = "x" * MAX_JSON_LD_CHARS
    data = {"@type": "NewsArticle", "headline": "Too big to read", "description": padding}
    assert read(page(json_ld(data) + "<title>From the title</title>")).title == "From the title"


def test_opengraph_and_article_properties() -> None:
    head = """
    <meta property="og:title" content="Storm closes schools">
    <meta property="og:site_name" content="Daily Planet">
    <meta property="og:locale" content="pt_BR">
    <meta property="og:description" content="Classes are cancelled on Friday.">
    <meta property="article:published_time" content="2024-10-11T06:05:00Z">
    <meta property="og:url" content="https://dailyplanet.example/storm">
    """
    meta = read(page(head, lang=""), url=None)
    assert meta.title == "Storm closes schools"
    assert meta.sitename == "Daily Planet"
    assert meta.language == "pt-br"
    assert meta.description == "Classes are cancelled on Friday."
    assert meta.date == "2024-10-11T06:05:00+00:00"
    assert meta.canonical_url == "https://dailyplanet.example/storm"
    assert meta.hostname == "dailyplanet.example"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("Von Hans Müller", "Hans Müller"),
        ("Par Marie Curie", "Marie Curie"),
        ("Por Ana García y Luis Gómez", "Ana García; Luis Gómez"),
        ("Ann Smith and Bob Jones", "Ann Smith; Bob Jones"),
        ("Genevieve Carlton, Ph.D.", "Genevieve Carlton, Ph.D."),
        ("https://facebook.com/janedoe", None),
        ("jane@example.org", None),
        ("admin", None),
    ],
)
def test_meta_author_is_cleaned(content: str, expected: str | None) -> None:
    assert read(page(f'<meta name="author" content="{content}">')).author == expected


def test_repeated_citation_authors_are_joined() -> None:
    head = (
        '<meta name="citation_author" content="Ada Lovelace">'
        '<meta name="citation_author" content="Alan Turing">'
    )
    assert read(page(head)).author == "Ada Lovelace; Alan Turing"


def test_title_loses_its_site_suffix() -> None:
    head = (
        "<title>Storm closes schools | Daily Planet</title>"
        '<meta property="og:site_name" content="Daily Planet">'
    )
    meta = read(page(head))
    assert meta.title == "Storm closes schools"
    assert meta.sitename == "Daily Planet"


def test_sitename_from_title_suffix_when_nothing_else_names_the_site() -> None:
    assert read(page("<title>Storm closes schools – Daily Planet</title>")).sitename == "Daily Planet"


def test_confirmed_h1_is_the_headline_and_a_logo_h1_is_not() -> None:
    head = '<meta property="og:title" content="Schools closed Friday as storm nears | Daily Planet">'
    body = "<h1>Daily Planet</h1><article><h1>Storm closes schools on Friday</h1></article>"
    assert read(page(head, body)).title == "Storm closes schools on Friday"
    logo_only = "<h1><a href='/'>Planet</a></h1><p>Text</p>"
    assert read(page('<meta property="og:title" content="Storm closes schools">', logo_only)).title == (
        "Storm closes schools"
    )


def test_byline_and_date_lines_under_the_headline() -> None:
    body = """<header><nav><a href="/">Home</a></nav></header><article>
      <h1>Storm closes schools</h1><div class="meta"><span>By</span> <a href="/a/jd">Jane Doe</a>
      <span>Updated: March 5, 2024</span></div><p>Schools in the county will close on Friday.</p></article>
      <aside><h3>Related</h3><p>By Someone Else</p><p>January 1, 2020</p></aside>"""
    meta = read(page("<title>Storm closes schools</title>", body))
    assert meta.author == "Jane Doe"
    assert meta.date == "2024-03-05"


def test_microdata_and_time_elements() -> None:
    body = """<article><h1>Market day</h1>
      <span itemprop="author" itemscope><span itemprop="name">Kim Park</span></span>
      <time itemprop="datePublished" datetime="2021-06-30">yesterday</time><p>Body.</p></article>"""
    meta = read(page("", body))
    assert meta.author == "Kim Park"
    assert meta.date == "2021-06-30"


def test_date_from_url_path_only_as_last_resort() -> None:
    assert read(page(), url="https://blog.example.com/2019/07/14/summer/").date == "2019-07-14"
    assert read(page(), url="https://blog.example.com/products/2019/sku-0714").date is None


def test_no_date_invented_from_unrelated_numbers() -> None:
    body = "<h1>Census</h1><p>In 2019, 12 of 13 towns grew; call 2024 03 05 or 555-2024-0305.</p>"
    assert read(page("", body), url="https://example.org/census").date is None


def test_canonical_is_absolutised_and_gives_the_hostname() -> None:
    head = '<link rel="canonical" href="/world/2024/storm.html">'
    meta = read(page(head), url="https://www.news.example.org/amp/storm")
    assert meta.canonical_url == "https://www.news.example.org/world/2024/storm.html"
    assert meta.hostname == "www.news.example.org"


@pytest.mark.parametrize(
    ("declared", "expected"), [("en-US", "en-us"), ("DE", "de"), ("pt_BR", "pt-br"), ("", None), ("12", None)]
)
def test_language_is_normalised(declared: str, expected: str | None) -> None:
    assert read(page(lang=declared)).language == expected


def test_empty_page_has_no_metadata() -> None:
    meta = read("", url=None)
    assert meta == Metadata()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-05T10:00:00Z", "2024-03-05T10:00:00+00:00"),
        ("2024-03-05T10:00:00-0500", "2024-03-05T10:00:00-05:00"),
        ("2024-03-05T10:00:00", "2024-03-05"),
        ("2024-03-05", "2024-03-05"),
        ("20240305", "2024-03-05"),
        ("Tue, 05 Mar 2024 10:00:00 GMT", "2024-03-05"),
        ("March 5th, 2024", "2024-03-05"),
        ("5 mars 2024", "2024-03-05"),
        ("31/12/2024", "2024-12-31"),
        ("12/31/2024", "2024-12-31"),
        ("2024-02-30", None),
        ("1850-01-01", None),
        ("soon", None),
        ("", None),
    ],
)
def test_normalise_date(raw: str, expected: str | None) -> None:
    assert normalise_date(raw) == expected


@settings(max_examples=150, deadline=None)
@given(
    script=st.text(alphabet='{}[]":,@ abcdeAtypgrhN0123-TZ<!->\\', max_size=300),
    meta_content=st.text(max_size=80),
)
def test_metadata_never_raises_on_arbitrary_values(script: str, meta_content: str) -> None:
    content = meta_content.replace('"', "&quot;")
    head = (
        f'<script type="application/ld+json">{script}</script>'
        f'<meta name="author" content="{content}">'
        f'<meta property="article:published_time" content="{content}">'
    )
    meta = read(page(head, f"<h1>{content}</h1><p>By {content}</p>"))
    assert meta.date is None or meta.date[:4].isdigit()


@pytest.mark.parametrize("url", [None, "", "http://[broken/2024/01/02/", "not a url", "ftp://example.org/x"])
def test_malformed_urls_never_crash(url: str | None) -> None:
    head = '<link rel="canonical" href="http://[::1"><meta property="og:url" content="https://[bad">'
    meta = read(page(head, "<h1>Headline</h1>"), url=url)
    assert meta.title == "Headline"
    assert meta.canonical_url is None


def test_name_printed_beside_the_date_without_by() -> None:
    body = """<h1>Why cheap hosting costs more</h1><div class="meta"><span>Dec. 19, 2025</span> ·
      <span>Niko Matsakis</span></div><nav><a>Home</a></nav><p>Long article text follows here.</p>"""
    meta = read(page("<title>Why cheap hosting costs more</title>", body))
    assert meta.author == "Niko Matsakis"
    assert meta.date == "2025-12-19"


def test_single_word_pen_name_after_by_but_not_words_that_start_like_by() -> None:
    assert read(page("", "<h1>Notes</h1><p>by</p><p>ibby</p><p>Some text.</p>")).author == "ibby"
    assert read(page("", "<h1>Notes</h1><p>Partners</p><p>Parking</p><p>Dining</p>")).author is None


@pytest.mark.parametrize(
    ("byline", "expected"),
    [("بقلم: سارة أحمد", "سارة أحمد"), ("מאת דנה כהן", "דנה כהן"), ("Von Jonas Weber", "Jonas Weber")],
)
def test_bylines_in_other_scripts(byline: str, expected: str) -> None:
    assert read(page("", f"<h1>Headline</h1><p>{byline}</p><p>Body text.</p>")).author == expected


# One element for each way an author selector can match, class names in several cases.
_AUTHOR_ELEMENTS = (
    '<span itemprop="author"><b itemprop="name">A</b></span>',
    '<a rel="author">B</a>',
    '<a rel="AUTHOR">B</a>',
    '<i class="authorName">C</i>',
    '<i class="AuthorName">C</i>',
    '<i class="x byline__name">D</i>',
    '<i class="Byline-Name">D</i>',
    '<p class="post-author"><a>E</a></p>',
    '<p class="ENTRY-AUTHOR">E</p>',
    '<p class="xbylinex">F</p>',
    '<p class="posted-by">G</p>',
    '<p class="Written-By">H</p>',
)


@pytest.mark.parametrize("doctype", ["<!doctype html>", ""])  # class names are case-blind in quirks mode
@pytest.mark.parametrize("element", _AUTHOR_ELEMENTS)
def test_author_marks_find_every_page_an_author_selector_reads(doctype: str, element: str) -> None:
    """A page without any of rules.AUTHOR_MARKS is not searched with the author selectors: a page where a
    selector matches (the element or, for "a b" selectors, its ancestor) must bear one."""
    from scraper.extract.metadata import rules as metadata_rules

    tree = LexborHTMLParser(f"{doctype}<html><body><div>{element}</div></body></html>")
    selected = [node for selector in metadata_rules.AUTHOR_SELECTORS for node in tree.css(selector)]
    assert not selected or tree.any_css_matches((metadata_rules.AUTHOR_MARKS,))


def test_a_page_without_author_marks_still_finds_a_byline_in_its_text() -> None:
    body = "<h1>Budget passes</h1><p>By Maria Lopez</p><p>" + "The budget passed today. " * 20 + "</p>"
    assert read(page("", body)).author == "Maria Lopez"


class _RecordingTree:
    """A parsed page that records the selectors it is searched with."""

    def __init__(self, html: str) -> None:
        self.tree = LexborHTMLParser(html)
        self.searched: list[str] = []

    def css(self, selector: str) -> object:
        self.searched.append(selector)
        return self.tree.css(selector)

    def css_first(self, selector: str) -> object:
        self.searched.append(selector)
        return self.tree.css_first(selector)

    def any_css_matches(self, selectors: tuple[str, ...]) -> bool:
        self.searched += selectors
        return bool(self.tree.any_css_matches(selectors))

    def __getattr__(self, name: str) -> object:
        return getattr(self.tree, name)


def test_a_page_without_time_elements_is_not_searched_for_their_dates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The date selectors that only a <time> matches are skipped on a page without one (most pages)."""
    from scraper.extract.metadata import _page

    monkeypatch.setattr(_page, "_compiled", None)  # Lexbor's queries, which the tree records
    tree = _RecordingTree(page("<title>Harbour</title>", "<h1>Harbour</h1><p>No date anywhere.</p>"))
    assert extract_metadata(tree, "https://example.org/harbour").date is None  # type: ignore[arg-type]
    only_time = [
        s for s in tree.searched if all(part.split()[-1].startswith("time") for part in s.split(","))
    ]
    assert only_time == []
    assert tree.searched  # the other date selectors were


@pytest.mark.parametrize(
    "time", ['<time class="published" datetime="2024-03-05">', '<header><time datetime="2024-03-05">']
)
def test_a_time_element_still_gives_the_date(time: str) -> None:
    assert read(page("", f"<h1>Harbour</h1>{time}March 5</time><p>Body.</p>")).date == "2024-03-05"


def test_the_selectors_skipped_without_time_elements_match_only_time_elements() -> None:
    from scraper.extract.metadata import rules

    for selector in rules.TIME_DATE_SELECTORS:
        assert selector in rules.DATE_SELECTORS
        assert all(part.split()[-1].startswith("time") for part in selector.split(","))
    for selector in rules.ABBR_DATE_SELECTORS:
        assert selector in rules.DATE_SELECTORS
        assert all(part.strip().startswith(rules.DATE_TITLE_TAG + ".") for part in selector.split(","))


@pytest.mark.parametrize(
    ("lang", "headline", "shown"),
    [
        ("he", "גינה במרפסת", "21:05"),
        ("de", "Tomaten auf dem Balkon", "21:05 Uhr"),
        ("en", "Tomatoes on the balcony", "9:05 PM"),
    ],
)
def test_an_hatom_abbr_gives_the_date_in_its_title(lang: str, headline: str, shown: str) -> None:
    """hAtom (Blogger and many blog themes) prints the time for people and puts the date-time in the title."""
    body = f"""<div class="post hentry"><h3 class="post-title entry-title">{headline}</h3>
      <div class="post-body entry-content"><p>{headline}.</p></div>
      <div class="post-footer"><a class="timestamp-link" href="/p" rel="bookmark">
      <abbr class="published" title="2025-04-17T21:05:00+03:00">{shown}</abbr></a></div></div>"""
    meta = read(page(f"<title>{headline}</title>", body, lang), url="https://blog.example/2025/04/post.html")
    assert meta.date == "2025-04-17T21:05:00+03:00"


def test_an_hatom_published_date_wins_over_a_date_line_and_an_updated_one() -> None:
    body = """<div class="hentry"><h1 class="entry-title">Harbour</h1><p>Thursday, April 17, 2025</p>
      <abbr class="updated" title="2025-05-02T10:00:00Z">May 2</abbr>
      <abbr class="dt-published" title="2025-04-17T21:05:00+03:00">21:05</abbr><p>Body.</p></div>"""
    assert read(page("<title>Harbour</title>", body)).date == "2025-04-17T21:05:00+03:00"


def test_an_hatom_updated_date_is_the_last_resort_and_other_titles_are_not_dates() -> None:
    updated = '<h1>Harbour</h1><p>Body.</p><abbr class="updated" title="2025-05-02">May 2</abbr>'
    assert read(page("", updated), url="https://example.org/harbour").date == "2025-05-02"
    tooltip = '<h1>Harbour</h1><p>Body.</p><span class="published" title="2025-05-02">soon</span>'
    assert read(page("", tooltip), url="https://example.org/harbour").date is None


def _card(href: str, headline: str, excerpt: str, dateline: str = "") -> str:
    meta = f"<p>{dateline}</p>" if dateline else ""
    link = f'<a href="{href}"><h3>{headline}</h3></a>'
    return f'<article>{link}<p>{excerpt}</p><a href="{href}">+</a>{meta}</article>'


@pytest.mark.parametrize(
    ("lang", "section", "dateline", "cards"),
    [
        ("en", "Business", "14 October 2025 · 4 min read", ("Port expansion approved", "Fish market moves")),
        ("fr", "Économie", "14 octobre 2025", ("Le port s'agrandit", "La criée déménage")),
        ("de", "Wirtschaft", "14.10.2025", ("Hafen wird erweitert", "Fischmarkt zieht um")),
    ],
)
def test_a_section_front_takes_no_date_from_its_teaser_cards(
    lang: str, section: str, dateline: str, cards: tuple[str, str]
) -> None:
    """A run of <article> cards whose headings link away are teasers: their date lines are not the page's."""
    lead, other = cards
    body = f"""<header><a href="/">Times</a></header><main><h1>{section}</h1>
      <section>{_card("/a/1", lead, "Plans approved on Tuesday…", dateline)}</section>
      <section>{_card("/a/2", other, "Traders say…")}
      {_card("/a/3", other + " (2)", "Buyers…")}</section></main>"""
    meta = read(page(f"<title>{section} | Times</title>", body, lang), url=f"https://times.example/{lang}/")
    assert meta.date is None


def test_an_article_keeps_its_date_line_beside_teaser_cards() -> None:
    """The headline's own article, an article without a linked heading, and a lone card keep their dates."""
    teasers = _card("/a/2", "Fish market", "Traders…", "1 May 2025") + _card("/a/3", "Hotel sold", "The…")
    own = "<article><h1>Storm closes schools</h1><p>5 March 2024</p><p>Schools will close.</p></article>"
    assert read(page("<title>Storm closes schools</title>", own + teasers)).date == "2024-03-05"
    outside = "<h1>Storm closes schools</h1><article><p>5 March 2024</p><p>Schools will close.</p></article>"
    assert read(page("<title>Storm closes schools</title>", outside + teasers)).date == "2024-03-05"
    lone = _card("/storm", "Storm closes schools", "Schools will close.", "5 March 2024")
    assert read(page("<title>Storm | Times</title>", lone)).date == "2024-03-05"
