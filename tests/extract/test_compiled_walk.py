"""The block walk's loop compiled (scraper/extract/_cwalk.pyx) makes the blocks the Python walk makes.

The Python walk (`blocks._walk`) is the reference and the fallback: the compiled one must give every Block
field alike, and tell a recorder of the same skipped elements, on every golden page and on generated
trees; it runs only when it was built for the selectolax installed, and never under SCRAPER_PURE_PYTHON.
"""

from __future__ import annotations

import html
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper import _compiled as compiled_loader
from scraper._compiled import pure_python
from scraper.extract import accelerator, blocks, clutter, rules
from scraper.extract.blocks import Block, collect_blocks
from scraper.extract.measure import visible_chars
from tests.extract.trees import elements

SNAPSHOTS = sorted((Path(__file__).resolve().parents[2] / "snapshots").glob("*/source.html"))
COMPILED = accelerator.load_walk(blocks)

# Skipped where the walk was not built, but in CI, which builds it (its absence there is a broken build),
# and on the Python fallback pass of .ci/run (SCRAPER_PURE_PYTHON), which the main pass has compared already.
needs_compiled = pytest.mark.skipif(
    COMPILED.walk is None and (pure_python() or not os.environ.get("CI")),
    reason=f"no compiled walk: {COMPILED.reason}",
)


class _Skips:
    """A recorder that keeps what the walk tells it of each skipped element."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str | None, tuple[int, ...], int]] = []

    def skipped(self, node: LexborNode, path: tuple[int, ...], position: int) -> None:
        self.seen.append((node.mem_id, node.tag, path, position))


def _both(html: str, recorded: bool = False) -> tuple[list[Block], list[Block], _Skips, _Skips]:
    """The blocks of the page's body by the Python walk and by the compiled one, with what each skipped."""
    assert COMPILED.walk is not None, COMPILED.reason
    tree = LexborHTMLParser(html)
    tree.strip_tags(list(rules.CODE_TAGS))  # as extract() does before the walk
    root = tree.body or tree.root
    assert root is not None
    page_chars = visible_chars(root)
    found: list[list[Block]] = []
    skips = (_Skips(), _Skips())
    for walk, skip in zip((blocks._walk, COMPILED.walk), skips, strict=True):
        collector = blocks._Collector(page_chars)
        collector.path.append(root.mem_id)
        walk(collector, root, skip if recorded else None)  # type: ignore[arg-type]
        collector.flush()
        found.append(collector.blocks)
    return found[0], found[1], skips[0], skips[1]


def _assert_same(html: str) -> list[Block]:
    python, compiled, python_skips, compiled_skips = _both(html, recorded=True)
    assert compiled == python
    # Field by field: the dataclass's == already compares them all; the types too (an int is no bool).
    for one, other in zip(compiled, python, strict=True):
        assert [type(value) for value in vars_of(one)] == [type(value) for value in vars_of(other)]
    assert compiled_skips.seen == python_skips.seen
    return python


def vars_of(block: Block) -> list[object]:
    return [getattr(block, name) for name in Block.__slots__]


@needs_compiled
@pytest.mark.parametrize("source", SNAPSHOTS, ids=lambda path: path.parent.name)
def test_the_compiled_walk_makes_the_python_walk_s_blocks_on_every_golden_page(source: Path) -> None:
    page = source.read_bytes().decode("utf-8", "replace")
    assert _assert_same(page)  # each golden page has blocks: an empty walk on both sides proves nothing


@needs_compiled
def test_the_compiled_walk_runs_by_default_when_built() -> None:
    collect_blocks(_root("<p>the first walk picks the walk</p>"))
    assert blocks._compiled_walk is COMPILED.walk


def _root(html: str) -> LexborNode:
    root = LexborHTMLParser(html).body
    assert root is not None
    return root


# Every tag _enter and _exit do more with than a plain block element (blocks._Opening), entered plainly and
# deferred (a "widget" wrapper of little text), with a deferred page's own tag, whose opening is not fixed.
_WIDGET = " class='widget'"
OPENED = "".join(
    [
        "<body><section><header><h2>head</h2></header><article><p>a</p></article></section><main>m</main>",
        "<ul><li>one<ol start=4><li>two</li></ol></li></ul><menu><li>m</li></menu><blockquote>q</blockquote>",
        "<table><tr><td>cell</td><th>head</th></tr></table><pre> code\n</pre><p>x<br>y</p>",
        "<figure><figcaption>cap</figcaption></figure><small>small</small><font>font</font><h3>h</h3>",
        "<nav><p>" + "prose words here. " * 30 + "</p></nav>",
        "<aside><p>" + "aside text. " * 40 + "</p></aside>",
        *(f"<{tag}{_WIDGET}>{tag} w</{tag}>" for tag in ("div", "span", "section", "li", "pre")),
        f"<table><tr><td{_WIDGET}>td w</td></tr></table><a href=/w{_WIDGET}>a w</a><ul{_WIDGET}><li>u w</li>",
        f"</ul><my-widget{_WIDGET}>own</my-widget><p>" + "main " * 400 + "</p></body>",
    ]
)


EDGE_CASES = {
    "pre keeps its whitespace": "<body><pre>  a\n\tb  <b>c\r\n</b>\n</pre><p> x\ty\nz </p></body>",
    "br runs": "<body><p>one<br><br> <br>two<a href='/x'>three<br><br>four</a></p></body>",
    "tables": "<body><table><tr><td>a</td><td><a href=/b>b</a></td></tr><tr><th>" + "x " * 300 + "</th></tr>"
    "</table></body>",
    "links in links": "<body><p><a href=1>a<span><a href=2>b</a>c</span></a>d</p></body>",
    "anchor without href, with classes": "<body><p><a class='share'>s</a><a>t</a><a href=''>u</a></p></body>",
    "clutter": "<body><article><p>" + "word " * 80 + "</p></article><div class='share-bar'><p>Share</p></div>"
    "<aside class='widget'><p>side</p></aside><nav><a href=/>Home</a></nav><footer>© 2024 Co</footer></body>",
    "hidden": "<body><div hidden><p>gone</p></div><div style='display:none'>x</div><p aria-hidden=true>y</p>"
    "<div class='hidden'>" + "long text " * 50 + "</div><p>kept</p></body>",
    "deferred widgets": "<body><div class='widget'><p>" + "prose words here. " * 20 + "</p></div>"
    "<div class='widget'><p>short</p></div><p>" + "main " * 100 + "</p></body>",
    "custom and namespaced tags": "<body><my-card class='card'><p>a</p></my-card><fb:like>b</fb:like>"
    "<my-share class='share'>c</my-share><svg><title>t</title><text>u</text></svg></body>",
    "captions and quotes": "<body><figure><figcaption class='credit'>Photo: A</figcaption></figure>"
    "<blockquote class='twitter-tweet'><p>quoted</p></blockquote><ul><li>one<ol><li>two</li></ol></li></ul>"
    "</body>",
    "fine print": "<body><p>text</p><small>Copyright 2024 Someone</small><font size=1>© 2020 X</font></body>",
    "comments and odd nodes": "<body><!-- c --><p>a<!-- d -->b</p><![CDATA[x]]><?pi y?>\u00a0<p>\u3000</p>"
    "</body>",
    "headings and sections": "<body><section><header><h1 id='the-title'>T</h1></header><h2 class='related'>R"
    "</h2></section><header class='site-header'><p>S</p></header></body>",
    "empty and whitespace": "<body> \n\t <div> </div><span>\u00a0</span><p></p>\f</body>",
    "a bare document": "text before <p>and a paragraph</p> after",
    "attributes without values, prefixed or of a page's own": "<body><div class><p>a</p></div><p class=''>b"
    "</p><svg><a xlink:href='/s' class='share'><text>x</text></a></svg><math definitionURL='u'><mi>m</mi>"
    "</math><div data-role='x' class='sidebar' role='main'><p>c</p></div><a href class='more'>d</a>"
    "<div CLASS='share' ID='x'><p>e</p></div><p Role='navigation'>f</p></body>",
    "attributes of the compiled verdict": "<body><div data-x='1' class='share-bar' id='s'><p>a</p></div>"
    "<div style='DISPLAY : None' class='post'><p>b</p></div>"
    "<div style='color:red' id='sidebar'><p>c</p></div>"
    "<p aria-hidden='TRUE' class='story__meta widget'>d</p><p role='Dialog'>e</p><p role='main' hidden>f</p>"
    "<div class='caf\u00e9 share' data-y><p>g</p></div>"
    "<div style='font-family: \u00d6' class='sr-only'>h</div>"
    "<span aria-label='x' class='no-share'>i</span><div id='related-posts' title='t'><p>j</p></div></body>",
    "dialogs and templates": "<body><dialog><p>closed</p></dialog><template><p>t</p></template><p>x</p>"
    "</body>",
    # The flush's text: spaces stripped, collapsed only where two follow each other or a character is not
    # printable (NBSP, line separators, controls, a soft hyphen); counts over wide characters.
    "odd whitespace": "<body><p>a  b</p><p>\u00a0c\u00a0</p><p>d\u2028e\x85f</p><p>g\u200bh\xadi</p>"
    "<p> \u3000 </p><p>tab\tand\rcr\nnl</p><p>wide \U0001f600 <a href=/e>\u00eb \U0001f600</a>  end</p>"
    "<li>  </li><p>\x7f</p><p>&nbsp;</p><p>\x0c<a href=/f> \x0c </a>x</p><p>ok \ufeff</p></body>",
    "opened and deferred elements of every kind": OPENED,
    "links, lists and quotes across blocks": "<body><a href='/a'>one<p>two</p>three</a><ol start=3><li>x "
    "<a href=/b>y<li>z</a></li></ol><blockquote>q <a href=/c>c</a><p>r</p><ul><li>s</li></ul></blockquote>"
    "<li><a href=/d></a> </li><ul><li><a href=/e>e</a><div class='widget'><a href=/f>f</a></div></li></ul>"
    "</body>",
}


@needs_compiled
@pytest.mark.parametrize("html", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_the_compiled_walk_makes_the_python_walk_s_blocks_on_edge_cases(html: str) -> None:
    _assert_same(html)


@needs_compiled
@pytest.mark.parametrize(
    ("tag", "depth"),
    # Inline elements nest deep enough to overflow the stack of a recursive walk, in C as in Python. Each
    # block's path holds all the block elements around it (their cost grows with the square of the depth,
    # in both walks) and an element judged by its text (a <nav>) measures its subtree at each level: those
    # nest less, still past Python's recursion limit.
    [(tag, 300_000) for tag in ("span", "font", "b", "my-box")]
    + [(tag, 3_000) for tag in ("div", "li", "blockquote", "pre", "td", "nav")],
)
def test_the_compiled_walk_takes_thousands_of_levels_without_recursion(tag: str, depth: int) -> None:
    html = "<body>" + f"<{tag} class='x'>a" * depth + "end" + f"</{tag}>" * depth + "</body>"
    python, compiled, _, _ = _both(html)
    assert compiled == python
    assert compiled


TAGS = ["div", "p", "span", "a", "pre", "br", "table", "tr", "td", "th", "ul", "ol", "li", "h2", "h3"]
TAGS += ["blockquote", "figure", "figcaption", "nav", "aside", "header", "footer", "section", "article"]
TAGS += ["small", "font", "b", "code", "img", "dl", "dt", "dd", "details", "my-card", "x:y", "main", "form"]
TAGS += ["menu", "caption", "tbody", "hgroup", "hr", "my-widget"]
CLASSES = ["", "share", "widget", "sidebar", "caption", "related-posts", "content", "hidden", "comment"]
CLASSES += ["story__meta widget", "sr-only", "Share-Bar post-content", "no-share", "caf\u00e9-share"]
ATTRIBUTES = st.dictionaries(
    st.sampled_from(["class", "id", "href", "hidden", "style", "role", "aria-hidden", "size", "data-x"]),
    st.sampled_from([*CLASSES, "display:none", "navigation", "true", "/a", "1"]),
    max_size=3,
)
PIECES = [*"ab ©\n\t\r\u00a0\u3000\x0cé|", "word ", "Copyright ", "&amp;", "\ud7ff"]
PIECES += ["  ", "\u2028", "\x85", "\u200b", "\xad", "\x7f", "\U0001f600"]  # the flush's odd whitespace
TEXTS = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)


def _element(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    return elements(TAGS, ATTRIBUTES, children)


NODES = st.recursive(
    st.one_of(TEXTS, st.just("<!-- c -->"), st.just("<br>")),
    lambda children: _element(st.lists(children, max_size=5)),
    max_leaves=60,
)


@needs_compiled
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NODES, max_size=6))
def test_the_compiled_walk_makes_the_python_walk_s_blocks_on_generated_trees(nodes: list[str]) -> None:
    python, compiled, python_skips, compiled_skips = _both("<body>" + "".join(nodes) + "</body>", True)
    assert compiled == python
    assert compiled_skips.seen == python_skips.seen


def _walked(walk: accelerator.WalkFunction, root: LexborNode) -> list[Block]:
    """The blocks of `root` by one walk, flushed as collect_blocks does."""
    collector = blocks._Collector(visible_chars(root))
    collector.path.append(root.mem_id)
    walk(collector, root, None)
    collector.flush()
    return collector.blocks


FLUSHED = (
    "<body><p>plain</p><p>a <a href='/x'>link</a> b</p><ul><li>item <a href=/y>y</a></li><li>two</li></ul>"
    "<blockquote><p>quoted</p>after</blockquote><h2>heading</h2><section><header>head</header></section>"
    "<div class='widget'><p>" + "prose words here. " * 20 + "</p>tail</div><p>" + "main " * 1000 + "</p>"
    "<table><tr><td>cell</td></tr></table><pre> code </pre><figure><figcaption>cap</figcaption></figure>"
    "<p>one<br>two</p><a href=/z>open<div>in a block</div>still</a></body>"
)


@needs_compiled
def test_the_compiled_walk_makes_plain_and_structured_blocks_without_the_python_flush(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert COMPILED.walk is not None, COMPILED.reason
    root = _root(FLUSHED)
    python = _walked(blocks._walk, root)
    flushed: list[list[str]] = []  # the parts the Python flush was given
    marked: list[list[str]] = []
    flush, flush_marked = blocks._Collector.flush, blocks._Collector._flush_marked

    def counted_flush(collector: blocks._Collector) -> None:
        if collector.parts:
            flushed.append(collector.parts)
        flush(collector)

    def counted_marked(collector: blocks._Collector, parts: list[str], *rest: object) -> None:
        marked.append(parts)
        flush_marked(collector, parts, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(blocks._Collector, "flush", counted_flush)
    monkeypatch.setattr(blocks._Collector, "_flush_marked", counted_marked)
    assert _walked(COMPILED.walk, root) == python
    assert flushed == []
    # The caption, <pre>, table row and <br> blocks still go through the Python's _flush_marked.
    assert marked == [[rules.CELL_SEPARATOR, "cell"], [" code "], ["cap"], ["one", "\n", "two"]]
    kinds = {block.kind for block in python}
    assert {blocks.BlockKind.PRE, blocks.BlockKind.CAPTION, blocks.BlockKind.ROW} <= kinds
    assert any(block.markup.anchors for block in python) and any(block.markup.depth for block in python)
    assert any(block.quoted for block in python) and any(block.link_chars for block in python)
    assert any(block.deferral is not blocks.Deferral.NONE for block in python)


@needs_compiled
def test_the_compiled_walk_enters_and_leaves_fixed_tags_without_the_python_enter_and_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = _root(OPENED)
    python = _walked(blocks._walk, root)
    called: list[tuple[str, str]] = []  # (which, tag)
    enter, exit_ = blocks._enter, blocks._exit

    def counted_enter(collector: blocks._Collector, node: LexborNode, tag: str) -> None:
        called.append(("enter", tag))
        enter(collector, node, tag)

    def counted_exit(collector: blocks._Collector, tag: str, deferred: bool) -> None:
        called.append(("exit", tag))  # _leave's too
        exit_(collector, tag, deferred)

    monkeypatch.setattr(blocks, "_enter", counted_enter)
    monkeypatch.setattr(blocks, "_exit", counted_exit)
    try:
        compiled = _walked(accelerator.load_walk(blocks).walk or blocks._walk, root)
    finally:
        monkeypatch.undo()
        accelerator.load_walk(blocks)  # bound to the module's own functions again
    assert compiled == python
    # Only the deferred element of a page's own tag is left by the Python.
    assert called == [("exit", "my-widget")]
    deferred = {block.text for block in python if block.deferral is not blocks.Deferral.NONE}
    assert {"div w", "span w", "section w", "li w", "td w", "pre w", "a w", "u w", "own"} <= deferred
    kinds = {block.kind for block in python}
    assert {blocks.BlockKind.PRE, blocks.BlockKind.CAPTION, blocks.BlockKind.LIST_ITEM} <= kinds
    assert any(block.markup.depth for block in python) and any(block.quoted for block in python)


def _code_point_page(first: int, last: int) -> str:
    # Each character in blocks of its own (no other reason to collapse), between letters and at an end.
    characters = (html.escape(chr(code)) for code in range(first, last) if not 0xD800 <= code < 0xE000)
    return "<body>" + "".join(f"<p>a{c}b</p><p>{c} c</p>" for c in characters) + "</body>"


@needs_compiled
@pytest.mark.parametrize(("first", "last"), [(0, 0x3000), (0xFE00, 0x10000), (0x1F000, 0x1F100)])
def test_the_compiled_flush_collapses_whitespace_as_the_python_does_for_each_character(
    first: int, last: int
) -> None:
    assert _assert_same(_code_point_page(first, last))


def _loaded(caplog: pytest.LogCaptureFixture) -> accelerator.Walk:
    caplog.set_level(logging.DEBUG, logger="scraper.extract.accelerator")
    return accelerator.load_walk(blocks)


@needs_compiled
def test_a_selectolax_other_than_the_one_built_against_falls_back_to_the_python_walk(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(compiled_loader, "selectolax_version", lambda: "0.0.1")
    loaded = _loaded(caplog)
    assert loaded.walk is None
    assert "0.0.1" in loaded.reason
    assert [record.getMessage() for record in caplog.records] == [f"block walk: Python ({loaded.reason})"]


def test_the_switch_forces_the_python_walk(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(accelerator.PURE_PYTHON_SWITCH, "1")
    loaded = _loaded(caplog)
    assert loaded.walk is None
    assert accelerator.PURE_PYTHON_SWITCH in loaded.reason
    assert len(caplog.records) == 1


@needs_compiled
def test_the_compiled_walk_is_told_in_one_debug_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(accelerator.PURE_PYTHON_SWITCH, raising=False)
    loaded = _loaded(caplog)
    assert loaded.walk is not None
    assert [record.getMessage() for record in caplog.records] == [f"block walk: compiled ({loaded.reason})"]
    assert caplog.records[0].levelno == logging.DEBUG


def _walk_in_a_process(**switch: str) -> str:
    code = "from scraper.extract import blocks, extract; extract('<p>a</p>')\n"
    code += "print(blocks._compiled_walk is None)"
    env = {key: value for key, value in os.environ.items() if key != accelerator.PURE_PYTHON_SWITCH}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env | switch, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@needs_compiled
def test_the_switch_is_read_when_the_extractor_first_walks() -> None:
    assert _walk_in_a_process() == "False"
    assert _walk_in_a_process(**{accelerator.PURE_PYTHON_SWITCH: "1"}) == "True"
    assert _walk_in_a_process(**{accelerator.PURE_PYTHON_SWITCH: "0"}) == "False"


def test_without_the_compiled_walk_the_blocks_are_the_python_walk_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "_compiled_walk", None)
    html = "<body><p>one <a href='/x'>two</a></p><div class='share'>s</div></body>"
    assert [block.text for block in collect_blocks(_root(html))] == ["one two"]


READ_NAMES = frozenset({*clutter.PLAIN_VERDICT_NAMES, "class"})


def _not_read(name: str) -> bool:
    return name not in READ_NAMES


OTHER_NAMES = st.one_of(
    # With the names clutter_of_plain reads today: one dropped from PLAIN_VERDICT_NAMES is generated.
    st.sampled_from(
        ["href", "src", "data-role", "aria-label", "aria-hidden", "style", "role", "id", "hidden"]
    ),
    st.from_regex(r"[a-z][a-z-]{0,12}", fullmatch=True),
).filter(_not_read)
VALUES = st.sampled_from([None, "", "true", "hidden", "display:none", "navigation", "sidebar", "share"])


@given(st.one_of(st.none(), st.sampled_from(CLASSES)), st.dictionaries(OTHER_NAMES, VALUES, max_size=4))
def test_without_its_verdict_names_clutter_of_plain_judges_by_the_class_alone(
    class_: str | None, others: dict[str, str | None]
) -> None:
    # What the compiled walk relies on to read the class alone: an attribute clutter_of_plain comes to read
    # belongs in PLAIN_VERDICT_NAMES.
    attributes = others | ({} if class_ is None else {"class": class_})
    alone = clutter.NO_CLUTTER if class_ is None else clutter._clutter_of_class(class_)
    assert clutter.clutter_of_plain(attributes) is alone
