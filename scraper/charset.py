"""Bytes to text as browsers read them, never raising for bad bytes; and a cheap test for bytes that are not
text at all. Shared by the fetcher (a page's text) and the extractor (bytes handed to it directly).

The order follows the HTML standard's encoding sniffing, simplified: a byte order mark wins, then UTF-16
or UTF-32 told by the NUL bytes of its ASCII characters, then the charset the server declared, then a
``<meta charset>`` (or ``http-equiv``) in the first bytes, then strict UTF-8 when the bytes decode as such,
then statistical detection (charset-normalizer) on a bounded prefix, and finally UTF-8 with replacement
characters. Declared charsets are labels of the WHATWG Encoding standard, as in browsers: any other
label (Python's ``unicode_escape``, ``cp037`` ...) is unknown and sniffing goes on. NUL characters are
removed from the result: no real page needs them, and some C libraries stop reading at the first one.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import webencodings  # type: ignore[import-untyped]
from charset_normalizer import from_bytes

__all__ = ["DecodedHTML", "decode_html", "looks_binary", "normalise_encoding", "printable"]

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
# UTF-32 without a BOM: the two high bytes of every character below U+10000 are NUL, whatever the script.
UTF32_NUL_LANE_SHARE = 0.9
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

# Encoding labels are the WHATWG Encoding standard's, as browsers read them (`webencodings` holds its
# label table): Python's own codec names are not labels, and some are not even charsets (unicode_escape
# turns the text "\x1b" into an ESC). Each WHATWG encoding is decoded by the Python codec below where
# its name alone would pick another one: the web's supersets (gbk → gb18030, euc-kr → cp949) and the
# labels browsers read as windows-1252.
_WHATWG_CODECS: dict[str, str] = {
    "windows-1252": "cp1252",
    "gbk": "gb18030",
    "euc-kr": "cp949",
    "windows-874": "cp874",
    "x-user-defined": "cp1252",
    "iso-8859-8-i": "iso8859-8",
    "macintosh": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
}
# WHATWG's "replacement" encoding (ISO-2022-KR, HZ, ...: labels of script-injection vectors) decodes the
# whole page to one U+FFFD; we treat its labels as unknown instead.
_REFUSED_WHATWG = frozenset({"replacement"})
# Python's names for the charsets charset-normalizer reports that browsers read as windows-1252.
_LATIN1_CODECS = frozenset({"iso8859-1", "latin-1", "latin_1", "ascii"})

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
_CONTROL_CHARACTERS = dict.fromkeys(_CONTROL_BYTES)  # for str.translate: each one deleted


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
        wide = _wide_encoding(data[:META_SNIFF_BYTES])
        if wide is not None:
            return _decoded(data, wide)
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
    """The Python codec for an encoding label of the WHATWG Encoding standard, as browsers read it; None
    for a label not on its list (the caller goes on sniffing, as browsers do)."""
    encoding = webencodings.lookup(label.strip().strip("\"'"))
    if encoding is None or encoding.name in _REFUSED_WHATWG:
        return None
    return _WHATWG_CODECS.get(encoding.name) or codecs.lookup(encoding.name).name


def _python_codec(name: str) -> str | None:
    """The Python codec for a name charset-normalizer reports (Python's own names, not labels)."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return "cp1252" if info.name in _LATIN1_CODECS else info.name


def looks_binary(data: bytes) -> bool:
    """True for bytes that are a known binary format, or have too many control bytes to be text."""
    if data.startswith(_BINARY_MAGIC):
        return True
    sample = data[:BINARY_SAMPLE_BYTES]
    if not sample or sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False  # UTF-16 text is full of NUL bytes and still text
    wide = _wide_encoding(sample) if b"\x00" in sample else None
    if wide is not None:  # UTF-16/32 without a BOM is text if its characters are
        text = sample.decode(wide, errors="replace")
        controls = len(text) - len(text.translate(_CONTROL_CHARACTERS))
        return controls > MAX_CONTROL_SHARE * len(text)
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


def _wide_encoding(sample: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM, told by where the NUL bytes of its ASCII characters fall: in
    UTF-32 LE the last two bytes of every character (BE: the first two), in UTF-16 LE every second byte
    (BE: every first). Browsers sniff only BOMs; such pages (saved by Windows tools, or `iconv -t
    UTF-16LE`) would otherwise be binary to us, and their text lost."""
    sample = sample[: len(sample) // 4 * 4]
    if not sample:
        return None
    quarter = len(sample) // 4
    lanes = [sample[lane::4].count(0) / quarter for lane in range(4)]
    if min(lanes[2], lanes[3]) >= UTF32_NUL_LANE_SHARE and lanes[0] < UTF32_NUL_LANE_SHARE:
        return "utf-32-le"
    if min(lanes[0], lanes[1]) >= UTF32_NUL_LANE_SHARE and lanes[3] < UTF32_NUL_LANE_SHARE:
        return "utf-32-be"
    if sample.count(0) > UTF16_NUL_SHARE * len(sample):
        return "utf-16-le" if lanes[1] + lanes[3] >= lanes[0] + lanes[2] else "utf-16-be"
    return None


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
    return _python_codec(best.encoding)


def _decoded(data: bytes, encoding: str) -> DecodedHTML:
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:  # a codec that exists by name but cannot decode (e.g. a pure text transform)
        encoding = "utf-8"
        text = data.decode(encoding, errors="replace")
    return DecodedHTML(_strip_nul(text), encoding)


def _strip_nul(text: str) -> str:
    return text.replace("\x00", "") if "\x00" in text else text


# C0 and C1 control characters and DEL, all but tab and newline: a terminal obeys them when the text is
# printed (OSC 52 writes the clipboard, OSC 0 the window title, ESC [ and the one-character C1 CSI move
# the cursor or clear the screen), and no article needs one.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` without control characters (tab and newline kept): what the extractor leaves in a Document,
    and what every rendering of one (text, Markdown, JSON lines, CSV) writes."""
    # Most text holds none: str.isprintable() tells in one pass, a fifth faster than the substitution
    # (control characters are not printable; newlines are let through by taking them out first).
    if text.replace("\n", "").isprintable():
        return text
    return _CONTROL_RE.sub("", text)
