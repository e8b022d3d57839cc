"""Issue 12, item 4: the body's structure as Markdown (`Document.markdown`).

The extractor renders the kept body blocks with their links as `[text](absolute URL)`; `render.py` strips
the links unless asked for them (`--links`). `Document.text` stays plain and is chosen as before.
"""

from __future__ import annotations

import importlib
import time

import pytest

from scraper.extract import extract
from scraper.extract.blocks import Block, BlockKind
from scraper.extract.markdown import render_markdown
from scraper.extract.markup import Markup
from scraper.models import Document
from scraper.render import document_to_markdown, markdown_without_links

URL = "https://port.example/news/harbour-works"
PROSE = (
    "The harbour authority confirmed on Tuesday that the old lighthouse will be restored over the coming "
    "two years, after a survey found the tower sound but its lantern room badly corroded by salt."
)
SECOND = (
    "Engineers will start with the lantern room, which needs new glazing and a frame of bronze, then move "
    "down the tower one floor at a time while the light keeps working from a temporary mast."
)

QUOTE = "We owe the coast this light, and we mean to keep it burning for another century at least."
TAIL = "the details of the plan, the costs of each phase and the dates the works begin"

STRUCTURED_PAGE = f"""<!doctype html><html lang="en"><head><title>Lighthouse works</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<h1>Lighthouse works</h1>
<p>{PROSE} Read the <a href="/docs/survey.pdf">full survey</a> or the <a href="https://other.example/x?a=1">summary</a>.</p>
<h2>The steps</h2>
<ol start="3">
<li>Scaffolding goes up around the tower</li>
<li>The lantern is taken down in pieces</li>
</ol>
<h3>What is kept</h3>
<ul>
<li>The lens<ul><li>its brass frame</li><li>its clockwork</li></ul></li>
<li>The keeper's door</li>
</ul>
<p>{SECOND}</p>
<blockquote><p>{QUOTE}</p></blockquote>
<table>
<tr><th>Phase</th><th>Cost</th></tr>
<tr><td>Lantern | glazing</td><td>1.2 million</td></tr>
<tr><td>Tower</td><td>0.8 million</td></tr>
</table>
<pre>phase = "lantern"
if phase:
    print(phase)</pre>
<p>The works are paid for by the port and a grant, and the tower stays open to visitors on Sundays.</p>
</article>
<footer><p>Copyright 2026 Port News</p></footer>
</body></html>"""

EXPECTED_WITH_LINKS = f"""{PROSE} Read the [full survey](https://port.example/docs/survey.pdf) or the [summary](https://other.example/x?a=1).

## The steps

3. Scaffolding goes up around the tower
4. The lantern is taken down in pieces

### What is kept

- The lens
  - its brass frame
  - its clockwork
- The keeper's door

{SECOND}

> {QUOTE}

| Phase | Cost |
| --- | --- |
| Lantern \\| glazing | 1.2 million |
| Tower | 0.8 million |

```
phase = "lantern"
if phase:
    print(phase)
```

The works are paid for by the port and a grant, and the tower stays open to visitors on Sundays."""

EXPECTED_TEXT = f"""{PROSE} Read the full survey or the summary.

The steps

3. Scaffolding goes up around the tower
4. The lantern is taken down in pieces

What is kept

The lens
its brass frame
its clockwork
The keeper's door

{SECOND}

{QUOTE}

Phase | Cost
Lantern | glazing | 1.2 million
Tower | 0.8 million

phase = "lantern"
if phase:
    print(phase)

The works are paid for by the port and a grant, and the tower stays open to visitors on Sundays."""


def test_structure_becomes_markdown_headings_lists_quote_table_code_and_links() -> None:
    document = extract(STRUCTURED_PAGE, URL)
    assert document.markdown == EXPECTED_WITH_LINKS


def test_text_stays_plain_and_chosen_as_before() -> None:
    # Plain: no Markdown marks; an ordered list's numbers are the page's own content (issue 12: numbered).
    assert extract(STRUCTURED_PAGE, URL).text == EXPECTED_TEXT


def test_links_are_stripped_unless_asked_for() -> None:
    markdown = extract(STRUCTURED_PAGE, URL).markdown
    stripped = markdown_without_links(markdown)
    assert "Read the full survey or the summary." in stripped
    assert "](" not in stripped and "port.example/docs" not in stripped
    assert stripped == EXPECTED_WITH_LINKS.replace(
        "[full survey](https://port.example/docs/survey.pdf)", "full survey"
    ).replace("[summary](https://other.example/x?a=1)", "summary")


def test_document_to_markdown_uses_the_structured_body_and_links_on_request() -> None:
    document = extract(STRUCTURED_PAGE, URL)
    plain = document_to_markdown(document)
    linked = document_to_markdown(document, links=True)
    assert plain.startswith("# Lighthouse works\n\nSource: " + URL + "\n\n")
    assert "## The steps\n\n3. Scaffolding" in plain and "[full survey]" not in plain
    assert linked.endswith(EXPECTED_WITH_LINKS + "\n")


def test_document_to_markdown_falls_back_to_the_text_without_markdown() -> None:
    document = Document(title="Old", text="First paragraph.\n\nSecond paragraph.")
    assert document_to_markdown(document) == "# Old\n\nFirst paragraph.\n\nSecond paragraph.\n"
    assert document_to_markdown(document, links=True) == document_to_markdown(document)


def _body(markdown_html: str) -> str:
    """The Markdown of a page whose article is `markdown_html` after one long paragraph."""
    page = f"<html><body><article><p>{PROSE}</p>{markdown_html}<p>{SECOND}</p></article></body></html>"
    markdown = extract(page, URL).markdown
    assert markdown.startswith(PROSE + "\n\n") and markdown.endswith("\n\n" + SECOND)
    return markdown[len(PROSE) + 2 : -len(SECOND) - 2]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # emphasis, code, link and HTML marks that the page meant as plain characters
        (
            "<p>Prices rose 5*3 [sic] for `make` users_ and __init__ <b>&lt;tags&gt;</b> ~ AT&amp;amp;</p>",
            "Prices rose 5\\*3 \\[sic\\] for \\`make\\` users\\_ and \\_\\_init\\_\\_ \\<tags> \\~ AT\\&amp;",
        ),
        # line starts that would open a heading, quote, list or rule
        ("<p># not a heading</p>", "\\# not a heading"),
        ("<p>&gt; not a quote</p>", "\\> not a quote"),
        ("<p>- not a list</p>", "\\- not a list"),
        ("<p>+ not a list</p>", "\\+ not a list"),
        ("<p>1984. Not a list either</p>", "1984\\. Not a list either"),
        ("<p>Line one<br>2) not a list</p>", "Line one\\\n2\\) not a list"),
        ("<p>snake_case stays as_is</p>", "snake_case stays as_is"),
        # a heading that ends in hashes keeps them
        ("<h2>We love C #</h2><p>" + TAIL + ".</p>", "## We love C \\#\n\n" + TAIL + "."),
    ],
)
def test_special_characters_are_escaped_where_they_would_change_the_meaning(html: str, expected: str) -> None:
    assert _body(html) == expected


def test_ordered_list_numbers_follow_start_and_value() -> None:
    html = (
        '<ol start="0"><li>zero step here</li><li value="7">seventh step here</li><li>eighth step</li></ol>'
    )
    assert _body(html) == "0. zero step here\n7. seventh step here\n8. eighth step"


def test_list_item_text_after_a_nested_list_continues_the_item() -> None:
    html = (
        "<ol><li>First item text<ul><li>inner one</li><li>inner two</li></ul>and its tail</li>"
        "<li>Second</li></ol>"
    )
    assert _body(html) == ("1. First item text\n   - inner one\n   - inner two\n\n   and its tail\n2. Second")


def test_paragraphs_inside_list_items_are_list_items() -> None:
    html = "<ul><li><p>A paragraph item</p></li><li><p>Another paragraph item</p></li></ul>"
    assert _body(html) == "- A paragraph item\n- Another paragraph item"


def test_nested_quotes_and_a_list_inside_a_quote() -> None:
    html = (
        "<blockquote><p>Outer words of the quote</p><blockquote><p>Inner words</p></blockquote>"
        "<ul><li>quoted item</li></ul></blockquote>"
    )
    assert _body(html) == "> Outer words of the quote\n>\n> > Inner words\n>\n> - quoted item"


def test_code_fence_is_longer_than_any_backtick_run_inside() -> None:
    assert _body("<pre>a ``` b\n````</pre>") == "`````\na ``` b\n````\n`````"


def test_table_rows_are_padded_to_the_widest_row() -> None:
    html = (
        "<table><tr><td>Name</td><td>Value</td><td>Unit</td></tr><tr><td>Width</td><td>12</td></tr></table>"
    )
    assert _body(html) == "| Name | Value | Unit |\n| --- | --- | --- |\n| Width | 12 |  |"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("javascript:alert(1)", "the link"),  # no script URL in Markdown
        ("#notes", "[the link](https://port.example/news/harbour-works#notes)"),
        ("../a b(1).html", "[the link](https://port.example/a%20b%281%29.html)"),
        ("https://user:secret@other.example/p", "[the link](https://other.example/p)"),
        ("mailto:desk@port.example", "[the link](mailto:desk@port.example)"),
    ],
)
def test_links_are_absolute_safe_and_without_credentials(href: str, expected: str) -> None:
    assert (
        _body(f'<p>See <a href="{href}">the link</a> now, for {TAIL}.</p>')
        == f"See {expected} now, for {TAIL}."
    )


def test_a_link_is_placed_on_its_own_words_not_an_earlier_copy() -> None:
    html = '<p>the cat and <a href="/the">the</a> dog</p>'
    assert _body(html) == "the cat and [the](https://port.example/the) dog"


def test_a_link_after_an_exclamation_mark_stays_a_link_not_an_image() -> None:
    html = f'<p>Look!<a href="/pic">the picture</a> of {TAIL}.</p>'
    assert _body(html) == f"Look\\![the picture](https://port.example/pic) of {TAIL}."


def test_links_in_a_table_cell_and_link_text_with_brackets() -> None:
    phase = "One of the phases of the works"
    html = (
        f"<table><tr><td>Name</td><td>Link</td></tr><tr><td>{phase}</td>"
        '<td><a href="/one">[one]</a></td></tr></table>'
    )
    markdown = _body(html)
    assert markdown == f"| Name | Link |\n| --- | --- |\n| {phase} | [\\[one\\]](https://port.example/one) |"
    assert markdown_without_links(markdown).endswith(f"| {phase} | \\[one\\] |")


def test_without_links_leaves_code_and_escaped_brackets_alone() -> None:
    markdown = "A \\[b\\](c) and [d](https://e.example/f)\n\n```\n[x](y)\n```"
    assert markdown_without_links(markdown) == "A \\[b\\](c) and d\n\n```\n[x](y)\n```"


def test_markdown_is_empty_when_the_fallback_text_replaces_the_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # The own blocks would not match a text trafilatura wrote: render.py then writes Markdown from the text.
    extractor = importlib.import_module("scraper.extract")  # the module, not the function it exports
    monkeypatch.setattr(extractor, "fallback_text", lambda html, url: " ".join([PROSE, SECOND] * 3))
    menu = "".join(f'<li><a href="/s/{n}">Headline number {n} of the day</a></li>' for n in range(30))
    hidden = f'<div class="comments"><p>{PROSE}</p><p>{SECOND}</p></div>'  # the own rules skip it
    document = extract(f"<html><body><ul>{menu}</ul>{hidden}</body></html>", URL)
    assert document.text == " ".join([PROSE, SECOND] * 3)
    assert document.markdown == ""
    assert document_to_markdown(document).endswith(document.text + "\n")


def test_a_link_after_a_dropped_one_is_still_placed() -> None:
    html = f'<p>See <a href="javascript:go()">one</a> and <a href="/two">two</a>, for {TAIL}.</p>'
    assert _body(html) == f"See one and [two](https://port.example/two), for {TAIL}."


def test_many_links_render_in_one_pass() -> None:
    # Each skipped link (a script URL) once made the scan start again from the last written link: 20,000
    # of them in one block took minutes. One pass takes well under a second.
    parts = [part for n in range(20_000) for part in (f"word{n}", " and more text ")]
    text = " ".join("".join(parts).split())
    anchors = tuple((2 * n, 2 * n + 1, f"javascript:go({n})") for n in range(20_000))
    markup = Markup(parts=tuple(parts), anchors=anchors)
    block = Block(text, BlockKind.PARAGRAPH, len(text), 0, (1,), markup=markup)
    started = time.perf_counter()
    markdown = render_markdown([block], URL)
    assert time.perf_counter() - started < 10
    assert markdown == text  # no script URL became a link


def test_links_resolve_against_the_base_element() -> None:
    page = (
        '<html><head><base href="https://files.example/root/"></head><body><article>'
        f'<p>{PROSE} The <a href="plan.pdf">plan</a> is online.</p></article></body></html>'
    )
    assert (
        extract(page, URL).markdown == f"{PROSE} The [plan](https://files.example/root/plan.pdf) is online."
    )


def test_a_root_relative_link_takes_the_page_origin_without_credentials() -> None:
    link = '<a href="/plan?v=2#top">plan</a>'
    page = f"<html><body><article><p>{PROSE} The {link} is online.</p></article></body></html>"
    markdown = extract(page, "https://user:secret@port.example:8443/news/x").markdown
    assert markdown == f"{PROSE} The [plan](https://port.example:8443/plan?v=2#top) is online."
