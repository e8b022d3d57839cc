"""discover.py: feeds, sitemaps (safe XML, bounded gzip), section-page links."""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from scraper import discover
from scraper.discover import (
    SitemapResult,
    filter_urls,
    links_from_page,
    parse_feed,
    parse_sitemap,
    read_url_file,
)
from scraper.errors import ConfigError, DiscoveryError

BASE = "https://news.example/"


def test_filter_urls_include_any_and_exclude_all() -> None:
    urls = ["https://a.example/news/1", "https://a.example/video/2", "https://a.example/news/video/3"]
    assert filter_urls(urls, include=["/news/"], exclude=["/video/"]) == ["https://a.example/news/1"]
    assert filter_urls(urls) == urls


def test_filter_urls_bad_pattern_is_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid regular expression"):
        filter_urls(["https://a.example/"], include=["(unclosed"])


# Nested quantifiers: Python's backtracking `re` took 15 s on a 49-character URL that does not match, twice
# as long with each character more.
BACKTRACKING = r"^https?://[^/]+/(\w+-?)+/$"


def test_filter_patterns_run_in_linear_time() -> None:
    hostile = "https://news.example/" + "a" * 28 + "!/"
    urls = [hostile, "https://news.example/some-story/", "https://news.example/video/clip/"]
    started = time.monotonic()
    assert filter_urls(urls, include=[BACKTRACKING]) == ["https://news.example/some-story/"]
    assert filter_urls(urls, exclude=[BACKTRACKING]) == [hostile, "https://news.example/video/clip/"]
    page = links_from_page(
        f'<a href="{hostile}">x</a><a href="/some-longer-story-here/">y</a>', BASE, exclude=[BACKTRACKING]
    )
    assert page == []
    assert time.monotonic() - started < 10  # a generous bound that proves no stall, not a speed check


def test_filter_patterns_are_searched_anywhere_as_with_re() -> None:
    urls = ["https://a.example/News/1", "https://a.example/news/2", "https://b.example/x"]
    assert filter_urls(urls, include=[r"(?i)/news/\d"]) == urls[:2]
    assert filter_urls(urls, include=[r"a\.example/n"]) == urls[1:2]
    assert filter_urls(urls, include=[r"^https://b\."]) == urls[2:]
    assert filter_urls(urls, exclude=[r"x$"]) == urls[:2]


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"/(\w+)/\1/", "backreference"),
        (r"/news/(?!video)", "lookaround"),
        (r"(?<=/)news", "lookaround"),
        (r"(?P<s>\w+)/(?P=s)", "backreference"),
    ],
)
def test_patterns_that_need_backtracking_are_refused(pattern: str, why: str) -> None:
    with pytest.raises(ConfigError, match=f"expected a regular expression RE2 can run.*{why}"):
        filter_urls(["https://a.example/"], include=[pattern])


def test_read_url_file_skips_comments_and_blanks(tmp_path: Path) -> None:
    path = tmp_path / "urls.txt"
    lines = [
        "\ufeff# morning list",
        "https://a.example/1",
        "",
        "  https://a.example/2  ",
        "#https://a.example/3",
    ]
    path.write_text("\n".join([*lines, "not a url"]) + "\n", encoding="utf-8")
    assert read_url_file(path).urls == ["https://a.example/1", "https://a.example/2", "not a url"]


def test_read_url_file_missing_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(ConfigError, match=str(missing)):
        read_url_file(missing)


# --- sitemaps ------------------------------------------------------------------------------------

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>https://news.example/world/storm-hits-coast</loc><lastmod>2024-05-01</lastmod>
    <image:image><image:loc>https://news.example/img/storm.jpg</image:loc></image:image></url>
  <url><loc> https://news.example/world/second-story?utm_source=sitemap </loc></url>
  <url><loc>/relative/third-story</loc></url>
  <url><loc>https://news.example/world/storm-hits-coast</loc></url>
  <url><loc>ftp://news.example/nope</loc></url>
</urlset>"""


def test_urlset_lists_page_urls_only_once_and_normalised() -> None:
    result = parse_sitemap(URLSET, "https://news.example/sitemap.xml")
    assert result == SitemapResult(
        urls=(
            "https://news.example/world/storm-hits-coast",
            "https://news.example/world/second-story",
            "https://news.example/relative/third-story",
        ),
        sitemaps=(),
    )


def test_sitemapindex_lists_child_sitemaps() -> None:
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://news.example/sitemaps/1.xml</loc></sitemap>
      <sitemap><loc>https://news.example/sitemaps/2.xml.gz</loc></sitemap></sitemapindex>"""
    result = parse_sitemap(index, BASE)
    assert result.urls == ()
    assert result.sitemaps == (
        "https://news.example/sitemaps/1.xml",
        "https://news.example/sitemaps/2.xml.gz",
    )


def test_gzipped_sitemap_is_inflated() -> None:
    assert parse_sitemap(gzip.compress(URLSET), BASE) == parse_sitemap(URLSET, BASE)


def test_news_sitemap_gives_its_article_urls() -> None:
    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://news.example/a/breaking-story</loc><news:news><news:publication>
        <news:name>Example</news:name><news:language>en</news:language></news:publication>
        <news:title>Breaking</news:title></news:news></url></urlset>"""
    assert parse_sitemap(news, BASE).urls == ("https://news.example/a/breaking-story",)


def test_plain_text_sitemap() -> None:
    text = b"https://news.example/one\n\nhttps://news.example/two\n"
    assert parse_sitemap(text, BASE).urls == ("https://news.example/one", "https://news.example/two")


def test_malformed_sitemap_falls_back_to_loc_elements() -> None:
    broken = (
        b"<urlset><url><loc>https://news.example/x?a=1&amp;b=2</loc></url><url><loc>https://news.example/y"
    )
    broken += b"</loc></url><url><oops></urlset>"
    assert parse_sitemap(broken, BASE).urls == ("https://news.example/x?a=1&b=2", "https://news.example/y")


def test_sitemap_keeps_at_most_the_protocol_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discover, "MAX_SITEMAP_URLS", 10)
    body = "".join(f"<url><loc>https://news.example/p/{i}</loc></url>" for i in range(25))
    urls = parse_sitemap(f"<urlset>{body}</urlset>".encode(), BASE).urls
    assert urls == tuple(f"https://news.example/p/{i}" for i in range(10))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
"""


@pytest.mark.parametrize("prologue", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_sitemap_with_entities_is_refused(prologue: bytes) -> None:
    entity = b"&lol9;" if prologue is BILLION_LAUGHS else b"&secret;"
    body = prologue + b"<urlset><url><loc>https://news.example/" + entity + b"</loc></url></urlset>"
    with pytest.raises(DiscoveryError, match="unsafe XML"):
        parse_sitemap(body, BASE)


def test_sitemap_with_any_dtd_is_refused() -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "http://evil.example/x.dtd"><urlset></urlset>'
    with pytest.raises(DiscoveryError, match="unsafe XML"):
        parse_sitemap(body, BASE)


def _gzip_bomb(decoded_size: int) -> bytes:
    """A gzip stream of zeros, built chunk by chunk so the test itself stays small in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(decoded_size // len(chunk))]
    return b"".join(parts) + compressor.flush()


def test_gzip_bomb_sitemap_is_refused_within_bounded_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = 4 * 1024 * 1024  # a lower cap than the default keeps the test quick; the bound is the same code
    monkeypatch.setattr(discover, "MAX_XML_BYTES", cap)
    bomb = _gzip_bomb(256 * 1024 * 1024)
    assert len(bomb) < cap  # small on the wire: only inflating it would hurt
    tracemalloc.start()
    try:
        with pytest.raises(DiscoveryError, match="inflates to more than"):
            parse_sitemap(bomb, BASE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The inflated bytes held at once: the cap plus one inflate step (and bytearray growth slack).
    assert peak < 3 * cap


def test_truncated_gzip_sitemap_is_refused() -> None:
    with pytest.raises(DiscoveryError, match="cut short"):
        parse_sitemap(gzip.compress(URLSET)[:-20], BASE)


def test_oversized_sitemap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discover, "MAX_XML_BYTES", 100)
    with pytest.raises(DiscoveryError, match="larger than"):
        parse_sitemap(URLSET, BASE)


# --- feeds ---------------------------------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Example</title><link>https://news.example/</link>
<item><title>One</title><link>https://news.example/world/one?utm_source=rss</link></item>
<item><title>Two</title><link>/world/two</link></item>
<item><title>Three</title><guid isPermaLink="true">https://news.example/world/three</guid></item>
<item><title>No link</title><guid isPermaLink="false">id-4</guid></item>
<item><title>One again</title><link>https://news.example/world/one</link></item>
</channel></rss>"""


def test_rss_links_in_feed_order() -> None:
    assert parse_feed(RSS, "https://news.example/feed.xml") == [
        "https://news.example/world/one",
        "https://news.example/world/two",
        "https://news.example/world/three",
    ]


def test_atom_alternate_links() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>Example</title>
      <entry><title>A</title><link rel="alternate" href="https://news.example/a-story"/><id>urn:a</id></entry>
      <entry><title>B</title><link rel="enclosure" href="https://news.example/b.mp3"/>
        <link href="https://news.example/b-story"/><id>urn:b</id></entry>
    </feed>"""
    assert parse_feed(atom, BASE) == ["https://news.example/a-story", "https://news.example/b-story"]


def test_json_feed() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Example",
        "items": [
            {"id": "1", "url": "https://news.example/j1"},
            {"id": "2", "external_url": "https://other.example/j2"},
            {"id": "3"},
            "junk",
        ],
    }
    assert parse_feed(json.dumps(feed).encode(), BASE) == [
        "https://news.example/j1",
        "https://other.example/j2",
    ]


def test_gzipped_feed() -> None:
    assert (
        parse_feed(gzip.compress(RSS), "https://news.example/feed.xml")[0] == "https://news.example/world/one"
    )


def test_empty_feed_gives_no_urls() -> None:
    assert parse_feed(b'<rss version="2.0"><channel><title>x</title></channel></rss>', BASE) == []


@pytest.mark.parametrize(
    "body",
    [b"<html><body><p>A web page, not a feed</p></body></html>", b'{"no": "items"}', b"{broken json"],
    ids=["html", "json-without-items", "broken-json"],
)
def test_what_is_not_a_feed_raises(body: bytes) -> None:
    with pytest.raises(DiscoveryError, match="not a"):
        parse_feed(body, BASE)


def test_feed_bytes_that_look_like_a_url_are_never_fetched() -> None:
    # feedparser fetches a str or bytes argument that looks like a URL or a file name: we pass a stream.
    with pytest.raises(DiscoveryError, match="not a feed"):
        parse_feed(b"http://127.0.0.1:9/feed.xml", BASE)
    with pytest.raises(DiscoveryError, match="not a feed"):
        parse_feed(b"/etc/hostname", BASE)


@pytest.mark.parametrize("prologue", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_feed_with_entities_is_refused(prologue: bytes) -> None:
    entity = b"&lol9;" if prologue is BILLION_LAUGHS else b"&secret;"
    body = prologue + b'<rss version="2.0"><channel><item><title>' + entity + b"</title>"
    body += b"<link>https://news.example/x</link></item></channel></rss>"
    with pytest.raises(DiscoveryError, match="unsafe XML"):
        parse_feed(body, BASE)


def test_malformed_feed_with_entities_is_refused() -> None:
    body = BILLION_LAUGHS + b'<rss version="2.0"><channel><item><title>&lol9;<link>https://n.example/x</item>'
    with pytest.raises(DiscoveryError, match="unsafe XML"):
        parse_feed(body, BASE)


def test_feed_with_plain_doctype_is_accepted() -> None:
    # RSS 0.91 feeds declare Netscape's DTD: a DOCTYPE without entities is harmless.
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>x</title>'
        b"<item><title>t</title><link>https://news.example/old-style-item</link></item></channel></rss>"
    )
    assert parse_feed(body, BASE) == ["https://news.example/old-style-item"]


def test_malformed_feed_is_still_read() -> None:
    body = (
        b'<rss version="2.0"><channel><item><title>A & B</title><link>https://news.example/a-b-story</link>'
    )
    body += b"</item></channel>"
    assert parse_feed(body, BASE) == ["https://news.example/a-b-story"]


# --- section and home pages -----------------------------------------------------------------------

SECTION_PAGE = """<!DOCTYPE html><html><head><title>World</title></head><body>
<header><a href="/">Home</a><nav><a href="/world/">World</a>
  <a href="/world/2024/05/storm-in-the-nav-menu">In nav</a></nav></header>
<main>
  <ul>
    <li><a href="/world/2024/05/12/storm-hits-the-coast">Storm hits the coast</a></li>
    <li><a href="https://www.news.example/world/council-approves-new-budget#comments">Budget</a></li>
    <li><a href="/world/council-approves-new-budget?utm_source=home">Budget again</a></li>
    <li><a href="/world/article/4812345">An id-only article</a></li>
    <li><a href="/world/2024/05/">May archive</a></li>
    <li><a href="/tag/storm-and-weather-news">Tag page</a></li>
    <li><a href="/author/jane-doe-the-reporter/">Author page</a></li>
    <li><a href="/world/category/big-weather-events">Category</a></li>
    <li><a href="/world/page/2">Next page</a></li>
    <li><a href="/world/">Section itself</a></li>
    <li><a href="/world/short">Short slug</a></li>
    <li><a href="/files/annual-report-for-2024.pdf">Report</a></li>
    <li><a href="https://elsewhere.example/world/some-story-on-another-site">Elsewhere</a></li>
    <li><a href="mailto:desk@news.example">Mail</a></li>
    <li><a href="#top">Top</a></li>
    <li><a href="/video/watch-the-storm-hit-the-coast">Video</a></li>
  </ul>
</main>
<footer><a href="/about/working-with-our-newsroom-team">Careers</a></footer>
</body></html>"""


def test_links_from_section_page_keep_article_like_same_site_links() -> None:
    links = links_from_page(SECTION_PAGE, "https://news.example/world/")
    assert links == [
        "https://news.example/world/2024/05/12/storm-hits-the-coast",
        "https://www.news.example/world/council-approves-new-budget",
        "https://news.example/world/council-approves-new-budget",
        "https://news.example/world/article/4812345",
        "https://news.example/video/watch-the-storm-hit-the-coast",
    ]


def test_links_from_page_exclude_patterns() -> None:
    links = links_from_page(SECTION_PAGE, "https://news.example/world/", exclude=[r"/video/", r"www\."])
    assert "https://news.example/video/watch-the-storm-hit-the-coast" not in links
    assert "https://www.news.example/world/council-approves-new-budget" not in links
    assert "https://news.example/world/2024/05/12/storm-hits-the-coast" in links


def test_links_from_page_include_patterns_vouch_for_short_slugs() -> None:
    links = links_from_page(SECTION_PAGE, "https://news.example/world/", include=[r"news\.example/world/\w"])
    assert "https://news.example/world/short" in links
    assert "https://news.example/video/watch-the-storm-hit-the-coast" not in links
    # Listing pages stay out even when a pattern matches them.
    assert not any("/category/" in link or "/page/" in link for link in links)


def test_links_from_page_keeps_the_links_of_a_page_whose_url_is_not_in_canonical_form() -> None:
    # The page's own URL, as a redirect or the configuration gives it, and its links, normalised, are
    # on one site: a trailing dot or an upper-case or non-ASCII host name does not make them strangers.
    html = '<a href="/world/2024/05/12/storm-hits-the-coast">Storm</a>'
    for page in ("https://News.Example./world/", "https://www.bücher.example/"):
        assert len(links_from_page(html, page)) == 1, page


def test_links_from_page_honours_base_href() -> None:
    html = '<html><head><base href="https://news.example/archive/"></head><body>'
    html += '<a href="2023/11/an-older-story-from-the-archive">Old</a></body></html>'
    assert links_from_page(html, "https://news.example/") == [
        "https://news.example/archive/2023/11/an-older-story-from-the-archive"
    ]


def test_links_from_page_handles_empty_and_broken_html() -> None:
    assert links_from_page("", BASE) == []
    assert links_from_page("<a href='/x/a-broken-but-real-story'>x</div></p>", BASE) == [
        "https://news.example/x/a-broken-but-real-story"
    ]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-32"])
@pytest.mark.parametrize("junk", ["", "junk before the prologue "])
def test_wide_feeds_with_entities_are_refused(codec: str, junk: str) -> None:
    # Malformed XML is checked for "<!ENTITY" in its raw bytes, which UTF-16/32 spread out with NULs; and
    # expat refuses a declared "utf-16-le" with a ValueError, which escaped as such.
    prologue = junk + BILLION_LAUGHS.decode().replace("?>", f' encoding="{codec}"?>', 1)
    feed = prologue + '<rss version="2.0"><channel><item><title>&lol9;</title></item></channel></rss>'
    with pytest.raises(DiscoveryError, match="unsafe XML"):
        parse_feed(feed.encode(codec), BASE)


def test_sitemap_in_an_encoding_expat_refuses_is_read_as_malformed() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-16-le"?><urlset><url><loc>https://n.example/a</loc></url></urlset>'
    )
    assert parse_sitemap(body.encode("utf-16-le"), BASE).urls == ()
