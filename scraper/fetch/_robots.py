"""robots.txt: fetched through the same polite, guarded path as pages, its rules kept per origin in a
cache bounded in entries and in size (least recently used dropped first, fetched again when needed)."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

from ..config import FetchSettings
from ..models import ErrorKind, SkipReason
from ..politeness import HostSchedule, RobotsRules
from ..urls import host_key
from ._body import BodyRules, Exchange
from ._errors import Failure
from ._urls import CROSS_ORIGIN_DROPPED_HEADERS, REDIRECT_STATUSES, Origin, origin, redirect_target

__all__ = ["ROBOTS_CACHE_BYTES", "ROBOTS_CACHE_ENTRIES", "ROBOTS_MAX_SIZE", "RobotsCache", "robots_cost"]

logger = logging.getLogger("scraper.fetch")

# RFC 9309 §2.5: crawlers must parse at least 500 KiB of robots.txt and may ignore what lies beyond
# (Google reads 500 KiB). A longer file is cut there, at its last whole line, not refused.
ROBOTS_MAX_SIZE = 500 * 1024
# RFC 9309 §2.3.1.2: follow at least five redirects for robots.txt.
_ROBOTS_MAX_REDIRECTS = 5
# Origins whose rules are kept. A run over more origins fetches a dropped one's robots.txt again when it
# comes back (RFC 9309 §2.4 lets a crawler keep it up to 24 hours, never asks it to).
ROBOTS_CACHE_ENTRIES = 4096
# The rules kept, in estimated bytes: protego's parse takes up to ~25 bytes per byte of robots.txt
# (measured with tracemalloc: 550 KB of wildcard rules or 30,000 user-agent groups held 13-14 MB, plain
# Disallow lines 7 bytes per byte), so 64 MiB holds five of the largest files, or thousands of usual ones.
ROBOTS_CACHE_BYTES = 64 * 1024 * 1024
_PARSED_BYTES_PER_BYTE = 25
_ENTRY_BYTES = 2048  # an entry's own cost, whatever its text: the parser, the task, the key

Exchanger = Callable[[httpx.URL, Mapping[str, str], BodyRules], Awaitable[Exchange]]
"""One request with the Fetcher's retries and politeness."""


def robots_cost(text: str) -> int:
    """The estimated memory the parsed rules of `text` hold."""
    return _ENTRY_BYTES + _PARSED_BYTES_PER_BYTE * len(text)


@dataclass(frozen=True, slots=True)
class _Loaded:
    rules: RobotsRules
    cost: int = _ENTRY_BYTES
    crawl_delay: float | None = None  # capped
    why: str = ""  # for unavailable rules: what the host answered, or why it did not


@dataclass(slots=True)
class _Entry:
    task: asyncio.Task[_Loaded]
    cost: int = _ENTRY_BYTES  # until loaded


class RobotsCache:
    """The robots.txt rules of each origin, loaded on first use. A Crawl-delay goes to `schedule`, again
    before each request of the origin: the schedule forgets idle hosts."""

    def __init__(
        self,
        settings: FetchSettings,
        exchange: Exchanger,
        schedule: HostSchedule,
        headers: Mapping[str, str],
    ) -> None:
        self._settings = settings
        self._exchange = exchange
        self._schedule = schedule
        self._headers = {k: v for k, v in headers.items() if k not in CROSS_ORIGIN_DROPPED_HEADERS}
        self._entries: OrderedDict[Origin, _Entry] = OrderedDict()
        self._cost = 0

    async def skip_reason(self, target: httpx.URL) -> SkipReason | None:
        """``robots`` (disallowed), or None when the URL may be fetched. Raises the Failure of a host that
        is off limits (blocked_address), or whose robots.txt is unavailable (robots_unavailable: RFC 9309
        says to wait, so the URL is not fetched in this run; a failure, as the host did not answer)."""
        if not self._settings.respect_robots:
            return None
        key = origin(target)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(asyncio.create_task(self._load(target)))
            self._cost += entry.cost
            entry.task.add_done_callback(lambda task: self._loaded(key, entry))
            self._evict()
        else:
            self._entries.move_to_end(key)
        # shield: one caller giving up must not cancel the fetch the others wait for. A blocked host
        # raises its Failure here, for every URL of it.
        loaded = await asyncio.shield(entry.task)
        if loaded.crawl_delay is not None:  # no-op unless the schedule forgot the host meanwhile
            self._schedule.set_delay(host_key(str(target)), loaded.crawl_delay)
        if not loaded.rules.available:
            message = (
                f"robots.txt of {host_key(str(target))} unavailable ({loaded.why or 'no usable answer'})"
            )
            raise Failure(ErrorKind.ROBOTS_UNAVAILABLE, message)
        return None if loaded.rules.allows(str(target)) else SkipReason.ROBOTS

    def close(self) -> None:
        for entry in self._entries.values():
            entry.task.cancel()

    def _loaded(self, key: Origin, entry: _Entry) -> None:
        """The entry's real cost, once its rules are parsed; the cache brought back within its bounds."""
        if self._entries.get(key) is not entry or entry.task.cancelled() or entry.task.exception():
            return
        cost = entry.task.result().cost
        self._cost += cost - entry.cost
        entry.cost = cost
        self._evict()

    def _evict(self) -> None:
        """Drop the least recently used loaded entries while over a bound; one entry always stays (its
        waiters have their rules whatever happens to it), and entries still loading are not dropped."""
        while len(self._entries) > 1 and (
            len(self._entries) > ROBOTS_CACHE_ENTRIES or self._cost > ROBOTS_CACHE_BYTES
        ):
            victim = next((key for key, entry in self._entries.items() if entry.task.done()), None)
            if victim is None:
                return
            self._cost -= self._entries.pop(victim).cost

    async def _load(self, target: httpx.URL) -> _Loaded:
        """RFC 9309: 2xx → parse; 4xx (or too many redirects) → allow all; 5xx or no answer → unavailable."""
        url = target.copy_with(path="/robots.txt", query=None, fragment=None)
        rules = BodyRules("any", ROBOTS_MAX_SIZE, truncate=True)
        for hop in range(_ROBOTS_MAX_REDIRECTS + 1):
            try:
                exchange = await self._exchange(url, self._headers, rules)
                location = exchange.headers.get("location")
                if exchange.status in REDIRECT_STATUSES and location:
                    url = redirect_target(url, location, allow_private=self._settings.allow_private)
                    continue
            except Failure as failure:
                if hop == 0 and failure.kind is ErrorKind.BLOCKED_ADDRESS:
                    raise  # the host itself is off limits: each of its URLs fails as blocked_address
                logger.info("robots.txt for %s unavailable: %s", host_key(str(target)), failure.message)
                return _Loaded(RobotsRules.unavailable(), why=f"{failure.kind}: {failure.message}")
            break
        else:
            return _Loaded(RobotsRules.allow_all())
        return self._rules_from(target, exchange)

    def _rules_from(self, target: httpx.URL, exchange: Exchange) -> _Loaded:
        if 200 <= exchange.status < 300:
            text = exchange.body.decode("utf-8", errors="replace")
            if len(exchange.body) >= ROBOTS_MAX_SIZE:  # cut short: a half line could be a wrong rule
                text = text[: text.rfind("\n") + 1]
            parsed = RobotsRules.parse(text, self._settings.user_agent)
            delay = parsed.crawl_delay(cap=self._settings.max_retry_after)
            if delay is not None:
                self._schedule.set_delay(host_key(str(target)), delay)
            return _Loaded(parsed, robots_cost(text), delay)
        if 400 <= exchange.status < 500:
            return _Loaded(RobotsRules.allow_all())
        logger.info("robots.txt for %s answered HTTP %d", host_key(str(target)), exchange.status)
        return _Loaded(RobotsRules.unavailable(), why=f"answered HTTP {exchange.status}")
