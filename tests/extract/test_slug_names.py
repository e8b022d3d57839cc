"""An id or class that is a slug of a heading's words ("1-heading-how-popular-are-meditation-and-
mindfulness") names the section's subject, not its role: a clutter word in it ("popular") hides nothing."""

from __future__ import annotations

from scraper.extract import extract
from scraper.extract.rules import attribute_tokens

SECTIONS = [
    (
        "how-popular-is-cycling-to-work-in-the-city",
        "Cycling to work has doubled in the city over the past ten years, according to the council's own "
        "counts at the main bridges, and the share keeps rising every spring.",
    ),
    (
        "what-the-related-studies-say-about-safety-on-lanes",
        "Studies of protected lanes in other cities found fewer injuries after they opened, even though "
        "more people rode, which the council cites as its main reason for the plan.",
    ),
]


def page() -> str:
    parts = "".join(
        f"<div id='{n}-heading-{slug}'><h2>Part {n}</h2><p>{text}</p></div>"
        for n, (slug, text) in enumerate(SECTIONS)
    )
    opening = "The council approved the new network of bike lanes on Tuesday after a long public debate."
    return (
        "<html><head><title>Bike lanes</title></head><body><main><article><h1>Bike lanes</h1>"
        f"<p>{opening}</p>{parts}</article></main>"
        "<aside class='popular'><p>Most read: five things to do this weekend</p></aside></body></html>"
    )


def test_sections_whose_ids_are_heading_slugs_are_kept() -> None:
    text = extract(page()).text
    assert all(section in text for _, section in SECTIONS)


def test_a_short_name_with_a_clutter_word_still_names_its_role() -> None:
    assert "related" in attribute_tokens("related-posts-list")
    assert "popular" in attribute_tokens("most-popular")


def test_a_colour_utility_class_names_no_role() -> None:
    """ "tw-border-stroke-secondary", "bg-secondary": a border's or background's colour, not a sidebar."""
    assert "secondary" not in attribute_tokens("tw-border-stroke-secondary")
    assert "secondary" not in attribute_tokens("bg-secondary text-muted")
    assert "secondary" in attribute_tokens("secondary-column")
    assert "ad" in attribute_tokens("ad-text")


def test_sections_styled_by_colour_utilities_are_kept() -> None:
    styled = (
        "The lanes will be painted green at every junction, so that drivers turning right can see at a "
        "glance where riders go straight on, as they already do in the neighbouring towns."
    )
    more = "".join(f"<p>{text} {text}</p>" for _, text in SECTIONS)  # the section a small share of the page
    section = f"<div class='tw-grid tw-border-stroke-secondary'><h2>Colour</h2><p>{styled}</p></div>"
    html = page().replace("</article>", f"{more}{section}</article>")
    assert styled in extract(html).text
