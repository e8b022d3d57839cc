"""The headline: an <h1> that the metadata titles confirm, else the best metadata title without its
" | Site" part (told by the site's name, the hostname, or its form), completed by an <h2> on a page
without <h1>; and the site name a <title> suffix gives."""

from __future__ import annotations

from . import rules
from ._jsonld import LinkedData
from ._page import MetaTags, PageNodes
from ._text import capitalised, clean_text, fold

__all__ = ["read_title", "sitename_from_title"]


def read_title(
    nodes: PageNodes, linked: LinkedData, tags: MetaTags, sitename: str | None, hostname: str | None = None
) -> str | None:
    """The headline as the page shows it: an <h1> that the metadata titles confirm, else the best of them.

    Editors write <h1> for readers and og:title / <title> for search engines ("Top 10 X to Watch" vs
    "X For 2026 | Site"); an <h1> is trusted when most of its words also occur in a metadata title,
    which tells a headline from a site logo or a section name set in <h1>. A page with no <h1> at all
    (hand-written and old pages) may set its headline in the next level, an <h2> (see _completed).
    """
    page_title = nodes.title
    # The references an <h1> is checked against lose only the parts the site's declared name marks, not
    # those the hostname does: a section front's <h1> "Business" must not pass for the headline of
    # "Business News | The Coastal Times" by matching what is left of it.
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
        title = _without_site_suffix(candidate, sitename, first_heading, hostname)
        if title:
            return title if any(headings) else _completed(title, nodes.subheadings)
    return first_heading


def _completed(title: str, subheadings: tuple[str, ...]) -> str:
    """On a page with no <h1>, an <h2> that starts with the metadata title (or with its longest part, the
    site's name unknown) and goes on is the headline in full ("Site - Restoring a Radio, Part 3" in
    <title>, "Restoring a Radio, Part 3: Recapping" in <h2>); an <h2> that only quotes the title
    ("15 Replies to ...") or says something else is not."""
    parts = [part for part in rules.TITLE_SEPARATORS_RE.split(title) if part]
    wanted = {fold(title), fold(max(parts, key=len))}
    for subheading in map(_usable_title, subheadings):
        folded = fold(subheading) if subheading else ""
        for start in wanted:
            if len(folded) > len(start) and folded.startswith(start) and not folded[len(start)].isalnum():
                return subheading or title
    return title


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


def _without_site_suffix(
    title: str | None, sitename: str | None, heading: str | None, hostname: str | None = None
) -> str | None:
    """The title without a " | Site" part: the part that matches the h1, else the part the site's name or
    hostname spells, else a short name-like last part (for "_"-chained titles, every such part)."""
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
    if _host_spells(parts[-1], hostname):
        return _rejoin(title, parts[:-1])
    if _host_spells(parts[0], hostname):
        return _rejoin(title, parts[1:])
    chained = any(
        match.group() == rules.CHAINED_SEPARATOR for match in rules.TITLE_SEPARATORS_RE.finditer(title)
    )
    while len(parts) >= 2 and _is_name_suffix(parts):
        parts = parts[:-1]
        if not chained:
            break
    return _rejoin(title, parts)


def _is_name_suffix(parts: list[str]) -> bool:
    suffix = parts[-1]
    return (
        len(suffix.split()) <= rules.MAX_SITENAME_WORDS
        and len(suffix) < len(" ".join(parts[:-1]))
        and _looks_like_site(suffix)
    )


def _host_spells(part: str, hostname: str | None) -> bool:
    """A label of the hostname spells the part's letters, or most of them after a leading article: the
    part is the site's name, whatever its length ("Sign in | The Harbour Chronicle" at
    account.harbourchronicle.example). Letters after the label make it a product or section of the site
    ("Cloudflare CDN"), not its name."""
    if not hostname:
        return False
    letters = "".join(char for char in part.casefold() if char.isalnum())
    for label in hostname.casefold().split("."):
        label = "".join(char for char in label if char.isalnum())
        if (
            len(label) >= rules.MIN_HOST_LABEL_CHARS
            and letters.endswith(label)
            and len(label) >= rules.MIN_HOST_SHARE * len(letters)
        ):
            return True
    return False


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
