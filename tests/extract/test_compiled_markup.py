"""The page-type counts' walk compiled (extract/metadata/_cpage.pyx, markup_tally) against Lexbor's queries
(pagetype._markup_counted): the same MarkupCounts on the golden pages, on edge cases and on generated
trees."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from scraper._compiled import pure_python
from scraper.extract import pagetype
from scraper.extract.metadata import _page
from scraper.extract.pagetype_rules import LINK_SELECTOR
from tests.extract.test_compiled_page import DOCTYPE_LIMITED_QUIRKS, SNAPSHOTS, compiled
from tests.extract.trees import elements

pytestmark = pytest.mark.skipif(pure_python(), reason="the compiled walk is not loaded (SCRAPER_PURE_PYTHON)")


def _both(html: str) -> tuple[pagetype.MarkupCounts, pagetype.MarkupCounts]:
    """(by Lexbor's queries, by the compiled walk), on one tree: the <time>s' paths are its nodes' ids."""
    tree = LexborHTMLParser(html)
    assert _page.markup_tally(tree, pagetype.MAX_TIME_ANCHORS) is not None  # the compiled walk answers
    return pagetype._markup_counted(tree), pagetype.markup_counts(tree)


def test_the_links_query_is_bound() -> None:
    assert LINK_SELECTOR in _page._QUERIES
    assert _page._compiled is compiled


@pytest.mark.parametrize("source", SNAPSHOTS, ids=lambda path: path.parent.name)
def test_the_golden_pages_give_the_same_counts(source: Path) -> None:
    by_lexbor, by_walk = _both(source.read_bytes().decode("utf-8", "replace"))
    assert by_lexbor.links  # each golden page links somewhere: zero on both sides proves little
    assert by_walk == by_lexbor


EDGE_CASES = {
    "input types in any case": '<input type="PASSWORD"><input type="Button"><input type="password ">'
    '<input type="buttons"><input type><input><input type="pass&#119;ord">',
    "non-ASCII letters lower-cased to ASCII": '<input type="\u0130password"><input type="butto\u212a">'
    '<input type="pa\u017f\u017fword">',
    "foreign content's adjusted and plain names": '<svg><input xlink:type="password"/><input type="button"/>'
    '<a xlink:href="/x">a</a><a href="/y">b</a><time>1</time><dialog>d</dialog>'
    '<g itemtype="http://schema.org/Product" xlink:title="x"/></svg>',
    "code, pre, buttons and nested times": "<pre><code>x</code></pre><code>y</code><button>b</button>"
    "<time><time>t</time></time><p><time datetime='x'>u</time></p>",
    "dialogs open and closed": "<dialog open><p>shown</p></dialog><dialog><p>Sign up</p><button>OK</button>"
    "</dialog><dialog Open>x</dialog>",
    "microdata on any element": '<div itemprop="author">a</div><div itemprop="Author">b</div>'
    '<span itemprop="price">1</span><div itemtype="https://schema.org/Product https://schema.org/QAPage">'
    '<i itemtype="http://schema.org/Comment/">c</i></div><code itemprop="AUTHOR">d</code>'
    '<time itemtype="HTTP://SCHEMA.ORG/DiscussionForumPosting">e</time><p itemtype>f</p><p itemprop>g</p>',
    "links with and without addresses": '<a href>a</a><a>b</a><a href="">c</a><A HREF="/d">d</A>'
    '<area href="/e"><link href="/f">',
    "templates hold no elements of the page": '<template><input type="password"><a href="/x">x</a>'
    "<time>1</time></template><p>x</p>",
    "more <time>s than are placed": "".join(f"<p><time>{n}</time></p>" for n in range(70)),
}


@pytest.mark.parametrize("html", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_give_the_same_counts(html: str) -> None:
    by_lexbor, by_walk = _both(html)
    assert by_walk == by_lexbor


def test_the_edge_cases_count_what_they_mean_to() -> None:
    counts = _both(EDGE_CASES["input types in any case"])[1]
    assert (counts.passwords, counts.buttons) == (2, 1)  # a character reference spells the second
    counts = _both(EDGE_CASES["microdata on any element"])[1]
    assert (counts.microdata_authors, counts.microdata_products, counts.microdata_posts) == (2, 1, 1)
    assert counts.item_types == {"qapage", "discussionforumposting"}
    assert len(_both(EDGE_CASES["more <time>s than are placed"])[1].time_paths) == pagetype.MAX_TIME_ANCHORS


TAGS = ["div", "p", "a", "input", "button", "code", "pre", "time", "dialog", "template", "svg", "math", "g"]
NAMES = ["type", "itemprop", "itemtype", "open", "href", "xlink:href", "xlink:type", "class", "data-type"]
VALUES = ["", "password", "Password", "button", "BUTTON", "author", "Author", "price", "/x", "x price"]
VALUES += ["http://schema.org/Product", "https://schema.org/QAPage/", "schema.org/Comment", "pass\u212aword"]
ATTRIBUTES = st.dictionaries(st.sampled_from(NAMES), st.sampled_from(VALUES), max_size=3)
NODES = st.recursive(
    st.sampled_from(["a", "Text", " ", "<!-- c -->", "<br>", "<input type=password>"]),
    lambda children: elements(TAGS, ATTRIBUTES, st.lists(children, max_size=4)),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["", "<!doctype html>", DOCTYPE_LIMITED_QUIRKS]), st.lists(NODES, max_size=6))
def test_generated_trees_give_the_same_counts(doctype: str, nodes: list[str]) -> None:
    by_lexbor, by_walk = _both(doctype + "<body>" + "".join(nodes) + "</body>")
    assert by_walk == by_lexbor


def test_without_the_compiled_walk_lexbor_s_queries_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_page, "_compiled", None)
    tree = LexborHTMLParser('<a href="/x">x</a><input type="Password"><time>t</time>')
    assert _page.markup_tally(tree, 1) is None
    counts = pagetype.markup_counts(tree)
    assert (counts.links, counts.passwords, counts.times) == (1, 1, 1)
