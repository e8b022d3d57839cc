"""Value types: a raw TOML, environment or flag value → the typed setting, or `Invalid` saying what was
expected. One parser per kind of value, so the file, the environment and the flags agree on every form.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

__all__ = [
    "BOOLEAN",
    "DB",
    "DSN_SCHEMES",
    "HEADER_TEXT",
    "HTTP_URL",
    "OPTIONAL_TEXT",
    "REGEX",
    "SIZE",
    "TEXT",
    "Invalid",
    "ItemInvalid",
    "ValueType",
    "choice",
    "integer",
    "optional_integer",
    "seconds",
    "show",
    "string_list",
]

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d|w)\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3, "k": 1024, "m": 1024**2, "g": 1024**3,
}  # fmt: skip
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
DSN_SCHEMES = ("postgresql://", "postgres://")


class Invalid(ValueError):
    """A value of the right key but the wrong kind; the message says what was expected."""


class ItemInvalid(Invalid):
    """One element of a list is wrong: the message names its index, the line search its text."""

    def __init__(self, index: int, element: object, expected: str) -> None:
        super().__init__(expected)
        self.index = index
        self.element = element


@dataclass(frozen=True, slots=True)
class ValueType:
    """How one kind of value is read, and how `--help` names it."""

    parse: Callable[[object], object]
    metavar: str  # the placeholder after a flag taking this value: DURATION, SIZE, URL, ...
    multiple: bool = False  # a list: its flag is repeated, once per element

    def shown_as(self, metavar: str) -> ValueType:
        return replace(self, metavar=metavar)


def show(value: object) -> str:
    """A raw value as an error message quotes it: TOML's spelling, strings in double quotes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _number(value: object) -> float:
    if isinstance(value, bool):  # bool is an int in Python, never a number in a config
        raise Invalid("a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _DURATION_RE.match(value)
        if match:
            return float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]
        try:
            return float(value)
        except ValueError:
            pass
    raise Invalid("a number")


def seconds(*, allow_zero: bool) -> ValueType:
    bound = ">= 0" if allow_zero else "> 0"
    hint = f'a number {bound} (seconds, or a duration such as "90s", "30m", "12h", "7d")'

    def parse(value: object) -> float:
        try:
            number = _number(value)
        except Invalid:
            raise Invalid(hint) from None
        if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
            raise Invalid(hint)
        return number

    return ValueType(parse, "DURATION")


def _whole_number(minimum: int) -> Callable[[object], int]:
    hint = f"a whole number >= {minimum}"

    def parse(value: object) -> int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise Invalid(hint)
        return value

    return parse


def integer(minimum: int) -> ValueType:
    return ValueType(_whole_number(minimum), "N")


def optional_integer(minimum: int) -> ValueType:
    parse_int = _whole_number(minimum)

    def parse(value: object) -> int | None:
        if isinstance(value, str) and value.strip().lower() in ("", "none"):
            return None
        return parse_int(value)

    return ValueType(parse, "N")


def _size(value: object) -> int:
    hint = 'a size in bytes > 0 (a number, or "512KB", "10MiB", "1GB")'
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE_RE.match(value) if isinstance(value, str) else None
    unit = match.group(2).lower() if match else ""
    if match is None or (unit and unit not in _SIZE_UNITS):
        raise Invalid(hint)
    size = int(float(match.group(1)) * _SIZE_UNITS.get(unit, 1))
    if size <= 0:
        raise Invalid(hint)
    return size


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise Invalid("true or false")


def _text(value: object) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise Invalid("a non-empty string")


def _header_text(value: object) -> str:
    """RFC 9110 §5.5: no control character but HTAB in a header value (a CR or LF would inject headers)."""
    text = _text(value)
    if any((ord(c) < 32 and c != "\t") or c == "\x7f" for c in text):
        raise Invalid("a header value without control characters (CR, LF, ...)")
    return text


def _optional_text(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    raise Invalid("a string")


def choice(*allowed: str) -> ValueType:
    hint = " or ".join(f'"{a}"' for a in allowed)

    def parse(value: object) -> str:
        if isinstance(value, str) and value.strip().lower() in allowed:
            return value.strip().lower()
        raise Invalid(hint)

    return ValueType(parse, "[" + "|".join(allowed) + "]")


def string_list(item: ValueType) -> ValueType:
    def parse(value: object) -> tuple[str, ...]:
        if not isinstance(value, list | tuple):
            raise Invalid("a list of strings")
        result = []
        for index, element in enumerate(value):
            try:
                result.append(str(item.parse(element)))
            except Invalid as exc:
                raise ItemInvalid(index, element, str(exc)) from None
        return tuple(result)

    return ValueType(parse, item.metavar, multiple=True)


def _http_url(value: object) -> str:
    from ..discover import normalise_url  # lazily: discover pulls in feedparser and selectolax

    if isinstance(value, str) and normalise_url(value) is not None:
        return value.strip()
    raise Invalid("an http:// or https:// URL")


def _regex(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid("a regular expression (a string)")
    try:
        re.compile(value)
    except re.error as exc:
        raise Invalid(f"a valid regular expression ({exc})") from None
    return value


def _db(value: object) -> str:
    text = _text(value)
    if "://" in text and not text.startswith(DSN_SCHEMES):
        raise Invalid('a SQLite file path or a "postgresql://" DSN')
    return text


SIZE = ValueType(_size, "SIZE")
BOOLEAN = ValueType(_boolean, "BOOL")
TEXT = ValueType(_text, "TEXT")
HEADER_TEXT = ValueType(_header_text, "TEXT")
OPTIONAL_TEXT = ValueType(_optional_text, "TEXT")
HTTP_URL = ValueType(_http_url, "URL")
REGEX = ValueType(_regex, "REGEX")
DB = ValueType(_db, "PATH_OR_DSN")
