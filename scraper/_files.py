"""What the command line reads: the files `scraper extract` takes (folders walked for saved pages, gzip
undone by its magic bytes, not its name, within a size cap, so that a page saved as `.html.gz` reads like
any other) and the URL list of `scraper get` (arguments, then an -i file decoded one line at a time)."""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .errors import ExtractionError

if TYPE_CHECKING:
    from .pipeline import GetRow

__all__ = [
    "GZIP_MAGIC",
    "MAX_UNZIPPED_BYTES",
    "PAGE_SUFFIXES",
    "GetInputs",
    "bad_line_row",
    "page_files",
    "read_capped",
    "unzip",
]

GZIP_MAGIC = b"\x1f\x8b"  # RFC 1952: the first two bytes of every gzip member
# The saved pages a folder is searched for (lower case; any case matches).
PAGE_SUFFIXES = (".html", ".htm", ".html.gz")
# Largest page a gzip file may unpack to: twice the extractor's own cap on its input (32 Mi characters,
# `extract.guard.MAX_HTML_CHARS`), so that a big page is refused by the extractor with its reason, while
# a gzip bomb stops here after 64 MiB instead of filling the memory.
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024


def page_files(names: Iterable[str]) -> Iterator[str]:
    """`names` in order, each folder among them replaced by the saved pages under it (recursively, in
    sorted order); '-', names that are not folders and folders without saved pages are passed on as they
    are (the reader says what each is)."""
    for name in names:
        if name != "-" and Path(name).is_dir():
            found = (path for path in Path(name).rglob("*") if path.name.lower().endswith(PAGE_SUFFIXES))
            yield from sorted(str(path) for path in found if path.is_file()) or [name]
        else:
            yield name


def unzip(data: bytes, name: str) -> bytes:
    """`data` unpacked when it is gzip, whatever the file is called; else `data` itself. Raises
    ExtractionError for a broken gzip file or one that unpacks past MAX_UNZIPPED_BYTES."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            unpacked = stream.read(MAX_UNZIPPED_BYTES + 1)  # read(n) inflates no more than n bytes
    except (OSError, EOFError, zlib.error) as exc:
        raise ExtractionError(f"{name}: not a readable gzip file ({exc})") from exc
    if len(unpacked) > MAX_UNZIPPED_BYTES:
        raise ExtractionError(f"{name}: unpacks to more than {MAX_UNZIPPED_BYTES} bytes")
    return unpacked


class GetInputs:
    """The URLs of `scraper get`: its arguments, then the lines of its -i file, decoded one at a time.

    A line that is not UTF-8 is no URL: it becomes a failed row (invalid_url, naming its line), printed in
    its place among the others. `get_urls` yields one row per URL in order, so the bad lines read before
    the n-th URL are printed before its row.
    """

    def __init__(self, urls: Iterable[str], stream: IO[bytes] | None) -> None:
        self._urls = urls
        self._stream = stream
        self._yielded = 0  # URLs handed to get_urls so far
        self._printed = 0  # rows of get_urls printed so far
        self._bad: list[tuple[int, GetRow]] = []  # (URLs yielded before it, its row)

    def __iter__(self) -> Iterator[str]:
        for url in self._urls:
            self._yielded += 1
            yield url
        if self._stream is None:
            return
        name = getattr(self._stream, "name", "-")
        for number, raw in enumerate(self._stream, 1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                self._bad.append((self._yielded, bad_line_row(raw, number, name)))
                continue
            if line and not line.startswith("#"):
                self._yielded += 1
                yield line

    def bad_lines_before_next(self) -> list[GetRow]:
        """The failed rows to print before the next row of get_urls (or, at the end, all that are left)."""
        due = [row for before, row in self._bad if before <= self._printed]
        self._bad = [(before, row) for before, row in self._bad if before > self._printed]
        self._printed += 1
        return due


def bad_line_row(raw: bytes, number: int, name: str) -> GetRow:
    from .models import ErrorInfo, ErrorKind
    from .pipeline import GetRow

    shown = raw.decode("utf-8", "backslashreplace").strip()
    return GetRow(shown, error=ErrorInfo(ErrorKind.INVALID_URL, f"line {number} of {name}: not UTF-8 text"))


def read_capped(name: str, cap: int) -> bytes | None:
    """The bytes of file `name` ("-": standard input), or None when it holds more than `cap`: only
    cap + 1 bytes are ever read."""
    if name == "-":
        data = sys.stdin.buffer.read(cap + 1)
    else:
        with open(name, "rb") as file:
            data = file.read(cap + 1)
    return data if len(data) <= cap else None
