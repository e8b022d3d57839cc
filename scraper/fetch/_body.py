"""Responses: what one HTTP request brought back, which content types are wanted, and the body read
within its cap."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import httpx

from ..models import SkipReason
from ._decoders import decoder_for
from ._errors import BodyTooLargeError

__all__ = ["Accept", "BodyRules", "Exchange", "charset_of", "read_body", "type_skip_reason"]

Accept = Literal["html", "xml"]

# A compressed body larger than the decoded cap is nonsense; leave room for incompressible data's overhead.
_RAW_SLACK = 64 * 1024

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset(
    {
        "application/xml",
        "text/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/json",
        "application/feed+json",
        "application/gzip",  # sitemap.xml.gz, gunzipped (boundedly) by discover.py
        "application/x-gzip",
        "application/octet-stream",  # .xml.gz files are often served as this
        "text/plain",  # sitemaps may be plain lists of URLs
    }
)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request's answer: status, headers (lower-case names) and, for a 2xx, the decoded body."""

    url: httpx.URL
    status: int
    headers: dict[str, str]
    body: bytes = b""
    skip_reason: SkipReason | None = None
    retry_at: datetime | None = None  # set when the URL is deferred


@dataclass(frozen=True, slots=True)
class BodyRules:
    accept: str  # "html", "xml" or "any" (robots.txt)
    max_size: int
    truncate: bool = False  # past max_size: keep the first max_size bytes (robots.txt) instead of refusing


class _Full(Exception):
    """A truncated body has its max_size bytes."""


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def type_skip_reason(content_type: str | None, accept: str) -> SkipReason | None:
    """Why a response of this Content-Type is skipped (``not_html``, ``not_xml``), or None to read it."""
    media = _media_type(content_type)
    if media is None:  # no type given: the body is sniffed instead
        return None
    if accept == "html":
        return None if media in _HTML_TYPES else SkipReason.NOT_HTML
    if accept == "xml":
        xmlish = media in _XML_TYPES or media.endswith(("+xml", "+json"))
        return None if xmlish else SkipReason.NOT_XML
    return None


async def read_body(
    response: httpx.Response, headers: Mapping[str, str], max_size: int, *, truncate: bool = False
) -> bytes:
    """The decoded body, refused (BodyTooLargeError) as soon as it is known to exceed `max_size`: no
    partial bodies. With `truncate`, its first `max_size` bytes instead, the rest left unread."""
    declared = headers.get("content-length", "")
    if not truncate and "content-encoding" not in headers and declared.isdigit() and int(declared) > max_size:
        raise BodyTooLargeError(f"body of {declared} bytes is over the {max_size}-byte cap")
    decoder = decoder_for(headers.get("content-encoding"))
    if response.is_stream_consumed:
        # A response built in memory (httpx.MockTransport with content=...) was read and decoded by httpx
        # already; no server can steer that, so only the cap is left to check.
        if len(response.content) > max_size and not truncate:
            raise BodyTooLargeError(f"decoded body is over the {max_size}-byte cap")
        return response.content[:max_size]
    body = bytearray()
    raw_size = 0

    def take(pieces: Iterator[bytes]) -> None:
        for piece in pieces:
            if len(body) + len(piece) > max_size:
                if truncate:
                    body.extend(piece[: max_size - len(body)])
                    raise _Full
                raise BodyTooLargeError(f"decoded body is over the {max_size}-byte cap")
            body.extend(piece)

    try:
        async for chunk in response.aiter_raw():
            raw_size += len(chunk)
            if raw_size > max_size + _RAW_SLACK:
                if truncate:
                    raise _Full
                raise BodyTooLargeError(f"body is over the {max_size}-byte cap")
            take(decoder.feed(chunk))
        if raw_size:  # an empty body with a Content-Encoding is merely empty
            take(decoder.finish())
    except _Full:
        pass
    return bytes(body)
