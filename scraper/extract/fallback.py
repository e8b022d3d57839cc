"""The second opinion: trafilatura, asked only where the own result is clearly unreliable.

Its cost counts in the speed figure (bench/extraction.py), so it is called for near-empty results only.
"""

from __future__ import annotations

import logging

__all__ = ["fallback_text"]

logger = logging.getLogger(__name__)


def fallback_text(html: str, url: str | None) -> str:
    """trafilatura's body text of `html`, or "" when it finds none or fails."""
    import trafilatura  # imported late: its import costs ~0.5 s, most processes never need it

    try:
        text = trafilatura.extract(html, url=url, include_comments=False, favor_recall=True)
    except Exception as exc:  # a third-party parser on hostile input: a second opinion must not raise
        logger.debug("trafilatura failed: %r", exc)
        return ""
    return text or ""
