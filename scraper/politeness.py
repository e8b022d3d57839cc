"""Politeness as pure decisions: robots.txt rules, per-host pacing, retry and backoff.

Nothing here does I/O or sleeps. Time comes in as arguments (or from an injected clock), so every
decision can be tested without waiting. ``scraper.fetch`` does the fetching and the waiting.

- `RobotsRules` — parsed robots.txt (protego): `allows(url)`, `crawl_delay`; RFC 9309 outcomes
  (`RobotsRules.allow_all()` for a 4xx answer, `RobotsRules.unavailable()` for 5xx / no answer).
- `HostSchedule` — per-host minimum gap between request starts and per-host concurrency bookkeeping;
  idle hosts forgotten (`forget_idle`), so its memory follows the hosts in use, not all hosts ever met.
- `RetryPolicy` — retry, give up or defer, from the attempt number, the HTTP status or error kind, and
  Retry-After (seconds or HTTP-date); exponential backoff with jitter, capped.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from protego import Protego

from .models import ErrorKind

__all__ = [
    "RETRYABLE_ERROR_KINDS",
    "RETRYABLE_STATUSES",
    "HostSchedule",
    "RetryAction",
    "RetryDecision",
    "RetryPolicy",
    "RobotsRules",
    "parse_retry_after",
    "robots_product_token",
]

# RFC 9110: these statuses say "try again later"; 404/410 and other 4xx say "don't bother".
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Failures that a second attempt may well not meet; size, address and URL problems stay the same.
RETRYABLE_ERROR_KINDS = frozenset(
    {ErrorKind.TIMEOUT, ErrorKind.CONNECT, ErrorKind.PROTOCOL, ErrorKind.TRUNCATED}
)


def robots_product_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against: ``scraper`` in ``scraper/0.1 (+url)``."""
    token = user_agent.split("/", 1)[0].split(" ", 1)[0].strip()
    return token or "*"


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """What one origin's robots.txt allows. ``available`` is False when it could not be had (5xx, no answer):
    RFC 9309 says to assume complete disallow then, so the host is skipped this run."""

    parser: Protego | None = None
    product_token: str = "*"
    available: bool = True

    @classmethod
    def parse(cls, text: str, user_agent: str) -> RobotsRules:
        return cls(Protego.parse(text), robots_product_token(user_agent))

    @classmethod
    def allow_all(cls) -> RobotsRules:
        """A 4xx answer (or no robots.txt at all): everything is allowed."""
        return cls()

    @classmethod
    def unavailable(cls) -> RobotsRules:
        return cls(available=False)

    def allows(self, url: str) -> bool:
        if not self.available:
            return False
        if self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, self.product_token))

    def crawl_delay(self, cap: float) -> float | None:
        """Crawl-delay for our product token, at most `cap` seconds (a site asking for an hour between
        requests would otherwise stall a run)."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(self.product_token)
        if delay is None:
            return None
        return min(max(float(delay), 0.0), cap)


@dataclass(slots=True)
class _HostState:
    next_start: float = 0.0
    in_flight: int = 0
    delay: float | None = None  # None: the schedule's default delay


@dataclass(slots=True)
class HostSchedule:
    """Per-host pacing: request starts at least `delay` seconds apart, at most `per_host` in flight.

    The caller asks `wait_before_start(host, now)`; when it is 0 and a slot is free it calls `started`,
    and `finished` when the request is over. Time is whatever monotonic clock the caller uses.
    """

    delay: float
    per_host: int
    _hosts: dict[str, _HostState] = field(default_factory=dict)

    def _state(self, host: str) -> _HostState:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _HostState()
        return state

    def set_delay(self, host: str, delay: float) -> None:
        """A host-specific delay (robots.txt Crawl-delay); never below the configured one. It applies from
        the last start already recorded (usually the robots.txt request itself)."""
        state = self._state(host)
        old = self.delay_for(host)
        state.delay = max(self.delay, delay)
        if state.next_start:
            state.next_start += state.delay - old

    def delay_for(self, host: str) -> float:
        state = self._hosts.get(host)
        if state is None or state.delay is None:
            return self.delay
        return state.delay

    def has_free_slot(self, host: str) -> bool:
        return self._state(host).in_flight < self.per_host

    def in_flight(self, host: str) -> int:
        state = self._hosts.get(host)
        return 0 if state is None else state.in_flight

    def wait_before_start(self, host: str, now: float) -> float:
        """Seconds until a request to `host` may start (0 when it may start now)."""
        return max(0.0, self._state(host).next_start - now)

    def started(self, host: str, now: float) -> None:
        state = self._state(host)
        state.in_flight += 1
        state.next_start = max(now, state.next_start) + self.delay_for(host)

    def finished(self, host: str) -> None:
        state = self._state(host)
        state.in_flight = max(0, state.in_flight - 1)

    @property
    def known_hosts(self) -> int:
        return len(self._hosts)

    def forget_idle(self, now: float, busy: Container[str] = ()) -> None:
        """Forget the hosts not in `busy` with nothing in flight and their next start due: nothing is lost,
        such a host waits for nothing. Its Crawl-delay goes too: whoever set it sets it again before the
        host's next request (the Fetcher does, from its robots.txt rules)."""
        idle = [
            host
            for host, state in self._hosts.items()
            if not state.in_flight and state.next_start <= now and host not in busy
        ]
        for host in idle:
            del self._hosts[host]


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (delay-seconds or HTTP-date); None when absent or invalid."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class RetryAction(enum.Enum):
    RETRY = "retry"  # wait `wait` seconds, then try again
    GIVE_UP = "give_up"  # the outcome stands (a failure, or a success)
    DEFER = "defer"  # the server asked for more than we wait inline: try again at `retry_at`


@dataclass(frozen=True, slots=True)
class RetryDecision:
    action: RetryAction
    wait: float = 0.0
    retry_at: datetime | None = None


@dataclass(slots=True)
class RetryPolicy:
    """Retry decisions: `attempts` in all, backoff doubling from `backoff` with "equal jitter" (half fixed,
    half random, so that many clients failing together do not come back together), capped at `max_wait`;
    a Retry-After up to `max_wait` is honoured inline, a longer one defers the URL."""

    attempts: int
    backoff: float
    max_wait: float
    rng: Callable[[], float] = field(default_factory=lambda: random.Random().random)

    def backoff_for(self, attempt: int) -> float:
        """Wait after failed attempt number `attempt` (1-based)."""
        base = min(self.backoff * 2.0 ** (attempt - 1), self.max_wait)
        jitter: float = self.rng()
        return base / 2 + jitter * base / 2

    def decide(
        self,
        attempt: int,
        now: datetime,
        *,
        http_status: int | None = None,
        error_kind: ErrorKind | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RetryDecision:
        """What to do after attempt number `attempt` (1-based) ended with `http_status` or `error_kind`."""
        retryable = (http_status in RETRYABLE_STATUSES) or (error_kind in RETRYABLE_ERROR_KINDS)
        if not retryable:
            return RetryDecision(RetryAction.GIVE_UP)
        retry_after = parse_retry_after((headers or {}).get("retry-after"), now)
        if retry_after is not None and retry_after > self.max_wait:
            return RetryDecision(RetryAction.DEFER, retry_after, now + timedelta(seconds=retry_after))
        if attempt >= self.attempts:
            return RetryDecision(RetryAction.GIVE_UP)
        wait = retry_after if retry_after is not None else self.backoff_for(attempt)
        return RetryDecision(RetryAction.RETRY, wait)
