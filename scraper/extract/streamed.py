"""Parts of a page streamed out of order, put back together before the blocks are collected.

React's streaming server rendering (Next.js and others) sends the page's shell first and its slow parts
later, at the end of ``<body>``, each in a hidden ``<div id="S:n">`` that a script moves into place: to the
empty ``<template id="P:n">`` of the same number, or to a Suspense boundary ``<template id="B:m">`` named only
in the script's call. Read as sent, an article streamed in several parts is several hidden boxes after the
footer, and the body chosen is the longest of them: one section of the article. So each part with a
placeholder of its number is moved there, as the script would; the parts left (their place known only to a
script, often gone from a saved page) are shown and gathered in one box where they stand, so that they make
one body together instead of competing with each other.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import rules

__all__ = ["place_streamed_parts"]

_NUMBER_RE = re.compile(r"[0-9a-z]{1,12}")  # React numbers its parts in base 32


def place_streamed_parts(tree: LexborHTMLParser) -> None:
    """Each hidden part ``S:n`` moved (shown) to its placeholder ``P:n``; the others gathered in one box.

    The parts are streamed after the page's shell is complete, so they stand among the last children of
    ``<body>``: only its children are looked at (a few dozen nodes; a search of the whole tree for them cost
    half a millisecond a page)."""
    body = tree.body
    if body is None:
        return
    prefix = rules.STREAMED_PART_PREFIX
    numbers: list[str] = []
    for child in body.iter():
        part_id = child.attributes.get("id") if child.tag == "div" else None
        if part_id and part_id.startswith(prefix) and "hidden" in child.attributes:
            numbers.append(part_id[len(prefix) :])
    numbers = [number for number in numbers if _NUMBER_RE.fullmatch(number)][: rules.MAX_STREAMED_PARTS]
    left = [number for number in numbers if not _move_to_placeholder(tree, number)]
    _gather(tree, left)


def _part(tree: LexborHTMLParser, number: str) -> LexborNode | None:
    return tree.css_first(f'div[hidden][id="{rules.STREAMED_PART_PREFIX}{number}"]')


def _move_to_placeholder(tree: LexborHTMLParser, number: str) -> bool:
    """Part and placeholder are looked up after the moves before them: a part may hold the placeholder of a
    later one (or, on a page made to trip this, a later part itself), each is found where it now stands,
    in the copy put in place, never in a part already removed. False when the part stays where it is."""
    part = _part(tree, number)
    placeholder = tree.css_first(f'template[id="{rules.STREAMED_PLACEHOLDER_PREFIX}{number}"]')
    if part is None or placeholder is None:
        return False
    del part.attrs["hidden"]
    placeholder.replace_with(part)  # a copy of the part takes the placeholder's place
    part.decompose()  # the part as sent, after the footer
    return True


def _gather(tree: LexborHTMLParser, numbers: list[str]) -> None:
    """The parts left, shown, in one new box before the first of them, in the order they came. Each part is
    looked up when its turn comes, as in _move_to_placeholder: one may stand inside another moved before."""
    first = next((part for number in numbers if (part := _part(tree, number)) is not None), None)
    if first is None:  # most pages: no part left (parsing the box's markup cost a tenth of a millisecond)
        return
    box_node = LexborHTMLParser("<div></div>").css_first("div")
    if box_node is None:
        return
    first.insert_before(box_node)  # a copy, found again as the first part's previous sibling
    box = first.prev
    if box is None or box.tag != "div":
        return
    for number in numbers:
        part = _part(tree, number)
        if part is None:
            continue
        del part.attrs["hidden"]
        box.insert_child(part)  # a copy
        part.decompose()
