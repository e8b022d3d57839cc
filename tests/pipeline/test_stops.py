"""Issue 11, "Stops": every way a run ends leaves the frontier clean, with real `scraper run` processes
against the fake site on 127.0.0.1.

- SIGTERM (what systemd sends) and SIGINT (Ctrl-C) end a run alike: no more claims, the claims not yet
  fetched go back at once, the pages in flight finish (or go back after `run.stop_grace`), the summary line
  is printed, the lock is free, and the exit status is 143 or 130;
- `kill -9`, then an immediate rerun on SQLite: the run lock proves the killed run dead, so the rerun takes
  its claims back at once and stores every page;
- on PostgreSQL, a worker killed with SIGKILL stops beating: its claims are back within three heartbeats
  (measured), not after the whole lease;
- `--max-time` ends a run near it, with its summary.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from scraper._lock import run_lock
from scraper.cli import main
from tests.fake_site import FakeSite
from tests.pipeline.test_end_to_end import (
    PROJECT_ROOT,
    SUBPROCESS_DEADLINE,
    expected_articles,
    last_lease_expiry,
    postgres_dsn,  # noqa: F401  # the fixture, shared with the end-to-end tests
    start_run,
    stored_articles,
    version_count,
    write_config,
)

pytestmark = pytest.mark.slow

POLL = 0.02  # seconds between two looks at a database or a process
STOP_GRACE = 10.0  # run.stop_grace's default: the longest a stopping run waits for its pages in flight
# A stopping run exits within its grace and the time to print and close; this bound only proves "no stall".
EXIT_BOUND = STOP_GRACE + 20.0


def wait_for(condition: Callable[[], bool], what: str, deadline: float = SUBPROCESS_DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(POLL)


def claimed(db: Path) -> int:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        return int(connection.execute("SELECT count(*) FROM urls WHERE state = 'claimed'").fetchone()[0])


def lock_is_free(db: Path) -> bool:
    with run_lock(db.with_name(db.name + ".lock")):
        return True


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_the_run_cleanly_with_its_summary(
    tmp_path: Path, signum: signal.Signals, status: int
) -> None:
    # Every article page takes 50 ms, so the run is well under way, with claims in flight, when signalled.
    with FakeSite(articles=110, hosts=2, latency=0.05) as site:
        config = write_config(tmp_path, site)
        db = tmp_path / "news.db"
        run = start_run(config)
        try:
            wait_for(lambda: version_count(db) >= 20 or run.poll() is not None, "20 stored pages")
            assert run.poll() is None, run.communicate()
            run.send_signal(signum)
            signalled = time.monotonic()
            out, err = run.communicate(timeout=EXIT_BOUND)
        finally:
            if run.poll() is None:
                run.kill()
                run.communicate()
        took = time.monotonic() - signalled

    assert run.returncode == status, err
    assert "scraper run: " in err and " stored, " in err, err  # the summary line
    report = json.loads(out)
    stored = version_count(db)
    assert 20 <= stored < len(expected_articles(site))  # stopped early ...
    assert report["stored"] == stored  # ... and the summary counts what it did
    assert claimed(db) == 0  # nothing left claimed for a lease to run out
    assert lock_is_free(db)
    print(f"{signum.name}: exit {run.returncode} {took:.2f}s after the signal, {stored} stored")


def test_kill_9_then_an_immediate_rerun_stores_every_page(tmp_path: Path) -> None:
    # The default lease (5 minutes): the rerun must not wait for it.
    with FakeSite(articles=110, hosts=2, latency=0.05) as site:
        config = write_config(tmp_path, site)
        expected = expected_articles(site)
        db = tmp_path / "news.db"
        first = start_run(config)
        try:
            wait_for(lambda: version_count(db) >= len(expected) // 3 or first.poll() is not None, "a third")
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.communicate()
        killed_at = version_count(db)
        assert 0 < killed_at < len(expected)
        assert claimed(db) > 0  # the run was killed holding claims

        second = subprocess.run(
            [sys.executable, "-m", "scraper", "run", "--config", str(config), "--report", "json"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_DEADLINE,
        )

    assert second.returncode == 1, second.stderr  # the failing articles, nothing else
    assert json.loads(second.stdout)["stored"] == len(expected) - killed_at
    assert stored_articles(db) == {url: (1, text) for url, text in expected.items()}
    assert claimed(db) == 0
    assert last_lease_expiry(db) is None


def test_max_time_ends_the_run_near_it_with_its_summary(tmp_path: Path) -> None:
    # Half a second per page and two pages at a time per host: all of it would take about a minute. The
    # URLs come from a file, so the crawl starts at once: --max-time bounds discovery too.
    max_time = 4.0
    with FakeSite(articles=110, hosts=2, latency=0.5) as site:
        config = write_config(tmp_path, site)
        url_file = tmp_path / "urls.txt"
        url_file.write_text("\n".join(expected_articles(site)) + "\n", encoding="utf-8")
        db = tmp_path / "news.db"
        began = time.monotonic()
        run = subprocess.run(
            [*(sys.executable, "-m", "scraper", "run", "--config", str(config), "--report", "json"),
             *("--urls", str(url_file), "--max-time", f"{max_time}s")],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_DEADLINE,
        )  # fmt: skip
        took = time.monotonic() - began
        total = len(expected_articles(site))

    assert run.returncode in (0, 1), run.stderr  # a run that ended as asked: its outcomes decide
    assert "scraper run: " in run.stderr, run.stderr
    report = json.loads(run.stdout)
    assert max_time <= report["elapsed"] < max_time + STOP_GRACE, report
    assert 0 < report["stored"] == version_count(db) < total
    assert claimed(db) == 0
    print(f"--max-time {max_time}s: the run took {report['elapsed']:.2f}s ({took:.2f}s with start-up)")


# ─── PostgreSQL: heartbeats ────────────────────────────────────────────────────────────────────────────

HEARTBEAT = 2.0  # run.heartbeat of the workers below
LEASE = 120.0  # far longer than three beats: claims back sooner can only be the heartbeat's doing
HOSTS = 6  # each on its own loopback address, so two workers find hosts to claim beside each other


def pg_count(dsn: str, query: str, *params: object) -> int:
    import psycopg

    try:
        with psycopg.connect(dsn, autocommit=True) as db:
            row = db.execute(query.encode(), params).fetchone()
    except psycopg.errors.UndefinedTable:
        return 0
    return int(row[0]) if row else 0


def claims_of(dsn: str, worker: str) -> int:
    return pg_count(dsn, "SELECT count(*) FROM urls WHERE state = 'claimed' AND claimed_by = %s", worker)


def start_worker(dsn: str, config: Path, url_file: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCRAPER_")}
    command = [sys.executable, "-m", "scraper", "run", "--config", str(config), "--db", dsn]
    command += ["--urls", str(url_file), "--allow-private", "--delay", "0", "--concurrency", "2"]
    with log.open("wb") as err:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)


@pytest.mark.postgres
def test_a_killed_workers_claims_are_back_within_three_heartbeats(
    postgres_dsn: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert main(["db", "migrate", "--db", postgres_dsn]) == 0
    config = tmp_path / "scraper.toml"
    settings = f'[run]\nheartbeat = "{HEARTBEAT}s"\nlease = "{LEASE}s"\nworkers = 1\n'
    config.write_text(settings, encoding="utf-8")
    addresses = [f"127.0.0.{n + 2}" for n in range(HOSTS)]
    with FakeSite(articles=40, hosts=HOSTS, latency=0.5, addresses=addresses) as site:
        url_file = tmp_path / "urls.txt"
        url_file.write_text("\n".join(expected_articles(site)) + "\n", encoding="utf-8")
        victim = start_worker(postgres_dsn, config, url_file, tmp_path / "victim.stderr")
        survivor: subprocess.Popen[bytes] | None = None
        try:
            name = f"{socket.gethostname()}:{victim.pid}"
            wait_for(lambda: claims_of(postgres_dsn, name) > 0 or victim.poll() is not None, "its claims")
            assert victim.poll() is None, (tmp_path / "victim.stderr").read_text()
            survivor = start_worker(postgres_dsn, config, url_file, tmp_path / "survivor.stderr")
            other = f"{socket.gethostname()}:{survivor.pid}"
            wait_for(lambda: claims_of(postgres_dsn, other) > 0 or survivor.poll() is not None, "claims")
            assert survivor.poll() is None, (tmp_path / "survivor.stderr").read_text()

            held = claims_of(postgres_dsn, name)
            victim.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            victim.wait()
            assert held > 0
            wait_for(lambda: claims_of(postgres_dsn, name) == 0, "the claims back", deadline=LEASE / 2)
            back_after = time.monotonic() - killed
            print(f"{held} claims of the killed worker back after {back_after:.2f}s (heartbeat {HEARTBEAT}s)")
            assert back_after <= 3 * HEARTBEAT

            # The survivor, stopped as systemd stops it, leaves nothing claimed and no heartbeat row.
            survivor.send_signal(signal.SIGTERM)
            assert survivor.wait(timeout=EXIT_BOUND) == 143, (tmp_path / "survivor.stderr").read_text()
        finally:
            for process in (victim, survivor):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait()
    assert pg_count(postgres_dsn, "SELECT count(*) FROM urls WHERE state = 'claimed'") == 0
    assert pg_count(postgres_dsn, "SELECT count(*) FROM workers WHERE name = %s", other) == 0
