"""The fake news site serves what it claims: the end-to-end tests and benches rely on it."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from protego import Protego
from selectolax.lexbor import LexborHTMLParser

from scraper.discover import links_from_page, parse_feed, parse_sitemap
from tests.fake_site import ArticleKind, FakeSite
from tests.sitegen import BOILERPLATE_SNIPPETS, DATASETS_ROOT, FEED_ARTICLES, HOME_ARTICLES, NewsSite

pytestmark = pytest.mark.timeout(60)

SLOW_SECONDS = 0.5


@pytest.fixture(scope="module")
def site() -> Iterator[FakeSite]:
    with FakeSite(articles=60, hosts=2, slow_seconds=SLOW_SECONDS) as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    # trust_env=False: a proxy configured in the environment must not intercept 127.0.0.1.
    with httpx.Client(trust_env=False, timeout=10) as http:
        yield http


def sitemap_urls(client: httpx.Client, index_url: str) -> tuple[list[str], list[httpx.Response]]:
    index = parse_sitemap(client.get(index_url).content, index_url)
    responses = [client.get(child) for child in index.sitemaps]
    urls = [
        url
        for child, r in zip(index.sitemaps, responses, strict=True)
        for url in parse_sitemap(r.content, child).urls
    ]
    return urls, responses


def body_text(html: str) -> str:
    return "\n".join(p.text() for p in LexborHTMLParser(html).css("div.article-body > p"))


def test_hosts_are_separate_servers_with_their_own_articles(site: FakeSite) -> None:
    assert len(set(site.ports)) == 2
    first, second = (set(s.urls_of()) for s in site.sites)
    assert len(first) == len(second) == 60
    assert not first & second
    slugs = [site.slug_of(url) for url in site.urls_of()]
    assert len(set(slugs)) == len(slugs)  # unique over hosts, so bump_version(slugs) is unambiguous


def test_sitemaps_list_every_article_and_amp_twin(site: FakeSite, client: httpx.Client) -> None:
    for host, index_url in zip(site.sites, site.sitemap_urls, strict=True):
        urls, responses = sitemap_urls(client, index_url)
        assert set(urls) == set(host.urls_of()) | set(host.amp_urls)
        gzipped = [r for r in responses if str(r.url).endswith(".gz")]
        assert len(gzipped) == 1 and gzipped[0].content.startswith(b"\x1f\x8b")  # served as a gzip file


def test_feed_lists_latest_articles(site: FakeSite, client: httpx.Client) -> None:
    host = site.sites[0]
    urls = parse_feed(client.get(site.feed_urls[0]).content, site.feed_urls[0])
    assert urls == [host.url(a.path) for a in host.latest(FEED_ARTICLES)]


def test_home_and_section_pages_link_articles_not_listings(site: FakeSite, client: httpx.Client) -> None:
    host = site.sites[0]
    home = links_from_page(client.get(site.home_urls[0]).text, site.home_urls[0])
    pdfs = set(host.urls_of(ArticleKind.FILE))
    assert set(home) == {host.url(a.path) for a in host.latest(HOME_ARTICLES)} - pdfs
    assert set(home) <= set(host.urls_of())
    section_url = host.url("/science/")
    science = links_from_page(client.get(section_url).text, section_url)
    listed = {host.url(a.path) for a in host.articles if a.section == "science"}
    # Every science article (a PDF is no article page), plus the most-read sidebar's few.
    assert set(science) >= listed - pdfs
    assert set(science) - listed <= {host.url(a.path) for a in host.latest(5)}


def test_article_page_holds_its_text_amid_clutter(site: FakeSite, client: httpx.Client) -> None:
    url = site.urls_of(ArticleKind.OK)[5]
    html = client.get(url).text
    tree = LexborHTMLParser(html)
    assert body_text(html) == site.article_text(url) == "\n".join(site.article_paragraphs(url))
    for snippet in BOILERPLATE_SNIPPETS:
        assert snippet in html
    assert tree.css_first("article .read-more a") is not None  # related links inside <article>
    canonical = tree.css_first("link[rel=canonical]")
    assert canonical is not None and canonical.attributes["href"] == url


def test_amp_twin_points_its_canonical_at_the_article(site: FakeSite, client: httpx.Client) -> None:
    amp_url = site.amp_urls[0]
    response = client.get(amp_url)
    assert response.status_code == 200
    canonical = LexborHTMLParser(response.text).css_first("link[rel=canonical]")
    assert canonical is not None
    original = canonical.attributes["href"]
    assert original is not None and original != amp_url and original in site.urls_of(ArticleKind.OK)
    assert body_text(response.text) == site.article_text(original)


@pytest.mark.parametrize(
    ("kind", "status", "content_type"),
    [
        (ArticleKind.OK, 200, "text/html; charset=utf-8"),
        (ArticleKind.ERROR_500, 500, "text/html; charset=utf-8"),
        (ArticleKind.MISSING_404, 404, "text/html; charset=utf-8"),
        (ArticleKind.SLOW, 200, "text/html; charset=utf-8"),
        (ArticleKind.PRIVATE, 200, "text/html; charset=utf-8"),
        (ArticleKind.FILE, 200, "application/pdf"),
    ],
)
def test_each_kind_of_article_answers_as_documented(
    site: FakeSite, client: httpx.Client, kind: ArticleKind, status: int, content_type: str
) -> None:
    urls = site.urls_of(kind)
    assert urls, kind
    for url in urls:
        response = client.get(url)
        assert (response.status_code, response.headers["content-type"]) == (status, content_type)


def test_500_is_permanent(site: FakeSite, client: httpx.Client) -> None:
    url = site.urls_of(ArticleKind.ERROR_500)[0]
    assert [client.get(url).status_code for _ in range(3)] == [500, 500, 500]


def test_slow_page_is_held_at_the_server(site: FakeSite, client: httpx.Client) -> None:
    url = site.urls_of(ArticleKind.SLOW)[0]
    path = url.removeprefix(site.site_of(url).base_url)
    client.get(url)
    host = site.stats()[site.sites.index(site.site_of(url))]
    served = [r for r in host.requests if r.path == path]
    assert served and served[-1].finished - served[-1].started >= SLOW_SECONDS


def test_robots_txt_disallows_private_articles_only(site: FakeSite, client: httpx.Client) -> None:
    robots = Protego.parse(client.get(site.base_url + "/robots.txt").text)
    assert all(not robots.can_fetch(url, "scraper") for url in site.sites[0].urls_of(ArticleKind.PRIVATE))
    assert all(robots.can_fetch(url, "scraper") for url in site.sites[0].urls_of(ArticleKind.OK))
    assert list(robots.sitemaps) == [site.sitemap_urls[0]]


def test_etag_gives_304_until_the_article_changes(client: httpx.Client) -> None:
    with FakeSite(articles=20, failing=0, missing=0, slow=0, private=0, files=0, amp=1) as fresh:
        url = fresh.urls_of()[3]
        first = client.get(url)
        etag = first.headers["etag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert (again.status_code, again.content) == (304, b"")
        before = fresh.article_text(url)
        assert fresh.bump_version([fresh.slug_of(url), "no-such-slug"]) == [fresh.slug_of(url)]
        changed = client.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert fresh.article_text(url) != before and fresh.article_text(url).split("\n")[1:] != before.split(
            "\n"
        )
        other = fresh.urls_of()[4]
        assert (
            client.get(other, headers={"If-None-Match": client.get(other).headers["etag"]}).status_code == 304
        )


def test_stats_count_requests_and_concurrency_per_host(client: httpx.Client) -> None:
    with FakeSite(
        articles=20, hosts=2, failing=0, missing=0, slow=1, private=0, files=0, amp=0, slow_seconds=2.0
    ) as fresh:
        slow_url = fresh.urls_of(ArticleKind.SLOW)[0]
        threads = [threading.Thread(target=client.get, args=(slow_url,)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        client.get(fresh.base_urls[1] + "/")
        client.get(fresh.base_urls[1] + "/?page=2")
        first, second = fresh.stats()
        assert first.counts[slow_url.removeprefix(fresh.base_urls[0])] == 3
        assert first.max_in_flight == 3  # three threads inside a 2 s response at once
        assert second.counts == {"/": 2} and second.max_in_flight == 1
        assert fresh.request_counts()[fresh.base_urls[1] + "/"] == 2
        gap = second.min_gap()
        assert gap is not None and gap >= 0
        fresh.reset_stats()
        assert fresh.stats()[0].requests == ()


def test_reset_articles_get_a_connection_reset_and_hosts_their_own_address(client: httpx.Client) -> None:
    addresses = ("127.0.0.2", "127.0.0.3")
    with FakeSite(articles=20, hosts=2, amp=0, reset=1, addresses=addresses) as fresh:
        assert [urlsplit(url).hostname for url in fresh.base_urls] == list(addresses)
        resets = fresh.urls_of(ArticleKind.RESET)
        assert len(resets) == 2
        for url in resets:
            with pytest.raises(httpx.ReadError, match="reset"):
                client.get(url)
        assert client.get(fresh.urls_of(ArticleKind.OK)[0]).status_code == 200  # the server lives on
        logged = [(r.path, r.status) for host in fresh.stats() for r in host.requests]
        assert [status for path, status in logged if fresh.base_urls[0] + path in resets] == [0]


def test_head_and_unknown_paths(site: FakeSite, client: httpx.Client) -> None:
    url = site.urls_of(ArticleKind.OK)[0]
    head = client.head(url)
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 1000
    assert client.get(site.base_url + "/no/such/page").status_code == 404
    assert client.get(site.base_url + "/tag/storm/").status_code == 200


def test_hostnames_appear_in_generated_urls() -> None:
    with FakeSite(articles=20, hostnames=("news.test",), amp=1) as named:
        assert named.base_url == f"http://news.test:{named.ports[0]}"
        robots = httpx.get(f"http://127.0.0.1:{named.ports[0]}/robots.txt", trust_env=False).text
        assert f"Sitemap: http://news.test:{named.ports[0]}/sitemap_index.xml" in robots


def test_generation_is_deterministic() -> None:
    one, two = NewsSite("http://x.test", seed=3), NewsSite("http://x.test", seed=3)
    for path in ["/", "/world/", "/feed.xml", one.articles[7].path, "/sitemaps/articles-2.xml.gz"]:
        assert one.render(path).body == two.render(path).body
    assert NewsSite("http://x.test", seed=4).render("/").body != one.render("/").body


@pytest.mark.skipif(not (DATASETS_ROOT / "scrapinghub").is_dir(), reason="shared datasets not present")
def test_dataset_mode_serves_the_shared_pages(client: httpx.Client) -> None:
    with FakeSite.datasets(("scrapinghub",), hosts=2, limit=6) as data:
        pages = data.pages
        assert len(pages) == 6 and len({url.split("/")[2] for url, _ in pages}) == 2
        url, page = pages[0]
        served = client.get(url)
        assert served.content == gzip.decompress(page.source(DATASETS_ROOT).read_bytes())
        listed = [u for base in data.sitemap_urls for u in parse_sitemap(client.get(base).content, base).urls]
        assert sorted(listed) == sorted(u for u, _ in pages)
        from_feeds = [u for feed in data.feed_urls for u in parse_feed(client.get(feed).content, feed)]
        assert sorted(from_feeds) == sorted(listed)


def test_latency_holds_every_article_page(client: httpx.Client) -> None:
    with FakeSite(articles=20, failing=0, missing=0, slow=0, private=0, files=0, amp=0, latency=0.3) as laggy:
        for url in laggy.urls_of()[:2]:
            assert client.get(url).status_code == 200
        durations = [r.finished - r.started for r in laggy.stats()[0].requests]
        assert len(durations) == 2 and min(durations) >= 0.3
