"""Politeness in time: the slots and turns a request waits for before it goes out.

The decisions (delays, Crawl-delay, retries) are `scraper.politeness`'s; this module does the waiting:
a global limit, a per-host limit, one request to a host at a time leaving at least the host's delay
after the last, and, with a `HostGate`, the turn shared with other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
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


# Hosts the schedule remembers before the idle ones are first forgotten; then each time their number has
# doubled. Below this, a sweep would cost more than the few hundred bytes each host holds.
_FORGET_IDLE_HOSTS_FROM = 1024


@dataclass(slots=True)
class _HostWaits:
    slots: asyncio.Semaphore
    turn: asyncio.Lock
    users: int = 0  # requests to the host waiting or in flight


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
        self._hosts: dict[str, _HostWaits] = {}  # hosts with a request waiting or in flight
        self._forget_at = _FORGET_IDLE_HOSTS_FROM

    @contextlib.asynccontextmanager
    async def slot(self, target: httpx.URL) -> AsyncIterator[Callable[[], None]]:
        """Wait for a per-host slot, the host's turn and a global slot; yield the call that ends the turn.

        The turn is held until the request has gone out (`request_sent`, called from httpcore's trace hook
        once the request head is written, or at the latest when the exchange ends), and the delay counts
        from then: a slow connect cannot bunch two requests together at the server. With a `HostGate`, the
        host's shared turn is taken last, when nothing else can hold the request back, and ended likewise."""
        host = host_key(str(target))  # the store's key too: this process's limits and the shared turns agree
        with self._host_waits(host) as waits:
            async with self._slot(host, waits, target) as request_sent:
                yield request_sent

    @contextlib.contextmanager
    def _host_waits(self, host: str) -> Iterator[_HostWaits]:
        """The host's semaphore and turn, shared by the requests to it and dropped with the last one."""
        waits = self._hosts.get(host)
        if waits is None:
            waits = self._hosts[host] = _HostWaits(asyncio.Semaphore(self._per_host), asyncio.Lock())
            self._forget_idle_hosts()
        waits.users += 1
        try:
            yield waits
        finally:
            waits.users -= 1
            if not waits.users:
                del self._hosts[host]

    def _forget_idle_hosts(self) -> None:
        """The schedule's idle hosts forgotten whenever it has doubled since last time (amortised O(1))."""
        if self._schedule.known_hosts < self._forget_at:
            return
        self._schedule.forget_idle(self._clock(), busy=self._hosts)
        self._forget_at = max(_FORGET_IDLE_HOSTS_FROM, 2 * self._schedule.known_hosts)

    @contextlib.asynccontextmanager
    async def _slot(
        self, host: str, waits: _HostWaits, target: httpx.URL
    ) -> AsyncIterator[Callable[[], None]]:
        host_slots, host_turn = waits.slots, waits.turn
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
                    end_shared_turn = await self._host_gate.take_turn(str(target))
                yield request_sent
            finally:
                request_sent()  # a request that failed early may still have reached the server
                self._schedule.finished(host)
                self._global_slots.release()
