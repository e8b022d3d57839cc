"""Text both databases accept, made the same way for both.

PostgreSQL refuses NUL (U+0000) in `text` columns, and no UTF-8 database can hold a lone surrogate
(U+D800..U+DFFF, which Python strings may carry after `surrogateescape` or `surrogatepass` decoding).
SQLite would take the first and choke on the second; cleaning every string in ONE function before either
backend sees it is what makes the same page store the same text on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from ..models import Document

__all__ = ["clean_document", "clean_optional", "clean_text", "clean_utf8", "text_hash", "utf8_hash"]

# A lone surrogate becomes the replacement character, as a decoder does for an invalid byte: the reader
# sees that something was there, and text length and word boundaries stay as they were.
_REPLACEMENT = "\ufffd"


def clean_text(value: str) -> str:
    """`value` without NUL characters, its lone surrogates replaced by U+FFFD.

    A well-formed surrogate *pair* (two code points in a Python string) is joined into the one character
    it encodes, so text that went through a UTF-16 round trip is kept, not damaged.
    """
    if value.isascii():
        return value.replace("\x00", "")
    # UTF-16 with surrogatepass writes pairs and lone halves alike; decoding joins the pairs and
    # replaces each lone half with U+FFFD.
    joined = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return joined.replace("\x00", "")


def clean_optional(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


def clean_document(document: Document) -> Document:
    """`document` with every text field cleaned by `clean_text`."""
    changes: dict[str, Any] = {
        field.name: clean_text(value)
        for field in dataclasses.fields(document)
        if isinstance(value := getattr(document, field.name), str)
    }
    return dataclasses.replace(document, **changes)


def clean_utf8(value: str) -> tuple[str, bytes]:
    """`clean_text(value)` and its UTF-8 bytes, encoded once (a fingerprint hashes and splits them):
    a text that encodes without error and holds no NUL is clean already."""
    try:
        encoded = value.encode("utf-8")
    except UnicodeEncodeError:  # a surrogate, lone or of a pair
        pass
    else:
        if b"\x00" not in encoded:
            return value, encoded
    cleaned = clean_text(value)
    return cleaned, cleaned.encode("utf-8")


def text_hash(text: str) -> str:
    """Fingerprint of a (cleaned) text, compared to decide whether a page changed."""
    return utf8_hash(text.encode("utf-8"))


def utf8_hash(encoded: bytes) -> str:
    """`text_hash` of the text whose UTF-8 bytes are `encoded`."""
    return hashlib.sha256(encoded).hexdigest()
