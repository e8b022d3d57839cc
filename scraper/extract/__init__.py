"""The article extractor: HTML in, a Document (clean body text and metadata) out.

A pure function, written as named stages in the manner of Readability.js::

    decode → guard → parse → read metadata → count telling elements → streamed parts put in place
           → collect blocks (clutter skipped) → find body (notices count against a container)
           → widen body (intro) → clean body → its end checked against the JSON-LD articleBody
           → page type → serialise, and render as Markdown
           → (fallback when the result is nearly empty)

The Markdown is rendered when first read (`_Document`): most callers only want the text.

Rules are data in rules.py (the body's) and metadata/rules.py; nothing here names a site.
"""

from __future__ import annotations

import dataclasses
import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..charset import decode_html, looks_binary, printable
from ..errors import ExtractionError
from ..models import Document
from . import rules
from .blocks import Block, collect_blocks
from .body import BodyText, clean_body, find_body
from .declared import without_undeclared_tail
from .fallback import fallback_text
from .guard import check_tree, guard_input
from .markdown import render_markdown, serialise
from .measure import visible_chars
from .metadata import Metadata, extract_metadata
from .pagetype import classify_page, markup_counts, with_second_text
from .recorder import Recorder
from .repeats import headline_keys
from .streamed import place_streamed_parts
from .widen import widened

__all__ = ["extract"]

# The "user:password@" of a URL (the last "@" before the path). Dropped, so that a page's canonical link,
# or a URL handed in, never carries credentials into a Document, the store or an export. (`scraper.urls`
# refuses such URLs; the extractor does not import it, see docs/architecture.md.)
_USERINFO_RE = re.compile(r"^(\s*[a-z][a-z0-9+.-]*:[/\\]*)[^/?#\\]*@", re.IGNORECASE)


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


def _body_text(
    tree: LexborHTMLParser, meta: Metadata, recorder: Recorder | None = None, unseen_chars: int = 0
) -> tuple[list[Block], BodyText]:
    """All the page's blocks, and the body among them. `unseen_chars` of the page's text no reader sees
    (closed dialogs: MarkupCounts) do not count in the page's size that tells a wrapper from clutter."""
    root = tree.body or tree.root
    if root is None:
        return [], BodyText((), 0)
    place_streamed_parts(tree)  # before <template> goes: its placeholders say where the parts belong
    # Code and styles go first, in C: node.text() then measures what a reader sees (clutter vs wrapper).
    tree.strip_tags(list(rules.CODE_TAGS))
    page_chars = max(visible_chars(root) - unseen_chars, 0)
    blocks = collect_blocks(root, page_chars, recorder)
    choice = widened(find_body(blocks, recorder), blocks, meta.description, meta.author)
    body = clean_body(choice, headline_keys(meta.title, blocks), page_chars, meta.author, recorder, meta.date)
    body = without_undeclared_tail(body, meta.article_body, recorder)
    if recorder is not None:
        recorder.finished(root, blocks, choice, body)
    return blocks, body


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


def _printable_field(value: str | None) -> str | None:
    """`value` without control characters (but tab and newline); None when nothing is left."""
    if value is None:
        return None
    return printable(value) or None


def _url(value: str | None) -> str | None:
    """A URL for the Document: printable, and without ``user:password@``."""
    if value is None:
        return None
    shown = printable(value)
    return _USERINFO_RE.sub(r"\1", shown, count=1) if "@" in shown else shown


def _link_base(tree: LexborHTMLParser, url: str | None, body: BodyText) -> str | None:
    """What the body's links are relative to: the page's <base href>, else its URL. Looked up only when
    a kept block holds a link."""
    if not any(block.markup.anchors for block in body.blocks):
        return url
    head = tree.head  # a <base> counts only in <head>: no search of the whole page
    base = head.css_first("base[href]") if head is not None else None
    href = base.attributes.get("href") if base is not None else None
    if not href:
        return url
    try:
        return urljoin(url or "", href.strip())
    except ValueError:  # a malformed <base>: the page's own URL
        return url


def _document(
    url: str | None, meta: Metadata, text: str, page_type: str, markdown: str | Callable[[], str] = ""
) -> Document:
    """The Document, every field printable: the one place all outputs (get, extract, the store, export)
    take their text from. Markdown given as a function is rendered when first read (`_Document`)."""
    document = (Document if isinstance(markdown, str) else _Document)(
        url=_url(url),
        canonical_url=_url(meta.canonical_url),
        title=_printable_field(meta.title),
        author=_printable_field(meta.author),
        date=_printable_field(meta.date),
        sitename=_printable_field(meta.sitename),
        hostname=_printable_field(meta.hostname or _hostname(url)),
        language=_printable_field(meta.language),
        description=_printable_field(meta.description),
        text=_printable_field(text) or "",
        page_type=page_type,
        markdown=printable(markdown) if isinstance(markdown, str) else "",
    )
    if not isinstance(markdown, str):
        object.__setattr__(document, "_render", lambda: printable(markdown()))
    return document


_STORED_MARKDOWN = Document.__dict__["markdown"]  # the slot of Document that holds the Markdown


class _Document(Document):
    """A Document whose Markdown is rendered when first read, then kept: most callers (text output, the
    speed bench) never read it, and rendering was a twentieth of a page's extraction.

    Otherwise a Document in every way: equal to one with the same fields (either side of ==), hashed,
    shown, copied and replaced alike, and pickled as a plain Document with its Markdown (process pools).
    """

    __slots__ = ("_render",)
    _render: Callable[[], str] | None  # what renders the Markdown; None once it is rendered

    @property
    def markdown(self) -> str:
        render = self._render
        if render is not None:
            object.__setattr__(self, "markdown", render())  # the setter below (Document is frozen)
        stored: str = _STORED_MARKDOWN.__get__(self, Document)
        return stored

    @markdown.setter
    def markdown(self, value: str) -> None:  # Document's __init__ and the first read above
        _STORED_MARKDOWN.__set__(self, value)
        object.__setattr__(self, "_render", None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return _field_values(self) == _field_values(other)

    __hash__ = Document.__hash__

    def __repr__(self) -> str:
        return repr(Document(*_field_values(self)))

    def __reduce__(self) -> tuple[type[Document], tuple[Any, ...]]:
        return Document, _field_values(self)


def _field_values(document: Document) -> tuple[Any, ...]:
    """Document's fields in order, the Markdown rendered (read through its property on a _Document)."""
    return tuple(getattr(document, field.name) for field in dataclasses.fields(Document))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off for one page, then put back as it was.

    A page allocates tens of thousands of small objects (text parts, blocks, tuples), none of them in a
    cycle (the tree lives in Lexbor's C memory), so the collections they trigger find nothing and cost a
    sixth of the page's time. Reference counting still frees them at once; a cycle made meanwhile waits
    for the next collection. Restored only when it was on, so a caller that turned it off keeps it off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def extract(html: str | bytes, url: str | None = None) -> Document:
    """The article of one page. Raises ExtractionError only for inputs refused as a whole."""
    with _collector_paused():
        return extract_recorded(html, url, None)


def extract_recorded(html: str | bytes, url: str | None, recorder: Recorder | None) -> Document:
    """`extract`, telling `recorder` why each block was skipped or dropped (explain.py's way in)."""
    guarded = guard_input(_decode(html))
    page = guarded.html
    if not page or page.isspace():  # strip() would copy the page to say the same
        return Document(url=_url(url), hostname=_hostname(url))
    tree = _parse(page)
    check_tree(tree, guarded)  # before any walk: what the parse built, measured in C
    meta = extract_metadata(tree, url)
    counts = markup_counts(tree)
    blocks, body = _body_text(tree, meta, recorder, counts.closed_dialog_chars)
    page_type = classify_page(meta, body, counts, blocks, url)
    text = serialise(body.blocks)
    # The same blocks as Markdown, links kept (render.py strips them unless asked for), when first read.
    base = _link_base(tree, url, body)

    def markdown_of_blocks() -> str:
        return render_markdown(body.blocks, base)

    markdown: str | Callable[[], str] = markdown_of_blocks
    if _unreliable(body, page):
        second = fallback_text(page, url)
        if _clearly_more(second, text):
            text, markdown = second, ""  # the own blocks would not match the text: no Markdown of them
            page_type = with_second_text(page_type, meta, url, text)
            if recorder is not None:
                recorder.replaced()
    return _document(url, meta, text, page_type, markdown)
