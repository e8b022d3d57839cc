"""The state one run shares between its discovery, its claim loop and its fetch tasks, and the tally of
its outcomes."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..config import Settings
from ..models import (
    Claim,
    ErrorKind,
    Outcome,
    OutcomeKind,
    RunReport,
    SkipReason,
    SourceFailure,
    SourceKind,
)
from ..storage.base import Store
from ..urls import redact_url
from ._pieces import PageFetcher, ProgressSink, log
from ._pool import ExtractionPool
from ._stop import RunStop

__all__ = ["RunState", "Tally"]


@dataclass
class Tally:
    """Outcomes folded as they come; frozen into a RunReport at the end."""

    stored: int = 0
    unchanged: int = 0
    deferred: int = 0
    skipped: Counter[SkipReason | str] = field(default_factory=Counter)
    failed: Counter[ErrorKind | str] = field(default_factory=Counter)
    discovered: int = 0
    failed_sources: list[SourceFailure] = field(default_factory=list)
    limits_reached: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        match outcome.kind:
            case OutcomeKind.STORED:
                self.stored += 1
            case OutcomeKind.UNCHANGED:
                self.unchanged += 1
            case OutcomeKind.DEFERRED:
                self.deferred += 1
            case OutcomeKind.SKIPPED:
                self.skipped[outcome.reason or SkipReason.UNSPECIFIED] += 1
            case OutcomeKind.FAILED:
                self.failed[outcome.reason or ErrorKind.UNKNOWN] += 1

    def report(self, *, elapsed: float, started_at: datetime) -> RunReport:
        return RunReport(
            stored=self.stored,
            unchanged=self.unchanged,
            skipped=dict(self.skipped),
            deferred=self.deferred,
            failed=dict(self.failed),
            discovered=self.discovered,
            limits_reached=dict(self.limits_reached),
            elapsed=elapsed,
            started_at=started_at,
            failed_sources=tuple(self.failed_sources),
        )


@dataclass
class RunState:
    """The state one run shares between its claim loop and its fetch tasks."""

    settings: Settings
    store: Store
    fetcher: PageFetcher
    pool: ExtractionPool
    sink: ProgressSink
    worker: str
    clock: Callable[[], datetime]
    claim_delay: float  # the host delay each claim reserves; 0 when the fetcher keeps it per request
    per_host_claims: int | None  # URLs of one host claimed at once over all workers; None: no cap
    tally: Tally = field(default_factory=Tally)
    # Bounded by the claim loop, which claims only while `in_flight` is under its capacity: a put never
    # waits, so the loop can also watch for the end of the run and for a fatal error.
    queue: asyncio.Queue[Claim | None] = field(default_factory=asyncio.Queue)
    # Claimed and not yet saved or given up (queued, fetching, extracting, saving): their leases are renewed.
    held: set[Claim] = field(default_factory=set)
    handled: set[int] = field(default_factory=set)  # url ids claimed in this run: a few MB per 100,000
    progressed: asyncio.Event = field(default_factory=asyncio.Event)
    fatal: BaseException | None = None
    stopping: RunStop = field(default_factory=RunStop)  # a signal or run.max_time: end early, cleanly

    @property
    def in_flight(self) -> int:
        return len(self.held)

    def stop(self, exc: Exception, context: str = "") -> None:
        """The database failing (disk full, connection lost) or a bug: no more claims, the URLs in flight
        finish, then the run raises `exc`."""
        log.error("the run stops: %s%s", context, exc)
        self.fatal = exc
        self.progressed.set()

    def source_failed(
        self, kind: SourceKind, source: str, reason: ErrorKind | SkipReason, message: str
    ) -> None:
        """A feed, sitemap or section page gave no URL: named in a warning, counted in the report."""
        log.warning("%s %s failed (%s): %s", kind, source, reason, message)
        self.tally.failed_sources.append(SourceFailure(source, kind, reason, message))

    def limit_reached(self, setting: str, source: str) -> None:
        """A source ran into a discovery cap: what it lists beyond it is left out; the summary says so."""
        log.warning("%s: %s reached; the rest of what it lists is left out this run", source, setting)
        self.tally.limits_reached[setting] += 1

    def record(self, outcome: Outcome) -> None:
        if outcome.kind is OutcomeKind.FAILED:  # at info: cron's mail names every URL that failed
            log.info("%s failed: %s (%s)", redact_url(outcome.url), outcome.reason, outcome.message)
        self.tally.add(outcome)
        self.sink.outcome(outcome)
