"""Golden snapshots: every folder under snapshots/ is one page the extractor must get right.

A case folder holds three files, read as bytes (``.gitattributes`` keeps ``snapshots/**`` byte-exact):

- ``source.html``: a whole page, as a site would serve it;
- ``case.toml``: ``url``, ``about`` (what the case checks), ``must_contain`` and ``must_not_contain`` lines,
  and optionally ``at_most_once`` (lines a page repeats, such as a standfirst, that the text may hold once);
  the page's metadata as a person reads it off the page, every key present, ``""`` where the page gives none:

  - ``title``: the headline, without the site's name (on a page without an article, its own name);
  - ``author``: the names the byline credits, as printed, several joined by ``"; "``;
  - ``date``: the publication date in ISO 8601, a full date-time when the page gives a time and an offset
    (``2025-05-10T17:48:00+01:00``), else a date (``2025-12-01``);
  - ``language``: the language the page declares (``<html lang>``, ``og:locale`` ...), lower-cased
    (``en-gb``); a page that declares none has ``""``, the extractor does not guess;

  and optionally a ``[known_gaps]`` table: for a field the extractor gets wrong today, the field's name and
  what goes wrong. The field keeps its right value and its test is a strict xfail (an XPASS fails: once
  the extractor gets it right, delete the gap);
- ``expected.txt``: the extractor's text, exactly, as last reviewed by a person.

The line checks state what is right and wrong about a page; the exact comparison catches every other
change; the metadata checks run one test per case and field (``test_snapshot_metadata[slug-field]``).
``pytest --update-snapshots`` rewrites ``expected.txt`` from the current output (the line checks still
run; the metadata expectations are never rewritten): read the diff before committing it.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scraper.extract import extract
from scraper.models import Document

SNAPSHOTS_DIR = Path(__file__).resolve().parents[2] / "snapshots"
METADATA_FIELDS = ("title", "author", "date", "language")
CASE_KEYS = frozenset({"url", "about", "must_contain", "must_not_contain", "at_most_once", "known_gaps"})
CASE_KEYS |= frozenset(METADATA_FIELDS)

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
    metadata: dict[str, str] = field(default_factory=dict)  # every METADATA_FIELDS name; "" for none
    known_gaps: dict[str, str] = field(default_factory=dict)  # field name -> what goes wrong today


def _string_list(data: dict[str, object], key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{path}: `{key}` must be a list of non-empty strings")
    return tuple(value)


def _metadata(data: dict[str, object], path: Path) -> dict[str, str]:
    values = {name: data.get(name) for name in METADATA_FIELDS}
    missing = [name for name, value in values.items() if not isinstance(value, str)]
    if missing:
        raise ValueError(f'{path}: {missing} must be strings ("" where the page gives none)')
    return {name: str(value) for name, value in values.items()}


def _known_gaps(data: dict[str, object], path: Path) -> dict[str, str]:
    gaps = data.get("known_gaps", {})
    if not isinstance(gaps, dict) or not all(isinstance(reason, str) and reason for reason in gaps.values()):
        raise ValueError(f'{path}: `known_gaps` must be a table of field = "what goes wrong today"')
    unknown = set(gaps) - set(METADATA_FIELDS)
    if unknown:
        raise ValueError(f"{path}: known_gaps for unknown fields {sorted(unknown)}; known: {METADATA_FIELDS}")
    return {str(name): str(reason) for name, reason in gaps.items()}


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
        metadata=_metadata(data, path),
        known_gaps=_known_gaps(data, path),
    )


def discover_cases() -> list[SnapshotCase]:
    if not SNAPSHOTS_DIR.is_dir():
        return []
    return [
        load_case(folder) for folder in sorted(SNAPSHOTS_DIR.iterdir()) if (folder / "case.toml").is_file()
    ]


CASES = discover_cases()


@functools.cache
def extracted(folder: Path, url: str) -> Document:
    """One extraction per case, shared by its text test and its four metadata tests."""
    return extract((folder / "source.html").read_bytes(), url=url)


def metadata_params() -> list[object]:
    """One test per case and field; a known gap is a strict xfail that says what goes wrong."""
    params: list[object] = []
    for case in CASES:
        for name in METADATA_FIELDS:
            gap = case.known_gaps.get(name)
            marks = [pytest.mark.xfail(strict=True, reason=f"known gap: {gap}")] if gap else []
            params.append(pytest.param(case, name, marks=marks, id=f"{case.slug}-{name}"))
    return params


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


DEMO_CASE = SnapshotCase(
    slug="demo",
    folder=SNAPSHOTS_DIR,
    url="https://www.example.com/a",
    about="demo",
    must_contain=(),
    must_not_contain=(),
    at_most_once=(),
    metadata={"title": "Headline", "author": "Jane Doe", "date": "", "language": "en"},
)


def test_metadata_mismatch_names_the_case_the_field_and_both_values() -> None:
    document = Document(title="Headline", author="View all posts by Jane Doe", date=None, language="en")
    assert metadata_mismatch(DEMO_CASE, "title", document) is None
    assert metadata_mismatch(DEMO_CASE, "date", document) is None  # None and "" both mean none
    assert metadata_mismatch(DEMO_CASE, "author", document) == (
        "demo: author: expected 'Jane Doe', got 'View all posts by Jane Doe'"
    )


def write_case(folder: Path, extra: str) -> Path:
    folder.mkdir()
    (folder / "case.toml").write_text(f'url = "https://www.example.com/a"\nabout = "demo"\n{extra}')
    return folder


def test_case_toml_must_give_every_metadata_field(tmp_path: Path) -> None:
    folder = write_case(tmp_path / "demo", 'title = "T"\nauthor = ""\ndate = ""\n')
    with pytest.raises(ValueError, match=r"\['language'\] must be strings"):
        load_case(folder)


def test_known_gaps_must_name_metadata_fields(tmp_path: Path) -> None:
    fields = 'title = "T"\nauthor = ""\ndate = ""\nlanguage = ""\n'
    folder = write_case(tmp_path / "demo", fields + '[known_gaps]\ntext = "wrong"\n')
    with pytest.raises(ValueError, match=r"unknown fields \['text'\]"):
        load_case(folder)
    assert load_case(write_case(tmp_path / "ok", fields + '[known_gaps]\ntitle = "why"\n')).known_gaps == {
        "title": "why"
    }


def test_enough_cases() -> None:
    assert len(CASES) >= MIN_CASES, f"{len(CASES)} snapshot cases found under {SNAPSHOTS_DIR}"


@pytest.mark.parametrize("case", CASES, ids=[case.slug for case in CASES])
def test_snapshot(case: SnapshotCase, request: pytest.FixtureRequest) -> None:
    text = extracted(case.folder, case.url).text

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


def metadata_mismatch(case: SnapshotCase, name: str, document: Document) -> str | None:
    """The case, the field, the value expected and the value got; None when they agree ("" is none)."""
    expected = case.metadata[name]
    got = getattr(document, name) or ""
    return None if got == expected else f"{case.slug}: {name}: expected {expected!r}, got {got!r}"


@pytest.mark.parametrize(("case", "name"), metadata_params())
def test_snapshot_metadata(case: SnapshotCase, name: str) -> None:
    problem = metadata_mismatch(case, name, extracted(case.folder, case.url))
    if problem:
        pytest.fail(problem, pytrace=False)
