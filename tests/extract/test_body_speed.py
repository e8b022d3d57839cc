"""The shortcuts of choosing and cleaning the body give what the plain rules give, on every text."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from scraper._compiled import pure_python
from scraper.extract import body, containers, evidence, repeats, rules
from scraper.extract.blocks import Block, BlockKind, collect_blocks
from scraper.extract.repeats import drop_pull_quotes, normalised, normalised_all

compiled = pytest.importorskip("scraper.extract._repeats") if not os.environ.get("CI") else None
if compiled is None:  # CI builds the extension: its absence there is a broken build, not a skip
    from scraper.extract import _repeats as compiled
# Bound with the Python's table, as repeats.py binds it (which it does not under SCRAPER_PURE_PYTHON).
compiled.bind(repeats._SEPARATOR)

# Characters whose lower-casing or word-ness the shortcuts must not misread: punctuation and spaces outside
# ASCII (the fast path's), letters that lower-case to more or other letters, a final sigma and what it
# reads around it, marks, digits of other scripts, an emoji, a lone surrogate, the separator itself.
_TRICKY = "’“”—–\u00a0\u2009\u3000…😀Ⓐⓩ\u2160ΣσΑİ\u212aéE\u0301ǅ١½²日\ud800\x00_"
_ALPHABET = st.sampled_from("aZ0 .,-\n\t" + _TRICKY)


@pytest.mark.parametrize(
    "texts",
    [
        ["l’été", "“Quoted” — and\u00a0spaced"],  # only punctuation and spaces outside ASCII, and a letter
        ["“Quoted” — and\u00a0spaced…", "emoji 😀 here", "a lone surrogate \ud800"],  # only those
        ["Ⓐ CIRCLED Ⓑ letters", "\u2160 roman numeral"],  # symbols that lower-case: not word characters
        ["ΟΔΟΣ’Α", "ΟΔΟΣ’"],  # a sigma read through a quote, case-ignorable: final or not
        ["“İstanbul”", "\u212a’s"],  # lower-casing that adds a mark, and gives an ASCII letter
    ],
)
def test_texts_with_punctuation_outside_ascii_are_each_normalised(texts: list[str]) -> None:
    assert normalised_all(texts) == [normalised(text) for text in texts]


@given(st.lists(st.text(_ALPHABET, max_size=30), max_size=6))
def test_texts_normalised_at_once_are_each_normalised_whatever_their_characters(texts: list[str]) -> None:
    assert normalised_all(texts) == [normalised(text) for text in texts]


def _python_keys(utf8: bytes, table: bytes = repeats._ASCII_NON_WORD_BYTES_TO_SPACE) -> list[str]:
    """normalised_all's last steps in Python (repeats.py)."""
    collapsed = repeats._SPACE_RUN_RE.sub(b" ", utf8.translate(table))
    return [part.strip(" ") for part in collapsed.decode("utf-8", "surrogatepass").split(repeats._SEPARATOR)]


@given(st.text(_ALPHABET, max_size=80))
def test_the_compiled_keys_are_the_pythons(text: str) -> None:
    utf8 = text.lower().encode("utf-8", "surrogatepass")
    assert compiled.keys(utf8, repeats._ASCII_NON_WORD_BYTES_TO_SPACE) == _python_keys(utf8)


@given(st.text(_ALPHABET, max_size=80))
def test_the_compiled_keys_by_the_lowering_table_are_the_pythons(text: str) -> None:
    # The UTF-8 as it is (unlowered), every byte outside ASCII a space (repeats._words_utf8's usual case).
    utf8 = text.encode("utf-8", "surrogatepass")
    table = repeats._LOWERED_OTHERS_TO_SPACE
    assert compiled.keys(utf8, table) == _python_keys(utf8, table)


def test_a_table_that_moves_the_separator_is_refused() -> None:
    for table in [b" " * 256, bytes(256), repeats._LOWERED_OTHERS_TO_SPACE[:255]]:
        with pytest.raises(ValueError, match="256 bytes"):
            compiled.keys(b"a b", table)


@pytest.mark.parametrize(
    "text",
    [
        "Plain ASCII, With Capitals",
        "“Curly” quotes — dashes\u00a0and spaces…",
        "Émile’s café",
        "ΟΔΟΣ’Α İ\u212a",
    ],
)
def test_the_lowering_table_is_the_lowered_text_s_with_its_other_characters_made_spaces(text: str) -> None:
    # Where the table serves (no character outside ASCII is a word character or lowers to one), it gives
    # the words of the text lowered with those characters replaced by spaces.
    utf8, table = repeats._words_utf8(text)
    others = {char for char in text if not char.isascii()}
    if table is repeats._LOWERED_OTHERS_TO_SPACE:
        assert not any(char.isalnum() or char.lower().isalnum() for char in others)
        spaced = "".join(" " if char in others else char for char in text).lower()
        assert _python_keys(utf8, table) == _python_keys(spaced.encode("ascii"))
    else:
        assert any(char.isalnum() or char.lower().isalnum() for char in others)


@given(st.lists(st.text(_ALPHABET, max_size=30), max_size=6))
def test_texts_normalised_at_once_alike_with_and_without_the_compiled_keys(texts: list[str]) -> None:
    found = normalised_all(texts)
    saved, repeats._compiled = repeats._compiled, None
    try:
        assert found == normalised_all(texts)
    finally:
        repeats._compiled = saved


def test_pull_quotes_are_searched_by_the_compiled_loop_when_built() -> None:
    # Python where the switch asks for it (the fallback pass of .ci/run), the compiled loop otherwise.
    assert repeats._compiled is (None if pure_python() else compiled)


def _counted(haystack: str, keys: list[str], candidates: list[int]) -> list[int]:
    """The Python's test (repeats.drop_pull_quotes): held twice, without overlap."""
    return [index for index in candidates if haystack.count(keys[index]) > 1]


@pytest.mark.parametrize(
    ("haystack", "keys"),
    [
        ("aaa", ["aa"]),  # two copies that overlap: counted once
        ("aaaa", ["aa", "aaa"]),  # "aa" twice, "aaa" once
        ("ab\nxab", ["ab", "xab"]),  # inside another line, after its first character
        ("x y z\nx y z", ["x y z", "x y z"]),  # two blocks alike
        ("é日\U0001f600 ok\né日\U0001f600 ok!", ["é日\U0001f600 ok"]),  # characters of each width
        ("short", ["longer than the text"]),  # no window fits
        ("", [""]),  # an empty key: Python's count
    ],
)
def test_the_compiled_search_counts_as_the_python(haystack: str, keys: list[str]) -> None:
    candidates = list(range(len(keys)))
    assert compiled.held(haystack, keys, candidates, 2) == _counted(haystack, keys, candidates)


_WORDS = st.text("ab é日\U0001f600\n", max_size=12)


@given(st.lists(_WORDS, min_size=1, max_size=8), st.text("ab é日\U0001f600\n", max_size=60), st.data())
def test_the_compiled_search_counts_as_the_python_whatever_the_text(
    keys: list[str], extra: str, data: st.DataObject
) -> None:
    """Keys made of few letters repeat, overlap and collide; the text is the keys' or any other."""
    candidates = data.draw(st.lists(st.sampled_from(range(len(keys))), unique=True))
    for haystack in ("\n".join(keys), extra + "\n".join(keys) + extra):
        assert compiled.held(haystack, keys, candidates, 2) == _counted(haystack, keys, candidates)


_PARAGRAPHS = st.lists(
    st.text("ab c.\u2019", min_size=0, max_size=80).map(lambda text: text + " words of a block"), max_size=12
)


@given(_PARAGRAPHS, st.data())
def test_pull_quotes_dropped_alike_by_the_compiled_search_and_the_python(
    texts: list[str], data: st.DataObject
) -> None:
    """Blocks that repeat each other's words in part (pull quotes), or whole (standfirsts), or not."""
    texts += (
        [data.draw(st.sampled_from(texts))[3:40] for _ in range(data.draw(st.integers(0, 3)))]
        if texts
        else []
    )
    blocks = [
        Block(text, BlockKind.PARAGRAPH, len(text), 0, (1, 2 + index % 3)) for index, text in enumerate(texts)
    ]
    found = drop_pull_quotes(blocks)
    saved, repeats._compiled = repeats._compiled, None
    try:
        assert found == drop_pull_quotes(blocks)
    finally:
        repeats._compiled = saved


def test_notice_keys_are_searched_by_the_compiled_loop_when_built() -> None:
    assert evidence.held is repeats.held
    assert repeats._compiled is (None if pure_python() else compiled)


# Pieces of notice keys, whole and cut, in either case, among other letters: texts that hold some keys,
# overlapping ("der informationszweck"), cut short, or none.
_NOTICE_PIECES = st.sampled_from(
    [*rules.NOTICE_KEYS, "RÉSERV", "Cookie", "inform", "der ", "ationszweck", "paid", " ", "x", "é", "\n"]
)


@given(st.lists(st.lists(_NOTICE_PIECES, max_size=12).map("".join), min_size=1, max_size=4))
def test_notice_keys_found_alike_by_the_compiled_search_and_the_python(texts: list[str]) -> None:
    blocks = [Block(text, BlockKind.PARAGRAPH, rules.MIN_PROSE_CHARS + len(text), 0, (1,)) for text in texts]
    found = evidence._keys_in(blocks)
    saved, repeats._compiled = repeats._compiled, None
    try:
        assert found == evidence._keys_in(blocks)
    finally:
        repeats._compiled = saved
    text = "\n".join(texts).lower()
    keys = list(rules.NOTICE_KEYS)
    assert compiled.held(text, keys, list(range(len(keys))), 1) == [
        index for index, key in enumerate(keys) if key in text
    ]


def _may_be_notice_box_block_by_block(blocks: list[Block]) -> bool:
    """evidence.may_be_notice_box as first written: each block asked whether it may be a notice, and is."""
    prose = sum(block.chars for block in blocks if evidence._may_be_notice(block))
    if prose > rules.MAX_NOTICE_BOX_CHARS:
        return False
    keys = evidence._keys_in(blocks)
    return bool(keys) and any(evidence.is_notice(block, keys) for block in blocks)


# Sizes around the bounds of a notice's size: too short, the least, the most, too long; and notices' text.
_NOTICE_SIZES = st.sampled_from(
    [0, rules.MIN_PROSE_CHARS - 1, rules.MIN_PROSE_CHARS, rules.MAX_NOTICE_CHARS, rules.MAX_NOTICE_CHARS + 1]
)
_NOTICE_TEXTS = st.sampled_from(
    [
        "All rights reserved.",
        "We may earn a commission from links on this page.",
        "This article is for informational purposes only.",
        "Cookie",
        "A sentence of the article, with words enough to count as its prose.",
    ]
)


@given(st.lists(st.tuples(_NOTICE_TEXTS, _NOTICE_SIZES), max_size=12))
def test_a_notice_box_is_suspected_as_block_by_block(shapes: list[tuple[str, int]]) -> None:
    blocks = [Block(text, BlockKind.PARAGRAPH, chars, 0, (1, 2)) for text, chars in shapes]
    assert evidence.may_be_notice_box(blocks) is _may_be_notice_box_block_by_block(blocks)


_PROSE = "A sentence of the article, with words enough to count as its prose. "
# Lines of a body and of what sits in it: prose, labels, linked sentences and headings, headline lists
# (long, mostly links), rails of short linked items, a line announcing a list.
_LINES = st.sampled_from(
    [
        f"<p>{_PROSE * 2}</p>",
        "<p>Short label</p>",
        f"<p>{_PROSE}Read <a href='/a'>this story</a> too.</p>",
        "<p><a href='/b'>A linked line, alone</a></p>",
        "<h2><a href='/s'>A linked heading</a></h2>",
        "<h3>Related</h3>",
        "<ul>" + "<li><a href='/l'>A headline of another story, linked from here</a></li>" * 4 + "</ul>",
        "<div><div><a href='/n'>Author Name</a></div><div>Label</div><div>May 1</div></div>" * 2,
        "<p>Many patches were sent for review in this long while:</p>",
        "<blockquote><p><a href='/q'>A quoted line</a></p></blockquote>",
    ]
)
_BOXES = st.recursive(
    _LINES,
    lambda inner: st.lists(inner, min_size=1, max_size=4).map(lambda parts: f"<div>{''.join(parts)}</div>"),
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_BOXES, min_size=1, max_size=5))
def test_a_body_without_lists_drops_none_of_its_blocks_without_links_as_a_list_s(parts: list[str]) -> None:
    """clean_body judges every block for a list or rail around it only where the body holds one
    (_BodyContainers.any_inside): elsewhere no block without links is dropped as a list's."""
    tree = LexborHTMLParser(f"<html><body><article>{''.join(parts)}</article></body></html>")
    assert tree.body is not None
    choice = body.find_body(collect_blocks(tree.body))
    if choice.body_id is None:
        return
    blocks = choice.blocks
    dropped = [
        body._dropped_as_links(
            block, blocks[index - 1] if index else None, next(iter(blocks[index + 1 :]), None), judged
        )
        for judged in [body._BodyContainers(choice)]
        for index, block in enumerate(blocks)
    ]
    if not body._BodyContainers(choice).any_inside():
        assert not any(drop for drop, block in zip(dropped, blocks, strict=True) if not block.link_chars)


def test_every_wide_script_character_leads_its_utf8_with_a_byte_the_body_s_script_test_looks_for() -> None:
    """containers._least_chars searches a body for those characters only where its UTF-8 holds such a byte."""
    every = "".join(map(chr, range(0x110000)))
    wide = containers._WIDE_CHAR_RE.findall(every)
    assert wide  # the rule's characters, all of them
    leads = {char.encode("utf-8", "surrogatepass")[0] for char in wide}
    assert not leads & set(containers._NOT_WIDE_LEADS)


@pytest.mark.parametrize(
    "texts",
    [
        ["“Quoted” — and\u00a0spaced…", "accents: é à ü"],  # no character of those scripts: not searched
        ["相关阅读", "“关于我们”"],  # Chinese, with curly quotes
        ["日本語のテキスト", "한국어"],
        ["a\u3000b", "\uff01"],  # an ideographic space and a full-width mark: led alike, not counted
        ["\ud800 a lone surrogate"],
    ],
)
def test_a_link_list_s_least_size_is_the_same_with_the_script_test(texts: list[str]) -> None:
    blocks = [Block(text, BlockKind.PARAGRAPH, len(text.replace(" ", "")), 0, (1,)) for text in texts]
    found = containers._least_chars(blocks)
    text = "".join(texts)
    wide = len(containers._WIDE_CHAR_RE.findall(text))
    chars = sum(block.chars for block in blocks)
    plain = text.isascii() or wide < rules.MIN_WIDE_SCRIPT_SHARE * chars
    assert found == (
        rules.MIN_CONTAINER_CHARS if plain else rules.MIN_CONTAINER_CHARS / rules.WIDE_CHAR_WEIGHT
    )


def _orphans_dropped_one_by_one(blocks: list[Block]) -> list[Block]:
    """body._drop_orphan_headings as first written: every block looked at."""
    kept: list[Block] = []
    for index, block in enumerate(blocks):
        if block.kind is BlockKind.HEADING:
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if following is None or (following.kind is BlockKind.HEADING and following.level <= block.level):
                continue
        kept.append(block)
    return kept


_SHAPES = st.lists(
    st.tuples(st.sampled_from(list(BlockKind)), st.integers(min_value=1, max_value=4)), max_size=12
)


@given(_SHAPES)
def test_orphan_headings_found_among_the_headings_are_those_of_every_block(
    shapes: list[tuple[BlockKind, int]],
) -> None:
    blocks = [Block(f"Line {index}", kind, 6, 0, (1, 2), level) for index, (kind, level) in enumerate(shapes)]
    assert body._drop_orphan_headings(blocks) == _orphans_dropped_one_by_one(blocks)


def _repeats_dropped_one_by_one(blocks: list[Block]) -> list[Block]:
    """repeats.drop_repeats as first written: each long text's last copy found in one loop over the blocks."""
    last_index: dict[str, int] = {}
    keys = [block.text for block in blocks]
    long_keys = 0
    for index, key in enumerate(keys):
        if len(key) >= rules.MIN_DUPLICATE_CHARS:
            last_index[key] = index
            long_keys += 1
    if len(last_index) == long_keys:
        return blocks
    own = repeats.own_repeats(blocks, keys)
    return [
        block
        for index, (block, key) in enumerate(zip(blocks, keys, strict=True))
        if len(key) < rules.MIN_DUPLICATE_CHARS or last_index[key] == index or index in own
    ]


@given(
    _SHAPES,
    st.lists(
        st.sampled_from(
            [
                "The same line of text, set twice.",
                "x" * rules.MIN_DUPLICATE_CHARS,
                "y" * (rules.MIN_DUPLICATE_CHARS - 1),
            ]
        )
    ),
)
def test_repeats_told_by_a_set_are_those_of_every_block(
    shapes: list[tuple[BlockKind, int]], texts: list[str]
) -> None:
    # Blocks that share a text, long enough to be a repeat or not (at the bound), in one parent or not.
    blocks = [
        Block(
            texts[index] if index < len(texts) else f"Line number {index} of its own.",
            kind,
            30,
            0,
            (1, 2 + level % 2),
        )
        for index, (kind, level) in enumerate(shapes)
    ]
    assert repeats.drop_repeats(blocks) == _repeats_dropped_one_by_one(blocks)


def _best_container_one_by_one(scores: dict[int, float]) -> int | None:
    """body._best_container's choice below the root as first written: each container's score compared."""
    best: int | None = None
    best_score = 0.0
    root = next(iter(scores), None)
    for container, score in scores.items():
        if container != root and score > best_score:
            best, best_score = container, score
    return best


@given(st.lists(st.sampled_from([-150.0, -0.0, 0.0, 0.5, 12.0, 80.0, 1e9]), min_size=1, max_size=8))
def test_the_best_container_is_the_first_of_the_best_scores(values: list[float]) -> None:
    # Ties, zeros of either sign, nothing above zero; the root (the first) never chosen below itself. Its
    # own score kept below the best, so that the fragment rule (the root chosen) does not apply.
    scores = dict(zip(range(100, 100 + len(values)), [-1e10, *values[1:]], strict=True))
    assert body._best_container(scores, {}) == _best_container_one_by_one(scores)
