"""How a run ends early and how a live worker says so: the stop request (a signal, `run.max_time`), the
wind-down that leaves nothing claimed, and the heartbeat of a worker on a shared store.

A stopping run claims nothing more, gives back at once the claims it has not started (they are due again
for the next run, no attempt counted), lets the pages in flight finish for up to `run.stop_grace`, then
gives back those still unfinished. A second request skips the wait. A page is never cut off halfway
through its save: saving is one synchronous call, and a fetch task is only ever cancelled at an `await`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import StorageError
from ..models import Claim
from ._pieces import log

if TYPE_CHECKING:
    from ._state import RunState

__all__ = ["RunStop", "beat_loop", "give_back", "release_interval", "until_stopped", "wind_down"]

T = TypeVar("T")

# A worker is presumed dead once its last beat is this many beats old: two beats missed, and half a beat
# of slack for a busy event loop or a slow database. With the release step every RELEASE_SHARE_OF_BEAT,
# the claims of a worker killed right after a beat are back within three beats of its death.
PRESUMED_DEAD_AFTER_BEATS = 2.5
RELEASE_SHARE_OF_BEAT = 0.25
# Expired leases are returned this often during a long run, as a share of the lease: well before a
# healthy worker's claims could be mistaken for dead ones.
RELEASE_SHARE_OF_LEASE = 0.5


class RunStop:
    """Asks a run to end early. The first `request` stops the claims and gives the pages in flight
    `run.stop_grace` to finish; a second one gives them back at once. Call it from the run's event loop
    (a signal handler installed with `loop.add_signal_handler`, a timer)."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self.hurried = asyncio.Event()
        self.reason: str | None = None

    def request(self, reason: str) -> None:
        if self.requested.is_set():
            log.warning("%s: stopping now, giving back the pages still in flight", reason)
            self.hurried.set()
            return
        self.reason = reason
        self.requested.set()

    @property
    def is_set(self) -> bool:
        return self.requested.is_set()


async def until_stopped(work: Coroutine[Any, Any, T], stop: RunStop) -> T | None:
    """`work`'s result, or None when a stop was requested first (`work` is then cancelled)."""
    task = asyncio.create_task(work)
    waiter = asyncio.create_task(stop.requested.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        if not task.done():
            task.cancel()
        await asyncio.gather(task, waiter, return_exceptions=True)
    return None if task.cancelled() else task.result()


async def wind_down(state: RunState, tasks: list[asyncio.Task[None]]) -> None:
    """A stop was requested and the claim loop has ended: give back the queued claims, let the fetch
    tasks finish their pages within the grace, then give back what is still unfinished."""
    queued: list[Claim] = []
    while not state.queue.empty():
        if (claim := state.queue.get_nowait()) is not None:
            queued.append(claim)
    state.held.difference_update(queued)
    for _ in tasks:
        state.queue.put_nowait(None)  # each fetch task ends after its current page
    grace = state.settings.run.stop_grace
    returned = give_back(state, queued)
    log.warning(
        "%s: stopping: no more claims; %d queued URLs given back; %d in flight get %gs to finish",
        state.stopping.reason,
        returned,
        len(state.held),
        grace,
    )
    finished = asyncio.create_task(asyncio.wait(tasks))
    hurried = asyncio.create_task(state.stopping.hurried.wait())
    await asyncio.wait({finished, hurried}, timeout=grace, return_when=asyncio.FIRST_COMPLETED)
    unfinished = list(state.held)  # before the cancelled tasks drop them from `held`
    for task in (finished, hurried, *tasks):
        task.cancel()
    await asyncio.gather(finished, hurried, *tasks, return_exceptions=True)
    state.held.clear()
    if unfinished:
        log.warning("%d URLs still in flight given back", give_back(state, unfinished))


def give_back(state: RunState, claims: Iterable[Claim]) -> int:
    """Return `claims` to the frontier now; a store failure leaves them to their leases."""
    claims = list(claims)
    try:
        return state.store.give_back(claims)
    except StorageError as exc:
        log.warning("could not give back %d claimed URLs (their leases will): %s", len(claims), exc)
        return 0


def release_interval(state: RunState) -> float:
    """Seconds between two release steps: a share of the lease, and on a shared store a share of the
    heartbeat too, so that a dead worker's claims come back soon after its heartbeat stops."""
    run = state.settings.run
    interval = run.lease * RELEASE_SHARE_OF_LEASE
    return min(interval, run.heartbeat * RELEASE_SHARE_OF_BEAT) if state.store.shared else interval


async def beat_loop(state: RunState) -> None:
    """Say every `run.heartbeat` that this worker is alive, until cancelled. A failed beat is logged
    and tried again at the next: past PRESUMED_DEAD_AFTER_BEATS, other workers take the claims back and
    this worker's saves are refused as stale, which loses nothing."""
    beat = state.settings.run.heartbeat
    while True:
        now = state.clock()
        dead_after = now + timedelta(seconds=beat * PRESUMED_DEAD_AFTER_BEATS)
        try:
            state.store.beat(state.worker, now=now, dead_after=dead_after)
        except StorageError as exc:
            log.warning("heartbeat failed: %s", exc)
        await asyncio.sleep(beat)
