"""The command line: each command builds `Settings`, calls one library function and maps the result to
output and an exit status. No business logic lives here.

Exit statuses (README.md, "Exit status"): 0 all done or skipped by policy, 1 some URLs or sources failed,
2 usage or configuration error, 74 (EX_IOERR) the store failed, 75 (EX_TEMPFAIL) when another
`scraper run` holds the lock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractContextManager as ContextManager
from contextlib import closing, suppress
from datetime import UTC, datetime
from functools import wraps
from typing import IO, TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from . import _logging
from ._logging import say
from ._version import __version__
from .config import SETTING_KEYS, SettingKey, Settings, command_flags, flag_overrides, load_settings
from .errors import ConfigError, LockedError, SchemaError, ScraperError, StorageError

if TYPE_CHECKING:
    from .pipeline import GetRow, ProgressSink, RunStop
    from .storage import Store

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
# What ends a run cleanly: systemd's and kill's SIGTERM, and Ctrl-C.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# The most `scraper extract` reads of one file or of standard input: the extractor refuses more than
# MAX_HTML_CHARS characters, and no charset spends more than 4 bytes on one, so a longer file can never
# pass; reading it whole (`scraper extract /dev/zero`) would only exhaust memory. fetch.max_size is not
# the cap: it bounds what a server may send, while a saved file may be any page the extractor takes.
MAX_EXTRACT_BYTES = 4 * 32 * 1024 * 1024  # 4 × MAX_HTML_CHARS, written out: cli imports extract lazily

P = ParamSpec("P")
T = TypeVar("T")

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# ─── entry point ───────────────────────────────────────────────────────────────────────────────────────


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]) and return the exit status."""
    _logging.configure_early(sys.argv[1:] if argv is None else argv, os.environ)
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="scraper", standalone_mode=False
        )
    except click.exceptions.Abort:
        say("scraper: interrupted", level=logging.ERROR)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        _logging.show_click_error(exc)
        return EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    return result if isinstance(result, int) else EXIT_OK


def _reports_errors(command: Callable[P, int]) -> Callable[P, int]:
    """Turn the package's errors into a message on stderr and the documented exit status."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            return command(*args, **kwargs)
        except LockedError as exc:
            say(f"scraper: {exc}", level=logging.ERROR)
            return EXIT_LOCKED
        except (ConfigError, SchemaError) as exc:
            say(f"scraper: {exc}", level=logging.ERROR)
            return EXIT_USAGE
        except StorageError as exc:
            click.echo(f"scraper: store error: {exc}", err=True)
            return EXIT_STORE
        except ScraperError as exc:
            say(f"scraper: error: {exc}", level=logging.ERROR)
            return EXIT_FAILED
        except KeyboardInterrupt:
            say("scraper: interrupted", level=logging.ERROR)
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
        return _logging.verbose_option(command)

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


def _log_options(command: Callable[P, T]) -> Callable[P, T]:
    """The log flags of a command that builds no Settings, made from the key table's rows."""
    for key in SETTING_KEYS:
        if key.path in ("log.level", "log.format"):
            command = _setting_option(key)(command)
    return _logging.verbose_option(command)


def _settings(config_path: str | None, **flags: object) -> Settings:
    """Settings: defaults < config file < SCRAPER_* environment < these flags. Also sets up logging."""
    _logging.apply_verbose(flags)
    settings = load_settings(config_path, os.environ, flag_overrides(flags))
    _logging.configure(settings.log_format, settings.log_level)
    return settings


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

    SIGTERM or Ctrl-C ends a run cleanly: no more claims, the pages in flight finish within
    run.stop_grace, the rest goes back to the queue; the summary is printed; exit 143 or 130.

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
    lock_path = default_lock_path(settings.db, settings.run.lock_file)
    stop = pipeline.RunStop()
    signals: list[signal.Signals] = []
    with (
        run_lock(lock_path),
        closing(open_store(settings.db)) as store,
        _progress_sink(store, settings) as progress,
    ):
        # Under the lock no other run uses a SQLite file: the claims in it are a killed run's.
        alone = lock_path is not None and not store.shared
        run = pipeline.run(settings, store, progress=progress, stop=stop, alone=alone)
        result = asyncio.run(_stopped_by_signals(run, stop, signals))
    say(result.summary_line(), fields=result.to_dict())
    if report == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    # 128 + the signal, as a shell reports a process the signal ended: systemd and cron see the stop.
    return 128 + signals[0] if signals else result.exit_status


async def _stopped_by_signals(
    run: Coroutine[Any, Any, T], stop: RunStop, received: list[signal.Signals]
) -> T:
    """Await `run` with SIGTERM and SIGINT asking `stop` to end it cleanly (a second one: at once); each
    signal received is appended to `received`."""
    loop = asyncio.get_running_loop()

    def on_signal(signum: signal.Signals) -> None:
        received.append(signum)
        stop.request(signum.name)

    installed = []
    for signum in STOP_SIGNALS:
        with suppress(ValueError, RuntimeError, NotImplementedError):  # not the main thread: none
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)
    try:
        return await run
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


# Markdown keeps the body's links only when asked: most readers of an article want its text, not its menu
# of references. Text and JSON have no links either way.
_LINKS_OPTION = click.option(
    "--links",
    is_flag=True,
    default=False,
    help="With --format markdown: keep links, as [text](absolute URL).",
)


@cli.command(name="get")
@click.argument("urls", nargs=-1, metavar="URL...")
@click.option("-i", "--input-file", type=click.File("rb"), default=None,
              help="Also read URLs from this file, one per line ('-' for standard input).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["txt", "json", "markdown"]), default="txt",
              show_default=True, help="Article text, one JSON object per line, or Markdown.")  # fmt: skip
@_LINKS_OPTION
@_config_option
@_setting_options("get")
@_reports_errors
def get_command(
    urls: tuple[str, ...],
    input_file: IO[bytes] | None,
    fmt: str,
    links: bool,
    config_path: str | None,
    **flags: Any,
) -> int:
    """Fetch each URL, extract its article and print it, in input order.

    With --format json: one JSON object per line, per input, with the Document fields plus `status` and
    `final_url`; a failure has `error: {kind, message}`, a skip `skipped`. Exit status 1 when some URL
    failed (an invalid URL included), 0 otherwise.

    \b
    Examples:
      scraper get https://example.com/news/some-story
      scraper get --format json -i urls.txt > articles.jsonl
      scraper get --format markdown --links https://example.com/news/some-story
      cat urls.txt | scraper get -i - --delay 0.5
    """
    from ._files import GetInputs
    from .pipeline import get_urls

    if not urls and input_file is None:
        raise click.UsageError("give at least one URL, or -i FILE")
    settings = _settings(config_path, **flags)
    inputs = GetInputs(urls, input_file)

    async def print_rows() -> int:
        failed = 0
        async for row in get_urls(inputs, settings):
            for bad in inputs.bad_lines_before_next():
                failed += 1
                _print_row(bad, fmt, links)
            failed += row.failed
            _print_row(row, fmt, links)
        for bad in inputs.bad_lines_before_next():
            failed += 1
            _print_row(bad, fmt, links)
        return failed

    return EXIT_FAILED if asyncio.run(print_rows()) else EXIT_OK


def _print_row(row: GetRow, fmt: str, links: bool) -> None:
    if fmt == "json":
        click.echo(json.dumps(row.to_dict(), ensure_ascii=False))
    elif row.error is not None:
        say(f"scraper: {row.url}: {row.error.kind}: {row.error.message}", level=logging.WARNING)
    elif row.document is None:
        say(f"scraper: {row.url}: skipped ({row.skipped})")
    else:
        from .render import document_to_markdown

        markdown = fmt == "markdown"
        click.echo(document_to_markdown(row.document, links=links) if markdown else row.document.text + "\n")


@cli.command(name="extract")
@click.argument("files", nargs=-1, required=True, metavar="FILE...|-")
@click.option("--url", default=None, help="The page's URL, to resolve links and fill `url` and `hostname`.")
@click.option("--format", "fmt", type=click.Choice(["txt", "json", "markdown"]), default="txt",
              show_default=True, help="Plain article text, a JSON object, or Markdown.")  # fmt: skip
@click.option("--explain", is_flag=True, help="Print each block instead: its container path, link density, "
              "score, and the stage that kept or dropped it, and why.")  # fmt: skip
@_LINKS_OPTION
@_log_options
@_reports_errors
def extract_command(
    files: tuple[str, ...], url: str | None, fmt: str, explain: bool, links: bool, **log_flags: Any
) -> int:
    """Extract the article of saved HTML files ('-' reads standard input) and print it.

    A folder is searched for *.html, *.htm and *.html.gz files; gzip is recognised by its first bytes,
    whatever the name. A file that cannot be read or extracted, or that gives no text, and a folder
    holding none of those files, is named on stderr, the others still print, and the exit status is 1.
    Files are parsed in worker processes, on every core, and printed in the order given; each under the
    default limits of `run.parse_timeout` and `run.parse_memory`: past one, that file fails.

    --explain prints each block instead, with the stage that kept or dropped it and why: to see why a
    paragraph is missing (a table on a terminal, else plain text; JSON with --format json).

    \b
    Examples:
      scraper extract page.html
      scraper extract --format json --url https://example.com/a page.html saved-pages/
      curl -s https://example.com/a | scraper extract - --format markdown --links --url https://example.com/a
      scraper extract --explain page.html | grep -B2 'first words of the paragraph'
    """
    from ._extract_files import ExtractRequest, extract_files

    _configure_log_flags(log_flags)
    if explain and fmt == "markdown":
        raise click.UsageError("--explain prints plain text or JSON (--format json), not Markdown")
    failed = extract_files(ExtractRequest(files, url, fmt, explain, links, MAX_EXTRACT_BYTES))
    return EXIT_FAILED if failed else EXIT_OK


def _configure_log_flags(flags: dict[str, Any]) -> None:
    _logging.apply_verbose(flags)
    given = flag_overrides(flags)
    _logging.configure(
        given.log_format or ("json" if _logging.is_json() else "text"), given.log_level or "info"
    )


@cli.command(name="export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "txt", "markdown"]), required=True,
              help="JSON lines, CSV, plain text or Markdown.")  # fmt: skip
@_LINKS_OPTION
@click.option("--since", default=None, metavar="DATE", help="Only documents fetched since (ISO 8601).")
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="PATH",
    help="One file for every article; a folder (ending in '/', or one that exists) for a file per "
    "article. Default: standard output.",
)
@click.option(
    "--with-duplicates",
    "duplicates",
    is_flag=True,
    default=False,
    help="Also the copies of another URL's story, each with the URL it copies (duplicate_of).",
)
@click.option("--with-non-articles", "non_articles", is_flag=True, default=False,
              help="Also pages that are not articles (listings, forums, products ...).")  # fmt: skip
@_config_option
@_setting_options("export")
@_reports_errors
def export_command(
    fmt: str,
    links: bool,
    since: str | None,
    output: str | None,
    duplicates: bool,
    non_articles: bool,
    config_path: str | None,
    **flags: Any,
) -> int:
    """Write the latest version of every stored article, each story once.

    A copy of another URL's story (the same text, or a near copy) and a page that is not an article
    are left out unless asked for. To standard output (txt and Markdown documents set apart by a
    separator line), to one file, or to a folder, one file per article.

    \b
    Examples:
      scraper export --format jsonl -o articles.jsonl
      scraper export --format csv --since 2026-01-01 > january.csv
      scraper export --format markdown --links -o articles/
      scraper export --format csv --with-duplicates > all-copies.csv
    """
    from .render import export
    from .storage import open_store

    since_time = _parse_since(since)
    settings = _settings(config_path, **flags)
    with closing(open_store(settings.db, create=False)) as store:
        count = export(
            store, fmt, since_time, output, duplicates=duplicates, non_articles=non_articles, links=links
        )
    say(f"scraper export: {count} documents", fields={"documents": count})
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
              help="A table for people, or JSON (with --failed: one object per line).")  # fmt: skip
@click.option("--failed", is_flag=True, default=False,
              help="List the failed URLs: reason, attempts, next attempt and message.")  # fmt: skip
@click.option("--since", default=None, metavar="DATE", help="With --failed: only failures since (ISO 8601).")
@_config_option
@_setting_options("status")
@_reports_errors
def status_command(fmt: str, failed: bool, since: str | None, config_path: str | None, **flags: Any) -> int:
    """Show URLs by state, failures by reason and the last runs; or, with --failed, each failed URL.

    Reads only: a database that does not exist, or is not scraper's, is an error (exit status 2).

    \b
    Examples:
      scraper status
      scraper status --db news.db --format json
      scraper status --failed --since 2026-01-01
    """
    from .render import failed_url_line, status_json, status_text
    from .storage import open_store

    since_time = _parse_since(since)
    settings = _settings(config_path, **flags)
    with closing(open_store(settings.db, create=False)) as store:
        if failed:
            for row in store.failed_urls(since_time):
                click.echo(
                    json.dumps(row.to_dict(), ensure_ascii=False) if fmt == "json" else failed_url_line(row)
                )
            return EXIT_OK
        status = store.status()
    click.echo(status_json(status) if fmt == "json" else status_text(status))
    return EXIT_OK


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
    with closing(open_store(settings.db, create=False)) as store:
        report = reextract(
            store,
            workers=settings.run.workers,
            time_limit=settings.run.parse_timeout,
            memory_limit=settings.run.parse_memory,
            policy=settings.run,
        )
    say(report.summary_line(), fields=dataclasses.asdict(report))
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
        say(f"scraper db: schema upgraded from version {migration.before} to {migration.after}")
    else:
        say(f"scraper db: schema already at version {migration.after}")
    return EXIT_OK


# ─── helpers ───────────────────────────────────────────────────────────────────────────────────────────


def _progress_sink(store: Store, settings: Settings) -> ContextManager[ProgressSink | None]:
    """A progress bar on a terminal (its total: the due URLs, when this run alone takes from them)."""
    from ._progress import progress_sink

    def total() -> int | None:
        if store.shared:
            return None  # other workers take from the same frontier
        due = store.count_due(datetime.now(UTC))
        return due if settings.run.limit is None else min(due, settings.run.limit)

    return progress_sink(total, json_logs=_logging.is_json())
