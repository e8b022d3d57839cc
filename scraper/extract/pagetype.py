"""What kind of page this is: an article, or a listing, collection, forum thread, product, documentation or
service page (unknown where the evidence is weak).

Evidence is counted in points per kind (weights in pagetype_rules.py, each with its reason), from what
the other stages already computed (the metadata, the blocks, the body choice), from one walk over a few
kinds of element (code, dates, microdata, password fields, buttons) and a count of the page's links (a
few paragraphs inside a big site's menus are no article's body), from the shape of the blocks (a thread's
repeated posts: posts.py) and from the shape of the URL (a headline slug, the site's root). Nothing here
names a site or reads the page's wording, class names included: only structure, standard vocabularies
(schema.org, OpenGraph), currency signs and the shapes of dates, so the rules hold in any language.
(Class names such as "price" or "comment" were measured: they told almost nothing the rest did not, and
their substring search was most of this module's time.)

A real article must never be dropped lightly: non-article evidence has to outweigh the article's own
metadata, and a page with article prose or metadata and nothing against it is an article. Where the
evidence is weak either way (article metadata over a page without prose, a short page with nothing but a
form, a few paragraphs amid hundreds of links), the page is "unknown", which the run keeps.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..models import PageType
from . import pagetype_rules
from .blocks import Block, BlockKind
from .body import BodyText
from .measure import visible_chars
from .metadata import Metadata, all_matches, markup_tally
from .posts import MAX_TIME_ANCHORS, repeated_posts

__all__ = [
    "MarkupCounts",
    "UrlShape",
    "classify_page",
    "link_density",
    "markup_counts",
    "page_address",
    "url_shape",
    "with_second_text",
]


@dataclass(frozen=True, slots=True)
class MarkupCounts:
    """How many elements of each telling kind the page holds."""

    code: int = 0  # <code>
    pre: int = 0  # <pre>
    times: int = 0  # <time>
    passwords: int = 0  # password fields
    buttons: int = 0  # <button> and <input type=button>
    microdata_authors: int = 0  # itemprop="author"
    microdata_products: int = 0  # itemprop="price", itemtype=".../Product"
    microdata_posts: int = 0  # itemtype=".../Comment" or ".../DiscussionForumPosting"
    # The page's own schema.org types written as microdata (MICRODATA_PAGE_TYPES), lower-cased.
    item_types: frozenset[str] = frozenset()
    time_paths: tuple[tuple[int, ...], ...] = ()  # each <time>'s ancestors (their mem_id), outermost first
    # Visible characters of closed <dialog>s (no "open"): shown to no reader until a script opens them
    # (a sign-up form, a "republish" box), so not part of the page's text a wrapper is measured against.
    closed_dialog_chars: int = 0
    # Links (<a href>) anywhere on the page, its menus included: how much of a site's navigation the page
    # carries around its text.
    links: int = 0


def markup_counts(tree: LexborHTMLParser) -> MarkupCounts:
    """The telling elements of the page, counted in one compiled walk where built (with the links), else
    by Lexbor's queries (_markup_counted)."""
    tally = markup_tally(tree, MAX_TIME_ANCHORS)  # one compiled walk where built
    if tally is None:
        return _markup_counted(tree)
    links, code, pre, times, passwords, buttons, timed, dialogs, attributed = tally
    counts = {"code": code, "pre": pre, "times": times, "passwords": passwords, "buttons": buttons}
    counts |= {"microdata_authors": 0, "microdata_products": 0, "microdata_posts": 0, "links": links}
    counts["closed_dialog_chars"] = sum(
        0 if "open" in node.attributes else visible_chars(node) for node in dialogs
    )
    item_types: set[str] = set()
    for node in attributed:  # those with an itemprop or itemtype: the rest count nothing there
        _count_attributes(counts, node.attributes, item_types)
    time_paths = tuple(_ancestors(node) for node in timed)
    return MarkupCounts(**counts, time_paths=time_paths, item_types=frozenset(item_types))


def _markup_counted(tree: LexborHTMLParser) -> MarkupCounts:
    """markup_counts by Lexbor's queries: the reference of the compiled walk."""
    counts = dict.fromkeys(MarkupCounts.__slots__, 0)
    del counts["time_paths"], counts["item_types"]
    # Counted apart, in C: in the query below every <a> would have its attributes read.
    counts["links"] = len(tree.css(pagetype_rules.LINK_SELECTOR))
    time_paths: list[tuple[int, ...]] = []
    item_types: set[str] = set()
    seen: set[int] = set()
    for node in all_matches(tree, pagetype_rules.PAGE_TYPE_SELECTOR):
        if (element := node.mem_id) in seen:  # listed once per selector it matches: counted once
            continue
        seen.add(element)
        tag = node.tag
        attributes = node.attributes  # a dict built in C at each read: read once
        if tag in ("code", "pre"):
            counts[tag] += 1
        elif tag == "time":
            counts["times"] += 1
            if len(time_paths) < MAX_TIME_ANCHORS:
                time_paths.append(_ancestors(node))
        elif tag == "input":
            kind = (attributes.get("type") or "").lower()
            counts["passwords"] += kind == "password"
            counts["buttons"] += kind == "button"
        elif tag == "button":
            counts["buttons"] += 1
        elif tag == "dialog":
            counts["closed_dialog_chars"] += 0 if "open" in attributes else visible_chars(node)
        if attributes:  # most code, pre and time elements carry none
            _count_attributes(counts, attributes, item_types)
    return MarkupCounts(**counts, time_paths=tuple(time_paths), item_types=frozenset(item_types))


def _ancestors(node: LexborNode) -> tuple[int, ...]:
    """The ids (mem_id, as the blocks' paths hold them) of `node`'s ancestors, outermost first."""
    ids = []
    parent = node.parent
    while parent is not None:
        ids.append(parent.mem_id)
        parent = parent.parent
    return tuple(reversed(ids))


def _count_attributes(counts: dict[str, int], attributes: dict[str, str | None], types: set[str]) -> None:
    itemprop = (attributes.get("itemprop") or "").lower()
    if itemprop == "author":
        counts["microdata_authors"] += 1
    itemtype = (attributes.get("itemtype") or "").lower()
    if itemprop == "price" or itemtype.endswith("/product"):
        counts["microdata_products"] += 1
    if itemtype.endswith(pagetype_rules.POST_ITEMTYPES):
        counts["microdata_posts"] += 1
    if itemtype:  # one attribute may name several types, each a URL
        names = (name.rstrip("/").rsplit("/", 1)[-1] for name in itemtype.split())
        types.update(name for name in names if name in pagetype_rules.MICRODATA_PAGE_TYPES)


@dataclass(frozen=True, slots=True)
class UrlShape:
    """What the page's address says: a headline made a slug, or the site's root."""

    known: bool = False  # the page's URL (or its canonical one) is known
    # Words of the last path segment ("bike-lanes-open-in-may" has 5), or of the one before an id after it.
    slug_words: int = 0
    home: bool = False  # the path is empty or "/": the site's front or landing page

    @property
    def headline_slug(self) -> bool:
        return self.slug_words >= pagetype_rules.SLUG_MIN_WORDS


_SLUG_SEPARATORS = re.compile(r"[-_+.,~]+")


def url_shape(url: str | None) -> UrlShape:
    """The shape of `url`'s path; nothing is known of a missing or malformed URL."""
    try:
        path = urlsplit(url).path if url else None
    except ValueError:  # urllib refuses malformed hosts ("http://[::1")
        path = None
    if path is None:
        return UrlShape()
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return UrlShape(known=True, home=True)
    words = _slug_words(segments[-1])
    last = _words(segments[-1])
    if len(segments) > 1 and last and all(any(c.isdigit() for c in word) for word in last):
        # An id after the slug ("/headline-slug/12345", "/headline-slug/item12708"): a common CMS address
        # (bench/pagetypes.py: half A 1 article more, no other page; half B, held out: unchanged).
        words = max(words, _slug_words(segments[-2]))
    return UrlShape(known=True, slug_words=words)


def _words(segment: str) -> list[str]:
    """The runs of characters between separators in a path segment, its file extension left out."""
    stem = segment.rsplit(".", 1)[0] if "." in segment[-6:] else segment
    return [word for word in _SLUG_SEPARATORS.split(stem) if word]


def _slug_words(segment: str) -> int:
    return sum(not word.isdigit() for word in _words(segment))


def page_address(url: str | None, canonical: str | None) -> UrlShape:
    """What the page's two addresses say together. The headline slug is read from the one that has it: a
    print view, an AMP copy or a URL the crawl was given ("/story?id=123", "/amp/123") loses the slug its
    canonical URL keeps, and a broken canonical link loses what the fetched URL shows. The site's root is
    the fetched URL's: a canonical link wrongly set to the front page is a common CMS slip, and must not
    make an article a front page."""
    fetched, declared = url_shape(url), url_shape(canonical)
    if not fetched.known:
        return declared
    return UrlShape(True, max(fetched.slug_words, declared.slug_words), fetched.home)


@dataclass(frozen=True, slots=True)
class _Prose:
    """The body's prose as the classifier weighs it."""

    chars: int
    share: float  # of the page's visible text
    per_heading: float
    paragraphs: int  # paragraphs of at least PARAGRAPH_MIN_CHARS own characters
    links: int  # the page's links (MarkupCounts.links)

    @property
    def reads_as_article(self) -> bool:
        return (
            self.chars >= pagetype_rules.ARTICLE_MIN_PROSE_CHARS
            and self.share >= pagetype_rules.ARTICLE_MIN_PROSE_SHARE
            and self.per_heading >= pagetype_rules.ARTICLE_MIN_PROSE_PER_HEADING
            and not self.amid_navigation
        )

    @property
    def amid_navigation(self) -> bool:
        """A few paragraphs inside a big site's menus: a hub, department or service page's blurb, not an
        article's body (a short story is told by its metadata)."""
        return (
            self.paragraphs <= pagetype_rules.HUB_MAX_PARAGRAPHS
            and self.links >= pagetype_rules.HUB_MIN_LINKS
        )

    @property
    def thin(self) -> bool:
        return (
            self.paragraphs <= pagetype_rules.THIN_MAX_PARAGRAPHS
            and self.share < pagetype_rules.THIN_MAX_PROSE_SHARE
        )


def _prose(body: BodyText, links: int) -> _Prose:
    headings = paragraphs = 0
    for block in body.blocks:
        if block.kind is BlockKind.HEADING:
            # A heading mostly made of a link is another page's title (a contents entry, a teaser's), not
            # a section of this page: the link rules weigh it, the prose per heading does not.
            headings += block.link_chars <= pagetype_rules.LINKED_HEADING_MIN_LINK_SHARE * block.chars
        elif (
            block.kind is BlockKind.PARAGRAPH
            and block.chars - block.link_chars >= pagetype_rules.PARAGRAPH_MIN_CHARS
        ):
            paragraphs += 1
    share = body.prose_chars / body.page_chars if body.page_chars else 0.0
    return _Prose(body.prose_chars, share, body.prose_chars / (headings + 1), paragraphs, links)


def _article_points(meta: Metadata, shape: UrlShape) -> int:
    """What the page's own metadata, and its address, say for an article."""
    points = pagetype_rules.SLUG_POINTS if shape.headline_slug else 0
    if meta.schema_types & pagetype_rules.ARTICLE_SCHEMA_TYPES:
        points += pagetype_rules.ARTICLE_SCHEMA_POINTS
    if meta.published_time:
        points += pagetype_rules.PUBLISHED_TIME_POINTS
    if meta.og_type == "article":
        points += pagetype_rules.OG_ARTICLE_POINTS
    if meta.date:
        points += pagetype_rules.DATE_POINTS
    if meta.author:
        points += pagetype_rules.AUTHOR_POINTS
    return points


def _product_points(meta: Metadata, counts: MarkupCounts) -> int:
    points = 0
    if meta.schema_types & pagetype_rules.PRODUCT_SCHEMA_TYPES or "product" in (meta.og_type or ""):
        points += pagetype_rules.PRODUCT_SCHEMA_POINTS
    if counts.microdata_products:
        points += pagetype_rules.PRODUCT_MICRODATA_POINTS
    return points


def _forum_points(meta: Metadata, counts: MarkupCounts, posts: int) -> int:
    points = pagetype_rules.REPEATED_POSTS_POINTS if posts else 0
    if meta.schema_types & pagetype_rules.FORUM_SCHEMA_TYPES:
        points += pagetype_rules.FORUM_SCHEMA_POINTS
    if counts.microdata_authors >= pagetype_rules.MIN_FORUM_AUTHORS:
        points += pagetype_rules.FORUM_AUTHORS_POINTS
    if counts.microdata_posts >= pagetype_rules.MIN_FORUM_POSTS:
        points += pagetype_rules.FORUM_POSTS_POINTS
    if counts.times >= pagetype_rules.MIN_FORUM_TIMES:
        points += pagetype_rules.FORUM_TIMES_POINTS
    return points


def _listing_points(meta: Metadata, body: BodyText, prose: _Prose, link_density: float) -> int:
    points = 0
    if meta.schema_types & pagetype_rules.LISTING_SCHEMA_TYPES:
        points += pagetype_rules.LISTING_SCHEMA_POINTS
    if body.listing:
        points += pagetype_rules.LISTING_PROSE_POINTS
    long_article = prose.reads_as_article and prose.paragraphs >= pagetype_rules.LONG_ARTICLE_MIN_PARAGRAPHS
    if body.cards >= pagetype_rules.MIN_LISTING_CARDS and not long_article:
        points += pagetype_rules.LISTING_CARDS_POINTS
    if link_density > pagetype_rules.MIN_LISTING_LINK_DENSITY:
        points += pagetype_rules.LISTING_LINK_DENSITY_POINTS
    return points


def _documentation_points(meta: Metadata, counts: MarkupCounts) -> int:
    points = (
        pagetype_rules.DOCUMENTATION_SCHEMA_POINTS
        if meta.schema_types & pagetype_rules.DOCUMENTATION_SCHEMA_TYPES
        else 0
    )
    if (
        counts.code < pagetype_rules.MIN_DOCUMENTATION_CODE
        and counts.pre < pagetype_rules.MIN_DOCUMENTATION_PRE
    ):
        return points
    if not (meta.date or meta.author):
        return points + pagetype_rules.DOCUMENTATION_POINTS
    # Signed: a point less, and one more outside a manual's navigation (few links: a personal site's post).
    few_links = counts.links < pagetype_rules.DOCUMENTATION_MIN_MANUAL_LINKS
    return (
        points
        + pagetype_rules.DOCUMENTATION_POINTS
        - pagetype_rules.DOCUMENTATION_SIGNED_DISCOUNT
        - (pagetype_rules.DOCUMENTATION_FEW_LINKS_DISCOUNT if few_links else 0)
    )


def _service_points(meta: Metadata, counts: MarkupCounts) -> int:
    points = pagetype_rules.SERVICE_PASSWORD_POINTS if counts.passwords else 0
    if meta.schema_types & pagetype_rules.SERVICE_SCHEMA_TYPES:
        points += pagetype_rules.SERVICE_SCHEMA_POINTS
    return points


def _kind_points(
    meta: Metadata,
    body: BodyText,
    counts: MarkupCounts,
    blocks: Sequence[Block],
    prose: _Prose,
    link_density: float,
    home: bool,
) -> dict[PageType, int]:
    """Points for each kind that is not an article; in order of precedence on a tie."""
    thin = pagetype_rules.THIN_PAGE_POINTS if prose.thin else 0
    front = pagetype_rules.HOME_PAGE_POINTS if home else 0
    return {
        PageType.FORUM: _forum_points(meta, counts, repeated_posts(blocks, body, counts.time_paths)),
        PageType.PRODUCT: _product_points(meta, counts) + thin,
        PageType.LISTING: _listing_points(meta, body, prose, link_density) + thin + front,
        PageType.DOCUMENTATION: _documentation_points(meta, counts),
        PageType.SERVICE: _service_points(meta, counts) + thin + front,
    }


def _links_dominate(article: int, prose: _Prose, page_chars: int) -> bool:
    """A page of links more than of text (a category's grid of links, a table of links to games or
    products) with at most one weak mark of an article and short of a long article's paragraphs: its
    prose is the page's blurb, not an article."""
    return (
        article <= pagetype_rules.LINKED_PAGE_MAX_ARTICLE_POINTS
        and prose.paragraphs < pagetype_rules.LONG_ARTICLE_MIN_PARAGRAPHS
        and prose.links * 1000 >= pagetype_rules.LINKED_PAGE_MIN_LINKS_PER_1000_CHARS * page_chars
    )


def _prices(blocks: Sequence[Block]) -> int:
    """Amounts of money on the page: a currency symbol beside a number."""
    return sum(len(pagetype_rules.PRICE_PATTERN.findall(block.text)) for block in blocks)


def _landing(meta: Metadata, counts: MarkupCounts, shape: UrlShape, blocks: Sequence[Block]) -> bool:
    """A page with no article metadata at all under a short address, with the marks of a landing or
    service page: og:type "website", an organisation's schema.org type, many controls, prices, the site's
    root."""
    if not shape.known or shape.slug_words > pagetype_rules.LANDING_MAX_SLUG_WORDS:
        return False
    points = (
        (meta.og_type == "website") * pagetype_rules.LANDING_WEBSITE_POINTS
        + bool(meta.schema_types & pagetype_rules.LANDING_SCHEMA_TYPES) * pagetype_rules.LANDING_SCHEMA_POINTS
        + (counts.buttons >= pagetype_rules.LANDING_MIN_BUTTONS) * pagetype_rules.LANDING_BUTTONS_POINTS
        + shape.home * pagetype_rules.LANDING_HOME_POINTS
    )
    if (
        points == pagetype_rules.MIN_LANDING_POINTS - pagetype_rules.LANDING_PRICES_POINTS
    ):  # the text is read only if it counts
        points += (
            _prices(blocks) >= pagetype_rules.LANDING_MIN_PRICES
        ) * pagetype_rules.LANDING_PRICES_POINTS
    return points >= pagetype_rules.MIN_LANDING_POINTS


def with_second_text(page_type: PageType, meta: Metadata, url: str | None, text: str) -> PageType:
    """The page type once the fallback's text replaced the own: a page left unknown only because its body
    held no prose under its article metadata is an article when the fallback found the prose the own
    blocks missed (an extraction miss, not a shell; its stored text is that prose)."""
    if page_type is not PageType.UNKNOWN or len(text) < pagetype_rules.ARTICLE_MIN_PROSE_CHARS:
        return page_type
    article = _article_points(meta, page_address(url, meta.canonical_url))
    return PageType.ARTICLE if article >= pagetype_rules.ARTICLE_METADATA_POINTS else page_type


def link_density(blocks: Sequence[Block]) -> float:
    """The share of the page's block text that is link text."""
    chars = sum(block.chars for block in blocks)
    return sum(block.link_chars for block in blocks) / chars if chars else 0.0


def _outweighs(kind: PageType, strength: int, article: int, meta: Metadata) -> bool:
    """Whether a kind's evidence overrules the article's own metadata. The schema types, posts, prices and
    cards of the other kinds say what the page *is*, and win a tie; documentation's evidence is mostly
    code, which says what the page *holds*, and a programmer's dated post holds as much: it must outweigh
    (bench/pagetypes.py: 2 articles more on half A, 1 on half B, no other page lost), unless the page
    declares a documentation type (TechArticle, APIReference), which says what it is as a Product does
    (half A: 1 manual page more told, no article lost; half B, held out: 1 and none)."""
    if strength > article:
        return True
    declared = bool(meta.schema_types & pagetype_rules.DOCUMENTATION_SCHEMA_TYPES)
    return strength == article and (kind is not PageType.DOCUMENTATION or declared)


def classify_page(
    meta: Metadata, body: BodyText, counts: MarkupCounts, blocks: Sequence[Block], url: str | None = None
) -> PageType:
    """The page's kind: the non-article kind with the most evidence when it outweighs the article's own
    metadata; a service page when nothing speaks for an article and its marks say landing page; else an
    article when its prose or metadata says so; else the kind with some evidence."""
    if counts.item_types - meta.schema_types:  # the page's own types in microdata count as in JSON-LD
        meta = dataclasses.replace(meta, schema_types=meta.schema_types | counts.item_types)
    prose = _prose(body, counts.links)
    shape = page_address(url, meta.canonical_url)
    article = _article_points(meta, shape)
    points = _kind_points(meta, body, counts, blocks, prose, link_density(blocks), shape.home)
    kind = max(points, key=points.__getitem__)  # the first of equals: dict order is precedence
    strength = points[kind]
    if kind is PageType.PRODUCT and body.cards >= pagetype_rules.MIN_COLLECTION_CARDS:
        kind = PageType.COLLECTION
    if strength >= pagetype_rules.MIN_KIND_POINTS and _outweighs(kind, strength, article, meta):
        return kind
    if article == 0 and _landing(meta, counts, shape, blocks):
        return PageType.SERVICE
    if prose.reads_as_article and not _links_dominate(article, prose, body.page_chars):
        return PageType.ARTICLE
    if article >= pagetype_rules.ARTICLE_METADATA_POINTS:
        # Metadata says article, but next to nothing of the page is prose the body holds: a shell whose
        # text comes by script, or a section page of a CMS that marks every page an article. Kept as
        # unknown, not dropped: the page may still be one.
        return (
            PageType.ARTICLE
            if prose.share >= pagetype_rules.METADATA_ARTICLE_MIN_PROSE_SHARE
            else PageType.UNKNOWN
        )
    if strength > (pagetype_rules.THIN_PAGE_POINTS if prose.thin else 0):  # thinness alone names no kind
        return kind
    # A form alone (a search field, a newsletter box) no longer makes such a page a service page: articles
    # carry them as often (bench/pagetypes.py: 4 articles and 7 other pages on half A fell to that rule,
    # 1 and 11 on half B); the weak evidence keeps the page, as unknown.
    return PageType.UNKNOWN
