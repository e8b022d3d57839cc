"""The extractor's rules, as data: tag sets, class/id token patterns and tuning constants.

Nothing here names a site. Class and id tokens only *help*: pages with hashed CSS-in-JS class names are
carried by structure and text statistics (link density, block length) in body.py.
"""

from __future__ import annotations

import operator
import re

# ---------------------------------------------------------------- tags

# Never text a reader sees as article prose: skipped with their whole subtree.
SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object", "embed",
        "button", "input", "select", "option", "textarea", "audio", "video", "source", "track", "map",
        "dialog", "head", "title", "meta", "link",
    }
)  # fmt: skip

# Stripped from the tree before the walk (after metadata has read JSON-LD from <script>). A <textarea>'s
# text is a form field's value (a "republish this story" box holds the whole story's HTML there): never
# prose, and left in, it would count towards its box's share of the page and make the box a "wrapper".
CODE_TAGS = frozenset({"script", "style", "noscript", "template", "textarea"})

# Page furniture by HTML5 semantics. Skipped like class/id clutter: only when it is not most of the page
# (some sites wrap everything in <header> or <aside>).
FURNITURE_TAGS = frozenset({"nav", "footer", "aside", "header", "form", "menu"})
# ... but a <header> inside <article>, <main> or <section> heads that part (a live blog entry's title and
# time), as HTML defines it; the headline and byline it may hold are dropped by the body rules instead.
SECTIONING_TAGS = frozenset({"article", "main", "section"})
SECTION_FURNITURE_TAGS = frozenset({"header"})

# Elements that break text into blocks. Everything else (span, a, em, strong, td ...) is inline.
BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "ul", "ol", "li",
        "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr",
        "caption", "blockquote", "pre", "figure", "figcaption", "address", "hr", "details", "summary",
        "center", "body", "form", "fieldset", "menu", "hgroup", "picture",
    }
)  # fmt: skip

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
LIST_ITEM_TAGS = frozenset({"li", "dt", "dd"})
CELL_TAGS = frozenset({"td", "th"})
CELL_SEPARATOR = " | "
# A table row longer than this is a layout table's cell holding prose (old hand-written pages), not data.
MAX_TABLE_ROW_CHARS = 300

# ARIA landmarks and widgets that are never the article body.
SKIP_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog", "menu", "menubar",
     "toolbar", "search", "tablist", "button", "tooltip", "alert"}
)  # fmt: skip

# ---------------------------------------------------------------- class / id tokens

# Strong clutter words: these blocks are clutter even inside an "article-content" wrapper.
# Several languages; matched as whole tokens (class names split at - _ space and camelCase), plural 's'.
STRONG_CLUTTER_TOKENS = frozenset(
    {
        # sharing and social
        "share", "sharing", "sharebar", "social", "sns", "sociallinks", "addthis", "sharethis",
        "compartir", "partager", "teilen", "condividi", "compartilhar", "delen", "udostepnij",
        # related / rails
        "related", "relacionados", "relacionadas", "relacionado", "similar", "recommended",
        "recommendation", "recirculation", "recirc", "trending", "popular", "mostread", "mostpopular",
        "morestories", "readmore", "readnext", "outbrain", "taboola", "zergnet", "lies", "aussi",
        "verwandt", "meistgelesen", "correlati", "leiatambem", "tambem", "vertambien",
        # newsletter, subscription, consent
        "sharedaddy", "likes", "likebox", "reactions",
        "newsletter", "newsletters", "subscribe", "subscription", "signup", "optin", "cookie", "cookies",
        "consent", "gdpr", "abonnement", "login", "signin", "register", "registration", "barrier",
        # legal lines, disclosures, ratings and calls to action
        "terms", "legal", "disclaimer", "disclosure", "affiliate", "copyright", "rating", "ratings",
        "votes", "cta", "calltoaction",
        # ads
        "ad", "ads", "advert", "advertisement", "advertising", "adslot", "adunit", "adsense", "dfp",
        "gpt", "sponsor", "sponsored", "promo", "promotion", "werbung", "anzeige", "publicidad",
        "publicite", "pubblicita", "reklama", "banner",
        # comments, bios, tags
        "comment", "comments", "disqus", "respond", "reply", "replies", "bio", "authorbio", "tags",
        "taglist", "tagcloud", "keywords", "breadcrumb", "breadcrumbs",
        # hidden text and widgets
        "sronly", "screenreader", "visuallyhidden", "popup", "lightbox", "toast", "print",
        "skiplink", "playlist",
    }
)  # fmt: skip

# Not clutter words, though they look it: "cmp" prefixes every component of some content management
# systems ("cmp-container", "cmp-text"), where a consent manager's banner also says "consent" or "cookie";
# "skip" names list items ("skip-item"), where a skip link is "skiplink" or the interface line "Skip to
# content".

# But on a definition list (<dl>: terms, each with its definition) "terms" names the terms it defines
# ("floated-terms", "glossary-terms"), not the terms of a service.
DEFINITION_LIST_TAGS = frozenset({"dl"})
DEFINITION_LIST_TOKENS = frozenset({"terms"})

# Weak clutter words: clutter unless the same element also says it is content.
WEAK_CLUTTER_TOKENS = frozenset(
    {
        "nav", "navbar", "navigation", "menu", "sidebar", "widget", "widgets", "footer", "header",
        "masthead", "toolbar", "pagination", "pager", "byline", "author", "meta", "topbar", "subnav",
        "rail", "aside", "secondary", "dateline", "timestamp", "credit", "credits", "caption", "audio",
        "video", "modal", "overlay",
    }
)  # fmt: skip

# A paywall wrapper either holds the article (sent whole, hidden by script) or is the barrier itself
# (offers, prices): kept only when it holds MIN_GATED_PROSE_CHARS of text nearly free of links.
GATED_TOKENS = frozenset({"paywall", "regwall", "piano", "metered", "premium"})
MIN_GATED_PROSE_CHARS = 800

# Whole class names that hide an element (CSS frameworks); matched exactly, since a token such as
# "hidden" also appears in layout classes like "overflow-hidden".
HIDDEN_CLASSES = frozenset(
    {"hidden", "is-hidden", "d-none", "hide", "sr-only", "visually-hidden", "visuallyhidden",
     "screen-reader-text", "screen-reader-only", "invisible", "u-hidden"}
)  # fmt: skip

CONTENT_TOKENS = frozenset(
    {"content", "article", "body", "main", "entry", "story", "post", "text", "prose", "articlebody"}
)

# A cheap first test: any clutter word inside the lower-cased name with separators squeezed out
# ("most-read" -> "mostread"). Every name attribute_tokens could match passes it; most names do not.
_SEPARATORS_RE = re.compile(r"[^a-z0-9]+")


def squeezed(value: str) -> str:
    return _SEPARATORS_RE.sub("", value.lower())


_Trie = dict[str, "_Trie"]  # a character's subtrie; "" marks the end of a word


def _trie_pattern(words: frozenset[str]) -> str:
    """A regular expression matching exactly `words`, their common prefixes factored out ("s(?:hare|ocial)").

    The same language as the plain alternation "share|social|...", but Python's engine, which tries a plain
    alternation's branches one by one at each position, here follows one path per position: searching a
    class name costs a quarter as much (distinct class names are searched once each, on every page of a new
    site)."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _subtrie_pattern(trie)


def _subtrie_pattern(node: _Trie) -> str:
    branches = [re.escape(char) + _subtrie_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


# The words of all clutter token sets, squeezed: a class name holding none of them gives no clutter token.
CLUTTER_WORDS = frozenset(
    squeezed(word) for word in STRONG_CLUTTER_TOKENS | WEAK_CLUTTER_TOKENS | GATED_TOKENS | HIDDEN_CLASSES
)
CLUTTER_WORD_RE = re.compile(_trie_pattern(CLUTTER_WORDS))

_CAMEL_RE = re.compile(r"([a-z0-9])([A-Z])")
_WORD_RE = re.compile(r"[a-z0-9]+")


# A class name opening with one of these states a setting, not what the element is: "no-share",
# "has-sidebar", "with-comments" sit on article wrappers. Such names give no tokens.
MODIFIER_WORDS = frozenset({"no", "has", "with", "without", "hide", "show", "enable", "disable", "allow"})


# A class or id of at least this many words is a slug of a heading or title ("1-heading-how-popular-are-
# meditation-and-mindfulness", an anchor): it names the section's subject, not its role, so a clutter word in
# it says nothing. Role names are short ("related-posts-widget", "sidebar-most-popular-list": up to 5 words).
MIN_SLUG_WORDS = 7


# A utility class that sets a property ("bg-secondary", "tw-border-stroke-secondary") names a
# colour or size of the theme, not a role: its words are not clutter. Its property comes first, after a
# framework's short prefix ("tw-", "u-"), at most STYLE_PREFIX_CHARS long.
# ("text-" is left out: "text-ad" is an advertisement.)
STYLE_PROPERTY_WORDS = frozenset({"bg", "background", "border", "stroke", "fill", "color", "outline"})
STYLE_PREFIX_CHARS = 2


def _is_style_utility(words: list[str]) -> bool:
    start = 1 if len(words) > 2 and len(words[0]) <= STYLE_PREFIX_CHARS else 0
    return len(words) - start > 1 and words[start] in STYLE_PROPERTY_WORDS


def attribute_tokens(value: str) -> set[str]:
    """'article__shareBar js-ad' -> {'article', 'share', 'bar', 'sharebar', 'js', 'ad'}.

    Joined neighbours ('share' + 'bar') are added too, so 'share-bar' and 'sharebar' match alike.
    """
    tokens: set[str] = set()
    for name in value.split():
        # A name with no capital ("share-bar", most of them) has no camel case to split.
        spaced = name if name.islower() else _CAMEL_RE.sub(r"\1 \2", name)
        words = _WORD_RE.findall(spaced.lower())  # the words between separators
        if (
            not words
            or words[0] in MODIFIER_WORDS
            or len(words) >= MIN_SLUG_WORDS
            or _is_style_utility(words)
        ):
            continue
        tokens.update(words)
        if len(words) > 1:  # joined neighbours, paired in C
            tokens.update(map(operator.add, words, words[1:]))
            tokens.add("".join(words[-3:]))  # "call-to-action", "read-next-box": phrases of three words
        tokens.update([word[:-1] for word in words if word.endswith("s") and len(word) > 3])
    return tokens


# ---------------------------------------------------------------- text rules

# A whole block that is only one of these is interface text, not prose (player controls, ad labels,
# modal buttons, share prompts). Lower-cased, whitespace-normalised, several languages.
_INTERFACE_WORDS = (
    "close", "advertisement", "advertisements", "ad", "ads", "sponsored", "anzeige", "werbung",
    "publicidad", "publicité", "pubblicità", "реклама", "إعلان", "إغلاق", "广告", "share", "share this",
    "share this article", "tweet", "email", "print", "copy link", "link copied", "listen",
    "listen to this article", "play", "pause", "read more", "continue reading", "more", "loading",
    "subscribe", "sign up", "follow us", "skip to content", "skip to main content", "back to top",
    "scroll to continue with content", "story continues below advertisement",
)  # fmt: skip
# Atomic groups and possessive runs, longest phrase first: no backtracking blow-up on long digit runs.
_INTERFACE_ALTERNATIVES = "|".join(
    re.escape(word) for word in sorted(_INTERFACE_WORDS, key=len, reverse=True)
)
# Gallery counters ("3 of 12") in several languages.
_COUNTER = r"\d++\s*+(?:of|von|de|di|sur|из|من)\s*+\d++"
# Reading-time labels ("6 min read", "Lesezeit: 4 Min.", "5 minutos de lectura").
_READING_TIME = (
    r"\d++\s*+(?:min(?:ute)?s?\.?\s*+read|min(?:utos?)?\.?\s*+de\s++lec?tura|min\.?\s*+de\s++lecture)"
    r"|lesezeit:?\s*+\d++\s*+min(?:uten)?\.?"
)
INTERFACE_LINE_RE = re.compile(
    rf"^(?:(?>{_READING_TIME}|{_INTERFACE_ALTERNATIVES}|{_COUNTER}|[\d:./]++|[×✕✖x+\-–|•·])[\s.…]*+)+$"
)
# A notice that the page needs JavaScript (players, embeds, comment widgets), in several languages.
SCRIPT_NOTICE_RE = re.compile(
    r"\b(?:enable|turn on|activate|aktivieren|activa|activez|abilita|ative)\b.{0,60}\bjavascript\b"
    r"|\bjavascript\b.{0,40}\b(?:required|disabled|enabled|aktiviert|desactivado|désactivé|necessario)\b",
    re.IGNORECASE,
)
MAX_SCRIPT_NOTICE_CHARS = 200

# Only blocks shorter than this are tested: interface text is a few words.
MAX_INTERFACE_LINE_CHARS = 80


# ---------------------------------------------------------------- tuning

# A class/id/furniture match is not dropped when it holds at least this share of the page's text:
# then it is a wrapper (e.g. <body class="has-sidebar">, a site wrapping everything in <header>).
WRAPPER_TEXT_SHARE = 0.5
# ... but a <nav> (navigation, as HTML defines it) with at least this share of its text in links is a
# menu, whatever its size: a mega menu with a blurb and a picture for each section can hold more text than a
# short article beside it, and is still no wrapper. (A page wrapped whole in <nav> is mostly unlinked text.)
MIN_MENU_LINK_SHARE = 0.3
# A weak match (furniture tag, "widget", "sidebar") is a wrapper already when this share of the page's
# text is its own (not in links): menus and sidebars are mostly links, a "widget Blog" post is not.
WEAK_WRAPPER_TEXT_SHARE = 0.25
# ... but not a footer (the <footer> element, or "footer" in its class or id): it closes the page or a part
# of it and never wraps the article; one holding a quarter of the page's own text is a carousel of
# testimonials or a long blurb about the site after the article. Like a strong word, it is a wrapper only
# at WRAPPER_TEXT_SHARE.
FOOTER_TAGS = frozenset({"footer"})
FOOTER_TOKENS = frozenset({"footer"})
# A smaller weak match with at least this much text of its own, nearly none of it in links, may be body
# wrapped by a page builder ("elementor-widget", "ck-widget", "product-widget" reviews): its blocks are left
# out of choosing the body and kept when they lie inside the body chosen.
MIN_DEFERRED_PROSE_CHARS = 200
# ... when its weak words name only a layout piece, not a kind of clutter: captions, credits, bylines and
# sidebars carry prose too, but not the article's.
LAYOUT_TOKENS = frozenset({"widget", "widgets", "header"})
# An <aside> is no wrapper at any share when a sibling (outside the page's furniture) is or holds
# the headline or the article's own element: HTML defines <aside> as content tangentially related to the
# content around it, so there the article is beside it, not in it (a sidebar's long "about us" box beside
# a short news item). One that itself holds the headline or an <article>/<main> may still wrap the article.
TANGENTIAL_TAGS = frozenset({"aside"})
ARTICLE_MARK_TAGS = frozenset({"h1", "article", "main"})
ARTICLE_MARK_SELECTOR = ", ".join(sorted(ARTICLE_MARK_TAGS))

# A hidden element (hidden attribute, aria-hidden, display:none) is skipped unless it holds at least this
# much text, nearly none of it in links: React/Next.js stream the article into hidden chunks that script
# moves into place, some sites reveal a paywalled body by script; hidden menus and modals are linked or short.
MIN_HIDDEN_PROSE_CHARS = 300
# ... but hidden preformatted text is never that article: a <pre> kept out of sight is a raw copy of the
# page (its Markdown source for machine readers, a data dump), which would stand beside the article as a
# second, differently marked-up copy. Streamed and paywalled bodies come as elements of paragraphs.
HIDDEN_RAW_TEXT_TAGS = frozenset({"pre"})

# An element with a strong clutter word ("social-embed") whose text lies at least this much inside
# <blockquote> elements is an embedded post, quoted text of the article: kept.
MIN_QUOTATION_SHARE = 0.9

# Prose: a block with at least this many characters outside links counts as body text when scoring.
# Shorter blocks are datelines, buttons, labels and menu entries (Readability uses 25 for <p>).
MIN_PROSE_CHARS = 40

# Above this share of link text a block or container is navigation or a headline list, not prose.
MAX_PROSE_LINK_DENSITY = 0.35
MAX_CONTAINER_LINK_DENSITY = 0.5

# Short or link-heavy blocks pull a candidate's score down by this much per character, so a container
# that adds only menus and headline lists to the body loses against the body itself.
JUNK_WEIGHT = 0.6
LINK_WEIGHT = 1.2
# ... but no single block costs more than this: junk is many small blocks (menus, headline lists), while
# one long paragraph full of inline links (hover cards repeating names) is still body.
MAX_BLOCK_PENALTY = 80.0
# ... and no child container costs its parent more than this: a list of fifty links inside the body, or
# a sidebar beside it, is one piece of junk, not fifty.
MAX_CHILD_PENALTY = 150.0

# A block this link-dense is dropped from the body unless it has this much text of its own.
MIN_OWN_CHARS_OF_LINKED_BLOCK = 80

# A container link-dense enough to drop must hold at least this much text: a lone linked phrase inside a
# body paragraph's own <div> is judged by the paragraph rule instead.
MIN_CONTAINER_CHARS = 60
# ... counted in letters of an alphabet: Chinese, Japanese and Korean write a word in one to three characters
# where Latin scripts take five to ten, so a character of theirs carries about as much as WIDE_CHAR_WEIGHT
# letters ("相关阅读" is "Related reading"), and a box of two linked CJK headlines holds some 40 characters.
# On a body at least MIN_WIDE_SCRIPT_SHARE of whose characters are of those scripts (containers.py), the
# bound is divided by that weight.
WIDE_CHAR_WEIGHT = 2.5
MIN_WIDE_SCRIPT_SHARE = 0.5
# Kana, CJK ideographs (and their extension A and compatibility forms), Hangul syllables.
WIDE_SCRIPT_CHARS = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
# ... and it must be (nearly) all links and labels: a <main> holding the body and a long related list
# is link-dense on the whole, but a fifth of its text is prose.
MAX_PROSE_SHARE_OF_LINK_LIST = 0.2
# A link-dense container holding an unlinked line at least this long that ends in ":" is a section of the
# article announcing its list of links ("Many patches were sent for review:"); a rail's labels ("See also:",
# "Related articles:", "Tags:") are shorter.
MIN_LIST_ANNOUNCEMENT_CHARS = 25

# Running text: a block ending in one of these, or at least this long without one. Headlines and labels
# ("AUTO NEWS", "Jane Doe") are short and end without punctuation.
SENTENCE_ENDINGS = (".", "!", "?", "…", ":", ";", '"', "”", "’", "»", "。", "！", "？", "؟", "۔", ")")
MIN_UNPUNCTUATED_SENTENCE_CHARS = 150
# The ends of a sentence that is a statement, exclamation or question: a link-dense paragraph ending so, with
# MIN_PROSE_CHARS of its own words, is a sentence naming many things by their links, not a list of links
# (which ends with its last link, or ":" announcing it).
FULL_STOPS = (".", "!", "?", "…", "。", "！", "？", "؟", "۔")
ELLIPSES = ("...", "…", "[…]", "[...]", "(...)")

# A container inside the body with at least this many blocks and no running text at all, not being a
# list or table, is a rail of headlines, labels and names ("Recent articles" cards), when some of its text
# is linked (a rail's headlines lead to their stories; unlinked short lines are data: body.py).
MIN_RAIL_BLOCKS = 4
# But a box of at least this many short paragraphs side by side, no card or heading among them, holds lines
# of data (a class schedule, opening hours): a byline or meta box has three or four lines.
MIN_DATA_LINES = 6

# The page root (<body>) is chosen as the body only when the best container below it is one paragraph
# holding less than this share of the prose: a bare fragment of paragraphs, not a page with an article.
MIN_BODY_PROSE_SHARE = 0.5

# A headline (or a part of "<title> - Site name") shorter than this is a site name or a section label, not
# a headline; body text equal to it is not dropped as "the repeated title".
MIN_HEADLINE_CHARS = 20

# Image captions and credits are not the story (both datasets label them outside the body: +0.3 points
# F1 on scrapinghub when dropped), unless they are most of it: a photo gallery whose captions tell it.
# They are dropped when they hold less than this share of the body's prose.
MAX_CAPTION_SHARE_TO_DROP = 0.5

# Inside the best container, the innermost one holding at least this share of its prose is the body: what
# the wrapper adds beyond it (a side column of notices, a byline box) is not article.
NARROW_PROSE_SHARE = 0.9

# An intro between the headline and a body wrapped apart from it (widen.py) is a standfirst or lede: at
# most this share of the body's prose. More prose there than that is another piece, not the article's intro.
MAX_INTRO_SHARE = 0.5

# Teaser cards: a container with one headline-sized link (at least this many characters, so "Read more"
# is not one) and a few blocks more (summary, date, "Read more"), with at least MIN_TEASER_CARDS siblings
# alike. A section front or a "More stories" grid, even when the summaries read like prose.
MIN_HEADLINE_LINK_CHARS = 20
MAX_TEASER_CARD_BLOCKS = 4
# ... and a summary of at most this much prose: a listicle's linked item heading comes with paragraphs.
MAX_TEASER_SUMMARY_CHARS = 150
MIN_TEASER_CARDS = 3
# When teaser cards hold more than this share of the page's prose, the page is a listing (a section
# front): an empty body is the right answer, and the fallback is not asked for a second opinion.
MIN_LISTING_PROSE_SHARE = 0.5

# An author bio box after the body opens with the author's name ("Jane Doe covers climate from Lima.
# More about Jane Doe"); a closing paragraph that long or shorter, opening with the byline's name, is one.
MAX_AUTHOR_BIO_CHARS = 400
# A line shorter than prose that names the page's author with at most this many other words ("Por", "By",
# "Text:", "Reportagem de") is its byline; and one that writes the page's date with at most this many words
# ("Publicado em", "de setembro de", "Updated", "p.m. ET") is its date line. An article's header holds them
# beside the lede, after the first prose, where the lead-in rule does not reach (bylines.py).
MAX_BYLINE_EXTRA_WORDS = 2
MAX_DATE_LINE_WORDS = 4
# Fine print (<small>, <font size="1">) that carries a copyright mark is the site's legal line ("© 2009 Jane
# Doe. Best viewed in ..."), on pages with no <footer> element. A copyright line in body type is kept: both
# datasets label a wire service's "© 2019 Associated Press. All rights reserved." as part of the article.
FINE_PRINT_TAGS = frozenset({"small", "font"})
FINE_PRINT_FONT_SIZES = frozenset({"1", "-1", "-2", "-3"})
MAX_FINE_PRINT_CHARS = 300
COPYRIGHT_LINE_RE = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b|\ball rights reserved\b", re.IGNORECASE)

# A repeated block this long is a repeated standfirst or headline: only its last copy stays.
MIN_DUPLICATE_CHARS = 30
# But a parent whose own blocks repeat at least this many distinct such lines is repeating a pattern (a meal
# plan's timings and dishes under each menu, a schedule): each copy is the article's, kept. One repeated
# line among the paragraphs is a standfirst set again (an italic copy above the body): still dropped.
MIN_OWN_REPEATED_LINES = 2
# A line the body holds at least this many times, each copy followed by a text of its own, is the article's
# own pattern (the question put to each interviewee, each followed by an answer): a standfirst is set twice
# at most, and a block or body printed again (a copy per screen size) is followed alike each time.
MIN_PATTERN_COPIES = 3
# A block up to this long whose words all appear inside a longer body block is a pull quote: dropped.
MAX_PULL_QUOTE_CHARS = 300
# Characters scanned looking for pull quotes (short blocks x all the text) up to which the plain scan is
# used: C's str.count is the fastest answer on ordinary pages (about 1 ms less per page than building a
# word index), but grows with the square of the text, so a page of megabytes of short paragraphs is
# answered by the word index instead (2 MB: 52 s by the scan, 1 s by the index).
PULL_QUOTE_SCAN_BUDGET = 50_000_000

# Below this many characters of own text, the own result is "clearly unreliable" and the fallback
# (trafilatura) is asked; above it, the fallback's cost is not worth paying.
FALLBACK_BELOW_CHARS = 200
# ... on pages with at least this much visible text: below it (a login page, an error page) there is no
# article the own extractor could have missed, and the fallback would pass off forms as one.
FALLBACK_MIN_PAGE_CHARS = 800
# ... and its answer is taken only when it has this many times the words, plus this many more: a page that
# is short by nature (a brief, a caption gallery) keeps the own result and layout.
FALLBACK_GAIN = 1.5
FALLBACK_MIN_EXTRA_WORDS = 30
# ... and it is never asked about pages larger than this: trafilatura (lxml plus Python passes) takes
# seconds on multi-megabyte pages, the own extractor stays linear. Article pages are far smaller.
FALLBACK_MAX_HTML_CHARS = 3_000_000

# ---------------------------------------------------------------- wrong-body guards (evidence.py)

# Notices beside the article: disclaimers, affiliate and sponsorship notices, cookie and consent notices,
# legal lines. On short articles (a service page, a brief) such a box beside the article can hold more prose
# than the article itself and win the choice; its blocks count against a container instead (as junk), so the
# strongest prose container that is not a notice is chosen. Phrases a notice is made of, in several
# languages; matched in lower case anywhere in a block. Each is a formula of the genre, not of a site: a
# sentence of an article about the same things ("the company was not liable for ...", "cookies and cakes")
# does not use them.
_NOTICE_PHRASES = (
    # disclaimers: information only, not advice, no liability
    r"for (?:general )?informational purposes only",
    r"(?:is|are) not intended (?:to|as) (?:replace|be a substitute|constitute|provide)",
    r"(?:does|do|shall|should) not constitute (?:legal|financial|medical|investment|tax|professional) advice",
    r"(?:cannot|can not|shall not|will not|may not) be held (?:liable|responsible)",
    r"consult (?:a|an|your) (?:qualified |licensed |professional )?"
    r"(?:advis[eo]r|professional|physician|doctor|attorney|lawyer)",
    r"all rights reserved",
    r"alle rechte vorbehalten",
    r"tous droits réservés",
    r"todos (?:los|os) derechos reservados|todos os direitos reservados",
    r"tutti i diritti riservati",
    r"(?:dient|dienen) (?:nur|ausschließlich|lediglich) (?:der information|zu informationszwecken)",
    r"à titre (?:purement )?(?:informatif|indicatif)",
    r"fines (?:meramente |puramente |exclusivamente )?informativos",
    r"a (?:scopo|titolo) (?:puramente |esclusivamente )?informativo",
    # affiliate links and sponsorship
    r"affiliate (?:links?|commissions?|partners?|programs?)",
    r"(?:we|i) (?:may )?(?:earn|receive|get) (?:a )?(?:small )?(?:commission|compensation)",
    r"qualifying purchases",
    r"sponsored (?:by|content|post)|paid (?:partnership|promotion)",
    r"affiliate-links?|provisions-links?|werbelinks?",
    r"liens? (?:d'affiliation|d’affiliation|affiliés|sponsorisés)",
    r"enlaces? (?:de )?afiliados?|links? (?:de )?afiliados?",
    r"link (?:di )?affiliazione|link affiliati",
    # cookies and consent
    r"(?:we|this (?:site|website)|our (?:site|website)) uses? cookies",
    r"by (?:continuing to (?:browse|use)|using) (?:this|our) (?:site|website)",
    r"(?:wir verwenden|diese (?:website|seite) (?:verwendet|nutzt)) cookies",
    r"(?:nous utilisons|ce site utilise) (?:des )?cookies",
    r"(?:utilizamos|usamos|este sitio (?:web )?utiliza|este site (?:utiliza|usa)) (?:las |os )?cookies",
    r"(?:utilizziamo|questo sito utilizza) (?:i )?cookie",
)
NOTICE_RE = re.compile(r"\b(?:" + "|".join(_NOTICE_PHRASES) + r")\b")
# Every phrase above holds one of these: a block holding none (nearly all of them) is passed by plain
# substring tests, without running the regular expression (its many alternatives cost 3 ms a page).
NOTICE_KEYS = (
    "reserv", "réserv", "riservat", "vorbehalten", "affili", "afilia", "cookie", "purposes only",
    "informationszweck", "der information", "informatif", "informativ", "indicatif",
    "liable", "responsib", "consult", "commission", "compensation", "qualifying", "sponsor", "paid ",
    "provisions-link", "werbelink", "continuing", "by using", "intended", "constitut",
)  # fmt: skip
# Only blocks up to this long are tested: a notice is a paragraph or two of fine print, and a long
# article paragraph that mentions one of these phrases in passing is still article.
MAX_NOTICE_CHARS = 1500
# A box (the nearest container around a block holding more than that block) whose text is at least this
# share notice paragraphs is a notice as a whole: a cookie notice's second paragraph ("Some are essential
# for the site to work ...") says the rest of it without a formula. An article's one closing affiliate line
# is a small share of the article's box.
MIN_NOTICE_BOX_SHARE = 0.5
# A body chosen with more prose than this is not tested for notices: a long article wins the choice on its
# own prose, whatever box of fine print sits beside it. Below it the test also finds a notice inside the
# chosen wrapper (a site's "about" blurb with its rights line under a mid-length article), which choosing
# again leaves out. Testing every page's text for the formulas cost 2 ms a page; with this limit, 0.6 ms.
MAX_NOTICE_BOX_CHARS = 10_000

# React's streamed server rendering: a slow part of the page is sent at the end of <body> in a hidden
# <div id="S:n">, with a <template id="P:n"> where it belongs (streamed.py moves it there, as its script
# does).
STREAMED_PART_PREFIX = "S:"
STREAMED_PLACEHOLDER_PREFIX = "P:"
# ... at most this many parts are moved (each move searches the tree twice): an article streams in a few
# dozen (wcxb-dev and its other pages: up to 52), a hostile page could send thousands; the rest stay put.
MAX_STREAMED_PARTS = 100
