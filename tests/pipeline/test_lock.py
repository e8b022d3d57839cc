"""The run lock: a kernel lock that names its holder and dies with it."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper._lock import default_lock_path, run_lock
from scraper.errors import ConfigError, LockedError, StorageError

HOLDER_SCRIPT = """
import sys, time
from pathlib import Path
from scraper._lock import run_lock
with run_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_the_lock_lives_beside_a_sqlite_file_and_nowhere_for_postgresql(tmp_path: Path) -> None:
    assert default_lock_path(str(tmp_path / "news.db")) == tmp_path / "news.db.lock"
    assert default_lock_path(f"sqlite:///{tmp_path}/news.db") == tmp_path / "news.db.lock"
    assert default_lock_path("postgresql://scraper@db/news") is None
    assert default_lock_path("postgresql://scraper@db/news", "/run/scraper.lock") == Path("/run/scraper.lock")


def test_a_second_holder_is_refused_and_told_who_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "news.db.lock"
    started = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    with run_lock(path, now=started), pytest.raises(LockedError) as refused, run_lock(path):
        pass  # pragma: no cover - never reached

    assert f"pid {os.getpid()}" in refused.value.holder
    assert "2026-05-01T09:30:00+00:00" in refused.value.holder
    assert str(path) in str(refused.value)
    assert not isinstance(refused.value, StorageError)  # a file lock: the database was never reached


def test_a_run_refused_just_after_the_lock_was_taken_still_learns_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "news.db.lock"
    # The moment between another run's flock and its holder line: the lock is held, the file still empty.
    taken = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(taken, fcntl.LOCK_EX | fcntl.LOCK_NB)
    late_line = threading.Timer(0.05, os.pwrite, (taken, b"pid 4242 on elsewhere since 2026-05-01\n", 0))
    late_line.start()
    try:
        with pytest.raises(LockedError) as refused, run_lock(path):
            pass  # pragma: no cover - never reached
    finally:
        late_line.join()
        os.close(taken)
    assert refused.value.holder == "pid 4242 on elsewhere since 2026-05-01"


def test_a_finished_run_leaves_no_holder_line(tmp_path: Path) -> None:
    path = tmp_path / "news.db.lock"
    with run_lock(path):
        assert path.read_text().startswith(f"pid {os.getpid()} ")
    assert path.read_text() == ""


def test_the_lock_is_free_again_after_the_block(tmp_path: Path) -> None:
    path = tmp_path / "news.db.lock"
    with run_lock(path):
        pass
    with run_lock(path):
        assert path.exists()


def test_a_lock_held_by_a_killed_process_is_free_again(tmp_path: Path) -> None:
    path = tmp_path / "news.db.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError, match=f"pid {holder.pid}"), run_lock(path):
            pass  # pragma: no cover - never reached
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()

    with run_lock(path):  # no stale PID file to clean up: the kernel dropped the lock with the process
        assert f"pid {os.getpid()}" in path.read_text()


def test_a_symlink_at_the_lock_path_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    path = tmp_path / "news.db.lock"
    path.symlink_to(victim)

    with pytest.raises(ConfigError, match="lock file"), run_lock(path):
        pass  # pragma: no cover - never reached
    assert victim.read_text() == "keep me"


def test_without_a_path_there_is_no_lock() -> None:
    entered = []
    with run_lock(None), run_lock(None):  # PostgreSQL: many runs side by side are the point
        entered.append(True)
    assert entered == [True]


def test_a_file_of_other_data_at_the_lock_path_is_refused_and_left_whole(tmp_path: Path) -> None:
    # run.lock_file pointed at a file of the operator's (a typo, a shared name): the lock's holder line and
    # its truncation at the end of the run would have overwritten it.
    path = tmp_path / "notes.txt"
    path.write_bytes(b"ship the harbour story on Monday\n")
    with pytest.raises(ConfigError, match=r"notes\.txt.*not a scraper run lock"), run_lock(path):
        pass  # pragma: no cover - never reached
    assert path.read_bytes() == b"ship the harbour story on Monday\n"


def test_a_lock_file_left_with_a_holder_line_or_empty_is_taken(tmp_path: Path) -> None:
    for leftover in (b"", b"pid 4242 on elsewhere since 2026-05-01T09:30:00+00:00\n", b"pid 42"):
        path = tmp_path / "news.db.lock"
        path.write_bytes(leftover)  # a run killed before it cleared its line, or while writing it
        with run_lock(path):
            assert path.read_bytes().startswith(f"pid {os.getpid()} on ".encode())
        assert path.read_bytes() == b""
