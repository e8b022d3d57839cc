"""`explain`: every block of a page with the stage that kept or dropped it, and why.

The explanation runs the real stages (a recorder handed to them), so it must agree with `extract` on what
is kept, and name the right stage for what is not.
"""

from __future__ import annotations

import importlib
import json

import pytest

from scraper.extract import extract
from scraper.extract.explain import BlockVerdict, Explanation, explain

PARAGRAPHS = [
    "The river rose two metres overnight after three days of rain, and the town council opened the old "
    "school as a shelter for the families who had to leave their homes near the bridge.",
    "Engineers from the water board said the levees held, but they warned that the next storm, due on "
    "Thursday, could bring the level close to the record set in the winter of nineteen ninety-five.",
    "Farmers upstream counted their losses on Tuesday: fields of winter wheat stood under water, and two "
    "barns collapsed when the bank gave way, although nobody was hurt and the animals were moved in time.",
]
RELATED = [
    "Council approves new budget for the bridge repairs",
    "School shelter opens its doors to flood families",
    "Water board publishes its storm season forecast",
    "Farmers ask for help after the wettest spring",
    "Record floods of ninety-five remembered by locals",
]
NEWSLETTER = "Get the morning briefing in your inbox every day, free of charge and without adverts."
NAV = ["Home", "World", "Sport", "Weather"]
SIDEBAR = "Weather for the weekend: sunny spells on Saturday, showers later."

PAGE = f"""<!doctype html><html><head><title>Rivers rise in the valley - Daily Post</title></head><body>
<nav class="top"><ul>{"".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in NAV)}</ul></nav>
<div id="main">
  <article class="story lead">
    <h1>Rivers rise in the valley</h1>
    <p>{PARAGRAPHS[0]}</p>
    <p>{PARAGRAPHS[1]}</p>
    <div class="newsletter-box"><p>{NEWSLETTER}</p></div>
    <p>{PARAGRAPHS[2]}</p>
    <div class="more">
      <ul>{"".join(f'<li><a href="/r{i}">{title}</a></li>' for i, title in enumerate(RELATED))}</ul>
    </div>
  </article>
</div>
<div class="column"><p>{SIDEBAR}</p></div>
</body></html>"""


def _verdict(explanation: Explanation, text: str) -> BlockVerdict:
    found = [verdict for verdict in explanation.blocks if verdict.text == text]
    assert len(found) == 1, f"{text!r}: {found}"
    return found[0]


@pytest.fixture(scope="module")
def explained() -> Explanation:
    return explain(PAGE, "https://news.example/rivers")


def test_the_article_paragraphs_are_kept_with_their_container_path(explained: Explanation) -> None:
    for paragraph in PARAGRAPHS:
        verdict = _verdict(explained, paragraph)
        assert verdict.kept and verdict.reason == "kept"
        assert verdict.path == "body > div#main > article.story.lead > p"
        assert verdict.link_density == 0.0
        assert verdict.weight is not None and verdict.weight > 0
    assert explained.body == "body > div#main > article.story.lead"


def test_the_nav_is_skipped_as_clutter_while_blocks_are_collected(explained: Explanation) -> None:
    for item in NAV:
        verdict = _verdict(explained, item)
        assert not verdict.kept
        assert verdict.stage == "collect_blocks"
        assert "<nav>" in verdict.reason
        assert verdict.path.startswith("body > nav.top > ul > li")


def test_the_newsletter_box_is_skipped_naming_its_class(explained: Explanation) -> None:
    verdict = _verdict(explained, NEWSLETTER)
    assert (verdict.kept, verdict.stage) == (False, "collect_blocks")
    assert "newsletter" in verdict.reason
    assert verdict.path == "body > div#main > article.story.lead > div.newsletter-box > p"


def test_the_related_list_is_dropped_as_link_dense_in_cleaning(explained: Explanation) -> None:
    for title in RELATED:
        verdict = _verdict(explained, title)
        assert (verdict.kept, verdict.stage) == (False, "clean_body")
        assert verdict.reason.startswith("link-dense list")
        assert verdict.link_density == 1.0
        assert verdict.path == "body > div#main > article.story.lead > div.more > ul > li"


def test_the_sidebar_is_outside_the_body_with_both_scores(explained: Explanation) -> None:
    verdict = _verdict(explained, SIDEBAR)
    assert (verdict.kept, verdict.stage) == (False, "find_body")
    assert verdict.reason.startswith("outside the body (body is body > div#main > article.story.lead, score ")
    assert "div.column scored" in verdict.reason
    assert verdict.container_score is not None and explained.body_score is not None
    assert verdict.container_score < explained.body_score


def test_the_repeated_headline_is_dropped_in_cleaning(explained: Explanation) -> None:
    verdict = _verdict(explained, "Rivers rise in the valley")
    assert (verdict.kept, verdict.stage) == (False, "clean_body")


def test_the_blocks_come_in_page_order_and_the_kept_ones_make_the_text(explained: Explanation) -> None:
    texts = [verdict.text for verdict in explained.blocks]
    order = [NAV[0], PARAGRAPHS[0], NEWSLETTER, PARAGRAPHS[2], RELATED[0], SIDEBAR]
    positions = [texts.index(o) for o in order]
    assert positions == sorted(positions)
    document = extract(PAGE, "https://news.example/rivers")
    assert explained.text == document.text
    assert [v.text for v in explained.blocks if v.kept] == document.text.split("\n\n")


def test_the_json_form_holds_every_block_with_its_full_text(explained: Explanation) -> None:
    row = json.loads(json.dumps(explained.to_dict()))
    assert row["body"] == explained.body
    assert [block["text"] for block in row["blocks"]] == [verdict.text for verdict in explained.blocks]
    assert PARAGRAPHS[0] in [block["text"] for block in row["blocks"]]
    assert {"path", "link_density", "weight", "container_score", "kept", "stage", "reason"} <= set(
        row["blocks"][0]
    )


def test_a_page_the_fallback_replaced_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    extractor = importlib.import_module("scraper.extract")  # the package, not its `extract` function
    words = " ".join(f"word{i}" for i in range(400))
    monkeypatch.setattr(extractor, "fallback_text", lambda page, url: words)
    # One short paragraph beside a long list of headlines: too little prose to trust, text enough to ask.
    headlines = "".join(f'<li><a href="/{i}">Headline number {i} of the day</a></li>' for i in range(80))
    note = "A short note of prose here, with one sentence only."
    explanation = explain(f"<html><body><ul>{headlines}</ul><div><p>{note}</p></div></body></html>")
    assert explanation.fallback and explanation.text == words
    verdict = _verdict(explanation, note)
    assert (verdict.kept, verdict.stage) == (False, "fallback")
    assert "replaced by the fallback" in verdict.reason


def test_the_url_is_shown_as_the_document_has_it_without_credentials() -> None:
    assert explain(PAGE, "https://user:secret@news.example/a").url == "https://news.example/a"


def test_an_empty_page_has_no_blocks() -> None:
    explanation = explain("")
    assert (explanation.blocks, explanation.body, explanation.text) == ((), None, "")


def test_text_inside_clutter_nested_in_skipped_clutter_is_shown_with_the_outer_reason() -> None:
    article = "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    share = '<div class="share"><p>Share on the usual networks.</p></div>'
    nested = f"<footer><p>Contact the newsroom.</p>{share}</footer>"
    explanation = explain(f"<html><body><article>{article}</article>{nested}</body></html>")

    inner = _verdict(explanation, "Share on the usual networks.")
    assert (inner.kept, inner.stage) == (False, "collect_blocks")
    assert inner.reason == "clutter: skipped (<footer>)"
    assert inner.path == "body > footer > div.share > p"
    texts = [verdict.text for verdict in explanation.blocks]
    assert texts.index("Contact the newsroom.") < texts.index("Share on the usual networks.")


def test_a_hidden_raw_copy_is_skipped_as_a_copy_not_as_short_hidden_text() -> None:
    article = "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    copy = "\n\n".join(f"{paragraph} [link](https://news.example/x)" for paragraph in PARAGRAPHS)
    explanation = explain(f"<html><body><article>{article}</article><pre hidden>{copy}</pre></body></html>")

    skipped = [verdict for verdict in explanation.blocks if "[link]" in verdict.text]
    assert len(skipped) == 1 and not skipped[0].kept
    assert (
        skipped[0].reason
        == "clutter: skipped (hidden preformatted text: a raw copy of the page, never its article)"
    )
    assert "[link]" not in explanation.text and explanation.text.count(PARAGRAPHS[0]) == 1


def test_a_long_aside_beside_the_article_is_skipped_as_no_wrapper() -> None:
    article = "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS[:1])
    about = " ".join(PARAGRAPHS[1:])
    main = f"<main><h1>Rivers rise</h1>{article}</main>"
    html = f"<html><body>{main}<aside><p>{about}</p></aside></body></html>"
    explanation = explain(html)

    skipped = [verdict for verdict in explanation.blocks if verdict.text == about]
    assert len(skipped) == 1 and not skipped[0].kept
    assert skipped[0].reason == (
        "clutter: skipped (<aside>; beside the headline or the article: no wrapper, however long)"
    )


def test_a_short_aside_beside_the_article_is_skipped_by_its_tag_not_as_no_wrapper() -> None:
    # The "no wrapper, however long" rule decides only an aside long enough to be a wrapper; a short one
    # is skipped as furniture (its tag) too small to wrap the page, and its reason is its tag alone.
    article = "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    main = f"<main><h1>Rivers rise</h1>{article}</main>"
    html = f"<html><body>{main}<aside><p>Tide tables</p></aside></body></html>"
    explanation = explain(html)

    [skipped] = [verdict for verdict in explanation.blocks if verdict.text == "Tide tables"]
    assert not skipped.kept
    assert skipped.reason == "clutter: skipped (<aside>)"


def test_no_control_character_of_the_page_reaches_the_explanation() -> None:
    escape = "\x1b[2J\x1b]0;owned\x07\x9b"
    paragraph = PARAGRAPHS[0].replace("town", f"town{escape}")
    page = (
        f'<html><body><div id="a{escape}"><article class="story{escape}"><p>{paragraph}</p>'
        f"<p>{PARAGRAPHS[1]}</p></article></div>"
        f'<div class="share{escape}\nkept"><p>Share {escape} this</p></div></body></html>'
    )
    explanation = explain(page)

    fields = [str(value) for verdict in explanation.blocks for value in verdict.to_dict().values()]
    fields += [str(explanation.body)]
    assert len(explanation.blocks) == 3
    assert not [field for field in fields if any(c in field for c in "\x1b\x07\x9b")]
    assert "\n" not in _verdict(explanation, "Share [2J]0;owned this").reason
