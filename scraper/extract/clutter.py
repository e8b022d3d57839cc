"""How sure an element's tag and attributes are that it is not the body: the clutter verdict of the walk.

blocks.py asks it for each element with attributes; the verdict of each distinct combination of the
attributes it reads is kept, and the tokens and clutter-word test of each class name, in bounded LRU caches
that live across the pages of a worker.
"""

from __future__ import annotations

import enum
import functools
import logging
import re
from typing import TYPE_CHECKING, Any

from .._compiled import load as load_compiled
from . import rules

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

__all__ = [
    "GATED",
    "HIDDEN",
    "NO_CLUTTER",
    "STRONG",
    "WEAK",
    "Clutter",
    "clutter_of",
    "clutter_of_attributes",
    "clutter_of_plain",
    "is_beside_the_article",
    "is_footer",
    "names",
    "names_its_terms",
    "names_only_layout",
]

logger = logging.getLogger(__name__)

# The style declarations that hide an element, property and value, lowercase: searched in the lowered style,
# white space around the colon.
HIDING_STYLES = (("display", "none"), ("visibility", "hidden"))
_STYLE_HIDDEN_RE = re.compile("|".join(rf"{name}\s*:\s*{value}" for name, value in HIDING_STYLES))


class Clutter(enum.IntEnum):
    """How sure a tag or attribute is that an element is not body: decides how it may be a wrapper."""

    NONE = 0
    WEAK = 1  # furniture tag, or a word like "sidebar" / "widget": also a wrapper when it holds prose
    HIDDEN = 2  # hidden by attribute or style: kept only when it is a long run of prose (streamed SSR
    # chunks, paywalled bodies revealed by script); menus, modals and templates are short or linked
    GATED = 3  # a paywall wrapper: the article itself when long prose, else the barrier with its offers
    STRONG = 4  # a non-content landmark, or a word like "share" / "related" / "comments"


# The verdicts the walk reads for every element, bound once: in Python 3.11 `Clutter.NONE` goes through
# EnumType.__getattr__, ten times the cost of reading a global.
NO_CLUTTER, WEAK, HIDDEN, GATED, STRONG = (
    Clutter.NONE,
    Clutter.WEAK,
    Clutter.HIDDEN,
    Clutter.GATED,
    Clutter.STRONG,
)


# The verdict of an element's attributes and the tests of its names' tokens, compiled (extract/_cclutter.pyx,
# optional: see setup.py), for ASCII values; None where Python runs. The compiled walk asks it too, by the
# bytes of the attribute list, without making the strings.
_compiled: Any = load_compiled("scraper.extract._cclutter")


def _bind_compiled() -> None:
    """Give the compiled verdict the rules; rules it cannot hold leave it unbound, answering -1 (Python)."""
    if _compiled is None:
        return
    try:
        _compiled.bind(
            rules.CLUTTER_WORDS,
            rules.STRONG_CLUTTER_TOKENS,
            rules.GATED_TOKENS,
            rules.WEAK_CLUTTER_TOKENS,
            rules.CONTENT_TOKENS,
            rules.HIDDEN_CLASSES,
            rules.MODIFIER_WORDS,
            rules.STYLE_PROPERTY_WORDS,
            rules.MIN_SLUG_WORDS,
            rules.STYLE_PREFIX_CHARS,
            rules.SKIP_ROLES,
            HIDING_STYLES,
            rules.FOOTER_TOKENS,
            rules.LAYOUT_TOKENS,
            rules.DEFINITION_LIST_TOKENS,
        )
    except ValueError as exc:
        logger.debug("scraper.extract._cclutter: Python (the rules do not fit: %s)", exc)


_bind_compiled()

# Clutter by its value, for the compiled verdict's number.
_BY_VALUE = (NO_CLUTTER, WEAK, HIDDEN, GATED, STRONG)
# The bits of _cclutter.token_sets: the tests of is_footer, names_only_layout and names_its_terms.
_FOOTER_NAMED, _ONLY_LAYOUT, _ONLY_TERMS = 1, 2, 4


def _token_sets(names: str) -> int:
    """_cclutter.token_sets, or -1 where Python tokenises the names."""
    return _compiled.token_sets(names) if _compiled is not None else -1


def clutter_of(furniture: bool, attributes: dict[str, str | None], heading: bool = False) -> Clutter:
    return clutter_of_attributes(
        furniture,
        heading,
        "hidden" in attributes,
        attributes.get("aria-hidden"),
        attributes.get("style"),
        attributes.get("role"),
        attributes.get("class"),
        None if heading else attributes.get("id"),
    )


# The verdict of each distinct combination of the attributes it reads, so an element like its neighbours
# (a page repeats a few dozen class/role/style combinations over thousands of elements) costs one lookup.
@functools.lru_cache(maxsize=16384)
def clutter_of_attributes(
    furniture: bool,
    heading: bool,
    hidden: bool,
    aria_hidden: str | None,
    style: str | None,
    role: str | None,
    class_: str | None,
    id_: str | None,
) -> Clutter:
    # A role that is never the body (a dialog, a menu) outranks "hidden": a hidden element with prose is
    # kept as an article streamed or revealed by script, but a dialog hidden until opened (a "republish
    # this story" box, a sign-up form) is one long run of prose too, and never the article.
    if role and role.lower() in rules.SKIP_ROLES:
        return STRONG
    if hidden or aria_hidden == "true":
        return HIDDEN
    if style and _STYLE_HIDDEN_RE.search(style.lower()):
        return HIDDEN
    if (class_ and _any_clutter_word(class_)) or (id_ and _any_clutter_word(id_)):
        by_name = _clutter_of_names(" ".join(value for value in (class_, id_) if value))
    else:
        by_name = NO_CLUTTER  # most elements: _clutter_of_names would find no clutter word either
    return max(by_name, WEAK if furniture else NO_CLUTTER)


# What squeezing removes from each name (see rules.squeezed), the whitespace between names kept: no clutter
# word holds whitespace, so none is found across two names.
_NAME_SEPARATORS_RE = re.compile(r"[^a-z0-9\s]+")


# The same search on the bytes of an ASCII value (most class names): the separators go in one C translation
# of its bytes, where the substitution of _NAME_SEPARATORS_RE made a match of every run (a third of the cost
# of each class attribute new to the worker); the search reads the bytes as the same words. The bytes kept:
# a-z, 0-9 and what `\s` and str.split() take for whitespace in ASCII.
_KEPT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789 \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")
_SEPARATOR_BYTES = bytes(code for code in range(128) if code not in _KEPT_BYTES)
_CLUTTER_WORD_BYTES_RE = re.compile(rules.CLUTTER_WORD_RE.pattern.encode("ascii"))


def _holds_clutter_word(value: str) -> bool:
    # `any(map(_has_clutter_word, value.split()))` in two passes of C over the whole value, not a call and a
    # cache lookup per name: each distinct class attribute of a new site is searched once.
    if value.isascii():
        squeezed = value.lower().encode("ascii").translate(None, _SEPARATOR_BYTES)
        return _CLUTTER_WORD_BYTES_RE.search(squeezed) is not None
    return rules.CLUTTER_WORD_RE.search(_NAME_SEPARATORS_RE.sub("", value.lower())) is not None


# A class attribute recurs with other ids, styles and roles.
_any_clutter_word = functools.lru_cache(maxsize=16384)(_holds_clutter_word)


# The attributes clutter_of_plain reads besides the class: where none of them is there, its verdict is the
# class's alone (_clutter_of_class), which the compiled walk (_cwalk.pyx) asks for without making the dict.
PLAIN_VERDICT_NAMES = ("aria-hidden", "style", "role", "id", "hidden")


def clutter_of_plain(attributes: dict[str, str | None]) -> Clutter:
    """`clutter_of(False, attributes)`: the verdict of an element of no furniture or heading tag."""
    class_ = attributes.get("class")
    if class_ is not None and len(attributes) == 1:
        return _clutter_of_class(class_)  # most elements with attributes
    get = attributes.get
    aria_hidden, style, role, id_ = get("aria-hidden"), get("style"), get("role"), get("id")
    if aria_hidden is None and style is None and role is None and id_ is None and "hidden" not in attributes:
        # Only the class may say something (a link's href, an image's src say nothing): its verdict, kept
        # by the class alone, where the eight values of the combination made a key each to hash and store.
        return NO_CLUTTER if class_ is None else _clutter_of_class(class_)
    return clutter_of_attributes(False, False, "hidden" in attributes, aria_hidden, style, role, class_, id_)


# Keyed by the class alone: a key of one string costs the cache less than the eight of clutter_of_attributes.
@functools.lru_cache(maxsize=16384)
def _clutter_of_class(class_: str) -> Clutter:
    # clutter_of_attributes(False, False, False, None, None, None, class_, None) written out: a class new to
    # the worker (thousands on each new site) is looked up in no other cache, nor entered in one.
    if _compiled is not None and (verdict := _compiled.verdict(class_)) >= 0:
        return _BY_VALUE[verdict]
    return _clutter_of_names(class_) if _holds_clutter_word(class_) else NO_CLUTTER


def names(attributes: dict[str, str | None], heading: bool = False) -> str:
    """The class and id; a heading's id is its anchor, a slug of its own words ("related-costs"), which
    names its topic, not its role."""
    keys = ("class",) if heading else ("class", "id")
    return " ".join(value for key in keys if (value := attributes.get(key)))


def _tokens(names: str) -> frozenset[str]:
    """`rules.attribute_tokens(names)`, put together from the tokens of each name: a site combines the same
    few names in many ways ("card card--3 is-active"), so each name is tokenised once."""
    split = names.split()
    if len(split) == 1:
        return _name_tokens(split[0])
    return frozenset().union(*map(_name_tokens, split))


@functools.lru_cache(maxsize=16384)
def _name_tokens(name: str) -> frozenset[str]:
    return frozenset(rules.attribute_tokens(name))  # tokens never span two names: the union is the same


@functools.lru_cache(maxsize=16384)
def _has_clutter_word(name: str) -> bool:
    # Per name, not per class attribute: every token of a name lies inside the name squeezed, so no
    # clutter token is missed, and a name is searched once however the site combines it with others.
    return _name_holds_clutter_word(name)


def _name_holds_clutter_word(name: str) -> bool:
    """`rules.CLUTTER_WORD_RE.search(rules.squeezed(name))`: a name holds no whitespace (str.split() and
    regular expressions agree on it), so its squeezed form is _holds_clutter_word's."""
    return _holds_clutter_word(name)


def names_its_terms(attributes: dict[str, str | None]) -> bool:
    """A definition list whose only strong clutter words are the terms it defines ("glossary-terms")."""
    named = names(attributes)
    if (found := _token_sets(named)) >= 0:
        return bool(found & _ONLY_TERMS)
    words = rules.STRONG_CLUTTER_TOKENS & _tokens(named)
    return bool(words) and words <= rules.DEFINITION_LIST_TOKENS


def is_footer(tag: str, names: str) -> bool:
    if tag in rules.FOOTER_TAGS:
        return True
    if (found := _token_sets(names)) >= 0:
        return bool(found & _FOOTER_NAMED)
    return not rules.FOOTER_TOKENS.isdisjoint(_tokens(names))


@functools.lru_cache(maxsize=1024)
def names_only_layout(names: str) -> bool:
    """The weak clutter words in `names` all name layout ("widget"), none a kind of clutter ("caption")."""
    if (found := _token_sets(names)) >= 0:
        return bool(found & _ONLY_LAYOUT)
    weak = rules.WEAK_CLUTTER_TOKENS & _tokens(names)
    return bool(weak) and weak <= rules.LAYOUT_TOKENS


@functools.lru_cache(maxsize=8192)  # class names repeat within a page and across a site's pages
def _clutter_of_names(names: str) -> Clutter:
    """The verdict of class and id names in which the search of their squeezed text found a clutter word
    (both callers search first): one name is then flagged without a second search."""
    if _compiled is not None and (verdict := _compiled.verdict(names)) >= 0:
        return _BY_VALUE[verdict]
    split = names.split()
    flagged = split if len(split) == 1 else [name for name in split if _has_clutter_word(name)]
    if not flagged:
        return NO_CLUTTER  # most class names: no clutter word anywhere, no need to tokenise
    if not rules.HIDDEN_CLASSES.isdisjoint(names.lower().split()):
        return STRONG
    # Only a name holding a clutter word can give a clutter token (each token lies inside its name
    # squeezed), so the others ("container", "col-md-6") are not tokenised for these three tests.
    tokens = _tokens(" ".join(flagged))
    if not rules.STRONG_CLUTTER_TOKENS.isdisjoint(tokens):
        return STRONG
    if not rules.GATED_TOKENS.isdisjoint(tokens):
        return GATED
    if rules.WEAK_CLUTTER_TOKENS.isdisjoint(tokens):
        return NO_CLUTTER
    # In BEM names ("story__meta") the block part names the component, the element part this element:
    # only the element part may claim content.
    elements = " ".join(name.rpartition("__")[2] for name in split)
    return WEAK if rules.CONTENT_TOKENS.isdisjoint(_tokens(elements)) else NO_CLUTTER


def is_beside_the_article(node: LexborNode) -> bool:
    """A sibling of `node`, none of the page's furniture (a logo's <h1> in <header>), is or holds the
    headline or an <article>/<main>, and `node` holds none (rules.TANGENTIAL_TAGS)."""
    if node.css_first(rules.ARTICLE_MARK_SELECTOR) is not None:
        return False  # the article may be inside it
    parent = node.parent
    sibling = parent.child if parent is not None else None
    while sibling is not None:
        tag = sibling.tag or ""
        if (
            sibling.mem_id != node.mem_id
            and not tag.startswith("-")  # text and comments
            and tag not in rules.FURNITURE_TAGS
            and (tag in rules.ARTICLE_MARK_TAGS or sibling.css_first(rules.ARTICLE_MARK_SELECTOR) is not None)
        ):
            return True
        sibling = sibling.next
    return False
