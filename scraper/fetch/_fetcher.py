"""The Fetcher: one URL (or many) in, a FetchResult out, with redirects, retries and robots.txt."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any

import httpx

from ..charset import decode_html, looks_binary
from ..config import FetchSettings
from ..errors import FetchError
from ..models import ErrorInfo, ErrorKind, FetchResult, FetchStatus, SkipReason, Validators
from ..politeness import HostSchedule, RetryAction, RetryPolicy
from ..urls import redact_url
from ._body import Accept, BodyRules, Exchange, charset_of, read_body, type_skip_reason
from ._decoders import ACCEPT_ENCODING
from ._errors import Attempt, Failure, failure_for
from ._guard import AddressGuard, Resolver, system_resolver
from ._pools import build_transport
from ._robots import RobotsCache
from ._slots import HostGate, PoliteSlots
from ._urls import (
    CROSS_ORIGIN_DROPPED_HEADERS,
    REDIRECT_STATUSES,
    Authorizations,
    checked_url,
    origin,
    redirect_target,
)

__all__ = ["Fetcher"]

logger = logging.getLogger("scraper.fetch")

# Bounds the tasks `fetch_many` keeps pending (memory stays flat for long URL lists); waiting tasks cost
# little, and enough of them keep every host busy when the input mixes hosts.
_FETCH_MANY_WINDOW = 1024
_CONDITIONAL_HEADERS = ("if-none-match", "if-modified-since")
# RFC 9110 §5.5: a field value holds no control character but HTAB. A CR or LF would end the header line
# (header injection); httpx refuses them, which failed every URL as `protocol` instead of the setting.
_FORBIDDEN_IN_HEADERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class _Tally:
    """HTTP requests made for one URL, across retries and redirects."""

    def __init__(self) -> None:
        self.attempts = 0


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _validators(headers: Mapping[str, str]) -> Validators:
    return Validators(etag=headers.get("etag"), last_modified=headers.get("last-modified"))


def _check_settings(settings: FetchSettings, headers: Mapping[str, str]) -> None:
    """Refuse, once and by name, settings every request would fail with."""
    if settings.concurrency < 1 or settings.per_host_concurrency < 1 or settings.attempts < 1:
        raise FetchError("concurrency, per_host_concurrency and attempts must be at least 1")
    if _FORBIDDEN_IN_HEADERS.search(settings.user_agent):
        raise FetchError(f"fetch.user_agent {settings.user_agent!r} holds a control character (CR, LF, ...)")
    for name, value in headers.items():
        if _FORBIDDEN_IN_HEADERS.search(name) or _FORBIDDEN_IN_HEADERS.search(value):
            raise FetchError(f"header {name!r} holds a control character (CR, LF, ...) in its name or value")


class Fetcher:
    """Async HTTP fetcher; see `scraper.fetch`. Use as ``async with Fetcher(settings) as fetcher``.

    `transport` replaces the guarded httpx transport (tests: httpx.MockTransport / respx, or a
    `PerHostTransport` of their own pools); numeric hosts are still checked, names are then the transport's
    business. `resolver` maps host names to addresses for the guarded transport (tests and benches map
    ``a.test`` to 127.0.0.1). `host_gate` shares the per-host delay with other processes (see `HostGate`).
    `clock`/`sleep` (monotonic seconds) drive the politeness waits and backoff, `now` the wall clock for
    Retry-After and `retry_at`, `random` the backoff jitter. `headers` are sent with every request
    (Authorization and Cookie only to the first URL's origin).
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = _utc_now,
        random: Callable[[], float] | None = None,
        headers: Mapping[str, str] | None = None,
        host_gate: HostGate | None = None,
    ) -> None:
        _check_settings(settings, headers or {})
        self._settings = settings
        self._guard = AddressGuard(resolver or system_resolver, settings.allow_private)
        self._transport = transport
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._extra_headers = {k.lower(): v for k, v in (headers or {}).items()}
        self._authorizations = Authorizations(settings.credentials)
        schedule = HostSchedule(delay=settings.delay, per_host=settings.per_host_concurrency)
        self._slots = PoliteSlots(
            schedule,
            concurrency=settings.concurrency,
            per_host=settings.per_host_concurrency,
            clock=clock,
            sleep=sleep,
            host_gate=host_gate,
        )
        self._robots = RobotsCache(settings, self._robots_exchange, schedule, self._extra_headers)
        self._retry = RetryPolicy(settings.attempts, settings.backoff, settings.max_retry_after)
        if random is not None:
            self._retry.rng = random
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        transport = self._transport or build_transport(self._settings, self._guard)
        s = self._settings
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,  # proxies only when configured, never from the environment
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=None
            ),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),  # keeps no cookies
        )
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._robots.close()
        if self._client is not None:
            await self._client.__aexit__(exc_type, exc, tb)
            self._client = None

    # --- public ------------------------------------------------------------------------------------------

    async def fetch(
        self, url: str, validators: Validators | None = None, *, accept: Accept = "html"
    ) -> FetchResult:
        """Fetch one URL. Never raises for a problem with the URL or its server: see `scraper.fetch`."""
        if self._client is None:
            raise FetchError("use Fetcher as an async context manager: async with Fetcher(...) as fetcher")
        started = self._clock()
        tally = _Tally()
        try:
            return await self._fetch(url, validators, accept, tally, started)
        except Failure as failure:
            return self._failed(url, failure, tally, started)
        except Exception as exc:  # a bug must cost one URL, not the run; the log keeps the traceback
            logger.exception("unexpected error fetching %s", redact_url(url))
            return self._failed(
                url, Failure(ErrorKind.PROTOCOL, f"{type(exc).__name__}: {exc}"), tally, started
            )

    async def fetch_many(
        self, urls: Iterable[tuple[str, Validators | None]] | Iterable[str], *, accept: Accept = "html"
    ) -> AsyncIterator[FetchResult]:
        """Fetch many URLs concurrently within the limits, yielding each result as it completes.

        The input is read lazily, at most `_FETCH_MANY_WINDOW` URLs ahead. Closing the iterator early
        cancels the fetches still running.
        """
        items: Iterator[tuple[str, Validators | None] | str] = iter(urls)
        pending: set[asyncio.Task[FetchResult]] = set()
        # Finished tasks land here; asyncio.wait() would re-register on every pending task per result.
        finished: asyncio.Queue[asyncio.Task[FetchResult]] = asyncio.Queue()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < _FETCH_MANY_WINDOW:
                    item = next(items, None)
                    if item is None:
                        exhausted = True
                        break
                    url, validators = (item, None) if isinstance(item, str) else item
                    task = asyncio.create_task(self.fetch(url, validators, accept=accept))
                    task.add_done_callback(finished.put_nowait)
                    pending.add(task)
                if not pending:
                    return
                task = await finished.get()
                pending.discard(task)
                yield task.result()
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    # --- one URL -----------------------------------------------------------------------------------------

    async def _fetch(
        self, url: str, validators: Validators | None, accept: Accept, tally: _Tally, started: float
    ) -> FetchResult:
        target = checked_url(url, allow_private=self._settings.allow_private)
        headers = dict(self._extra_headers)
        if validators and validators.etag:
            headers["if-none-match"] = validators.etag
        if validators and validators.last_modified:
            headers["if-modified-since"] = validators.last_modified
        rules = BodyRules(accept, self._settings.max_size)
        first_origin = origin(target)
        for _hop in range(self._settings.max_redirects + 1):
            skip = await self._robots.skip_reason(target)
            if skip is not None:
                return self._result(url, FetchStatus.SKIPPED, tally, started, final=target, skip_reason=skip)
            exchange = await self._exchange_with_retries(target, headers, rules, tally)
            if exchange.retry_at is not None:
                return self._result(
                    url, FetchStatus.DEFERRED, tally, started, exchange=exchange, retry_at=exchange.retry_at
                )
            location = exchange.headers.get("location")
            if exchange.status not in REDIRECT_STATUSES or not location:
                return self._final(url, exchange, accept, validators, tally, started)
            target = redirect_target(target, location, allow_private=self._settings.allow_private)
            # Validators belong to the first URL; credentials stay with the first origin.
            for name in _CONDITIONAL_HEADERS:
                headers.pop(name, None)
            if origin(target) != first_origin:
                for name in CROSS_ORIGIN_DROPPED_HEADERS:
                    headers.pop(name, None)
        raise Failure(ErrorKind.TOO_MANY_REDIRECTS, f"more than {self._settings.max_redirects} redirects")

    def _final(
        self,
        url: str,
        exchange: Exchange,
        accept: Accept,
        sent: Validators | None,
        tally: _Tally,
        started: float,
    ) -> FetchResult:
        if exchange.status == 304:
            got = _validators(exchange.headers)
            return self._result(
                url, FetchStatus.NOT_MODIFIED, tally, started, exchange=exchange, validators=got or sent
            )
        if not 200 <= exchange.status < 300:
            failure = Failure(ErrorKind.HTTP_STATUS, f"HTTP {exchange.status}")
            return self._failed(url, failure, tally, started, exchange=exchange)
        if exchange.skip_reason is not None:
            return self._result(url, FetchStatus.SKIPPED, tally, started, exchange=exchange)
        text = encoding = None
        if accept == "html":
            if looks_binary(exchange.body):  # an image or archive served as text/html
                skipped = Exchange(
                    exchange.url, exchange.status, exchange.headers, skip_reason=SkipReason.NOT_HTML
                )
                return self._result(url, FetchStatus.SKIPPED, tally, started, exchange=skipped)
            declared = charset_of(exchange.headers.get("content-type"))
            try:
                decoded = decode_html(exchange.body, declared=declared)
            except Exception as exc:  # decode_html promises never to raise; a bug there costs one URL
                raise Failure(ErrorKind.DECODING, f"cannot decode body: {exc}") from exc
            text, encoding = decoded.text, decoded.encoding
        return self._result(
            url,
            FetchStatus.OK,
            tally,
            started,
            exchange=exchange,
            text=text,
            encoding=encoding,
            validators=_validators(exchange.headers),
        )

    def _result(
        self,
        url: str,
        status: FetchStatus,
        tally: _Tally,
        started: float,
        *,
        exchange: Exchange | None = None,
        final: httpx.URL | None = None,
        text: str | None = None,
        encoding: str | None = None,
        validators: Validators | None = None,
        skip_reason: SkipReason | None = None,
        retry_at: datetime | None = None,
        error: ErrorInfo | None = None,
    ) -> FetchResult:
        final_url = exchange.url if exchange is not None else final
        return FetchResult(
            url=url,
            status=status,
            final_url=str(final_url) if final_url is not None else None,
            http_status=exchange.status if exchange is not None else None,
            headers=exchange.headers if exchange is not None else {},
            content=exchange.body if exchange is not None and status is FetchStatus.OK else b"",
            text=text,
            encoding=encoding,
            validators=validators or Validators(),
            attempts=tally.attempts,
            elapsed=self._clock() - started,
            error=error,
            skip_reason=skip_reason or (exchange.skip_reason if exchange is not None else None),
            retry_at=retry_at,
        )

    def _failed(
        self, url: str, failure: Failure, tally: _Tally, started: float, *, exchange: Exchange | None = None
    ) -> FetchResult:
        error = ErrorInfo(failure.kind, failure.message)
        return self._result(url, FetchStatus.FAILED, tally, started, exchange=exchange, error=error)

    # --- retries, politeness, one request ----------------------------------------------------------------

    async def _robots_exchange(
        self, url: httpx.URL, headers: Mapping[str, str], rules: BodyRules
    ) -> Exchange:
        return await self._exchange_with_retries(url, headers, rules, None)  # not counted in `attempts`

    async def _exchange_with_retries(
        self, target: httpx.URL, headers: Mapping[str, str], rules: BodyRules, tally: _Tally | None
    ) -> Exchange:
        attempt = 0
        while True:
            attempt += 1
            if tally is not None:
                tally.attempts += 1
            try:
                async with self._slots.slot(target) as request_sent:
                    exchange = await self._exchange(target, headers, rules, request_sent)
            except Failure as failure:
                decision = self._retry.decide(attempt, self._now(), error_kind=failure.kind)
                if decision.action is not RetryAction.RETRY:
                    raise
                logger.debug("retrying %s in %.1fs after %s", target, decision.wait, failure.kind)
                await self._sleep(decision.wait)
                continue
            decision = self._retry.decide(
                attempt, self._now(), http_status=exchange.status, headers=exchange.headers
            )
            if decision.action is RetryAction.DEFER:
                return Exchange(exchange.url, exchange.status, exchange.headers, retry_at=decision.retry_at)
            if decision.action is RetryAction.GIVE_UP:
                return exchange
            logger.debug("retrying %s in %.1fs after HTTP %d", target, decision.wait, exchange.status)
            await self._sleep(decision.wait)

    async def _exchange(
        self,
        target: httpx.URL,
        headers: Mapping[str, str],
        rules: BodyRules,
        request_sent: Callable[[], None],
    ) -> Exchange:
        """One HTTP request, bounded as a whole by `settings.timeout`; whatever goes wrong is translated
        by the table in `_errors`."""
        reading_body = False

        def body_started() -> None:
            nonlocal reading_body
            reading_body = True

        try:
            async with asyncio.timeout(self._settings.timeout):
                return await self._request(target, headers, rules, request_sent, body_started)
        except Exception as exc:
            failure = failure_for(exc, Attempt(deadline=self._settings.timeout, reading_body=reading_body))
            if failure is None:
                raise  # a bug: `fetch` reports it, with its traceback in the log
            raise failure from exc

    async def _request(
        self,
        target: httpx.URL,
        headers: Mapping[str, str],
        rules: BodyRules,
        request_sent: Callable[[], None],
        body_started: Callable[[], None],
    ) -> Exchange:
        assert self._client is not None, "use Fetcher as an async context manager"

        async def trace(event: str, info: Mapping[str, Any]) -> None:
            if event == "http11.send_request_headers.complete":
                request_sent()

        if self._settings.proxy and not self._settings.allow_private:
            await self._guard.addresses(target.host)  # the proxy connects: check the name here
        headers = self._authorizations.added(target, headers)
        request = self._client.build_request("GET", target, headers=headers, extensions={"trace": trace})
        response = await self._client.send(request, stream=True)
        try:
            received = {name.lower(): value for name, value in response.headers.items()}
            if not 200 <= response.status_code < 300:
                return Exchange(target, response.status_code, received)
            skip = type_skip_reason(received.get("content-type"), rules.accept)
            if skip is not None:
                return Exchange(target, response.status_code, received, skip_reason=skip)
            body_started()
            body = await read_body(response, received, rules.max_size, truncate=rules.truncate)
            return Exchange(target, response.status_code, received, body)
        finally:
            await response.aclose()
