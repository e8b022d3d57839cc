"""The metadata's page walks compiled (extract/metadata/_cpage.pyx) against Lexbor's queries (_page.py): the
same elements of rules.PAGE_NODES_SELECTOR in the same order, the same answer to whether any element
bears one of rules.AUTHOR_MARKS, and the same first elements of each author and date selector, on the
golden pages, on edge cases and on generated trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from scraper._compiled import pure_python
from scraper.extract.metadata import _page, rules
from scraper.extract.pagetype_rules import LINK_SELECTOR, PAGE_TYPE_SELECTOR
from tests.extract.trees import elements

compiled = pytest.importorskip("scraper.extract.metadata._cpage") if not os.environ.get("CI") else None
if compiled is None:  # CI builds the extension: its absence there is a broken build, not a skip
    from scraper.extract.metadata import _cpage as compiled

# Bound as _page.py binds it, which it does not under SCRAPER_PURE_PYTHON (.ci/run's fallback pass).
compiled.bind(rules.PAGE_NODES_SELECTOR, rules.AUTHOR_MARKS, tuple(_page._QUERIES))

SNAPSHOTS = sorted((Path(__file__).resolve().parents[2] / "snapshots").glob("*/source.html"))


Found = tuple[list[int], bool, list[list[int]]]
# More than any reader takes (rules.MAX_DATE_ELEMENTS): the walk's order is compared past its first few.
LIMIT = 8


def _both(html: str) -> tuple[Found, Found]:
    """(elements, marked, each query's first elements) by Lexbor's queries and by the compiled walks,
    elements by their identity."""
    tree = LexborHTMLParser(html)
    root = tree.root
    assert root is not None
    by_lexbor = (
        [node.mem_id for node in tree.css(rules.PAGE_NODES_SELECTOR)],
        bool(tree.any_css_matches((rules.AUTHOR_MARKS,))),
        [[node.mem_id for node in tree.css(selector)[:LIMIT]] for selector in _page._QUERIES],
    )
    by_walk = (
        [node.mem_id for node in compiled.page_elements(root)],
        compiled.bears_marks(root),
        [
            [node.mem_id for node in compiled.first_matches(root, query, LIMIT)]
            for query in _page._QUERIES.values()
        ],
    )
    return by_lexbor, by_walk


def test_every_author_and_date_selector_and_the_page_type_and_link_query_is_a_query() -> None:
    assert set(_page._QUERIES) == {
        *rules.AUTHOR_SELECTORS,
        *rules.DATE_SELECTORS,
        PAGE_TYPE_SELECTOR,
        LINK_SELECTOR,
    }


@pytest.mark.parametrize("source", SNAPSHOTS[:5], ids=lambda path: path.parent.name)
def test_all_matches_are_lexbor_s_every_match(source: Path) -> None:
    tree = LexborHTMLParser(source.read_bytes().decode("utf-8", "replace"))
    found = [node.mem_id for node in _page.all_matches(tree, PAGE_TYPE_SELECTOR)]
    assert found == [node.mem_id for node in tree.css(PAGE_TYPE_SELECTOR)]


def test_the_page_s_elements_are_walked_compiled_when_built() -> None:
    # Python where the switch asks for it (the fallback pass of .ci/run), the compiled walk otherwise.
    assert _page._compiled is (None if pure_python() else compiled)


@pytest.mark.parametrize("source", SNAPSHOTS, ids=lambda path: path.parent.name)
def test_the_golden_pages_give_the_same_elements_and_marks(source: Path) -> None:
    by_lexbor, by_walk = _both(source.read_bytes().decode("utf-8", "replace"))
    assert by_lexbor[
        0
    ]  # each golden page has a <title> or <meta>: an empty list on both sides proves nothing
    assert by_walk == by_lexbor


DOCTYPE_LIMITED_QUIRKS = (  # class names are compared as in no-quirks mode
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
)
EDGE_CASES = {
    "values in other case, compared as Lexbor does per attribute": '<script type="APPLICATION/LD+JSON">{}'
    '</script><link rel="Canonical" href="/x"><a rel="AUTHOR">a</a><p itemprop="Author">b</p>',
    "marks in class names, any case": '<div class="x AUTHOR-box">a</div><p class="ByLine">b</p>',
    "each mark alone": '<p class="posted-BY">a</p><i class="xwritten-byx">b</i>',
    "a mark's letters apart or near": '<p class="auth or bylin e posted by written_by autho">a</p>',
    "only exact itemprop": '<span itemprop="authors">a</span><span itemprop=" author">b</span>',
    "itemprop author": '<span itemprop="author"><b itemprop="name">A</b></span>',
    "rel author": '<a rel="author" href="/a">A</a>',
    "non-ASCII letters that fold to ASCII ones elsewhere": '<p class="po\u017fted-by \u212aauthor">a</p>'
    '<script type="application/ld+j\u017fon">{}</script><a rel="\u0130author">b</a>',
    "character references in values": '<p class="&#65;uthor">a</p><link rel="&#99;anonical" href="/x">',
    "attributes without values": "<p class>a</p><meta content><link rel href><a rel>b</a><p itemprop>c</p>",
    "attributes of a page's own and long names": '<p data-a-very-long-attribute-name-indeed="author" '
    'data-author="x" itemprops="author" aria-describedby="byline">a</p>',
    "foreign content": '<svg><title>t</title><script type="APPLICATION/LD+JSON">{}</script><a rel="AUTHOR">'
    'a</a><a rel="author" class="Byline">b</a><link rel="canonical" xlink:href="/x"/></svg><math><mi '
    'class="AUTHOR" rel="Author">c</mi><mi itemprop="author">d</mi></math>',
    "templates hold no elements of the page": '<template><meta content="x"><p class="author">a</p><h1>h'
    "</h1></template><h2>x</h2>",
    "every element of the page selector": "<html><head><title>a</title><title>b</title><meta content=1>"
    '<meta name="x"><script type="application/ld+json">{}</script><script>x</script><link rel="canonical">'
    '<link rel="canonical" href="/c"></head><body><h1>h</h1><h2>s</h2><h3>t</h3><time>1</time><abbr>a'
    "</abbr></body></html>",
    "a bare document": "text before <p>and a paragraph</p> after",
    "no marks at all": "<div class='content'><p id='author'>x</p><p name='byline'>y</p></div>",
    "quirks and no-quirks alike": "<!doctype html><p class='AUTHOR'>a</p><a rel=AUTHOR>b</a>",
    "class words in any case, quirks mode": "<p class='BYLINE'><a>A</a></p><i class='Author-Name'>B</i>"
    "<time class='PUBLISHED' datetime='2024-01-02'>c</time><abbr class='Published' title='2024'>d</abbr>",
    "class words in any case, no-quirks mode": "<!DOCTYPE html><p class='BYLINE'><a>A</a></p>"
    "<i class='Author-Name'>B</i><time class='PUBLISHED' datetime='x'>c</time><i class='authorName'>e</i>",
    "class words in any case, limited-quirks mode": DOCTYPE_LIMITED_QUIRKS
    + '<p class="Byline">a</p><i class="author">b</i>',
    "class words apart": "<p class='\tbyline\n'>a</p><p class='x\x0cauthor\ry'>b</p>"
    "<p class='by\x0bline'>c</p><p class='byline\u00a0x'>d</p><p class='author-name-x'>e</p>",
    "descendants near and far": "<article><header><div><time datetime='1'>a</time></div></header></article>"
    "<main><section><time datetime='2'>b</time></section></main><div class='byline'><p><span><a>c</a></span>"
    "</p></div><div itemprop='author'><div itemprop='author'><b itemprop='name'>d</b></div></div>"
    "<b itemprop='name'>e</b>",
    "an element matched by several selectors of a list, once for each": "<time pubdate class='published "
    "entry-date post-date' datetime='1'>a</time><div class='byline author'><a class='author'>b</a></div>",
    "more matches than are taken": "".join(
        f"<time class='published' datetime='{n}'>{n}</time>" for n in range(12)
    ),
}


@pytest.mark.parametrize("html", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_give_the_same_elements_and_marks(html: str) -> None:
    by_lexbor, by_walk = _both(html)
    assert by_walk == by_lexbor


def test_deep_trees_are_walked_without_recursion() -> None:
    html = "<body>" + "<span>a" * 100_000 + "<h1 class='byline'>x</h1>" + "</span>" * 100_000 + "</body>"
    by_lexbor, by_walk = _both(html)
    assert by_walk == by_lexbor
    assert by_walk[1]
    assert by_walk[2] == by_lexbor[2]


TAGS = ["div", "p", "span", "a", "h1", "h2", "h3", "title", "meta", "link", "script", "time", "abbr"]
TAGS += ["template", "svg", "math", "mi", "g", "my-card", "article", "header", "main"]
NAMES = ["class", "rel", "type", "itemprop", "content", "href", "name", "data-author", "xlink:href", "title"]
NAMES += ["datetime", "pubdate"]
NAMES += ["data-a-name-longer-than-sixteen"]
VALUES = ["", "author", "Author", "AUTHOR", "x author-name", "byLine", "posted-by", "Written-By", "writtenby"]
VALUES += ["canonical", "Canonical", "application/ld+json", "Application/LD+JSON", "name", "po\u017fted-by"]
VALUES += ["&#97;uthor", "autho", "by line", "datePublished", "published", "Published x", "entry-date"]
VALUES += [
    "byline",
    "x\tByline",
    "author",
    "post-meta",
    "dt-published",
    "updated",
    "author_name",
    "authorName",
]
VALUES += ["2024-03-05"]
ATTRIBUTES = st.dictionaries(st.sampled_from(NAMES), st.sampled_from(VALUES), max_size=3)


def _element(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    return elements(TAGS, ATTRIBUTES, children)


NODES = st.recursive(
    st.one_of(st.sampled_from(["a", "By Jane", " ", "<!-- c -->", "<br>", "<meta content=x>"])),
    lambda children: _element(st.lists(children, max_size=4)),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["", "<!doctype html>", DOCTYPE_LIMITED_QUIRKS]), st.lists(NODES, max_size=6))
def test_generated_trees_give_the_same_elements_and_marks(doctype: str, nodes: list[str]) -> None:
    by_lexbor, by_walk = _both(doctype + "<body>" + "".join(nodes) + "</body>")
    assert by_walk == by_lexbor


def _bound_as_page_py_binds() -> None:
    compiled.bind(rules.PAGE_NODES_SELECTOR, rules.AUTHOR_MARKS, tuple(_page._QUERIES))


@pytest.mark.parametrize(
    "selector",
    [
        "#author",
        "a > b",
        "a + b",
        "a:not(b)",
        "p:first-child",
        '[class~="author"]',
        '[class^="a"]',
        "[class=x]",
    ],
)
def test_selectors_beyond_tags_and_attribute_conditions_are_refused(selector: str) -> None:
    try:
        with pytest.raises(ValueError, match="not"):
            compiled.bind(selector, rules.AUTHOR_MARKS)
    finally:
        _bound_as_page_py_binds()


def test_marks_must_be_one_condition_on_any_element() -> None:
    try:
        with pytest.raises(ValueError, match="one attribute condition"):
            compiled.bind(rules.PAGE_NODES_SELECTOR, 'a[rel="author"]')
    finally:
        _bound_as_page_py_binds()


def test_without_the_compiled_walks_lexbor_s_queries_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_page, "_compiled", None)
    tree = LexborHTMLParser('<title>T</title><p class="Byline">By A</p><h1>H</h1>')
    assert _page.page_nodes(tree).headings == ("H",)
    assert _page.author_marked(tree)


near = pytest.importorskip("scraper.extract.metadata._cnear") if not os.environ.get("CI") else None
if near is None:
    from scraper.extract.metadata import _cnear as near
near.bind()


def test_the_text_near_the_title_is_read_compiled_when_built() -> None:
    assert _page._compiled_text is (None if pure_python() else near)


def _assert_a_prefix(html: str, title: str, after: int = rules.BYLINE_AFTER_TITLE_CHARS) -> tuple[str, bool]:
    """The compiled text is selectolax's whole, or a prefix of it (cut after a text node) that holds the
    title's first occurrence and `after` characters past it."""
    body = LexborHTMLParser(html).body
    assert body is not None
    full = body.text(deep=True, separator="\n")
    text, whole = near.text_through(body, title.encode("utf-8", "surrogatepass"), after)
    if whole:
        assert text == full
    else:
        assert full.startswith(text)  # maybe all of it: nodes without text may follow the last read
        anchor = full.find(title)
        assert anchor >= 0 and len(text) >= anchor + len(title) + after
    return text, whole


@pytest.mark.parametrize("source", SNAPSHOTS, ids=lambda path: path.parent.name)
def test_the_golden_pages_text_near_their_title_is_a_prefix_of_the_body_s(source: Path) -> None:
    html = source.read_bytes().decode("utf-8", "replace")
    title = _page.page_nodes(LexborHTMLParser(html)).headings[:1] or ("",)
    for searched in (title[0], "", "a title no page holds"):
        _assert_a_prefix(html, searched)


def test_a_long_page_is_read_only_as_far_as_the_windows() -> None:
    html = "<body><h1>The headline</h1>" + "<p>Paragraph é ✓ 😀 words.</p>" * 2_000 + "</body>"
    text, whole = _assert_a_prefix(html, "The headline")
    assert not whole and len(text) < len(html) // 10
    assert not _assert_a_prefix(html, "")[1]
    assert _assert_a_prefix(html, "Nowhere")[1]  # not found: all of it was read


TEXT_PIECES = ["a", "The headline", "The head", "line", "é", "😀", " ", "\n", "By Jane", "&amp;", "\u00a0"]
TEXT_TREES = st.recursive(
    st.lists(st.sampled_from(TEXT_PIECES), max_size=4).map("".join),
    lambda children: _element(st.lists(children, max_size=4)),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(TEXT_TREES, max_size=6),
    st.sampled_from(["The headline", "line", "é 😀", "", "a\na", "\ud800"]),
    st.integers(0, 12),
)
def test_generated_pages_text_near_a_title_is_a_prefix_of_the_body_s(
    nodes: list[str], title: str, after: int
) -> None:
    _assert_a_prefix("<body>" + "".join(nodes) + "</body>", title, after)


@pytest.mark.parametrize("source", SNAPSHOTS, ids=lambda path: path.parent.name)
def test_the_windows_and_teasers_are_the_whole_text_s(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = source.read_bytes().decode("utf-8", "replace")
    title = _page.page_nodes(LexborHTMLParser(html)).headings[:1] or (None,)
    found = []
    for compiled_text in (near, None):
        monkeypatch.setattr(_page, "_compiled_text", compiled_text)
        near_title = _page.TextNearTitle(LexborHTMLParser(html), title[0])
        placed = near_title.placed_windows()
        found.append((placed, [near_title.in_teaser(offset) for offset, _ in placed]))
    assert found[0] == found[1]


def test_a_walk_from_below_the_root_reads_the_ancestors_above_it() -> None:
    # A descendant selector's ancestor may lie above the element walked from, as in Lexbor's node.css().
    tree = LexborHTMLParser(
        '<html class="byline" itemprop="author"><body><div class="post-meta"><a>x</a><b itemprop="name">n'
        "</b><time datetime=1>t</time></div><time datetime=2>u</time></body></html>"
    )
    body = tree.body
    assert body is not None
    for selector, query in _page._QUERIES.items():
        expected = [node.mem_id for node in body.css(selector)[:LIMIT]]
        assert [node.mem_id for node in compiled.first_matches(body, query, LIMIT)] == expected, selector
    assert len(body.css(rules.AUTHOR_SELECTORS[4])) == 1


def _teaser_card(number: int) -> str:
    return f'<article><h2><a href="/{number}">Teaser {number}</a></h2><p>{number} May 2025</p></article>'


def test_the_whole_text_is_read_for_the_teasers_only_beside_a_run_of_cards() -> None:
    long = "<p>Paragraph words.</p>" * 2_000
    lone = _page.TextNearTitle(LexborHTMLParser(f"<h1>Headline</h1>{long}{_teaser_card(1)}"), "Headline")
    assert not lone.in_teaser(0)
    assert lone._whole is (_page._compiled_text is None)  # a lone card makes no teasers: not read for it
    tree = LexborHTMLParser(f"<h1>Headline</h1>{long}{_teaser_card(1)}{_teaser_card(2)}")
    near_title = _page.TextNearTitle(tree, "Headline")
    text = tree.body.text(deep=True, separator="\n")  # type: ignore[union-attr]
    assert near_title.in_teaser(text.find("1 May 2025")) and near_title.in_teaser(text.find("2 May 2025"))
    assert not near_title.in_teaser(text.find("Headline")) and near_title._whole
