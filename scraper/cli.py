"""The command line: each command builds `Settings`, calls one library function and maps the result to
output and an exit status. No business logic lives here.

Exit statuses (README.md, "Exit status"): 0 all done or skipped by policy, 1 some URLs or sources failed,
2 usage or configuration error, 74 (EX_IOERR) the store failed, 75 (EX_TEMPFAIL) when another
`scraper run` holds the lock.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from ._version import __version__
from .config import SettingKey, Settings, command_flags, flag_overrides, load_settings
from .errors import ConfigError, LockedError, SchemaError, ScraperError, StorageError

if TYPE_CHECKING:
    from .models import Document, Outcome, StoreStatus
    from .pipeline import GetRow

__all__ = ["EXIT_FAILED", "EXIT_LOCKED", "EXIT_OK", "EXIT_STORE", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_FAILED = 1  # some URLs (or files) failed
EXIT_USAGE = 2  # bad flag, setting or config file
# EX_IOERR from sysexits.h: the database could not be opened, read or written (server unreachable, disk
# full, file unreadable). Not 1, so cron can tell "the store is in trouble" from "some pages failed";
# EX_IOERR rather than EX_UNAVAILABLE (69), which mail and job wrappers read as permanent, while a store
# that is down or full usually comes back.
EXIT_STORE = 74
EXIT_LOCKED = 75  # EX_TEMPFAIL from sysexits.h: what cron wrappers read as "try again later"
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

P = ParamSpec("P")
T = TypeVar("T")

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# ─── entry point ───────────────────────────────────────────────────────────────────────────────────────


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]) and return the exit status."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="scraper", standalone_mode=False
        )
    except click.exceptions.Abort:
        click.echo("scraper: interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    return result if isinstance(result, int) else EXIT_OK


def _reports_errors(command: Callable[P, int]) -> Callable[P, int]:
    """Turn the package's errors into a message on stderr and the documented exit status."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            return command(*args, **kwargs)
        except LockedError as exc:
            click.echo(f"scraper: {exc}", err=True)
            return EXIT_LOCKED
        except (ConfigError, SchemaError) as exc:
            click.echo(f"scraper: {exc}", err=True)
            return EXIT_USAGE
        except StorageError as exc:
            click.echo(f"scraper: store error: {exc}", err=True)
            return EXIT_STORE
        except ScraperError as exc:
            click.echo(f"scraper: error: {exc}", err=True)
            return EXIT_FAILED
        except KeyboardInterrupt:
            click.echo("scraper: interrupted", err=True)
            return EXIT_INTERRUPTED

    return wrapper


# ─── shared options ────────────────────────────────────────────────────────────────────────────────────


def _config_option(command: Callable[P, T]) -> Callable[P, T]:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        metavar="FILE",
        help="Settings file (TOML). Default: ./scraper.toml when present.",
    )(command)


def _setting_options(command_name: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """The flags of the settings `command_name` takes, made from the config key table.

    Each flag hands its text to the key's own parser (in `_settings`), the one the config file and the
    environment use, so `--timeout 30s` works and a bad value is named as a config file's would be.
    """

    def decorate(command: Callable[P, T]) -> Callable[P, T]:
        for key in reversed(command_flags(command_name)):
            command = _setting_option(key)(command)
        return command

    return decorate


def _setting_option(key: SettingKey) -> Callable[[Callable[P, T]], Callable[P, T]]:
    if key.switch is not None:
        return click.option(key.flag, key.dest, is_flag=True, default=None, help=key.help)
    return click.option(
        key.flag,
        key.dest,
        multiple=key.value.multiple,
        default=None,
        metavar=key.flag_type.metavar,
        # In the help rather than as click's default: a flag not given must stay None, so the file and
        # the environment can still set the key.
        help=key.help if key.value.multiple else f"{key.help}  [default: {key.default}]",
    )


def _settings(config_path: str | None, **flags: object) -> Settings:
    """Settings: defaults < config file < SCRAPER_* environment < these flags. Also sets up logging."""
    settings = load_settings(config_path, os.environ, flag_overrides(flags))
    _configure_logging(settings.log_format, settings.log_level)
    return settings


# ─── logging and progress ──────────────────────────────────────────────────────────────────────────────


class _JsonLines(logging.Formatter):
    """One JSON object per log record, for cron mail filters and log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _configure_logging(log_format: str, level: str) -> None:
    logger = logging.getLogger("scraper")
    for handler in [h for h in logger.handlers if getattr(h, "_scraper_cli", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._scraper_cli = True  # type: ignore[attr-defined]  # marks ours, so a second main() replaces it
    if log_format == "json":
        handler.setFormatter(_JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


class _ProgressBar:
    """A rich progress display on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("discovering", total=None)
        self._new = 0
        self._counts: Counter[str] = Counter()

    def discovered(self, new_urls: int) -> None:
        self._new = new_urls
        self._progress.update(self._task, description=f"{new_urls} new URLs, crawling")

    def outcome(self, outcome: Outcome) -> None:
        self._counts[outcome.kind.value] += 1
        done = ", ".join(f"{n} {kind}" for kind, n in sorted(self._counts.items()))
        self._progress.update(self._task, description=f"{self._new} new URLs; {done}")

    def __enter__(self) -> _ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()


# ─── the commands ──────────────────────────────────────────────────────────────────────────────────────


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="scraper")
def cli() -> None:
    """Fetch web pages, strip the boilerplate, keep the article text.

    \b
    Examples:
      scraper get https://example.com/news/some-story
      scraper run --feed https://example.com/feed.xml --db news.db
      scraper export --format jsonl -o articles.jsonl
    """


@cli.command(name="run")
@_config_option
@_setting_options("run")
@click.option(
    "--report", type=click.Choice(["json"]), default=None, help="Print the run report as JSON on stdout."
)
@_reports_errors
def run_command(config_path: str | None, report: str | None, **flags: Any) -> int:
    """Discover new articles, fetch, extract and store them (the cron job).

    Only new URLs and those due for a re-check are fetched. One summary line goes to stderr; the exit
    status is 0 when nothing failed, 1 when some URLs or sources failed (an unreachable host included),
    2 for a configuration error, 74 when the store failed and 75 when another run still holds the lock.

    \b
    Examples:
      scraper run --config scraper.toml
      scraper run --feed https://example.com/feed.xml --db news.db --report json
      0 * * * *  cd /srv/news && scraper run --log-format json
    """
    from . import pipeline
    from ._lock import default_lock_path, run_lock
    from .storage import open_store

    settings = _settings(config_path, **flags)
    with (
        run_lock(default_lock_path(settings.db, settings.run.lock_file)),
        closing(open_store(settings.db)) as store,
        _progress_sink() as progress,
    ):
        result = asyncio.run(pipeline.run(settings, store, progress=progress))
    click.echo(result.summary_line(), err=True)
    if report == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    return result.exit_status


@cli.command(name="get")
@click.argument("urls", nargs=-1, metavar="URL...")
@click.option("-i", "--input-file", type=click.File("r", encoding="utf-8"), default=None,
              help="Also read URLs from this file, one per line ('-' for standard input).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["txt", "json"]), default="txt", show_default=True,
              help="Plain article text, or one JSON object per line.")  # fmt: skip
@_config_option
@_setting_options("get")
@_reports_errors
def get_command(
    urls: tuple[str, ...], input_file: IO[str] | None, fmt: str, config_path: str | None, **flags: Any
) -> int:
    """Fetch each URL, extract its article and print it, in input order.

    With --format json: one JSON object per line, per input, with the Document fields plus `status` and
    `final_url`; a failure has `error: {kind, message}`, a skip `skipped`. Exit status 1 when some URL
    failed (an invalid URL included), 0 otherwise.

    \b
    Examples:
      scraper get https://example.com/news/some-story
      scraper get --format json -i urls.txt > articles.jsonl
      cat urls.txt | scraper get -i - --delay 0.5
    """
    from .pipeline import get_urls

    if not urls and input_file is None:
        raise click.UsageError("give at least one URL, or -i FILE")
    settings = _settings(config_path, **flags)

    async def print_rows() -> int:
        failed = 0
        async for row in get_urls(_inputs(urls, input_file), settings):
            failed += row.failed
            _print_row(row, fmt)
        return failed

    return EXIT_FAILED if asyncio.run(print_rows()) else EXIT_OK


def _inputs(urls: Iterable[str], stream: IO[str] | None) -> Iterator[str]:
    yield from urls
    if stream is not None:
        for line in stream:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line


def _print_row(row: GetRow, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(row.to_dict(), ensure_ascii=False))
    elif row.error is not None:
        click.echo(f"scraper: {row.url}: {row.error.kind}: {row.error.message}", err=True)
    elif row.document is None:
        click.echo(f"scraper: {row.url}: skipped ({row.skipped})", err=True)
    else:
        click.echo(row.document.text + "\n")


@cli.command(name="extract")
@click.argument("files", nargs=-1, required=True, metavar="FILE...|-")
@click.option("--url", default=None, help="The page's URL, to resolve links and fill `url` and `hostname`.")
@click.option("--format", "fmt", type=click.Choice(["txt", "json", "markdown"]), default="txt",
              show_default=True, help="Plain article text, a JSON object, or Markdown.")  # fmt: skip
@_reports_errors
def extract_command(files: tuple[str, ...], url: str | None, fmt: str) -> int:
    """Extract the article of saved HTML files ('-' reads standard input) and print it.

    A file that cannot be read or extracted is named on stderr, the others still print, and the exit
    status is 1. Each file is parsed in a worker process under the default limits of `run.parse_timeout`
    and `run.parse_memory`: past one, that file fails.

    \b
    Examples:
      scraper extract page.html
      scraper extract --format json --url https://example.com/a page.html
      curl -s https://example.com/a | scraper extract - --format markdown
    """
    from .extract import extract
    from .pipeline import ExtractionPool
    from .render import document_to_markdown

    failed = 0
    with ExtractionPool(extract, workers=1) as pool:
        for name in files:
            try:
                html = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            except OSError as exc:
                click.echo(f"scraper: cannot read {name}: {exc.strerror or exc}", err=True)
                failed += 1
                continue
            try:
                document = pool.result(pool.submit(html, url))
            except ScraperError as exc:
                click.echo(f"scraper: {name}: {exc}", err=True)
                failed += 1
                continue
            click.echo(_render_document(document, name, fmt, document_to_markdown))
    return EXIT_FAILED if failed else EXIT_OK


def _render_document(document: Document, name: str, fmt: str, markdown: Callable[[Document], str]) -> str:
    if fmt == "json":
        return json.dumps({**document.to_dict(), "file": name}, ensure_ascii=False)
    if fmt == "markdown":
        return markdown(document)
    return document.text + "\n"


@cli.command(name="export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "txt", "markdown"]), required=True,
              help="JSON lines or CSV in one file; txt or markdown: a file per article.")  # fmt: skip
@click.option("--since", default=None, metavar="DATE", help="Only documents fetched since (ISO 8601).")
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="PATH",
    help="File for jsonl/csv (default: stdout); folder for txt/markdown (a file per article).",
)
@_config_option
@_setting_options("export")
@_reports_errors
def export_command(
    fmt: str, since: str | None, output: str | None, config_path: str | None, **flags: Any
) -> int:
    """Write the latest version of every stored article.

    \b
    Examples:
      scraper export --format jsonl -o articles.jsonl
      scraper export --format csv --since 2026-01-01 > january.csv
      scraper export --format markdown -o articles/
    """
    from .render import export
    from .storage import open_store

    since_time = _parse_since(since)
    settings = _settings(config_path, **flags)
    with closing(open_store(settings.db)) as store:
        count = export(store, fmt, since_time, Path(output) if output and output != "-" else None)
    click.echo(f"scraper export: {count} documents", err=True)
    return EXIT_OK


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date", param_hint="--since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@cli.command(name="status")
@click.option("--format", "fmt", type=click.Choice(["txt", "json"]), default="txt", show_default=True,
              help="A table for people, or one JSON object.")  # fmt: skip
@_config_option
@_setting_options("status")
@_reports_errors
def status_command(fmt: str, config_path: str | None, **flags: Any) -> int:
    """Show URLs by state, failures by reason and the last runs.

    \b
    Examples:
      scraper status
      scraper status --db news.db --format json
    """
    from .storage import open_store

    settings = _settings(config_path, **flags)
    with closing(open_store(settings.db)) as store:
        status = store.status()
    click.echo(_status_json(status) if fmt == "json" else _status_text(status))
    return EXIT_OK


def _status_json(status: StoreStatus) -> str:
    return json.dumps(
        {
            "by_state": dict(status.by_state),
            "failures_by_reason": dict(status.failures_by_reason),
            "documents": status.documents,
            "versions": status.versions,
            "last_runs": [run.to_dict() for run in status.last_runs],
        },
        ensure_ascii=False,
    )


def _status_text(status: StoreStatus) -> str:
    lines = ["URLs by state:"]
    lines += [f"  {state:<10} {count}" for state, count in sorted(status.by_state.items())] or ["  (none)"]
    if status.failures_by_reason:
        lines.append("Failures by reason:")
        lines += [f"  {reason:<18} {n}" for reason, n in sorted(status.failures_by_reason.items())]
    lines.append(f"Documents: {status.documents} ({status.versions} versions)")
    if status.last_runs:
        lines.append("Last runs:")
        for run in status.last_runs:
            when = run.started_at.isoformat(timespec="seconds") if run.started_at else "?"
            lines.append(f"  {when}  {run.summary_line()}")
    return "\n".join(lines)


@cli.command(name="reextract")
@_config_option
@_setting_options("reextract")
@_reports_errors
def reextract_command(config_path: str | None, **flags: Any) -> int:
    """Run the extractor again over the stored raw HTML; a new version only where the text changed.

    \b
    Example:
      scraper reextract --db news.db
    """
    from .pipeline import reextract
    from .storage import open_store

    settings = _settings(config_path, **flags)
    with closing(open_store(settings.db)) as store:
        report = reextract(
            store,
            workers=settings.run.workers,
            time_limit=settings.run.parse_timeout,
            memory_limit=settings.run.parse_memory,
        )
    click.echo(report.summary_line(), err=True)
    return EXIT_FAILED if report.failed else EXIT_OK


@cli.group(name="db", context_settings=CONTEXT_SETTINGS)
def db_group() -> None:
    """Database maintenance.

    \b
    Example:
      scraper db migrate --db news.db
    """


@db_group.command(name="migrate")
@_config_option
@_setting_options("db migrate")
@_reports_errors
def migrate_command(config_path: str | None, **flags: Any) -> int:
    """Create the database schema, or upgrade it to this version's.

    \b
    Example:
      scraper db migrate --db postgresql://scraper@db.internal/news
    """
    from .storage import migrate_database

    settings = _settings(config_path, **flags)
    migration = migrate_database(settings.db)
    if migration.changed:
        click.echo(
            f"scraper db: schema upgraded from version {migration.before} to {migration.after}", err=True
        )
    else:
        click.echo(f"scraper db: schema already at version {migration.after}", err=True)
    return EXIT_OK


# ─── helpers ───────────────────────────────────────────────────────────────────────────────────────────


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        pass


def _progress_sink() -> _ProgressBar | _NoProgress:
    """A progress bar on a terminal; nothing for cron, pipes and files."""
    return _ProgressBar() if sys.stderr.isatty() else _NoProgress()
