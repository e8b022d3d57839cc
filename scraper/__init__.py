"""scraper: a boilerplate-stripping web scraper.

The public API is what ``__all__`` lists; every other module is private.
"""

from __future__ import annotations

__version__ = "0.1.0"
