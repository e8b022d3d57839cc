"""Frozen dataclasses passed between modules: never dicts, tuples or argparse namespaces.

The data flow (see DESIGN.md)::

    URL ──fetch.py──▶ FetchResult ──extract/──▶ Document ──storage/──▶ Outcome ──pipeline──▶ RunReport
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "Claim",
    "Document",
    "ErrorInfo",
    "FetchResult",
    "FetchStatus",
    "Outcome",
    "OutcomeKind",
    "RawPage",
    "RunReport",
    "StoreStatus",
    "StoredDocument",
    "Validators",
]


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
    SKIPPED = "skipped"  # by policy: robots, not_html, host_unavailable ...; not a failure
    FAILED = "failed"
    DEFERRED = "deferred"  # Retry-After beyond the cap: try again at `retry_at`, not a failure


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """A failure, as `kind` (stable, machine-readable) and `message` (for people).

    Kinds: timeout, connect, too_large, blocked_address, invalid_url, http_status, truncated,
    too_many_redirects, decoding, protocol, extraction, storage.
    """

    kind: str
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
    skip_reason: str | None = None
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
        }


class OutcomeKind(enum.Enum):
    """What one URL came to in a run."""

    STORED = "stored"  # a new document or a new version
    UNCHANGED = "unchanged"  # 304, or the same text as the latest version
    SKIPPED = "skipped"  # by policy (robots, not_html, duplicate canonical ...)
    DEFERRED = "deferred"  # to be retried later (Retry-After, host unavailable); not a failure
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    url: str
    kind: OutcomeKind
    reason: str | None = None  # skip reason or error kind
    message: str | None = None


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


@dataclass(frozen=True, slots=True)
class RawPage:
    """Stored raw HTML of a URL's latest fetch, for `scraper reextract`."""

    url_id: int
    url: str
    final_url: str | None
    html: bytes
    encoding: str | None = None  # the charset the fetcher decoded `html` with (header or sniffed)


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """Counts for `scraper status`."""

    by_state: Mapping[str, int]
    failures_by_reason: Mapping[str, int]
    documents: int
    versions: int
    last_runs: tuple[RunReport, ...] = ()


@dataclass(frozen=True, slots=True)
class RunReport:
    """Every Outcome of a run, folded. Decides the exit status and the one-line cron summary."""

    stored: int = 0
    unchanged: int = 0
    skipped: Mapping[str, int] = field(default_factory=dict)
    deferred: int = 0
    failed: Mapping[str, int] = field(default_factory=dict)
    discovered: int = 0
    elapsed: float = 0.0
    started_at: datetime | None = None

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def exit_status(self) -> int:
        """0 when nothing failed, 1 when some URL failed (DESIGN.md)."""
        return 1 if self.failed_total else 0

    def summary_line(self) -> str:
        def reasons(counts: Mapping[str, int]) -> str:
            if not counts:
                return ""
            inner = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
            return f" ({inner})"

        return (
            f"scraper run: {self.stored} stored, {self.unchanged} unchanged, "
            f"{self.skipped_total} skipped{reasons(self.skipped)}, {self.deferred} deferred, "
            f"{self.failed_total} failed{reasons(self.failed)}, "
            f"{self.discovered} discovered in {self.elapsed:.1f}s"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "unchanged": self.unchanged,
            "skipped": dict(self.skipped),
            "deferred": self.deferred,
            "failed": dict(self.failed),
            "discovered": self.discovered,
            "elapsed": round(self.elapsed, 3),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "exit_status": self.exit_status,
        }
