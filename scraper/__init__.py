"""scraper: a boilerplate-stripping web scraper.

The public API is what ``__all__`` lists; every other name, and every module path, is private and may
change. The pieces, in the order a page flows through them::

    Fetcher (fetch)          URL -> FetchResult: polite, bounded, never raises for one URL's problem
    extract                  HTML -> Document: the article body as clean text, plus its metadata
    Store (open_store)       Documents, URL states and raw HTML, in SQLite or PostgreSQL
    run / get_urls / ...     the jobs the command line runs, callable from Python too

Every error raised on purpose is a ``ScraperError``; see ``scraper.errors`` for the tree.
"""

from __future__ import annotations

from ._version import __version__
from .config import FetchSettings, RunSettings, Settings, SettingsOverrides, Sources, load_settings
from .errors import (
    ConfigError,
    DiscoveryError,
    ExtractionError,
    FetchError,
    LockedError,
    SchemaError,
    ScraperError,
    StaleClaimError,
    StorageError,
)
from .extract import extract
from .fetch import Fetcher
from .models import (
    Document,
    ErrorInfo,
    ErrorKind,
    FailedUrl,
    FetchResult,
    FetchStatus,
    Outcome,
    OutcomeKind,
    PageType,
    RunReport,
    SkipReason,
    SourceFailure,
    SourceKind,
    StoredDocument,
    StoreStatus,
    UrlState,
    Validators,
)
from .pipeline import GetRow, ReextractReport, get_urls, reextract, run
from .render import export
from .storage import Store, migrate_database, open_store

__all__ = [
    "ConfigError",
    "DiscoveryError",
    "Document",
    "ErrorInfo",
    "ErrorKind",
    "ExtractionError",
    "FailedUrl",
    "FetchError",
    "FetchResult",
    "FetchSettings",
    "FetchStatus",
    "Fetcher",
    "GetRow",
    "LockedError",
    "Outcome",
    "OutcomeKind",
    "PageType",
    "ReextractReport",
    "RunReport",
    "RunSettings",
    "SchemaError",
    "ScraperError",
    "Settings",
    "SettingsOverrides",
    "SkipReason",
    "SourceFailure",
    "SourceKind",
    "Sources",
    "StaleClaimError",
    "StorageError",
    "Store",
    "StoreStatus",
    "StoredDocument",
    "UrlState",
    "Validators",
    "__version__",
    "export",
    "extract",
    "get_urls",
    "load_settings",
    "migrate_database",
    "open_store",
    "reextract",
    "run",
]
