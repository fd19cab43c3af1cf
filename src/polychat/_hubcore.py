"""Everything the two hubs decide without I/O: routing, degrading, window checks, webhook parsing,
de-duplication and handler selection. ``Hub`` and ``AsyncHub`` only add the I/O around it."""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ._model import PolychatModel
from .address import Address
from .capabilities import degrade
from .channels._base import Channel, Exchange
from .content import MarkRead, Reaction, Typing
from .errors import (
    ConfigurationError,
    ContentError,
    MalformedPayload,
    RecipientUnreachable,
    SignatureError,
    UnsupportedContent,
    WebhookError,
    WindowClosed,
)
from .events import (
    ChoiceSelected,
    ConversationClosed,
    Event,
    FormSubmitted,
    MessageReceived,
    MessageStatus,
    ReactionReceived,
    Referral,
    UnknownEvent,
)
from .stores import MemoryStore, Store
from .wire import WebhookRequest, WebhookResponse

__all__ = ["DEDUP_TTL", "HubCore", "PlannedSend", "SendResult"]

logger = logging.getLogger("polychat.hub")

DEDUP_TTL = 7 * 24 * 3600.0
"""Meta re-delivers webhooks for up to 7 days; event keys are remembered that long."""

MAX_DEGRADE_DEPTH = 6

#: Events that mean the customer did something (they open or refresh messaging windows).
CUSTOMER_ACTIVITY = (MessageReceived, ChoiceSelected, FormSubmitted, ReactionReceived, Referral)


class SendResult(PolychatModel):
    """What one ``hub.send`` did."""

    address: Address
    message_ids: list[str]
    """Ids the platform gave the messages sent, in order."""
    degraded: list[str]
    """The degrade rules applied, as sentences (empty when the content was sent as is)."""


@dataclass
class PlannedSend:
    """One exchange the hub will run, and the content it sends."""

    channel: Channel
    content: Any
    exchange: Exchange
    quoted: bool = False


@dataclass(frozen=True)
class Route:
    """A registered handler and its filters."""

    event_type: type[Event]
    handler: Callable[..., Any]
    channel: str | None
    when: Callable[[Event], bool] | None
    is_async: bool = False
    """The handler is a coroutine function (or an object with an async ``__call__``)."""

    def matches(self, event: Event) -> bool:
        """Whether this route takes ``event``."""
        if not isinstance(event, self.event_type):
            return False
        if self.channel is not None and event.channel != self.channel:
            return False
        return self.when is None or bool(self.when(event))


class HubCore:
    """The I/O-free part shared by :class:`~polychat.Hub` and :class:`~polychat.AsyncHub`."""

    def __init__(
        self,
        channels: Sequence[Channel],
        *,
        store: Store | None,
        on_unsupported: Literal["degrade", "raise"],
        window: Literal["check", "ignore"],
    ) -> None:
        if on_unsupported not in ("degrade", "raise"):
            raise ConfigurationError("on_unsupported must be 'degrade' or 'raise'")
        if window not in ("check", "ignore"):
            raise ConfigurationError("window must be 'check' or 'ignore'")
        self.on_unsupported = on_unsupported
        self.window = window
        self.store: Store = store if store is not None else MemoryStore()
        self._channels: dict[str, list[Channel]] = {}
        for channel in channels:
            self.add_channel(channel)
        self.routes: list[Route] = []
        self.clock: Callable[[], datetime] = _utcnow
        """Current time for the window check (the Simulator replaces it with its own clock)."""

    # -- channels ------------------------------------------------------------------------------

    def add_channel(self, channel: Channel) -> None:
        """Register ``channel``; several channels of one name are told apart by account."""
        same = self._channels.setdefault(channel.name, [])
        if any(c.account == channel.account for c in same):
            raise ConfigurationError(f"{channel.name} account {channel.account} is registered twice")
        same.append(channel)

    @property
    def channels(self) -> list[Channel]:
        """Every registered channel."""
        return [c for group in self._channels.values() for c in group]

    def channel_named(self, name: str, account: str | None = None) -> Channel:
        """The channel registered under ``name`` (and ``account``; else the first one, which
        parses that channel's webhooks)."""
        group = self._channels.get(name)
        if not group:
            raise ConfigurationError(f"no channel named {name!r} is registered "
                                     f"(have: {', '.join(self._channels) or 'none'})")
        if account is None:
            return group[0]
        for channel in group:
            if channel.account == account:
                return channel
        raise ConfigurationError(f"{name} account {account!r} is not registered")

    def channel_for(self, address: Address) -> Channel:
        """The channel that sends to ``address`` (by channel name, then business account)."""
        group = self._channels.get(address.channel)
        if not group:
            raise ConfigurationError(f"no {address.channel!r} channel is registered")
        for channel in group:
            if channel.account == address.account:
                return channel
        if len(group) == 1:
            raise ConfigurationError(
                f"{address.channel} account {address.account!r} is not registered "
                f"(the registered one is {group[0].account!r})"
            )
        raise ConfigurationError(f"{address.channel} account {address.account!r} is not registered")

    # -- handlers ------------------------------------------------------------------------------

    def add_route(self, event_type: type[Event], handler: Callable[..., Any],
                  channel: str | None, when: Callable[[Event], bool] | None) -> None:
        """Register ``handler`` for events of ``event_type`` (and subclasses)."""
        if not (isinstance(event_type, type) and issubclass(event_type, Event)):
            raise ConfigurationError(f"hub.on() takes an event class, got {event_type!r}")
        self.routes.append(Route(event_type, handler, channel, when, is_coroutine(handler)))

    def route_for(self, event: Event) -> Route | None:
        """The first registered route that takes ``event`` (first match wins)."""
        for route in self.routes:
            if route.matches(event):
                return route
        return None

    # -- sending -------------------------------------------------------------------------------

    def plan(self, address: Address, content: Any | Iterable[Any], *, reply_to: str | None,
             on_unsupported: Literal["degrade", "raise"] | None,
             options: Mapping[str, Any] | None = None,
             now: datetime | None = None) -> tuple[list[PlannedSend], list[str]]:
        """Check the window, render (degrading as needed) and return the exchanges to run."""
        channel = self.channel_for(address)
        items = list(content) if isinstance(content, list | tuple) else [content]
        mode = on_unsupported or self.on_unsupported
        state = self.store.conversation(str(address))
        if state.get("closed"):
            raise RecipientUnreachable(
                f"the customer closed this {channel.name} conversation",
                channel=channel.name,
                hint="send nothing until the customer writes again",
            )
        options = {**channel.conversation_options(state), **(options or {})}
        self._check_window(channel, address, items, now or self.clock(), options)
        degraded: list[str] = []
        planned: list[PlannedSend] = []
        for item in items:
            self._plan_one(channel, address, item, mode, degraded, planned, 0, reply_to, options)
        return planned, degraded

    def _plan_one(self, channel: Channel, address: Address, item: Any, mode: str,
                  degraded: list[str], planned: list[PlannedSend], depth: int,
                  reply_to: str | None, options: dict[str, Any]) -> None:
        quotable = not isinstance(item, Reaction | MarkRead | Typing)
        quote = reply_to if quotable and not any(p.quoted for p in planned) else None
        try:
            exchange = channel.send_exchange(address.user, item, reply_to=quote, **options)
        except ContentError as error:
            if mode == "raise":
                if isinstance(error, UnsupportedContent):
                    raise
                raise UnsupportedContent(str(error), limit=error.limit) from error
            caps = channel.capabilities_for(options)
            step = degrade(item, caps) if depth < MAX_DEGRADE_DEPTH else None
            if step is None:
                raise
            degraded.append(step.rule)
            for replacement in step.contents:
                self._plan_one(channel, address, replacement, mode, degraded, planned,
                               depth + 1, reply_to, options)
            return
        planned.append(PlannedSend(channel, item, exchange, quoted=quote is not None))

    def _check_window(self, channel: Channel, address: Address, items: list[Any],
                      now: datetime, options: Mapping[str, Any]) -> None:
        caps = channel.capabilities
        window = channel.window(options)
        if self.window != "check" or window is None:
            return
        if all(getattr(i, "kind", None) in caps.window_exempt_kinds for i in items):
            return
        last = self.store.last_user_activity(str(address))
        if last is not None and now - last > window:
            hours = window.total_seconds() / 3600
            raise WindowClosed(
                f"the customer last wrote {now - last} ago, outside the {hours:g} h window",
                channel=channel.name,
                hint=channel.window_hint(),
            )

    # -- receiving -----------------------------------------------------------------------------

    def verify(self, name: str, request: WebhookRequest) -> WebhookResponse:
        """Answer a GET subscription handshake."""
        try:
            channel = self.channel_named(name)
        except ConfigurationError:
            return WebhookResponse(status=404, body=b"unknown channel")
        try:
            challenge = channel.verify_subscription(request.query)
        except SignatureError as error:
            logger.warning("subscription handshake refused: %s", error,
                           extra={"channel": name})
            return WebhookResponse(status=403, body=b"forbidden")
        return WebhookResponse(status=200, body=challenge.encode())

    def receive(self, name: str, request: WebhookRequest) -> tuple[WebhookResponse, list[Event]]:
        """Verify and parse a webhook POST; return the answer and the NEW events to dispatch."""
        if request.method.upper() == "GET":
            return self.verify(name, request), []
        if request.method.upper() != "POST":
            return WebhookResponse(status=405, body=b"method not allowed"), []
        try:
            channel = self.channel_named(name)
        except ConfigurationError:
            return WebhookResponse(status=404, body=b"unknown channel"), []
        try:
            events = channel.parse(request)
        except WebhookError as error:
            level = logging.WARNING if isinstance(error, SignatureError | MalformedPayload) else logging.ERROR
            logger.log(level, "webhook refused: %s", error, extra={"channel": name})
            return WebhookResponse(status=error.status_hint, body=str(error).encode()), []
        except ConfigurationError as error:
            logger.error("webhook cannot be checked: %s", error, extra={"channel": name})
            return WebhookResponse(status=500, body=b"channel misconfigured"), []
        return WebhookResponse(status=200, body=b"OK"), self.fresh(events)

    def observe(self, event: Event) -> None:
        """Update what the store knows of the conversation from one new event."""
        address = str(Address(channel=event.channel, account=event.recipient.account,
                              user=event.sender.user))
        if isinstance(event, CUSTOMER_ACTIVITY):
            self.store.touch_user(address, event.timestamp)
        if isinstance(event, ConversationClosed):
            self.store.update_conversation(address, closed=True)
        elif isinstance(event, CUSTOMER_ACTIVITY) or event.capabilities is not None:
            values: dict[str, Any] = {"closed": False} if isinstance(event, CUSTOMER_ACTIVITY) else {}
            if event.capabilities is not None:
                values["capabilities"] = sorted(event.capabilities)
            self.store.update_conversation(address, **values)

    def followup(self, event: Event) -> tuple[Channel | None, Exchange | None]:
        """The channel and exchange that resolve ``event`` into other events, if it needs one."""
        try:
            channel = self.channel_for(Address(channel=event.channel, account=event.recipient.account,
                                               user=event.sender.user))
        except ConfigurationError:
            try:
                channel = self.channel_named(event.channel)
            except ConfigurationError:
                return None, None
        return channel, channel.followup_exchange(event)

    def fresh(self, events: Iterable[Event]) -> list[Event]:
        """The events of ``events`` not seen before, recorded in the store."""
        out = [e for e in events if self.is_new(e)]
        for event in out:
            self.observe(event)
        return out

    def resolved(self, original: Event, events: list[Event]) -> list[Event]:
        """The events a follow-up exchange produced, minus re-deliveries (the original itself,
        already recorded, passes through when the exchange could not resolve it)."""
        return [e for e in events if e is original or e == original] or self.fresh(events)

    def is_new(self, event: Event) -> bool:
        """Record ``event``'s dedup key; False if it was seen before (a re-delivery)."""
        return self.store.remember(dedup_key(event), DEDUP_TTL)


def is_coroutine(handler: Callable[..., Any]) -> bool:
    """Whether calling ``handler`` gives a coroutine (functions, partials, async ``__call__``)."""
    target: Any = handler
    while isinstance(target, functools.partial):
        target = target.func
    if inspect.iscoroutinefunction(target):
        return True
    # a callable object whose __call__ is async (looked up on the type, as Python calls it)
    return not inspect.isroutine(target) and inspect.iscoroutinefunction(type(target).__call__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def dedup_key(event: Event) -> str:
    """The de-duplication key of an event.

    Messages and taps key on the platform id; statuses on (message id, status) — or on the
    watermark and user for watermark statuses; items without an id on a hash of their raw item.
    """
    prefix = f"{event.channel}:{event.recipient.account}"
    if isinstance(event, MessageStatus):
        if event.message_id is not None:
            return f"{prefix}:status:{event.message_id}:{event.status}"
        mark = event.watermark.isoformat() if event.watermark else event.timestamp.isoformat()
        return f"{prefix}:status:{event.sender.user}:{event.status}:{mark}"
    if isinstance(event, ChoiceSelected) and event.id:
        # An Apple multi-select list reply is one message with one choice per selected item.
        return f"{prefix}:{event.kind}:{event.id}:{event.choice_id}"
    if isinstance(event, MessageReceived) and event.id:
        # One platform message can carry several attachments, each its own event.
        digest = hashlib.sha256(event.content.model_dump_json().encode()).hexdigest()[:16]
        return f"{prefix}:{event.kind}:{event.id}:{digest}"
    if event.id and not isinstance(event, UnknownEvent):
        return f"{prefix}:{event.kind}:{event.id}"  # type: ignore[attr-defined]
    raw = json.dumps(event.raw, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return f"{prefix}:{getattr(event, 'kind', 'event')}:{event.id or ''}:{digest}"
