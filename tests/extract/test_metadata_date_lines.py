"""The date lines near the headline, read only where a line holds a hint of a date (rules.DATE_HINT_RE):
the same answers as reading every line, on generated windows."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.extract.metadata import _authors, _dates, rules
from scraper.extract.metadata._dates import date_in_text


class Windows:
    """TextNearTitle's windows, given; the teaser cards' text at the offsets given."""

    def __init__(self, placed: list[tuple[int, str]], teasers: frozenset[int]) -> None:
        self.placed, self.teasers = placed, teasers

    def placed_windows(self) -> list[tuple[int, str]]:
        return self.placed

    def windows(self) -> list[str]:
        return [window for _, window in self.placed]

    def in_teaser(self, offset: int) -> bool:
        return offset in self.teasers


def every_date_line(near_title: Windows) -> str | None:
    """_dates._date_line_in_text reading every line."""
    for offset, window in near_title.placed_windows():
        for line in window.split("\n"):
            start, offset = offset, offset + len(line) + 1
            line = line.strip()
            if 6 <= len(line) <= rules.MAX_DATE_LINE_CHARS:
                found = date_in_text(line)
                if found and not near_title.in_teaser(start):
                    return found
    return None


def every_name_beside_a_date(near_title: Windows) -> list[str]:
    """_authors._name_beside_date reading every line."""
    windows = near_title.windows()
    if not windows:
        return []
    lines = [line.strip() for line in windows[0].split("\n")]
    lines = [line for line in lines if line and line not in rules.LINE_SEPARATORS][: rules.MAX_BYLINE_LINES]
    for index, line in enumerate(lines):
        parts = [part.strip() for part in rules.INLINE_SEPARATOR_RE.split(line)]
        if len(parts) > 1 and any(date_in_text(part) for part in parts):
            people = [part for part in parts if _authors._looks_like_person(part)]
            if people:
                return people[:1]
        if len(line) <= rules.MAX_DATE_LINE_CHARS and date_in_text(line):
            neighbours = lines[max(0, index - 2) : index] + lines[index + 1 : index + 3]
            people = [neighbour for neighbour in neighbours if _authors._looks_like_person(neighbour)]
            if people:
                return people[:1]
    return []


PIECES = ["March 5, 2024", "5 mars 2024", "2024/03/05", "05.03.2024", "2024", "20 24", "&#50;024", "&amp;"]
PIECES += ["&#x32;0&#50;4-03-05", "\u0662\u0660\u0662\u0664-03-05", "Updated: ", "Jane Doe", "Mary Ann Smith"]
PIECES += [" · ", " | ", "\n", "\n\n", " ", "\u00a0", "By", "·", "words and more words", "1999", "May 5"]
WINDOW = st.lists(st.sampled_from(PIECES), max_size=24).map("".join)
PLACED = st.lists(st.tuples(st.integers(0, 50), WINDOW), max_size=3)


@settings(max_examples=500, deadline=None)
@given(PLACED, st.frozensets(st.integers(0, 120), max_size=6))
def test_the_date_lines_are_every_line_s(placed: list[tuple[int, str]], teasers: frozenset[int]) -> None:
    near_title = Windows(placed, teasers)
    assert _dates._date_line_in_text(near_title) == every_date_line(near_title)  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None)
@given(PLACED)
def test_the_names_beside_dates_are_every_line_s(placed: list[tuple[int, str]]) -> None:
    near_title = Windows(placed, frozenset())
    assert _authors._name_beside_date(near_title) == every_name_beside_a_date(near_title)  # type: ignore[arg-type]


def test_a_date_written_with_a_character_reference_is_read() -> None:
    near_title = Windows([(0, "Headline\nMarch 5, &#50;024\nText")], frozenset())
    assert _dates._date_line_in_text(near_title) == "2024-03-05"  # type: ignore[arg-type]
    assert _dates._date_line_in_text(Windows([(0, "Headline\nMarch 5, 2024")], frozenset({9}))) is None  # type: ignore[arg-type]
