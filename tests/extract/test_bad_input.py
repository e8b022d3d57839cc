"""Bad input: every case returns a Document (empty text where there is nothing) or raises ExtractionError,
within a bounded time (pytest-timeout markers, no timing assertions).

Also the input guard itself: size limit, nesting refused, attributes capped (the hostile shapes are in
tests/extract/test_parser_guard.py).
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.errors import ExtractionError
from scraper.extract import extract
from scraper.extract.guard import (
    MAX_ATTRIBUTES,
    MAX_DEPTH,
    MAX_HTML_CHARS,
    PRECISE_ABOVE_TAGS,
    guard_input,
)
from scraper.models import Document

PARAGRAPH = (
    "<p>The council met on Tuesday to discuss the new bridge, which has been delayed twice since the "
    "first plans were drawn up, and agreed to publish the engineers' report next month.</p>\n"
)
ARTICLE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Bridge delayed | Town News</title>"
    "</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article><h1>Bridge delayed</h1>"
    f"{PARAGRAPH * 6}</article><footer>© Town News</footer></body></html>"
)


def extract_or_refuse(html: str | bytes) -> Document | None:
    """The contract under test: a Document, or ExtractionError (None here); anything else fails."""
    try:
        document = extract(html, url="https://example.org/page")
    except ExtractionError:
        return None
    assert isinstance(document, Document)
    assert isinstance(document.text, str)
    return document


def must_extract(html: str | bytes) -> Document:
    """For inputs the extractor must take: a refusal fails the test, naming the reason given."""
    try:
        return extract(html, url="https://example.org/page")
    except ExtractionError as exc:
        pytest.fail(f"refused an input it must take: {exc}")


def tree_depth(html: str) -> int:
    """Deepest element nesting, walked without recursion."""
    root = LexborHTMLParser(html).root
    deepest = 0
    stack: list[tuple[LexborNode, int]] = [(root, 1)] if root is not None else []
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        child = node.child
        while child is not None:
            if child.tag != "-text":
                stack.append((child, depth + 1))
            child = child.next
    return deepest


# --- the extractor's contract ---------------------------------------------------------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "html", ["", " \n\t ", b"", b"   \r\n", "\u3000\xa0\u2028\u2003 \n", b"\xe3\x80\x80 \xc2\xa0"]
)
def test_empty_and_whitespace_give_an_empty_document(html: str | bytes) -> None:
    # Any Unicode white space (the ideographic space, no-break space, line separator) is nothing too.
    assert extract_or_refuse(html) == Document(url="https://example.org/page", hostname="example.org")


@pytest.mark.timeout(30)
def test_text_between_white_space_is_not_a_blank_page() -> None:
    document = must_extract("\u3000 Just a line of text, no markup at all.\nAnd a second line.\xa0\n")
    assert document.text == "Just a line of text, no markup at all. And a second line."


@pytest.mark.timeout(30)
def test_plain_text_is_read_as_one_paragraph() -> None:
    document = must_extract("Just a line of text, no markup at all.\nAnd a second line.")
    assert document.text == "Just a line of text, no markup at all. And a second line."


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        + bytes(range(256)) * 40,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 40,
    ],
)
def test_binary_served_as_html_gives_no_text(data: bytes) -> None:
    """Not refused: a PDF or image served as HTML is a page without text."""
    document = must_extract(data)
    assert document.text == ""
    assert document.hostname == "example.org"


@pytest.mark.timeout(30)
def test_invalid_utf8_and_nul_bytes() -> None:
    broken = ARTICLE.encode().replace(b"council", b"c\xffo\xc3u\x00ncil").replace(b"bridge", b"br\x00idge")
    document = must_extract(broken)
    assert "\x00" not in document.text
    assert "engineers' report" in document.text


@pytest.mark.timeout(60)
def test_a_20_mb_page() -> None:
    """The guard's documented promise: a 20 MB page passes (its limit, MAX_HTML_CHARS, is 32 Mi characters).

    The copies of one paragraph come out once (a repeated block keeps only its last copy); distinct
    paragraphs would test the body rules' speed, not the guard.
    """
    repeats = 20_000_000 // len(PARAGRAPH)
    html = ARTICLE.replace("</article>", PARAGRAPH * repeats + "</article>")
    assert 20_000_000 <= len(html) <= MAX_HTML_CHARS
    document = must_extract(html)
    assert document.text == PARAGRAPH.removeprefix("<p>").removesuffix("</p>\n")


@pytest.mark.timeout(30)
@pytest.mark.parametrize("tag", ["div", "span", "ul"])
def test_100_000_levels_of_nesting_are_refused(tag: str) -> None:
    """Refused, naming the limit (issue 10: a page over budget is refused; it was flattened before)."""
    html = f"<html><body>{f'<{tag}>' * 100_000}{PARAGRAPH}{f'</{tag}>' * 100_000}</body></html>"
    with pytest.raises(ExtractionError, match=f"nesting depth .*limit of {MAX_DEPTH:,}"):
        extract(html)


@pytest.mark.timeout(30)
def test_100_000_tables_in_tables_are_not_deep() -> None:
    """A <table> directly in a table ends that table: 100,000 of them nest no deeper than one."""
    html = (
        f"<html><body>{'<table>' * 100_000}<tr><td>{PARAGRAPH}</td></tr>{'</table>' * 100_000}</body></html>"
    )
    assert "engineers' report next month." in must_extract(html).text


@pytest.mark.timeout(30)
def test_100_000_unclosed_block_tags_are_refused() -> None:
    with pytest.raises(ExtractionError, match="nesting depth"):
        extract("<html><body>" + "<div class='item'><a href='/x'>link</a> text" * 100_000)


@pytest.mark.timeout(30)
def test_10_000_attributes_on_one_element() -> None:
    """Capped by the guard, not refused: the article inside the element is extracted."""
    attributes = " ".join(f'data-a{i}="{i}"' for i in range(10_000))
    document = must_extract(ARTICLE.replace("<article>", f"<article {attributes}>"))
    assert "engineers' report next month." in document.text


@pytest.mark.timeout(30)
def test_oversized_input_is_refused_with_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        extract("<p>" + "x" * MAX_HTML_CHARS + "</p>")


def mutate(html: str, rng: random.Random) -> str:
    """Cut, duplicate, swap and inject slices: the damage real pages show (truncation, bad joins)."""
    text = html
    for _ in range(rng.randint(1, 8)):
        start = rng.randrange(len(text) + 1)
        end = min(len(text), start + rng.randint(0, 200))
        action = rng.randrange(5)
        if action == 0:
            text = text[:start] + text[end:]
        elif action == 1:
            text = text[:end] + text[start:end] * rng.randint(1, 50) + text[end:]
        elif action == 2:
            text = (
                text[:start]
                + rng.choice(["<", ">", '"', "<!--", "</", "<script>", "&#", "\x00", "<svg>"])
                + text[start:]
            )
        elif action == 3:
            text = text[: rng.randrange(len(text) + 1)]
        else:
            middle = rng.randrange(len(text) + 1)
            text = text[middle:] + text[:middle]
    return text


HTML_PIECES = st.sampled_from(
    [
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<a href='x'>",
        "</a>",
        "<table>",
        "<tr>",
        "<td>",
        "<li>",
        "<ul>",
        "<script>",
        "</script>",
        "<style>",
        "<!--",
        "-->",
        "<h1>",
        "</h1>",
        "<br>",
        "<img src=x>",
        "<title>",
        "<meta charset='utf-16'>",
        '<script type="application/ld+json">{"@type":"Article",',
        "<svg><g>",
        "<math>",
        "<template>",
        "<select><option>",
        "&amp;",
        "&#0;",
        "\x00",
        "\ufeff",
        "word ",
        "By Jane Doe",
        "March 5, 2024",
        "<time datetime='2024-13-45'>",
        "<link rel='canonical' href='http://[::1'>",
        "<meta property='og:url' content='//[zz]/2024/03/05/'>",
        "\ud7ff",
        "<",
        ">",
        '"',
        "'",
        "=",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(HTML_PIECES, max_size=120))
def test_random_html_never_raises_anything_else(pieces: list[str]) -> None:
    extract_or_refuse("".join(pieces))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_mutated_html_never_raises_anything_else(seed: int) -> None:
    rng = random.Random(seed)
    mutated = mutate(ARTICLE, rng)
    extract_or_refuse(mutated)
    extract_or_refuse(mutated.encode("utf-8", "surrogatepass"))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=4096))
def test_random_bytes_never_raise_anything_else(data: bytes) -> None:
    extract_or_refuse(data)


# --- any url ---------------------------------------------------------------------------------------------

# URLs urllib refuses with a bare ValueError (a broken IPv6 host, a host that changes under NFKC
# normalisation, a bracketed host that is no address): the page is still extracted, with no hostname.
MALFORMED_URLS = [
    "http://[::1",
    "//[",
    "http://[zz]/2024/03/05/story",
    "https://news.example\uff0forg/story",
    "http://a\uff03b/",
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_a_malformed_url_still_gives_the_article(url: str) -> None:
    document = extract(ARTICLE, url=url)
    assert "engineers' report" in document.text
    assert document.url == url
    assert document.hostname is None


URL_PIECES = st.sampled_from(
    ["http://", "https://", "//", "ftp://", "[", "]", "::1", "[::1]", "[zz]", ":", ":99999", "@", "user:pw@",
     "news.example.org", "xn--", "\uff03", "\uff0f", "\u2100", "/", "/2024/03/05/", "/20240305/", "?q=1",
     "#frag", "%", "%zz", " ", "\x00", "\ud800", "\n"]
)  # fmt: skip
URLS = st.one_of(st.none(), st.text(max_size=80), st.lists(URL_PIECES, max_size=12).map("".join))
PAGES = st.one_of(
    st.binary(max_size=2048),
    st.text(max_size=2048),
    st.lists(HTML_PIECES, max_size=80).map("".join),
    st.just(ARTICLE),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=PAGES, url=URLS)
def test_any_page_at_any_url_gives_a_document_or_extraction_error(html: str | bytes, url: str | None) -> None:
    try:
        document = extract(html, url=url)
    except ExtractionError:
        return
    assert isinstance(document, Document)
    if url is None or "@" in url or re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", url):
        # A URL keeps its place, printable and without credentials (tests/hostile/test_credentials.py).
        assert (document.url is None) == (url is None)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", document.url or "")
    else:
        assert document.url == url


# --- the guard ------------------------------------------------------------------------------------------


def test_guard_leaves_ordinary_pages_untouched() -> None:
    assert guard_input(ARTICLE).html is ARTICLE


def test_guard_refuses_input_over_the_limit() -> None:
    with pytest.raises(ExtractionError, match="exceeds"):
        guard_input(" " * (MAX_HTML_CHARS + 1))


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 100_000 + "deep text" + "</div>" * 100_000,
        "<section class='a'>" * 20_000 + "deep text",
        "<ul><li>" * 50_000 + "deep text",
        "</div>" * 50_000 + "<div>" * 50_000 + "deep text",
    ],
)
def test_guard_refuses_deep_nesting(html: str) -> None:
    with pytest.raises(
        ExtractionError, match=f"before parsing: nesting depth {MAX_DEPTH + 1:,}, over the limit"
    ):
        guard_input(html)


def test_guard_keeps_nesting_just_under_the_limit() -> None:
    html = "<div>" * (MAX_DEPTH - 2) + "x" + "</div>" * (MAX_DEPTH - 2)
    assert tree_depth(guard_input(html).html) == tree_depth(html)


def test_guard_passes_a_large_shallow_page_unchanged() -> None:
    """Past PRECISE_ABOVE_TAGS the page is always followed tag by tag; closed elements add no depth."""
    html = "<div><p>x</p></div><ul><li>a<li>b</ul>" * PRECISE_ABOVE_TAGS
    assert guard_input(html).html is html


def test_guard_caps_attributes_per_element() -> None:
    attributes = " ".join(f'data-a{i}="{i}"' for i in range(10_000))
    guarded = guard_input(f"<html><body><div id=keep {attributes}>kept text</div></body></html>").html
    node = LexborHTMLParser(guarded).css_first("div")
    assert node is not None
    assert len(node.attributes) == MAX_ATTRIBUTES
    assert node.attributes["id"] == "keep"
    assert node.text() == "kept text"


def test_guard_does_not_count_tags_inside_scripts_and_comments() -> None:
    fake = "<div>" * (PRECISE_ABOVE_TAGS * 2)
    html = f"<html><body><script>var s = '{fake}';</script><!-- {fake} --><p>text</p></body></html>"
    guarded = guard_input(html).html
    assert fake in guarded  # script and comment kept as they were
