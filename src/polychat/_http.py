"""The only module that does network I/O: httpx clients, timeouts, retries.

One :class:`SyncTransport` / :class:`AsyncTransport` per hub holds one httpx ``Client`` /
``AsyncClient`` (connection reuse), created lazily on first use. A request goes out, a non-2xx
answer is classified by the channel into a :class:`~polychat.errors.PlatformError`, and tenacity
retries it when that error is retryable, with exponential backoff plus jitter, honouring the
platform's ``retry_after`` (``Retry-After``, Meta's usage headers).

What is never retried: permanent errors; and, by default, a request that may already have reached
the platform (read/write timeout, connection dropped mid-response): WhatsApp and Messenger sends
have no idempotency key, and a duplicate message to a customer is worse than a reported error.
Set ``RetryPolicy(retry_unsafe=True)`` to retry those too. A connection that could not be opened
(connect timeout, DNS, refused) never reached the platform and is retried.

URLs are logged with credentials masked; secrets never reach a log record or an exception message.

Redirects: a request whose ``accept`` lists a redirect status (``3xx``) is sent with redirects
*not* followed, and the ``3xx`` answer goes back to the channel's exchange, which checks the next
hop's host itself (media downloads, see :mod:`polychat.channels._hosts`). Other requests follow
redirects as httpx does (it drops ``Authorization`` when the origin changes).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from ._redact import install_log_redaction
from .channels._base import Channel, Exchange
from .errors import PlatformError, PolychatError, RateLimited, TemporaryError
from .wire import Headers, HttpRequest, HttpResponse, redact_url

__all__ = ["DEFAULT_TIMEOUT", "AsyncTransport", "RetryPolicy", "SyncTransport"]

logger = logging.getLogger("polychat.http")

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)
"""Explicit timeouts: 5 s to connect, 30 s to read/write (media uploads), 10 s for a pool slot."""

#: Errors raised before any byte of the request left this machine: always safe to retry.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are retried.

    Attributes:
        attempts: total tries of one request (1 disables retries).
        initial_wait: first backoff, in seconds; it doubles each try.
        max_wait: upper bound of one backoff, in seconds.
        jitter: up to this many seconds of random extra wait, to spread retries.
        max_retry_after: a platform ``retry_after`` longer than this is not waited for: the error
            is raised at once so the caller can reschedule.
        retry_unsafe: also retry requests that may have reached the platform (read timeouts).
    """

    attempts: int = 4
    initial_wait: float = 0.5
    max_wait: float = 20.0
    jitter: float = 0.5
    max_retry_after: float = 60.0
    retry_unsafe: bool = False

    def should_retry(self, error: BaseException) -> bool:
        """Whether ``error`` is worth another try under this policy."""
        if not isinstance(error, PlatformError) or not error.retryable:
            return False
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after <= self.max_retry_after
        return True

    def wait_for(self, state: RetryCallState) -> float:
        """Seconds to wait before the next try (platform's retry_after, else backoff + jitter)."""
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return min(error.retry_after, self.max_retry_after)
        backoff = min(self.max_wait, self.initial_wait * 2.0 ** (state.attempt_number - 1))
        return float(backoff) + random.uniform(0, self.jitter)  # noqa: S311 - jitter, not crypto


def to_httpx(request: HttpRequest) -> httpx.Request:
    """Build the httpx request for a channel's :class:`HttpRequest`."""
    headers = dict(request.headers)
    if request.json is not None and request.content is None and not any(
        k.lower() == "content-type" for k in headers
    ):
        headers["Content-Type"] = "application/json"
    return httpx.Request(request.method, request.url, headers=headers,
                         content=request.body_bytes() or None)


def follows_redirects(request: HttpRequest) -> bool:
    """Whether the transport follows ``request``'s redirects: not when its exchange accepts a
    ``3xx`` answer (it then checks each hop itself)."""
    return not any(300 <= status < 400 for status in request.accept)


def from_httpx(response: httpx.Response) -> HttpResponse:
    """Copy an httpx response (already read) into a plain :class:`HttpResponse`."""
    return HttpResponse(status_code=response.status_code, headers=Headers(response.headers),
                        content=response.content)


def _network_error(channel: Channel, request: HttpRequest, exc: httpx.HTTPError,
                   policy: RetryPolicy) -> TemporaryError:
    sent = not isinstance(exc, _NOT_SENT)
    safe = request.method in ("GET", "HEAD", "DELETE") or policy.retry_unsafe
    what = type(exc).__name__
    if sent and not safe:
        message = (f"{what} on {request.method} {redact_url(request.url)}: the request may have "
                   "reached the platform, so it is not retried (a retry could send a duplicate)")
    else:
        message = f"{what} on {request.method} {redact_url(request.url)}"
    return TemporaryError(channel.redact(message), channel=channel.name,
                          retryable=(not sent) or safe)


def _check(channel: Channel, request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.ok or response.status_code in request.accept:
        return response
    error = channel.classify(response)
    error.message = channel.redact(error.message)
    if error.details:
        error.details = channel.redact(error.details)
    error.args = (error.message,)
    raise error


def _log_retry(channel: Channel, request: HttpRequest) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        logger.warning(
            "retrying %s %s after %s (try %d)", request.method, redact_url(request.url),
            type(error).__name__, state.attempt_number,
            extra={"channel": channel.name, "attempt": state.attempt_number,
                   "code": getattr(error, "code", None)},
        )
    return before_sleep


class _Base:
    def __init__(self, *, transport: Any = None, timeout: httpx.Timeout | float | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self.transport = transport
        self.timeout = timeout if timeout is not None else DEFAULT_TIMEOUT
        self.retry = retry or RetryPolicy()
        install_log_redaction()  # httpx logs full URLs (Messenger's token is in the query)

    def _retrying_kwargs(self, channel: Channel, request: HttpRequest) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(max(1, self.retry.attempts)),
            "retry": retry_if_exception(self.retry.should_retry),
            "wait": self.retry.wait_for,
            "reraise": True,
            "before_sleep": _log_retry(channel, request),
        }


class SyncTransport(_Base):
    """Blocking transport for :class:`~polychat.Hub`: one ``httpx.Client``, retries, timeouts."""

    def __init__(self, *, transport: httpx.BaseTransport | None = None,
                 timeout: httpx.Timeout | float | None = None, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(transport=transport, timeout=timeout, retry=retry)
        self._client: httpx.Client | None = None
        self._sleep = sleep

    @property
    def client(self) -> httpx.Client:
        """The shared client, created on first use."""
        if self._client is None:
            self._client = httpx.Client(transport=self.transport, timeout=self.timeout,
                                        follow_redirects=True)
        return self._client

    def send(self, channel: Channel, request: HttpRequest, *,
             on_error: Callable[[PlatformError], None] | None = None) -> HttpResponse:
        """Send ``request`` with retries; return the 2xx response or raise ``PlatformError``.

        ``on_error`` sees every error the platform answers, each try, before any retry.
        """
        try:  # the common case, a first try that succeeds, without tenacity's bookkeeping
            return self._send_once(channel, request, on_error)
        except PolychatError as error:
            if self.retry.attempts <= 1 or not self.retry.should_retry(error):
                raise
            first: PolychatError | None = error

        def attempt() -> HttpResponse:
            nonlocal first
            if first is not None:  # tenacity's first try is the one that already failed
                failed, first = first, None
                raise failed
            return self._send_once(channel, request, on_error)

        retrying = Retrying(sleep=self._sleep, **self._retrying_kwargs(channel, request))
        return retrying(attempt)

    def _send_once(self, channel: Channel, request: HttpRequest,
                   on_error: Callable[[PlatformError], None] | None = None) -> HttpResponse:
        logger.debug("%s %s", request.method, redact_url(request.url),
                     extra={"channel": channel.name})
        failure: TemporaryError | None = None
        try:
            response = self.client.send(to_httpx(request),
                                        follow_redirects=follows_redirects(request))
        except httpx.HTTPError as exc:
            failure = _network_error(channel, request, exc, self.retry)
        if failure is not None:
            raise failure  # outside the except: no __context__ holding the raw URL
        try:
            return _check(channel, request, from_httpx(response))
        except PlatformError as error:
            if on_error is not None:
                on_error(error)
            raise

    def run(self, channel: Channel, exchange: Exchange, *,
            on_error: Callable[[PlatformError], None] | None = None) -> Any:
        """Drive a channel exchange to its end over HTTP; return its result."""
        try:
            request = next(exchange)
            while True:
                request = exchange.send(self.send(channel, request, on_error=on_error))
        except StopIteration as stop:
            return stop.value

    def close(self) -> None:
        """Close the client and its connections."""
        if self._client is not None:
            self._client.close()
            self._client = None


class AsyncTransport(_Base):
    """Async transport for :class:`~polychat.AsyncHub`: one ``httpx.AsyncClient``."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None,
                 timeout: httpx.Timeout | float | None = None, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], Any] = asyncio.sleep) -> None:
        super().__init__(transport=transport, timeout=timeout, retry=retry)
        self._client: httpx.AsyncClient | None = None
        self._retired: list[httpx.AsyncClient] = []
        self._sleep = sleep

    def replace_transport(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Use ``transport`` for the next requests; the current client is closed by :meth:`aclose`."""
        if self._client is not None:
            self._retired.append(self._client)
            self._client = None
        self.transport = transport

    @property
    def client(self) -> httpx.AsyncClient:
        """The shared client, created on first use."""
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self.transport, timeout=self.timeout,
                                             follow_redirects=True)
        return self._client

    async def send(self, channel: Channel, request: HttpRequest, *,
                   on_error: Callable[[PlatformError], Awaitable[None]] | None = None,
                   ) -> HttpResponse:
        """Send ``request`` with retries; return the 2xx response or raise ``PlatformError``.

        ``on_error`` sees every error the platform answers, each try, before any retry.
        """
        try:  # the common case, a first try that succeeds, without tenacity's bookkeeping
            return await self._send_once(channel, request, on_error)
        except PolychatError as error:
            if self.retry.attempts <= 1 or not self.retry.should_retry(error):
                raise
            first: PolychatError | None = error

        async def attempt() -> HttpResponse:
            nonlocal first
            if first is not None:  # tenacity's first try is the one that already failed
                failed, first = first, None
                raise failed
            return await self._send_once(channel, request, on_error)

        retrying = AsyncRetrying(sleep=self._sleep, **self._retrying_kwargs(channel, request))
        return await retrying(attempt)

    async def _send_once(self, channel: Channel, request: HttpRequest,
                         on_error: Callable[[PlatformError], Awaitable[None]] | None = None,
                         ) -> HttpResponse:
        logger.debug("%s %s", request.method, redact_url(request.url),
                     extra={"channel": channel.name})
        failure: TemporaryError | None = None
        try:
            response = await self.client.send(to_httpx(request),
                                              follow_redirects=follows_redirects(request))
        except httpx.HTTPError as exc:
            failure = _network_error(channel, request, exc, self.retry)
        if failure is not None:
            raise failure  # outside the except: no __context__ holding the raw URL
        try:
            return _check(channel, request, from_httpx(response))
        except PlatformError as error:
            if on_error is not None:
                await on_error(error)
            raise

    async def run(self, channel: Channel, exchange: Exchange, *,
                  on_error: Callable[[PlatformError], Awaitable[None]] | None = None) -> Any:
        """Drive a channel exchange to its end over HTTP; return its result."""
        try:
            request = next(exchange)
            while True:
                request = exchange.send(await self.send(channel, request, on_error=on_error))
        except StopIteration as stop:
            return stop.value

    async def aclose(self) -> None:
        """Close the client (and any replaced one) and their connections."""
        clients, self._retired = [*self._retired, self._client], []
        self._client = None
        for client in clients:
            if client is not None:
                await client.aclose()
