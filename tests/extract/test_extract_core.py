"""The extractor core on small hand-written pages: what the body keeps and what it drops."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.errors import ExtractionError
from scraper.extract import extract
from scraper.extract.blocks import BlockKind, collect_blocks
from scraper.extract.rules import attribute_tokens

BODY = [
    "The city council voted on Tuesday to expand the network of protected bicycle lanes downtown.",
    "Supporters said the plan, which costs about four million dollars, would make streets safer.",
    "Opponents argued that removing parking spaces would hurt the small shops along Main Street.",
    "The first new lanes are expected to open next spring, according to the transport office.",
]

RELATED = [
    "Mayor announces a new plan to repair every pothole in the city before the winter arrives",
    "Local bakery wins national award for its sourdough bread after twenty years in business",
    "School board delays its decision on the new start times until the end of the month",
    "Heavy rain floods several basements on the east side as the river rises again tonight",
    "Police search for the owner of a parrot found sitting on a bus stop shelter downtown",
]


def page(article: str, *, title: str = "Council backs bike lanes", extra: str = "", lang: str = "en") -> str:
    return f"""<!doctype html><html lang="{lang}"><head><title>{title}</title></head><body>
<header><a href="/">Daily Courier</a><nav><a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main>{article}</main>{extra}
<footer><p>Copyright 2026 Daily Courier. All rights reserved. Terms of use and privacy.</p></footer>
</body></html>"""


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def related_list(texts: list[str]) -> str:
    items = "".join(f'<li><a href="/story/{n}"><h3>{text}</h3></a></li>' for n, text in enumerate(texts))
    return f"<section><h2>Related Articles</h2><ul>{items}</ul></section>"


def test_keeps_every_body_paragraph_first_included_in_order() -> None:
    text = extract(page(f"<article><h1>Council backs bike lanes</h1>{paragraphs(BODY)}</article>")).text
    assert text.split("\n\n") == BODY


def test_drops_related_headline_list_inside_the_article() -> None:
    html = page(f"<article>{paragraphs(BODY)}{related_list(RELATED)}</article>")
    text = extract(html).text
    assert text.split("\n\n") == BODY
    assert "Related Articles" not in text


def test_drops_unlinked_headline_rail_but_keeps_body_lists() -> None:
    cards = "".join(
        f"<div><div>NEWS</div><h3>{headline}</h3><div>Jane Doe</div></div>" for headline in RELATED
    )
    body = paragraphs(BODY[:2]) + "<ul><li>red lanes</li><li>green lanes</li></ul>" + paragraphs(BODY[2:])
    text = extract(page(f"<article>{body}<div><h2>Recent</h2>{cards}</div></article>")).text
    assert "red lanes\ngreen lanes" in text
    assert all(headline not in text for headline in RELATED)
    assert "Jane Doe" not in text


def test_headings_and_list_items_stand_on_their_own_lines() -> None:
    article = (
        f"<article><p>{BODY[0]}</p><h2>What changes</h2><ul><li>Wider lanes on <b>Main</b> Street</li>"
        f"<li>New signals</li></ul><p>{BODY[1]}</p></article>"
    )
    text = extract(page(article)).text
    assert text == f"{BODY[0]}\n\nWhat changes\n\nWider lanes on Main Street\nNew signals\n\n{BODY[1]}"


def test_repeated_title_and_standfirst_dropped() -> None:
    standfirst = "Expansion of the network approved after a long and heated public debate on Tuesday."
    article = (
        f"<div><h1>Council backs bike lanes</h1><p>{standfirst}</p></div>"
        f"<article><h2>Council backs bike lanes</h2>{paragraphs(BODY[:2])}<p>{standfirst}</p>"
        f"{paragraphs(BODY[2:])}</article>"
    )
    text = extract(page(article)).text
    assert "Council backs bike lanes" not in text
    assert text.count(standfirst) == 1
    assert text.startswith(BODY[0])


def test_player_controls_modal_buttons_and_newsletter_dropped() -> None:
    article = (
        f"<article>{paragraphs(BODY)}"
        '<div class="newsletter-box"><h3>Newsletter</h3>'
        "<p>Get the best stories in your inbox every morning.</p></div>"
        '<div class="audio"><span>0:00</span><span>0:00</span><div role="button">Close</div></div>'
        "<div><span>×</span></div><div>Advertisement</div></article>"
    )
    text = extract(page(article)).text
    assert text.split("\n\n") == BODY


def test_share_bar_cookie_banner_and_comments_dropped() -> None:
    extra = (
        '<div id="cookie-consent"><p>We use cookies to improve your experience on our website, accept?</p>'
        '</div><section class="comments"><p>Great article, I completely agree with every word here!</p>'
        "</section>"
    )
    share_bar = '<div class="share-bar"><a href="#">Facebook</a> <a href="#">X</a></div>'
    article = f"<article>{share_bar}{paragraphs(BODY)}</article>"
    text = extract(page(article, extra=extra)).text
    assert text.split("\n\n") == BODY


def test_teasers_with_cut_off_excerpts_dropped() -> None:
    teasers = "".join(
        f'<div><a href="/s/{n}">{headline}</a><p>{BODY[n % 4][:60]}...</p></div>'
        for n, headline in enumerate(RELATED)
    )
    text = extract(page(f"<article>{paragraphs(BODY)}</article><div>{teasers}</div>")).text
    assert text.split("\n\n") == BODY


def test_link_list_announced_by_the_body_is_kept() -> None:
    links = "".join(f'<li><a href="/patch/{n}">{headline}</a></li>' for n, headline in enumerate(RELATED))
    article = f"<article>{paragraphs(BODY[:2])}<p>These patches were sent for review:</p><ul>{links}</ul>"
    article += paragraphs(BODY[2:]) + "</article>"
    text = extract(page(article)).text
    assert all(headline in text for headline in RELATED)
    assert text.startswith(BODY[0]) and text.endswith(BODY[3])


def test_right_to_left_page() -> None:
    arabic = [
        "أعلنت الحكومة يوم الثلاثاء عن خطة جديدة لتوسيع شبكة النقل العام في العاصمة خلال العام المقبل.",
        "وقال الوزير إن المشروع سيكلف نحو أربعة ملايين دولار وسيخدم آلاف الركاب كل يوم، وفق البيان.",
        "ومن المتوقع أن تبدأ الأعمال في الربيع المقبل بعد الانتهاء من الدراسات الفنية اللازمة للمشروع.",
    ]
    related = "".join(f'<li><a href="/a/{n}">{line[:50]}</a></li>' for n, line in enumerate(arabic * 2))
    article = f'<article dir="rtl"><h1>خطة النقل</h1>{paragraphs(arabic)}'
    article += f"<h2>مقالات ذات صلة</h2><ul>{related}</ul></article>"
    text = extract(page(article, title="خطة النقل", lang="ar")).text
    assert text.split("\n\n") == arabic


def test_hashed_class_names_without_semantic_tags() -> None:
    menu = "".join(f'<div class="css-1q2w3e"><a href="/{n}">Section {n}</a></div>' for n in range(12))
    body = "".join(f'<div class="css-9x8y7z"><span>{text}</span></div>' for text in BODY)
    rail = "".join(f'<div class="css-5t6y7u"><a href="/r/{n}">{h}</a></div>' for n, h in enumerate(RELATED))
    html = (
        f'<html><body><div class="css-a1"><div class="css-b2">{menu}</div>'
        f'<div class="css-c3"><div class="css-d4">{body}</div><div class="css-e5">{rail}</div></div></div>'
        "</body></html>"
    )
    assert extract(html).text.split("\n\n") == BODY


def test_table_rows_kept_with_cells_separated() -> None:
    table = (
        "<table><tr><th>Street</th><th>Length</th></tr><tr><td>Main</td><td>2 km</td></tr>"
        "<tr><td>Oak</td><td>1 km</td></tr></table>"
    )
    text = extract(page(f"<article>{paragraphs(BODY[:2])}{table}{paragraphs(BODY[2:])}</article>")).text
    assert "Street | Length\nMain | 2 km\nOak | 1 km" in text


def test_blockquote_and_first_paragraph_of_a_bare_page() -> None:
    html = f"<p>{BODY[0]}</p><blockquote>{BODY[1]}</blockquote><p>{BODY[2]}</p>"
    assert extract(html).text.split("\n\n") == BODY[:3]


def test_bytes_input_decoded_and_url_kept() -> None:
    html = page(f"<article>{paragraphs(BODY)}</article>").encode("utf-8")
    document = extract(html, url="https://example.org/news/bikes")
    assert document.text.split("\n\n") == BODY
    assert document.url == "https://example.org/news/bikes"
    assert document.hostname == "example.org"


@pytest.mark.parametrize(
    "html", ["", "   \n\t", b"", b"\x00\x00\x00", "just some words", b"%PDF-1.7\n%\xe2\xe3"]
)
def test_empty_and_non_html_input_gives_a_document(html: str | bytes) -> None:
    document = extract(html)
    assert isinstance(document.text, str)
    assert len(document.text) < 50


def test_class_tokens_split_camel_case_and_joined_neighbours() -> None:
    tokens = attribute_tokens("article__shareBar js-ad")
    assert {"share", "bar", "sharebar", "ad", "article"} <= tokens
    assert "hidden" not in attribute_tokens("overflow-visible")


def test_blocks_know_their_kind_and_links() -> None:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(
        '<body><h2>Head</h2><p>Some <a href="/x">linked</a> words</p><ul><li>One</li></ul></body>'
    )
    assert tree.body is not None
    blocks = collect_blocks(tree.body)
    assert [(b.kind, b.text) for b in blocks] == [
        (BlockKind.HEADING, "Head"),
        (BlockKind.PARAGRAPH, "Some linked words"),
        (BlockKind.LIST_ITEM, "One"),
    ]
    assert blocks[1].link_chars == len("linked")


HTML_PIECES = st.sampled_from(
    ["<div>", "</div>", "<p>", "</p>", "<a href='x'>", "</a>", "<ul><li>", "<table><tr><td>", "<script>",
     "<!--", "-->", "<br>", "<h2>", "</h2>", "&amp;", "&#0;", "\x00", "<article class='share'>", "<", ">"]
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(HTML_PIECES, st.text(max_size=30)), max_size=60))
def test_random_html_never_raises_anything_but_extraction_error(pieces: list[str]) -> None:
    html = "".join(pieces)
    for data in (html, html.encode("utf-8", errors="surrogatepass")):
        try:
            document = extract(data)
        except ExtractionError:
            continue
        assert isinstance(document.text, str)


def test_news_page_like_the_seed() -> None:
    """The page the project exists for: body buried among title twice, standfirst, player, related list."""
    title = "US Sanctions North Korea Over Malicious Cyber Activity"
    standfirst = "North Korea deploys thousands of tech workers abroad, a Treasury Department statement said."
    body = [BODY[0], BODY[1], standfirst, BODY[2], BODY[3]]
    headlines = [f"{headline} ({n % 7})" for n, headline in enumerate(RELATED * 10)]
    related = "".join(f'<div class="c-x1"><a href="/n/{n}">{h}</a></div>' for n, h in enumerate(headlines))
    html = f"""<html><head><title>{title}</title></head><body>
    <div class="top"><div>Arab Press</div><div>بالشعب و للشعب</div><div>Saturday, Mar 21, 2026</div></div>
    <h1>{title}</h1><p class="lead">{standfirst}</p>
    <article><h1>{title}</h1>{paragraphs(body)}
      <div class="nl"><span>Newsletter</span></div>
      <h2>Related Articles</h2><div>Arab Press</div>
      <div class="jw"><span>0:00</span><span>0:00</span><span>Close</span></div>
      <div>{related}</div>
    </article><div class="modal-x"><span>×</span></div></body></html>"""
    text = extract(html).text
    assert text.split("\n\n") == body


def test_side_column_beside_the_article_is_left_out() -> None:
    more = [
        "Cyclists who attended the meeting applauded when the final count was read out by the clerk.",
        "Business owners said they would ask the council to phase the work in over several months.",
        "A consultant hired by the city estimated that traffic delays would last about two weeks.",
        "The council will review the results of the first year before approving any further lanes.",
    ]
    body = BODY + more
    notices = "<h3>Public notices</h3><p>Road closure on the bypass from 5 to 9 May, for resurfacing.</p>"
    html = (
        f'<html><body><div class="wrap"><div class="col-a">{paragraphs(body)}</div>'
        f'<div class="col-b">{notices}</div></div></body></html>'
    )
    assert extract(html).text.split("\n\n") == body


def test_captions_dropped_beside_prose_but_kept_when_they_are_the_gallery() -> None:
    caption = "<figcaption>The new lanes on Main Street. Photo: J. Doe/Agency</figcaption>"
    figure = f'<figure><img src="a.jpg">{caption}</figure>'
    article_text = extract(
        page(f"<article>{paragraphs(BODY[:2])}{figure}{paragraphs(BODY[2:])}</article>")
    ).text
    assert article_text.split("\n\n") == BODY

    captions = "".join(
        f'<figure><img src="{n}.jpg"><figcaption><span>{n + 1} of 4</span><p>{text}</p></figcaption></figure>'
        for n, text in enumerate(BODY)
    )
    gallery_text = extract(page(f"<article><p>{BODY[0]}</p>{captions}</article>")).text
    assert all(text in gallery_text for text in BODY)
    assert "1 of 4" not in gallery_text


def test_live_blog_entry_headers_kept_but_site_header_dropped() -> None:
    entries = "".join(
        f"<article><header><time>10.0{n}</time><h2>Update number {n} on the storm</h2></header>"
        f"<p>{text}</p></article>"
        for n, text in enumerate(BODY)
    )
    text = extract(page(f"<section>{entries}</section>")).text
    assert "Update number 0 on the storm" in text and "Update number 3 on the storm" in text
    assert all(body in text for body in BODY)
    assert "Daily Courier" not in text


def test_prose_in_page_builder_widgets_is_kept_inside_the_body_only() -> None:
    def widget(texts: list[str]) -> str:
        return f'<div class="elementor-widget-container">{paragraphs(texts)}</div>'

    review = (
        "Our pick among the lanes: the Main Street stretch is wide, separated by a curb, and lit at night."
        " Riders we asked said it was the first route in town they would trust with their children,"
        " and two of them said they had sold their second car since it opened."
    )
    about = (
        "The Daily Courier has covered the valley since 1921. We are an independent newsroom funded by"
        " readers and local businesses, and we publish every weekday morning and on Saturdays."
    )
    caption = (
        "Cyclists ride along the new protected lane on Main Street on Tuesday morning, a day after the"
        " council vote, while a delivery van waits at the loading bay beside the curb. Photo by J. Doe."
    )
    article = (
        f"<article>{paragraphs(BODY[:2])}{widget([review])}"
        f'<div class="image-caption">{caption}</div>{paragraphs(BODY[2:])}</article>'
    )
    sidebar = f'<div class="sidebar-column">{widget([about])}</div>'
    text = extract(page(article, extra=sidebar)).text

    assert text.split("\n\n") == [*BODY[:2], review, *BODY[2:]]  # in the body, in its place
    assert about not in text  # the same kind of widget beside the body stays out
    assert caption not in text  # weak words that name clutter ("caption") are not deferred


@pytest.mark.parametrize(
    "label", ["6 min read", "12 mins read", "5 minute read", "Lesezeit: 4 Min.", "5 minutos de lectura"]
)
def test_reading_time_labels_are_interface_text(label: str) -> None:
    article = f"<article>{paragraphs(BODY[:2])}<p>{label}</p>{paragraphs(BODY[2:])}</article>"
    text = extract(page(article)).text
    assert text.split("\n\n") == BODY


def test_pull_quote_repeating_a_sentence_is_dropped() -> None:
    quote = "<blockquote>“costs about four million dollars, would make streets safer”</blockquote>"
    text = extract(page(f"<article>{paragraphs(BODY[:2])}{quote}{paragraphs(BODY[2:])}</article>")).text
    assert text.split("\n\n") == BODY


def test_settings_classes_do_not_hide_the_body() -> None:
    """ "no-share" / "has-sidebar" describe a wrapper's options, not share bars or sidebars."""
    related = "".join(f'<li><a href="/{n}">{h}</a></li>' for n, h in enumerate(RELATED * 4))
    article = f'<div class="entry-content no-share has-sidebar">{paragraphs(BODY)}</div><ul>{related}</ul>'
    assert extract(page(article)).text.split("\n\n") == BODY


def test_section_front_of_teasers_gives_no_article() -> None:
    cards = "".join(
        f'<div class="card"><h2><a href="/story/{n}">{headline}</a></h2><p>{BODY[n % 4][:70]}…</p>'
        f'<a href="/story/{n}">Read more</a><span>4 min read</span></div>'
        for n, headline in enumerate(RELATED)
    )
    document = extract(page(f'<div class="grid">{cards}</div>'))
    assert all(headline not in document.text for headline in RELATED)
    assert "Read more" not in document.text


def test_double_line_breaks_make_paragraphs_in_a_layout_table() -> None:
    cell = "<br><br>\n".join(BODY)
    html = (
        '<html><body><table><tr><td><a href="/">Home</a><br><a href="/radios">Radios</a></td></tr>'
        f"<tr><td><font>{cell}</font></td></tr></table></body></html>"
    )
    assert extract(html).text.split("\n\n") == BODY


def test_fallback_asked_only_for_article_sized_pages_with_nearly_no_prose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extractor = importlib.import_module("scraper.extract")  # the module, not the function it exports

    asked: list[str] = []

    def fake_fallback(html: str, url: str | None) -> str:
        asked.append(html)
        return " ".join(BODY * 3)

    monkeypatch.setattr(extractor, "fallback_text", fake_fallback)
    login = (
        '<html><body><form><input name="email"><button>Sign in</button></form><p>Forgot it?</p></body></html>'
    )
    assert extract(login).text == ""
    assert not asked  # too little text on the page for an article to have been missed

    menu = "".join(f'<li><a href="/s/{n}">{headline}</a></li>' for n, headline in enumerate(RELATED * 3))
    hidden_body = f'<div class="comments">{paragraphs(BODY)}</div>'  # the own rules skip it
    text = extract(f"<html><body><ul>{menu}</ul>{hidden_body}</body></html>").text
    assert len(asked) == 1
    assert text == " ".join(BODY * 3)

    asked.clear()
    assert extract(page(f"<article>{paragraphs(BODY)}</article>")).text.split("\n\n") == BODY
    assert not asked  # enough prose of its own


def test_ordered_list_items_are_numbered_unordered_ones_are_not() -> None:
    steps = ["Unplug the router.", "Wait thirty seconds.", "Plug it back in and wait for the light."]
    ordered = "<ol>" + "".join(f"<li><p>{step}</p></li>" for step in steps) + "</ol>"
    later = '<ol start="4"><li>Call the <b>help line</b>.</li><li>Write down the number.</li></ol>'
    unordered = "<ul><li>red lanes</li><li>green lanes</li></ul>"
    article = f"<article>{paragraphs(BODY[:2])}{ordered}{paragraphs(BODY[2:3])}{later}"
    text = extract(page(f"{article}{paragraphs(BODY[3:])}{unordered}</article>")).text
    numbered = "\n\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1))  # each item a <p>
    assert f"{BODY[1]}\n\n{numbered}\n\n{BODY[2]}" in text
    assert f"{BODY[2]}\n\n4. Call the help line.\n5. Write down the number.\n\n{BODY[3]}" in text
    assert text.endswith(f"{BODY[3]}\n\nred lanes\ngreen lanes")


def test_nested_list_numbers_its_own_items() -> None:
    nested = "<ol><li>Prepare the bed:<ul><li>dig</li><li>rake</li></ul></li><li>Sow the seeds.</li></ol>"
    text = extract(page(f"<article>{paragraphs(BODY[:2])}{nested}{paragraphs(BODY[2:])}</article>")).text
    assert "1. Prepare the bed:\ndig\nrake\n2. Sow the seeds." in text


MORE = [
    "Cyclists who attended the meeting applauded when the final count was read out by the clerk.",
    "Business owners said they would ask the council to phase the work in over several months.",
    "A consultant hired by the city estimated that traffic delays would last about two weeks.",
    "The council will review the results of the first year before approving any further lanes.",
]
# A body long enough that a short intro or notice beside it holds under a tenth of the prose.
LONG_BODY = [
    f"{opening}, {text[0].lower()}{text[1:]}"
    for opening in ("At the first hearing", "In the second week", "By the third vote")
    for text in BODY + MORE
]


def test_intro_in_its_own_wrapper_between_headline_and_body_is_kept() -> None:
    intro = "Downtown streets will get ten kilometres of protected lanes by next year, the council decided."
    notice = "This site uses cookies to remember your settings and to measure how the site is used."
    article = (
        f'<p class="notice">{notice}</p><div class="head"><h1>Council backs bike lanes</h1>'
        f'<div class="byline">By Jane Doe</div><div class="intro"><p>{intro}</p></div></div>'
        f'<div class="body"><div class="text">{paragraphs(LONG_BODY)}</div></div>'
    )
    text = extract(page(f"<article>{article}</article>")).text
    assert text.split("\n\n") == [intro, *LONG_BODY]


def test_linked_section_headings_inside_the_body_are_kept() -> None:
    article = (
        f'{paragraphs(BODY[:2])}<h2><a href="/guide/lanes">Where the lanes go</a></h2>{paragraphs(BODY[2:3])}'
        f'<h3><a href="/guide/cost">What it costs</a></h3>{paragraphs(BODY[3:])}'
    )
    text = extract(page(f"<article>{article}</article>")).text
    assert text.split("\n\n") == [*BODY[:2], "Where the lanes go", BODY[2], "What it costs", BODY[3]]


def test_paragraph_trailing_off_in_an_ellipsis_inside_the_body_is_no_teaser() -> None:
    trailing = "And then, as the last speaker sat down, the room went quiet for a long moment..."
    linked = f'{BODY[1][:-1]}, as <a href="/plan">the plan</a> says.'
    article = f"<p>{BODY[0]}</p><p>{linked}</p><p>{trailing}</p>{paragraphs(BODY[2:])}"
    text = extract(page(f"<article>{article}</article>")).text
    assert text.split("\n\n") == [
        BODY[0],
        linked.replace('<a href="/plan">', "").replace("</a>", ""),
        trailing,
        *BODY[2:],
    ]


def test_embedded_post_quoted_in_the_body_is_kept() -> None:
    post = (
        '<div class="embed"><blockquote class="embed-quote"><p>The new lanes open on Monday</p>'
        "<p>Ride safe and say hello to the crews</p><p>More on the plan tonight</p>"
        '<p>— City Transport (@citytransport) <a href="https://social.example/s/1">May 2, 2026</a></p>'
        "</blockquote></div>"
    )
    text = extract(page(f"<article>{paragraphs(BODY[:2])}{post}{paragraphs(BODY[2:])}</article>")).text
    assert "The new lanes open on Monday\n\nRide safe and say hello to the crews" in text
    assert "— City Transport (@citytransport) May 2, 2026" in text


def test_highlighted_code_keeps_its_comment_tokens() -> None:
    code = (
        '<pre><code><span class="hl-comment"># stage only the files you name</span>\n'
        'git add <span class="hl-string">notes.txt</span></code></pre>'
    )
    text = extract(page(f"<article>{paragraphs(BODY[:2])}{code}{paragraphs(BODY[2:])}</article>")).text
    assert "# stage only the files you name\ngit add notes.txt" in text


def test_a_heading_id_names_its_topic_not_clutter() -> None:
    headings = (
        '<h2 id="should-you-share-the-road">Should you share the road?</h2>'
        '<h3 id="related-costs-and-comments">Related costs and comments</h3>'
    )
    article = f"{paragraphs(BODY[:2])}{headings}{paragraphs(BODY[2:])}"
    text = extract(page(f"<article>{article}</article>")).text
    assert text.split("\n\n") == [
        *BODY[:2],
        "Should you share the road?",
        "Related costs and comments",
        *BODY[2:],
    ]


def test_component_library_prefixes_are_no_clutter_words() -> None:
    # "cmp-" prefixes every component of some content management systems, "skip-" their list items;
    # a consent banner says "consent" or "cookie", a skip link is "Skip to content".
    article = (
        f'<div class="cmp-container"><div class="cmp-text">{paragraphs(BODY[:2])}</div></div>'
        f'<div class="skip-item topic-2">{paragraphs(BODY[2:])}</div>'
    )
    text = extract(page(f"<article>{article}</article>")).text
    assert text.split("\n\n") == BODY


def test_embedded_post_in_a_social_wrapper_is_quoted_text_not_a_share_bar() -> None:
    post = (
        '<div class="social-embed"><blockquote class="embed-quote"><p>Spent half a million on this ad and '
        'nobody proofread it</p>— A Reader (@areader) <a href="https://social.example/s/2">May 3, 2026</a>'
        '</blockquote></div><div class="social-share"><a href="/s">Share</a> <a href="/t">Post</a></div>'
    )
    text = extract(page(f"<article>{paragraphs(BODY[:2])}{post}{paragraphs(BODY[2:])}</article>")).text
    assert "Spent half a million on this ad and nobody proofread it" in text
    assert "— A Reader (@areader) May 3, 2026" in text
    assert "Share" not in text


def test_table_of_short_cells_inside_the_body_is_data_not_a_rail() -> None:
    rows = "".join(
        f"<tr><td>{street}</td><td>{km} km</td></tr>"
        for street, km in [("Main Street", 2), ("Harbour Road", 3), ("Mill Lane", 1), ("Park Avenue", 4)]
    )
    table = f"<div><p>Lanes by street</p><table>{rows}</table></div>"
    text = extract(page(f"<article>{paragraphs(BODY[:2])}{table}{paragraphs(BODY[2:])}</article>")).text
    assert "Main Street | 2 km\nHarbour Road | 3 km\nMill Lane | 1 km\nPark Avenue | 4 km" in text


def test_linked_heading_over_a_list_is_kept() -> None:
    steps = "<ul><li>Check the tyres for wear.</li><li>Oil the chain.</li></ul>"
    section = f'<h2><a href="/guide/bike-care">Before you ride</a></h2>{steps}'
    text = extract(page(f"<article>{paragraphs(BODY[:2])}{section}{paragraphs(BODY[2:])}</article>")).text
    assert "Before you ride\n\nCheck the tyres for wear.\nOil the chain." in text
