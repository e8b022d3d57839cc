"""Value types: a raw TOML, environment or flag value → the typed setting, or `Invalid` saying what was
expected. One parser per kind of value, so the file, the environment and the flags agree on every form.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import cast
from urllib.parse import urlsplit

from ..urls import host_key, redact_url, url_problem

__all__ = [
    "BOOLEAN",
    "CREDENTIALS",
    "DAY",
    "DB",
    "DSN_SCHEMES",
    "GIB",
    "HEADER_TEXT",
    "HOUR",
    "HTTP_URL",
    "MIB",
    "OPTIONAL_TEXT",
    "PROXY_URL",
    "REGEX",
    "TEXT",
    "Bounds",
    "Invalid",
    "ItemInvalid",
    "ValueType",
    "choice",
    "integer",
    "optional_integer",
    "optional_seconds",
    "seconds",
    "show",
    "size",
    "string_list",
]

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d|w)\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3, "k": 1024, "m": 1024**2, "g": 1024**3,
}  # fmt: skip
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([a-z]*)\s*$", re.IGNORECASE)
HOUR = 3600.0
DAY = 86400.0
MIB = 1024**2
GIB = 1024**3
# Whole numbers are read from at most this many digits: every range ends far below 10**18, and Python's
# int() refuses a string of over 4300 digits with a ValueError of its own.
_MAX_DIGITS = 18
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: str.isdigit() also takes "²", int() not
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
class Bounds:
    """The range of a numeric setting: `low` to `high`, both allowed unless `low_open` (a timeout of 0)."""

    low: float
    high: float
    low_open: bool = False
    unit: Callable[[float], str] = lambda number: _plain(number)  # a bound as the docs show it

    def __contains__(self, number: float) -> bool:
        above = number > self.low if self.low_open else number >= self.low
        return above and number <= self.high  # False for nan

    @property
    def shown(self) -> str:
        """The range as docs/config.md shows it: "1 to 1024", "over 0, up to 1d"."""
        if self.low_open:
            return f"over {self.unit(self.low)}, up to {self.unit(self.high)}"
        return f"{self.unit(self.low)} to {self.unit(self.high)}"

    def described(self, kind: str) -> str:
        """What a value out of range is told it should be: "a whole number from 1 to 1024"."""
        return f"{kind} {self.shown}" if self.low_open else f"{kind} from {self.shown}"


@dataclass(frozen=True, slots=True)
class ValueType:
    """How one kind of value is read, and how `--help` names it."""

    parse: Callable[[object], object]
    metavar: str  # the placeholder after a flag taking this value: DURATION, SIZE, URL, ...
    multiple: bool = False  # a list: its flag is repeated, once per element
    bounds: Bounds | None = None  # the range of a number, duration or size
    hint: str = ""  # what a number, duration or size out of its range is told it should be
    secret: bool = False  # holds passwords: an error message never quotes the value

    def shown_as(self, metavar: str) -> ValueType:
        return replace(self, metavar=metavar)


def show(value: object) -> str:
    """A raw value as an error message quotes it: TOML's spelling, strings in double quotes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # a URL's password is never shown
        return json.dumps(redact_url(value), ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _number(value: object) -> float:
    if isinstance(value, bool):  # bool is an int in Python, never a number in a config
        raise Invalid("a number")
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:  # a TOML integer past 1e308
            raise Invalid("a number") from None
    if isinstance(value, str):
        match = _DURATION_RE.match(value)
        if match:
            return float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]
        try:
            return float(value)
        except ValueError:
            pass
    raise Invalid("a number")


def _plain(number: float) -> str:
    """1000000000, not 1e+09."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _duration_unit(number: float) -> str:
    """A duration bound in the largest unit that divides it: 86400 → "1d", 3600 → "1h"."""
    for unit in ("d", "h", "m"):
        count = number / _DURATION_UNITS[unit]
        if count >= 1 and count.is_integer():
            return f"{_plain(count)}{unit}"
    return _plain(number) + ("s" if number else "")


def seconds(*, high: float, allow_zero: bool) -> ValueType:
    """Seconds, as a number or a duration string, from 0 (or just over) to `high`."""
    bounds = Bounds(0.0, high, low_open=not allow_zero, unit=_duration_unit)
    hint = bounds.described("a duration") + ' (seconds, or "250ms", "90s", "30m", "12h", "7d")'

    def parse(value: object) -> float:
        try:
            number = _number(value)
        except Invalid:
            raise Invalid(hint) from None
        if number not in bounds:  # nan and inf included
            raise Invalid(hint)
        return number

    return ValueType(parse, "DURATION", bounds=bounds, hint=hint)


def optional_seconds(*, high: float) -> ValueType:
    """A duration over 0 and up to `high`, or none (no bound)."""
    inner = seconds(high=high, allow_zero=False)

    def parse(value: object) -> float | None:
        if isinstance(value, str) and value.strip().lower() in ("", "none"):
            return None
        return cast(float, inner.parse(value))  # `seconds` parses to a float

    return ValueType(parse, "DURATION", bounds=inner.bounds, hint=inner.hint)


def _whole_number(bounds: Bounds, hint: str) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, str):
            text = value.strip()
            if not _INTEGER_RE.fullmatch(text) or len(text.lstrip("+-")) > _MAX_DIGITS:
                raise Invalid(hint)
            value = int(text)
        if isinstance(value, bool) or not isinstance(value, int) or value not in bounds:
            raise Invalid(hint)
        return value

    return parse


def integer(low: int, high: int) -> ValueType:
    """A whole number from `low` to `high`."""
    bounds = Bounds(low, high)
    hint = bounds.described("a whole number")
    return ValueType(_whole_number(bounds, hint), "N", bounds=bounds, hint=hint)


def fraction(low: float, high: float) -> ValueType:
    """A number from `low` to `high` (a share or a similarity)."""
    bounds = Bounds(low, high)
    hint = bounds.described("a number")

    def parse(value: object) -> float:
        try:
            number = _number(value)
        except Invalid:
            raise Invalid(hint) from None
        if isinstance(value, str) and not value.strip().replace(".", "", 1).isdigit():
            raise Invalid(hint)  # "1s" is a duration, not a similarity
        if number not in bounds:  # nan included
            raise Invalid(hint)
        return number

    return ValueType(parse, "NUMBER", bounds=bounds, hint=hint)


def optional_integer(low: int, high: int) -> ValueType:
    """A whole number from `low` to `high`, or "none" (or empty) for no value."""
    bounds = Bounds(low, high)
    hint = bounds.described("a whole number")
    parse_int = _whole_number(bounds, hint)

    def parse(value: object) -> int | None:
        if isinstance(value, str) and value.strip().lower() in ("", "none"):
            return None
        return parse_int(value)

    return ValueType(parse, "N", bounds=bounds, hint=hint)


def _size_unit(number: float) -> str:
    """A size bound as "1GiB", "64MiB" or "1 B"."""
    for unit in ("gib", "mib", "kib"):
        count = number / _SIZE_UNITS[unit]
        if count >= 1 and count.is_integer():
            return f"{_plain(count)}{unit[0].upper()}iB"
    return f"{_plain(number)} B"


def size(low: int, high: int) -> ValueType:
    """Bytes, as a number or a size string, from `low` to `high`."""
    bounds = Bounds(low, high, unit=_size_unit)
    hint = bounds.described("a size") + ' (bytes, or "512KB", "10MiB", "1GB")'

    def parse(value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = float(value) if value in bounds else math.inf  # no float() of a huge TOML integer
        else:
            match = _SIZE_RE.match(value) if isinstance(value, str) else None
            unit = match.group(2).lower() if match else ""
            if match is None or (unit and unit not in _SIZE_UNITS):
                raise Invalid(hint)
            number = float(match.group(1)) * _SIZE_UNITS.get(unit, 1)
        if number not in bounds:  # inf included
            raise Invalid(hint)
        return int(number)

    return ValueType(parse, "SIZE", bounds=bounds, hint=hint)


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
    problem = url_problem(value) if isinstance(value, str) else "not a string"
    if problem is None and isinstance(value, str):
        return value.strip()
    if problem is not None and "fetch.credentials" in problem:
        raise Invalid("an http:// or https:// URL without user:password@ (give those in fetch.credentials)")
    raise Invalid("an http:// or https:// URL")


_PROXY_HINT = "an http:// or https:// proxy URL (user:password@ allowed), or an empty string for none"
_PROXY_SCHEMES = ("http", "https")  # socks5:// would need a SOCKS library (httpx[socks]) scraper lacks


def _proxy_url(value: object) -> str | None:
    """`fetch.proxy`: checked here, where the setting is named, not by the HTTP client at the first request
    (a traceback). Unlike a URL to fetch, it may carry the proxy's credentials; none is ever shown."""
    text = _optional_text(value)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (urllib checks the port when it is read)
    except ValueError:
        raise Invalid(_PROXY_HINT) from None
    without_credentials = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    if parts.scheme.lower() not in _PROXY_SCHEMES or url_problem(without_credentials) is not None:
        raise Invalid(_PROXY_HINT)
    return text


_CREDENTIALS_HINT = 'a table of "host" = "user:password" ([fetch.credentials], host names quoted)'
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _credentials(value: object) -> dict[str, str]:
    """Host key (`scraper.urls.host_key`: ``name`` or ``name:port``) → ``"user:password"``.

    A table, or a string holding one as a TOML inline table (how the default is written). No message
    quotes a password: they name the host only.
    """
    if isinstance(value, str):
        try:
            value = tomllib.loads(f"credentials = {value}")["credentials"]
        except tomllib.TOMLDecodeError:
            raise Invalid(_CREDENTIALS_HINT) from None
    if not isinstance(value, dict):
        raise Invalid(_CREDENTIALS_HINT)
    result: dict[str, str] = {}
    for host, userpass in value.items():
        url = f"http://{host}/"
        if "/" in host or "@" in host or url_problem(url) is not None:
            raise Invalid(f"{_CREDENTIALS_HINT}; {json.dumps(host)} is not a host or host:port")
        if not isinstance(userpass, str) or ":" not in userpass or _CONTROL_RE.search(userpass):
            raise Invalid(
                f'"user:password" for host {json.dumps(host)} (a string with a ":"; quote a host name '
                'with dots: "news.example" = "user:password")'
            )
        result[host_key(url)] = userpass
    return result


def _regex(value: object) -> str:
    from ..discover import pattern_problem  # lazily: discover pulls in feedparser and selectolax

    if not isinstance(value, str):
        raise Invalid("a regular expression (a string)")
    problem = pattern_problem(value)  # the check of the engine that runs it: RE2, linear time
    if problem is not None:
        raise Invalid(problem)
    return value


def _db(value: object) -> str:
    text = _text(value)
    if "://" in text and not text.startswith(DSN_SCHEMES):
        raise Invalid('a SQLite file path or a "postgresql://" DSN')
    return text


BOOLEAN = ValueType(_boolean, "BOOL")
TEXT = ValueType(_text, "TEXT")
HEADER_TEXT = ValueType(_header_text, "TEXT")
OPTIONAL_TEXT = ValueType(_optional_text, "TEXT")
PROXY_URL = ValueType(_proxy_url, "URL")
HTTP_URL = ValueType(_http_url, "URL")
REGEX = ValueType(_regex, "REGEX")
DB = ValueType(_db, "PATH_OR_DSN")
CREDENTIALS = ValueType(_credentials, "TABLE", secret=True)
