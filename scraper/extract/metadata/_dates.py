"""The publication date: structured fields first, then date elements, a date line near the headline and
the URL path; written as ISO 8601 (a date, or a full date-time when the source gives a time and an offset)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from . import rules
from ._jsonld import LinkedData
from ._page import MetaTags, TextNearTitle, first_matches
from ._text import clean_text

__all__ = ["date_in_text", "normalise_date", "read_date"]


def read_date(
    tree: LexborHTMLParser,
    linked: LinkedData,
    tags: MetaTags,
    near_title: TextNearTitle,
    url: str | None,
    has_time: bool = True,
    has_abbr: bool = True,
) -> str | None:
    for raw in (linked.date, tags.first(rules.DATE_KEYS)):
        found = normalise_date(raw)
        if found:
            return found
    # Selectors that only a <time> or an <abbr> matches cannot match on a page without one (most pages).
    skipped = (frozenset() if has_time else rules.TIME_DATE_SELECTORS) | (
        frozenset() if has_abbr else rules.ABBR_DATE_SELECTORS
    )
    specific = [s for s in rules.DATE_SELECTORS[: rules.SPECIFIC_DATE_SELECTORS] if s not in skipped]
    broad = [s for s in rules.DATE_SELECTORS[rules.SPECIFIC_DATE_SELECTORS :] if s not in skipped]
    return (
        _date_in_elements(tree, specific)
        or _date_line_in_text(near_title)
        or _date_in_elements(tree, broad)
        or _date_in_url(url)
    )


def _date_in_elements(tree: LexborHTMLParser, selectors: Iterable[str]) -> str | None:
    for selector in selectors:
        for node in first_matches(tree, selector, rules.MAX_DATE_ELEMENTS):
            attributes = node.attributes
            raw = attributes.get("datetime") or attributes.get("content")
            if not raw and node.tag == rules.DATE_TITLE_TAG:
                raw = attributes.get("title")
            found = normalise_date(raw) or date_in_text(node.text(deep=True, separator=" "))
            if found:
                return found
    return None


def normalise_date(raw: str | None) -> str | None:
    """ISO 8601 for a machine-readable date ("2024-03-05", with time and offset when given), else None."""
    if not raw:
        return None
    raw = raw.strip()
    match = rules.ISO_RE.search(raw[:64])
    if match:
        day = _valid_date(match["y"], match["m"], match["d"])
        if day is None:
            return None
        if match["H"] is not None and match["tz"] is not None:
            return _with_time(day, match)
        return day.isoformat()
    compact = rules.COMPACT_RE.match(raw)
    if compact:
        return _iso(compact["y"], compact["m"], compact["d"])
    return date_in_text(raw)


def _with_time(day: date, match: re.Match[str]) -> str:
    offset = match["tz"]
    if offset == "Z":
        offset = "+00:00"
    elif ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        moment = datetime.fromisoformat(
            f"{day.isoformat()}T{int(match['H']):02d}:{match['M']}:{match['S'] or '00'}{offset}"
        )
    except ValueError:
        return day.isoformat()
    return moment.isoformat()


def date_in_text(text: str | None) -> str | None:
    """A date written for people ("March 5, 2024", "5 mars 2024", "2024/03/05", "05.03.2024")."""
    text = clean_text(text)
    if not text or len(text) > rules.MAX_DATE_TEXT_CHARS or rules.FOUR_DIGITS_RE.search(text) is None:
        return None
    for pattern in (rules.MDY_WORDS_RE, rules.DMY_WORDS_RE):
        match = pattern.search(text)
        if match:
            month = rules.MONTHS.get(match["mon"].casefold())
            if month is not None:
                return _iso(match["y"], str(month), match["d"])
    match = rules.ISO_RE.search(text) or rules.SLASHED_YMD_RE.search(text)
    if match:
        return _iso(match["y"], match["m"], match["d"])
    match = rules.DMY_RE.search(text)
    if match:  # day first, as written outside the US; month first when that is the only valid reading
        return _iso(match["y"], match["m"], match["d"]) or _iso(match["y"], match["d"], match["m"])
    return None


def _date_in_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    match = rules.URL_DATE_RE.search(path) or rules.URL_COMPACT_DATE_RE.search(path)
    return _iso(match["y"], match["m"], match["d"]) if match else None


def _valid_date(year: str, month: str, day: str) -> date | None:
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if rules.MIN_YEAR <= found.year <= rules.MAX_YEAR else None


def _iso(year: str, month: str, day: str) -> str | None:
    found = _valid_date(year, month, day)
    return found.isoformat() if found else None


def _date_line_in_text(near_title: TextNearTitle) -> str | None:
    """A short line near the headline that is a date ("March 5, 2024", "Updated: 05/03/2024"), and not
    a teaser card's."""
    for offset, window in near_title.placed_windows():
        position = 0  # the lines without a hint of a date are passed over (DATE_HINT_RE)
        while (hint := rules.DATE_HINT_RE.search(window, position)) is not None:
            start = window.rfind("\n", 0, hint.start()) + 1
            end = window.find("\n", hint.start())
            end = len(window) if end < 0 else end
            position = end + 1
            line = window[start:end].strip()
            if 6 <= len(line) <= rules.MAX_DATE_LINE_CHARS:
                found = date_in_text(line)
                if found and not near_title.in_teaser(offset + start):
                    return found
    return None
