"""Page metadata from JSON-LD, OpenGraph, <meta> and the page itself.

STUB: owned by the metadata/decoding helper, to be replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

__all__ = ["Metadata", "extract_metadata"]


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    hostname: str | None = None
    language: str | None = None
    description: str | None = None
    canonical_url: str | None = None


def extract_metadata(tree: LexborHTMLParser, url: str | None = None) -> Metadata:
    """Read metadata from the parsed page before any node is removed from it."""
    title_node = tree.css_first("title")
    return Metadata(title=title_node.text(strip=True) if title_node else None)
