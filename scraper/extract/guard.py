"""Input guards run before parsing: size, nesting depth and attributes per element.

Why: Lexbor (selectolax 1.0) parses ordinary pages fast (0.57 ms for the average 185 KB page of the
datasets), but its tree builder slows down much worse than linearly on two kinds of input. Measured
(parse alone, one core of the 2-core dev machine, selectolax 1.0.2)::

    depth of <div>         100: 0.2 ms   1,000: 1.3 ms   10,000: 124 ms   30,000: 1.06 s   100,000: 13.5 s
    <section>, <ul><li>, <b><div>, <a><div>, unclosed <div>: the same shape (<ul><li> ×30,000: 4.1 s)
    <b>, <span>, <font>, <svg><g>: linear (100,000 levels in 22-24 ms)
    <table><tr><td>:        100,000 levels in 90 ms
    distinct attributes on one element:  5,000: 43 ms   10,000: 170 ms   20,000: 656 ms
    the same 20,000 attributes spread over 20,000 elements: 29 ms; 20,000 repeats of one name: 2 ms

Block elements test "is there a <p> in button scope" on every start tag by walking the stack of open
elements, so n nested blocks cost O(n²); an element's distinct attribute names are compared pairwise.
The deepest real page of the 890 in the datasets nests 500 counted tags (median 20).

The guard therefore
- refuses (ExtractionError) input over MAX_HTML_CHARS;
- drops start and end tags nested deeper than MAX_DEPTH, keeping their text, and keeps only the first
  MAX_ATTRIBUTES attributes of an element; both in one linear scan (`_rewrite`).

The full scan costs ~5× the parse (a Python callback per tag), so it runs only when a cheap pre-check
says it may be needed: per 4 KiB chunk, ``str.count`` of "<" and "</" bound the depth from above
(Kadane's maximum run of opens minus closes, plus the opens of the two partial chunks at the ends); a
chunk with almost no "<" may sit inside one huge tag, which a regular expression then looks at once.
On real pages the bound is 256 at the median, 773 at p99, 1,263 at most, so pages bounded under
UNCHECKED_DEPTH_LIMIT (2,048 levels, ~5 ms of Lexbor at worst) are parsed as they are.

Measured on the 890 dataset pages (`python bench/guard.py`, shared 2-core machine): the
pre-check costs 0.34-0.67 ms a page, 46-62% of Lexbor's parse time and ~5% of a whole ``extract()``;
no page needed the full scan. That is more than the "few % of parse" aimed at: ``str.count`` over the
text is itself 8% (one character) to 28% (two characters) of the parse on these mostly UCS-2 strings,
so no pure-Python test that looks at every character is cheaper.

Limits of the pre-check: it counts "</" in comments, scripts and attribute values as closing tags, so a
page crafted to hide deep nesting behind many fake "</" can pass it; runaway extraction time on crafted
input is bounded by the pipeline's per-page time limit, not here.
"""

from __future__ import annotations

import re

from ..errors import ExtractionError

__all__ = ["MAX_ATTRIBUTES", "MAX_DEPTH", "MAX_HTML_CHARS", "UNCHECKED_DEPTH_LIMIT", "check_input"]

# A 20 MB page (the example) must pass; 32 Mi characters leave room for it while keeping the
# parser's memory (≈10× the input) within a worker's budget. The fetcher caps bodies at 10 MB by default.
MAX_HTML_CHARS = 32 * 1024 * 1024
# Real pages nest at most ~500 counted tags (measured). Every block start tag walks the open-element
# stack, so a page's parse cost is bounded by (its tags × this depth); at 512 levels a 100,000-tag page
# still parses in well under a second. Deeper tags are dropped, their text kept.
MAX_DEPTH = 512
# Real elements carry a few dozen attributes; 256 distinct ones cost Lexbor well under 0.1 ms.
MAX_ATTRIBUTES = 256

# The pre-check's depth bound overcounts (void tags, "<" in text and scripts): on real pages it is
# 256 at the median, 773 at p99, 1,263 at most. Pages bounded below this limit are parsed as they are,
# so the depth after the guard is at most this (and MAX_DEPTH on rewritten pages); 2,048 levels cost
# Lexbor ~5 ms.
UNCHECKED_DEPTH_LIMIT = 4 * MAX_DEPTH
# Pre-check tuning. Smaller chunks give a tighter depth bound but more Python-level calls per page.
_CHUNK_CHARS = 4096
# A chunk with fewer "<" than this may sit inside one huge tag (normal markup has dozens per 4 KiB).
_SPARSE_CHUNK_TAGS = 2

# Tags that never hold content, or close themselves when a sibling opens: they do not deepen the tree.
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source"}
    | {"track", "wbr", "keygen", "frame", "basefont", "bgsound"}
)
_SELF_CLOSING_TAGS = frozenset(
    {"p", "li", "dt", "dd", "td", "th", "tr", "option", "optgroup", "rb", "rt", "rp", "rtc"}
    | {"thead", "tbody", "tfoot", "colgroup", "caption"}
)
_FLAT_TAGS = _VOID_TAGS | _SELF_CLOSING_TAGS

# The inside of a tag: a quote opens a value only right after "=" (as in the HTML tokenizer), and a
# quoted value may hold ">". Possessive quantifiers keep the scan linear on unterminated tags.
_TAG_BODY = r"""(?:[^>=]++|=\s*+(?:"[^"]*+"|'[^']*+'|[^\s>]*+))*+"""
# One token of the full scan: a comment, a raw-text element with its content (whose "<" are not tags),
# or a start or end tag with its attributes.
_TOKEN_RE = re.compile(
    r"""<!--.*?(?:-->|\Z)
      | <(?P<raw>script|style|textarea|title|xmp|iframe|noembed|noframes|plaintext)\b"""
    + _TAG_BODY
    + r"""(?:>.*?(?:</(?P=raw)\s*>|\Z)|\Z)
      | <(?P<close>/?)(?P<name>[a-zA-Z][^\s/>]*+)(?P<attrs>"""
    + _TAG_BODY
    + r""")(?:>|\Z)""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
_ATTRIBUTE_RE = re.compile(r"""[^\s/>=]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s>"']*+))?+""")
# A start tag with more than MAX_ATTRIBUTES attributes (pre-check of sparse chunks only).
_CROWDED_TAG_RE = re.compile(
    r"<[a-zA-Z][^\s/>]*+(?:[\s/]++[^\s/>=]++(?:\s*+=\s*+(?:\"[^\"]*+\"|'[^']*+'|[^\s>\"']*+))?+)"
    + f"{{{MAX_ATTRIBUTES + 1}}}"
)


def check_input(html: str) -> str:
    """Refuse oversized input; return `html`, or a copy flattened to MAX_DEPTH and MAX_ATTRIBUTES.

    Raises ExtractionError when the input is longer than MAX_HTML_CHARS. Linear in the input. After it,
    elements nest at most UNCHECKED_DEPTH_LIMIT deep (counting tags that can hold others).
    """
    if len(html) > MAX_HTML_CHARS:
        raise ExtractionError(f"input of {len(html):,} characters exceeds the limit of {MAX_HTML_CHARS:,}")
    if _may_need_rewrite(html):
        return _rewrite(html)
    return html


def _may_need_rewrite(html: str) -> bool:
    """Cheap upper-bound test: False only when no element can be too deep or too crowded."""
    best_run = run = widest_chunk = 0
    checked_tag = -1  # a long tag spans many sparse chunks: look at it once
    for start in range(0, len(html), _CHUNK_CHARS):
        end = start + _CHUNK_CHARS
        opens_or_more = html.count("<", start, end)
        closes = html.count("</", start, end + 1)  # a "</" split by the chunk edge belongs here
        opens = opens_or_more - closes
        widest_chunk = max(widest_chunk, opens)
        run = max(0, run + opens - closes)
        best_run = max(best_run, run)
        if opens_or_more < _SPARSE_CHUNK_TAGS:
            tag_start = html.rfind("<", 0, end)
            if tag_start != checked_tag and _is_crowded_tag(html, tag_start):
                return True
            checked_tag = tag_start
    return best_run + 2 * widest_chunk > UNCHECKED_DEPTH_LIMIT


def _is_crowded_tag(html: str, tag_start: int) -> bool:
    return tag_start >= 0 and _CROWDED_TAG_RE.match(html, tag_start) is not None


def _rewrite(html: str) -> str:
    depth = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal depth
        name = match.group("name")
        if name is None:  # comment or raw-text element: its content is no markup
            return match.group(0)
        name = name.lower()
        if match.group("close"):
            if name in _FLAT_TAGS:
                return match.group(0)
            depth = max(0, depth - 1)
            return " " if depth >= MAX_DEPTH else match.group(0)
        attrs = match.group("attrs")
        token = match.group(0)
        if len(attrs) > 2 * MAX_ATTRIBUTES:  # shorter cannot hold that many attributes
            token = _with_fewer_attributes(token, match.start("attrs") - match.start(), attrs) or token
        if name in _FLAT_TAGS:
            return token
        depth += 1
        return " " if depth > MAX_DEPTH else token

    return _TOKEN_RE.sub(replace, html)


def _with_fewer_attributes(token: str, attrs_offset: int, attrs: str) -> str | None:
    """The tag with only its first MAX_ATTRIBUTES attributes, or None when it has no more than that."""
    found = _ATTRIBUTE_RE.finditer(attrs)
    kept = [m.group(0) for _, m in zip(range(MAX_ATTRIBUTES + 1), found, strict=False)]
    if len(kept) <= MAX_ATTRIBUTES:
        return None
    closing = ">" if token.endswith(">") else ""
    return token[:attrs_offset] + " " + " ".join(kept[:MAX_ATTRIBUTES]) + closing
