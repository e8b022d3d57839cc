"""What `scraper extract` does with its files: each read within the size cap, extracted (or explained) in
worker processes under the default parse limits, on every core, printed as text, JSON or Markdown in the
order given; a file that fails is named on stderr in its turn and the others go on. cli.py parses the
flags and calls `extract_files`."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from ._files import PAGE_SUFFIXES, page_files, read_capped, unzip
from ._logging import say
from .errors import ScraperError
from .extract import extract
from .models import Document

if TYPE_CHECKING:
    from .pipeline import ExtractionJob, ExtractionPool

__all__ = ["ExtractRequest", "extract_files"]


@dataclass(frozen=True, slots=True)
class ExtractRequest:
    """What the command line asked of `scraper extract`."""

    files: Sequence[str]
    url: str | None
    fmt: str  # "txt", "json" or "markdown"
    explain: bool
    links: bool
    max_bytes: int  # the most read of one file


# Pages handed to the workers ahead of the one being printed, per worker: enough to keep every core busy
# while the output waits for the slowest page in order, few enough that the files read ahead (each up to
# the size cap) stay few.
PAGES_AHEAD_PER_WORKER = 2


def extract_files(request: ExtractRequest) -> int:
    """Print each file's article (or explanation), in the order given; return how many files failed.

    Articles are extracted on every core (one worker per file up to the number of cores), each printed
    when its turn comes; a file that fails is named in its turn and the others go on."""
    from . import pipeline  # looked up at call time: tests give the pool smaller limits

    names = list(page_files(request.files))
    workers = 1 if request.explain else max(1, min(len(names), os.cpu_count() or 1))
    failed = 0
    with pipeline.ExtractionPool(extract, workers=workers) as pool:
        if request.explain:
            for name in names:
                page = _read_page(name, request.max_bytes)
                if isinstance(page, bytes):
                    failed += not _explain_page(pool, page, name, request)
                else:
                    page()
                    failed += 1
            return failed
        ahead: deque[_Pending] = deque()
        for name in names:
            ahead.append(_submit(pool, name, request))
            if len(ahead) >= workers * PAGES_AHEAD_PER_WORKER:
                failed += not _print_page(pool, ahead.popleft(), request)
        while ahead:
            failed += not _print_page(pool, ahead.popleft(), request)
    return failed


@dataclass(frozen=True, slots=True)
class _Pending:
    """A file on its way: its extraction, or why it failed before one (said when its turn comes)."""

    name: str
    job: ExtractionJob | None
    problem: Callable[[], None] | None = None  # says on stderr why the file failed


def _submit(pool: ExtractionPool, name: str, request: ExtractRequest) -> _Pending:
    page = _read_page(name, request.max_bytes)
    if not isinstance(page, bytes):
        return _Pending(name, None, page)
    try:
        return _Pending(name, pool.submit(unzip(page, name), request.url))
    except ScraperError as exc:
        return _Pending(name, None, functools.partial(say, f"scraper: {name}: {exc}", level=logging.WARNING))


def _read_page(name: str, cap: int) -> bytes | Callable[[], None]:
    """The bytes of one file, or, when it cannot be read, what says why on stderr (called in its turn)."""
    if name != "-" and os.path.isdir(name):  # page_files passes on a folder only when it holds no page
        return functools.partial(_say_no_pages, name)
    try:
        html = read_capped(name, cap)
    except OSError as exc:
        return functools.partial(_say_unreadable, name, exc)
    if html is None:
        return functools.partial(_say_too_large, name, cap)
    return html


def _say_unreadable(name: str, exc: OSError) -> None:
    say(f"scraper: cannot read {name}: {exc.strerror or exc}", level=logging.WARNING)


def _say_no_pages(folder: str) -> None:
    suffixes = ", ".join(f"*{suffix}" for suffix in PAGE_SUFFIXES)
    say(f"scraper: {folder}: a folder without saved pages ({suffixes})", level=logging.WARNING)


def _say_too_large(name: str, cap: int) -> None:
    click.echo(f"scraper: {name}: larger than {cap} bytes, the most `scraper extract` reads", err=True)


def _print_page(pool: ExtractionPool, pending: _Pending, request: ExtractRequest) -> bool:
    """Print the article of one page; False if it failed or gave no text."""
    name = pending.name
    if pending.job is None:
        if pending.problem is not None:
            pending.problem()
        return False
    try:
        document = pool.result(pending.job)
    except ScraperError as exc:
        say(f"scraper: {name}: {exc}", level=logging.WARNING)
        return False
    if not document.text.strip():
        say(f"scraper: {name}: no text extracted (empty, binary, or no article)", level=logging.WARNING)
        return False
    click.echo(_render_document(document, name, request))
    return True


def _explain_page(pool: ExtractionPool, html: bytes, name: str, request: ExtractRequest) -> bool:
    """Print the explanation of one page (worked out in the pool, under its limits); False if it failed."""
    from ._explain_view import show_explanation
    from .extract.explain import explain

    try:
        explanation = asyncio.run(pool.call(explain, unzip(html, name), request.url))
    except ScraperError as exc:
        say(f"scraper: {name}: {exc}", level=logging.WARNING)
        return False
    show_explanation(explanation, name, request.fmt)
    return True


def _render_document(document: Document, name: str, request: ExtractRequest) -> str:
    if request.fmt == "json":
        return json.dumps({**document.to_dict(), "file": name}, ensure_ascii=False)
    if request.fmt == "markdown":
        from .render import document_to_markdown

        return document_to_markdown(document, links=request.links)
    return document.text + "\n"
