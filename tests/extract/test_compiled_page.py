"""The metadata's page walks compiled (extract/metadata/_cpage.pyx) against Lexbor's queries (_page.py): the
same elements of rules.PAGE_NODES_SELECTOR in the same order, and the same answer to whether any element
bears one of rules.AUTHOR_MARKS, on the golden pages, on edge cases and on generated trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from scraper._compiled import pure_python
from scraper.extract.metadata import _page, rules

compiled = pytest.importorskip("scraper.extract.metadata._cpage") if not os.environ.get("CI") else None
if compiled is None:  # CI builds the extension: its absence there is a broken build, not a skip
    from scraper.extract.metadata import _cpage as compiled

SNAPSHOTS = sorted((Path(__file__).resolve().parents[2] / "snapshots").glob("*/source.html"))


def _both(html: str) -> tuple[tuple[list[int], bool], tuple[list[int], bool]]:
    """(elements, marked) by Lexbor's queries and by the compiled walks, elements by their identity."""
    tree = LexborHTMLParser(html)
    root = tree.root
    assert root is not None
    by_lexbor = tree.css(rules.PAGE_NODES_SELECTOR), tree.any_css_matches((rules.AUTHOR_MARKS,))
    by_walk = compiled.page_elements(root), compiled.bears_marks(root)
    return (
        ([node.mem_id for node in by_lexbor[0]], bool(by_lexbor[1])),
        ([node.mem_id for node in by_walk[0]], by_walk[1]),
    )


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


TAGS = ["div", "p", "span", "a", "h1", "h2", "h3", "title", "meta", "link", "script", "time", "abbr"]
TAGS += ["template", "svg", "math", "mi", "g", "my-card", "article", "header"]
NAMES = ["class", "rel", "type", "itemprop", "content", "href", "name", "data-author", "xlink:href"]
NAMES += ["data-a-name-longer-than-sixteen"]
VALUES = ["", "author", "Author", "AUTHOR", "x author-name", "byLine", "posted-by", "Written-By", "writtenby"]
VALUES += ["canonical", "Canonical", "application/ld+json", "Application/LD+JSON", "name", "po\u017fted-by"]
VALUES += ["&#97;uthor", "autho", "by line"]
ATTRIBUTES = st.dictionaries(st.sampled_from(NAMES), st.sampled_from(VALUES), max_size=3)


def _element(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    def render(tag: str, attributes: dict[str, str], inner: list[str]) -> str:
        written = "".join(f' {key}="{value}"' for key, value in attributes.items())
        return f"<{tag}{written}>{''.join(inner)}</{tag}>"

    return st.builds(render, st.sampled_from(TAGS), ATTRIBUTES, children)


NODES = st.recursive(
    st.one_of(st.sampled_from(["a", "By Jane", " ", "<!-- c -->", "<br>", "<meta content=x>"])),
    lambda children: _element(st.lists(children, max_size=4)),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["", "<!doctype html>"]), st.lists(NODES, max_size=6))
def test_generated_trees_give_the_same_elements_and_marks(doctype: str, nodes: list[str]) -> None:
    by_lexbor, by_walk = _both(doctype + "<body>" + "".join(nodes) + "</body>")
    assert by_walk == by_lexbor


@pytest.mark.parametrize(
    "selector",
    ["div.byline", "#author", "a > b", "p:first-child", '[class~="author"]', '[class^="a"]', "[class=x]"],
)
def test_selectors_beyond_tags_and_attribute_conditions_are_refused(selector: str) -> None:
    try:
        with pytest.raises(ValueError, match="not"):
            compiled.bind(selector, rules.AUTHOR_MARKS)
    finally:
        compiled.bind(rules.PAGE_NODES_SELECTOR, rules.AUTHOR_MARKS)


def test_marks_must_be_one_condition_on_any_element() -> None:
    try:
        with pytest.raises(ValueError, match="one attribute condition"):
            compiled.bind(rules.PAGE_NODES_SELECTOR, 'a[rel="author"]')
    finally:
        compiled.bind(rules.PAGE_NODES_SELECTOR, rules.AUTHOR_MARKS)


def test_without_the_compiled_walks_lexbor_s_queries_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_page, "_compiled", None)
    tree = LexborHTMLParser('<title>T</title><p class="Byline">By A</p><h1>H</h1>')
    assert _page.page_nodes(tree).headings == ("H",)
    assert _page.author_marked(tree)
