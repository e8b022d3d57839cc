"""The config file: which one is read, its TOML checked against the key table, and every error located
at its line (``scraper.toml:12: fetch.timeout: expected ...``), all of a file's errors at once.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ._keys import BY_PATH, TABLES, SettingKey
from ._values import DSN_SCHEMES, Invalid, ItemInvalid, show

__all__ = ["CONFIG_ENV", "CONFIG_FILE_NAME", "config_file", "read_config_file"]

CONFIG_FILE_NAME = "scraper.toml"  # read from the current directory when no --config is given
CONFIG_ENV = "SCRAPER_CONFIG"
# Close-match threshold for "did you mean": 0.6 is difflib's default and catches one- or two-letter typos.
_SUGGEST_CUTOFF = 0.6


def config_file(config_path: str | None, env: Mapping[str, str]) -> Path | None:
    """`config_path`, else ``$SCRAPER_CONFIG``, else ``./scraper.toml`` when it exists, else None.

    A file named explicitly must exist.
    """
    named = config_path or env.get(CONFIG_ENV) or None
    if named is not None:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"{named}: config file not found")
        return path
    default = Path(CONFIG_FILE_NAME)
    return default if default.is_file() else None


def read_config_file(path: Path) -> dict[str, object]:
    """Settings target → typed value of every key the file sets. A file with mistakes raises one
    ConfigError naming every mistake, one per line in the order of the file, so one run finds them all
    (a TOML syntax error stops the reading at once: nothing after it can be trusted)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_error(path, exc)) from exc
    values: dict[str, object] = {}
    pairs, mistakes = _flatten(document, text)
    for dotted, raw in pairs:
        key = BY_PATH[dotted]
        try:
            value = key.value.parse(raw)
        except Invalid as exc:
            mistakes.append(_file_value_error(text, dotted, raw, exc))
            continue
        values[key.target] = _resolve_paths(key, value, path.parent)
    if mistakes:
        # sorted is stable: mistakes without a line (none found) keep their order, first.
        lines = sorted(mistakes, key=lambda mistake: mistake.line or 0)
        raise ConfigError("\n".join(mistake.located(path) for mistake in lines))
    return values


@dataclass(frozen=True, slots=True)
class _Mistake:
    line: int | None
    message: str

    def located(self, path: Path) -> str:
        return f"{path}:{self.line}: {self.message}" if self.line is not None else f"{path}: {self.message}"


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match is None:
        return f"{path}: invalid TOML: {message}"
    line, column = match.groups()
    return f"{path}:{line}: invalid TOML: {message[: match.start()]} (column {column})"


def _flatten(document: dict[str, Any], text: str) -> tuple[list[tuple[str, object]], list[_Mistake]]:
    """(dotted key, raw value) of every known setting in the file, and the mistakes: tables and keys
    this version does not know."""
    pairs: list[tuple[str, object]] = []
    mistakes: list[_Mistake] = []
    for name, value in document.items():
        if name in TABLES:
            if not isinstance(value, dict):
                mistakes.append(_located(text, name, f"{name}: expected a table [{name}]"))
                continue
            pairs += [(f"{name}.{leaf}", leaf_value) for leaf, leaf_value in value.items()]
        elif isinstance(value, dict):
            mistakes.append(_located(text, name, f"unknown table [{name}]{_suggestion(name)}"))
        else:
            pairs.append((name, value))
    known = []
    for dotted, raw in pairs:
        if dotted in BY_PATH:
            known.append((dotted, raw))
        else:
            mistakes.append(_located(text, dotted, f"{dotted}: unknown key{_suggestion(dotted)}"))
    return known, mistakes


def _suggestion(dotted: str) -> str:
    """'; did you mean X?' for a misspelt or misplaced key, or nothing when no key is close."""
    table, _, leaf = dotted.rpartition(".")
    same_leaf = [p for p in BY_PATH if p.rpartition(".")[2] == leaf]
    # Compare leaf with leaf, so the shared "log." of "log.colour" and "log.format" proves nothing.
    # A top-level key may belong to any table ("timeout" for fetch.timeout).
    pool = {p.rpartition(".")[2]: p for p in BY_PATH if not table or p.rpartition(".")[0] == table}
    close = same_leaf or [pool[m] for m in difflib.get_close_matches(leaf, list(pool), 1, _SUGGEST_CUTOFF)]
    if not close and not table:
        close = [f"[{t}]" for t in difflib.get_close_matches(leaf, list(TABLES), 1, _SUGGEST_CUTOFF)]
    return f"; did you mean {close[0]}?" if close else ""


def _file_value_error(text: str, dotted: str, raw: object, exc: Invalid) -> _Mistake:
    if isinstance(exc, ItemInvalid):
        where = f"{dotted}[{exc.index}]"
        message = f"{where}: expected {exc}, got {show(exc.element)}"
        needle = exc.element if isinstance(exc.element, str) else None
        return _located(text, dotted, message, needle=needle)
    shown = "a value not shown here" if BY_PATH[dotted].value.secret else show(raw)
    return _located(text, dotted, f"{dotted}: expected {exc}, got {shown}")


def _located(text: str, dotted: str, message: str, needle: str | None = None) -> _Mistake:
    return _Mistake(_line_of(text, dotted, needle), message)


_TABLE_HEADER_RE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY_LINE_RE = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _line_of(text: str, dotted: str, needle: str | None = None) -> int | None:
    """The line of `dotted` in the TOML text (tomllib keeps no positions), or of its table header.

    Tracks the current ``[table]`` and matches ``key =`` lines, bare, quoted or dotted. With `needle`
    (a list element), the first line from the key on that contains it.
    """
    lines = text.splitlines()
    table = ""
    header: int | None = None
    for number, line in enumerate(lines, 1):
        header_match = _TABLE_HEADER_RE.match(line)
        if header_match:
            table = _dotted(header_match.group(1))
            if header is None and (table == dotted or dotted.startswith(table + ".")):
                header = number
            continue
        key_match = _KEY_LINE_RE.match(line)
        if key_match is None:
            continue
        name = _dotted(key_match.group(1))
        full = f"{table}.{name}" if table else name
        if full == dotted or dotted.startswith(full + "."):  # the key, or an inline table holding it
            return _needle_line(lines, number, needle) if needle else number
    return header


def _dotted(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in key.split("."))


def _needle_line(lines: list[str], start: int, needle: str) -> int:
    for number in range(start, len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return start


def _resolve_paths(key: SettingKey, value: object, folder: Path) -> object:
    """File paths in a config file are relative to its folder, so cron's working directory does not matter."""
    if not key.relative_path or value is None:
        return value
    if isinstance(value, tuple):
        return tuple(_relative_to(folder, str(item)) for item in value)
    text = str(value)
    if text.startswith(DSN_SCHEMES) or text == ":memory:":
        return text
    return _relative_to(folder, text)


def _relative_to(folder: Path, name: str) -> str:
    path = Path(name).expanduser()
    return str(path if path.is_absolute() else folder / path)
