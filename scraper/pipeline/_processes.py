"""The worker processes behind `ExtractionPool`, as the run sees them: started, fed one call at a time,
held to a time and a memory limit, killed past either and replaced.

Written by hand on `multiprocessing` (spawn Process, one Pipe per worker) rather than on
concurrent.futures: a ProcessPoolExecutor cannot stop one task, only the whole pool (and every page in
it); here each worker runs one call at a time on its own pipe, so the one running past a limit is
killed (SIGKILL) and only its call fails.

One supervisor thread does all the talking: it sends queued calls to idle workers, reads replies,
notices dead workers, kills those past a limit and starts new ones. Callers only queue calls and wait
on their futures, from a thread (`Future.result`) or from the event loop (`asyncio.wrap_future`).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from ..errors import ExtractionError, ExtractionMemoryError, ExtractionTimeoutError, ScraperError
from ._pieces import Extractor, log
from ._worker import READY, Call, Reply, serve

__all__ = ["WorkerPool"]

# How often the resident memory of a busy worker is read. The greediest page measured grows by ~100 MB/s,
# so it overshoots the limit by ~5 MB; reading /proc/<pid>/statm costs microseconds.
MEMORY_POLL_INTERVAL = 0.05
# A worker imports scraper and warms its extractor up in under a second; on a loaded machine several. One
# that is not ready after this is taken for hung and replaced.
START_TIMEOUT = 60.0
# A call whose worker died (a crash in the parser, the OOM killer) is tried this often in all, each time
# in a fresh worker; it then fails: it, all but surely, is what kills them.
ATTEMPTS_PER_CALL = 2
# Workers that die before they are ready, in a row, before the queued calls fail: a broken install or an
# extractor that cannot be imported would otherwise be restarted forever.
MAX_START_FAILURES = 2
STOP_GRACE = 2.0  # seconds an idle worker gets to exit when the pool closes, before it is killed
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(eq=False)
class _Task:
    call: Call
    future: Future[Any]
    attempts: int = 0


@dataclass(eq=False)
class _Worker:
    """One worker process, the run's end of its pipe, and the call it runs (None while idle)."""

    process: multiprocessing.process.BaseProcess
    connection: Connection
    deadline: float  # of its start until ready, then of its call; inf while idle
    ready: bool = False
    task: _Task | None = None
    waitables: list[Any] = field(default_factory=list)

    def resident_bytes(self) -> int | None:
        """Resident memory, or None where /proc cannot tell (not Linux): then only the cap holds."""
        try:
            with open(f"/proc/{self.process.pid}/statm", encoding="ascii") as statm:
                return int(statm.read().split()[1]) * _PAGE_SIZE
        except (OSError, IndexError, ValueError):
            return None

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.join()
        self.connection.close()


class WorkerPool:
    """`size` worker processes running calls under `time_limit` (seconds) and `memory_limit` (bytes
    resident); None is no limit. Workers start with the first call and are kept until `close`."""

    def __init__(
        self, extractor: Extractor, size: int, *, time_limit: float | None, memory_limit: int | None
    ) -> None:
        self._extractor = extractor
        self._size = size
        self._time_limit = time_limit
        self._memory_limit = memory_limit
        # Spawn: a forked child would inherit the run lock's descriptor and the event loop's state, and
        # forkserver's workers are children of the server, which outlives a killed run.
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._pending: deque[_Task] = deque()
        self._workers: list[_Worker] = []
        self._failed_starts = 0
        self._started = False
        self._closing = False
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self._supervisor: threading.Thread | None = None

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        """Queue `function(*args)` for a worker; its future holds the value or a ScraperError."""
        future: Future[Any] = Future()
        with self._lock:
            if self._closing:
                raise ExtractionError("the extraction pool is closed")
            self._pending.append(_Task(Call(function, args), future))
            if self._supervisor is None:
                self._supervisor = threading.Thread(
                    target=self._supervise, name="extraction-pool", daemon=True
                )
                self._supervisor.start()
        self._wake()
        return future

    def close(self) -> None:
        """Stop every worker (a busy one is killed) and fail what is still queued."""
        with self._lock:
            self._closing = True
            supervisor = self._supervisor
        self._wake()
        if supervisor is not None:
            supervisor.join()
        for worker in self._workers:
            self._stop(worker)
        self._fail_all(ExtractionError("the extraction pool was closed"))
        for worker in self._workers:
            worker.process.join(STOP_GRACE)
            worker.kill()
        self._workers.clear()
        os.close(self._wake_read)
        os.close(self._wake_write)

    # ─── the supervisor thread ─────────────────────────────────────────────────────────────────────────

    def _supervise(self) -> None:
        try:
            while not self._closing:
                self._top_up()
                self._dispatch()
                self._handle(wait(self._waitables(), timeout=self._next_look()))
                self._enforce_limits()
        except Exception as exc:  # a bug here would leave every caller waiting forever
            log.exception("the extraction pool failed")
            self._fail_all(ExtractionError(f"the extraction pool failed: {type(exc).__name__}: {exc}"))

    def _top_up(self) -> None:
        """Keep `size` workers from the first call on, a killed one replaced at once; after failed
        starts, fail the queued calls instead (the next call tries again)."""
        if self._failed_starts >= MAX_START_FAILURES and not any(w.ready for w in self._workers):
            self._failed_starts = 0
            self._started = False
            with self._lock:
                tasks = list(self._pending)
                self._pending.clear()
            for task in tasks:
                _settle(
                    task.future, Reply(error=ExtractionError("the extraction processes cannot be started"))
                )
            return
        self._started = self._started or bool(self._pending)
        while self._started and len(self._workers) < self._size:
            self._workers.append(self._start())

    def _start(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=serve,
            args=(theirs, self._extractor, self._memory_limit),
            name="scraper-extract",
            daemon=True,
        )
        process.start()
        theirs.close()  # only the child holds its end now, so it reads EOF once the run is gone
        worker = _Worker(process, ours, deadline=time.monotonic() + START_TIMEOUT)
        worker.waitables = [ours, process.sentinel]
        return worker

    def _dispatch(self) -> None:
        for worker in self._workers:
            if not worker.ready or worker.task is not None:
                continue
            task = self._next_task()
            if task is None:
                return
            try:
                worker.connection.send(task.call)
            except (OSError, ValueError):  # it died meanwhile: its death is noticed below
                with self._lock:
                    self._pending.appendleft(task)
                return
            worker.task = task
            worker.deadline = time.monotonic() + (self._time_limit or math.inf)

    def _next_task(self) -> _Task | None:
        with self._lock:
            while self._pending:
                task = self._pending.popleft()
                if task.attempts or task.future.set_running_or_notify_cancel():
                    return task
        return None

    def _waitables(self) -> list[Any]:
        return [self._wake_read, *(item for worker in self._workers for item in worker.waitables)]

    def _next_look(self) -> float | None:
        busy = [worker for worker in self._workers if worker.task is not None or not worker.ready]
        if not busy:
            return None
        soonest = min(worker.deadline for worker in busy) - time.monotonic()
        if self._memory_limit is not None and any(worker.task is not None for worker in busy):
            soonest = min(soonest, MEMORY_POLL_INTERVAL)
        return max(0.0, soonest)

    def _handle(self, ready: list[Any]) -> None:
        if self._wake_read in ready:
            with contextlib.suppress(BlockingIOError):
                while os.read(self._wake_read, 4096):
                    pass
        for worker in list(self._workers):
            if worker.connection in ready or worker.process.sentinel in ready:
                self._read(worker)

    def _read(self, worker: _Worker) -> None:
        """Take in what a worker said; when it has died, replace it and retry or fail its call."""
        try:
            while worker.connection.poll():
                self._on_message(worker, worker.connection.recv())
        except (EOFError, OSError):
            pass
        except Exception as exc:  # a reply that does not unpickle
            if worker.task is not None:
                task, worker.task = worker.task, None
                _settle(task.future, Reply(error=ExtractionError(f"the result could not be read: {exc}")))
        if not worker.process.is_alive():
            self._on_death(worker)

    def _on_message(self, worker: _Worker, message: Any) -> None:
        if message == READY:
            worker.ready = True
            worker.deadline = math.inf
            self._failed_starts = 0
        elif worker.task is not None:
            task, worker.task = worker.task, None
            worker.deadline = math.inf
            _settle(task.future, message)

    def _on_death(self, worker: _Worker) -> None:
        self._workers.remove(worker)
        worker.kill()
        if not worker.ready:
            self._failed_starts += 1
        task = worker.task
        if task is None:
            return
        task.attempts += 1
        if task.attempts < ATTEMPTS_PER_CALL:
            log.warning("an extraction process died; trying its page again in a new one")
            with self._lock:
                self._pending.appendleft(task)
        else:
            _settle(task.future, Reply(error=ExtractionError("the extraction process died on this page")))

    def _enforce_limits(self) -> None:
        now = time.monotonic()
        for worker in list(self._workers):
            if now >= worker.deadline:
                self._kill(worker, self._timed_out(worker))
            elif worker.task is not None and self._memory_limit is not None:
                resident = worker.resident_bytes()
                if resident is not None and resident > self._memory_limit:
                    limit = self._memory_limit // 2**20
                    self._kill(
                        worker, ExtractionMemoryError(f"extraction used more than {limit} MiB of memory")
                    )

    def _timed_out(self, worker: _Worker) -> ExtractionError:
        if not worker.ready:
            self._failed_starts += 1
            return ExtractionError("an extraction process did not start")
        return ExtractionTimeoutError(f"extraction took longer than {self._time_limit:g} s")

    def _kill(self, worker: _Worker, error: ExtractionError) -> None:
        """Past a limit: SIGKILL the worker (its parse cannot be interrupted), fail its call, and let the
        next turn start a new one."""
        self._workers.remove(worker)
        worker.kill()
        if worker.task is not None:
            log.warning("%s; its worker was killed", error)
            _settle(worker.task.future, Reply(error=error))

    # ─── helpers ───────────────────────────────────────────────────────────────────────────────────────

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):  # full: the supervisor wakes anyway
            os.write(self._wake_write, b"\0")

    def _stop(self, worker: _Worker) -> None:
        if worker.task is None and worker.ready:
            with contextlib.suppress(OSError, ValueError):
                worker.connection.send(None)
        else:
            worker.kill()

    def _fail_all(self, error: ScraperError) -> None:
        with self._lock:
            tasks = list(self._pending)
            self._pending.clear()
        tasks += [worker.task for worker in self._workers if worker.task is not None]
        for task in tasks:
            if not task.future.cancel():
                _settle(task.future, Reply(error=error))


def _settle(future: Future[Any], reply: Reply) -> None:
    """Hand a reply to its caller; one who stopped waiting (a cancelled future) is not told."""
    with contextlib.suppress(InvalidStateError):
        if reply.error is not None:
            future.set_exception(reply.error)
        else:
            future.set_result(reply.value)
