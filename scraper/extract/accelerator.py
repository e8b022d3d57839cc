"""Which block walk runs: the loop of `blocks._walk` compiled (`_cwalk.pyx`), or the Python one.

The compiled loop reads Lexbor's nodes and selectolax's `LexborNode` in C, as the selectolax it was
written for lays them out (`_cwalk.SELECTOLAX_VERSION`). With another selectolax installed, a build
without a compiler, or `SCRAPER_PURE_PYTHON=1`, the Python walk runs: same blocks, slower. One debug log
line says which walk runs and why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .._compiled import PURE_PYTHON_SWITCH, selectolax_version, try_load

__all__ = ["PURE_PYTHON_SWITCH", "Walk", "load_walk"]

logger = logging.getLogger(__name__)


WalkFunction = Callable[[Any, Any, Any], None]  # (collector, root, recorder), as blocks._walk


@dataclass(frozen=True, slots=True)
class Walk:
    walk: WalkFunction | None  # None: blocks._walk runs
    reason: str  # why, for the log line


def _compiled(blocks: ModuleType) -> Walk:
    # Not built, built for another selectolax (the loop reads structs whose layout may differ, whatever
    # their size), refused by Cython's check of LexborNode's size, or switched off: _compiled.try_load says.
    loaded = try_load("scraper.extract._cwalk")
    if loaded.module is None:
        return Walk(None, loaded.reason)
    loaded.module.bind(blocks)
    return Walk(loaded.module.walk, f"selectolax {selectolax_version()}")


def load_walk(blocks: ModuleType) -> Walk:
    """The compiled walk bound to the rules of `blocks` (the module of the Python walk), if it may run."""
    loaded = _compiled(blocks)
    logger.debug("block walk: %s (%s)", "Python" if loaded.walk is None else "compiled", loaded.reason)
    return loaded
