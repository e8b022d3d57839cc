"""What `save` and `release_expired` do to a URL row: pure decisions, shared by both backends.

Keeping the state machine here, away from SQL, is what gives SQLite and PostgreSQL the same semantics;
each backend only carries out a `Decision` inside its own transaction.
"""

from __future__ import annotations

import dataclasses
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..config import RunSettings
from ..models import (
    Claim,
    Document,
    ErrorKind,
    FetchResult,
    FetchStatus,
    Outcome,
    OutcomeKind,
    RunReport,
    SkipReason,
    SourceFailure,
    SourceKind,
    UrlState,
    Validators,
)
from . import _minhash
from ._clean import clean_document, clean_optional, clean_text, clean_utf8, text_hash, utf8_hash
from ._minhash import Fingerprint

__all__ = [
    "COMPRESSION_LEVEL",
    "DOCUMENT_COLUMNS",
    "EPOCH",
    "HOST_WAIT_FAILURES",
    "MIN_TURN_WAIT",
    "NO_PER_HOST_CAP",
    "Decision",
    "PageBlob",
    "PendingDocument",
    "UrlUpdate",
    "decide",
    "document_fingerprint",
    "failure_retry_at",
    "fingerprint_of",
    "per_host_cap",
    "report_from_json",
    "report_to_json",
    "require_aware",
    "run_finished_at",
    "turn_wait",
]

# A host never reserved yet is allowed from the beginning of time. A fixed instant rather than the
# enqueue time: workers on machines whose clocks differ slightly must not wait for each other.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# zlib level for raw HTML: 6 is zlib's default, most of the gain of 9 at a fraction of the time.
COMPRESSION_LEVEL = 6
# The Document fields kept as columns of `documents`, in this order in both backends. Listed, not
# derived from the dataclass: a field added to Document needs a migration before it can be stored.
DOCUMENT_COLUMNS = (
    "url",
    "canonical_url",
    "title",
    "author",
    "date",
    "sitename",
    "hostname",
    "language",
    "description",
    "text",
    "page_type",
    "markdown",
)
NO_PER_HOST_CAP = 2**31 - 1  # fits a PostgreSQL integer and a SQLite one
# A waiter that finds a host's turn ending right now asks again after this, not at once.
MIN_TURN_WAIT = 0.001
# Failures that say nothing about the URL itself: robots.txt answered 5xx or not at all, so RFC 9309 has
# the whole host wait. Such a URL fails in this run's report, spends none of its `max_attempts` (a host
# down for a week must not use up its URLs) and is due again after `retry_after`.
HOST_WAIT_FAILURES = frozenset({ErrorKind.ROBOTS_UNAVAILABLE})


@dataclass(frozen=True, slots=True)
class PageBlob:
    """A fetched page as the `pages` table keeps it: compressed bytes and the charset to read them."""

    compressed: bytes
    encoding: str | None
    final_url: str | None

    @classmethod
    def of(cls, fetch: FetchResult) -> PageBlob:
        final_url = clean_optional(fetch.final_url)
        if fetch.content:
            encoding = clean_optional(fetch.encoding)
            return cls(zlib.compress(fetch.content, COMPRESSION_LEVEL), encoding, final_url)
        # Only decoded text came back: keep it as UTF-8 and say so.
        text = clean_text(fetch.text or "").encode("utf-8")
        return cls(zlib.compress(text, COMPRESSION_LEVEL), "utf-8", final_url)


@dataclass(frozen=True, slots=True)
class UrlUpdate:
    """The new values of a URL row's frontier columns after a save."""

    state: UrlState
    reason: ErrorKind | SkipReason | None
    message: str | None
    attempts: int
    next_attempt_at: datetime | None  # None: never due again (failed for good)
    last_status: int | None
    validators: Validators | None  # None: keep the stored validators
    canonical_url: str | None = None


@dataclass(frozen=True, slots=True)
class PendingDocument:
    """A cleaned document the backend still has to compare with the latest version."""

    document: Document
    text_hash: str
    dedup_key: str  # canonical URL, or the URL itself: the same key means the same article
    # The keys that find its copies (computed before the transaction); None: not looked up (reextract)
    fingerprint: Fingerprint | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    update: UrlUpdate
    outcome: Outcome
    pending: PendingDocument | None = None  # set for an OK fetch with a document

    def unchanged(self) -> Decision:
        """The text equals the latest version: nothing new stored."""
        return dataclasses.replace(
            self, outcome=dataclasses.replace(self.outcome, kind=OutcomeKind.UNCHANGED), pending=None
        )

    def duplicate(self) -> Decision:
        """The article is already stored under another URL: keep it once, skip this one (its canonical
        URL is another's, or its text copies another URL's document: then kept as a duplicate row).

        The validators are not kept, so the next check fetches the page whole and judges it again.
        """
        update = dataclasses.replace(
            self.update, state=UrlState.SKIPPED, reason=SkipReason.DUPLICATE, validators=None
        )
        outcome = dataclasses.replace(self.outcome, kind=OutcomeKind.SKIPPED, reason=SkipReason.DUPLICATE)
        return Decision(update=update, outcome=outcome, pending=None)


def require_aware(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is a programming error the store refuses to guess about."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"store times must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(UTC)


def per_host_cap(per_host: int | None) -> int:
    """`claim`'s limit of URLs claimed at once per host, as a number SQL compares with (None: none)."""
    return NO_PER_HOST_CAP if per_host is None else per_host


def turn_wait(next_allowed: datetime, now: datetime) -> float:
    """Seconds until a host's turn may be taken; never 0, which `take_host_turn` keeps for "taken"."""
    return max((next_allowed - now).total_seconds(), MIN_TURN_WAIT)


def fingerprint_of(
    fetch: FetchResult, document: Document | None, policy: RunSettings, given: Fingerprint | None = None
) -> Fingerprint | None:
    """The keys that find the copies of the document a save would store: `given` (made with the
    Document, in the extraction worker), else made now, before the transaction opens. None when there
    is no document to store."""
    if fetch.status is not FetchStatus.OK or document is None:
        return None
    return given or document_fingerprint(document, near=policy.dedup_near)


def document_fingerprint(document: Document, *, near: bool) -> Fingerprint:
    """The keys of `document`'s text as the store will hold it (cleaned): pure CPU, for any process."""
    text, encoded = clean_utf8(document.text)
    return _minhash.fingerprint(text, utf8_hash(encoded), near=near, encoded=encoded)


def decide(
    claim: Claim,
    fetch: FetchResult,
    document: Document | None,
    *,
    now: datetime,
    policy: RunSettings,
    fingerprint: Fingerprint | None = None,
) -> Decision:
    """The row update and Outcome for one fetched page, before the version and duplicate checks."""
    recheck_at = now + timedelta(seconds=policy.recheck_after)
    if fetch.status is FetchStatus.OK and document is not None:
        return _stored(claim, fetch, document, recheck_at, fingerprint, policy)
    if fetch.status is FetchStatus.NOT_MODIFIED:
        update = _done(fetch, recheck_at, validators=fetch.validators or None)
        return Decision(update, Outcome(claim.url, OutcomeKind.UNCHANGED))
    if fetch.status is FetchStatus.SKIPPED:
        reason = fetch.skip_reason or SkipReason.UNSPECIFIED
        update = UrlUpdate(UrlState.SKIPPED, reason, None, 0, recheck_at, fetch.http_status, None)
        return Decision(update, Outcome(claim.url, OutcomeKind.SKIPPED, reason=reason))
    if fetch.status is FetchStatus.DEFERRED:
        # Without a time from the server, wait as for a first failure: retrying at once would loop.
        retry_at = (
            require_aware(fetch.retry_at) if fetch.retry_at else now + timedelta(seconds=policy.retry_after)
        )
        update = UrlUpdate(
            UrlState.PENDING, ErrorKind.DEFERRED, None, claim.attempts, retry_at, fetch.http_status, None
        )
        return Decision(update, Outcome(claim.url, OutcomeKind.DEFERRED, reason=ErrorKind.DEFERRED))
    return _failed(claim, fetch, now=now, policy=policy)


def failure_retry_at(attempts: int, *, now: datetime, policy: RunSettings) -> datetime | None:
    """When a URL that has failed `attempts` times in a row is due again; None once they are used up."""
    if attempts >= policy.max_attempts:
        return None
    return now + timedelta(seconds=policy.retry_after * 2 ** (attempts - 1))


def _stored(
    claim: Claim,
    fetch: FetchResult,
    document: Document,
    recheck_at: datetime,
    fingerprint: Fingerprint | None,
    policy: RunSettings,
) -> Decision:
    cleaned = clean_document(document)
    canonical = cleaned.canonical_url or None
    key = canonical or clean_text(claim.url)
    hashed = text_hash(cleaned.text)
    if fingerprint is not None and fingerprint.exact != _minhash.exact_key(hashed):
        # Made from another text than the one stored (a caller's mistake): its keys would file this
        # document under another story, so its own are made.
        fingerprint = _minhash.fingerprint(cleaned.text, hashed, near=policy.dedup_near)
    pending = PendingDocument(cleaned, hashed, dedup_key=key, fingerprint=fingerprint)
    update = dataclasses.replace(
        _done(fetch, recheck_at, validators=fetch.validators), canonical_url=canonical
    )
    return Decision(update, Outcome(claim.url, OutcomeKind.STORED), pending)


def _done(fetch: FetchResult, recheck_at: datetime, *, validators: Validators | None) -> UrlUpdate:
    return UrlUpdate(UrlState.DONE, None, None, 0, recheck_at, fetch.http_status, validators)


def _failed(claim: Claim, fetch: FetchResult, *, now: datetime, policy: RunSettings) -> Decision:
    if fetch.status is FetchStatus.OK:  # fetched, but the extractor gave nothing to store
        kind, message = ErrorKind.EXTRACTION, "no document extracted"
    elif fetch.error is not None:
        kind, message = fetch.error.kind, fetch.error.message
    else:
        kind, message = ErrorKind.UNKNOWN, f"fetch ended {fetch.status.value} without an error"
    retry_at: datetime | None
    if kind in HOST_WAIT_FAILURES:
        attempts, retry_at = claim.attempts, now + timedelta(seconds=policy.retry_after)
    else:
        attempts = claim.attempts + 1
        retry_at = failure_retry_at(attempts, now=now, policy=policy)
    update = UrlUpdate(
        UrlState.FAILED, kind, clean_optional(message), attempts, retry_at, fetch.http_status, None
    )
    return Decision(update, Outcome(claim.url, OutcomeKind.FAILED, reason=kind, message=message))


def report_to_json(report: RunReport) -> str:
    return json.dumps(report.to_dict(), sort_keys=True)


def report_from_json(data: str) -> RunReport:
    """A RunReport back from `report_to_json`; fields a later release adds are ignored, and reasons it
    does not know are kept as their text."""
    fields = json.loads(data)
    started_at = fields.get("started_at")
    return RunReport(
        stored=int(fields.get("stored", 0)),
        unchanged=int(fields.get("unchanged", 0)),
        skipped={SkipReason.parse(str(k)): int(v) for k, v in fields.get("skipped", {}).items()},
        deferred=int(fields.get("deferred", 0)),
        failed={ErrorKind.parse(str(k)): int(v) for k, v in fields.get("failed", {}).items()},
        discovered=int(fields.get("discovered", 0)),
        limits_reached={str(k): int(v) for k, v in fields.get("limits_reached", {}).items()},
        elapsed=float(fields.get("elapsed", 0.0)),
        started_at=datetime.fromisoformat(started_at) if started_at else None,
        failed_sources=tuple(_source_failure(item) for item in fields.get("failed_sources", ())),
    )


def _source_failure(fields: dict[str, Any]) -> SourceFailure:
    reason = str(fields.get("reason", ""))
    kind = ErrorKind.parse(reason)
    return SourceFailure(
        source=str(fields.get("source", "")),
        kind=SourceKind.parse(str(fields.get("kind", ""))),
        reason=kind if isinstance(kind, ErrorKind) else SkipReason.parse(reason),
        message=str(fields.get("message", "")),
    )


def run_finished_at(report: RunReport) -> datetime:
    """When a run ended: its start plus its elapsed time, or now for a report without a start."""
    if report.started_at is None:
        return datetime.now(UTC)
    return require_aware(report.started_at) + timedelta(seconds=report.elapsed)
