"""Extraction in worker processes: the pool, the start of each worker, and its exit with the run."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from ..errors import ExtractionError
from ..models import Document
from ._pieces import Extractor, log

__all__ = ["ExtractionJob", "ExtractionPool"]

# How often an extraction process checks that its run is still alive; it exits this long after a kill -9.
PARENT_CHECK_INTERVAL = 0.5
WARM_UP_HTML = "<html><head><title>warm</title></head><body><article><p>Warm up.</p></article></body></html>"


def _start_worker(extractor: Extractor) -> None:
    """Process initializer: die with the run, then warm the extractor up so the first page is not slow."""
    # Ctrl-C reaches the whole process group; the run shuts its pool down itself, without a traceback
    # from every worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    with contextlib.suppress(Exception):  # a warm-up failure shows again, per page, where it is reported
        extractor(WARM_UP_HTML, "http://localhost/")


def _exit_with_parent() -> None:
    """Exit when the run that started this worker is gone.

    An idle pool worker waits on a queue whose write end it holds itself, so it never sees the run die:
    after a `kill -9` of the run it would wait forever, holding memory and the run's stderr. Its parent
    is the run (spawn start method), and a dead parent's children are re-parented at once.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _extract_in_worker(extractor: Extractor, html: str | bytes, url: str | None) -> Document:
    """Runs in the worker. Any exception becomes an ExtractionError, which always pickles back."""
    try:
        return extractor(html, url)
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(f"{type(exc).__name__}: {exc}") from None


@dataclass(frozen=True, slots=True)
class ExtractionJob:
    """A page handed to the pool: its future, and the executor it runs in (to tell which one broke)."""

    future: Future[Document]
    executor: Executor


class ExtractionPool:
    """The extractor run in worker processes (or, with `processes=False`, in a thread).

    A worker that dies (a crash in the parser, the OOM killer) breaks a ProcessPoolExecutor for good, and
    every page in it with it. The pool is then rebuilt and each of those pages is tried once more, one at
    a time; a page that breaks the pool again fails, with reason "extraction", and the run goes on.
    """

    def __init__(self, extractor: Extractor, *, workers: int = 0, processes: bool = True) -> None:
        self._extractor = extractor
        self._workers = workers or os.cpu_count() or 1
        self._processes = processes
        self._executor: Executor | None = None
        self._retry_turn = asyncio.Lock()

    @property
    def workers(self) -> int:
        return self._workers if self._processes else 1

    def submit(self, html: str | bytes, url: str | None) -> ExtractionJob:
        """Start extracting one page."""
        for _ in range(2):
            executor = self._ensure_executor()
            try:
                return ExtractionJob(
                    executor.submit(_extract_in_worker, self._extractor, html, url), executor
                )
            except BrokenProcessPool:
                self._discard(executor)
        raise ExtractionError("the extraction processes cannot be started")

    async def extract(self, html: str | bytes, url: str | None) -> Document:
        """The Document of one page; ExtractionError when the extractor failed on it or died twice."""
        job = self.submit(html, url)
        try:
            return await asyncio.wrap_future(job.future)
        except BrokenProcessPool:
            self._discard(job.executor)
        # Pages retried after a break go one at a time, so the page that breaks the pool again is, all
        # but surely, the one that kills it, and the innocent pages that shared its pool get through.
        async with self._retry_turn:
            job = self.submit(html, url)
            try:
                return await asyncio.wrap_future(job.future)
            except BrokenProcessPool:
                self._discard(job.executor)
        raise ExtractionError("the extraction process died on this page")

    def result(self, job: ExtractionJob) -> Document:
        """Wait for a submitted page: its Document, or ExtractionError (also when its process died)."""
        try:
            return job.future.result()
        except BrokenProcessPool as exc:
            self._discard(job.executor)
            raise ExtractionError("the extraction process died on this page") from exc

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _ensure_executor(self) -> Executor:
        if self._executor is None:
            self._executor = self._new_executor()
        return self._executor

    def _new_executor(self) -> Executor:
        if not self._processes:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")
        # Spawn: a forked child would inherit the run lock's descriptor and the event loop's state, and
        # forkserver's workers are children of the server, which outlives a killed run.
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self._extractor,),
        )

    def _discard(self, broken: Executor) -> None:
        """Drop a broken executor, once: the pages that were in it all report the same break."""
        if broken is self._executor:
            self._executor = None
            broken.shutdown(wait=False, cancel_futures=True)
            log.warning("an extraction process died; starting new ones")
