"""Page metadata from JSON-LD, OpenGraph, <meta> and the page itself.

Each field is taken from the most trusted source that has a usable value, in this order:

1. JSON-LD (schema.org): the page's article object (NewsArticle, BlogPosting ..., found at the top level,
   in lists or in ``@graph``; ``@id`` references resolved), else its WebPage object;
2. OpenGraph and ``article:*`` properties;
3. other ``<meta>`` names: author, date, description, ``citation_*``, ``dc.*``, ``parsely-*``,
   ``sailthru.*``;
4. microdata (``itemprop``) and ``<time datetime>`` elements;
5. the page itself: ``<title>`` without its " | Site" suffix, ``<h1>``, ``rel=author`` and byline
   elements, a date in the URL path (``/2024/03/05/``).

Values are cleaned, not invented: authors lose their "By" and are refused when they are a URL, an e-mail
address or a sentence; dates come only from structured fields, date elements and the URL path, and are
written as ISO 8601 (a date, or a full date-time when the source gives a time and a UTC offset).

One module per job: ``_page`` (the page's metadata elements, <meta> tags, text near the headline),
``_jsonld``, ``_title``, ``_authors``, ``_dates`` and ``_metadata`` (the fields put together); the rules they
apply (types, keys, selectors, patterns, word lists, tuning) are data in ``rules.py``.
"""

from __future__ import annotations

from ._dates import normalise_date
from ._metadata import Metadata, extract_metadata
from ._page import all_matches, markup_tally
from .rules import MAX_JSON_LD_CHARS

__all__ = [
    "MAX_JSON_LD_CHARS",
    "Metadata",
    "all_matches",
    "extract_metadata",
    "markup_tally",
    "normalise_date",
]
