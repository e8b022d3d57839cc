"""One exception tree for the whole package.

Lower-level errors (httpx, sqlite3, psycopg, selectolax, tomllib) are translated at the module
boundary with ``raise ... from exc``, so callers only ever catch these::

    ScraperError
    ├── ConfigError            bad setting, flag, file or key; names what was wrong
    ├── FetchError             the fetcher could not be set up (per-URL problems are results, not raises)
    ├── ExtractionError        the extractor refused an input (too large, too deep) or failed on it
    │   ├── ExtractionTimeoutError   a page ran past the per-page time limit; its worker was killed
    │   └── ExtractionMemoryError    a page needed more than the per-worker memory limit; killed too
    ├── DiscoveryError         a feed or sitemap could not be parsed
    ├── LockedError            another `scraper run` holds the run lock (a file lock, not the database)
    └── StorageError           the database refused or failed
        ├── SchemaError        the database's schema is one this version does not know; run `db migrate`
        └── StaleClaimError    a worker's lease expired and another claim now owns the URL (fencing)
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DiscoveryError",
    "ExtractionError",
    "ExtractionMemoryError",
    "ExtractionTimeoutError",
    "FetchError",
    "LockedError",
    "SchemaError",
    "ScraperError",
    "StaleClaimError",
    "StorageError",
]


class ScraperError(Exception):
    """Base of every error scraper raises on purpose."""


class ConfigError(ScraperError):
    """A setting, flag, config file or key is invalid. The message names it."""


class FetchError(ScraperError):
    """The fetcher could not be set up. Per-URL failures are FetchResults, never raised."""


class ExtractionError(ScraperError):
    """The extractor refused an input (too large, too deeply nested) or failed on it.

    ``kind`` is the reason a run records for the page (its ErrorInfo kind, its outcome's reason).
    """

    kind = "extraction"


class ExtractionTimeoutError(ExtractionError):
    """Parsing one input ran past the pool's time limit (`run.parse_timeout`); its worker was killed."""

    kind = "extraction_timeout"


class ExtractionMemoryError(ExtractionError):
    """Parsing one input needed more than the pool's memory limit (`run.parse_memory`); its worker was
    killed."""

    kind = "extraction_memory"


class DiscoveryError(ScraperError):
    """A feed, sitemap or section page could not be turned into article URLs."""


class LockedError(ScraperError):
    """Another run holds the run lock, a file beside the SQLite database (`scraper._lock`), so the database
    itself was never touched. ``holder`` describes the holder (pid, host, start time)."""

    def __init__(self, message: str, holder: str = "") -> None:
        super().__init__(message)
        self.holder = holder


class StorageError(ScraperError):
    """The store (SQLite or PostgreSQL) refused or failed an operation."""


class SchemaError(StorageError):
    """The database has a schema this release does not know: another version, or not scraper's at all."""


class StaleClaimError(StorageError):
    """A late result was refused because the URL was claimed again since (fencing token)."""
