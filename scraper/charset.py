"""Bytes to text as browsers read them, never raising for bad bytes; and a cheap test for bytes that are not
text at all. Shared by the fetcher (a page's text) and the extractor (bytes handed to it directly).

The order follows the HTML standard's encoding sniffing, simplified: a byte order mark wins, then the
charset the server declared, then a ``<meta charset>`` (or ``http-equiv``) in the first bytes, then strict
UTF-8 when the bytes decode as such, then statistical detection (charset-normalizer) on a bounded prefix,
and finally UTF-8 with replacement characters. NUL characters are removed from the result: no real page
needs them, and some C libraries stop reading at the first one.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

__all__ = ["DecodedHTML", "decode_html", "looks_binary", "normalise_encoding"]

# The HTML standard looks for a <meta charset> in the first 1024 bytes; real pages often put it after
# long comments or inline styles, so we look a little further.
META_SNIFF_BYTES = 4096
# charset-normalizer is slow (it tries many codecs); a prefix is enough to tell them apart.
DETECTION_SAMPLE_BYTES = 64 * 1024
# Detection on a handful of non-ASCII bytes is a guess (it once named 'héllo' cp1006); below this many,
# the page gets windows-1252, the default of browsers for pages that do not say.
MIN_NON_ASCII_FOR_DETECTION = 32
FALLBACK_LEGACY_ENCODING = "cp1252"
# Chaos (charset-normalizer's measure of mess) within which a Windows code page beats the best guess.
DETECTION_TIE = 0.05
# UTF-16 without a BOM has a NUL beside every ASCII character of its markup.
UTF16_NUL_SHARE = 0.25
# In the first KiB of text, a share of control bytes above this means the body is binary.
BINARY_SAMPLE_BYTES = 1024
MAX_CONTROL_SHARE = 0.10

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels that browsers (WHATWG Encoding standard) map to a different codec than Python does.
_WHATWG_ALIASES: dict[str, str] = {
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "l1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "x-user-defined": "cp1252",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
    "euc_kr": "cp949",  # Python's canonical names, as codecs.lookup returns them
    "shift_jis": "shift_jis",
}

# Browsers refuse UTF-7 (a known script-injection vector) and never see Python-only codecs.
_REFUSED_ENCODINGS = frozenset({"utf-7", "utf7", "unicode-1-1-utf-7", "mbcs", "oem", "idna", "punycode"})

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE)

_BINARY_MAGIC: tuple[bytes, ...] = (
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"PK\x03\x04",  # ZIP, and so DOCX, XLSX, EPUB, JAR
    b"\x1f\x8b",  # gzip
    b"RIFF",  # WebP, WAV, AVI
    b"\x00\x00\x01\x00",  # ICO
    b"wOFF",
    b"wOF2",
    b"\x7fELF",
    b"7z\xbc\xaf\x27\x1c",
    b"BZh",
    b"\x28\xb5\x2f\xfd",  # zstd
)
# Control bytes other than tab, LF, FF, CR and ESC (ISO-2022 escapes) do not occur in text.
_NON_ASCII_BYTES = bytes(range(128, 256))
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"


@dataclass(frozen=True, slots=True)
class DecodedHTML:
    """Decoded page text and the Python codec name that produced it."""

    text: str
    encoding: str


def decode_html(data: bytes, declared: str | None = None) -> DecodedHTML:
    """Decode `data`; `declared` is an HTTP header charset, tried after the BOM."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decoded(data[len(bom) :], encoding)
    if b"\x00" in data:
        if _looks_utf16(data):
            return _decoded(data, _utf16_byte_order(data))
        # NUL is never part of a multi-byte character in UTF-8 or the legacy web encodings.
        data = data.replace(b"\x00", b"")
    for label in (declared, _meta_charset(data)):
        named = normalise_encoding(label) if label else None
        if named is not None:
            if _is_single_byte(named) and not data.isascii():
                as_utf8 = _strict_utf8(data)
                if as_utf8 is not None:
                    return as_utf8
            return _decoded(data, _fix_ascii_incompatible(named, data))
    as_utf8 = _strict_utf8(data)
    if as_utf8 is not None:
        return as_utf8
    if _non_ascii_count(data[:DETECTION_SAMPLE_BYTES]) < MIN_NON_ASCII_FOR_DETECTION:
        # Too little evidence for statistics: take the web's default legacy encoding, as browsers do.
        return _decoded(data, FALLBACK_LEGACY_ENCODING)
    detected = _detect(data)
    if detected is not None:
        return _decoded(data, detected)
    return _decoded(data, "utf-8")


def normalise_encoding(label: str) -> str | None:
    """The Python codec for an encoding label as browsers read it, or None for an unknown label."""
    cleaned = label.strip().strip("\"'").lower()
    cleaned = _WHATWG_ALIASES.get(cleaned, cleaned)
    if cleaned in _REFUSED_ENCODINGS:
        return None
    try:
        info = codecs.lookup(cleaned)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):  # base64, rot13, zlib ...: labels, not charsets
        return None
    try:
        info.decode(b"<")
    except (UnicodeError, ValueError, TypeError):  # Python's "undefined" codec refuses everything
        return None
    name = info.name
    # Python's lookup also maps labels to itself that browsers treat as cp1252 ("latin_1" etc.).
    return _WHATWG_ALIASES.get(name, "cp1252" if name == "iso8859-1" else name)


def looks_binary(data: bytes) -> bool:
    """True for bytes that are a known binary format, or have too many control bytes to be text."""
    if data.startswith(_BINARY_MAGIC):
        return True
    sample = data[:BINARY_SAMPLE_BYTES]
    if not sample or sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False  # UTF-16 text is full of NUL bytes and still text
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls / len(sample) > MAX_CONTROL_SHARE


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET_RE.search(data, 0, META_SNIFF_BYTES)
    return match.group(1).decode("ascii") if match else None


def _fix_ascii_incompatible(encoding: str, data: bytes) -> str:
    """A declared UTF-16/32 on a page whose bytes are ASCII-compatible is a lie: such a page is UTF-8.

    (A real UTF-16 page has a BOM, or NUL bytes between the ASCII characters of its markup.)
    """
    if encoding.startswith(("utf-16", "utf-32")) and b"\x00" not in data[:META_SNIFF_BYTES]:
        return "utf-8"
    return encoding


def _strict_utf8(data: bytes) -> DecodedHTML | None:
    try:
        return DecodedHTML(_strip_nul(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        return None


def _is_single_byte(encoding: str) -> bool:
    """Legacy one-byte code pages, whose labels are often wrong on pages re-saved as UTF-8.

    Non-ASCII text in such a code page is almost never also valid UTF-8 (a UTF-8 sequence needs a lead
    byte followed by exactly the right number of continuation bytes), so valid UTF-8 wins over the label.
    """
    return encoding.startswith(("cp125", "iso8859", "latin", "koi8", "mac-", "cp874"))


def _looks_utf16(data: bytes) -> bool:
    sample = data[:META_SNIFF_BYTES]
    return sample.count(0) > UTF16_NUL_SHARE * len(sample)


def _non_ascii_count(sample: bytes) -> int:
    return len(sample) - len(sample.translate(None, _NON_ASCII_BYTES))


def _detect(data: bytes) -> str | None:
    try:
        matches = list(from_bytes(data[:DETECTION_SAMPLE_BYTES]))
    except Exception:  # a detector failure must never fail the page: fall back to UTF-8
        return None
    if not matches:
        return None
    best = matches[0]
    # Mac and DOS code pages are near-ties with the Windows ones on short texts; the web uses Windows.
    for candidate in matches:
        if candidate.encoding.startswith("cp125") and candidate.chaos <= best.chaos + DETECTION_TIE:
            best = candidate
            break
    return normalise_encoding(best.encoding)


def _utf16_byte_order(data: bytes) -> str:
    """ASCII in UTF-16 LE has its NUL bytes at odd offsets, in UTF-16 BE at even ones."""
    sample = data[:META_SNIFF_BYTES]
    return "utf-16-le" if sample[1::2].count(0) >= sample[0::2].count(0) else "utf-16-be"


def _decoded(data: bytes, encoding: str) -> DecodedHTML:
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:  # a codec that exists by name but cannot decode (e.g. a pure text transform)
        encoding = "utf-8"
        text = data.decode(encoding, errors="replace")
    return DecodedHTML(_strip_nul(text), encoding)


def _strip_nul(text: str) -> str:
    return text.replace("\x00", "") if "\x00" in text else text
