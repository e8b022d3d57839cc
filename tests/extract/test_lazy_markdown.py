"""`Document.markdown` rendered when first read: most callers (`text` output, the speed bench) never read
it. A document whose Markdown is still to be rendered must be like any other: equal, hashed, shown,
copied, replaced and pickled (process pools) with its Markdown, as a plain Document."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import pickle
from collections.abc import Callable

import pytest

from scraper.extract import extract
from scraper.models import Document
from tests.extract.test_markdown import EXPECTED_WITH_LINKS, STRUCTURED_PAGE, URL


def _plain() -> Document:
    return Document(**dataclasses.asdict(extract(STRUCTURED_PAGE, URL)))


def test_markdown_is_rendered_when_first_read_and_only_once(monkeypatch: pytest.MonkeyPatch) -> None:
    extractor = importlib.import_module("scraper.extract")  # the module, not the function it exports
    calls: list[int] = []
    render = extractor.render_markdown

    def counted(*args: object) -> str:
        calls.append(1)
        return render(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(extractor, "render_markdown", counted)
    document = extract(STRUCTURED_PAGE, URL)
    assert calls == []
    assert document.markdown == EXPECTED_WITH_LINKS
    assert document.markdown == EXPECTED_WITH_LINKS
    assert calls == [1]


@pytest.mark.parametrize(
    "seen",
    [
        lambda document: document,
        lambda document: pickle.loads(pickle.dumps(document)),
        copy.copy,
        copy.deepcopy,
        lambda document: dataclasses.replace(document),
    ],
    ids=["as is", "pickled", "copied", "deep-copied", "replaced"],
)
def test_a_document_still_to_render_is_like_any_document(seen: Callable[[Document], Document]) -> None:
    plain = _plain()
    assert plain.markdown == EXPECTED_WITH_LINKS
    for check in (
        lambda document: document == plain,
        lambda document: plain == document,
        lambda document: (document != plain) is False,
        lambda document: (plain != document) is False,
        lambda document: document in {plain},
        lambda document: document != dataclasses.replace(plain, markdown="other"),
        lambda document: dataclasses.replace(plain, markdown="other") != document,
        lambda document: hash(document) == hash(plain),
        lambda document: repr(document) == repr(plain),
        lambda document: dataclasses.asdict(document) == dataclasses.asdict(plain),
        lambda document: dataclasses.astuple(document) == dataclasses.astuple(plain),
    ):
        assert check(seen(extract(STRUCTURED_PAGE, URL)))  # a fresh document: nothing rendered yet


def test_a_pickled_document_is_a_plain_one() -> None:
    # Read back in another process, it needs neither the blocks nor the extractor's own class.
    assert type(pickle.loads(pickle.dumps(extract(STRUCTURED_PAGE, URL)))) is Document


def test_a_replaced_field_keeps_the_markdown() -> None:
    replaced = dataclasses.replace(extract(STRUCTURED_PAGE, URL), title="Another title")
    assert (replaced.title, replaced.markdown) == ("Another title", EXPECTED_WITH_LINKS)
