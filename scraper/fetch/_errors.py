"""What can go wrong in one attempt, and the one table that turns it into an error kind.

Low-level errors (httpx, httpcore, the guard, the decoders, the body cap) are raised as they are and
translated once, where an attempt ends (`failure_for`), into a `Failure` with the kind and message a
`FetchResult` reports. The Fetcher's own verdicts (an invalid URL, an HTTP status, too many redirects)
are `Failure`s from the start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpcore
import httpx

from ..errors import FetchError
from ..models import ErrorKind

__all__ = [
    "Attempt",
    "BlockedAddressError",
    "BodyTooLargeError",
    "ContentDecodingError",
    "Failure",
    "TruncatedBodyError",
    "failure_for",
]


class Failure(Exception):
    """One attempt's failure, carried up to where it becomes a FetchResult."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class BlockedAddressError(FetchError):
    """A host resolves to a non-public address. Raised inside the network backend, so that no connection
    is made; the Fetcher reports it as a FAILED result of kind ``blocked_address``."""


class BodyTooLargeError(Exception):
    """The decoded body is over the cap (or is known to be, from its Content-Length)."""


class ContentDecodingError(Exception):
    """A Content-Encoding that is unknown, or a compressed body that does not decompress."""


class TruncatedBodyError(Exception):
    """A compressed body ends before its compressed stream does."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the table needs to know of the attempt that failed."""

    deadline: float  # seconds allowed for the whole attempt (settings.timeout)
    reading_body: bool  # the response head had come and the body was being read


_Describe = Callable[[BaseException, Attempt], str]
_Classify = Callable[[BaseException, Attempt], ErrorKind]


@dataclass(frozen=True, slots=True)
class _Row:
    raised: tuple[type[BaseException], ...]
    kind: _Classify
    message: _Describe


def _kind(kind: ErrorKind) -> _Classify:
    return lambda _exc, _attempt: kind


def _text(exc: BaseException, _attempt: Attempt) -> str:
    return str(exc)


def _class_and_text(exc: BaseException, _attempt: Attempt) -> str:
    """httpx's timeouts and network errors often come without any text: the class name says what."""
    return f"{type(exc).__name__}: {exc}"


def _remote_protocol_kind(exc: BaseException, attempt: Attempt) -> ErrorKind:
    """h11 reports a body cut short ("incomplete chunked read", "without sending complete message body")
    as a protocol error; for us that is a truncated body. A connection dropped before any answer is a
    connect failure (and retried)."""
    message = str(exc).lower()
    if attempt.reading_body and ("incomplete" in message or "complete message body" in message):
        return ErrorKind.TRUNCATED
    if "disconnected without sending a response" in message:
        return ErrorKind.CONNECT
    return ErrorKind.PROTOCOL


def _lost_connection_kind(_exc: BaseException, attempt: Attempt) -> ErrorKind:
    """A reset or broken pipe: before the body, the server was not reached (retried); during it, the body
    is cut short."""
    return ErrorKind.TRUNCATED if attempt.reading_body else ErrorKind.CONNECT


# First match wins: subclasses come before their bases (httpx.ConnectError is an httpx.NetworkError,
# every httpx error an httpx.HTTPError).
_TABLE: tuple[_Row, ...] = (
    _Row(  # asyncio.timeout around the whole attempt
        (TimeoutError,),
        _kind(ErrorKind.TIMEOUT),
        lambda _exc, attempt: f"no complete response within {attempt.deadline:g}s",
    ),
    _Row((httpx.TimeoutException,), _kind(ErrorKind.TIMEOUT), _class_and_text),
    _Row((BlockedAddressError,), _kind(ErrorKind.BLOCKED_ADDRESS), _text),
    # The guard's, raised before httpx maps anything.
    _Row((httpcore.ConnectError,), _kind(ErrorKind.CONNECT), _text),
    _Row((httpx.ConnectError,), _kind(ErrorKind.CONNECT), lambda exc, _attempt: str(exc) or "cannot connect"),
    _Row((httpx.UnsupportedProtocol, httpx.InvalidURL), _kind(ErrorKind.INVALID_URL), _text),
    _Row((httpx.RemoteProtocolError,), _remote_protocol_kind, _text),
    _Row((httpx.NetworkError,), _lost_connection_kind, _class_and_text),
    _Row((httpx.HTTPError,), _kind(ErrorKind.PROTOCOL), _class_and_text),
    _Row((BodyTooLargeError,), _kind(ErrorKind.TOO_LARGE), _text),
    _Row((ContentDecodingError,), _kind(ErrorKind.DECODING), _text),
    _Row((TruncatedBodyError,), _kind(ErrorKind.TRUNCATED), _text),
)


def failure_for(exc: BaseException, attempt: Attempt) -> Failure | None:
    """The failure `exc` means for the attempt, or None for an error the table does not know (a bug)."""
    for row in _TABLE:
        if isinstance(exc, row.raised):
            return Failure(row.kind(exc, attempt), row.message(exc, attempt))
    return None
