"""The pipeline: sources → frontier → fetch → extract (in worker processes) → store, folded into a RunReport.

`run` is the cron job. It works in two phases:

1. discovery: feeds, sitemaps and section pages are fetched and parsed (in the worker processes), their
   article URLs normalised, filtered and enqueued in the store (the store is the frontier);
2. the crawl: due URLs are claimed from the store in small batches (never all at once, so memory stays flat
   however many are queued), fetched concurrently, extracted in worker processes so every core is used, and
   saved one page per transaction. Each URL's result is an `Outcome`; a failure of one page (even an
   exception in the extractor, or a parse past `run.parse_timeout` or `run.parse_memory`, whose worker is
   killed) is a FAILED outcome, never a crashed or stalled run.

The library functions behind the other commands live here too: `get_urls` (`scraper get`) and `reextract`
(`scraper reextract`); `export` and the Markdown rendering are `scraper.render`'s, re-exported here. Nothing
here prints: it logs through `logging` (logger "scraper.pipeline") and reports progress through a
`ProgressSink`.

The modules, one job each: `_run` (the run loop and the store's host gate), `_discovery` (the sources),
`_pool` (parsing in worker processes: `ExtractionPool`), `_processes` (those processes, held to the time and
memory limits), `_worker` (a worker's own side), `_commands` (`get_urls`, `reextract`), `_state` (what one
run shares), `_stop` (ending a run early and cleanly: `RunStop`; heartbeats), `_pieces` (the fetcher and
extractor as the pipeline sees them).
"""

from __future__ import annotations

from ..render import EXPORT_FORMATS, document_to_markdown, export
from ._commands import GetRow, ReextractReport, get_urls, reextract
from ._pieces import Extractor, FetcherFactory, PageFetcher, ProgressSink, default_worker_name
from ._pool import ExtractionJob, ExtractionPool
from ._run import run
from ._stop import RunStop

__all__ = [
    "EXPORT_FORMATS",
    "ExtractionJob",
    "ExtractionPool",
    "Extractor",
    "FetcherFactory",
    "GetRow",
    "PageFetcher",
    "ProgressSink",
    "ReextractReport",
    "RunStop",
    "default_worker_name",
    "document_to_markdown",
    "export",
    "get_urls",
    "reextract",
    "run",
]
