"""The closed vocabularies (error kinds, skip reasons, URL states): the names users read in README.md are
exactly the enums', and a member goes into JSON and text as its plain name."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path

import pytest

from scraper import ErrorInfo, ErrorKind, RunReport, SkipReason, UrlState
from scraper.pipeline import GetRow

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_names(label: str) -> list[str]:
    """The names README.md lists in its `- **label**` bullet: the backticked words outside parentheses
    (each name's description, and the bullet's own introduction, are in parentheses)."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"^- \*\*{re.escape(label)}\*\*(.*?)(?=^- |^$)", text, re.MULTILINE | re.DOTALL)
    assert found is not None, f"README.md has no '- **{label}**' bullet"
    bare = re.sub(r"\([^()]*\)", "", found.group(1))
    return re.findall(r"`([a-z_]+)`", bare)


@pytest.mark.parametrize(("label", "vocabulary"), [("Error kinds", ErrorKind), ("Skip reasons", SkipReason)])
def test_readme_lists_every_name_once_and_no_other(label: str, vocabulary: type[StrEnum]) -> None:
    listed = readme_names(label)
    assert len(listed) == len(set(listed)), listed
    assert set(listed) == {member.value for member in vocabulary}


def test_the_names_are_plain_text_in_json_and_messages() -> None:
    row = GetRow("https://a.test/", error=ErrorInfo(ErrorKind.TOO_LARGE, "over the cap"))
    assert json.dumps(row.to_dict()["error"]) == '{"kind": "too_large", "message": "over the cap"}'
    report = RunReport(skipped={SkipReason.NOT_HTML: 2}, failed={ErrorKind.TIMEOUT: 1})
    assert json.loads(json.dumps(report.to_dict()))["failed"] == {"timeout": 1}
    assert "(not_html 2)" in report.summary_line() and "(timeout 1)" in report.summary_line()
    assert f"{UrlState.CLAIMED:<8}|" == "claimed |"


def test_parse_gives_the_member_or_keeps_text_it_does_not_know() -> None:
    assert ErrorKind.parse("timeout") is ErrorKind.TIMEOUT
    assert SkipReason.parse("robots") is SkipReason.ROBOTS
    assert UrlState.parse("done") is UrlState.DONE
    unknown = ErrorKind.parse("from_a_newer_release")
    assert unknown == "from_a_newer_release" and type(unknown) is str
