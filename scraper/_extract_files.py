"""What `scraper extract` does with its files: each read within the size cap, extracted (or explained) in
a worker process under the default parse limits, printed as text, JSON or Markdown; a file that fails is
named on stderr and the others go on. cli.py parses the flags and calls `extract_files`."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from ._files import page_files, read_capped, unzip
from ._logging import say
from .errors import ScraperError
from .extract import extract
from .models import Document

if TYPE_CHECKING:
    from .pipeline import ExtractionPool

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


def extract_files(request: ExtractRequest) -> int:
    """Print each file's article (or explanation); return how many files failed."""
    from . import pipeline  # looked up at call time: tests give the pool smaller limits

    failed = 0
    with pipeline.ExtractionPool(extract, workers=1) as pool:
        for name in page_files(request.files):
            html = _read_page(name, request.max_bytes)
            if html is None:
                failed += 1
            elif request.explain:
                failed += not _explain_page(pool, html, name, request)
            else:
                failed += not _extract_page(pool, html, name, request)
    return failed


def _read_page(name: str, cap: int) -> bytes | None:
    """The bytes of one file, or None when it cannot be read (said on stderr)."""
    try:
        html = read_capped(name, cap)
    except OSError as exc:
        say(f"scraper: cannot read {name}: {exc.strerror or exc}", level=logging.WARNING)
        return None
    if html is None:
        click.echo(f"scraper: {name}: larger than {cap} bytes, the most `scraper extract` reads", err=True)
    return html


def _extract_page(pool: ExtractionPool, html: bytes, name: str, request: ExtractRequest) -> bool:
    """Print the article of one page; False if it failed or gave no text."""
    try:
        document = pool.result(pool.submit(unzip(html, name), request.url))
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
