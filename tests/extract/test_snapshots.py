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
  the extractor gets it right, delete the gap). A line check the extractor fails today is a gap too, under
  the name of its list: ``[known_gaps.must_contain]`` maps the line (as written in ``must_contain``) to
  what happens to it today. The line stays in its list, the text test leaves it out, and it gets a
  strict-xfail test of its own (``test_snapshot_text_gap[slug-must_contain-1]``);
- ``expected.txt``: the extractor's text, exactly, as last reviewed by a person. A case with text gaps has
  none (its text is known to be wrong, so there is nothing right to hold it to) and ``--update-snapshots``
  writes none for it; once its last text gap is deleted, the update writes one, to be read.

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
LINE_CHECKS = ("must_contain", "must_not_contain", "at_most_once")
CASE_KEYS = frozenset({"url", "about", "known_gaps"}) | frozenset(LINE_CHECKS) | frozenset(METADATA_FIELDS)

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
    # (line check, line) -> what happens to the line today; the line is also in the check's list
    text_gaps: dict[tuple[str, str], str] = field(default_factory=dict)


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


def _gap_table(data: dict[str, object], path: Path) -> dict[str, object]:
    gaps = data.get("known_gaps", {})
    if not isinstance(gaps, dict):
        raise ValueError(f"{path}: `known_gaps` must be a table")
    unknown = set(gaps) - set(METADATA_FIELDS) - set(LINE_CHECKS)
    if unknown:
        known = METADATA_FIELDS + LINE_CHECKS
        raise ValueError(f"{path}: known_gaps for unknown fields {sorted(unknown)}; known: {known}")
    return {str(name): value for name, value in gaps.items()}


def _known_gaps(data: dict[str, object], path: Path) -> dict[str, str]:
    """Metadata gaps: field name -> what goes wrong today."""
    gaps = {name: value for name, value in _gap_table(data, path).items() if name in METADATA_FIELDS}
    if not all(isinstance(reason, str) and reason for reason in gaps.values()):
        raise ValueError(f'{path}: a metadata known gap must be field = "what goes wrong today"')
    return {name: str(reason) for name, reason in gaps.items()}


def _text_gaps(data: dict[str, object], path: Path) -> dict[tuple[str, str], str]:
    """Line gaps: (check, line) -> what happens to the line today; the line must be one of the check's."""
    gaps: dict[tuple[str, str], str] = {}
    for check, table in _gap_table(data, path).items():
        if check not in LINE_CHECKS:
            continue
        if not isinstance(table, dict) or not all(isinstance(why, str) and why for why in table.values()):
            raise ValueError(f'{path}: known_gaps.{check} must be a table of "line" = "what happens today"')
        lines = _string_list(data, check, path)
        for line, reason in table.items():
            if line not in lines:
                raise ValueError(f"{path}: known_gaps.{check}: {line!r} is not one of its {check} lines")
            gaps[(check, str(line))] = str(reason)
    return gaps


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
        text_gaps=_text_gaps(data, path),
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


def line_problem(check: str, line: str, text: str) -> str | None:
    """What is wrong with one must_contain / must_not_contain / at_most_once line, as a readable line."""
    if check == "must_contain":
        return None if line in text else f"missing:   {line!r}"
    if check == "must_not_contain":
        index = text.find(line)
        return None if index < 0 else f"unwanted:  {line!r} in {_words_around(text, index)}"
    count = text.count(line)
    return None if count <= 1 else f"repeated:  {line!r} appears {count} times"


def check_lines(case: SnapshotCase, text: str) -> list[str]:
    """Every broken line rule but the known gaps (they have their own strict-xfail tests)."""
    checks = {"must_contain": case.must_contain, "must_not_contain": case.must_not_contain}
    checks["at_most_once"] = case.at_most_once
    problems = (
        line_problem(check, line, text)
        for check in LINE_CHECKS
        for line in checks[check]
        if (check, line) not in case.text_gaps
    )
    return [problem for problem in problems if problem]


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


def test_known_gaps_may_mark_text_lines(tmp_path: Path) -> None:
    fields = 'title = "T"\nauthor = ""\ndate = ""\nlanguage = ""\n'
    lines = 'must_contain = ["kept sentence", "1. First step"]\nmust_not_contain = ["Advertisement"]\n'
    gaps = '[known_gaps.must_contain]\n"1. First step" = "today the number is lost"\n'
    case = load_case(write_case(tmp_path / "demo", lines + fields + gaps))
    assert case.text_gaps == {("must_contain", "1. First step"): "today the number is lost"}
    assert case.known_gaps == {}


def test_text_gap_must_name_a_line_of_its_check(tmp_path: Path) -> None:
    fields = 'title = "T"\nauthor = ""\ndate = ""\nlanguage = ""\nmust_contain = ["kept sentence"]\n'
    gaps = '[known_gaps.must_not_contain]\n"kept sentence" = "today wrong"\n'
    with pytest.raises(ValueError, match=r"known_gaps.must_not_contain: 'kept sentence' is not one of"):
        load_case(write_case(tmp_path / "demo", fields + gaps))


def test_line_checks_leave_known_gaps_to_their_own_test() -> None:
    case = SnapshotCase(
        slug="demo",
        folder=SNAPSHOTS_DIR,
        url="https://www.example.com/a",
        about="demo",
        must_contain=("kept sentence", "1. First step"),
        must_not_contain=("Advertisement",),
        at_most_once=(),
        text_gaps={("must_contain", "1. First step"): "today the number is lost"},
    )
    text = "kept sentence\n\nFirst step\n\nAdvertisement"
    assert check_lines(case, text) == [
        "unwanted:  'Advertisement' in …kept sentence First step ⟨HERE⟩ Advertisement…"
    ]
    assert line_problem("must_contain", "1. First step", text) == "missing:   '1. First step'"
    assert line_problem("must_contain", "1. First step", "1. First step") is None


def test_enough_cases() -> None:
    assert len(CASES) >= MIN_CASES, f"{len(CASES)} snapshot cases found under {SNAPSHOTS_DIR}"


@pytest.mark.parametrize("case", CASES, ids=[case.slug for case in CASES])
def test_snapshot(case: SnapshotCase, request: pytest.FixtureRequest) -> None:
    text = extracted(case.folder, case.url).text

    expected_path = case.folder / "expected.txt"
    updating = bool(request.config.getoption("--update-snapshots"))
    if updating and not case.text_gaps:
        expected_path.write_bytes(text.encode("utf-8"))
    failures = [f"{case.slug}: {case.about}"]
    failures += check_lines(case, text)
    if case.text_gaps and expected_path.is_file():
        failures.append(f"{expected_path.name} kept beside known text gaps (text known wrong): delete it")
    elif not updating and not case.text_gaps:
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


def text_gap_params() -> list[object]:
    """One strict xfail per known text gap: it fails (XPASS) as soon as the line's check holds."""
    params: list[object] = []
    for case in CASES:
        for number, ((check, line), gap) in enumerate(case.text_gaps.items(), start=1):
            mark = pytest.mark.xfail(strict=True, reason=f"known gap: {gap}")
            params.append(pytest.param(case, check, line, marks=[mark], id=f"{case.slug}-{check}-{number}"))
    return params


@pytest.mark.parametrize(("case", "check", "line"), text_gap_params())
def test_snapshot_text_gap(case: SnapshotCase, check: str, line: str) -> None:
    problem = line_problem(check, line, extracted(case.folder, case.url).text)
    if problem:
        pytest.fail(f"{case.slug}: {problem}", pytrace=False)
