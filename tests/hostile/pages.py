"""Hostile inputs: small pages that make the HTML5 parser run for minutes or take gigabytes.

Each generator takes a size, so a test makes one just past its small limits and a bench (a later
`bench/hostile.py`) one as large as it likes. Measured with selectolax 1.0 on the 2-core dev machine,
in `scraper extract`, without the worker limits:

- `reopened_formatting(500, 20_000)`: 160 KiB, 37 s and 3.7 GB. Every ``<p>`` reopens the 500
  formatting elements still active (the "reconstruct the active formatting elements" step), so the
  tree holds repeats × opened elements.
- `deep_bogus_nesting(100_000)`: 13.6 s; 300,000 levels take minutes. The bogus end tag after each
  open tag fools the guard's pre-check (it counts every "</" as a close), and each block start tag
  walks the whole stack of open elements.
"""

from __future__ import annotations

import zlib

__all__ = [
    "deep_bogus_nesting",
    "normal_article",
    "reopened_formatting",
    "section_page",
    "stacked_deflate",
]


def reopened_formatting(opened: int = 500, repeats: int = 20_000) -> str:
    """`opened` distinct formatting elements left open in a paragraph, then ``</p><p>x`` `repeats` times."""
    head = "".join(f"<b id={n}>" for n in range(opened))
    return f"<html><body><p>{head}x{'</p><p>x' * repeats}</body></html>"


def deep_bogus_nesting(levels: int = 100_000) -> str:
    """`levels` nested ``<div>``, each followed by a bogus end tag that closes nothing."""
    return f"<html><body>{'<div></x>' * levels}deep</body></html>"


def section_page(links: list[str], *, hostile: str = "") -> str:
    """A home or section page linking to `links`, with `hostile` markup after them."""
    anchors = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    return f"<html><head><title>Section</title></head><body><ul>{anchors}</ul>{hostile}</body></html>"


def normal_article(title: str, *paragraphs: str) -> str:
    """An ordinary article page, for the pages a hostile one sits among."""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    head = f"<head><title>{title}</title></head>"
    return f"<html>{head}<body><article><h1>{title}</h1>{body}</article></body></html>"


def stacked_deflate(body: bytes, layers: int = 1500) -> bytes:
    """`body` deflated `layers` times over, for a Content-Encoding of as many ``deflate``s: 1,500 of them
    raised RecursionError in the fetcher's decoder chain (one generator per coding)."""
    for _ in range(layers):
        body = zlib.compress(body)
    return body
