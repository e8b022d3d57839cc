# The compiled verdict of class and id names (_cclutter.pyx), as mypy sees them.

from collections.abc import Iterable, Mapping

def bind(
    clutter_words: Iterable[str],
    strong: Iterable[str],
    gated: Iterable[str],
    weak: Iterable[str],
    content: Iterable[str],
    hidden_classes: Iterable[str],
    modifier_words: Iterable[str],
    style_property_words: Iterable[str],
    min_slug_words: int,
    style_prefix_chars: int,
    skip_roles: Iterable[str],
    hiding_styles: Iterable[tuple[str, str]],
    footer: Iterable[str],
    layout: Iterable[str],
    terms: Iterable[str],
) -> None: ...
def verdict(names: str) -> int: ...
def token_sets(names: str) -> int: ...
def verdict_of_values(
    values: Mapping[str, str | None], furniture: bool = False, heading: bool = False
) -> int: ...

ATTRIBUTE_NAMES: tuple[str, ...]
