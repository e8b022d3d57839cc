"""One extraction worker process, as it runs in the child: its start (die with the run, ignore Ctrl-C, cap
its address space, warm up) and its loop, one call at a time read from its pipe and answered on it."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ..errors import ExtractionError, ExtractionMemoryError, ScraperError
from ._pieces import Extractor

__all__ = ["READY", "Call", "Reply", "address_space_cap", "serve"]

# How often a worker checks that its run is still alive; it exits this long after a kill -9 of the run.
PARENT_CHECK_INTERVAL = 0.5
WARM_UP_HTML = "<html><head><title>warm</title></head><body><article><p>Warm up.</p></article></body></html>"
# The memory limit is kept by the parent, which reads each busy worker's resident memory (see
# _processes); the address-space cap (RLIMIT_AS) set here is only a backstop, for a page that allocates
# faster than the parent looks. RLIMIT_AS alone would be the wrong measure: address space is not memory.
# Measured (selectolax 1.0, glibc, Linux): a warmed-up worker maps 129 MiB (196 MiB at its peak, while
# importing) with 44 MiB resident; its second thread alone reserves a 64 MiB malloc arena and an 8 MiB
# stack. And Lexbor turns a refused allocation into a plain "Can't parse HTML", which could not be told
# from a page it refuses. Twice the limit plus this margin leaves room for all of that.
ADDRESS_SPACE_MARGIN = 256 * 1024 * 1024
# Past this share of the cap, an error in the worker is taken for its allocation failing: Lexbor turns
# a failed malloc into a plain "Can't parse HTML".
NEAR_CAP_SHARE = 0.9
READY = "ready"  # the first message of a worker: started and warmed up, give it work


@dataclass(frozen=True, slots=True)
class Call:
    """Work for a worker: a module-level function (pickled by name) and its arguments."""

    function: Callable[..., Any]
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """A call's result, or its error: always one of scraper's, which pickle back."""

    value: Any = None
    error: ScraperError | None = None


def address_space_cap(memory_limit: int) -> int:
    return 2 * memory_limit + ADDRESS_SPACE_MARGIN


def serve(connection: Connection, extractor: Extractor, memory_limit: int | None) -> None:
    """The worker process's main function: start, say READY, then answer calls until told to stop."""
    # Ctrl-C reaches the whole process group, and systemd's SIGTERM the whole unit: the run stops
    # cleanly, finishing the pages in flight here, and shuts its pool down itself (a worker exits with
    # its parent in any case).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _exit_with_parent()
    if memory_limit is not None:
        cap = address_space_cap(memory_limit)
        with contextlib.suppress(ValueError, OSError):  # a hard limit below ours: keep it
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    with contextlib.suppress(Exception):  # a warm-up failure shows again, per page, where it is reported
        extractor(WARM_UP_HTML, "http://localhost/")
    connection.send(READY)
    while True:
        try:
            call = connection.recv()
        except (EOFError, OSError):  # the run closed its end: it is gone or done
            return
        if call is None:
            return
        reply = _answer(call)
        try:
            connection.send(reply)
        except Exception as exc:  # a result that does not pickle
            connection.send(Reply(error=ExtractionError(f"the result could not be sent back: {exc}")))
        if isinstance(reply.error, ExtractionMemoryError):
            return  # its heap is near the cap and fragmented: the pool starts a fresh worker


def _answer(call: Call) -> Reply:
    try:
        return Reply(value=call.function(*call.args))
    except MemoryError:
        return Reply(error=_out_of_memory())
    except Exception as exc:
        if _near_address_space_cap():
            return Reply(error=_out_of_memory())
        if isinstance(exc, ScraperError):
            return Reply(error=exc)
        return Reply(error=ExtractionError(f"{type(exc).__name__}: {exc}"))


def _out_of_memory() -> ExtractionMemoryError:
    cap = resource.getrlimit(resource.RLIMIT_AS)[0]
    return ExtractionMemoryError(f"extraction ran out of its {cap // 2**20} MiB of address space")


def _near_address_space_cap() -> bool:
    cap = resource.getrlimit(resource.RLIMIT_AS)[0]
    if cap == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next(line for line in status if line.startswith("VmPeak:"))
    except (OSError, StopIteration):
        return False
    return int(peak.split()[1]) * 1024 >= NEAR_CAP_SHARE * cap


def _exit_with_parent() -> None:
    """Exit when the run that started this worker is gone.

    A worker busy with a page does not read its pipe, so it would not see the run die: after a
    `kill -9` of the run it would parse on, holding memory and the run's stderr. Its parent is the run
    (spawn start method), and a dead parent's children are re-parented at once.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
