"""robots.txt: fetched once per origin per Fetcher, through the same polite, guarded path as pages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

import httpx

from ..config import FetchSettings
from ..models import ErrorKind, SkipReason
from ..politeness import HostSchedule, RobotsRules
from ..urls import host_key
from ._body import BodyRules, Exchange
from ._errors import Failure
from ._urls import CROSS_ORIGIN_DROPPED_HEADERS, REDIRECT_STATUSES, Origin, origin, redirect_target

__all__ = ["RobotsCache"]

logger = logging.getLogger("scraper.fetch")

# RFC 9309 §2.5: crawlers must parse at least 500 KiB of robots.txt.
_ROBOTS_MAX_SIZE = 512 * 1024
# RFC 9309 §2.3.1.2: follow at least five redirects for robots.txt.
_ROBOTS_MAX_REDIRECTS = 5

Exchanger = Callable[[httpx.URL, Mapping[str, str], BodyRules], Awaitable[Exchange]]
"""One request with the Fetcher's retries and politeness."""


class RobotsCache:
    """The robots.txt rules of each origin, loaded on first use. A Crawl-delay goes to `schedule`."""

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
        self._rules: dict[Origin, asyncio.Task[RobotsRules]] = {}
        self._unavailable: dict[Origin, str] = {}  # why an origin's robots.txt is unavailable

    async def skip_reason(self, target: httpx.URL) -> SkipReason | None:
        """``robots`` (disallowed), or None when the URL may be fetched. Raises the Failure of a host that
        is off limits (blocked_address), or whose robots.txt is unavailable (robots_unavailable: RFC 9309
        says to wait, so the URL is not fetched in this run; a failure, as the host did not answer)."""
        if not self._settings.respect_robots:
            return None
        key = origin(target)
        task = self._rules.get(key)
        if task is None:
            task = self._rules[key] = asyncio.create_task(self._load(target))
        # shield: one caller giving up must not cancel the fetch the others wait for. A blocked host
        # raises its Failure here, for every URL of it.
        rules = await asyncio.shield(task)
        if not rules.available:
            why = self._unavailable.get(key, "no usable answer")
            message = f"robots.txt of {host_key(str(target))} unavailable ({why})"
            raise Failure(ErrorKind.ROBOTS_UNAVAILABLE, message)
        return None if rules.allows(str(target)) else SkipReason.ROBOTS

    def close(self) -> None:
        for task in self._rules.values():
            task.cancel()

    async def _load(self, target: httpx.URL) -> RobotsRules:
        """RFC 9309: 2xx → parse; 4xx (or too many redirects) → allow all; 5xx or no answer → unavailable."""
        url = target.copy_with(path="/robots.txt", query=None, fragment=None)
        rules = BodyRules("any", _ROBOTS_MAX_SIZE)
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
                self._unavailable[origin(target)] = f"{failure.kind}: {failure.message}"
                return RobotsRules.unavailable()
            break
        else:
            return RobotsRules.allow_all()
        return self._rules_from(target, exchange)

    def _rules_from(self, target: httpx.URL, exchange: Exchange) -> RobotsRules:
        if 200 <= exchange.status < 300:
            parsed = RobotsRules.parse(
                exchange.body.decode("utf-8", errors="replace"), self._settings.user_agent
            )
            delay = parsed.crawl_delay(cap=self._settings.max_retry_after)
            if delay is not None:
                self._schedule.set_delay(host_key(str(target)), delay)
            return parsed
        if 400 <= exchange.status < 500:
            return RobotsRules.allow_all()
        logger.info("robots.txt for %s answered HTTP %d", host_key(str(target)), exchange.status)
        self._unavailable[origin(target)] = f"answered HTTP {exchange.status}"
        return RobotsRules.unavailable()
