"""Content-Encoding undone with bounded memory.

httpx expands a compressed chunk without limit, so the Fetcher sends Accept-Encoding itself, reads raw
bytes, and undoes gzip/deflate/br/zstd here with decoders that hand out at most `_DECODE_STEP` bytes at a
time; the caller counts the pieces against its cap. Errors: ContentDecodingError for an unknown coding or
bad data, TruncatedBodyError for a compressed stream cut short.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Protocol

import brotli
import zstandard

from ._errors import ContentDecodingError, TruncatedBodyError

__all__ = ["ACCEPT_ENCODING", "MAX_STACKED_CODINGS", "DecoderChain", "decoder_for"]

# Encodings we can undo with bounded memory; nothing else is advertised.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
# Largest piece a decoder hands out at once: memory over the cap stays within a few of these.
_DECODE_STEP = 1024 * 1024
# zstandard's decompressobj has no output limit, and one zstd byte can expand to ~32 KiB (a 4-byte RLE block
# yields 128 KiB); feeding it 32 bytes at a time keeps each output within _DECODE_STEP.
_ZSTD_INPUT_SLICE = 32
# RFC 8878 §3.1.1.1.2: HTTP decoders need not accept frames with a window over 8 MB; refusing larger ones
# stops a frame header from making the decoder allocate gigabytes.
_ZSTD_MAX_WINDOW = 8 * 1024 * 1024
# Content codings applied one over another that we undo. Real servers stack two at most (a proxy
# compressing an already compressed body); browsers give up on long chains too. Each coding is a decoder
# and a generator in the chain, so a header of 1,500 `deflate`s exhausted the stack (RecursionError).
MAX_STACKED_CODINGS = 3


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> Iterator[bytes]: ...


class _ZlibDecoder:
    """gzip (multi-member too) or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._wbits = 16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS
        self._obj = zlib.decompressobj(self._wbits)
        self._produced = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                out = self._obj.decompress(data, _DECODE_STEP)
            except zlib.error as exc:
                if self._gzip or self._produced or self._wbits < 0:
                    name = "gzip" if self._gzip else "deflate"
                    raise ContentDecodingError(f"bad {name} data: {exc}") from exc
                self._wbits = -zlib.MAX_WBITS  # "deflate" without the zlib wrapper
                self._obj = zlib.decompressobj(self._wbits)
                continue
            if out:
                self._produced = True
                yield out
            if self._obj.eof:
                data = self._obj.unused_data
                if not (self._gzip and data.strip(b"\0")):
                    return
                self._obj = zlib.decompressobj(self._wbits)  # the next gzip member
                continue
            data = self._obj.unconsumed_tail
            if not data and len(out) < _DECODE_STEP:
                return

    def finish(self) -> Iterator[bytes]:
        if not self._obj.eof:
            raise TruncatedBodyError("compressed body ends before its compressed stream does")
        yield from ()


class _BrotliDecoder:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            yield self._obj.process(data, output_buffer_limit=_DECODE_STEP)
            while not self._obj.can_accept_more_data():
                yield self._obj.process(b"", output_buffer_limit=_DECODE_STEP)
        except brotli.error as exc:
            raise ContentDecodingError(f"bad brotli data: {exc}") from exc

    def finish(self) -> Iterator[bytes]:
        if not self._obj.is_finished():
            raise TruncatedBodyError("brotli body ends before its compressed stream does")
        yield from ()


class _ZstdDecoder:
    def __init__(self) -> None:
        self._obj = zstandard.ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW).decompressobj()

    def feed(self, data: bytes) -> Iterator[bytes]:
        view = memoryview(data)
        try:
            for start in range(0, len(view), _ZSTD_INPUT_SLICE):
                if self._obj.eof:
                    return  # bytes after the frame are ignored, as by httpx
                out = self._obj.decompress(view[start : start + _ZSTD_INPUT_SLICE])
                if out:
                    yield out
        except zstandard.ZstdError as exc:
            raise ContentDecodingError(f"bad zstd data: {exc}") from exc

    def finish(self) -> Iterator[bytes]:
        if not self._obj.eof:
            raise TruncatedBodyError("zstd body ends before its frame does")
        yield from ()


class _IdentityDecoder:
    def feed(self, data: bytes) -> Iterator[bytes]:
        yield data

    def finish(self) -> Iterator[bytes]:
        yield from ()


class DecoderChain:
    """Content-Encoding ``gzip, br`` means br(gzip(body)): undo the last first, passing bounded pieces on."""

    def __init__(self, decoders: list[_Decoder]) -> None:
        self._decoders = decoders or [_IdentityDecoder()]

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(1, self._decoders[0].feed(data))

    def finish(self) -> Iterator[bytes]:
        for index, decoder in enumerate(self._decoders):
            yield from self._through(index + 1, decoder.finish())

    def _through(self, index: int, pieces: Iterator[bytes]) -> Iterator[bytes]:
        if index == len(self._decoders):
            yield from pieces
            return
        for piece in pieces:
            yield from self._through(index + 1, self._decoders[index].feed(piece))


_FACTORIES: dict[str, Callable[[], _Decoder]] = {
    "gzip": lambda: _ZlibDecoder(gzip=True),
    "x-gzip": lambda: _ZlibDecoder(gzip=True),
    "deflate": lambda: _ZlibDecoder(gzip=False),
    "br": _BrotliDecoder,
    "zstd": _ZstdDecoder,
}


def decoder_for(content_encoding: str | None) -> DecoderChain:
    """The decoders for a Content-Encoding header; raises ContentDecodingError for one we cannot undo, or
    for more than MAX_STACKED_CODINGS of them."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > MAX_STACKED_CODINGS:
        raise ContentDecodingError(
            f"{len(codings)} stacked content codings in Content-Encoding: "
            f"at most {MAX_STACKED_CODINGS} are undone"
        )
    unknown = [c for c in codings if c not in _FACTORIES]
    if unknown:
        raise ContentDecodingError(f"unsupported Content-Encoding {unknown[0]!r}")
    return DecoderChain([_FACTORIES[c]() for c in reversed(codings)])
