"""Settings, loaded once: defaults < ``scraper.toml`` < ``SCRAPER_*`` environment < CLI flags.

Every module receives the part of `Settings` it needs as an argument; nothing reads settings from
module globals.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import ConfigError

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchSettings",
    "RunSettings",
    "Settings",
    "SettingsOverrides",
    "Sources",
    "env_variables",
    "load_settings",
]

DEFAULT_USER_AGENT = f"scraper/{__version__} (+https://github.com/scraper-project/scraper)"


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the fetcher behaves. Defaults are polite enough for unattended use."""

    timeout: float = 30.0  # seconds for one attempt as a whole, connect to last byte
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence between two reads
    max_size: int = 10 * 1024 * 1024  # decoded body cap, bytes
    concurrency: int = 16  # global
    per_host_concurrency: int = 2
    delay: float = 1.0  # minimum seconds between two requests to one host
    attempts: int = 3
    backoff: float = 0.5  # first retry wait, seconds; doubles with jitter
    max_retry_after: float = 60.0  # longest Retry-After (and Crawl-delay) honoured inline
    max_redirects: int = 10
    user_agent: str = DEFAULT_USER_AGENT
    respect_robots: bool = True
    allow_private: bool = False
    proxy: str | None = None


@dataclass(frozen=True, slots=True)
class Sources:
    """Where `scraper run` finds URLs."""

    urls: tuple[str, ...] = ()
    url_files: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()  # section or home pages whose article links are discovered
    include: tuple[str, ...] = ()  # regular expressions a discovered link must match (any)
    exclude: tuple[str, ...] = ()  # regular expressions that drop a discovered link

    def __bool__(self) -> bool:
        return bool(self.urls or self.url_files or self.feeds or self.sitemaps or self.pages)


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How `scraper run` schedules work."""

    recheck_after: float = 7 * 24 * 3600.0  # seconds before a stored page is fetched again
    retry_after: float = 3600.0  # first wait before a failed URL is retried; doubles
    max_attempts: int = 5  # failed runs of a URL before it stays failed
    lease: float = 300.0  # seconds a dead worker's claims last; a live worker renews its own
    batch_size: int = 32  # URLs claimed at once
    workers: int = 0  # extraction processes; 0 = one per core
    limit: int | None = None  # stop after this many URLs (None = all due)
    lock_file: str | None = None  # default: next to the SQLite file, or in the temp dir


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings of one invocation."""

    db: str = "scraper.db"  # a SQLite path or a postgresql:// DSN
    fetch: FetchSettings = field(default_factory=FetchSettings)
    sources: Sources = field(default_factory=Sources)
    run: RunSettings = field(default_factory=RunSettings)
    log_format: str = "text"  # text | json
    log_level: str = "info"


# --- loading -------------------------------------------------------------------------------------
#
# One table of keys drives the file, the environment and the command line alike, so the three can
# never disagree on names, types or limits. `docs/config.md` is the reference for users.

CONFIG_FILE_NAME = "scraper.toml"  # read from the current directory when no --config is given
CONFIG_ENV = "SCRAPER_CONFIG"
ENV_PREFIX = "SCRAPER_"
# Close-match threshold for "did you mean": 0.6 is difflib's default and catches one- or two-letter typos.
_SUGGEST_CUTOFF = 0.6
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d|w)\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3, "k": 1024, "m": 1024**2, "g": 1024**3,
}  # fmt: skip
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_DSN_SCHEMES = ("postgresql://", "postgres://")


class _Invalid(ValueError):
    """A value of the right key but the wrong kind; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class SettingsOverrides:
    """Settings given as command-line flags, which win over everything else.

    None (or an empty tuple) means "not given". When any source list (urls, url_files, feeds,
    sitemaps, pages) is given, the sources of the file and the environment are ignored as a whole:
    a one-off run with ``--url`` fetches that URL only. include/exclude replace theirs one by one.
    """

    db: str | None = None
    timeout: float | None = None
    connect_timeout: float | None = None
    read_timeout: float | None = None
    max_size: int | None = None
    concurrency: int | None = None
    per_host_concurrency: int | None = None
    delay: float | None = None
    attempts: int | None = None
    user_agent: str | None = None
    respect_robots: bool | None = None
    allow_private: bool | None = None
    proxy: str | None = None
    urls: tuple[str, ...] = ()
    url_files: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    recheck_after: float | None = None
    limit: int | None = None
    workers: int | None = None
    lock_file: str | None = None
    log_format: str | None = None
    log_level: str | None = None


# --- value parsers: raw TOML, environment or flag value → typed value, or _Invalid ----------------


def _number(value: object) -> float:
    if isinstance(value, bool):  # bool is an int in Python, never a number in a config
        raise _Invalid("a number")
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
    raise _Invalid("a number")


def _seconds(*, allow_zero: bool) -> Callable[[object], float]:
    bound = ">= 0" if allow_zero else "> 0"
    hint = f'a number {bound} (seconds, or a duration such as "90s", "30m", "12h", "7d")'

    def parse(value: object) -> float:
        try:
            seconds = _number(value)
        except _Invalid:
            raise _Invalid(hint) from None
        if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
            raise _Invalid(hint)
        return seconds

    return parse


def _integer(minimum: int) -> Callable[[object], int]:
    hint = f"a whole number >= {minimum}"

    def parse(value: object) -> int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _Invalid(hint)
        return value

    return parse


def _optional_integer(minimum: int) -> Callable[[object], int | None]:
    parse_int = _integer(minimum)

    def parse(value: object) -> int | None:
        if isinstance(value, str) and value.strip().lower() in ("", "none"):
            return None
        return parse_int(value)

    return parse


def _size(value: object) -> int:
    hint = 'a size in bytes > 0 (a number, or "512KB", "10MiB", "1GB")'
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE_RE.match(value) if isinstance(value, str) else None
    unit = match.group(2).lower() if match else ""
    if match is None or (unit and unit not in _SIZE_UNITS):
        raise _Invalid(hint)
    size = int(float(match.group(1)) * _SIZE_UNITS.get(unit, 1))
    if size <= 0:
        raise _Invalid(hint)
    return size


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Invalid("true or false")


def _text(value: object) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise _Invalid("a non-empty string")


def _optional_text(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    raise _Invalid("a string")


def _choice(*allowed: str) -> Callable[[object], str]:
    hint = " or ".join(f'"{a}"' for a in allowed)

    def parse(value: object) -> str:
        if isinstance(value, str) and value.strip().lower() in allowed:
            return value.strip().lower()
        raise _Invalid(hint)

    return parse


class _ItemInvalid(_Invalid):
    """One element of a list is wrong: the message names its index, the line search its text."""

    def __init__(self, index: int, element: object, expected: str) -> None:
        super().__init__(expected)
        self.index = index
        self.element = element


def _string_list(item: Callable[[object], str]) -> Callable[[object], tuple[str, ...]]:
    def parse(value: object) -> tuple[str, ...]:
        if not isinstance(value, list | tuple):
            raise _Invalid("a list of strings")
        result = []
        for index, element in enumerate(value):
            try:
                result.append(item(element))
            except _Invalid as exc:
                raise _ItemInvalid(index, element, str(exc)) from None
        return tuple(result)

    return parse


def _http_url(value: object) -> str:
    from .discover import normalise_url  # lazily: discover pulls in feedparser and selectolax

    if isinstance(value, str) and normalise_url(value) is not None:
        return value.strip()
    raise _Invalid("an http:// or https:// URL")


def _regex(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid("a regular expression (a string)")
    try:
        re.compile(value)
    except re.error as exc:
        raise _Invalid(f"a valid regular expression ({exc})") from None
    return value


def _db(value: object) -> str:
    text = _text(value)
    if "://" in text and not text.startswith(_DSN_SCHEMES):
        raise _Invalid('a SQLite file path or a "postgresql://" DSN')
    return text


# --- the key table ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Key:
    path: str  # dotted name in scraper.toml: "fetch.timeout", "db"
    target: str  # "<section>.<field>" of Settings, or the field of Settings itself
    parse: Callable[[object], object]
    env: bool = True  # read from SCRAPER_<NAME> (lists are not)
    relative_path: bool = False  # a file path: relative to the config file's folder when given there
    cli_flag: str | None = None  # when the command line's flag is not --<field-name>

    @property
    def env_name(self) -> str:
        return ENV_PREFIX + self.path.removeprefix("fetch.").removeprefix("run.").replace(".", "_").upper()

    @property
    def flag(self) -> str:
        return self.cli_flag or "--" + self.target.rsplit(".", 1)[-1].replace("_", "-")


_KEYS: tuple[_Key, ...] = (
    _Key("db", "db", _db, relative_path=True),
    _Key("fetch.timeout", "fetch.timeout", _seconds(allow_zero=False)),
    _Key("fetch.connect_timeout", "fetch.connect_timeout", _seconds(allow_zero=False)),
    _Key("fetch.read_timeout", "fetch.read_timeout", _seconds(allow_zero=False)),
    _Key("fetch.max_size", "fetch.max_size", _size),
    _Key("fetch.concurrency", "fetch.concurrency", _integer(1)),
    _Key("fetch.per_host_concurrency", "fetch.per_host_concurrency", _integer(1)),
    _Key("fetch.delay", "fetch.delay", _seconds(allow_zero=True)),
    _Key("fetch.attempts", "fetch.attempts", _integer(1)),
    _Key("fetch.backoff", "fetch.backoff", _seconds(allow_zero=True)),
    _Key("fetch.max_retry_after", "fetch.max_retry_after", _seconds(allow_zero=True)),
    _Key("fetch.max_redirects", "fetch.max_redirects", _integer(0)),
    _Key("fetch.user_agent", "fetch.user_agent", _text),
    _Key("fetch.respect_robots", "fetch.respect_robots", _boolean, cli_flag="--no-robots"),
    _Key("fetch.allow_private", "fetch.allow_private", _boolean),
    _Key("fetch.proxy", "fetch.proxy", _optional_text),
    _Key("sources.urls", "sources.urls", _string_list(_http_url), env=False, cli_flag="--url"),
    _Key(
        "sources.url_files",
        "sources.url_files",
        _string_list(_text),
        env=False,
        relative_path=True,
        cli_flag="--urls",
    ),
    _Key("sources.feeds", "sources.feeds", _string_list(_http_url), env=False, cli_flag="--feed"),
    _Key("sources.sitemaps", "sources.sitemaps", _string_list(_http_url), env=False, cli_flag="--sitemap"),
    _Key("sources.pages", "sources.pages", _string_list(_http_url), env=False, cli_flag="--page"),
    _Key("sources.include", "sources.include", _string_list(_regex), env=False),
    _Key("sources.exclude", "sources.exclude", _string_list(_regex), env=False),
    _Key("run.recheck_after", "run.recheck_after", _seconds(allow_zero=False)),
    _Key("run.retry_after", "run.retry_after", _seconds(allow_zero=False)),
    _Key("run.max_attempts", "run.max_attempts", _integer(1)),
    _Key("run.lease", "run.lease", _seconds(allow_zero=False)),
    _Key("run.batch_size", "run.batch_size", _integer(1)),
    _Key("run.workers", "run.workers", _integer(0)),
    _Key("run.limit", "run.limit", _optional_integer(1)),
    _Key("run.lock_file", "run.lock_file", _optional_text, relative_path=True),
    _Key("log.format", "log_format", _choice("text", "json")),
    _Key("log.level", "log_level", _choice("debug", "info", "warning", "error")),
)
_BY_PATH = {key.path: key for key in _KEYS}
_BY_ENV = {key.env_name: key for key in _KEYS if key.env}
_BY_TARGET = {key.target: key for key in _KEYS}
_TABLES = frozenset(key.path.split(".", 1)[0] for key in _KEYS if "." in key.path)
_SOURCE_LISTS = ("urls", "url_files", "feeds", "sitemaps", "pages")


def env_variables() -> dict[str, str]:
    """Environment variable → the scraper.toml key it sets (for the docs and `--help`)."""
    return {name: key.path for name, key in sorted(_BY_ENV.items())}


# --- loading ----------------------------------------------------------------------------------------


def load_settings(
    config_path: str | None,
    env: Mapping[str, str],
    overrides: SettingsOverrides | None = None,
) -> Settings:
    """Build Settings: defaults < config file < ``SCRAPER_*`` environment < command-line overrides.

    The config file is `config_path`, else ``$SCRAPER_CONFIG``, else ``./scraper.toml`` when it
    exists, else none. A file named explicitly must exist. Any bad key or value raises ConfigError
    naming the key and where it came from (``scraper.toml:12: fetch.timeout: expected ...``).
    """
    values: dict[str, object] = {}
    path = _config_file(config_path, env)
    if path is not None:
        values.update(_from_file(path))
    values.update(_from_env(env))
    if overrides is not None:
        given = _from_overrides(overrides)
        if any(f"sources.{name}" in given for name in _SOURCE_LISTS):
            for name in _SOURCE_LISTS:
                values.pop(f"sources.{name}", None)
        values.update(given)
    return _build(values)


def _config_file(config_path: str | None, env: Mapping[str, str]) -> Path | None:
    named = config_path or env.get(CONFIG_ENV) or None
    if named is not None:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"{named}: config file not found")
        return path
    default = Path(CONFIG_FILE_NAME)
    return default if default.is_file() else None


def _from_file(path: Path) -> dict[str, object]:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_error(path, exc)) from exc
    values: dict[str, object] = {}
    for dotted, raw in _flatten(document, path, text):
        key = _BY_PATH[dotted]
        try:
            value = key.parse(raw)
        except _Invalid as exc:
            raise ConfigError(_file_value_error(path, text, dotted, raw, exc)) from None
        values[key.target] = _resolve_paths(key, value, path.parent)
    return values


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match is None:
        return f"{path}: invalid TOML: {message}"
    line, column = match.groups()
    return f"{path}:{line}: invalid TOML: {message[: match.start()]} (column {column})"


def _flatten(document: dict[str, Any], path: Path, text: str) -> list[tuple[str, object]]:
    """(dotted key, raw value) of every setting in the file; unknown tables and keys refused."""
    pairs = []
    for name, value in document.items():
        if name in _TABLES:
            if not isinstance(value, dict):
                raise ConfigError(_located(path, text, name, f"{name}: expected a table [{name}]"))
            pairs += [(f"{name}.{leaf}", leaf_value) for leaf, leaf_value in value.items()]
        elif isinstance(value, dict):
            message = f"unknown table [{name}]{_suggestion(name)}"
            raise ConfigError(_located(path, text, name, message))
        else:
            pairs.append((name, value))
    for dotted, _ in pairs:
        if dotted not in _BY_PATH:
            raise ConfigError(_located(path, text, dotted, f"{dotted}: unknown key{_suggestion(dotted)}"))
    return pairs


def _suggestion(dotted: str) -> str:
    """'; did you mean X?' for a misspelt or misplaced key, or nothing when no key is close."""
    table, _, leaf = dotted.rpartition(".")
    same_leaf = [p for p in _BY_PATH if p.rpartition(".")[2] == leaf]
    # Compare leaf with leaf, so the shared "log." of "log.colour" and "log.format" proves nothing.
    # A top-level key may belong to any table ("timeout" for fetch.timeout).
    pool = {p.rpartition(".")[2]: p for p in _BY_PATH if not table or p.rpartition(".")[0] == table}
    close = same_leaf or [pool[m] for m in difflib.get_close_matches(leaf, list(pool), 1, _SUGGEST_CUTOFF)]
    if not close and not table:
        close = [f"[{t}]" for t in difflib.get_close_matches(leaf, list(_TABLES), 1, _SUGGEST_CUTOFF)]
    return f"; did you mean {close[0]}?" if close else ""


def _file_value_error(path: Path, text: str, dotted: str, raw: object, exc: _Invalid) -> str:
    if isinstance(exc, _ItemInvalid):
        where = f"{dotted}[{exc.index}]"
        message = f"{where}: expected {exc}, got {_show(exc.element)}"
        needle = exc.element if isinstance(exc.element, str) else None
        return _located(path, text, dotted, message, needle=needle)
    return _located(path, text, dotted, f"{dotted}: expected {exc}, got {_show(raw)}")


def _located(path: Path, text: str, dotted: str, message: str, needle: str | None = None) -> str:
    line = _line_of(text, dotted, needle)
    return f"{path}:{line}: {message}" if line is not None else f"{path}: {message}"


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


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _resolve_paths(key: _Key, value: object, folder: Path) -> object:
    """File paths in a config file are relative to its folder, so cron's working directory does not matter."""
    if not key.relative_path or value is None:
        return value
    if isinstance(value, tuple):
        return tuple(_relative_to(folder, str(item)) for item in value)
    text = str(value)
    if text.startswith(_DSN_SCHEMES) or text == ":memory:":
        return text
    return _relative_to(folder, text)


def _relative_to(folder: Path, name: str) -> str:
    path = Path(name).expanduser()
    return str(path if path.is_absolute() else folder / path)


def _from_env(env: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, raw in env.items():
        key = _BY_ENV.get(name)
        if key is None:
            continue  # SCRAPER_TEST_POSTGRES and friends belong to others
        try:
            values[key.target] = key.parse(raw)
        except _Invalid as exc:
            raise ConfigError(f"environment variable {name}: expected {exc}, got {_show(raw)}") from None
    return values


def _from_overrides(overrides: SettingsOverrides) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in SettingsOverrides.__dataclass_fields__:
        raw = getattr(overrides, name)
        if raw is None or raw == ():
            continue
        key = _override_key(name)
        try:
            values[key.target] = key.parse(list(raw) if isinstance(raw, tuple) else raw)
        except _ItemInvalid as exc:
            raise ConfigError(f"{key.flag}: expected {exc}, got {_show(exc.element)}") from None
        except _Invalid as exc:
            raise ConfigError(f"{key.flag}: expected {exc}, got {_show(raw)}") from None
    return values


def _override_key(name: str) -> _Key:
    for target in (name, f"fetch.{name}", f"sources.{name}", f"run.{name}"):
        if target in _BY_TARGET:
            key = _BY_TARGET[target]
            # URLs given on the command line are not vetted here: `get` and `run` report a bad one
            # as that URL's failure, not as a usage error.
            if target in ("sources.urls", "sources.feeds", "sources.sitemaps", "sources.pages"):
                return replace(key, parse=_string_list(_text))
            return key
    raise AssertionError(f"SettingsOverrides.{name} has no key")  # a programming error, caught by tests


def _build(values: Mapping[str, object]) -> Settings:
    sections: dict[str, dict[str, object]] = {"fetch": {}, "sources": {}, "run": {}, "": {}}
    for target, value in values.items():
        section, _, name = target.rpartition(".")
        sections[section][name] = value
    return Settings(
        fetch=replace(FetchSettings(), **sections["fetch"]),  # type: ignore[arg-type]
        sources=replace(Sources(), **sections["sources"]),  # type: ignore[arg-type]
        run=replace(RunSettings(), **sections["run"]),  # type: ignore[arg-type]
        **sections[""],  # type: ignore[arg-type]
    )
