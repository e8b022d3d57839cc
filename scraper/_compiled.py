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
from types import ModuleType

__all__ = ["PURE_PYTHON_SWITCH", "load", "pure_python", "selectolax_version"]

logger = logging.getLogger(__name__)

# Set to anything but "" or "0", the Python code runs even where the compiled loops are built.
PURE_PYTHON_SWITCH = "SCRAPER_PURE_PYTHON"


def pure_python() -> bool:
    return os.environ.get(PURE_PYTHON_SWITCH, "") not in ("", "0")


def load(name: str) -> ModuleType | None:
    """The compiled module `name` (dotted), or None where the Python code must run."""
    if pure_python():
        logger.debug("%s: Python (%s is set)", name, PURE_PYTHON_SWITCH)
        return None
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # built without a compiler: the same results, slower
        logger.debug("%s: Python (not built: %s)", name, exc)
        return None
    except ValueError as exc:  # Cython's check at import: a type it reads (LexborNode) changed size
        logger.debug("%s: Python (does not load: %s)", name, exc)
        return None
    # A module that reads selectolax's and Lexbor's structs (_lexbor.pxd) names the version whose layout
    # it was written for: with another installed, whatever the structs' sizes, it must not run.
    built_for = getattr(module, "SELECTOLAX_VERSION", None)
    if built_for is not None and built_for != (installed := selectolax_version()):
        logger.debug("%s: Python (built for selectolax %s, %s is installed)", name, built_for, installed)
        return None
    logger.debug("%s: compiled", name)
    return module


@functools.cache  # read from the installed package's metadata once: each compiled module asks at import
def selectolax_version() -> str:
    return importlib.metadata.version("selectolax")
