"""A deterministic fake news site: pages, feed, sitemaps and robots.txt as bytes, no server.

`NewsSite` renders every path of one host (`tests/fake_site.py` serves it over HTTP). The same seed
always gives the same site, so tests can assert exact stored rows. Article pages carry the clutter
real news sites have — header navigation, a cookie banner, a share bar, a captioned figure, a "Read
more" list and a newsletter box *inside* the article body, tags, related stories, a most-read sidebar,
a footer — so extraction is exercised, not just fetching.

Some articles misbehave on purpose (`ArticleKind`): always 500, 404, slow, disallowed by robots.txt,
a connection reset instead of an answer, a second URL (AMP) whose canonical link points at the first,
and a PDF. `bump_version(slug)` changes
an article's text, hence its ETag; unchanged pages answer If-None-Match with 304.

`DatasetSite` serves the pages of ``../shared/datasets/{scrapinghub,wcxb-dev}`` (read when requested,
never copied) with a feed, a sitemap and robots.txt, for ``bench/crawl.py``.
"""

from __future__ import annotations

import enum
import gzip
import hashlib
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

__all__ = [
    "BOILERPLATE_SNIPPETS",
    "SECTIONS",
    "Article",
    "ArticleKind",
    "DatasetPage",
    "DatasetSite",
    "NewsSite",
    "Response",
]

SITE_NAME = "The Daily Fixture"
SECTIONS = ("world", "politics", "business", "science", "culture")
# Latest articles linked from the home page and the feed; sections list all of theirs.
HOME_ARTICLES = 30
FEED_ARTICLES = 50
NEWS_SITEMAP_ARTICLES = 20
FIRST_DAY = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
# Strings that appear on every article page around the body and must never be stored as its text.
BOILERPLATE_SNIPPETS = (
    "We use cookies to improve your experience",
    "Get the morning briefing",
    "Sign up for our newsletter",
    "Share on Twitter",
    "Related stories",
    "Most read",
    "All rights reserved",
    "Advertisement",
)

# fmt: off
_WORDS = (
    "market", "council", "river", "harbour", "minister", "village", "energy", "climate", "museum",
    "orchestra", "election", "budget", "railway", "bridge", "research", "vaccine", "telescope", "festival",
    "library", "farmer", "coastline", "storm", "drought", "harvest", "parliament", "treaty", "border",
    "migration", "startup", "factory", "teacher", "student", "hospital", "nurse", "surgeon", "court",
    "judge", "verdict", "airline", "airport", "tunnel", "island", "glacier", "forest", "wildfire",
    "satellite", "rocket", "engineer", "software", "network", "battery", "solar", "wind", "turbine",
    "reservoir", "canal", "tram", "cyclist", "marathon", "stadium", "coach", "striker", "goalkeeper",
    "novel", "poet", "painter", "gallery", "theatre", "director", "actor", "composer", "album", "concert",
    "protest", "union", "wages", "inflation", "interest", "lender", "mortgage", "tenant", "landlord",
    "housing", "planning", "mayor", "district", "county", "province", "governor", "senator", "ambassador",
    "summit", "delegation", "ceasefire", "refugee", "aid", "charity", "volunteer", "survey", "census",
    "report", "inquiry", "audit", "regulator", "license", "merger", "shareholder",
)
_VERBS = (
    "announces", "approves", "rejects", "delays", "opens", "closes", "expands", "reviews", "questions",
    "welcomes", "warns", "plans", "reports", "confirms", "denies", "launches", "suspends", "restores",
    "funds", "cuts", "doubles",
)
_FIRST_NAMES = (
    "Alice", "Bruno", "Chen", "Dana", "Emeka", "Farah", "Greta", "Hugo", "Ines", "Jonas", "Keiko", "Luis",
    "Mira", "Nils", "Olga", "Priya",
)
_LAST_NAMES = (
    "Moreau", "Okafor", "Lindqvist", "Haddad", "Novak", "Tanaka", "Rossi", "Kowalski", "Silva", "Brennan",
    "Ivanova", "Quinn",
)
# fmt: on


class ArticleKind(enum.Enum):
    """How an article URL behaves on the server."""

    OK = "ok"
    ERROR_500 = "error_500"  # always answers 500
    MISSING_404 = "missing_404"  # listed in the sitemap, answers 404
    SLOW = "slow"  # answers after `slow_seconds`, then normally
    PRIVATE = "private"  # under /private/, which robots.txt disallows
    FILE = "file"  # a PDF: not HTML
    RESET = "reset"  # the server resets the connection instead of answering


@dataclass(frozen=True, slots=True)
class Article:
    id: int
    slug: str
    section: str
    title: str
    author: str
    published: datetime
    kind: ArticleKind
    tags: tuple[str, ...]

    @property
    def path(self) -> str:
        if self.kind is ArticleKind.PRIVATE:
            return f"/private/{self.slug}"
        if self.kind is ArticleKind.FILE:
            return f"/files/{self.slug}.pdf"
        day = self.published
        return f"/{self.section}/{day:%Y}/{day:%m}/{day:%d}/{self.slug}"

    @property
    def amp_path(self) -> str:
        """A second URL of the same article, whose canonical link points at `path`."""
        return f"/amp{self.path}"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds the server waits before answering
    reset: bool = False  # no answer at all: the server resets the connection (status and body unused)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


def _not_found() -> Response:
    return Response(404, b"<!DOCTYPE html><html><body><h1>Not found</h1></body></html>")


class NewsSite:
    """Every page of one fake news host, rendered from a seed. Thread-safe for reads."""

    def __init__(
        self,
        base_url: str,
        *,
        articles: int = 220,
        seed: int = 0,
        id_offset: int = 0,
        failing: int = 3,
        missing: int = 3,
        slow: int = 2,
        private: int = 2,
        files: int = 1,
        amp: int = 3,
        slow_seconds: float = 1.0,
        latency: float = 0.0,
        reset: int = 0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.seed = seed
        self.slow_seconds = slow_seconds
        self.latency = latency  # added to every article page: lets a test kill a run halfway
        specials = (
            [ArticleKind.ERROR_500] * failing
            + [ArticleKind.MISSING_404] * missing
            + [ArticleKind.SLOW] * slow
            + [ArticleKind.PRIVATE] * private
            + [ArticleKind.FILE] * files
            + [ArticleKind.RESET] * reset
        )
        if len(specials) + amp > articles:
            raise ValueError("more special articles than articles")
        self.articles: tuple[Article, ...] = tuple(
            self._make_article(index, id_offset, specials, articles) for index in range(articles)
        )
        self._by_slug = {a.slug: a for a in self.articles}
        ok = [a for a in self.articles if a.kind is ArticleKind.OK]
        # AMP twins of evenly spread ordinary articles: same text, canonical link to the original.
        self.amp_articles: tuple[Article, ...] = tuple(ok[i * len(ok) // max(amp, 1)] for i in range(amp))
        self._versions: dict[str, int] = {}
        self._routes = self._build_routes()

    # --- the articles ---------------------------------------------------------------------------

    def _make_article(self, index: int, id_offset: int, specials: list[ArticleKind], total: int) -> Article:
        rng = random.Random(f"{self.seed}:{index}")
        # Specials spread evenly over the site so every sitemap, section and the feed hold some.
        step = total // (len(specials) + 1) if specials else 0
        kind = ArticleKind.OK
        if step and index % step == step // 2 and index // step < len(specials):
            kind = specials[index // step]
        article_id = id_offset + 1000 + index
        headline = [rng.choice(_WORDS), rng.choice(_VERBS), *rng.sample(_WORDS, 3)]
        return Article(
            id=article_id,
            slug="-".join(headline) + f"-{article_id}",
            section=SECTIONS[index % len(SECTIONS)],
            title=" ".join(headline).capitalize(),
            author=f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}",
            published=FIRST_DAY + timedelta(hours=9 * index, minutes=rng.randrange(60)),
            kind=kind,
            tags=tuple(rng.sample(_WORDS, 2)),
        )

    def article(self, slug: str) -> Article:
        return self._by_slug[slug]

    def url(self, path: str) -> str:
        return self.base_url + path

    def version(self, slug: str) -> int:
        return self._versions.get(slug, 1)

    def bump_version(self, slugs: Iterable[str]) -> list[str]:
        """Give these articles new text (a new version); return the slugs this site holds."""
        bumped = [slug for slug in slugs if slug in self._by_slug]
        for slug in bumped:
            self._versions[slug] = self.version(slug) + 1
        return bumped

    def paragraphs(self, slug: str) -> tuple[str, ...]:
        """The body paragraphs of an article's current version: exactly what extraction should keep."""
        article = self._by_slug[slug]
        version = self.version(slug)
        rng = random.Random(f"{self.seed}:{article.id}:v{version}")
        count = rng.randint(5, 9)
        paragraphs = [_paragraph(rng) for _ in range(count)]
        if version > 1:
            paragraphs.insert(0, f"Update {version - 1}: this story was revised with new reporting.")
        return tuple(paragraphs)

    def article_text(self, slug: str) -> str:
        return "\n".join(self.paragraphs(slug))

    def urls_of(self, *kinds: ArticleKind) -> list[str]:
        """Absolute URLs of the articles of these kinds (all kinds when none is given), site order."""
        return [self.url(a.path) for a in self.articles if not kinds or a.kind in kinds]

    @property
    def amp_urls(self) -> list[str]:
        return [self.url(a.amp_path) for a in self.amp_articles]

    def latest(self, count: int) -> list[Article]:
        return sorted(self.articles, key=lambda a: a.published, reverse=True)[:count]

    # --- routing --------------------------------------------------------------------------------

    def _build_routes(self) -> dict[str, Article]:
        routes = {a.path: a for a in self.articles}
        routes.update({a.amp_path: a for a in self.amp_articles})
        return routes

    def render(self, path: str) -> Response:
        """The response for a GET of `path` (query string already removed)."""
        article = self._routes.get(path)
        if article is not None:
            return self._render_article(article, amp=path != article.path)
        page = self._render_listing(path)
        return page if page is not None else _not_found()

    def _render_article(self, article: Article, *, amp: bool) -> Response:
        if article.kind is ArticleKind.ERROR_500:
            return Response(500, b"<html><body><h1>Internal Server Error</h1></body></html>")
        if article.kind is ArticleKind.MISSING_404:
            return _not_found()
        if article.kind is ArticleKind.FILE:
            return Response(200, _fake_pdf(article.title), content_type="application/pdf")
        if article.kind is ArticleKind.RESET:
            return Response(0, reset=True)
        delay = self.slow_seconds if article.kind is ArticleKind.SLOW else 0.0
        return Response(200, self._article_html(article, amp=amp).encode(), delay=delay + self.latency)

    def _render_listing(self, path: str) -> Response | None:
        if path in ("/", "/index.html"):
            return self._html(self._page("Home", self._article_list(self.latest(HOME_ARTICLES))))
        if path == "/robots.txt":
            return Response(200, self._robots().encode(), content_type="text/plain; charset=utf-8")
        if path == "/feed.xml":
            return Response(200, self._rss().encode(), content_type="application/rss+xml; charset=utf-8")
        if path.startswith("/sitemap") or path.startswith("/sitemaps/"):
            return self._sitemap(path)
        parts = [p for p in path.split("/") if p]
        if len(parts) == 1 and parts[0] in SECTIONS:
            listed = [a for a in self.articles if a.section == parts[0]]
            return self._html(self._page(parts[0].capitalize(), self._article_list(listed)))
        if len(parts) == 2 and parts[0] in ("tag", "author"):
            return self._listing_by(parts[0], parts[1])
        return None

    def _listing_by(self, kind: str, value: str) -> Response:
        if kind == "tag":
            listed = [a for a in self.articles if value in a.tags]
        else:
            listed = [a for a in self.articles if _slugify(a.author) == value]
        return self._html(self._page(f"{kind.capitalize()}: {value}", self._article_list(listed[:20])))

    @staticmethod
    def _html(page: str) -> Response:
        return Response(200, page.encode())

    # --- HTML -----------------------------------------------------------------------------------

    def _chrome_top(self, title: str, head_extra: str = "") -> str:
        nav = "".join(f'<li><a href="/{s}/">{s.capitalize()}</a></li>' for s in SECTIONS)
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)} | {SITE_NAME}</title>{head_extra}"
            f'<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>\n<body>\n'
            f'<header class="site-header"><a class="logo" href="/">{SITE_NAME}</a>'
            f'<nav class="main-nav"><ul>{nav}</ul></nav>'
            f'<form action="/search" class="search"><input name="q" placeholder="Search"></form></header>\n'
            f'<div class="cookie-banner"><p>{BOILERPLATE_SNIPPETS[0]}. '
            f"<button>Accept all</button> <button>Manage choices</button></p></div>\n"
        )

    def _chrome_bottom(self) -> str:
        most_read = "".join(
            f'<li><a href="{a.path}">{escape(a.title)}</a></li>'
            for a in self.latest(5)
            if a.kind is ArticleKind.OK
        )
        return (
            f'<aside class="sidebar"><h2>Most read</h2><ol>{most_read}</ol>'
            f'<div class="ad">Advertisement</div></aside>\n'
            f'<footer><nav><a href="/about">About us</a> <a href="/contact">Contact</a> '
            f'<a href="/privacy">Privacy policy</a> '
            f'<a href="/about/working-with-our-newsroom-team">Careers</a>'
            f"</nav><p>© 2024 {SITE_NAME}. All rights reserved.</p></footer>\n</body></html>\n"
        )

    def _page(self, title: str, main: str) -> str:
        return (
            self._chrome_top(title)
            + f'<main><h1>{escape(title)}</h1>{main}<p><a href="https://elsewhere.example/world/'
            f'an-external-story-on-another-site">An external story on another site</a></p></main>\n'
            + self._chrome_bottom()
        )

    @staticmethod
    def _article_list(articles: Sequence[Article]) -> str:
        items = "".join(
            f'<li class="teaser"><a href="{a.path}">{escape(a.title)}</a> '
            f'<a class="section" href="/{a.section}/">{a.section}</a> '
            f'<a class="tag" href="/tag/{a.tags[0]}/">{a.tags[0]}</a></li>'
            for a in articles
        )
        return f'<ul class="teasers">{items}</ul>'

    def _article_html(self, article: Article, *, amp: bool) -> str:
        canonical = self.url(article.path)
        head = (
            f'<link rel="canonical" href="{canonical}">'
            f'<meta name="author" content="{escape(article.author)}">'
            f'<meta property="article:published_time" content="{article.published.isoformat()}">'
            f'<meta property="og:title" content="{escape(article.title)}">'
            f'<meta property="og:site_name" content="{SITE_NAME}">'
        )
        if amp:
            head += '<meta name="robots" content="noindex">'
        return (
            self._chrome_top(article.title, head)
            + f"<main>\n<article>\n<h1>{escape(article.title)}</h1>\n"
            + self._byline(article)
            + self._share_bar(canonical)
            + f'<figure><img src="/img/{article.id}.jpg" alt="Scene"><figcaption>The scene on '
            f"{article.published:%d %B}. Photo: Agency</figcaption></figure>\n"
            + self._body(article)
            + "".join(f'<a class="tag" href="/tag/{t}/">{t}</a> ' for t in article.tags)
            + self._related(article)
            + "</article>\n</main>\n"
            + self._chrome_bottom()
        )

    @staticmethod
    def _byline(article: Article) -> str:
        return (
            f'<p class="byline">By <a href="/author/{_slugify(article.author)}/">{escape(article.author)}</a>'
            f' · <time datetime="{article.published.isoformat()}">{article.published:%d %B %Y}</time></p>\n'
        )

    @staticmethod
    def _share_bar(url: str) -> str:
        return (
            f'<div class="share-bar"><a href="https://twitter.com/share?url={url}">Share on Twitter</a> '
            f'<a href="https://www.facebook.com/sharer.php?u={url}">Facebook</a> '
            f'<a href="mailto:?subject=Story&amp;body={url}">Email</a></div>\n'
        )

    def _body(self, article: Article) -> str:
        paragraphs = [f"<p>{escape(p)}</p>" for p in self.paragraphs(article.slug)]
        others = self._neighbours(article, 3)
        read_more = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in others)
        paragraphs.insert(2, f'<aside class="read-more"><h3>Read more</h3><ul>{read_more}</ul></aside>')
        paragraphs.insert(
            len(paragraphs) - 1,
            '<div class="newsletter-box"><h3>Get the morning briefing</h3><p>Sign up for our newsletter '
            'and never miss a story.</p><form><input type="email"><button>Subscribe</button></form></div>',
        )
        return '<div class="article-body">\n' + "\n".join(paragraphs) + "\n</div>\n"

    def _related(self, article: Article) -> str:
        items = "".join(
            f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in self._neighbours(article, 4, skip=3)
        )
        return f'<section class="related"><h2>Related stories</h2><ul>{items}</ul></section>\n'

    def _neighbours(self, article: Article, count: int, skip: int = 0) -> list[Article]:
        ok = [a for a in self.articles if a.kind is ArticleKind.OK and a.id != article.id]
        start = (article.id * 7 + skip) % max(len(ok), 1)
        return [ok[(start + i) % len(ok)] for i in range(min(count, len(ok)))]

    # --- machine-readable files -------------------------------------------------------------------

    def _robots(self) -> str:
        return f"User-agent: *\nDisallow: /private/\n\nSitemap: {self.url('/sitemap_index.xml')}\n"

    def _rss(self) -> str:
        items = "".join(
            f"<item><title>{escape(a.title)}</title><link>{self.url(a.path)}?utm_source=rss</link>"
            f'<guid isPermaLink="false">article-{a.id}</guid>'
            f"<pubDate>{format_datetime(a.published)}</pubDate></item>\n"
            for a in self.latest(FEED_ARTICLES)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{SITE_NAME}</title><link>{self.url('/')}</link>\n{items}</channel></rss>\n"
        )

    def sitemap_groups(self) -> dict[str, list[str]]:
        """Path of each sitemap file → the absolute URLs it lists (the index lists the three files)."""
        half = len(self.articles) // 2
        first = [self.url(a.path) for a in self.articles[:half]] + self.amp_urls
        second = [self.url(a.path) for a in self.articles[half:]]
        news = [self.url(a.path) for a in self.latest(NEWS_SITEMAP_ARTICLES)]
        return {
            "/sitemaps/articles-1.xml": first,
            "/sitemaps/articles-2.xml.gz": second,
            "/sitemaps/news.xml": news,
        }

    def _sitemap(self, path: str) -> Response | None:
        groups = self.sitemap_groups()
        if path == "/sitemap_index.xml":
            entries = "".join(f"<sitemap><loc>{self.url(p)}</loc></sitemap>" for p in groups)
            index = f'<?xml version="1.0"?>\n<sitemapindex xmlns="{_SM_NS}">{entries}</sitemapindex>'
            return Response(200, index.encode(), content_type="application/xml")
        if path not in groups:
            return None
        body = _urlset(groups[path], news=path.endswith("news.xml")).encode()
        if path.endswith(".gz"):
            return Response(200, gzip.compress(body, mtime=0), content_type="application/x-gzip")
        return Response(200, body, content_type="application/xml")


_SM_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def _urlset(urls: Sequence[str], *, news: bool = False) -> str:
    extra = (
        "<news:news><news:publication><news:name>Fixture</news:name><news:language>en</news:language>"
        "</news:publication><news:title>Story</news:title></news:news>"
        if news
        else ""
    )
    entries = "".join(f"<url><loc>{escape(u)}</loc>{extra}</url>\n" for u in urls)
    namespaces = f'xmlns="{_SM_NS}"' + (f' xmlns:news="{_NEWS_NS}"' if news else "")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {namespaces}>\n{entries}</urlset>\n'


def _paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(3, 5)):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 16))]
        words.insert(rng.randint(1, len(words) - 1), rng.choice(_VERBS))
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def _slugify(text: str) -> str:
    return "-".join(text.lower().split())


def _fake_pdf(title: str) -> bytes:
    return b"%PDF-1.4\n% " + title.encode() + b"\n%%EOF\n"


# --- dataset mode ---------------------------------------------------------------------------------

DATASETS_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@dataclass(frozen=True, slots=True)
class DatasetPage:
    dataset: str  # "scrapinghub" or "wcxb-dev"
    page_id: str
    path: str  # where the fake site serves it

    def source(self, root: Path) -> Path:
        return root / self.dataset / "html" / f"{self.page_id}.html.gz"


class DatasetSite:
    """The pages of the shared evaluation datasets on one fake host, with a feed, a sitemap, robots.txt.

    Pages are read (and un-gzipped) from `root` at each request: nothing is copied.
    `pages` selects which pages this host serves (FakeSite spreads them over its hosts).
    """

    def __init__(self, base_url: str, pages: Sequence[DatasetPage], root: Path = DATASETS_ROOT) -> None:
        self.base_url = base_url.rstrip("/")
        self.root = root
        self.pages = tuple(pages)
        self._by_path = {p.path: p for p in self.pages}

    @staticmethod
    def list_pages(names: Sequence[str], root: Path = DATASETS_ROOT) -> list[DatasetPage]:
        pages = []
        for name in names:
            ids = sorted(json.loads((root / name / "ground-truth.json").read_text(encoding="utf-8")))
            pages += [DatasetPage(name, page_id, f"/{name}/{page_id}.html") for page_id in ids]
        return pages

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def urls(self) -> list[str]:
        return [self.url(p.path) for p in self.pages]

    def render(self, path: str) -> Response:
        page = self._by_path.get(path)
        if page is not None:
            return Response(200, gzip.decompress(page.source(self.root).read_bytes()))
        if path == "/robots.txt":
            body = f"User-agent: *\nAllow: /\n\nSitemap: {self.url('/sitemap.xml')}\n"
            return Response(200, body.encode(), content_type="text/plain; charset=utf-8")
        if path == "/sitemap.xml":
            return Response(200, _urlset(self.urls).encode(), content_type="application/xml")
        if path == "/feed.xml":
            items = "".join(
                f"<item><title>{p.page_id}</title><link>{self.url(p.path)}</link></item>" for p in self.pages
            )
            body = (
                f'<?xml version="1.0"?><rss version="2.0"><channel><title>Data</title>{items}</channel></rss>'
            )
            return Response(200, body.encode(), content_type="application/rss+xml")
        return _not_found()
