"""Worker processes killed with SIGKILL while holding claims: nothing lost, nothing stored twice.

A store-level version of the crash test of issue 5: each worker is a real process with its own
connection, claiming with a short lease, so the claims of killed workers expire and are taken over.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from scraper.storage import Store

if TYPE_CHECKING:  # the fixture's type; conftest modules are not imported by name at run time
    from conftest import Backend

URLS = 240
HOSTS = 24
DEADLINE = 90.0  # seconds for the whole test; a healthy run takes a few

# A worker: claim a few due URLs, "fetch" each (a short sleep), save it; stop when nothing is pending or
# claimed. The lease is short so a killed worker's claims come back quickly; a save refused because its
# lease expired meanwhile is expected and skipped.
WORKER = """
import sys, time
from datetime import UTC, datetime
from scraper.config import RunSettings
from scraper.errors import StaleClaimError
from scraper.models import Document, FetchResult, FetchStatus
from scraper.storage import open_store

store = open_store(sys.argv[1])
policy = RunSettings(lease=1.0, max_attempts=1000)
while True:
    store.release_expired(datetime.now(UTC), policy)
    claims = store.claim(worker=sys.argv[2], limit=3, now=datetime.now(UTC), lease=1.0, host_delay=0.0)
    if not claims:
        states = store.status().by_state
        if not states.get("pending") and not states.get("claimed"):
            break
        time.sleep(0.05)
        continue
    for claim in claims:
        time.sleep(0.01)
        fetch = FetchResult(claim.url, FetchStatus.OK, http_status=200, content=claim.url.encode())
        try:
            store.save(claim, fetch, Document(url=claim.url, text="text of " + claim.url),
                       now=datetime.now(UTC), policy=policy)
        except StaleClaimError:
            pass
store.close()
"""


def start_worker(dsn: str, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", WORKER, dsn, name], stderr=subprocess.PIPE)


def wait_for_documents(store: Store, count: int, deadline: float) -> None:
    while store.status().versions < count:
        assert time.monotonic() < deadline, "workers made no progress"
        time.sleep(0.05)


@pytest.mark.slow
def test_killed_workers_lose_nothing_and_store_each_article_once(backend: Backend, store: Store) -> None:
    urls = [f"http://h{i % HOSTS}.test/{i}" for i in range(URLS)]
    store.enqueue(urls, source="test", now=datetime.now(UTC))
    deadline = time.monotonic() + DEADLINE
    workers = [start_worker(backend.dsn, f"w{i}") for i in range(4)]
    try:
        for round_number in range(2):
            wait_for_documents(store, URLS // 4 * (round_number + 1), deadline)
            victim = workers.pop(0)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            workers.append(start_worker(backend.dsn, f"r{round_number}"))
        for worker in workers:
            _, errors = worker.communicate(timeout=max(1.0, deadline - time.monotonic()))
            assert worker.returncode == 0, errors.decode()
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()

    status = store.status()
    assert status.by_state == {"done": URLS}
    assert (status.documents, status.versions) == (URLS, URLS)
    assert sorted(document.url for document in store.documents()) == sorted(urls)
