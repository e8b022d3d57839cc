"""Golden snapshots: every folder under snapshots/ is one page the extractor must get right.

A case folder holds three files, read as bytes (``.gitattributes`` keeps ``snapshots/**`` byte-exact):

- ``source.html``: a whole page, as a site would serve it;
- ``case.toml``: ``url``, ``about`` (what the case checks), ``must_contain`` and ``must_not_contain`` lines,
  and optionally ``at_most_once`` (lines a page repeats, such as a standfirst, that the text may hold once);
- ``expected.txt``: the extractor's text, exactly, as last reviewed by a person.

The line checks state what is right and wrong about a page; the exact comparison catches every other
change. ``pytest --update-snapshots`` rewrites ``expected.txt`` from the current output (the line checks
still run): read the diff before committing it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from scraper.extract import extract

SNAPSHOTS_DIR = Path(__file__).resolve().parents[2] / "snapshots"
CASE_KEYS = frozenset({"url", "about", "must_contain", "must_not_contain", "at_most_once"})

# The issue asks for at least 25 cases; an empty or misplaced folder must not pass as "0 tests ran".
MIN_CASES = 25
# Words of context shown on each side of the first difference: enough to find the spot in the page.
CONTEXT_WORDS = 8
UPDATE_HINT = "python -m pytest tests/extract/test_snapshots.py --update-snapshots"


@dataclass(frozen=True, slots=True)
class SnapshotCase:
    slug: str
    folder: Path
    url: str
    about: str
    must_contain: tuple[str, ...]
    must_not_contain: tuple[str, ...]
    at_most_once: tuple[str, ...]


def _string_list(data: dict[str, object], key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{path}: `{key}` must be a list of non-empty strings")
    return tuple(value)


def load_case(folder: Path) -> SnapshotCase:
    path = folder / "case.toml"
    data = tomllib.loads(path.read_bytes().decode("utf-8"))
    unknown = set(data) - CASE_KEYS
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}; known: {sorted(CASE_KEYS)}")
    url, about = data.get("url"), data.get("about")
    if not isinstance(url, str) or not isinstance(about, str) or not about.strip():
        raise ValueError(f"{path}: `url` and `about` must be non-empty strings")
    return SnapshotCase(
        slug=folder.name,
        folder=folder,
        url=url,
        about=about,
        must_contain=_string_list(data, "must_contain", path),
        must_not_contain=_string_list(data, "must_not_contain", path),
        at_most_once=_string_list(data, "at_most_once", path),
    )


def discover_cases() -> list[SnapshotCase]:
    if not SNAPSHOTS_DIR.is_dir():
        return []
    return [
        load_case(folder) for folder in sorted(SNAPSHOTS_DIR.iterdir()) if (folder / "case.toml").is_file()
    ]


CASES = discover_cases()


def _words_around(text: str, index: int) -> str:
    """A few words either side of `index`, with a caret-like marker at the spot."""
    before = text[:index].split()[-CONTEXT_WORDS:]
    after = text[index:].split()[:CONTEXT_WORDS]
    return f"…{' '.join(before)} ⟨HERE⟩ {' '.join(after)}…"


def _first_difference(expected: str, got: str) -> int:
    """Index where the two lines part, moved back to the start of the word it falls in."""
    spot = min(len(expected), len(got))
    for index, (want, have) in enumerate(zip(expected, got, strict=False)):
        if want != have:
            spot = index
            break
    return expected[:spot].rfind(" ") + 1


def _line_or_blank(line: str, spot: int) -> str:
    return _words_around(line, spot) if line else "(blank line)"


def describe_difference(expected: str, got: str) -> str:
    """Point at the first paragraph that differs, as Readability.js's test suite does.

    Paragraphs, headings and list items are one line each in the text, so lines are compared; the
    message numbers the paragraph (non-blank lines, from 1) and shows the words around the change.
    """
    expected_lines, got_lines = expected.split("\n"), got.split("\n")
    for index, (want, have) in enumerate(zip(expected_lines, got_lines, strict=False)):
        if want != have:
            before = [line for line in expected_lines[:index] if line.strip()]
            previous = "…" + " ".join(before[-1].split()[-CONTEXT_WORDS:]) if before else "(start of text)"
            spot = _first_difference(want, have)
            return (
                f"first difference in paragraph {len(before) + 1} (line {index + 1}):\n"
                f"  after:    {previous}\n"
                f"  expected: {_line_or_blank(want, spot)}\n"
                f"  got:      {_line_or_blank(have, spot)}"
            )
    shorter, longer, verb = (
        (got_lines, expected_lines, "is missing")
        if len(expected_lines) > len(got_lines)
        else (expected_lines, got_lines, "has extra")
    )
    rest = " ".join(" ".join(longer[len(shorter) :]).split()[: CONTEXT_WORDS * 2])
    return f"the text {verb} {len(longer) - len(shorter)} line(s) from line {len(shorter) + 1}: {rest!r}…"


def check_lines(case: SnapshotCase, text: str) -> list[str]:
    """Every broken must_contain / must_not_contain / at_most_once rule, as a readable line."""
    problems = [f"missing:   {line!r}" for line in case.must_contain if line not in text]
    for line in case.must_not_contain:
        index = text.find(line)
        if index >= 0:
            problems.append(f"unwanted:  {line!r} in {_words_around(text, index)}")
    for line in case.at_most_once:
        count = text.count(line)
        if count > 1:
            problems.append(f"repeated:  {line!r} appears {count} times")
    return problems


def _compare_with_expected(expected_path: Path, text: str) -> list[str]:
    if not expected_path.is_file():
        return [f"no {expected_path.name}; create it with `{UPDATE_HINT}`, then read it"]
    expected = expected_path.read_bytes().decode("utf-8")
    if text == expected:
        return []
    return [
        f"text differs from {expected_path.name}: {describe_difference(expected, text)}",
        f"If the change is an improvement, run `{UPDATE_HINT}` and review the diff.",
    ]


def test_difference_points_at_the_first_changed_paragraph() -> None:
    expected = "First paragraph stays.\n\nSecond one keeps its exact words today.\n\nThird."
    got = "First paragraph stays.\n\nSecond one keeps its own words today.\n\nThird."
    message = describe_difference(expected, got)
    assert message.startswith("first difference in paragraph 2 (line 3):")
    assert "after:    …First paragraph stays." in message
    assert "expected: …Second one keeps its ⟨HERE⟩ exact words today.…" in message
    assert "got:      …Second one keeps its ⟨HERE⟩ own words today.…" in message


def test_difference_reports_clutter_appended_after_the_body() -> None:
    body = "Only paragraph."
    message = describe_difference(body, body + "\n\nRelated Articles\nA headline that reads like a sentence")
    assert message == (
        "the text has extra 3 line(s) from line 2: 'Related Articles A headline that reads like a sentence'…"
    )


def test_line_checks_name_every_broken_rule() -> None:
    case = SnapshotCase(
        slug="demo",
        folder=SNAPSHOTS_DIR,
        url="https://www.example.com/a",
        about="demo",
        must_contain=("kept sentence", "lost sentence"),
        must_not_contain=("Newsletter",),
        at_most_once=("standfirst",),
    )
    problems = check_lines(case, "standfirst\n\nkept sentence\n\nstandfirst\n\nNewsletter")
    assert [problem.split(":")[0] for problem in problems] == ["missing", "unwanted", "repeated"]
    assert "'lost sentence'" in problems[0]
    assert "appears 2 times" in problems[2]


def test_enough_cases() -> None:
    assert len(CASES) >= MIN_CASES, f"{len(CASES)} snapshot cases found under {SNAPSHOTS_DIR}"


@pytest.mark.parametrize("case", CASES, ids=[case.slug for case in CASES])
def test_snapshot(case: SnapshotCase, request: pytest.FixtureRequest) -> None:
    source = (case.folder / "source.html").read_bytes()
    text = extract(source, url=case.url).text

    expected_path = case.folder / "expected.txt"
    updating = bool(request.config.getoption("--update-snapshots"))
    if updating:
        expected_path.write_bytes(text.encode("utf-8"))
    failures = [f"{case.slug}: {case.about}"]
    failures += check_lines(case, text)
    if not updating:
        failures += _compare_with_expected(expected_path, text)
    if len(failures) > 1:
        pytest.fail("\n".join(failures), pytrace=False)
