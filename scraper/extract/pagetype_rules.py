"""The page-type classifier's rules, as data: evidence weights in points, per kind of page, and the
thresholds each signal needs (used by pagetype.py). Nothing here names a site; each weight has its reason
beside it, and how it was chosen (bench/pagetypes.py's half A, checked on half B).
"""

from __future__ import annotations

import re

# Evidence is counted in points, per kind of page; the weights say how sure one piece of evidence is.
# schema.org types (lower-cased) that make a page an article, a product, a forum thread or a listing.
# FAQPage's Question/Answer objects are left out of the forum's: articles carry FAQ markup too.
ARTICLE_SCHEMA_TYPES = frozenset(
    {
        "article", "newsarticle", "blogposting", "liveblogposting", "reportagenewsarticle",
        "analysisnewsarticle", "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle",
        "scholarlyarticle", "report",
    }
)  # fmt: skip
PRODUCT_SCHEMA_TYPES = frozenset({"product", "productgroup", "productmodel", "individualproduct"})
FORUM_SCHEMA_TYPES = frozenset({"discussionforumposting", "qapage"})
LISTING_SCHEMA_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage"})
# The article's own metadata: a schema.org article type and article:published_time are written for
# articles only (2 points); og:type "article", a date and a byline also sit on many other pages of a CMS
# (1 point each).
ARTICLE_SCHEMA_POINTS = 2
PUBLISHED_TIME_POINTS = 2
OG_ARTICLE_POINTS = 1
DATE_POINTS = 1
AUTHOR_POINTS = 1
# Article metadata worth this many points makes a page an article without prose of its own to show
# (a short news brief, a video story whose text the extractor missed).
ARTICLE_METADATA_POINTS = 3
# ... when the body it shows holds at least this share of the page's visible text as prose. Below it the
# page is "unknown" (kept by the run): a shell whose text comes by script (a forum thread rendered in the
# browser) or a section page of a CMS that writes article metadata on every page. Chosen on the sites of
# bench/pagetypes.py's half A (0.03, 0.05, 0.08 tried: 0.05 the best there): A 9 other pages fewer called
# article, 1 article (its text not found by the extractor) unknown instead; half B, held out: 5 other pages
# fewer, no article.
METADATA_ARTICLE_MIN_PROSE_SHARE = 0.05
# Prose that reads as an article: at least this many characters of body prose, this share of the page's
# visible text, and this much prose per heading (a landing page is headings over one-line blurbs).
# Articles on all sites measured: 98% over each bound; the bounds are set low, as an article missed is
# dropped, and a page wrongly kept is only stored.
ARTICLE_MIN_PROSE_CHARS = 900
ARTICLE_MIN_PROSE_SHARE = 0.15
ARTICLE_MIN_PROSE_PER_HEADING = 180
# ... counting only the page's own section headings: a heading more than this share of whose text is a
# link is the title of another page (a guide's or a hub's linked contents, a teaser's title), weighed by
# the link rules (teaser cards, link density, links per character, links around few paragraphs); counted
# as a section too, its link was held against the page's prose twice. Chosen on bench/pagetypes.py's
# half A (over half linked, or wholly: the same pages): A 1 article more (an introduction over 4 linked
# topics), no other page; the 3 other pages it lifts over the bound there are held by the links around
# few paragraphs, the links per character or the prose share (one at 0.147). Half B, held out: 2 articles
# more, no other page; Scrapinghub's articles: unchanged. Its cost: a blog index of six or more linked
# posts whose excerpts run 150 to 200 characters, uncut (shorter ones are teaser cards, cut ones teasers),
# reads as an article, not unknown (kept either way); none of the 628 other pages is one.
LINKED_HEADING_MIN_LINK_SHARE = 0.5
# ... unless it is at most HUB_MAX_PARAGRAPHS paragraphs (of PARAGRAPH_MIN_CHARS) on a page of at least
# HUB_MIN_LINKS links: the blurb of a big site's hub, department or service page inside its menus (mega-menu,
# footer columns). Articles that short on such sites carry their own metadata, which still makes them
# articles (ARTICLE_METADATA_POINTS); without it the page is unknown, kept by the run. Chosen on
# bench/pagetypes.py's half A (paragraphs 3 to 5, links 50 to 250: 4 and 150 the most other pages with no
# article lost): A 8 other pages fewer called article, no article; half B, held out: 9 and none;
# Scrapinghub's articles: none.
HUB_MAX_PARAGRAPHS = 4
HUB_MIN_LINKS = 150
# ... nor on a page of at least LINKED_PAGE_MIN_LINKS_PER_1000_CHARS links per 1,000 visible characters
# (one link for every 25 characters: a page made of links, a category's grid or a table of results) with at
# most LINKED_PAGE_MAX_ARTICLE_POINTS of article metadata (one weak mark), unless its prose is a long
# article's (LONG_ARTICLE_MIN_PARAGRAPHS): a long story is one whatever its site's menus hold. Chosen on
# half A (35 to 50 links, 1 or 2 points; with 2 an article of half A was lost): A 3 other pages fewer
# called article, no article (the closest articles have 31 to 35 links); half B, held out: 1 and none;
# Scrapinghub's articles: none.
LINKED_PAGE_MIN_LINKS_PER_1000_CHARS = 40
LINKED_PAGE_MAX_ARTICLE_POINTS = 1
# Non-article evidence must reach this many points, and at least the article metadata's, to overrule it.
MIN_KIND_POINTS = 2
# A product: schema.org Product or og:type "product" (3), a microdata price or Product item (2). The type
# names what the page is, and with 3 it wins a tie against the og:type "article", date and byline many
# CMSs write on every page (3); a review article that carries a Product also carries its own article type
# (2 more). Was 2: half A 1 other page more told, half B 4, no article lost on either.
PRODUCT_SCHEMA_POINTS = 3
PRODUCT_MICRODATA_POINTS = 2
# A collection is a product listing: product evidence on a page of at least this many teaser cards.
MIN_COLLECTION_CARDS = 10
# A forum thread: its schema.org type (4: DiscussionForumPosting or QAPage is what the page is, and it
# outweighs the og:type "article", date, starter and slug the forum software writes for the topic; was 3:
# half A unchanged, half B 1 thread more told, no article carries either type), several posters credited
# in microdata (2: an article credits one or two; 3 would also take articles whose comments credit their
# writers), many dates (1): a thread is a run of posts, each with its author and time.
FORUM_SCHEMA_POINTS = 4
FORUM_AUTHORS_POINTS = 2
MIN_FORUM_AUTHORS = 3
FORUM_TIMES_POINTS = 1
MIN_FORUM_TIMES = 12
# ... and posts marked up as schema.org items, one per post (2): a forum's server-rendered thread marks
# each post a Comment (Discourse) or a DiscussionForumPosting. With its posters' credits it outweighs the
# topic's own article-like metadata (publication time, date, starter: 4 points); an article with a
# marked-up comment thread keeps its article type and published time (6). wcxb-dev: 12 forum threads more
# told, no article lost. (itemprop="text", the post's body, is left out: FAQ answers carry it too.)
FORUM_POSTS_POINTS = 2
MIN_FORUM_POSTS = 3
POST_ITEMTYPES = ("/comment", "/discussionforumposting")
# The schema.org types that name the page itself when written as microdata (itemtype=".../FAQPage"): the
# pages of schema.org's WebPage kinds, and a forum's thread (the item its software wraps the posts in).
# They count as the same types in JSON-LD do. Other microdata items mark parts of a page (an ItemList in
# an article, a BlogPosting teaser on a front page): on bench/pagetypes.py's half A, taking every type
# cost an article and an other page (both on half A). With these: half A unchanged, half B (held out) 2 other
# pages more told (a CollectionPage, an FAQPage), no article lost.
MICRODATA_PAGE_TYPES = frozenset(
    {"collectionpage", "searchresultspage", "faqpage", "qapage", "discussionforumposting"}
)
# A thread told by its shape (posts.repeated_posts: sibling posts, each with its own date line, poster
# and text) is 3: it outweighs the og:type "article", date and starter a forum writes for its topic; an
# article keeps its article type or published time and one more mark, 4 or more.
REPEATED_POSTS_POINTS = 3
# A listing: its schema.org type (2), teaser cards holding most of its prose (3), many teaser cards (2),
# mostly link text (1: some articles are link-heavy too).
LISTING_SCHEMA_POINTS = 2
LISTING_PROSE_POINTS = 3
LISTING_CARDS_POINTS = 2
MIN_LISTING_CARDS = 10
LISTING_LINK_DENSITY_POINTS = 1
MIN_LISTING_LINK_DENSITY = 0.4
# Teaser cards are no listing's evidence beside an article of at least this many paragraphs (of
# PARAGRAPH_MIN_CHARS) whose prose reads as one: a long story with a rail of related stories under it.
# A section front's own prose is a few blurbs.
LONG_ARTICLE_MIN_PARAGRAPHS = 10
# The address. The last segment of an article's path is most often its headline made a slug
# ("council-backs-bike-lanes-after-debate"): at least this many words (runs of characters between
# "-", "_", "+", ".", not all digits; read from the segment before when the last is an id, each of its
# words holding a digit: "/headline-slug/12345") are a point for an article. Section, search, service
# and product pages are named in a word or two ("news", "contact-us"); forum threads carry slugs too, but
# their own evidence outweighs one point. Slugs are made so in every language that writes words apart (the
# non-Latin ones percent-encoded, still split by "-"). wcxb-dev, even IDs: 54% of the articles, 14% of
# the other pages (forum threads and products mostly, whose own evidence outweighs the point).
SLUG_MIN_WORDS = 5
SLUG_POINTS = 1
# The site's root ("/") is its front or landing page, not an article: a point for a listing and a service
# page each (wcxb-dev, even IDs: 1 article in 354, 34 other pages in 321).
HOME_PAGE_POINTS = 1
# A landing page (a company's service or product presentation, a school's course page): no article
# metadata at all (no article type, date, byline or slug), an address of at most this many slug words,
# and at least MIN_LANDING_POINTS of these marks: og:type "website" (1; the CMS's type for pages that are
# not posts), an organisation's, a service's or an FAQ's schema.org type (1), at least LANDING_MIN_BUTTONS
# buttons (1: menus, tabs, accordions and calls to action; an article has a few share buttons), at least
# LANDING_MIN_PRICES amounts of money in the page's text (1: plans, offers, a shop's range), the site's
# root (2). One mark alone is common on undated articles; two are rare: on wcxb-dev this rule calls 0
# articles and 41 other pages service on the even IDs (354 and 321 pages), 1 and 28 on the odd, held out.
LANDING_MAX_SLUG_WORDS = 2
MIN_LANDING_POINTS = 2
LANDING_WEBSITE_POINTS = 1
LANDING_SCHEMA_POINTS = 1
LANDING_SCHEMA_TYPES = frozenset(
    {"organization", "corporation", "localbusiness", "professionalservice", "service", "faqpage", "product"}
)
LANDING_BUTTONS_POINTS = 1
LANDING_MIN_BUTTONS = 20
LANDING_HOME_POINTS = 2
LANDING_PRICES_POINTS = 1
LANDING_MIN_PRICES = 5
# An amount of money: a currency sign beside a number, on either side ("$9.99", "9,99 €", "₹ 500"). Signs,
# not words or codes, so it reads the same in every language.
PRICE_PATTERN = re.compile(r"[$€£¥₹₽₩₺₪฿₫₴]\s?\d|\d\s?[$€£¥₹₽₩₺₪฿₫₴]")
# Documentation: schema.org's own types for it (2): TechArticle is "a technical article - Example: How-to
# (task) topics, step-by-step, procedural troubleshooting, specifications" and APIReference a reference
# page of a programming interface; manuals' generators write them (it was counted as an article's type;
# half A unchanged, half B 1 manual page more told, no article lost).
DOCUMENTATION_SCHEMA_TYPES = frozenset({"techarticle", "apireference"})
DOCUMENTATION_SCHEMA_POINTS = 2
# Documentation: code everywhere (3); articles about code hold a few snippets, manuals dozens.
DOCUMENTATION_POINTS = 3
MIN_DOCUMENTATION_CODE = 30
MIN_DOCUMENTATION_PRE = 10
# ... a point less on a page with a date or a byline: a programmer's dated, signed post holds as much code
# as a manual page, which is rarely either (wcxb-dev: one article fewer called documentation, no manual
# page more called an article; with a headline slug's point, the posts with a date and a byline are kept).
DOCUMENTATION_SIGNED_DISCOUNT = 1
# ... and another point less on a signed page of fewer than DOCUMENTATION_MIN_MANUAL_LINKS links: a
# manual's page sits in its contents' navigation (a sidebar, a tree of chapters), a personal site's post
# in a few menus. Chosen on bench/pagetypes.py's half A: its manual pages carry 121 links or more, its
# signed code posts 19 to 56 (one with 363 is an article by its other marks); 100 lies between. Half A:
# 2 articles more (a story told in shell sessions, a post with code), no other page lost; half B, held
# out: unchanged (its signed manual pages carry 183 links or more). Unsigned pages keep their 3 points:
# a one-page manual or a README has few links too.
DOCUMENTATION_MIN_MANUAL_LINKS = 100
DOCUMENTATION_FEW_LINKS_DISCOUNT = 1
# A service page (login, search, contact, landing page): a password field (1), or a thin page with a form.
SERVICE_PASSWORD_POINTS = 1
# ... or schema.org's Service ("a service provided by an organization") or OfferCatalog (its list of
# offers) among the page's items (2): what the page is, as a Product is; an article about a service names
# it in prose, its own markup is an Article's (no article on either half carries either type). Half A: 1
# other page more told, no article lost; half B, held out: 2 and none.
SERVICE_SCHEMA_TYPES = frozenset({"service", "offercatalog"})
SERVICE_SCHEMA_POINTS = 2
# A thin page: at most this many paragraphs of prose (of this length) and less than this share of prose:
# a point for each kind that is mostly not prose (listing, product, service).
THIN_PAGE_POINTS = 1
THIN_MAX_PARAGRAPHS = 1
PARAGRAPH_MIN_CHARS = 150
THIN_MAX_PROSE_SHARE = 0.15
# The elements the markup evidence counts, found in one CSS query (one walk of the tree); with them the
# <dialog> elements, whose text the body's stages leave out of the page's (see MarkupCounts). Answered by
# the metadata's compiled page walk where built (metadata/_page.py: its values quoted, as that walk reads).
PAGE_TYPE_SELECTOR = (
    'pre, code, time, input, button, dialog, [itemprop="author"], [itemprop="price"], [itemtype]'
)
# The page's links, counted apart from the query above (there every <a> would have its attributes read),
# in C: by Lexbor's query, or in the same compiled walk.
LINK_SELECTOR = "a[href]"
