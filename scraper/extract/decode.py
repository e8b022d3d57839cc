"""Bytes to text: BOM, then <meta charset>, then detection. Never raises for bad bytes.

STUB: owned by the metadata/decoding helper, to be replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DecodedHTML", "decode_html"]


@dataclass(frozen=True, slots=True)
class DecodedHTML:
    text: str
    encoding: str


def decode_html(data: bytes, declared: str | None = None) -> DecodedHTML:
    """Decode `data`; `declared` is an HTTP header charset, tried after the BOM."""
    return DecodedHTML(data.decode("utf-8", errors="replace"), "utf-8")
