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
import functools
import inspect
import logging
import re
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Literal, TypeVar

import httpx

from ._http import AsyncTransport, RetryPolicy, SyncTransport
from ._hubcore import (
    HubCore,
    Plan,
    PlannedSend,
    Preview,
    SendResult,
    dedup_key,
    is_coroutine,
)
from .address import Address
from .capabilities import Pace
from .channels._base import Channel, TemplateCatalog
from .content import MarkRead, Media, Typing
from .errors import ConfigurationError, PlatformError, PolychatError, RateLimited
from .events import Event
from .filters import Filter, Predicate, from_keywords
from .stores import Store
from .stores.base import acall as _acall
from .stores.base import arecord_each, record_each
from .wire import WebhookRequest, WebhookResponse

__all__ = ["AsyncHub", "Context", "Hub", "Preview", "SendResult", "SyncContext"]

logger = logging.getLogger("polychat.hub")

F = TypeVar("F", bound=Callable[..., Any])

OnUnsupported = Literal["degrade", "raise"]
WindowMode = Literal["check", "ignore"]
TemplateMode = Literal["fetch", "cached", "off"]

DEFAULT_MAX_PACING_WAIT = 30.0
"""Longest a send waits for its pacing buckets before ``RateLimited`` is raised instead."""


def _call(store: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(store, name)(*args, **kwargs)


def _log_templates_unavailable(channel: Channel, error: PolychatError) -> None:
    logger.warning("could not fetch the approved templates of %s %s: %s (the send is not checked "
                   "locally; the platform checks it)", channel.name, channel.account, error,
                   extra={"channel": channel.name})


def _pacing_refused(step: PlannedSend, wait: float) -> RateLimited:
    return RateLimited(
        f"pacing: the next send would wait {wait:.1f} s for its rate-limit bucket",
        channel=step.channel.name, retry_after=wait,
        hint="send later, spread the sends, or raise max_pacing_wait on the hub",
    )


_NO_DATA: Mapping[str, Any] = MappingProxyType({})


class _ContextBase:
    """What both contexts hold: the hub, the event, the conversation's address and what the
    handler's filters extracted (``data``, and ``match`` for a ``regex`` filter)."""

    def __init__(self, hub: AsyncHub | Hub, event: Event,
                 data: Mapping[str, Any] | None = None) -> None:
        self.event = event
        self.data: Mapping[str, Any] = MappingProxyType(dict(data)) if data else _NO_DATA
        """The merged data of the handler's filters (read-only; empty when they hand on none)."""
        found = self.data.get("match")
        self.match: re.Match[str] | None = found if isinstance(found, re.Match) else None
        """The ``re.Match`` of the handler's ``regex`` filter, or ``None``."""
        self._core = hub.core

    @functools.cached_property
    def address(self) -> Address:
        """Where replies go: the customer, through the business account that got the event."""
        event = self.event
        return Address(channel=event.channel, account=event.recipient.account,
                       user=event.sender.user)

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
        data: what the handler's filters extracted (see :mod:`polychat.filters`).
        match: the ``re.Match`` of the handler's ``regex`` filter, or ``None``.
    """

    def __init__(self, hub: AsyncHub, event: Event, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(hub, event, data)
        self.hub = hub

    async def reply(self, content: Any, *, quote: bool = False,
                    on_unsupported: OnUnsupported | None = None, window: WindowMode | None = None,
                    outside_window: Any | None = None, **options: Any) -> SendResult:
        """Send ``content`` (one item or a list) to the customer; ``quote=True`` quotes the event.

        ``options`` are the channel's send options, as for :meth:`AsyncHub.send`.
        """
        return await self.hub.send(self.address, content,
                                   reply_to=self.event.id if quote else None,
                                   on_unsupported=on_unsupported, window=window,
                                   outside_window=outside_window, **options)

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

    def __init__(self, hub: Hub, event: Event, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(hub, event, data)
        self.hub = hub

    def reply(self, content: Any, *, quote: bool = False,
              on_unsupported: OnUnsupported | None = None, window: WindowMode | None = None,
              outside_window: Any | None = None, **options: Any) -> SendResult:
        """Send ``content`` (one item or a list) to the customer; ``quote=True`` quotes the event."""
        return self.hub.send(self.address, content, reply_to=self.event.id if quote else None,
                             on_unsupported=on_unsupported, window=window,
                             outside_window=outside_window, **options)

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

    def on(self, event_type: type[Event] = Event, *, channel: str | Iterable[str] | None = None,
           text: str | Iterable[str] | None = None, regex: str | re.Pattern[str] | None = None,
           choice_id: str | Iterable[str] | None = None,
           when: Filter | Predicate | None = None) -> Callable[[F], F]:
        """Register a handler for ``event_type`` events; returns the function unchanged.

        Use it as a decorator, or call it::

            @hub.on(polychat.MessageReceived, channel="whatsapp", regex=r"^track (\\w+)$")
            async def track(event, ctx):
                await ctx.reply(polychat.Text(f"Tracking {ctx.match.group(1)}"))

            hub.on(polychat.MessageStatus, when=filters.status("failed"))(alert)
            hub.on()(fallback)  # no argument: every event

        Args:
            event_type: the event class (subclasses match too); ``Event`` matches everything.
            channel: only events from this channel name (or any of these names).
            text: only a text message whose whole text (stripped, any case) is this (or one of
                these), or a tap whose title is.
            regex: only a text message (or tap title) where this pattern is found; the handler
                gets the match as ``ctx.match``.
            choice_id: only a ``ChoiceSelected`` with this choice id (or one of these).
            when: any :class:`polychat.filters.Filter`, or a plain ``event -> bool`` callable.

        The given keywords are ANDed. Handlers are tried in registration order and the first
        that matches takes the event, so register specific handlers first and catch-alls last.
        A filter that raises is logged (logger ``polychat.hub``, ERROR) and counts as no match.
        On an :class:`AsyncHub`, plain (non-async) handlers run in a worker thread so they cannot
        block the event loop; a :class:`Hub` refuses async handlers.

        Raises:
            ConfigurationError: a keyword has the wrong type or can never match ``event_type``
                (``choice_id=`` on ``MessageReceived``, ``text=`` on ``MessageStatus``…).
        """
        route_filter = from_keywords(event_type, channel=channel, text=text, regex=regex,
                                     choice_id=choice_id, when=when)

        def register(handler: F) -> F:
            self._check_handler(handler)
            self.core.add_route(event_type, handler, route_filter)
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

    @property
    def store(self) -> Store:
        """The store holding dedup keys, windows, pacing buckets and conversation state."""
        return self.core.store

    @staticmethod
    def event_key(event: Event) -> str:
        """The key ``event`` is de-duplicated by (stable across re-deliveries and workers); a
        queue can use it as an idempotent job id."""
        return dedup_key(event)

    def preview(self, to: Address | str, content: Any | Iterable[Any], *,
                reply_to: str | None = None, on_unsupported: OnUnsupported | None = None,
                state: dict[str, Any] | None = None, **options: Any) -> Preview:
        """What ``send(to, content)`` would do, computed without any I/O: no request, no store.

        Returns the exact requests in order (credentials masked; ``data=`` media shows the
        channel's upload placeholder), the degrade rules that would apply and the numbered menu
        the hub would remember — for dashboards, tests, and people reviewing a campaign. The
        window and pacing checks need the store and are not run; ``state`` stands for the
        conversation state (e.g. ``{"capabilities": ["LIST", "QUICK"]}`` for an Apple device).

        Raises:
            UnsupportedContent / ContentError: as ``send`` would.
        """
        address = Address.parse(to) if isinstance(to, str) else to
        return self.core.preview(address, content, reply_to=reply_to,
                                 on_unsupported=on_unsupported, state=state, options=options)

    def asgi(self, path_prefix: str = "/webhooks", *, max_body: int | None = None) -> Any:
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
        max_pacing_wait: longest a send waits for the channel's rate-limit buckets (its
            ``pacing``, shared through the store) before ``RateLimited`` is raised instead.
        templates: how ``Template`` sends are checked against the approved definitions, on
            channels that have a registry (WhatsApp with ``waba_id``): ``"fetch"`` fetches them
            when the store has none cached, ``"cached"`` checks only against cached ones,
            ``"off"`` never checks (Meta does, after the request).

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
                 retry: RetryPolicy | None = None,
                 max_pacing_wait: float = DEFAULT_MAX_PACING_WAIT,
                 templates: TemplateMode = "fetch") -> None:
        self.core = HubCore(channels, store=store, on_unsupported=on_unsupported, window=window,
                            templates=templates)
        self.http = AsyncTransport(transport=transport, timeout=timeout, retry=retry)
        self.max_pacing_wait = max_pacing_wait
        self.sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
        """How the hub waits for its pacing buckets (replaceable in tests)."""
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def send(self, to: Address | str, content: Any | Iterable[Any], *,
                   reply_to: str | None = None,
                   on_unsupported: OnUnsupported | None = None,
                   window: WindowMode | None = None,
                   outside_window: Any | Iterable[Any] | None = None,
                   **options: Any) -> SendResult:
        """Send ``content`` (one item or a list) to ``to``; returns ids and degrade notes.

        ``options`` are the channel's own send options (e.g. Messenger
        ``messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT"``; WhatsApp ``callback_data=``).
        ``window`` overrides the hub's window mode for this send. ``outside_window`` is what to
        send instead when the window check finds the window closed (a WhatsApp ``Template``): the
        hub then sends it and says so in ``SendResult.degraded`` (``window.outside: …``).

        Everything is checked and rendered before the first request: the conversation (closed,
        window), the content (degraded or refused). Each message then waits for the channel's
        pacing buckets, and goes out.

        Raises:
            UnsupportedContent / ContentError: content the channel cannot send (see on_unsupported).
            WindowClosed: the customer is known to be outside the window (``window="check"``).
            RecipientUnreachable: the customer closed the conversation (Apple).
            RateLimited: the pacing wait would exceed ``max_pacing_wait``, or the platform
                throttled the send beyond what the retry policy waits for.
            PlatformError: the platform refused the request (after retries, when retryable).
                When a list of content fails part-way, the error's ``sent_message_ids`` lists
                the ids of the messages that did go out before it.
        """
        address = Address.parse(to) if isinstance(to, str) else to
        key = str(address)
        store = self.core.store
        state = await _acall(store, "conversation", key)
        checking = (window or self.core.window) == "check"
        last = await _acall(store, "last_user_activity", key) if checking else None
        plan = self.core.plan(address, content, reply_to=reply_to, on_unsupported=on_unsupported,
                              options=options, state=state, last_activity=last, window=window,
                              outside_window=outside_window)
        _log_degraded(address, plan.degraded)
        await self._check_templates(plan)
        ids: list[str] = []
        sent = 0
        try:
            async with self._conversation_lock(address):
                for step in plan.steps:
                    try:
                        await self._pace(step)
                        ids.extend(await self.http.run(step.channel, step.exchange,
                                                       on_error=self._feedback(step)) or [])
                    except PolychatError as error:
                        error.sent_message_ids = list(ids)  # type: ignore[attr-defined]
                        await self._drop_stale_templates(step, error)
                        raise
                    sent += 1
        finally:
            update = plan.state_after(sent, self.core.clock())
            if update is not None:
                await _acall(store, "update_conversation", key, **update)
        return SendResult(address=address, message_ids=ids, degraded=plan.degraded)

    async def _pace(self, step: PlannedSend) -> None:
        """Wait for every pacing bucket ``step`` draws from (shared with other workers)."""
        if not step.paces:
            return
        now = self.core.pace_clock()
        wait = 0.0
        granted: list[tuple[str, Pace]] = []
        for key, pace in step.paces:
            got = await _acall(self.core.store, "acquire", key, rate=pace.rate,
                               burst=pace.burst, now=now, max_wait=self.max_pacing_wait)
            if got > self.max_pacing_wait:  # refused: give back what the others granted
                for done, done_pace in granted:
                    await _acall(self.core.store, "release", done, rate=done_pace.rate,
                                 burst=done_pace.burst)
                raise _pacing_refused(step, got)
            granted.append((key, pace))
            wait = max(wait, got)
        if wait > 0:
            await self.sleep(wait)

    def _feedback(self, step: PlannedSend) -> Callable[[PlatformError], Awaitable[None]]:
        """What to do when the platform throttles ``step``: hold its buckets for every worker."""
        async def hold(error: PlatformError) -> None:
            for name, args, kwargs in self.core.holds(step, error):
                await _acall(self.core.store, name, *args, **kwargs)
        return hold

    # -- templates -----------------------------------------------------------------------------

    async def _check_templates(self, plan: Plan) -> None:
        """Check every template send of ``plan`` against the approved definitions (no request
        goes out if one is refused)."""
        for step, catalog in self.core.template_checks(plan):
            definitions = await self._definitions(step.channel, catalog,
                                                  fetch=self.core.templates == "fetch")
            if definitions is not None:
                catalog.check(step.content, definitions)

    async def _definitions(self, channel: Channel, catalog: TemplateCatalog, *, fetch: bool,
                           refresh: bool = False) -> list[Any] | None:
        store = self.core.store
        if not refresh:
            cached = catalog.load(await _acall(store, "get", catalog.cache_key))
            if cached is not None or not fetch:
                return cached
        try:
            definitions: list[Any] = await self.http.run(channel, catalog.fetch())
        except PolychatError as error:
            if refresh:
                raise
            _log_templates_unavailable(channel, error)
            return None
        await _acall(store, "put", catalog.cache_key, catalog.dump(definitions), catalog.ttl)
        return definitions

    async def _drop_stale_templates(self, step: PlannedSend, error: PolychatError) -> None:
        catalog = step.channel.template_catalog()
        if catalog is not None and isinstance(error, PlatformError) and catalog.is_stale_error(error):
            await _acall(self.core.store, "put", catalog.cache_key, None, 0.0)

    async def templates(self, channel: str = "whatsapp", *, account: str | None = None,
                        refresh: bool = False) -> list[Any]:
        """The approved (and pending, paused…) templates of a channel's account, from the store's
        cache or fetched (``refresh=True`` always fetches) — WhatsApp ``TemplateDefinition``s.

        Raises:
            ConfigurationError: the channel has no template registry (WhatsApp needs ``waba_id``).
            PlatformError: the fetch failed.
        """
        target, catalog = self.core.catalog_for(channel, account)
        definitions = await self._definitions(target, catalog, fetch=True, refresh=refresh)
        return definitions or []

    async def create_template(self, definition: Any, *, channel: str = "whatsapp",
                              account: str | None = None) -> Any:
        """Submit a template for review (WhatsApp ``POST /{waba-id}/message_templates``); returns
        the submitted definition with the platform's id and status. The cached list is dropped."""
        target, catalog = self.core.catalog_for(channel, account)
        result = await self.http.run(target, catalog.create(definition))
        await _acall(self.core.store, "put", catalog.cache_key, None, 0.0)
        return result

    async def delete_template(self, name: str, *, hsm_id: str | None = None,
                              channel: str = "whatsapp", account: str | None = None) -> bool:
        """Delete a template (every language of ``name``, or only the one whose id is ``hsm_id``).
        The cached list is dropped."""
        target, catalog = self.core.catalog_for(channel, account)
        done: bool = await self.http.run(target, catalog.delete(name, hsm_id))
        await _acall(self.core.store, "put", catalog.cache_key, None, 0.0)
        return done

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
        recorded in the store (so another worker sharing it will not see them as new). A text
        answering a numbered-text menu comes back as the ``ChoiceSelected`` it stands for. Web
        adapters answer with the response and then call :meth:`dispatch`; a queue-based
        deployment enqueues the events (``event.model_dump_json()``) for workers instead.
        """
        response, events = self.core.parse_webhook(channel_name, request)
        return response, await self._fresh(events)

    async def forget(self, events: Iterable[Event]) -> None:
        """Un-record ``events`` returned by :meth:`receive` that could not be processed (a queue
        refused them), so the platform's re-delivery counts as new; answer it a non-2xx."""
        for event in events:
            await _acall(self.core.store, "forget", dedup_key(event))

    async def _fresh(self, events: Iterable[Event]) -> list[Event]:
        """The events not seen before, recorded, with the store updates they imply: one call of
        the store's batch method (``arecord``, else ``record``) per batch, or the single calls
        for a store without one. If the store fails part-way, the keys recorded by this call are
        given back before the error is raised, so the platform's re-delivery is not taken for a
        duplicate."""
        events = list(events)
        if not events:
            return []
        store = self.core.store
        arrivals = self.core.arrivals(events)
        record = getattr(store, "arecord", None)
        if record is not None:
            results = await record(arrivals)
        elif (record := getattr(store, "record", None)) is not None:
            results = record(arrivals)
        else:
            results = await arecord_each(store, arrivals)
        return self.core.admitted(events, arrivals, results)

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
        if self.core.passthrough(event, resolved):
            return [event]
        return await self._fresh(resolved)

    async def _dispatch_one(self, event: Event) -> None:
        found = self.core.match(event)
        if found is None:
            _log_unhandled(event)
            return
        route, data = found
        context = Context(self, event, data)
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
                 retry: RetryPolicy | None = None,
                 max_pacing_wait: float = DEFAULT_MAX_PACING_WAIT,
                 templates: TemplateMode = "fetch") -> None:
        self.core = HubCore(channels, store=store, on_unsupported=on_unsupported, window=window,
                            templates=templates)
        self.http = SyncTransport(transport=transport, timeout=timeout, retry=retry)
        self.max_pacing_wait = max_pacing_wait
        self.sleep: Callable[[float], Any] = time.sleep
        """How the hub waits for its pacing buckets (replaceable in tests)."""
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
             on_unsupported: OnUnsupported | None = None,
             window: WindowMode | None = None,
             outside_window: Any | Iterable[Any] | None = None,
             **options: Any) -> SendResult:
        """Send ``content`` (one item or a list) to ``to``; see :meth:`AsyncHub.send`."""
        address = Address.parse(to) if isinstance(to, str) else to
        key = str(address)
        store = self.core.store
        state = store.conversation(key)
        checking = (window or self.core.window) == "check"
        last = store.last_user_activity(key) if checking else None
        plan = self.core.plan(address, content, reply_to=reply_to, on_unsupported=on_unsupported,
                              options=options, state=state, last_activity=last, window=window,
                              outside_window=outside_window)
        _log_degraded(address, plan.degraded)
        self._check_templates(plan)
        ids: list[str] = []
        sent = 0
        try:
            with self._conversation_lock(address):
                for step in plan.steps:
                    try:
                        self._pace(step)
                        ids.extend(self.http.run(step.channel, step.exchange,
                                                 on_error=self._feedback(step)) or [])
                    except PolychatError as error:
                        error.sent_message_ids = list(ids)  # type: ignore[attr-defined]
                        self._drop_stale_templates(step, error)
                        raise
                    sent += 1
        finally:
            update = plan.state_after(sent, self.core.clock())
            if update is not None:
                store.update_conversation(key, **update)
        return SendResult(address=address, message_ids=ids, degraded=plan.degraded)

    def _pace(self, step: PlannedSend) -> None:
        """Wait for every pacing bucket ``step`` draws from (shared with other workers)."""
        if not step.paces:
            return
        now = self.core.pace_clock()
        wait = 0.0
        store = self.core.store
        granted: list[tuple[str, Pace]] = []
        for key, pace in step.paces:
            got = store.acquire(key, rate=pace.rate, burst=pace.burst, now=now,
                                max_wait=self.max_pacing_wait)
            if got > self.max_pacing_wait:  # refused: give back what the others granted
                for done, done_pace in granted:
                    store.release(done, rate=done_pace.rate, burst=done_pace.burst)
                raise _pacing_refused(step, got)
            granted.append((key, pace))
            wait = max(wait, got)
        if wait > 0:
            self.sleep(wait)

    def _feedback(self, step: PlannedSend) -> Callable[[PlatformError], None]:
        def hold(error: PlatformError) -> None:
            for name, args, kwargs in self.core.holds(step, error):
                _call(self.core.store, name, *args, **kwargs)
        return hold

    # -- templates (see AsyncHub) ----------------------------------------------------------------

    def _check_templates(self, plan: Plan) -> None:
        for step, catalog in self.core.template_checks(plan):
            definitions = self._definitions(step.channel, catalog,
                                            fetch=self.core.templates == "fetch")
            if definitions is not None:
                catalog.check(step.content, definitions)

    def _definitions(self, channel: Channel, catalog: TemplateCatalog, *, fetch: bool,
                     refresh: bool = False) -> list[Any] | None:
        store = self.core.store
        if not refresh:
            cached = catalog.load(store.get(catalog.cache_key))
            if cached is not None or not fetch:
                return cached
        try:
            definitions: list[Any] = self.http.run(channel, catalog.fetch())
        except PolychatError as error:
            if refresh:
                raise
            _log_templates_unavailable(channel, error)
            return None
        store.put(catalog.cache_key, catalog.dump(definitions), catalog.ttl)
        return definitions

    def _drop_stale_templates(self, step: PlannedSend, error: PolychatError) -> None:
        catalog = step.channel.template_catalog()
        if catalog is not None and isinstance(error, PlatformError) and catalog.is_stale_error(error):
            self.core.store.put(catalog.cache_key, None, 0.0)

    def templates(self, channel: str = "whatsapp", *, account: str | None = None,
                  refresh: bool = False) -> list[Any]:
        """The account's templates, cached or fetched; see :meth:`AsyncHub.templates`."""
        target, catalog = self.core.catalog_for(channel, account)
        return self._definitions(target, catalog, fetch=True, refresh=refresh) or []

    def create_template(self, definition: Any, *, channel: str = "whatsapp",
                        account: str | None = None) -> Any:
        """Submit a template for review; see :meth:`AsyncHub.create_template`."""
        target, catalog = self.core.catalog_for(channel, account)
        result = self.http.run(target, catalog.create(definition))
        self.core.store.put(catalog.cache_key, None, 0.0)
        return result

    def delete_template(self, name: str, *, hsm_id: str | None = None,
                        channel: str = "whatsapp", account: str | None = None) -> bool:
        """Delete a template; see :meth:`AsyncHub.delete_template`."""
        target, catalog = self.core.catalog_for(channel, account)
        done: bool = self.http.run(target, catalog.delete(name, hsm_id))
        self.core.store.put(catalog.cache_key, None, 0.0)
        return done

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
        response, events = self.core.parse_webhook(channel_name, request)
        return response, self._fresh(events)

    def forget(self, events: Iterable[Event]) -> None:
        """Un-record events that could not be processed; see :meth:`AsyncHub.forget`."""
        for event in events:
            self.core.store.forget(dedup_key(event))

    def _fresh(self, events: Iterable[Event]) -> list[Event]:
        """See :meth:`AsyncHub._fresh` (``record``, or the single calls without it)."""
        events = list(events)
        if not events:
            return []
        store = self.core.store
        arrivals = self.core.arrivals(events)
        record = getattr(store, "record", None)
        results = record(arrivals) if record is not None else record_each(store, arrivals)
        return self.core.admitted(events, arrivals, results)

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
        if self.core.passthrough(event, resolved):
            return [event]
        return self._fresh(resolved)

    def _dispatch_one(self, event: Event) -> None:
        found = self.core.match(event)
        if found is None:
            _log_unhandled(event)
            return
        route, data = found
        try:
            result = route.handler(event, SyncContext(self, event, data))
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

    def wsgi(self, path_prefix: str = "/webhooks", *, max_body: int | None = None) -> Any:
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

