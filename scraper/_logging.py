"""What the command line writes on stderr: the package's log records, and its own lines (summaries,
notices, error messages), as plain text or, under `--log-format json`, every line one JSON object.

The format is known before the command line is parsed (`--log-format` and `SCRAPER_LOG_FORMAT` looked up
early), so that even a usage or configuration error comes out as JSON for a log shipper.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import click

__all__ = [
    "JsonLines",
    "apply_verbose",
    "configure",
    "configure_early",
    "is_json",
    "say",
    "show_click_error",
    "verbose_option",
]

P = ParamSpec("P")
T = TypeVar("T")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The logger of the command line's own lines in JSON records ("logger" field).
CLI_LOGGER = "scraper.cli"
_FORMAT_FLAG = "--log-format"
_FORMAT_ENV = "SCRAPER_LOG_FORMAT"


class _State:
    json = False  # the format of the lines `say` writes


def is_json() -> bool:
    return _State.json


class JsonLines(logging.Formatter):
    """One JSON object per log record, for cron mail filters and log shippers. A record's `fields`
    (a mapping given as `extra`) become top-level fields beside the message."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            entry.update({key: value for key, value in fields.items() if key not in entry})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_early(argv: Sequence[str], env: Mapping[str, str]) -> None:
    """The line format from the raw command line and environment, before click and the settings have
    read them: what a usage error or a bad config file is reported in."""
    value = env.get(_FORMAT_ENV, "").strip().lower()
    for index, arg in enumerate(argv):
        if arg == _FORMAT_FLAG and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith(_FORMAT_FLAG + "="):
            value = arg.split("=", 1)[1]
    _State.json = value == "json"


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler writing to whatever `sys.stderr` is when a record comes, not to the stream it was
    when the handler was made. While `scraper run` draws its progress bar, rich stands a proxy in for
    `sys.stderr` that prints each line above the bar: a record written to the stream underneath was
    glued to the end of the bar's line, and the bar's text stayed on the terminal in front of it."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass  # StreamHandler's __init__ and setStream: the stream is always the current one


def configure(log_format: str, level: str) -> None:
    """The package's log records on stderr, in `log_format` ("text" or "json"), from `level` up."""
    _State.json = log_format == "json"
    logger = logging.getLogger("scraper")
    for handler in [h for h in logger.handlers if getattr(h, "_scraper_cli", False)]:
        logger.removeHandler(handler)
    handler = _CurrentStderr()
    handler._scraper_cli = True  # type: ignore[attr-defined]  # marks ours, so a second main() replaces it
    handler.setFormatter(JsonLines() if _State.json else logging.Formatter(TEXT_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


def say(message: str, *, level: int = logging.INFO, fields: Mapping[str, Any] | None = None) -> None:
    """One line of the command line's own on stderr (a summary, a notice, an error), whatever the log
    level: as it is, or as one JSON record carrying `fields`."""
    if not _State.json:
        click.echo(message, err=True)
        return
    record = logging.LogRecord(CLI_LOGGER, level, __file__, 0, message, None, None)
    record.fields = dict(fields or {})
    click.echo(JsonLines().format(record), err=True)


def show_click_error(exc: click.ClickException) -> None:
    """A usage error as click shows it, or as one JSON record."""
    if _State.json:
        say(f"scraper: {exc.format_message()}", level=logging.ERROR)
    else:
        exc.show()


def verbose_option(command: Callable[P, T]) -> Callable[P, T]:
    """`-v/--verbose` on a command: the debug records too (`--log-level debug`)."""
    return click.option(
        "-v", "--verbose", is_flag=True, default=False, help="Show debug logs too (--log-level debug)."
    )(command)


def apply_verbose(flags: MutableMapping[str, object]) -> None:
    """Turn `verbose` among a command's flags into the log level it stands for; `--log-level` wins."""
    if flags.pop("verbose", False) and flags.get("log_level") is None:
        flags["log_level"] = "debug"
