"""Frozen dataclasses passed between modules: never dicts, tuples or argparse namespaces.

The data flow (see DESIGN.md)::

    URL ──fetch.py──▶ FetchResult ──extract/──▶ Document ──storage/──▶ Outcome ──pipeline──▶ RunReport
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

__all__ = [
    "Claim",
    "Document",
    "ErrorInfo",
    "ErrorKind",
    "FailedUrl",
    "FetchResult",
    "FetchStatus",
    "Outcome",
    "OutcomeKind",
    "RawPage",
    "RunReport",
    "SkipReason",
    "SourceFailure",
    "SourceKind",
    "StoreStatus",
    "StoredDocument",
    "UrlState",
    "Validators",
]


class _Vocabulary(enum.StrEnum):
    """A closed set of names that JSON output and the database carry as their plain text: a member *is*
    its value as a string, so writing one needs no conversion."""

    @classmethod
    def parse(cls, text: str) -> Self | str:
        """The member named `text`, or `text` itself when this release does not know it: values read back
        from a database that an older or newer release wrote are shown as they are, never refused."""
        try:
            return cls(text)
        except ValueError:
            return text


@enum.unique
class PageType(_Vocabulary):
    """What kind of page a Document came from: `Document.page_type`. Only an article is stored as one by
    `scraper run`; the other kinds are what a crawl from section pages also meets. UNKNOWN where the
    evidence is weak."""

    ARTICLE = "article"
    LISTING = "listing"  # a section front, tag, author or search page: teasers of other pages
    COLLECTION = "collection"  # a gallery, a list of videos, podcasts or recipes
    FORUM = "forum"  # a thread of posts by many people
    PRODUCT = "product"  # a shop's product page
    DOCUMENTATION = "documentation"  # reference and manual pages
    SERVICE = "service"  # a login, contact, search, legal or error page
    UNKNOWN = "unknown"


# The page types that count as articles: what `scraper run` stores (unless run.keep_all_pages) and what
# `export` lists by default. "unknown" is one, since a real article must never be dropped on weak evidence
# (and every document stored before page types were recorded is "unknown").
ARTICLE_PAGE_TYPES = frozenset({PageType.ARTICLE, PageType.UNKNOWN})


@enum.unique
class ErrorKind(_Vocabulary):
    """Why a URL failed: `ErrorInfo.kind`, JSON `error.kind`, the failure reasons of a run and of
    `scraper status`. README.md lists them for users (a test keeps the two equal)."""

    # The fetcher's: no usable response.
    TIMEOUT = "timeout"
    CONNECT = "connect"
    TOO_LARGE = "too_large"
    BLOCKED_ADDRESS = "blocked_address"
    INVALID_URL = "invalid_url"
    HTTP_STATUS = "http_status"
    TRUNCATED = "truncated"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    DECODING = "decoding"
    PROTOCOL = "protocol"
    # robots.txt answered 5xx or not at all (RFC 9309: the host waits); its URLs fail for this run only
    ROBOTS_UNAVAILABLE = "robots_unavailable"
    # The extractor's: a page came, no document did.
    EXTRACTION = "extraction"
    EXTRACTION_TIMEOUT = "extraction_timeout"
    EXTRACTION_MEMORY = "extraction_memory"
    # The pipeline's and the store's.
    INTERNAL = "internal"  # the fetcher raised instead of returning a result: a bug (traceback logged)
    DEFERRED = "deferred"  # the server asked to come back later (`scraper get` cannot wait)
    DISCOVERY = "discovery"  # a feed, sitemap or section page could not be parsed, or yielded no URL
    LEASE_EXPIRED = "lease_expired"  # the worker holding the URL died or stalled for a whole lease
    UNKNOWN = "unknown"  # a failure that came without a kind (a custom fetcher's)


@enum.unique
class SkipReason(_Vocabulary):
    """Why a URL was skipped by policy (not a failure): `FetchResult.skip_reason`, JSON `skipped`, the
    skip reasons of a run."""

    ROBOTS = "robots"  # robots.txt disallows the URL
    NOT_HTML = "not_html"
    NOT_XML = "not_xml"
    DUPLICATE = "duplicate"  # the same article is stored under another URL
    NOT_ARTICLE = "not_article"  # `scraper run`: the page is of another kind (PageType), not stored
    UNSPECIFIED = "skipped"  # a skip that came without a reason (a custom fetcher's)


@enum.unique
class UrlState(_Vocabulary):
    """Where a URL stands in the frontier (see `scraper.storage.base`). The order is the schema's: the
    CHECK constraint of `urls.state` is written from it."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Validators:
    """HTTP cache validators of a response, sent back for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


class FetchStatus(enum.Enum):
    """What became of one fetch."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    SKIPPED = "skipped"  # by policy (`skip_reason`); not a failure
    FAILED = "failed"
    DEFERRED = "deferred"  # Retry-After beyond the cap: try again at `retry_at`, not a failure


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """A failure, as `kind` (stable, machine-readable: see `ErrorKind`) and `message` (for people)."""

    kind: ErrorKind
    message: str


@dataclass(frozen=True, slots=True)
class FetchResult:
    """Everything the fetcher learned about one URL. A per-URL problem is a result, never a raise."""

    url: str
    status: FetchStatus
    final_url: str | None = None
    http_status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""
    text: str | None = None
    encoding: str | None = None
    validators: Validators = field(default_factory=Validators)
    attempts: int = 0
    elapsed: float = 0.0
    error: ErrorInfo | None = None
    skip_reason: SkipReason | None = None
    retry_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status is FetchStatus.OK


@dataclass(frozen=True, slots=True)
class Document:
    """The article of one page: clean body text and its metadata.

    Field names follow trafilatura's where they exist, so JSON output is familiar.
    """

    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    author: str | None = None
    date: str | None = None  # publication date, ISO 8601
    sitename: str | None = None
    hostname: str | None = None
    language: str | None = None
    description: str | None = None
    text: str = ""
    # What kind of page this is (see PageType); a plain string when read back from a newer release.
    page_type: str = PageType.UNKNOWN
    # The body with its structure as Markdown (headings, lists, quotes, tables); "" when not rendered.
    markdown: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "canonical_url": self.canonical_url,
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "sitename": self.sitename,
            "hostname": self.hostname,
            "language": self.language,
            "description": self.description,
            "text": self.text,
            "page_type": self.page_type,
        }


class OutcomeKind(enum.Enum):
    """What one URL came to in a run."""

    STORED = "stored"  # a new document or a new version
    UNCHANGED = "unchanged"  # 304, or the same text as the latest version
    SKIPPED = "skipped"  # by policy (robots, not_html, duplicate canonical ...)
    DEFERRED = "deferred"  # the server asked (Retry-After) to come back after this run; not a failure
    FAILED = "failed"  # not finished in this run; due again at its retry time (see `storage._rules`)


@dataclass(frozen=True, slots=True)
class Outcome:
    url: str
    kind: OutcomeKind
    reason: ErrorKind | SkipReason | None = None  # skip reason or error kind; a deferral has either
    message: str | None = None


@enum.unique
class SourceKind(_Vocabulary):
    """A source a run fetches and parses for article URLs (URL flags and files are read, not fetched)."""

    FEED = "feed"
    SITEMAP = "sitemap"
    PAGE = "page"


@dataclass(frozen=True, slots=True)
class SourceFailure:
    """A source that gave no URL to the run: it could not be fetched or parsed, was not of its kind (a
    "feed" that is a web page), or held no URL at all. `reason` is an error kind or skip reason."""

    source: str  # the URL, as configured (or the child sitemap's, for a sitemap index)
    kind: SourceKind | str
    reason: ErrorKind | SkipReason | str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "kind": self.kind, "reason": self.reason, "message": self.message}


@dataclass(frozen=True, slots=True)
class Claim:
    """A URL handed to one worker until `lease_expires` (the first lease: the worker renews it in the store
    while it works on the URL). `token` fences late writes."""

    url_id: int
    url: str
    host: str
    token: int
    attempts: int
    validators: Validators
    lease_expires: datetime


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document version as kept in the store."""

    url_id: int
    url: str
    version: int
    fetched_at: datetime
    document: Document
    # The URL of the document this one copies (exact or near), when it is a duplicate; see issue 13.
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class RawPage:
    """Stored raw HTML of a URL's latest fetch, for `scraper reextract`."""

    url_id: int
    url: str
    final_url: str | None
    html: bytes
    encoding: str | None = None  # the charset the fetcher decoded `html` with (header or sniffed)


@dataclass(frozen=True, slots=True)
class FailedUrl:
    """One URL in the `failed` state, for `scraper status --failed`."""

    url: str
    reason: ErrorKind | str  # its text when this release does not know it
    message: str | None
    attempts: int  # failed runs in a row
    failed_at: datetime | None  # when the last attempt ended
    next_attempt_at: datetime | None  # None: retries used up, never due again

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "reason": self.reason,
            "message": self.message,
            "attempts": self.attempts,
            "failed_at": self.failed_at.isoformat() if self.failed_at else None,
            "next_attempt": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
        }


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """Counts for `scraper status`. Keys read back from the database are enum members, or their text when
    this release does not know them (`_Vocabulary.parse`)."""

    by_state: Mapping[UrlState | str, int]
    failures_by_reason: Mapping[ErrorKind | str, int]
    documents: int
    versions: int
    last_runs: tuple[RunReport, ...] = ()
    duplicates: int = 0  # documents whose latest version copies another URL's (counted in `documents`)
    non_articles: int = 0  # documents whose latest version is of a page type other than article or unknown


@dataclass(frozen=True, slots=True)
class RunReport:
    """Every Outcome of a run, folded. Decides the exit status and the one-line cron summary.

    `skipped` and `failed` count URLs by reason; `failed_sources` are the feeds, sitemaps and section
    pages that gave no URL. A report read back from the database keeps a reason this release does not
    know as its text.
    """

    stored: int = 0
    unchanged: int = 0
    skipped: Mapping[SkipReason | str, int] = field(default_factory=dict)
    deferred: int = 0
    failed: Mapping[ErrorKind | str, int] = field(default_factory=dict)
    discovered: int = 0
    elapsed: float = 0.0
    started_at: datetime | None = None
    failed_sources: tuple[SourceFailure, ...] = ()
    # The discovery caps a source ran into (`sources.max_urls`, `sources.max_sitemaps`): how many sources.
    limits_reached: Mapping[str, int] = field(default_factory=dict)

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def exit_status(self) -> int:
        """0 when every URL was stored, unchanged, skipped by policy or deferred by its server; 1 when
        some URL or source failed (README.md, "What counts as a failure")."""
        return 1 if self.failed_total or self.failed_sources else 0

    def summary_line(self) -> str:
        def reasons(counts: Mapping[str, int]) -> str:
            if not counts:
                return ""
            inner = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
            return f" ({inner})"

        sources = len(self.failed_sources)
        return (
            f"scraper run: {self.stored} stored, {self.unchanged} unchanged, "
            f"{self.skipped_total} skipped{reasons(self.skipped)}, {self.deferred} deferred, "
            f"{self.failed_total} failed{reasons(self.failed)}, "
            f"{sources} failed source{'' if sources == 1 else 's'}"
            f"{reasons(Counter(str(f.reason) for f in self.failed_sources))}, "
            f"{self.discovered} discovered{self._limits_note()} in {self.elapsed:.1f}s"
        )

    def _limits_note(self) -> str:
        if not self.limits_reached:
            return ""
        named = ", ".join(f"{name} {n}" for name, n in sorted(self.limits_reached.items()))
        return f" (limits reached: {named})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "unchanged": self.unchanged,
            "skipped": dict(self.skipped),
            "deferred": self.deferred,
            "failed": dict(self.failed),
            "discovered": self.discovered,
            "limits_reached": dict(self.limits_reached),
            "elapsed": round(self.elapsed, 3),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "failed_sources": [failure.to_dict() for failure in self.failed_sources],
            "exit_status": self.exit_status,
        }
