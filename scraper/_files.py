"""The files `scraper extract` reads: folders walked for saved pages, gzip undone by its magic bytes (not
its name) within a size cap, so that a page saved as `.html.gz` reads like any other."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import ExtractionError

__all__ = ["GZIP_MAGIC", "MAX_UNZIPPED_BYTES", "PAGE_SUFFIXES", "page_files", "unzip"]

GZIP_MAGIC = b"\x1f\x8b"  # RFC 1952: the first two bytes of every gzip member
# The saved pages a folder is searched for (lower case; any case matches).
PAGE_SUFFIXES = (".html", ".htm", ".html.gz")
# Largest page a gzip file may unpack to: twice the extractor's own cap on its input (32 Mi characters,
# `extract.guard.MAX_HTML_CHARS`), so that a big page is refused by the extractor with its reason, while
# a gzip bomb stops here after 64 MiB instead of filling the memory.
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024


def page_files(names: Iterable[str]) -> Iterator[str]:
    """`names` in order, each folder among them replaced by the saved pages under it (recursively, in
    sorted order); '-' and names that are not folders are passed on as they are."""
    for name in names:
        if name != "-" and Path(name).is_dir():
            found = (path for path in Path(name).rglob("*") if path.name.lower().endswith(PAGE_SUFFIXES))
            yield from sorted(str(path) for path in found if path.is_file())
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
