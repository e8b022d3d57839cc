"""The progress bar of `scraper run` on a terminal (rich, on stderr): URLs done out of the total with an
ETA when the frontier is known, and the outcomes counted by kind. Cron, pipes and files get nothing."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable

from .models import Outcome

__all__ = ["NoProgress", "ProgressBar", "progress_sink"]


class ProgressBar:
    """A rich progress display on stderr. `total` gives the number of URLs the run will take once
    discovery is over, or None when it cannot be known (other workers share the frontier)."""

    def __init__(self, total: Callable[[], int | None]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._total = total
        self._task = self._progress.add_task("discovering", total=None)
        self._new = 0
        self._counts: Counter[str] = Counter()

    def discovered(self, new_urls: int) -> None:
        self._new = new_urls
        self._progress.update(self._task, description=f"{new_urls} new URLs", total=self._total())
        self._progress.refresh()  # the total is news worth drawing at once

    def outcome(self, outcome: Outcome) -> None:
        self._counts[outcome.kind.value] += 1
        done = ", ".join(f"{n} {kind}" for kind, n in sorted(self._counts.items()))
        self._progress.update(self._task, advance=1, description=f"{self._new} new URLs; {done}")

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()


class NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        pass


def progress_sink(total: Callable[[], int | None], *, json_logs: bool) -> ProgressBar | NoProgress:
    """A progress bar on a terminal; nothing for cron, pipes, files, or JSON logs (every line JSON)."""
    return ProgressBar(total) if sys.stderr.isatty() and not json_logs else NoProgress()
