"""How much text an element shows: the non-space characters of its text, and of its links' or quotes'.

The walk (blocks.py) measures the page's whole text first, then every element it judges (clutter or
wrapper?) and the links and quotes inside it: the same text read again and again, a string made of it
each time. Where `_measure.pyx` is built for the selectolax installed, the characters are counted in C on
Lexbor's own text buffers instead, no string made; the Python below is its reference and fallback, and
counts the rare element whose text is not valid UTF-8.
"""

from __future__ import annotations

from typing import Any

from selectolax.lexbor import LexborNode

from .._compiled import load as load_compiled

__all__ = ["count_visible", "link_chars", "quoted_chars", "visible_chars"]

LINK_TAG = "a"
QUOTE_TAG = "blockquote"
_NOT_COUNTED = -1  # the compiled count's answer for a text it leaves to Python (_measure.NOT_UTF8)


def count_visible(text: str) -> int:
    """Characters of `text` but spaces, line breaks, tabs and carriage returns."""
    # The counts written out: a generator over " \n\t\r" cost more than the counting, on every element
    # the walk measures. A count reads every character; a tab or carriage return, absent from most texts,
    # is first looked for (memchr, several times faster) and counted only when found.
    chars = len(text) - text.count(" ") - text.count("\n")
    if "\t" in text:
        chars -= text.count("\t")
    if "\r" in text:
        chars -= text.count("\r")
    return chars


def visible_chars(node: LexborNode) -> int:
    """Non-space characters of the text under `node` (scripts and styles must be stripped first)."""
    if _compiled is not None and (chars := _compiled.visible_chars(node)) != _NOT_COUNTED:
        return int(chars)
    return count_visible(node.text())


def link_chars(node: LexborNode) -> int:
    """Non-space characters inside the links under `node`, and in `node` when it is one."""
    return _tagged_chars(node, LINK_TAG, _link_number)


def quoted_chars(node: LexborNode) -> int:
    """Non-space characters inside the <blockquote>s under `node`, and in `node` when it is one."""
    return _tagged_chars(node, QUOTE_TAG, _quote_number)


def _tagged_chars(node: LexborNode, tag: str, number: int) -> int:
    # Each element CSS finds counts its text: a text inside two of them (a link in an SVG link) twice.
    if _compiled is not None and (chars := _compiled.tagged_chars(node, number)) != _NOT_COUNTED:
        return int(chars)
    return count_visible("".join([element.text() for element in node.css(tag)]))  # counts add up


_compiled: Any = load_compiled("scraper.extract._measure")  # None: the Python counts
_link_number = _compiled.tag_number(LINK_TAG) if _compiled is not None else 0
_quote_number = _compiled.tag_number(QUOTE_TAG) if _compiled is not None else 0
