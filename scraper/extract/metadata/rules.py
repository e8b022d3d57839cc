"""Metadata rules, as data: the schema.org types, <meta> keys, byline and date patterns, word lists and
tuning values that the metadata readers apply.

Nothing here names a site. Each reader takes its rules from here, as the body's stages take theirs from
``scraper/extract/rules.py``.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------- JSON-LD

# JSON-LD blocks beyond this size are product catalogues or state dumps, not article metadata; skipping
# them bounds the time spent in json.loads on hostile pages.
MAX_JSON_LD_CHARS = 512 * 1024
# Objects visited in one page's JSON-LD (a @graph of a big site holds a few dozen).
MAX_JSON_LD_OBJECTS = 2000
# schema.org types (lower-cased, without their URL prefix) of the page's article, of a page that is not
# one, of the site and of the organisation behind it.
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "liveblogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "advertisercontentarticle",
        "scholarlyarticle",
        "medicalscholarlyarticle",
        "techarticle",
        "report",
        "socialmediaposting",
        "discussionforumposting",
        "review",
        "howto",
        "recipe",
        "videoobject",
        "podcastepisode",
    }
)
PAGE_TYPES = frozenset(
    {
        "webpage",
        "itempage",
        "aboutpage",
        "faqpage",
        "qapage",
        "medicalwebpage",
        "profilepage",
        "collectionpage",
    }
)
SITE_TYPES = frozenset({"website"})
# The <meta> keys of what a page says it is (read for the page type, extract/pagetype.py).
OG_TYPE_KEYS = ("og:type",)
PUBLISHED_TIME_KEYS = ("article:published_time",)
ORGANISATION_TYPES = frozenset({"organization", "newsmediaorganization", "corporation", "onlinebusiness"})
# Damage tolerated in JSON-LD blocks: HTML comment and CDATA markers, trailing commas. The markers are
# looked for first: most blocks hold none, and `in` finds that sooner than the pattern's search.
HTML_COMMENT_MARKERS = ("<!--", "-->", "<![CDATA[", "]]>")
HTML_COMMENT_RE = re.compile("|".join(re.escape(marker) for marker in HTML_COMMENT_MARKERS))
TRAILING_COMMA_RE = re.compile(r",\s*(?=[}\]])")

# ---------------------------------------------------------------- the page's elements and <meta> keys

# The elements metadata is read from, found in one CSS query (each query is a walk of the tree).
PAGE_NODES_SELECTOR = (
    'script[type="application/ld+json"], meta[content], h1, h2, title, link[rel="canonical"][href], '
    "time, abbr"
)
# <h1> (and <h2>, read on a page without <h1>) elements looked at (pages put logos, section names and
# teasers in more of them).
MAX_HEADINGS = 5
# <meta> keys (name, property or itemprop, lower-cased) in order of trust, per field.
TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "citation_title", "parsely-title", "sailthru.title")
AUTHOR_KEYS = (
    "author",
    "article:author",
    "og:article:author",
    "citation_author",
    "dc.creator",
    "dcterms.creator",
    "parsely-author",
    "sailthru.author",
    "byl",
    "twitter:data1",  # "Written by" in WordPress' Yoast cards; taken only when its label says so
    "book:author",
)
# Keys repeated once per author (one <meta> each); the others hold one value with every name in it.
MULTI_AUTHOR_KEYS = frozenset({"citation_author", "dc.creator", "dcterms.creator", "article:author"})
DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "citation_publication_date",
    "citation_date",
    "citation_online_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "release_date",
    "article.published",
    "article_date_original",
    "original-publish-date",
    "created",
)
SITENAME_KEYS = (
    "og:site_name",
    "application-name",
    "apple-mobile-web-app-title",
    "publisher",
    "dc.publisher",
)
DESCRIPTION_KEYS = ("og:description", "description", "twitter:description", "dc.description")
LANGUAGE_KEYS = ("content-language", "og:locale", "dc.language", "language")

# ---------------------------------------------------------------- text

# Quotes stripped around titles and names before comparing them.
QUOTES = "\"'“”‘’«»„"
WORD_RE = re.compile(r"\w+")

# ---------------------------------------------------------------- titles

# Titles longer than this are paragraphs that landed in a title slot.
MAX_TITLE_CHARS = 300
# Share of an <h1>'s words that must occur in a metadata title for it to be taken as the headline.
MIN_HEADING_CONFIRMATION = 0.5
# Share of that metadata title's words the <h1> must cover (a logo "Discord" is one word of a long title).
MIN_TITLE_COVERAGE = 0.3
# A title suffix (" | Site") is only taken as a site name when it is this short.
MAX_SITENAME_WORDS = 6
# Letters of the scripts written without spaces between words (Han, kana, CJK punctuation and full-width
# forms): a title in them cannot set a separator off with spaces.
_UNSPACED = r"\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# Separators between a headline and a site or section name: a mark set off by spaces, or "_" touching a
# letter of an unspaced script (Chinese portals write "Headline_Channel_Site"); "_" between Latin letters or
# digits is part of a name ("snake_case", "__init__") and is not a separator.
TITLE_SEPARATORS_RE = re.compile(
    rf"\s+(?:\||-|–|—|::|·|»|•|/|:)\s+|(?<=[{_UNSPACED}])_(?=[^\s_])|(?<=[^\s_])_(?=[{_UNSPACED}])"
)
# The separator that chains a headline to ever broader names (channel, then site): every part after the
# first is stripped while it looks like a name, not only the last.
CHAINED_SEPARATOR = "_"
# A hostname label spells a title part that is the site's name when the part's letters end with it and it
# makes this share of them ("harbourchronicle" of "The Harbour Chronicle": a leading article is all a
# hostname drops; "apple" of a headline "Apple unveils ..." not).
MIN_HOST_SHARE = 0.6
# Hostname labels shorter than this ("www", "co", "uk", "m") spell no site name.
MIN_HOST_LABEL_CHARS = 4

# ---------------------------------------------------------------- authors

# Longer "authors" are sentences or lists of credits, not names.
MAX_AUTHOR_CHARS = 80
MAX_AUTHOR_WORDS = 7
MAX_AUTHORS = 10
# Byline elements of the page itself, most specific first. Searched with Lexbor's CSS engine.
AUTHOR_SELECTORS = (
    '[itemprop="author"] [itemprop="name"]',
    '[rel="author"]',
    '[itemprop="author"]',
    ".author-name, .author_name, .authorName, .byline__name, .byline-name, .post-author-name, "
    ".entry-author-name",
    ".byline a, .byline, .author a, .post-author a, .entry-author a, .article-author a, .c-byline a",
    '[class*="byline"], .author, .post-author, .entry-author, .article-author, .posted-by, .written-by',
)
# The first selectors name bylines precisely; the later ones match broadly and are tried after the text.
SPECIFIC_AUTHOR_SELECTORS = 4
# What every element those selectors match bears (an author itemprop or rel; a class holding "author",
# "byline", "posted-by" or "written-by" in any case, as quirks mode matches class names): a page with none
# is not searched selector by selector. Each selector is a walk of the whole tree in Lexbor (0.06 to
# 0.35 ms a page); one walk for the marks tells the 4 pages in 10 of wcxb-dev that have none.
AUTHOR_MARKS = (
    '[itemprop="author"], [rel="author"], [class*="author" i], [class*="byline" i], [class*="posted-by" i], '
    '[class*="written-by" i]'
)
# A BEM element (block__element) named author is the block's author: "p-article__author", "story__author".
# Lexbor's CSS cannot match the end of one class token, so the candidates are checked token by token.
BEM_AUTHOR_SELECTOR = '[class*="__author" i]'
BEM_AUTHOR_RE = re.compile(r"^[\w-]+__author(?:s|-name)?$", re.IGNORECASE)
# Inside a byline element, its part with a class ending in "name" holds the name alone (a role, an avatar
# or a date beside it).
NAME_PART_SELECTOR = '[class*="name" i]'
# Words of a comment's block or container ("comment__author", <ol class="comment-list">, "reply"): the
# author there is a commenter, not the article's.
COMMENT_WORDS = ("comment", "reply", "replies")
# Author links: the address's last segment (its slug) split into words ("tom-everard", "jane_doe").
SLUG_SPLIT_RE = re.compile(r"[-_.+\s]+")
# A slug's first word shorter than this (an initial) cannot say where a name starts in a link's text.
MIN_SLUG_WORD_CHARS = 2
# A byline sits just under the headline (or just above it); further away, "By" lines belong to teasers.
BYLINE_AFTER_TITLE_CHARS = 1500
BYLINE_BEFORE_TITLE_CHARS = 500
# Lines after the headline searched for a name printed beside the date.
MAX_BYLINE_LINES = 30
# Words that introduce a name in a byline, in the languages most often met: a verb ("written") that may
# come before the word proper ("by"), as regular expressions.
_BYLINE_VERBS: tuple[str, ...] = ("written", "posted", "published", "reviewed", "updated", "edited")
_BYLINE_VERBS += ("reported", "words", "story", "text", "photos?")
_BYLINE_INTROS: tuple[str, ...] = ("by", "von", "par", "por", "door", "di", "da", "av", "af", "przez")
_BYLINE_INTROS += ("от", "автор", "tekst", "author", "authors", "autor", "auteur", "autore")
_BYLINE_INTROS += ("contributors?", "writer", r"written\s+by", "بقلم", "كتبه", "מאת", "作者")
_BYLINE_WORDS = rf"(?:(?:{'|'.join(_BYLINE_VERBS)})\s+)?(?:{'|'.join(_BYLINE_INTROS)})"
# The letters a byline word starts with: a line starting otherwise is turned away before the alternation
# is tried at all (the search over the text near the headline took 7 times as long without it).
_BYLINE_FIRST_LETTERS = "".join(sorted({word[0] for word in _BYLINE_VERBS + _BYLINE_INTROS}))
BYLINE_PREFIX_RE = re.compile(r"^\s*" + _BYLINE_WORDS + r"(?:\s*[:\-–—]\s*|\s+|$)", re.IGNORECASE)
# A line of page text that is a byline: "By Jane Doe", or "Written by" with the name on the next line.
BYLINE_LINE_RE = re.compile(
    rf"^[^\S\n]*(?=[{_BYLINE_FIRST_LETTERS}])"
    + _BYLINE_WORDS
    + r"\b[^\S\n]*:?[^\S\n]*\n?\s*(?P<name>[^\n]{2,120})$",
    re.IGNORECASE | re.MULTILINE,
)
# A name and a date on one line, as a byline sets them ("Jane Doe · May 5, 2024").
INLINE_SEPARATOR_RE = re.compile(r"\s+[·•|/—–-]\s+")
# Lines of bare separators and joining words between a name and a date.
LINE_SEPARATORS = frozenset({"·", "•", "|", "/", "-", "—", "–", ",", "in", "on", "by"})
# A person's name as a byline prints it: two to four capitalised words.
PERSON_NAME_RE = re.compile(
    r"^(?:[A-Z][\w'’.-]*\.?\s+)(?:(?:[A-Z][\w'’.-]*|van|von|de|der|da|di|la|le|bin|al)\s+){0,2}[A-Z][\w'’-]*$"
)
# Words of headings, menus and labels that a capitalised line near the headline may hold instead of a name.
NOT_NAME_WORDS = frozenset(
    {"the", "of", "and", "in", "on", "for", "to", "a", "an", "with", "by", "at", "from", "your", "our"}
    | {"blog", "news", "home", "menu", "contents", "share", "posts", "post", "more", "read", "about"}
    | {"contact", "search", "subscribe", "login", "sign", "comments", "related", "minutes", "min"}
    | {"updated", "published", "team", "editorial", "staff", "guide", "tips", "review", "reviews", "table"}
    | {"privacy", "policy", "terms", "cookies", "newsletter", "follow", "us", "all", "new", "latest", "top"}
)
# Separators between the names of several authors, in the languages most often met.
AUTHOR_SPLIT_RE = re.compile(r"\s*(?:;|\||•|·|,?\s+and\s+|\s+und\s+|\s+et\s+|\s+y\s+|\s*&\s*|,)\s*")
# Credentials after a name ("Jane Doe, Ph.D., RD") stay with it instead of being split off as names.
CREDENTIAL_RE = re.compile(r"^(?:[A-Z]{2,6}|(?:[A-Z][a-z]?\.){1,3}[A-Z]?[a-z]?\.?|Jr\.?|Sr\.?)[®™]?$")
# A date or a label after the name ("Jane Doe on May 5", "Jane Doe - Staff").
TRAILING_DATE_RE = re.compile(
    r"\s+(?:on|am|le|el|il|updated|published|posted)\s+\S.*$|\s+[-–—|]\s+.*$", re.IGNORECASE
)
# What a person's name never holds: links, addresses, digits, markup.
NOT_A_NAME_RE = re.compile(r"https?:|www\.|@|\.(?:com|org|net)\b|\d|[<>{}=#/\\]", re.IGNORECASE)
# Values of author fields that are placeholders, roles or buttons, not names.
AUTHOR_NOISE_WORDS = frozenset(
    {
        "admin",
        "administrator",
        "staff",
        "editor",
        "editors",
        "guest",
        "unknown",
        "anonymous",
        "author",
        "null",
        "none",
        "by",
        "facebook",
        "twitter",
        "instagram",
        "linkedin",
        "share",
        "follow",
        "contact",
        "email",
        "more",
        "read more",
        "view all posts",
        "all posts",
        "undefined",
        "webmaster",
        "written by",
        "posted by",
        "the author",
        "contributor",
        "contributors",
    }
)

# ---------------------------------------------------------------- dates

# Plausible publication years: older dates are birthdays or founding years, not publications.
MIN_YEAR = 1990
MAX_YEAR = 2100
# Date-like text is only read from short elements: a long one is prose that happens to hold a date.
MAX_DATE_TEXT_CHARS = 120
# As for authors: precise date selectors first, then a date line under the headline, then broad ones.
SPECIFIC_DATE_SELECTORS = 4
# Elements tried per date selector (the first ones are the article's; later ones are teasers' dates).
MAX_DATE_ELEMENTS = 3
# A line of text that is a date, maybe with a label ("Last updated: 20 January 2025"), is this short.
MAX_DATE_LINE_CHARS = 60
# A teaser card: an <article> (HTML: a self-contained composition) whose first heading is a link, not the
# page's <h1>, and which does not hold the headline: it stands for a story told on another page, and its
# date line is that story's date. A section front or a list of related stories is a run of them; a lone
# card may be the page's own story (its headline linking to its own address), so it takes several.
TEASER_CARD_TAG = "article"
CARD_HEADINGS = "h1, h2, h3, h4, h5, h6"
MIN_TEASER_CARDS = 2
# hAtom and microformats2 (Blogger and many blog themes) mark the publication date up as an <abbr> of
# class "published" / "dt-published" whose title holds the ISO date-time, the text being for people
# ("21:05"): as precise as a <time class="published">. Their "updated" is the last change, not the
# publication: read only when nothing else gives a date.
HATOM_PUBLISHED_SELECTOR = "abbr.published[title], abbr.dt-published[title]"
HATOM_UPDATED_SELECTOR = "abbr.updated[title], abbr.dt-updated[title]"
DATE_SELECTORS = (
    '[itemprop="datePublished"]',
    "time[pubdate], time.published, time.entry-date, time.post-date",
    HATOM_PUBLISHED_SELECTOR,
    "article time[datetime], header time[datetime], main time[datetime]",
    ".published, .entry-date, .post-date, .posted-on, .publish-date, .published-date, .article-date, "
    ".date-published, .byline time, .dateline, .article__date, .post-meta time, time[datetime]",
    HATOM_UPDATED_SELECTOR,
)
# The date selectors only a <time> element matches: a page without one (most pages) is not searched with
# them (page_nodes notes whether it has one in its walk); likewise those only an <abbr> matches.
TIME_DATE_SELECTORS = frozenset((DATE_SELECTORS[1], DATE_SELECTORS[3]))
ABBR_DATE_SELECTORS = frozenset((HATOM_PUBLISHED_SELECTOR, HATOM_UPDATED_SELECTOR))
# An <abbr>'s title is its expansion (HTML standard), where the microformats' abbr pattern puts the
# machine-readable value; any other element's title is a tooltip, not a date.
DATE_TITLE_TAG = "abbr"
# Machine-readable dates: ISO 8601 (with time and offset when given) and compact 20240305.
ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
COMPACT_RE = re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:T?\d{4,6}Z?)?$")
# Dates written for people: 2024/03/05, 05.03.2024, "March 5, 2024", "5 mars 2024".
SLASHED_YMD_RE = re.compile(r"\b(?P<y>(?:19|20)\d{2})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})\b")
DMY_RE = re.compile(r"\b(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>(?:19|20)\d{2})\b")
# Month names and abbreviations, in the languages most often met.
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "janvier", "januar", "enero", "gennaio", "janeiro", "januari", "jänner"),
            (
                "february",
                "feb",
                "février",
                "fevrier",
                "februar",
                "febrero",
                "febbraio",
                "fevereiro",
                "februari",
            ),
            ("march", "mar", "mars", "märz", "maerz", "marzo", "março", "maart"),
            ("april", "apr", "avril", "abril", "aprile"),
            ("may", "mai", "mayo", "maggio", "maio", "mei"),
            ("june", "jun", "juin", "juni", "junio", "giugno", "junho"),
            ("july", "jul", "juillet", "juli", "julio", "luglio", "julho"),
            ("august", "aug", "août", "aout", "agosto", "augustus"),
            ("september", "sep", "sept", "septembre", "septiembre", "settembre", "setembro"),
            ("october", "oct", "octobre", "oktober", "octubre", "ottobre", "outubro"),
            ("november", "nov", "novembre", "noviembre", "novembro"),
            ("december", "dec", "décembre", "decembre", "dezember", "diciembre", "dicembre", "dezembro"),
        ),
        start=1,
    )
    for name in names
}
# Day names: a byline's "Monday" is not an author.
WEEKDAYS = frozenset(
    {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday"}
    | {"friday", "saturday", "sunday", "today", "yesterday"}
)
_MONTH_NAME = r"(?P<mon>[^\W\d_]{3,10})\.?"
MDY_WORDS_RE = re.compile(_MONTH_NAME + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})\b")
DMY_WORDS_RE = re.compile(
    r"\b(?P<d>\d{1,2})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?"
    + _MONTH_NAME
    + r",?\s+(?:de\s+)?(?P<y>(?:19|20)\d{2})\b"
)
# Each pattern of a date written for people holds a year of four digits: text without four digits in a row
# is turned away by one search instead of five (most lines near a headline hold no date).
FOUR_DIGITS_RE = re.compile(r"\d{4}")
# Where a line near the headline may hold such a date: four digits in a row, or a character reference
# (date_in_text reads the text unescaped, and "&#50;" is a digit). The lines near the headline are searched
# for these once; a line without is not read line by line (most lines there hold no date).
DATE_HINT_RE = re.compile(r"\d{4}|&")
# A date in the URL path: /2024/03/05/, /2024-03-05-, /20240305/.
URL_DATE_RE = re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>[01]?\d)[/-](?P<d>[0-3]?\d)(?:/|[-_]|$)")
URL_COMPACT_DATE_RE = re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)/")

# ---------------------------------------------------------------- language

# A language tag's language and region ("en-gb" of "en_GB.UTF-8").
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?")
