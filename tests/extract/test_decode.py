"""Bytes to text: BOM, declared charset, <meta charset>, UTF-8, detection; and the binary sniff."""

from __future__ import annotations

import codecs
import gzip
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.charset import decode_html, looks_binary, normalise_encoding

RUSSIAN = "Привет, мир! Это проверка кодировки страницы, написанной по-русски. " * 4
FRENCH = "Ceci est un texte français assez long, avec des accents : été, à, où, ça, garçon. " * 4


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_bom_wins_over_everything_and_is_removed(bom: bytes, codec: str) -> None:
    page = '<meta charset="windows-1251"><p>naïve café</p>'
    decoded = decode_html(bom + page.encode(codec), declared="iso-8859-2")
    assert decoded.text == page
    assert decoded.encoding == codec


def test_declared_charset_wins_over_meta() -> None:
    data = ('<meta charset="utf-8"><p>' + RUSSIAN + "</p>").encode("cp1251")
    decoded = decode_html(data, declared="windows-1251")
    assert RUSSIAN in decoded.text
    assert decoded.encoding == "cp1251"


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="windows-1251">',
        "<meta charset=windows-1251>",
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
    ],
)
def test_meta_charset_in_its_forms(meta: str) -> None:
    data = f"<html><head>{meta}</head><body><p>{RUSSIAN}</p></body></html>".encode("cp1251")
    decoded = decode_html(data)
    assert RUSSIAN in decoded.text
    assert decoded.encoding == "cp1251"


def test_latin1_label_reads_as_windows_1252_like_browsers() -> None:
    # 0x93/0x94 are curly quotes in windows-1252 and invisible C1 controls in ISO-8859-1.
    data = b'<meta charset="iso-8859-1"><p>\x93quoted\x94</p>'
    decoded = decode_html(data)
    assert "“quoted”" in decoded.text
    assert decoded.encoding == "cp1252"


def test_utf16_declared_in_an_ascii_compatible_page_means_utf8() -> None:
    data = '<meta charset="utf-16"><p>déjà vu</p>'.encode()
    decoded = decode_html(data)
    assert "déjà vu" in decoded.text
    assert decoded.encoding == "utf-8"


def test_unknown_or_non_text_labels_are_ignored() -> None:
    data = '<meta charset="no-such-charset"><p>déjà vu</p>'.encode()
    assert decode_html(data, declared="base64").text.endswith("<p>déjà vu</p>")
    assert normalise_encoding("base64") is None
    assert normalise_encoding("rot13") is None
    assert normalise_encoding("utf-7") is None  # refused by browsers: a script-injection vector
    assert normalise_encoding("undefined") is None  # a Python codec that refuses every byte
    assert decode_html(b"<p>caf\xc3\xa9</p>", declared="UNDEFINED").text == "<p>café</p>"


def test_strict_utf8_is_taken_without_a_declaration() -> None:
    decoded = decode_html("<p>日本語のテキスト, ünïcödé</p>".encode())
    assert decoded.text == "<p>日本語のテキスト, ünïcödé</p>"
    assert decoded.encoding == "utf-8"


def test_detection_reads_an_undeclared_legacy_page() -> None:
    decoded = decode_html(f"<p>{RUSSIAN}</p>".encode("cp1251"))
    assert RUSSIAN in decoded.text


def test_little_evidence_falls_back_to_windows_1252() -> None:
    decoded = decode_html(f"<p>{FRENCH[:30]}</p>".encode("cp1252"))
    assert "français" in decoded.text
    assert decoded.encoding == "cp1252"


def test_utf16_without_bom_is_recognised_by_its_nul_bytes() -> None:
    page = "<html><body><p>größer</p></body></html>"
    assert decode_html(page.encode("utf-16-le")).text == page
    assert decode_html(page.encode("utf-16-be")).text == page


def test_nul_bytes_are_removed() -> None:
    decoded = decode_html(b"<p>a\x00b\x00c</p>")
    assert decoded.text == "<p>abc</p>"
    assert "\x00" not in decode_html(b'<meta charset="cp1252">\x00x\x93\x00').text


def test_invalid_utf8_never_raises() -> None:
    decoded = decode_html(b"<p>caf\xe9 \xff\xfe\xc3</p>")
    assert decoded.text.startswith("<p>caf")
    assert decoded.text.endswith("</p>")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=2048), declared=st.one_of(st.none(), st.text(max_size=20)))
def test_decode_never_raises(data: bytes, declared: str | None) -> None:
    decoded = decode_html(data, declared)
    assert isinstance(decoded.text, str)
    assert "\x00" not in decoded.text
    assert codecs.lookup(decoded.encoding)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"GIF89a\x01\x00\x01\x00",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"PK\x03\x04\x14\x00\x06\x00",
        gzip.compress(b"<html></html>"),
        zlib.compress(b"<html>" * 100) + bytes(range(32)) * 10,
    ],
)
def test_binary_formats_are_recognised(data: bytes) -> None:
    assert looks_binary(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<!doctype html><html><body><p>Hello</p></body></html>",
        "<p>Привет</p>".encode("cp1251"),
        "<p>utf-16 text</p>".encode("utf-16"),
        b"plain text\twith tabs\r\nand lines\x0c",
    ],
)
def test_text_is_not_binary(data: bytes) -> None:
    assert not looks_binary(data)


def test_valid_utf8_wins_over_a_legacy_label() -> None:
    # Pages re-saved as UTF-8 keep their old <meta charset>; cp1252 text is almost never valid UTF-8.
    data = '<meta charset="windows-1252"><p>naïve café – “quoted”</p>'.encode()
    decoded = decode_html(data)
    assert "naïve café – “quoted”" in decoded.text
    assert decoded.encoding == "utf-8"
    assert decode_html("<p>naïve café</p>".encode("cp1252"), declared="windows-1252").encoding == "cp1252"


# --- labels limited to the WHATWG Encoding standard; wide encodings without a BOM -----------------


@pytest.mark.parametrize(
    "label", ["unicode_escape", "raw_unicode_escape", "cp037", "utf_32", "palmos", "hz", "iso-2022-kr"]
)
def test_labels_outside_the_whatwg_list_are_unknown(label: str) -> None:
    # Python accepts them; browsers do not. unicode_escape turned the text \x1b into a real ESC.
    assert normalise_encoding(label) is None
    decoded = decode_html(b'<meta charset="' + label.encode() + b'"><p>\\x1b caf\xc3\xa9</p>', declared=label)
    assert decoded.text.endswith("<p>\\x1b café</p>")
    assert decoded.encoding == "utf-8"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("UTF8", "utf-8"),
        (" windows-1251 ", "cp1251"),
        ("latin1", "cp1252"),
        ("x-sjis", "shift_jis"),
        ("gbk", "gb18030"),
        ("euc-kr", "cp949"),
        ("koi8-u", "koi8-u"),
        ("iso-8859-2", "iso8859-2"),
        ("utf-16", "utf-16-le"),
        ("macintosh", "mac-roman"),
    ],
)
def test_whatwg_labels_map_to_the_codec_browsers_use(label: str, codec: str) -> None:
    assert normalise_encoding(label) == codec


WIDE = "<html><head><title>Wide</title></head><body><p>Привет, naïve café.</p></body></html>"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_text_without_bom_is_sniffed_and_decoded(codec: str) -> None:
    data = WIDE.encode(codec)
    assert not looks_binary(data)
    decoded = decode_html(data)
    assert decoded.text == WIDE
    assert decoded.encoding == codec


def test_binary_with_a_regular_nul_pattern_is_still_binary() -> None:
    # 16-bit samples below 32 look like UTF-16 by their NULs, but decode to control characters.
    assert looks_binary(bytes([1, 0, 2, 0, 3, 0, 30, 0]) * 200)
