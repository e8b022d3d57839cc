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

from .._compiled import PURE_PYTHON_SWITCH, pure_python, selectolax_version

__all__ = ["PURE_PYTHON_SWITCH", "Walk", "load_walk"]

logger = logging.getLogger(__name__)


WalkFunction = Callable[[Any, Any, Any], None]  # (collector, root, recorder), as blocks._walk


@dataclass(frozen=True, slots=True)
class Walk:
    walk: WalkFunction | None  # None: blocks._walk runs
    reason: str  # why, for the log line


def _compiled(blocks: ModuleType) -> Walk:
    if pure_python():
        return Walk(None, f"{PURE_PYTHON_SWITCH} is set")
    try:
        from . import _cwalk
    except (ImportError, ValueError) as exc:  # not built; or Cython's check of LexborNode's size failed
        return Walk(None, f"the compiled walk does not load: {exc}")
    installed = selectolax_version()
    if installed != _cwalk.SELECTOLAX_VERSION:
        # The compiled loop reads structs whose layout may differ in another version, whatever their size.
        return Walk(None, f"built for selectolax {_cwalk.SELECTOLAX_VERSION}, {installed} is installed")
    _cwalk.bind(blocks)
    return Walk(_cwalk.walk, f"selectolax {installed}")


def load_walk(blocks: ModuleType) -> Walk:
    """The compiled walk bound to the rules of `blocks` (the module of the Python walk), if it may run."""
    loaded = _compiled(blocks)
    logger.debug("block walk: %s (%s)", "Python" if loaded.walk is None else "compiled", loaded.reason)
    return loaded
