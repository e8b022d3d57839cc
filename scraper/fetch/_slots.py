"""Politeness in time: the slots and turns a request waits for before it goes out.

The decisions (delays, Crawl-delay, retries) are `scraper.politeness`'s; this module does the waiting:
a global limit, a per-host limit, one request to a host at a time leaving at least the host's delay
after the last, and, with a `HostGate`, the turn shared with other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

import httpx

from ..politeness import HostSchedule
from ..urls import host_key

__all__ = ["HostGate", "PoliteSlots"]


class HostGate(Protocol):
    """Politeness shared with other processes: `scraper run` workers on one store.

    Before each request (robots.txt, redirects and retries included), once this process's own limits let
    it go, the Fetcher awaits `take_turn(url)`: it returns when a request to the URL's host may start, with
    the host held for this request. The call it returns ends the turn once the request has gone out,
    given the delay the host's next request must wait (the configured delay, or robots.txt's Crawl-delay).
    """

    async def take_turn(self, url: str) -> Callable[[float], None]: ...


class PoliteSlots:
    """The waiting room of one Fetcher: `concurrency` requests at once, `per_host` to one host."""

    def __init__(
        self,
        schedule: HostSchedule,
        *,
        concurrency: int,
        per_host: int,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        host_gate: HostGate | None,
    ) -> None:
        self._schedule = schedule
        self._per_host = per_host
        self._clock = clock
        self._sleep = sleep
        self._host_gate = host_gate
        self._global_slots = asyncio.Semaphore(concurrency)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._host_turns: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def slot(self, target: httpx.URL) -> AsyncIterator[Callable[[], None]]:
        """Wait for a per-host slot, the host's turn and a global slot; yield the call that ends the turn.

        The turn is held until the request has gone out (`request_sent`, called from httpcore's trace hook
        once the request head is written, or at the latest when the exchange ends), and the delay counts
        from then: a slow connect cannot bunch two requests together at the server. With a `HostGate`, the
        host's shared turn is taken last, when nothing else can hold the request back, and ended likewise."""
        url = str(target)
        host = host_key(url)  # the store's key too: this process's limits and the shared turns agree
        host_slots = self._host_slots.setdefault(host, asyncio.Semaphore(self._per_host))
        host_turn = self._host_turns.setdefault(host, asyncio.Lock())
        async with host_slots:
            await host_turn.acquire()
            turn_held = True
            end_shared_turn: Callable[[float], None] | None = None

            def request_sent() -> None:
                nonlocal turn_held
                if turn_held:
                    turn_held = False
                    self._schedule.started(host, self._clock())
                    if end_shared_turn is not None:
                        end_shared_turn(self._schedule.delay_for(host))
                    host_turn.release()

            try:
                while (wait := self._schedule.wait_before_start(host, self._clock())) > 0:
                    await self._sleep(wait)
                await self._global_slots.acquire()
            except BaseException:
                host_turn.release()
                raise
            try:
                if self._host_gate is not None:
                    end_shared_turn = await self._host_gate.take_turn(url)
                yield request_sent
            finally:
                request_sent()  # a request that failed early may still have reached the server
                self._schedule.finished(host)
                self._global_slots.release()
