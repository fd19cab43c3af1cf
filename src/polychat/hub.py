"""The hubs: one object that sends to and receives from every registered channel.

:class:`AsyncHub` is the primary API (async handlers, ``await hub.send``); :class:`Hub` is its
blocking twin (sync handlers, ``hub.send``) for WSGI apps and scripts. Both share
:class:`polychat._hubcore.HubCore` for every decision — routing, degrading, the window check,
webhook parsing and de-duplication — and differ only in how they do I/O and call handlers.

Webhook handling is: verify → parse → de-duplicate → answer → dispatch. ``handle`` returns the
answer after dispatching (simple and deterministic); the ASGI app answers first and dispatches
after the response is sent, so slow handlers never make the platform re-deliver.

Handlers are picked by ``hub.on``: the FIRST registered handler whose filters match an event takes
it (register specific handlers before catch-alls such as ``hub.on(Event)``). Events no handler
takes are logged at debug level. A handler's exception is logged with the event's kind and id and
does not stop the other events of the batch; the platform still gets its 200.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar

import httpx

from ._http import AsyncTransport, RetryPolicy, SyncTransport
from ._hubcore import HubCore, SendResult, is_coroutine
from .address import Address
from .channels._base import Channel
from .content import MarkRead, Media, Typing
from .errors import ConfigurationError, PolychatError
from .events import Event
from .stores import Store
from .wire import WebhookRequest, WebhookResponse

__all__ = ["AsyncHub", "Context", "Hub", "SendResult", "SyncContext"]

logger = logging.getLogger("polychat.hub")

F = TypeVar("F", bound=Callable[..., Any])

OnUnsupported = Literal["degrade", "raise"]
WindowMode = Literal["check", "ignore"]


class _ContextBase:
    """What both contexts hold: the hub, the event and the conversation's address."""

    def __init__(self, hub: AsyncHub | Hub, event: Event) -> None:
        self.event = event
        self.address = Address(channel=event.channel, account=event.recipient.account,
                               user=event.sender.user)
        self._core = hub.core

    @property
    def channel(self) -> Channel:
        """The channel object that serves this conversation."""
        return self._core.channel_for(self.address)


class Context(_ContextBase):
    """What an :class:`AsyncHub` handler gets beside the event: ways to answer in the conversation.

    Attributes:
        hub: the hub dispatching the event.
        event: the event being handled.
        address: where replies go (the customer, through the business account that got the event).
    """

    def __init__(self, hub: AsyncHub, event: Event) -> None:
        super().__init__(hub, event)
        self.hub = hub

    async def reply(self, content: Any, *, quote: bool = False,
                    on_unsupported: OnUnsupported | None = None, **options: Any) -> SendResult:
        """Send ``content`` (one item or a list) to the customer; ``quote=True`` quotes the event.

        ``options`` are the channel's send options, as for :meth:`AsyncHub.send`.
        """
        return await self.hub.send(self.address, content,
                                   reply_to=self.event.id if quote else None,
                                   on_unsupported=on_unsupported, **options)

    async def mark_read(self) -> SendResult:
        """Mark the event's message (and the ones before it) read.

        Messenger marks the whole conversation; WhatsApp needs the event to have a message id.
        """
        return await self.hub.send(self.address, MarkRead(message_id=self.event.id or ""))

    async def typing(self, on: bool = True) -> SendResult:
        """Show (or hide) the typing indicator in this conversation."""
        return await self.hub.send(self.address, Typing(on=on, message_id=self.event.id))

    async def download(self, media: Media) -> bytes:
        """Download inbound ``media`` (by its platform media id) and return its bytes."""
        data, _mime = await self.hub.download(self.address, media)
        return data


class SyncContext(_ContextBase):
    """What a :class:`Hub` handler gets beside the event (the blocking twin of :class:`Context`)."""

    def __init__(self, hub: Hub, event: Event) -> None:
        super().__init__(hub, event)
        self.hub = hub

    def reply(self, content: Any, *, quote: bool = False,
              on_unsupported: OnUnsupported | None = None, **options: Any) -> SendResult:
        """Send ``content`` (one item or a list) to the customer; ``quote=True`` quotes the event."""
        return self.hub.send(self.address, content, reply_to=self.event.id if quote else None,
                             on_unsupported=on_unsupported, **options)

    def mark_read(self) -> SendResult:
        """Mark the event's message (and the ones before it) read (see :meth:`Context.mark_read`)."""
        return self.hub.send(self.address, MarkRead(message_id=self.event.id or ""))

    def typing(self, on: bool = True) -> SendResult:
        """Show (or hide) the typing indicator in this conversation."""
        return self.hub.send(self.address, Typing(on=on, message_id=self.event.id))

    def download(self, media: Media) -> bytes:
        """Download inbound ``media`` (by its platform media id) and return its bytes."""
        return self.hub.download(self.address, media)[0]


def _log_unresolved(event: Event, error: Exception) -> None:
    logger.warning("could not resolve %s: %s", event.id, error,
                   extra={"channel": event.channel, "event_id": event.id})


def _log_unhandled(event: Event) -> None:
    logger.debug("no handler for %s", type(event).__name__,
                 extra={"channel": event.channel, "event_id": event.id})


def _log_handler_failure(handler: Callable[..., Any], event: Event) -> None:
    logger.exception("handler %s failed on %s %s", getattr(handler, "__qualname__", handler),
                     type(event).__name__, event.id,
                     extra={"channel": event.channel, "event_id": event.id})


def _lock_for(locks: weakref.WeakValueDictionary[str, Any], key: str, factory: Callable[[], Any]) -> Any:
    lock = locks.get(key)
    if lock is None:
        lock = locks[key] = factory()
    return lock


def _log_degraded(address: Address, degraded: list[str]) -> None:
    if degraded:
        logger.info("content degraded for %s: %s", address.channel, "; ".join(degraded),
                    extra={"channel": address.channel, "degraded": degraded})


class _HubBase:
    """Registration API shared by both hubs."""

    core: HubCore

    def on(self, event_type: type[Event] = Event, *, channel: str | None = None,
           when: Callable[[Any], bool] | None = None) -> Callable[[F], F]:
        """Register a handler for ``event_type`` events; returns the function unchanged.

        Use it as a decorator, or call it::

            @hub.on(polychat.MessageReceived, channel="whatsapp")
            async def answer(event, ctx): ...

            hub.on(polychat.MessageStatus)(track_status)

        Args:
            event_type: the event class (subclasses match too); ``Event`` matches everything.
            channel: only events from this channel name.
            when: an extra predicate on the event.

        The first registered handler that matches takes the event. On an :class:`AsyncHub`,
        plain (non-async) handlers run in a worker thread so they cannot block the event loop;
        a :class:`Hub` refuses async handlers.
        """
        if not (isinstance(event_type, type) and issubclass(event_type, Event)):
            raise ConfigurationError(f"hub.on() takes an event class, got {event_type!r}")

        def register(handler: F) -> F:
            self._check_handler(handler)
            self.core.add_route(event_type, handler, channel, when)
            return handler
        return register

    def _check_handler(self, handler: Callable[..., Any]) -> None:
        """Refuse what cannot be a handler (the sync hub also refuses coroutine functions)."""
        if not callable(handler):
            raise ConfigurationError("a handler must be callable")

    @property
    def channels(self) -> list[Channel]:
        """The registered channels."""
        return self.core.channels

    def asgi(self, path_prefix: str = "/webhooks", *, max_body: int = 4 * 1024 * 1024) -> Any:
        """An ASGI app serving ``GET``/``POST {path_prefix}/{channel name}``.

        It answers as soon as a webhook is verified and parsed, then dispatches the events.
        """
        from .web.asgi import ASGIApp

        return ASGIApp(self, path_prefix=path_prefix, max_body=max_body)  # type: ignore[arg-type]


class AsyncHub(_HubBase):
    """The async hub: send to any channel, receive webhooks, dispatch events to async handlers.

    Args:
        *channels: the channels to serve (several of one kind are told apart by account).
        store: dedup / activity store (in-memory by default).
        on_unsupported: ``"degrade"`` rewrites content a channel lacks by the documented ladder;
            ``"raise"`` raises ``UnsupportedContent`` naming the limit.
        window: ``"check"`` refuses (``WindowClosed``) non-template sends to a customer known to be
            outside the channel's window; ``"ignore"`` leaves it to the platform.
        transport: an httpx async transport (the :class:`~polychat.testing.Simulator` plugs in here).
        timeout: httpx timeout (defaults to :data:`polychat._http.DEFAULT_TIMEOUT`).
        retry: the retry policy.

    Example::

        hub = polychat.AsyncHub(wa)

        @hub.on(polychat.MessageReceived)
        async def answer(event, ctx):
            await ctx.reply(polychat.Text("Hello!"))
    """

    def __init__(self, *channels: Channel, store: Store | None = None,
                 on_unsupported: OnUnsupported = "degrade", window: WindowMode = "check",
                 transport: httpx.AsyncBaseTransport | None = None,
                 timeout: httpx.Timeout | float | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self.core = HubCore(channels, store=store, on_unsupported=on_unsupported, window=window)
        self.http = AsyncTransport(transport=transport, timeout=timeout, retry=retry)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def send(self, to: Address | str, content: Any | Iterable[Any], *,
                   reply_to: str | None = None,
                   on_unsupported: OnUnsupported | None = None, **options: Any) -> SendResult:
        """Send ``content`` (one item or a list) to ``to``; returns ids and degrade notes.

        ``options`` are the channel's own send options (e.g. Messenger
        ``messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT"``; WhatsApp ``callback_data=``).

        Raises:
            UnsupportedContent / ContentError: content the channel cannot send (see on_unsupported).
            WindowClosed: the customer is known to be outside the window (``window="check"``).
            PlatformError: the platform refused the request (after retries, when retryable).
                When a list of content fails part-way, the error's ``sent_message_ids`` lists
                the ids of the messages that did go out before it.
        """
        address = Address.parse(to) if isinstance(to, str) else to
        planned, degraded = self.core.plan(address, content, reply_to=reply_to,
                                           on_unsupported=on_unsupported, options=options)
        _log_degraded(address, degraded)
        ids: list[str] = []
        async with self._conversation_lock(address):
            for step in planned:
                try:
                    ids.extend(await self.http.run(step.channel, step.exchange) or [])
                except PolychatError as error:
                    error.sent_message_ids = list(ids)  # type: ignore[attr-defined]
                    raise
        return SendResult(address=address, message_ids=ids, degraded=degraded)

    def _conversation_lock(self, address: Address) -> asyncio.Lock | contextlib.nullcontext[None]:
        """Serialise sends per conversation on channels that do not keep order (Apple)."""
        if self.core.channel_for(address).capabilities.ordered_delivery:
            return contextlib.nullcontext()
        lock: asyncio.Lock = _lock_for(self._locks, str(address), asyncio.Lock)
        return lock

    async def upload(self, channel: str, media: Media, *, account: str | None = None) -> str:
        """Upload ``media`` to ``channel`` without sending it; returns the platform's reusable id.

        Send it later as ``Image(media_id=…)`` (WhatsApp media ids last 30 days, Messenger
        attachment ids 90 days). ``account`` picks the business account when several are registered.
        """
        target = self.core.channel_named(channel, account)
        result: str = await self.http.run(target, target.upload_exchange(media))
        return result

    async def download(self, address: Address, media: Media) -> tuple[bytes, str]:
        """Download inbound media through the channel serving ``address``: (bytes, mime type)."""
        channel = self.core.channel_for(address)
        result: tuple[bytes, str] = await self.http.run(channel,
                                                        channel.media_exchange(media))
        return result

    async def handle(self, channel_name: str, request: WebhookRequest) -> WebhookResponse:
        """Verify, parse, de-duplicate and dispatch one webhook request; return the answer."""
        response, events = await self.receive(channel_name, request)
        await self.dispatch(events)
        return response

    async def receive(self, channel_name: str,
                      request: WebhookRequest) -> tuple[WebhookResponse, list[Event]]:
        """Verify, parse and de-duplicate one webhook request, without dispatching.

        Returns the answer to give the platform and the events seen for the first time, already
        recorded in the store (so another worker sharing it will not see them as new). Web
        adapters answer with the response and then call :meth:`dispatch`; a queue-based
        deployment enqueues the events (``event.model_dump_json()``) for workers instead.
        """
        return self.core.receive(channel_name, request)

    async def dispatch(self, events: Iterable[Event]) -> None:
        """Run the handler of each event in order; a failing handler does not stop the others."""
        for item in events:
            for event in await self._resolve(item):
                await self._dispatch_one(event)

    async def _resolve(self, event: Event) -> list[Event]:
        channel, exchange = self.core.followup(event)
        if channel is None or exchange is None:
            return [event]
        try:
            resolved: list[Event] = await self.http.run(channel, exchange)
        except Exception as error:  # never lose the batch: deliver the unresolved event
            _log_unresolved(event, error)
            return [event]
        return self.core.resolved(event, resolved)

    async def _dispatch_one(self, event: Event) -> None:
        route = self.core.route_for(event)
        if route is None:
            _log_unhandled(event)
            return
        context = Context(self, event)
        try:
            if route.is_async:
                await route.handler(event, context)
            else:  # a blocking handler must not freeze the event loop: run it in a thread
                result = await asyncio.to_thread(route.handler, event, context)
                if inspect.isawaitable(result):  # e.g. ``lambda e, ctx: ctx.reply(...)``
                    await result
        except Exception:
            _log_handler_failure(route.handler, event)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()

    async def __aenter__(self) -> AsyncHub:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def use_transport(self, transport: httpx.AsyncBaseTransport) -> None:
        """Send through ``transport`` from now on (used by the Simulator).

        A client already opened is kept until :meth:`aclose`, which closes it too.
        """
        self.http.replace_transport(transport)


class Hub(_HubBase):
    """The blocking hub: like :class:`AsyncHub`, with sync handlers and a blocking ``send``.

    Coroutine functions are refused as handlers when registered.
    """

    def __init__(self, *channels: Channel, store: Store | None = None,
                 on_unsupported: OnUnsupported = "degrade", window: WindowMode = "check",
                 transport: httpx.BaseTransport | None = None,
                 timeout: httpx.Timeout | float | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self.core = HubCore(channels, store=store, on_unsupported=on_unsupported, window=window)
        self.http = SyncTransport(transport=transport, timeout=timeout, retry=retry)
        self._locks: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()

    def _check_handler(self, handler: Callable[..., Any]) -> None:
        super()._check_handler(handler)
        if is_coroutine(handler):
            raise ConfigurationError(
                f"{getattr(handler, '__qualname__', handler)} is async: use AsyncHub for async "
                "handlers (Hub calls handlers synchronously)"
            )

    def send(self, to: Address | str, content: Any | Iterable[Any], *,
             reply_to: str | None = None,
             on_unsupported: OnUnsupported | None = None, **options: Any) -> SendResult:
        """Send ``content`` (one item or a list) to ``to``; see :meth:`AsyncHub.send`."""
        address = Address.parse(to) if isinstance(to, str) else to
        planned, degraded = self.core.plan(address, content, reply_to=reply_to,
                                           on_unsupported=on_unsupported, options=options)
        _log_degraded(address, degraded)
        ids: list[str] = []
        with self._conversation_lock(address):
            for step in planned:
                try:
                    ids.extend(self.http.run(step.channel, step.exchange) or [])
                except PolychatError as error:
                    error.sent_message_ids = list(ids)  # type: ignore[attr-defined]
                    raise
        return SendResult(address=address, message_ids=ids, degraded=degraded)

    def upload(self, channel: str, media: Media, *, account: str | None = None) -> str:
        """Upload ``media`` without sending it; see :meth:`AsyncHub.upload`."""
        target = self.core.channel_named(channel, account)
        result: str = self.http.run(target, target.upload_exchange(media))
        return result

    def download(self, address: Address, media: Media) -> tuple[bytes, str]:
        """Download inbound media through the channel serving ``address``: (bytes, mime type)."""
        channel = self.core.channel_for(address)
        result: tuple[bytes, str] = self.http.run(channel, channel.media_exchange(media))
        return result

    def handle(self, channel_name: str, request: WebhookRequest) -> WebhookResponse:
        """Verify, parse, de-duplicate and dispatch one webhook request; return the answer."""
        response, events = self.receive(channel_name, request)
        self.dispatch(events)
        return response

    def receive(self, channel_name: str,
                request: WebhookRequest) -> tuple[WebhookResponse, list[Event]]:
        """Verify, parse and de-duplicate one webhook request, without dispatching;
        see :meth:`AsyncHub.receive`."""
        return self.core.receive(channel_name, request)

    def dispatch(self, events: Iterable[Event]) -> None:
        """Run the handler of each event in order; a failing handler does not stop the others."""
        for item in events:
            for event in self._resolve(item):
                self._dispatch_one(event)

    def _resolve(self, event: Event) -> list[Event]:
        channel, exchange = self.core.followup(event)
        if channel is None or exchange is None:
            return [event]
        try:
            resolved: list[Event] = self.http.run(channel, exchange)
        except Exception as error:  # never lose the batch: deliver the unresolved event
            _log_unresolved(event, error)
            return [event]
        return self.core.resolved(event, resolved)

    def _dispatch_one(self, event: Event) -> None:
        route = self.core.route_for(event)
        if route is None:
            _log_unhandled(event)
            return
        try:
            result = route.handler(event, SyncContext(self, event))
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()
                raise ConfigurationError("the handler returned an awaitable: Hub runs handlers "
                                         "synchronously, use AsyncHub for async ones")
        except Exception:
            _log_handler_failure(route.handler, event)

    def _conversation_lock(self, address: Address) -> threading.Lock | contextlib.nullcontext[None]:
        """Serialise sends per conversation on channels that do not keep order (Apple)."""
        if self.core.channel_for(address).capabilities.ordered_delivery:
            return contextlib.nullcontext()
        with self._locks_guard:
            lock: threading.Lock = _lock_for(self._locks, str(address), threading.Lock)
            return lock

    def wsgi(self, path_prefix: str = "/webhooks", *, max_body: int = 4 * 1024 * 1024) -> Any:
        """A WSGI app serving ``GET``/``POST {path_prefix}/{channel name}`` (Flask, Django…).

        It answers once a webhook is verified and parsed; the events are dispatched when the
        server closes the response.
        """
        from .web.wsgi import WSGIApp

        return WSGIApp(self, path_prefix=path_prefix, max_body=max_body)

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def use_transport(self, transport: httpx.BaseTransport) -> None:
        """Send through ``transport`` from now on (used by the Simulator)."""
        self.http.close()
        self.http.transport = transport

