"""The article extractor: HTML in, a Document (clean body text and metadata) out.

A pure function, written as named stages in the manner of Readability.js::

    decode → guard → parse → read metadata → collect blocks (clutter skipped) → find body
           → clean body → serialise → (fallback when the result is nearly empty)

Rules are data in rules.py (the body's) and metadata/rules.py; nothing here names a site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..charset import decode_html, looks_binary
from ..errors import ExtractionError
from ..models import Document
from . import rules
from .blocks import collect_blocks, visible_chars
from .body import BodyText, clean_body, find_body, headline_keys, serialise
from .fallback import fallback_text
from .guard import check_input
from .metadata import Metadata, extract_metadata

__all__ = ["extract"]


def _decode(html: str | bytes) -> str:
    """Text of the page; "" for bytes of a binary format (a PDF or image served as HTML)."""
    if isinstance(html, bytes):
        return "" if looks_binary(html) else decode_html(html).text
    return html


def _parse(html: str) -> LexborHTMLParser:
    try:
        return LexborHTMLParser(html)
    except Exception as exc:  # selectolax raises plain errors for inputs it cannot take
        raise ExtractionError(f"the HTML parser refused the page: {exc}") from exc


def _body_text(tree: LexborHTMLParser, meta: Metadata) -> BodyText:
    root = tree.body or tree.root
    if root is None:
        return BodyText((), 0)
    # Code and styles go first, in C: node.text() then measures what a reader sees (clutter vs wrapper).
    tree.strip_tags(list(rules.CODE_TAGS))
    page_chars = visible_chars(root)
    blocks = collect_blocks(root, page_chars)
    return clean_body(find_body(blocks), headline_keys(meta.title, blocks), page_chars, meta.author)


def _unreliable(body: BodyText, page: str) -> bool:
    """Nearly no prose found, on a page with text enough for an article, not a list of teasers, and small
    enough to ask again."""
    return (
        body.prose_chars < rules.FALLBACK_BELOW_CHARS
        and body.page_chars >= rules.FALLBACK_MIN_PAGE_CHARS
        and not body.listing
        and len(page) <= rules.FALLBACK_MAX_HTML_CHARS
    )


def _clearly_more(second: str, own: str) -> bool:
    """The second opinion replaces the own text only when it finds much more: otherwise the two mostly
    agree and the own layout (blank lines between paragraphs) is kept."""
    own_words = len(own.split())
    return len(second.split()) > rules.FALLBACK_GAIN * own_words + rules.FALLBACK_MIN_EXTRA_WORDS


def _hostname(url: str | None) -> str | None:
    """The URL's host, or None: a malformed URL ("http://[::1") still names the page, it has no host."""
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:  # urllib's refusal of a malformed host: not a reason to refuse the page
        return None


def _document(url: str | None, meta: Metadata, text: str) -> Document:
    return Document(
        url=url,
        canonical_url=meta.canonical_url,
        title=meta.title,
        author=meta.author,
        date=meta.date,
        sitename=meta.sitename,
        hostname=meta.hostname or _hostname(url),
        language=meta.language,
        description=meta.description,
        text=text,
    )


def extract(html: str | bytes, url: str | None = None) -> Document:
    """The article of one page. Raises ExtractionError only for inputs refused as a whole."""
    page = check_input(_decode(html))
    if not page.strip():
        return Document(url=url, hostname=_hostname(url))
    tree = _parse(page)
    meta = extract_metadata(tree, url)
    body = _body_text(tree, meta)
    text = serialise(body.blocks)
    if _unreliable(body, page):
        second = fallback_text(page, url)
        if _clearly_more(second, text):
            text = second
    return _document(url, meta, text)
