"""The verdict of class and id names compiled (scraper/extract/_cclutter.pyx) is clutter.py's.

clutter.py's Python is the reference and the fallback: `_cclutter.verdict(names)` must be
`clutter._clutter_of_names(names)` where `clutter._holds_clutter_word(names)`, else no clutter, for every
ASCII value, and refuse (-1) any other, which only Python lowers and squeezes alike.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scraper._compiled import load, pure_python
from scraper.extract import clutter, rules

COMPILED = load("scraper.extract._cclutter")

needs_compiled = pytest.mark.skipif(
    COMPILED is None and (pure_python() or not os.environ.get("CI")),
    reason="the compiled clutter verdict was not built",
)


def python_verdict(names: str, monkeypatch: pytest.MonkeyPatch) -> clutter.Clutter:
    """clutter.py's verdict of the names by its Python alone, past its caches."""
    with monkeypatch.context() as patched:
        patched.setattr(clutter, "_compiled", None)
        if not clutter._holds_clutter_word(names):
            return clutter.NO_CLUTTER
        return clutter._clutter_of_names.__wrapped__(names)  # type: ignore[attr-defined]


RULE_WORDS = sorted(
    rules.STRONG_CLUTTER_TOKENS
    | rules.WEAK_CLUTTER_TOKENS
    | rules.GATED_TOKENS
    | rules.CONTENT_TOKENS
    | rules.HIDDEN_CLASSES
    | rules.MODIFIER_WORDS
    | rules.STYLE_PROPERTY_WORDS
    | rules.LAYOUT_TOKENS
)
WORDS = st.one_of(
    st.sampled_from(RULE_WORDS),
    st.sampled_from(RULE_WORDS).map(str.capitalize),
    st.sampled_from(RULE_WORDS).map(str.upper),
    st.sampled_from(RULE_WORDS).map(lambda word: word + "s"),
    st.from_regex(r"[a-zA-Z0-9]{1,6}", fullmatch=True),
)
SEPARATORS = st.sampled_from(["", "-", "_", "__", "--", ":", "/", ".", "1", "2x"])
NAMES = st.lists(st.tuples(WORDS, SEPARATORS).map("".join), min_size=1, max_size=9).map("".join)
SPACES = st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f"])
VALUES = st.lists(st.tuples(NAMES, SPACES).map("".join), max_size=5).map("".join)


@needs_compiled
@settings(max_examples=3000, deadline=None)
@given(VALUES)
@example("share")
@example("story__meta")
@example("story__content sidebar")
@example("articleShareBar")
@example("no-share has-sidebar")
@example("tw-bg-share")  # a theme's utility class
@example("bg-sidebar widget")
@example("one-two-three-four-five-six-share")  # a slug: seven words
@example("one-two-three-four-five-share")
@example("SR-ONLY")
@example("d-none content")
@example("call-to-action")
@example("read-next-box x")
@example("related__posts__body")
@example("share___ad")
@example("widget " * 300)  # longer than the compiled buffer: Python judges
def test_the_compiled_verdict_is_pythons(value: str) -> None:
    assert COMPILED is not None
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = python_verdict(value, monkeypatch)
    found = COMPILED.verdict(value)
    assert found == expected or (found == -1 and len(value) > 1000), (value, found, expected)


@needs_compiled
@given(st.lists(st.sampled_from(["share", "-", " ", "é", "\u212a", "İ", "sidebar", "\u00a0"]), min_size=1))
def test_a_value_not_ascii_is_left_to_python(pieces: list[str]) -> None:
    assert COMPILED is not None
    value = "".join(pieces)
    assert (COMPILED.verdict(value) == -1) is (not value.isascii())


@needs_compiled
def test_a_clutter_word_that_is_not_squeezed_is_refused() -> None:
    assert COMPILED is not None
    with pytest.raises(ValueError, match="not squeezed"):
        COMPILED.bind(["share-bar"], [], [], [], [], [], [], [], 7, 2, [], [], [], [], [])
    clutter._bind_compiled()  # the rules back, for the tests that follow
    assert COMPILED.verdict("share") == clutter.STRONG


ROLES = st.one_of(
    st.sampled_from(sorted(rules.SKIP_ROLES)), st.sampled_from(["Navigation", "MAIN", "article"])
)
STYLES = st.lists(
    st.sampled_from(
        ["display", "Display", "visibility", ":", "none", "NONE", "hidden", " ", "\t", "\x1c", ";", "x"]
    ),
    max_size=8,
).map("".join)
ATTRIBUTE_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "role": st.one_of(st.none(), st.just(""), ROLES),
        "hidden": st.one_of(st.none(), st.just(""), st.just("hidden")),
        "aria-hidden": st.one_of(st.none(), st.sampled_from(["true", "True", "false", ""])),
        "style": st.one_of(st.none(), STYLES, st.just("display:none; font-family: 'Ö'")),
        "class": st.one_of(st.none(), VALUES),
        "id": st.one_of(st.none(), NAMES),
    },
)


@needs_compiled
@settings(max_examples=3000, deadline=None)
@given(ATTRIBUTE_VALUES, st.booleans(), st.booleans())
@example({"style": "display : none"}, False, False)
@example({"style": "visibility:\x1chidden"}, False, False)
@example({"role": "Dialog", "hidden": None}, False, False)
@example({"aria-hidden": "true", "class": "share"}, False, False)
@example({"class": "content", "id": "sidebar"}, False, True)  # a heading's id is its anchor
@example({"class": "content"}, True, False)
def test_the_compiled_attribute_verdict_is_pythons(
    values: dict[str, str | None], furniture: bool, heading: bool
) -> None:
    assert COMPILED is not None
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(clutter, "_compiled", None)
        expected = clutter.clutter_of_attributes.__wrapped__(  # type: ignore[attr-defined]
            furniture,
            heading,
            "hidden" in values,
            values.get("aria-hidden"),
            values.get("style"),
            values.get("role"),
            values.get("class"),
            None if heading else values.get("id"),
        )
    found = COMPILED.verdict_of_values(values, furniture, heading)
    ascii_only = all(value is None or value.isascii() for value in values.values())
    assert found == expected or (found == -1 and not ascii_only), (values, found, expected)


@needs_compiled
def test_the_attributes_read_are_clutter_of_plains() -> None:
    # The compiled walk reads these in an element's attribute list: clutter_of_plain's names and the class.
    assert COMPILED is not None
    assert set(COMPILED.ATTRIBUTE_NAMES) == {*clutter.PLAIN_VERDICT_NAMES, "class"}


@needs_compiled
@settings(max_examples=2000, deadline=None)
@given(st.one_of(VALUES, st.sampled_from(["footer-terms", "glossary-terms", "site-footer widget", "widget"])))
@example("widget header")
@example("widget caption")
@example("glossary terms")
@example("related terms")
@example("footer__links")
def test_the_compiled_token_tests_are_pythons(value: str) -> None:
    assert COMPILED is not None
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(clutter, "_compiled", None)
        expected = (
            clutter.is_footer("div", value),
            clutter.names_only_layout.__wrapped__(value),  # type: ignore[attr-defined]
            clutter.names_its_terms({"class": value}),
        )
    found = COMPILED.token_sets(value)
    assert found >= 0, value
    assert (bool(found & 1), bool(found & 2), bool(found & 4)) == expected, (value, found)


@needs_compiled
def test_rules_the_compiled_verdict_cannot_hold_leave_it_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    assert COMPILED is not None
    monkeypatch.setattr(rules, "MIN_SLUG_WORDS", 99)  # more words than it keeps for a name
    clutter._bind_compiled()  # no error: Python judges
    try:
        assert (COMPILED.verdict("share"), COMPILED.token_sets("site-footer")) == (-1, -1)
        assert COMPILED.verdict_of_values({"class": "share"}) == -1
    finally:
        monkeypatch.undo()
        clutter._bind_compiled()
    assert COMPILED.verdict("share") == clutter.STRONG
