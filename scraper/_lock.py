"""The run lock: one `scraper run` at a time per SQLite database.

A kernel lock (``fcntl.flock``) on a file next to the database, not a PID file: the kernel drops the lock
when its holder dies, even by SIGKILL, so a crashed run never blocks the next one. The holder writes its
pid, host and start time into the file, so the run that finds the lock taken can say who holds it.

PostgreSQL gets no lock here: many workers on many machines sharing one frontier is the point there, and
the store's leases keep them from doing the same work twice.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .errors import ConfigError, LockedError

__all__ = ["default_lock_path", "run_lock"]

LOCK_SUFFIX = ".lock"
HOLDER_READ_LIMIT = 4096  # the holder line is short; never read an arbitrary file whole
# A run that has just taken the lock writes its line a moment later; a run refused in that moment waits
# this long for the line before it reports an unknown holder.
HOLDER_WAIT = 0.5
HOLDER_POLL = 0.01
HOLDER_PREFIX = "pid "  # how every holder line starts: what tells a lock file from another file


def default_lock_path(db: str, lock_file: str | None = None) -> Path | None:
    """The run lock of `db`: `lock_file` if given, else beside the SQLite file; None for PostgreSQL."""
    if lock_file:
        return Path(lock_file)
    if db.startswith(("postgresql://", "postgres://")):
        return None
    if db.startswith("sqlite:///"):
        db = db.removeprefix("sqlite:///")
    if db == ":memory:":
        return None
    return Path(db).with_name(Path(db).name + LOCK_SUFFIX)


@contextmanager
def run_lock(path: Path | None, *, now: datetime | None = None) -> Iterator[None]:
    """Hold the run lock at `path` for the block; raise LockedError at once when another process holds it.

    `path` None means no lock (PostgreSQL). The lock file is left in place afterwards: removing it would
    let a third run lock a new file while a second still holds the old, unlinked one.
    """
    if path is None:
        yield
        return
    fd = _open_lock_file(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise ConfigError(f"cannot lock {path}: {exc.strerror}") from exc
            holder = _await_holder(fd) or "unknown holder"
            raise LockedError(f"another scraper run holds {path} ({holder}); try later", holder) from None
        _refuse_foreign(fd, path)
        _write_holder(fd, now or datetime.now(UTC))
        try:
            yield
        finally:
            _clear_holder(fd)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _open_lock_file(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a symlink planted at the lock path must not make us truncate its target.
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise ConfigError(f"cannot open lock file {path}: {exc.strerror}") from exc


def _refuse_foreign(fd: int, path: Path) -> None:
    """A file at the lock's path that is neither empty nor a holder line (a run killed before it cleared
    its line, or while writing it) is some other file: `run.lock_file` named it by mistake, and writing
    the holder line, then clearing it, would destroy it."""
    held = _read_holder(fd)
    if held and not HOLDER_PREFIX.startswith(held[: len(HOLDER_PREFIX)]):
        raise ConfigError(
            f"{path} holds other data: not a scraper run lock; give run.lock_file a path of its own"
        )


def _write_holder(fd: int, started: datetime) -> None:
    since = started.isoformat(timespec="seconds")
    line = f"{HOLDER_PREFIX}{os.getpid()} on {socket.gethostname()} since {since}\n"
    data = line.encode()
    # Written, then cut to length: a reader never sees the file empty or half of an old line after it.
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


def _clear_holder(fd: int) -> None:
    """A run that ends leaves no line behind, so no later refusal names a run that is over."""
    with contextlib.suppress(OSError):  # the lock is released all the same; the next holder overwrites
        os.ftruncate(fd, 0)


def _await_holder(fd: int) -> str:
    deadline = time.monotonic() + HOLDER_WAIT
    while not (holder := _read_holder(fd)) and time.monotonic() < deadline:
        time.sleep(HOLDER_POLL)
    return holder


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, HOLDER_READ_LIMIT, 0).decode("utf-8", errors="replace").strip()
    except OSError:
        return ""
