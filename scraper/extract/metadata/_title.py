"""The headline: an <h1> that the metadata titles confirm, else the best metadata title without its
" | Site" part; and the site name a <title> suffix gives."""

from __future__ import annotations

from . import rules
from ._jsonld import LinkedData
from ._page import MetaTags, PageNodes
from ._text import capitalised, clean_text, fold

__all__ = ["read_title", "sitename_from_title"]


def read_title(nodes: PageNodes, linked: LinkedData, tags: MetaTags, sitename: str | None) -> str | None:
    """The headline as the page shows it: an <h1> that the metadata titles confirm, else the best of them.

    Editors write <h1> for readers and og:title / <title> for search engines ("Top 10 X to Watch" vs
    "X For 2026 | Site"); an <h1> is trusted when most of its words also occur in a metadata title,
    which tells a headline from a site logo or a section name set in <h1>.
    """
    page_title = nodes.title
    meta_titles = [
        _without_site_suffix(title, sitename, None)
        for title in (linked.title, tags.first(rules.TITLE_KEYS), page_title)
    ]
    references = [_words(title) for title in meta_titles if title]
    headings = [_usable_title(heading) for heading in nodes.headings]
    site = fold(sitename) if sitename else None
    for heading in headings:
        if heading and fold(heading) != site and (not references or _confirmed(heading, references)):
            return heading
    first_heading = next((heading for heading in headings if heading), None)
    preferred = (
        linked.title if linked.is_article else None,
        tags.first(rules.TITLE_KEYS),
        linked.title,
        page_title,
    )
    for candidate in preferred:
        title = _without_site_suffix(candidate, sitename, first_heading)
        if title:
            return title
    return first_heading


def _words(text: str) -> set[str]:
    return set(rules.WORD_RE.findall(text.casefold()))


def _confirmed(heading: str, references: list[set[str]]) -> bool:
    """Most of the heading's words are in a metadata title, and they make a good part of that title."""
    words = _words(heading)
    if not words:
        return False
    for reference in references:
        shared = len(words & reference)
        if shared >= rules.MIN_HEADING_CONFIRMATION * len(words) and shared >= rules.MIN_TITLE_COVERAGE * len(
            reference
        ):
            return True
    return False


def _without_site_suffix(title: str | None, sitename: str | None, heading: str | None) -> str | None:
    """The title without a " | Site" part: the part that matches the h1, or the longest part."""
    title = _usable_title(title)
    if title is None:
        return None
    parts = [part for part in rules.TITLE_SEPARATORS_RE.split(title) if part]
    if len(parts) < 2:
        return title
    if heading:
        wanted = fold(heading)
        if fold(title) == wanted:
            return title
        for start in range(len(parts)):
            for end in range(len(parts), start, -1):
                if (start, end) != (0, len(parts)) and fold(_rejoin(title, parts[start:end])) == wanted:
                    return _rejoin(title, parts[start:end])
    site = fold(sitename) if sitename else None
    if site and fold(parts[-1]) == site:
        return _rejoin(title, parts[:-1])
    if site and fold(parts[0]) == site:
        return _rejoin(title, parts[1:])
    suffix = parts[-1]
    if (
        len(suffix.split()) <= rules.MAX_SITENAME_WORDS
        and len(suffix) < len(" ".join(parts[:-1]))
        and _looks_like_site(suffix)
    ):
        return _rejoin(title, parts[:-1])
    return title


def _rejoin(title: str, parts: list[str]) -> str:
    """The span of `title` from the first to the last of `parts`, with its own separators."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if 0 <= start < end else " ".join(parts)


def _looks_like_site(text: str) -> bool:
    """A site name is short and capitalised or a domain ("The Verge", "example.com")."""
    words = text.split()
    if "." in text and " " not in text.strip():
        return True
    return all(capitalised(word) or not word[:1].isalpha() for word in words)


def sitename_from_title(nodes: PageNodes) -> str | None:
    title = _usable_title(nodes.title)
    if title is None:
        return None
    parts = [part for part in rules.TITLE_SEPARATORS_RE.split(title) if part]
    if len(parts) >= 2 and len(parts[-1].split()) <= rules.MAX_SITENAME_WORDS and _looks_like_site(parts[-1]):
        return parts[-1]
    return None


def _usable_title(text: str | None) -> str | None:
    text = clean_text(text)
    if not text or len(text) > rules.MAX_TITLE_CHARS:
        return None
    return text
