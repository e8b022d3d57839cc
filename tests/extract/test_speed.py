"""What makes extraction fast must leave the process as it found it and the output as it was."""

from __future__ import annotations

import gc
import importlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper import extract
from scraper.errors import ExtractionError
from scraper.extract import blocks as blocks_module
from scraper.extract import clutter, rules
from scraper.extract.blocks import collect_blocks

# The package, not the function: `scraper` re-exports `extract`, which shadows the attribute of the same name.
extract_module = importlib.import_module("scraper.extract")

PAGE = "<html><body><article><p>" + "A sentence of the article body. " * 20 + "</p></article></body></html>"


def _root(html: str) -> LexborNode:
    root = LexborHTMLParser(html).body
    assert root is not None
    return root


@pytest.fixture
def gc_state() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def _spy_collect_blocks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    seen: list[bool] = []
    original = extract_module.collect_blocks

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(extract_module, "collect_blocks", spy)
    return seen


@pytest.mark.usefixtures("gc_state")
def test_the_cyclic_collector_is_paused_during_a_page_and_resumed_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _spy_collect_blocks(monkeypatch)
    gc.enable()
    document = extract(PAGE, "https://example.com/a")
    assert seen == [False]
    assert gc.isenabled()
    assert "A sentence of the article body." in document.text


@pytest.mark.usefixtures("gc_state")
def test_a_collector_disabled_by_the_caller_stays_disabled() -> None:
    gc.disable()
    extract(PAGE, "https://example.com/a")
    assert not gc.isenabled()


@pytest.mark.usefixtures("gc_state")
def test_the_collector_is_resumed_when_a_page_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ExtractionError("refused")

    monkeypatch.setattr(extract_module, "collect_blocks", refuse)
    gc.enable()
    with pytest.raises(ExtractionError):
        extract(PAGE, "https://example.com/a")
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("module", "helper"), [(rules, "attribute_tokens"), (clutter, "_name_holds_clutter_word")]
)
def test_each_class_name_is_read_once_whatever_names_it_is_combined_with(
    monkeypatch: pytest.MonkeyPatch, module: Any, helper: str
) -> None:
    # Names no other test uses, so that no cache filled before this test hides a call. Python's verdict: the
    # compiled one (_cclutter.pyx, asked by the compiled walk too) keeps no cache and makes no token.
    monkeypatch.setattr(clutter, "_compiled", None)
    monkeypatch.setattr(blocks_module, "_compiled_walk", None)
    calls: list[str] = []
    original = getattr(module, helper)

    def counted(value: str) -> Any:
        calls.append(value)
        return original(value)

    monkeypatch.setattr(module, helper, counted)
    teasers = "".join(
        f'<div class="{helper}-share-bar {helper}-item-{index}"><a href="/{index}">Teaser {index}</a></div>'
        for index in range(30)
    )
    blocks = collect_blocks(
        _root(f"<body><article><p>{'Body words here. ' * 40}</p></article>{teasers}</body>")
    )
    assert [block.text for block in blocks] == ["Body words here. " * 39 + "Body words here."]
    assert calls, "the share bars' clutter words were looked up"
    assert all(len(value.split()) == 1 for value in calls), calls[:3]
    assert len(calls) == len(set(calls))


def test_text_and_comments_are_told_apart_by_the_tag_name_alone() -> None:
    # The walk reads a node's tag once and takes "-text" for text, "-comment" for a comment.
    nodes = list(_root("<body>a<!-- c --><p>x</p></body>").traverse(include_text=True))
    assert [(node.tag, node.is_text_node, node.is_comment_node) for node in nodes] == [
        ("body", False, False),
        ("-text", True, False),
        ("-comment", False, True),
        ("p", False, False),
        ("-text", True, False),
    ]
    blocks = collect_blocks(_root("<body>before<!-- a comment, never text --><p>after</p></body>"))
    assert [block.text for block in blocks] == ["before", "after"]


def test_the_clutter_word_search_matches_exactly_the_clutter_words() -> None:
    # Built as a trie for speed: the same language as the plain alternation of the words.
    plain = __import__("re").compile("|".join(sorted(rules.CLUTTER_WORDS, key=len, reverse=True)))
    samples = [*rules.CLUTTER_WORDS, "container", "col-md-6", "shadowbox", "headerwrap", "mostread", "x"]
    for sample in samples:
        squeezed = rules.squeezed(sample)
        assert (rules.CLUTTER_WORD_RE.search(squeezed) is None) == (plain.search(squeezed) is None), sample
    for word in rules.CLUTTER_WORDS:
        assert rules.CLUTTER_WORD_RE.fullmatch(word), word
        assert not rules.CLUTTER_WORD_RE.fullmatch(word + "#"), word


@pytest.mark.parametrize(
    "value",
    [
        "Share-Bar",
        "site-header__inner",
        "a-d",
        "x\x1cad\x1fy",
        "post\x0bcomments",
        "is-hidden\tcol",
        "no_match here",
        "ÄD-share",
        "\u212aey",
        "read\u00a0more",
        "AD",
        "",
    ],
)
def test_the_clutter_word_search_of_a_class_reads_it_as_its_squeezed_text(value: str) -> None:
    # ASCII values are squeezed as bytes (one C translation): the same words found as in the text squeezed.
    squeezed_text = re.sub(r"[^a-z0-9\s]+", "", value.lower())
    expected = rules.CLUTTER_WORD_RE.search(squeezed_text) is not None
    assert clutter._holds_clutter_word(value) is expected
    for name in value.split():
        assert clutter._name_holds_clutter_word(name) is (
            rules.CLUTTER_WORD_RE.search(rules.squeezed(name)) is not None
        )


def test_every_clutter_token_is_its_own_squeezed_form() -> None:
    # What lets the clutter test tokenise only the names in which the word search found something: a token
    # lies inside its name squeezed, so a token of the sets must be found by the search as it is.
    for token in rules.STRONG_CLUTTER_TOKENS | rules.WEAK_CLUTTER_TOKENS | rules.GATED_TOKENS:
        assert rules.squeezed(token) == token
        assert rules.CLUTTER_WORD_RE.search(token), token


@pytest.mark.parametrize(
    ("classes", "kept"),
    [
        ("sidebar article-content", True),  # a weak word, but the element says it is content
        ("sidebar col-md-4", False),
        ("container share-tools", False),
        ("story__meta layout", False),
        ("widget-area main-text", True),
    ],
)
def test_names_without_a_clutter_word_still_count_as_content(classes: str, kept: bool) -> None:
    body = "<p>" + "Words of the body go on here. " * 30 + "</p>"
    aside = f'<div class="{classes}"><p>A short box line here.</p></div>'
    blocks = collect_blocks(_root(f"<body><article>{body}{aside}</article></body>"))
    assert ("A short box line here." in [block.text for block in blocks]) is kept


def test_whitespace_text_is_dropped_only_between_blocks() -> None:
    # The walk tells indentation in C (is_empty_text_node) and reads no string of it; a space between two
    # inline elements, and every space inside <pre>, are text.
    html = (
        "<body>\n  <p><b>one</b> <i>two</i>\n</p>\n  <pre>  <code>x</code>\n  y</pre>\n"
        "<p>\t<a href='/z'>three</a></p></body>"
    )
    blocks = collect_blocks(_root(html))
    assert [block.text for block in blocks] == ["one two", "  x\n  y", "three"]


def test_the_walk_leaves_each_element_after_its_last_child() -> None:
    # Nested lists and a sibling after a deep subtree: each element is left once, in order.
    html = (
        "<body><ol><li>a<ol><li>b</li><li>c</li></ol>d</li><li>e</li></ol>"
        "<div><div><p>f</p></div></div>g</body>"
    )
    blocks = collect_blocks(_root(html))
    assert [(block.text, block.markup.depth, block.markup.number) for block in blocks] == [
        ("a", 1, 1),
        ("b", 2, 1),
        ("c", 2, 2),
        ("d", 1, 1),
        ("e", 1, 2),
        ("f", 0, None),
        ("g", 0, None),
    ]
    assert len({block.path[:1] for block in blocks}) == 1  # all under the one root


def _totals_per_path(blocks: list[Any]) -> dict[int, tuple[int, ...]]:
    """The container totals as first written: every block added to every container of its path."""
    from scraper.extract.blocks import BlockKind
    from scraper.extract.body import _is_headline_link, is_prose, is_sentence

    totals: dict[int, list[int]] = {}
    for block in blocks:
        if block.kind is BlockKind.PARAGRAPH and len(block.path) > 1:
            totals.setdefault(block.path[-2], [0] * 8)[7] += 1
        for container in block.path:
            entry = totals.setdefault(container, [0] * 8)
            entry[0] += block.chars
            entry[1] += block.link_chars
            entry[2] += 1
            entry[3] += block.chars - block.link_chars if is_prose(block) else 0
            entry[4] += block.kind is not BlockKind.HEADING and is_sentence(block)
            entry[5] += block.kind in (BlockKind.PARAGRAPH, BlockKind.PRE)
            entry[6] += _is_headline_link(block)
    return {container: tuple(entry) for container, entry in totals.items()}


def test_container_totals_summed_up_the_tree_equal_the_totals_per_path() -> None:
    from scraper.extract.containers import container_totals

    prose = "A sentence of the article that runs on for a while. " * 3
    html = (
        "<body><header><nav><ul><li><a href='/a'>Home</a></li>"
        "<li><a href='/b'>News</a></li></ul></nav></header>"
        f"<main><article><h1>Title</h1><div><p>{prose}</p><p>{prose}<a href='/c'>a link</a></p>"
        f"<div><div><p>{prose}</p></div><ul><li>one item</li><li>{prose}</li></ul></div></div>"
        f"<table><tr><td>cell</td><td>{prose}</td></tr></table></article>"
        f"<aside><h2>More</h2><div><h3><a href='/d'>{prose}</a></h3><p>Teaser …</p></div></aside></main>"
        f"Loose text at the end.</body>"
    )
    blocks = collect_blocks(_root(html))
    expected = _totals_per_path(blocks)
    totals = container_totals(blocks)[0]
    assert list(totals) == list(expected)  # the same keys, in the same order
    got = {
        container: (
            e.chars,
            e.link_chars,
            e.blocks,
            e.prose_chars,
            e.sentences,
            e.non_items,
            e.headline_links,
            e.lines,
        )
        for container, e in totals.items()
    }
    assert got == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hello, World! It's 9:30 - snake_case_name & more...",
        "".join(map(chr, range(128))) * 2,  # every ASCII character, controls and separators included
        "  \t\n\x1c\x1f leading and trailing \x0b\x0c  ",
        "ÉLAN vital, l’été — naïve café",  # not ASCII: the regular expression's path
        "\u212a kelvin sign lowers to ASCII",  # "K" lower-cased is an ASCII "k"
        "",
        "---",
    ],
)
def test_normalised_words_are_the_regex_words(text: str) -> None:
    """The ASCII fast path of `normalised` finds exactly the words (runs of \\w) of the plain definition."""
    from scraper.extract.repeats import normalised

    assert normalised(text) == " ".join(re.findall(r"\w+", text.lower()))


@pytest.mark.parametrize(
    "texts",
    [
        ["ΟΔΟΣ", "ΣΑΣ", "Σ", "ΑΣ. ΒΣ"],  # a final sigma at a text's end, and before the next text's start
        ["İstanbul ve İzmir", "\u212a kelvin", "ǅemal"],  # lower-casing that adds or changes letters
        ["l’été — naïve café", "日本語のテキスト。次の文", "١٢٣ and ½ and ²", "e\u0301t\u00e9"],
        ["emoji 😀 in text", "non\u00a0breaking\u2009spaces\u3000here", "tab\tand\nnew\rline"],
        ["snake_case_name & more...", "", "---", "   ", "x"],
        ["".join(map(chr, range(1, 128))) * 2, "plain words only"],  # every ASCII character but NUL
        ["a text holding the separator \x00 itself", "Another"],
        ["a lone surrogate \ud800 here", "ÉLAN"],
        [],
    ],
)
def test_texts_normalised_at_once_are_each_normalised(texts: list[str]) -> None:
    """`normalised_all` joins the texts to normalise them at once: each key is the text's own."""
    from scraper.extract.repeats import normalised, normalised_all

    assert normalised_all(texts) == [normalised(text) for text in texts]


@pytest.mark.parametrize(
    "notice",
    [
        "Please enable JavaScript to view the comments.",
        "JAVASCRIPT IS DISABLED in your browser.",
        "Bitte aktivieren Sie JavaScript, um das Video zu sehen.",
        "Please enable Java\u017fcript to view the comments.",  # a long s: re.IGNORECASE reads it as "s"
        "Please enable Java\u0053cr\u0131pt to view the comments.",  # a dotless i
    ],
)
def test_script_notices_are_found_whatever_their_letters(notice: str) -> None:
    """`_is_interface_text` searches for script notices only where "javascript" may stand, as the
    case-blind regular expression reads it: the characters it takes for ASCII letters included."""
    from scraper.extract.blocks import Block, BlockKind
    from scraper.extract.body import _is_interface_text

    assert rules.SCRIPT_NOTICE_RE.search(notice) is not None  # the rule itself
    assert _is_interface_text(Block(notice, BlockKind.PARAGRAPH, len(notice), 0, (1,)))


@pytest.mark.parametrize(
    "attributes",
    [
        {"class": "share-bar", "href": "/a"},
        {"class": "story-body", "href": "/a", "target": "_blank"},
        {"href": "/a"},
        {"class": "", "src": "x.png"},
        {"class": "sidebar", "id": "main-content"},
        {"class": "story", "id": "comments"},
        {"class": "story", "hidden": None},
        {"class": "story", "aria-hidden": "true", "href": "/a"},
        {"class": "story", "style": "display: none", "src": "x"},
        {"class": "story", "role": "navigation", "href": "/a"},
        {"class": "d-none", "data-x": "1"},
        {"id": "related", "href": "/a"},
    ],
)
def test_the_walks_clutter_verdict_is_that_of_an_element_of_no_furniture_tag(
    attributes: dict[str, str | None],
) -> None:
    # clutter_of_plain takes shortcuts by the attributes present: the verdict stays clutter_of's.
    expected = clutter.clutter_of(False, attributes)
    clutter.clutter_of_attributes.cache_clear()
    assert clutter.clutter_of_plain(attributes) is expected
