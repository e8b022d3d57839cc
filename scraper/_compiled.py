"""The optional compiled loops (setup.py builds them where a C compiler is): which may run.

Each is a `.pyx` beside the Python module that does the same in Python, byte for byte, and falls back to
it when the compiled one is missing (an install without a compiler) or `SCRAPER_PURE_PYTHON` is set (to
tell a fault of a compiled loop from one of the rules, and for tests that run both). One debug log line
per module says which runs.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import logging
import os
from dataclasses import dataclass
from types import ModuleType

__all__ = ["PURE_PYTHON_SWITCH", "Loaded", "load", "pure_python", "selectolax_version", "try_load"]

logger = logging.getLogger(__name__)

# Set to anything but "" or "0", the Python code runs even where the compiled loops are built.
PURE_PYTHON_SWITCH = "SCRAPER_PURE_PYTHON"


def pure_python() -> bool:
    return os.environ.get(PURE_PYTHON_SWITCH, "") not in ("", "0")


@dataclass(frozen=True, slots=True)
class Loaded:
    """A compiled module that may run, or None and why the Python code runs instead."""

    module: ModuleType | None
    reason: str  # why Python runs; "" for a module that may run


def try_load(name: str) -> Loaded:
    """The compiled module `name` (dotted) if it may run, else why not; nothing logged (`load` logs)."""
    if pure_python():
        return Loaded(None, f"{PURE_PYTHON_SWITCH} is set")
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # built without a compiler: the same results, slower
        return Loaded(None, f"not built: {exc}")
    except ValueError as exc:  # Cython's check at import: a type it reads (LexborNode) changed size
        return Loaded(None, f"does not load: {exc}")
    # A module that reads selectolax's and Lexbor's structs (_lexbor.pxd) names the version whose layout
    # it was written for: with another installed, whatever the structs' sizes, it must not run.
    built_for = getattr(module, "SELECTOLAX_VERSION", None)
    if built_for is not None and built_for != (installed := selectolax_version()):
        return Loaded(None, f"built for selectolax {built_for}, {installed} is installed")
    return Loaded(module, "")


def load(name: str) -> ModuleType | None:
    """The compiled module `name` (dotted), or None where the Python code must run; logged at debug."""
    loaded = try_load(name)
    if loaded.module is None:
        logger.debug("%s: Python (%s)", name, loaded.reason)
    else:
        logger.debug("%s: compiled", name)
    return loaded.module


@functools.cache  # read from the installed package's metadata once: each compiled module asks at import
def selectolax_version() -> str:
    return importlib.metadata.version("selectolax")
