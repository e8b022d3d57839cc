"""Rendering of outputs: a Document as text or Markdown, and `export` of the stored documents as JSON
lines, CSV, text or Markdown, to standard output, one file, or one file per article with safe file names.

Nothing here fetches or crawls, so `scraper extract` and `scraper export` load no network code.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from .charset import printable
from .errors import ConfigError
from .models import Document, FailedUrl, StoredDocument, StoreStatus
from .storage.base import Store

__all__ = [
    "EXPORT_FORMATS",
    "document_to_markdown",
    "export",
    "failed_url_line",
    "markdown_without_links",
    "status_json",
    "status_text",
]

EXPORT_FORMATS = ("jsonl", "csv", "txt", "markdown")
# Longest file name stem `export` writes; 255 bytes is the usual file-system limit and UTF-8 takes up to 4.
EXPORT_NAME_MAX_CHARS = 60
# A CSV cell starting with one of these is run as a formula by spreadsheets (CSV injection, OWASP): it
# is written with a leading "'", which they show as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export(
    store: Store,
    fmt: str,
    since: datetime | None,
    out: str | Path | IO[str] | None,
    *,
    duplicates: bool = False,
    non_articles: bool = False,
    links: bool = False,
) -> int:
    """Write the latest version of every stored document (fetched since `since`); return how many.

    `out` is where: None or "-" for standard output, an open text stream, a file (all documents in it),
    or a folder (one file per document, with safe names that never leave it): a path ending in "/" or a
    folder that exists. In one stream, txt and Markdown documents are set apart by a separator line.
    Copies of another URL's document are written only with `duplicates`, each with the URL it copies
    (`duplicate_of`; a field of JSON lines and CSV only then, so the default output keeps its columns);
    pages of a type other than article or unknown only with `non_articles`. `links` keeps the links in
    Markdown.
    """
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    documents = store.documents(since, duplicates=duplicates, non_articles=non_articles)
    shape = _Shape(fmt, duplicate_of=duplicates, links=links)
    if out is None or out == "-":
        return _write_stream(documents, shape, sys.stdout)
    if not isinstance(out, str | Path):
        return _write_stream(documents, shape, out)
    if _names_a_folder(out):
        return _write_files(documents, Path(out), shape)
    with _open_output(Path(out)) as stream:
        return _write_stream(documents, shape, stream)


@dataclass(frozen=True, slots=True)
class _Shape:
    """How each document is written: the format, whether it says which document it copies, and whether
    its Markdown keeps links."""

    fmt: str
    duplicate_of: bool = False
    links: bool = False


def _names_a_folder(out: str | Path) -> bool:
    return (isinstance(out, str) and out.endswith(("/", os.sep))) or Path(out).is_dir()


# Between two documents in one txt stream: a line no article text is likely to hold, easy to split on.
TEXT_SEPARATOR = "\n" + "=" * 72 + "\n\n"
# Between two Markdown documents: a thematic break, after a blank line so it is never a heading's rule.
MARKDOWN_SEPARATOR = "\n---\n\n"
_SUFFIXES = {"jsonl": ".json", "csv": ".csv", "txt": ".txt", "markdown": ".md"}


def _write_stream(documents: Iterable[StoredDocument], shape: _Shape, stream: IO[str]) -> int:
    if shape.fmt == "jsonl":
        return _write_jsonl(documents, stream, shape)
    if shape.fmt == "csv":
        return _write_csv(documents, stream, shape)
    separator = MARKDOWN_SEPARATOR if shape.fmt == "markdown" else TEXT_SEPARATOR
    count = 0
    for stored in documents:
        stream.write((separator if count else "") + _document_body(stored, shape))
        count += 1
    return count


def _document_body(stored: StoredDocument, shape: _Shape) -> str:
    """One document as the whole of its own file in `shape.fmt`."""
    if shape.fmt == "markdown":
        return document_to_markdown(stored.document, links=shape.links, duplicate_of=stored.duplicate_of)
    if shape.fmt == "txt":
        return _document_to_text(stored.document, stored.duplicate_of)
    stream = io.StringIO()
    (_write_jsonl if shape.fmt == "jsonl" else _write_csv)([stored], stream, shape)
    return stream.getvalue()


def _open_output(path: Path) -> IO[str]:
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc


def _export_record(stored: StoredDocument, shape: _Shape) -> dict[str, Any]:
    record = stored.document.to_dict()
    record["url"] = record["url"] or stored.url
    record["version"] = stored.version
    record["fetched_at"] = stored.fetched_at.isoformat()
    if shape.duplicate_of:
        record["duplicate_of"] = stored.duplicate_of
    return {name: printable(value) if isinstance(value, str) else value for name, value in record.items()}


def _write_jsonl(documents: Iterable[StoredDocument], stream: IO[str], shape: _Shape) -> int:
    count = 0
    for stored in documents:
        stream.write(json.dumps(_export_record(stored, shape), ensure_ascii=False) + "\n")
        count += 1
    return count


EXPORT_CSV_FIELDS = (*Document().to_dict().keys(), "version", "fetched_at")


def _write_csv(documents: Iterable[StoredDocument], stream: IO[str], shape: _Shape) -> int:
    fields = (*EXPORT_CSV_FIELDS, "duplicate_of") if shape.duplicate_of else EXPORT_CSV_FIELDS
    writer = csv.DictWriter(stream, fieldnames=fields)
    writer.writeheader()
    count = 0
    for stored in documents:
        writer.writerow({name: _csv_cell(value) for name, value in _export_record(stored, shape).items()})
        count += 1
    return count


def _csv_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, neutralised with a leading "'"."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _write_files(documents: Iterable[StoredDocument], folder: Path, shape: _Shape) -> int:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        root = folder.resolve(strict=True)
    except OSError as exc:
        raise ConfigError(f"cannot write into {folder}: {exc.strerror}") from exc
    count = 0
    for stored in documents:
        _write_inside(root, _safe_file_name(stored, _SUFFIXES[shape.fmt]), _document_body(stored, shape))
        count += 1
    return count


def _write_inside(root: Path, name: str, body: str) -> None:
    """Write `root/name`, refusing anything that would land outside `root` or follow a planted symlink."""
    target = root / name
    if target.parent != root or not target.resolve(strict=False).is_relative_to(root):
        raise ConfigError(f"refusing to write outside {root}: {name!r}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(target, flags, 0o644)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(body)


_UNSAFE_NAME_CHARS = re.compile(r"[^\w\-]+")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


def _safe_file_name(stored: StoredDocument, suffix: str) -> str:
    """`<url id>-<slug of the title or URL path><suffix>`: letters, digits, '-' and '_' only, so no path
    separator, no '..', no control character and no leading dot can come from a page. The id keeps
    names unique when two titles slug alike."""
    source = stored.document.title or urlsplit(stored.url).path or "article"
    slug = unicodedata.normalize("NFKC", source)
    slug = _UNSAFE_NAME_CHARS.sub("-", slug).strip("-_").lower()[:EXPORT_NAME_MAX_CHARS].strip("-_")
    if not slug or _WINDOWS_RESERVED.match(slug):
        slug = "article"
    return f"{stored.url_id:08d}-{slug}{suffix}"


def _document_to_text(document: Document, duplicate_of: str | None = None) -> str:
    copied = f"Duplicate of: {duplicate_of}" if duplicate_of else None
    head = "\n".join(line for line in (document.title, document.url, copied) if line)
    return printable(f"{head}\n\n{document.text}\n" if head else f"{document.text}\n")


def document_to_markdown(document: Document, *, links: bool = False, duplicate_of: str | None = None) -> str:
    """A Document as Markdown: the title as a heading, a metadata line, then the body; a stored copy
    says which URL's document it copies (`duplicate_of`).

    The body is `document.markdown` (the structure the extractor kept: headings, lists, quotes, tables,
    code), its links kept only when `links`; a document without it (the fallback's text, or stored by an
    older version) has its plain text as the body.
    """
    parts: list[str] = []
    if document.title:
        parts.append(f"# {_one_line(document.title)}")
    meta = [
        f"{label}: {_one_line(value)}"
        for label, value in (
            ("Author", document.author),
            ("Date", document.date),
            ("Source", document.url),
            ("Duplicate of", duplicate_of),
        )
        if value
    ]
    if meta:
        parts.append("  \n".join(meta))
    if document.markdown:
        parts.append(document.markdown if links else markdown_without_links(document.markdown))
    elif document.text:
        parts.append(document.text)
    return printable("\n\n".join(parts) + "\n")


# In the extractor's Markdown (extract/markdown.py), ordinary text holds no unescaped "[" or "]" and a
# link's URL no space or parenthesis: so a link is an unescaped "[", escaped or other text up to "]", and
# "(URL)". The first alternative consumes escapes (an escaped backslash before a link included).
_LINK_OR_ESCAPE_RE = re.compile(r"\\.|\[((?:\\.|[^\\\]])*)\]\([^()\s]*\)")
_FENCE_RE = re.compile(r"^(?:> ?)*\s*(`{3,})")


def markdown_without_links(markdown: str) -> str:
    """The extractor's Markdown with each link reduced to its text; fenced code left as it is."""
    lines = markdown.split("\n")
    fence = ""  # the open code fence, if any
    for number, line in enumerate(lines):
        opened = _FENCE_RE.match(line)
        if fence:
            if opened and len(opened.group(1)) >= len(fence) and not line[opened.end() :].strip():
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
            continue
        if "](" in line:
            lines[number] = _LINK_OR_ESCAPE_RE.sub(_link_text, line)
    return "\n".join(lines)


def _link_text(match: re.Match[str]) -> str:
    return match.group() if match.group(1) is None else match.group(1)


def _one_line(value: str) -> str:
    return " ".join(value.split())


# ─── scraper status ─────────────────────────────────────────────────────────────────────────────────


def failed_url_line(row: FailedUrl) -> str:
    """One failed URL for people: URL, reason, attempts, next attempt (or "never"), message."""
    due = row.next_attempt_at.isoformat(timespec="seconds") if row.next_attempt_at else "never"
    return f"{row.url}  {row.reason}  {row.attempts} attempts  next: {due}  {row.message or ''}".rstrip()


def status_json(status: StoreStatus) -> str:
    return json.dumps(
        {
            "by_state": dict(status.by_state),
            "failures_by_reason": dict(status.failures_by_reason),
            "documents": status.documents,
            "versions": status.versions,
            "duplicates": status.duplicates,
            "non_articles": status.non_articles,
            "last_runs": [run.to_dict() for run in status.last_runs],
        },
        ensure_ascii=False,
    )


def status_text(status: StoreStatus) -> str:
    lines = ["URLs by state:"]
    lines += [f"  {state:<10} {count}" for state, count in sorted(status.by_state.items())] or ["  (none)"]
    if status.failures_by_reason:
        lines.append("Failures by reason:")
        lines += [f"  {reason:<18} {n}" for reason, n in sorted(status.failures_by_reason.items())]
    duplicates = f"{status.duplicates} duplicate{'' if status.duplicates == 1 else 's'}"
    others = f"{status.non_articles} {'not an article' if status.non_articles == 1 else 'not articles'}"
    lines.append(f"Documents: {status.documents} ({status.versions} versions), {duplicates}, {others}")
    if status.last_runs:
        lines.append("Last runs:")
        for run in status.last_runs:
            when = run.started_at.isoformat(timespec="seconds") if run.started_at else "?"
            lines.append(f"  {when}  {run.summary_line()}")
    return "\n".join(lines)
