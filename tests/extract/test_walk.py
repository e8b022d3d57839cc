"""The block walk finds what to do with a node by the tag's number: the numbers it keeps must mean one tag."""

from __future__ import annotations

import dataclasses
import sys

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract import blocks, rules
from scraper.extract.blocks import FIXED_TAG_IDS, Block, BlockKind, Deferral, collect_blocks
from scraper.extract.markup import STRUCTURE_TAGS, Markup

# Every tag a rule of the walk names, and a few plain inline ones.
NAMED_TAGS = sorted(
    rules.SKIP_TAGS
    | rules.BLOCK_TAGS
    | rules.FURNITURE_TAGS
    | rules.SECTIONING_TAGS
    | rules.HEADING_TAGS
    | rules.LIST_ITEM_TAGS
    | rules.CELL_TAGS
    | rules.FINE_PRINT_TAGS
    | STRUCTURE_TAGS
    | {"a", "br", "img", "span", "em", "strong", "b", "i", "code", "time", "label", "figcaption"}
)
TABLE = "<table><caption>c</caption><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody>"
TABLE += "<tfoot><tr><td>f</td></tr></tfoot></table>"  # table parts are parsed only inside a table


def _nodes(html: str) -> list[LexborNode]:
    root = LexborHTMLParser(html).root
    assert root is not None
    return list(root.traverse(include_text=True))


@pytest.mark.parametrize("tag", NAMED_TAGS)
def test_each_tag_the_walk_names_has_a_fixed_number(tag: str) -> None:
    # Lexbor numbers the tags it knows below FIXED_TAG_IDS in every document: the walk keeps what to do with
    # a tag by that number, across pages. Should selectolax renumber them, this fails before a page does.
    html = f"<html><head></head><body><{tag}>x</{tag}>{TABLE}</body></html>"
    found = [node for node in _nodes(html) if node.tag == tag]
    assert found, tag
    assert all(0 < node.tag_id < FIXED_TAG_IDS for node in found), (tag, [node.tag_id for node in found])


def test_text_and_comments_have_fixed_numbers_and_a_page_s_own_tags_do_not() -> None:
    nodes = _nodes("<body>text<!-- note --><my-card>a</my-card><fb:like>b</fb:like></body>")
    numbers = {node.tag: node.tag_id for node in nodes}
    assert 0 < numbers["-text"] < FIXED_TAG_IDS
    assert 0 < numbers["-comment"] < FIXED_TAG_IDS
    assert numbers["my-card"] >= FIXED_TAG_IDS
    assert numbers["fb:like"] >= FIXED_TAG_IDS


def test_a_page_s_own_tags_are_walked_by_name_and_never_kept_by_number() -> None:
    # A page's own tags are numbered per document: the number of one page's <my-share> may be another's
    # <my-story>. The walk reads their names each time.
    page = (
        "<body><my-story><p>{text}</p><my-share class='share-bar'><p>Share this</p></my-share></my-story>"
        "<p>The end of it.</p></body>"
    )
    first = collect_blocks(_body(page.format(text="First story words.")))
    second = collect_blocks(_body(page.format(text="Second story words.")))
    assert [block.text for block in first] == ["First story words.", "The end of it."]
    assert [block.text for block in second] == ["Second story words.", "The end of it."]
    assert all(number < FIXED_TAG_IDS for number in blocks._ACTIONS)


def test_the_href_of_a_link_is_read_from_its_attributes() -> None:
    html = '<body><p>See <a class="x" href="/one">one</a> and <a>two</a> and <a href="">three</a>.</p></body>'
    (block,) = collect_blocks(_body(html))
    assert block.text == "See one and two and three."
    assert [anchor[2] for anchor in block.markup.anchors] == ["/one", ""]
    assert block.link_chars == len("onetwothree")


def _body(html: str) -> LexborNode:
    body = LexborHTMLParser(html).body
    assert body is not None
    return body


WHITESPACE = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]


def test_no_whitespace_character_but_the_space_is_printable() -> None:
    # What lets a block's text skip collapsing its whitespace: a text that is printable holds no
    # whitespace but spaces (and a block's text without two spaces in a row has nothing to collapse).
    assert [hex(ord(char)) for char in WHITESPACE if char != " " and char.isprintable()] == []


@pytest.mark.parametrize("space", WHITESPACE, ids=lambda char: hex(ord(char)))
def test_a_block_s_whitespace_collapses_to_single_spaces_whatever_its_characters(space: str) -> None:
    html = (
        f"<body><p>{space}one{space}two {space} three<b>{space}four</b>{space}</p><p>five{space}</p></body>"
    )
    blocks = collect_blocks(_body(html))
    assert [block.text for block in blocks] == ["one two three four", "five"]


def test_a_block_made_by_the_walk_is_the_block_its_constructor_makes() -> None:
    # The walk sets a Block's slots itself (faster than the frozen dataclass's __init__): field by field the
    # same object, as frozen as any.
    fields = ("text", BlockKind.LIST_ITEM, 4, 2, (1, 2), 3, Deferral.PROSE, True, Markup(depth=1))
    made = blocks._block(*fields)
    assert made == Block(*fields)
    assert [getattr(made, field.name) for field in dataclasses.fields(Block)] == list(fields)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.text = "changed"  # type: ignore[misc]
