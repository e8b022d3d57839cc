"""The element sizes counted in C (scraper/extract/_measure.pyx) are the Python's (measure.py).

measure.py's Python is the reference and the fallback: made a string by selectolax and counted. The
compiled counts must give the same number for every element of golden pages and generated trees, and
leave to Python (-1) any text that is not valid UTF-8, where selectolax's decoding decides.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper import _compiled
from scraper._compiled import load, pure_python
from scraper.extract import measure
from tests.extract.trees import elements

SNAPSHOTS = sorted((Path(__file__).resolve().parents[2] / "snapshots").glob("*/source.html"))
COMPILED = load("scraper.extract._measure")
NOT_COUNTED = -1

# Skipped where it was not built, but in CI, which builds it, and on .ci/run's SCRAPER_PURE_PYTHON pass.
needs_compiled = pytest.mark.skipif(
    COMPILED is None and (pure_python() or not os.environ.get("CI")), reason="_measure is not built"
)


def _python_visible(node: LexborNode) -> int:
    return measure.count_visible(node.text())


def _python_tagged(node: LexborNode, tag: str) -> int:
    return measure.count_visible("".join(element.text() for element in node.css(tag)))


def _assert_same_counts(tree: LexborHTMLParser) -> int:
    """Every element's counts alike both ways; how many elements were compared."""
    assert COMPILED is not None
    numbers = {tag: COMPILED.tag_number(tag) for tag in (measure.LINK_TAG, measure.QUOTE_TAG)}
    compared = 0
    for node in tree.root.traverse(include_text=True) if tree.root is not None else ():
        assert COMPILED.visible_chars(node) == _python_visible(node), node.html
        if node.tag and not node.tag.startswith("-"):
            for tag, number in numbers.items():
                assert COMPILED.tagged_chars(node, number) == _python_tagged(node, tag), (tag, node.html)
        compared += 1
    return compared


@needs_compiled
@pytest.mark.parametrize("source", SNAPSHOTS, ids=lambda path: path.parent.name)
def test_every_element_of_every_golden_page_counts_alike(source: Path) -> None:
    tree = LexborHTMLParser(source.read_bytes().decode("utf-8", "replace"))
    assert _assert_same_counts(tree) > 20


EDGE_CASES = {
    # The parser makes a carriage return a line feed: only a character reference writes one.
    "spaces of every kind": "<p> a\tb\r\nc\u00a0d\u3000e\x0cf\u2028g &#13;h&#9;</p>",
    "every length of UTF-8": "<p>a é € 😀 \U0010fffd</p>",
    "links in links, in SVG and MathML": "<div><a href=1>x<svg><a>yy</a></svg></a><math><a>z</a></math>"
    "</div>",
    "a link as the element measured": "<a href=1>one <b>two</b><svg><a>three</a></svg></a>",
    "quotes in quotes": "<blockquote>a<blockquote>b c</blockquote></blockquote>",
    "comments, CDATA and processing instructions": "<p>a<!-- no -->b<![CDATA[x]]><svg><![CDATA[cd]]></svg>"
    "<?pi?></p>",
    "a template's content is not its text": "<div><template><p>t</p></template>x</div>",
    "NUL and character references": "<p>a\x00b&amp;&#0;&#xD800;&nbsp;c</p>",
    "empty": "<div></div><p></p><a></a>",
}


@needs_compiled
@pytest.mark.parametrize("html", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_count_alike(html: str) -> None:
    assert _assert_same_counts(LexborHTMLParser(html)) > 3


@needs_compiled
@pytest.mark.parametrize(
    "page",
    [
        b"<p>a\xffb</p>",
        b"<p>\xe2\x82</p>",
        b"<p>\xc0\xaf overlong</p>",
        b"<p>\xed\xa0\x80 surrogate</p>",
        b"<p>\xf4\x90\x80\x80 past U+10FFFF</p>",
        b"<p><a href=1>cut \xf0\x9f\x98</a></p>",
    ],
)
def test_text_that_is_not_utf8_is_left_to_python(page: bytes) -> None:
    tree = LexborHTMLParser(page)
    paragraph = tree.css_first("p")
    assert paragraph is not None
    assert COMPILED is not None
    assert COMPILED.visible_chars(paragraph) == NOT_COUNTED
    # measure.py counts it as selectolax decodes it (each bad byte run one U+FFFD)
    assert measure.visible_chars(paragraph) == _python_visible(paragraph)
    assert measure.link_chars(paragraph) == _python_tagged(paragraph, "a")


@needs_compiled
def test_a_fragment_s_root_is_left_to_python() -> None:
    # selectolax reads a fragment root's text from its siblings too: the compiled count, which reads the
    # node's own subtree, does not answer for it.
    root = LexborHTMLParser("<p>one</p><p>two <a href=1>x</a></p>", is_fragment=True).root
    assert root is not None
    assert COMPILED is not None
    assert COMPILED.visible_chars(root) == NOT_COUNTED
    assert COMPILED.tagged_chars(root, COMPILED.tag_number("a")) == NOT_COUNTED
    assert (measure.visible_chars(root), measure.link_chars(root)) == (7, 1)


TAGS = [
    "div",
    "p",
    "span",
    "a",
    "blockquote",
    "svg",
    "math",
    "b",
    "template",
    "my-card",
    "pre",
    "table",
    "td",
]
PIECES = [*"ab \n\t\r\u00a0\u3000\x0c", "&#13;", "é", "😀", "word ", "&amp;", "<!-- c -->", "<br>", "\x00"]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)


def _element(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    return elements(TAGS, st.just({}), children)


NODES = st.recursive(TEXTS, lambda children: _element(st.lists(children, max_size=4)), max_leaves=40)


@needs_compiled
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NODES, max_size=5))
def test_generated_trees_count_alike(nodes: list[str]) -> None:
    _assert_same_counts(LexborHTMLParser("<body>" + "".join(nodes) + "</body>"))


def test_without_the_compiled_counts_the_python_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure, "_compiled", None)
    node = LexborHTMLParser("<div>a b <a href=1>c\td</a><blockquote>e</blockquote></div>").css_first("div")
    assert node is not None
    assert (measure.visible_chars(node), measure.link_chars(node), measure.quoted_chars(node)) == (5, 2, 1)


@needs_compiled
def test_a_selectolax_other_than_the_one_built_against_falls_back_to_python(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The compiled counts read selectolax's and Lexbor's structs as that version lays them out.
    monkeypatch.setattr(_compiled, "selectolax_version", lambda: "0.0.1")
    assert _compiled.load("scraper.extract._measure") is None
