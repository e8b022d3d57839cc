"""The body's end checked against the page's own statement of its article text (JSON-LD articleBody).

Many CMSs publish the article's whole text in schema.org JSON-LD, from the same field the page renders as
the article. That text is never output (it may be stale, truncated, or other text than the page shows):
it only judges the page's own blocks. The blocks at the cleaned body's end whose words the declared text
does not hold, after a body that matches it (the article the page declares), are what the template appends
after the article's field: the author's bio box, a "support us" appeal, a label.

Measured, and not adopted: choosing the body container by its match with the declared text. On every
dataset page with a long articleBody the scores' choice already matched it best, or the declared text was
a summary that a smaller box (the standfirst) matched better than the article.
"""

from __future__ import annotations

import dataclasses
import html
import re
from typing import TYPE_CHECKING

from . import rules
from .body import BodyText, is_prose

if TYPE_CHECKING:
    from .recorder import Recorder

__all__ = ["declared_words", "without_undeclared_tail"]

# Words, and each character of the scripts written without spaces (Chinese, Japanese, Korean), case-folded.
_TOKEN_RE = re.compile(rules.WIDE_SCRIPT_CHARS + r"|[^\W_]+")
# Some CMSs put the field's HTML in articleBody: its tags are not words.
_TAG_RE = re.compile(r"<[^>]*>")

# The declared text is the whole article only from this length (characters): a shorter one is a teaser
# or the first paragraph, which says nothing about where the article ends.
MIN_DECLARED_CHARS = 500
# The body is the declared article when the bag of its words and the declared text's agree this well
# (Dice: twice the shared words over both counts); a summary, a truncated excerpt or another page's
# text (stale JSON-LD) agrees far less, and nothing is judged by it.
MIN_BODY_MATCH = 0.9
# A block at the body's end is the template's, not the article's, when less than this share of its words
# occur in the declared text at all (a sentence of the article shares nearly all of them; a bio or an
# appeal in the same language shares only the common words).
MIN_DECLARED_WORD_SHARE = 0.5


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.casefold())


def declared_words(article_body: str | None) -> list[str]:
    """The declared text's words, when it reads as the whole article: long enough, not cut off."""
    if not article_body or len(article_body) < MIN_DECLARED_CHARS:
        return []
    text = html.unescape(_TAG_RE.sub(" ", article_body)).strip()
    if len(text) < MIN_DECLARED_CHARS or text.endswith(rules.ELLIPSES):
        return []
    return _tokens(text)


def without_undeclared_tail(
    body: BodyText, article_body: str | None, recorder: Recorder | None = None
) -> BodyText:
    """`body` without the blocks at its end that the declared article text does not hold (see the module),
    when the body before them is that article; unchanged otherwise."""
    if not article_body or not body.blocks:  # most pages: no articleBody
        return body
    words = declared_words(article_body)
    if not words:
        return body
    vocabulary = frozenset(words)
    counts: list[tuple[int, int]] = []  # each block's words, and how many of them the declared text holds
    for block in body.blocks:
        tokens = _tokens(block.text)
        counts.append((len(tokens), sum(1 for token in tokens if token in vocabulary)))
    end = len(counts)
    while end > 0 and counts[end - 1][1] < MIN_DECLARED_WORD_SHARE * counts[end - 1][0]:
        end -= 1
    if end in (0, len(counts)):  # nothing appended, or nothing of the article: the body as it is
        return body
    total = sum(count for count, _ in counts[:end])
    matched = sum(hits for _, hits in counts[:end])
    if 2 * min(matched, len(words)) < MIN_BODY_MATCH * (total + len(words)):
        return body  # the body before that tail is not the declared article: nothing to judge it by
    kept = body.blocks[:end]
    if recorder is not None:
        for block in body.blocks[end:]:
            recorder.dropped(block, "after the article its JSON-LD articleBody states")
    prose = sum(block.chars for block in kept if is_prose(block))
    return dataclasses.replace(body, blocks=kept, prose_chars=prose)
