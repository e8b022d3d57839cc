"""A section of the article that announces its own list of links ("Many patches were sent for review:")
is body, however link-dense; a related box of links with a short label ("See also:") is not."""

from __future__ import annotations

from scraper.extract import extract

PROSE = [
    "The compiler backend has made good progress over the last few months, and most of the test suite "
    "now passes on the platforms that we build for every night.",
    "Some work remains on debug information and on the handling of a few rare attributes, which we plan "
    "to finish before the next release of the toolchain.",
    "Thanks to everyone who tested the nightly builds and reported problems: your reports made this "
    "progress possible, and we read every one of them.",
]
PATCHES = [
    "Make type comparison support floating point types",
    "Allow casts between integers and pointers",
    "Add support for the weak variable attribute",
    "Fix the size of long double on every target",
    "Add a function to check whether LTO is supported",
    "Fix volatile loads and stores in loops",
]


def links(items: list[str]) -> str:
    return "".join(
        f'<li><a href="https://example.org/patch/{n}">{item}</a></li>' for n, item in enumerate(items)
    )


def page(section: str) -> str:
    body = "".join(f"<p>{text}</p>" for text in PROSE)
    return (
        "<html><head><title>Progress report</title></head><body><main><article><h1>Progress report</h1>"
        f"<div class='content'>{body}{section}<p>{PROSE[0][::-1]}</p></div></article></main></body></html>"
    )


def test_a_section_announcing_its_own_list_of_links_is_kept() -> None:
    announcement = "Many patches were sent for review:"
    section = f"<div class='part'><h2>Patches</h2><p>{announcement}</p><ul>{links(PATCHES)}</ul></div>"
    text = extract(page(section)).text
    assert announcement in text
    assert all(patch in text for patch in PATCHES)


def test_a_box_of_links_under_a_short_label_is_still_dropped() -> None:
    section = f"<div class='part'><p>See also:</p><ul>{links(PATCHES)}</ul></div>"
    text = extract(page(section)).text
    assert not any(patch in text for patch in PATCHES)


_NAMED_BY_LINKS = {
    "fr": (
        "Nos correspondants ont suivi les chantiers à {}, {}, {}, {} et {}, et publié {} puis {}.",
        ["Angrelieu", "Saint-Morvan", "Belcastel", "Val-d'Orne", "Puymaurin", "un bilan", "un second"],
    ),
    "de": (
        "Unsere Reporter begleiteten die Arbeiten in {}, {}, {}, {} und {} und schrieben {} und {}.",
        ["Altdorf", "Neuried", "Bergheim", "Talhausen", "Kirchberg", "einen Bericht", "eine Bilanz"],
    ),
}


def _linked(template: str, names: list[str]) -> str:
    return template.format(*(f'<a href="/t/{n}">{name}</a>' for n, name in enumerate(names)))


def test_a_sentence_naming_places_by_their_links_is_kept() -> None:
    """More than half of it is link text and fewer than 80 characters are its own, but it is the writer's
    sentence around names: not a list of links."""
    for template, names in _NAMED_BY_LINKS.values():
        text = extract(page(f"<p>{_linked(template, names)}</p>")).text
        assert template.format(*names) in text


def test_a_line_of_links_or_of_linked_headlines_still_goes() -> None:
    """A label's few words of its own, or links as long as headlines (more text than the sentence's own)."""
    tags = ", ".join(f'<a href="/tag/{n}">{tag}</a>' for n, tag in enumerate(PATCHES))
    label = f"<p>Tags: {tags}.</p>"
    headlines = _linked("Read our earlier reports on the state of the backend, {} and {}.", PATCHES[:2])
    headlines = headlines.replace(PATCHES[0], PATCHES[0] + " and what it means for users on every platform")
    text = extract(page(label + f"<p>{headlines}</p>")).text
    assert "Tags:" not in text
    assert "earlier reports" not in text
