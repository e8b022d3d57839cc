"""The author: structured fields first, then the page's byline elements and "By" lines near the headline.

Names are cleaned, not invented: they lose their "By" and are refused when they are a URL, an e-mail
address or a sentence.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import rules
from ._dates import date_in_text
from ._jsonld import LinkedData
from ._page import MetaTags, TextNearTitle, author_marked, first_matches
from ._text import capitalised, clean_text, fold

__all__ = ["read_author"]


def read_author(
    tree: LexborHTMLParser, linked: LinkedData, tags: MetaTags, near_title: TextNearTitle
) -> str | None:
    for raw, strict in _author_candidates(tree, linked, tags, near_title):
        names = _author_names(raw, strict=strict)
        if names:
            return "; ".join(names)
    return None


def _author_candidates(
    tree: LexborHTMLParser, linked: LinkedData, tags: MetaTags, near_title: TextNearTitle
) -> Iterator[tuple[list[str], bool]]:
    """Raw author values, most trusted first, each with whether it must look like a person's name."""
    yield list(linked.authors), False
    for key in rules.AUTHOR_KEYS:
        values = tags.all(key)
        if key == "twitter:data1" and tags.first(["twitter:label1"]) not in ("Written by", "Author", "By"):
            continue
        if values:
            yield (values if key in rules.MULTI_AUTHOR_KEYS else values[:1]), False
    marked = author_marked(tree)  # one walk: no mark, no selector can match
    if marked:
        yield from _selected(tree, rules.AUTHOR_SELECTORS[: rules.SPECIFIC_AUTHOR_SELECTORS])
    yield _byline_in_text(near_title), False
    yield _name_beside_date(near_title), False
    if marked:
        yield from _selected(tree, rules.AUTHOR_SELECTORS[rules.SPECIFIC_AUTHOR_SELECTORS :])
        yield _bem_byline(tree, near_title), True
    yield list(linked.organisation_authors), False


def _selected(tree: LexborHTMLParser, selectors: Sequence[str]) -> Iterator[tuple[list[str], bool]]:
    """The first element each selector finds, as a raw value that must look like a name."""
    for selector in selectors:
        for node in first_matches(tree, selector, 1):
            text = node.attributes.get("content") or node.text(deep=True, separator=" ")
            yield [_named_by_slug(text, node.attributes.get("href"))], True


def _named_by_slug(text: str, href: str | None) -> str:
    """The words of a link's text that its address's last segment spells ("View all posts by Tom Everard"
    to /author/tom/ is "Tom Everard"): an author archive or profile link's slug is the name, or its first
    word. The text is cut before the slug's word only after a lower-case word (a phrase's "by", "de",
    "von"; a name's words are capitalised: "Tom Everard" to /author/everard/ stays whole), and loses the
    lower-case words after the name ("Alle Beiträge von Jörg Müller anzeigen")."""
    if not href:
        return text
    try:
        segments = [segment for segment in unquote(urlsplit(href).path).split("/") if segment]
    except ValueError:
        return text
    tokens = (
        [token for token in rules.SLUG_SPLIT_RE.split(_ascii_fold(segments[-1])) if token] if segments else []
    )
    if not tokens or len(tokens[0]) < rules.MIN_SLUG_WORD_CHARS:
        return text
    words = text.split()
    folded = [_ascii_fold(word).strip(rules.QUOTES + ".,:;()") for word in words]
    for index in range(1, len(words)):
        if folded[index] == tokens[0] and words[index - 1].islower():
            spelled = len(tokens) > 1 and folded[index : index + len(tokens)] == tokens
            name = words[index : index + len(tokens)] if spelled else words[index:]
            while len(name) > 1 and name[-1].islower():
                name.pop()
            return " ".join(name)
    return text


def _ascii_fold(text: str) -> str:
    """Lower case without accents, as slugs spell names ("Jörg" is "jorg")."""
    return "".join(
        char for char in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(char)
    )


def _bem_byline(tree: LexborHTMLParser, near_title: TextNearTitle) -> list[str]:
    """A BEM element named author ("p-article__author") near the headline, outside comments: the block
    names whose author it is, and a comment's block or container says it is a commenter's
    ("comment__author"). Further from the headline, such elements credit quotes, reviews and teasers."""
    windows: list[str] | None = None
    for node in tree.css(rules.BEM_AUTHOR_SELECTOR):
        classes = (node.attributes.get("class") or "").split()
        if not any(rules.BEM_AUTHOR_RE.match(name) for name in classes) or _in_comments(node):
            continue
        text = clean_text(_name_part(node).text(deep=True, separator=" "))
        if windows is None:
            windows = [" ".join(window.split()) for window in near_title.windows()]
        if text and any(text in window for window in windows):
            return [text]
    return []


def _name_part(node: LexborNode) -> LexborNode:
    """The element's part named "name" ("article__author__name" beside "__position"), as microdata's
    author has a name, else the element itself."""
    for part in node.css(rules.NAME_PART_SELECTOR):
        if any(name.casefold().endswith("name") for name in (part.attributes.get("class") or "").split()):
            return part
    return node


def _in_comments(node: LexborNode) -> bool:
    """The element or a container of it is marked as comments (<ol class="comment-list">, id="comments")."""
    current: LexborNode | None = node
    while current is not None:
        marks = f"{current.attributes.get('class') or ''} {current.attributes.get('id') or ''}".casefold()
        if any(word in marks for word in rules.COMMENT_WORDS):
            return True
        current = current.parent
    return False


def _byline_in_text(near_title: TextNearTitle) -> list[str]:
    """A "By Jane Doe" line near the headline (after "By", a single word may be a pen name: "by ibby")."""
    for window in near_title.windows():
        for match in rules.BYLINE_LINE_RE.finditer(window):
            name = match["name"].strip()
            if _looks_like_name(name) or (" " not in name and name.isalpha()):
                return [name]
    return []


def _name_beside_date(near_title: TextNearTitle) -> list[str]:
    """A name printed next to the date under the headline, without "By" ("Jane Doe · May 5, 2024")."""
    windows = near_title.windows()
    if not windows:
        return []
    lines = [line.strip() for line in windows[0].split("\n")]
    lines = [line for line in lines if line and line not in rules.LINE_SEPARATORS][: rules.MAX_BYLINE_LINES]
    for index, line in enumerate(lines):
        if rules.DATE_HINT_RE.search(line) is None:  # no date in it, whole or in parts
            continue
        parts = [part.strip() for part in rules.INLINE_SEPARATOR_RE.split(line)]
        if len(parts) > 1 and any(date_in_text(part) for part in parts):
            people = [part for part in parts if _looks_like_person(part)]
            if people:
                return people[:1]
        if len(line) <= rules.MAX_DATE_LINE_CHARS and date_in_text(line):
            neighbours = lines[max(0, index - 2) : index] + lines[index + 1 : index + 3]
            people = [neighbour for neighbour in neighbours if _looks_like_person(neighbour)]
            if people:
                return people[:1]
    return []


def _looks_like_person(text: str) -> bool:
    """Two to four capitalised words and nothing that a person's name would not hold."""
    words = text.split()
    if not 2 <= len(words) <= 4 or not rules.PERSON_NAME_RE.match(text):
        return False
    return not any(word.casefold() in rules.NOT_NAME_WORDS for word in words)


def _looks_like_name(text: str) -> bool:
    """Capitalised words, as a byline prints names (lower-case particles such as "van", "de" allowed)."""
    words = rules.TRAILING_DATE_RE.sub("", clean_text(text) or "").split()
    if not words or len(words) > 2 * rules.MAX_AUTHOR_WORDS:
        return False
    capitalised_words = sum(1 for word in words if capitalised(word))
    return capitalised(words[0]) and capitalised_words >= len(words) / 2


def _author_names(raw_values: list[str], *, strict: bool) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for raw in raw_values:
        for name in _split_authors(raw):
            key = fold(name)
            if key not in seen and (not strict or _looks_like_name(name)):
                seen.add(key)
                names.append(name)
    return names[: rules.MAX_AUTHORS]


def _split_authors(raw: str) -> Iterator[str]:
    text = clean_text(raw)
    if not text or len(text) > 4 * rules.MAX_AUTHOR_CHARS:
        return
    text = rules.BYLINE_PREFIX_RE.sub("", text)
    parts: list[str] = []
    for part in rules.AUTHOR_SPLIT_RE.split(text):
        if parts and rules.CREDENTIAL_RE.match(part.strip()):
            parts[-1] = f"{parts[-1]}, {part.strip()}"
        elif part.strip():
            parts.append(part)
    if len(parts) == 2 and _is_surname_first(text, parts):
        parts = [text]
    for part in parts:
        name = _clean_name(part)
        if name:
            yield name


def _is_surname_first(text: str, parts: list[str]) -> bool:
    """ "Doe, Jane" (one comma, one or two words each side) is one name in library order, kept as is."""
    return text.count(",") == 1 and "," in text and all(1 <= len(part.split()) <= 2 for part in parts)


def _clean_name(part: str) -> str | None:
    name = rules.TRAILING_DATE_RE.sub("", rules.BYLINE_PREFIX_RE.sub("", part)).strip(rules.QUOTES + " :-–—|")
    if not name or rules.NOT_A_NAME_RE.search(name):
        return None
    if len(name) > rules.MAX_AUTHOR_CHARS or len(name.split()) > rules.MAX_AUTHOR_WORDS:
        return None
    folded = name.casefold()
    if folded in rules.AUTHOR_NOISE_WORDS or folded.rstrip(".") in rules.MONTHS or folded in rules.WEEKDAYS:
        return None
    if not any(char.isalpha() for char in name):
        return None
    return name
