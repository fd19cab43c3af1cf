"""Everything the two hubs decide without I/O: routing, degrading, window checks, webhook parsing,
de-duplication and handler selection. ``Hub`` and ``AsyncHub`` only add the I/O around it."""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal

from ._menu import MENU_TTL, NumberedMenu, match_answer, menu_labels, numbered_text
from ._model import PolychatModel
from .address import Address
from .capabilities import Pace, degrade
from .channels._base import Channel, Exchange, TemplateCatalog
from .content import MarkRead, Reaction, Text, Typing
from .errors import (
    ConfigurationError,
    ContentError,
    MalformedPayload,
    PlatformError,
    RateLimited,
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
from .filters import Filter
from .stores import Arrival, MemoryStore, Store
from .stores.base import StoreUpdate
from .wire import MASK, SENSITIVE_HEADERS, HttpRequest, WebhookRequest, WebhookResponse, redact_url

__all__ = ["DEDUP_TTL", "HubCore", "Plan", "PlannedSend", "Preview", "PreviewStep", "SendResult"]

logger = logging.getLogger("polychat.hub")

_NO_DATA: Mapping[str, Any] = MappingProxyType({})

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
    """One exchange the hub will run, the content it sends and the buckets it draws from."""

    channel: Channel
    content: Any
    exchange: Exchange
    quoted: bool = False
    paces: list[tuple[str, Pace]] = field(default_factory=list)
    """(store key, limit) of each pacing bucket this send counts against."""


_INVISIBLE = (Typing, MarkRead, Reaction)


@dataclass
class Plan:
    """Everything one ``send`` will do, decided before any request: the exchanges in order, the
    degrade rules applied, and the numbered menu to remember once it is shown."""

    address: Address
    channel: Channel
    steps: list[PlannedSend] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)
    menu: list[dict[str, Any]] = field(default_factory=list)
    """Lines of the numbered-text menus this send shows (``n``, ``id``, ``title``, ``source``)."""
    menu_step: int = 0
    """Index of the first step that shows a menu line."""
    had_menu: bool = False
    """The conversation had a menu on show before this send."""

    def add_menu(self, menu: NumberedMenu) -> list[Any]:
        """Label ``menu`` after the menus already in this send; return its text to send."""
        if not self.menu:
            self.menu_step = len(self.steps)
        numbers = sum(1 for line in self.menu if str(line["n"]).isdigit())
        labels = menu_labels(menu.options, numbers_from=numbers + 1,
                             letters_from=len(self.menu) - numbers)
        for label, option in zip(labels, menu.options, strict=True):
            self.menu.append({"n": label, "id": option.id, "title": option.title,
                              "source": menu.source})
        return [Text(text=numbered_text(menu.prompt, menu.options, labels))]

    def state_after(self, sent: int, now: datetime) -> dict[str, Any] | None:
        """The conversation-state update once ``sent`` steps went out (None: nothing to write).

        A numbered menu on show answers until the business shows something else: the next visible
        message replaces it (with its own menu) or clears it.
        """
        if self.menu and sent > self.menu_step:
            return {"menu": {"options": self.menu, "at": now.timestamp()}}
        if self.had_menu and any(not isinstance(s.content, _INVISIBLE) for s in self.steps[:sent]):
            return {"menu": None}
        return None


@dataclass(frozen=True)
class PreviewStep:
    """One message of a preview: the content the channel will get, and its requests."""

    content: Any
    requests: list[HttpRequest]


@dataclass(frozen=True)
class Preview:
    """What a send would do, computed without any I/O (``hub.preview``).

    Attributes:
        address: where it would go.
        steps: each message in order, with the exact requests (credentials masked; media bytes
            to upload show the channel's placeholder id).
        degraded: the degrade rules that would apply, as in ``SendResult.degraded``.
        menu: the numbered-menu lines the hub would remember (``n``, ``id``, ``title``, ``source``).
    """

    address: Address
    steps: list[PreviewStep]
    degraded: list[str]
    menu: list[dict[str, Any]]

    @property
    def requests(self) -> list[HttpRequest]:
        """Every request, in the order they would be sent."""
        return [r for step in self.steps for r in step.requests]

    @property
    def contents(self) -> list[Any]:
        """The content each message carries after degrading."""
        return [step.content for step in self.steps]

    def __str__(self) -> str:
        lines = [f"preview of a send to {self.address}"]
        lines += [f"  degraded: {rule}" for rule in self.degraded]
        for n, request in enumerate(self.requests, start=1):
            lines.append(f"  {n}. {request.method} {request.url}")
            if request.json is not None:
                lines.append("     " + json.dumps(request.json, ensure_ascii=False))
        return "\n".join(lines)


@dataclass(frozen=True)
class Route:
    """A registered handler, the event class it takes and its composed filter."""

    event_type: type[Event]
    handler: Callable[..., Any]
    filter: Filter | None = None
    """Every ``hub.on`` keyword ANDed (see :func:`polychat.filters.from_keywords`); None = all."""
    is_async: bool = False
    """The handler is a coroutine function (or an object with an async ``__call__``)."""

    def match(self, event: Event) -> Mapping[str, Any] | None:
        """``None`` if this route does not take ``event``; else the data its filter extracted.

        A filter's exception propagates (the hub logs it and treats it as no match).
        """
        if not isinstance(event, self.event_type):
            return None
        return _NO_DATA if self.filter is None else self.filter.check(event)

    def matches(self, event: Event) -> bool:
        """Whether this route takes ``event``."""
        return self.match(event) is not None


class HubCore:
    """The I/O-free part shared by :class:`~polychat.Hub` and :class:`~polychat.AsyncHub`."""

    def __init__(
        self,
        channels: Sequence[Channel],
        *,
        store: Store | None,
        on_unsupported: Literal["degrade", "raise"],
        window: Literal["check", "ignore"],
        templates: Literal["fetch", "cached", "off"] = "fetch",
    ) -> None:
        if on_unsupported not in ("degrade", "raise"):
            raise ConfigurationError("on_unsupported must be 'degrade' or 'raise'")
        if window not in ("check", "ignore"):
            raise ConfigurationError("window must be 'check' or 'ignore'")
        if templates not in ("fetch", "cached", "off"):
            raise ConfigurationError("templates must be 'fetch', 'cached' or 'off'")
        self.templates = templates
        self.on_unsupported = on_unsupported
        self.window = window
        self.store: Store = store if store is not None else MemoryStore()
        self._channels: dict[str, list[Channel]] = {}
        for channel in channels:
            self.add_channel(channel)
        self.routes: list[Route] = []
        self.clock: Callable[[], datetime] = _utcnow
        """Current time for the window check (the Simulator replaces it with its own clock)."""
        self.pace_clock: Callable[[], float] = time.time
        """Current Unix time for the pacing buckets (shared by every worker: keep clocks in sync)."""

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
                  filter: Filter | None = None) -> None:
        """Register ``handler`` for events of ``event_type`` (and subclasses) that pass ``filter``."""
        if not (isinstance(event_type, type) and issubclass(event_type, Event)):
            raise ConfigurationError(f"hub.on() takes an event class, got {event_type!r}")
        self.routes.append(Route(event_type, handler, filter, is_coroutine(handler)))

    def match(self, event: Event) -> tuple[Route, Mapping[str, Any]] | None:
        """The first registered route that takes ``event`` and the data its filter extracted.

        Routes are tried in registration order; the first match wins. A filter that raises is
        logged at ERROR (with the filter and handler names) and counts as no match, so the next
        routes still get their chance.
        """
        for route in self.routes:
            try:
                data = route.match(event)
            except Exception:
                logger.exception("filter %r of handler %s raised on %s %s; treated as no match",
                                 route.filter, getattr(route.handler, "__qualname__", route.handler),
                                 type(event).__name__, event.id,
                                 extra={"channel": event.channel, "event_id": event.id})
                continue
            if data is not None:
                return route, data
        return None

    def route_for(self, event: Event) -> Route | None:
        """The first registered route that takes ``event`` (first match wins); see :meth:`match`."""
        found = self.match(event)
        return None if found is None else found[0]

    # -- sending -------------------------------------------------------------------------------

    def plan(self, address: Address, content: Any | Iterable[Any], *, reply_to: str | None,
             on_unsupported: Literal["degrade", "raise"] | None,
             options: Mapping[str, Any] | None = None,
             state: Mapping[str, Any] | None = None,
             last_activity: datetime | None = None,
             window: Literal["check", "ignore"] | None = None,
             outside_window: Any | Iterable[Any] | None = None,
             now: datetime | None = None) -> Plan:
        """Check the conversation, render (degrading as needed) and return what to send. Pure.

        Args:
            state: the conversation state from the store (Apple's closed flag and device
                capabilities, the numbered menu on show).
            last_activity: the customer's last activity from the store (the window check).
            window: overrides the hub's window mode for this send.
            outside_window: what to send instead when the window is closed (a WhatsApp
                ``Template``); the swap is reported in ``degraded``.
        """
        channel = self.channel_for(address)
        items = _as_items(content)
        mode = on_unsupported or self.on_unsupported
        state = state or {}
        all_options = {**channel.conversation_options(state), **(options or {})}
        swapped: str | None = None
        if (window or self.window) == "check":
            if state.get("closed"):
                raise RecipientUnreachable(
                    f"the customer closed this {channel.name} conversation",
                    channel=channel.name,
                    hint="send nothing until the customer writes again, or pass window='ignore'",
                )
            moment = now or self.clock()
            try:
                self._check_window(channel, items, moment, all_options, last_activity)
            except WindowClosed as closed:
                if outside_window is None:
                    raise
                items = _as_items(outside_window)
                self._check_window(channel, items, moment, all_options, last_activity)
                kinds = ", ".join(sorted({getattr(i, "kind", "content") for i in items}))
                end = closed.window_end.isoformat(timespec="seconds") if closed.window_end else "?"
                swapped = (f"window.outside: the window closed at {end}; sent the outside-window "
                           f"{kinds} instead")
        plan = Plan(address=address, channel=channel, had_menu=bool(state.get("menu")))
        if swapped:
            plan.degraded.append(swapped)
        for item in items:
            self._plan_one(channel, address, item, mode, plan, 0, reply_to, all_options)
        return plan

    def _plan_one(self, channel: Channel, address: Address, item: Any, mode: str, plan: Plan,
                  depth: int, reply_to: str | None, options: dict[str, Any]) -> None:
        quotable = not isinstance(item, Reaction | MarkRead | Typing)
        quote = reply_to if quotable and not any(p.quoted for p in plan.steps) else None
        try:
            exchange = channel.send_exchange(address.user, item, reply_to=quote, **options)
        except ContentError as error:
            feature = getattr(item, "kind", type(item).__name__)
            if mode == "raise":
                raise _refusal(channel, feature, error) from error
            caps = channel.capabilities_for(options)
            step = degrade(item, caps) if depth < MAX_DEGRADE_DEPTH else None
            if step is None:
                raise _refusal(channel, feature, error, ladder_ended=True) from error
            plan.degraded.append(step.rule)
            contents = plan.add_menu(step.menu) if step.menu is not None else step.contents
            for replacement in contents:
                self._plan_one(channel, address, replacement, mode, plan, depth + 1, reply_to,
                               options)
            return
        plan.steps.append(PlannedSend(channel, item, exchange, quoted=quote is not None,
                                      paces=self._paces(channel, address, item)))

    @staticmethod
    def _paces(channel: Channel, address: Address, item: Any) -> list[tuple[str, Pace]]:
        kind = getattr(item, "kind", "")
        return [(pace.key(channel.name, address.account, address.user), pace)
                for pace in channel.pacing if pace.applies_to(kind)]

    def _check_window(self, channel: Channel, items: list[Any], now: datetime,
                      options: Mapping[str, Any], last: datetime | None) -> None:
        caps = channel.capabilities
        window = channel.window(options)
        if window is None or last is None:
            return
        if all(getattr(i, "kind", None) in caps.window_exempt_kinds for i in items):
            return
        if now - last > window:
            hours = window.total_seconds() / 3600
            end = last + window
            raise WindowClosed(
                f"the customer last wrote {now - last} ago: the {hours:g} h window closed at "
                f"{end.isoformat(timespec='seconds')}",
                channel=channel.name,
                hint=channel.window_hint(),
                window_end=end,
            )

    def preview(self, address: Address, content: Any | Iterable[Any], *,
                reply_to: str | None = None,
                on_unsupported: Literal["degrade", "raise"] | None = None,
                state: Mapping[str, Any] | None = None,
                options: Mapping[str, Any] | None = None) -> Preview:
        """What sending ``content`` to ``address`` would do, without any I/O (see ``hub.preview``)."""
        plan = self.plan(address, content, reply_to=reply_to, on_unsupported=on_unsupported,
                         options=options, state=state, window="ignore")
        steps = []
        for step in plan.steps:
            requests = step.channel.walk(step.exchange)
            steps.append(PreviewStep(content=step.content,
                                     requests=[_masked(step.channel, r) for r in requests]))
        return Preview(address=address, steps=steps, degraded=list(plan.degraded),
                       menu=[dict(line) for line in plan.menu])

    def holds(self, step: PlannedSend, error: PlatformError) -> list[StoreUpdate]:
        """The bucket holds a platform ``RateLimited`` answer to ``step`` implies: every bucket of
        the scope the channel names is held until ``retry_after`` (1 s when unsaid) from now."""
        if not isinstance(error, RateLimited):
            return []
        scope = step.channel.pacing_scope(error)
        until = self.pace_clock() + (error.retry_after if error.retry_after is not None else 1.0)
        return [("hold", (key,), {"until": until, "rate": pace.rate, "burst": pace.burst})
                for key, pace in step.paces if pace.scope == scope]

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

    def parse_webhook(self, name: str,
                      request: WebhookRequest) -> tuple[WebhookResponse, list[Event]]:
        """Verify and parse a webhook request; return the answer and ALL its events (not yet
        de-duplicated: the hubs do that against the store)."""
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
        return WebhookResponse(status=200, body=b"OK"), events

    def observations(self, event: Event) -> list[StoreUpdate]:
        """The store updates one new event implies (customer activity, conversation state)."""
        address = conversation_key(event)
        updates: list[StoreUpdate] = []
        if isinstance(event, CUSTOMER_ACTIVITY):
            updates.append(("touch_user", (address, event.timestamp), {}))
        if isinstance(event, ConversationClosed):
            updates.append(("update_conversation", (address,), {"closed": True}))
        elif isinstance(event, CUSTOMER_ACTIVITY) or event.capabilities is not None:
            values: dict[str, Any] = {"closed": False} if isinstance(event, CUSTOMER_ACTIVITY) else {}
            if event.capabilities is not None:
                values["capabilities"] = sorted(event.capabilities)
            updates.append(("update_conversation", (address,), values))
        for channel in self._channels.get(event.channel, []):
            catalog = channel.template_catalog()
            if catalog is not None and catalog.is_change(event):
                updates.append(("put", (catalog.cache_key, None, 0.0), {}))
        return updates

    def arrivals(self, events: Sequence[Event]) -> list[Arrival]:
        """What the store records for a webhook's ``events`` (``Store.record``): each one's dedup
        key, the updates it implies if new, and the conversation state to read when it may
        answer a numbered menu."""
        return [Arrival(key=dedup_key(event), ttl=DEDUP_TTL, updates=self.observations(event),
                        state_of=conversation_key(event) if self.may_answer_menu(event) else None)
                for event in events]

    def admitted(self, events: Sequence[Event], arrivals: Sequence[Arrival],
                 results: Sequence[Mapping[str, Any] | None]) -> list[Event]:
        """The events ``Store.record`` found new (a non-None result), a typed answer to the
        numbered menu in the state read for it turned into its ``ChoiceSelected``."""
        if len(results) != len(events):
            raise ValueError(f"the store's record() gave {len(results)} results for "
                            f"{len(events)} arrivals")
        return [event if arrival.state_of is None else self.answer_menu(event, state)
                for event, arrival, state in zip(events, arrivals, results, strict=True)
                if state is not None]

    def template_checks(self, plan: Plan) -> list[tuple[PlannedSend, TemplateCatalog]]:
        """The template sends of ``plan`` to check against their channel's approved templates."""
        if self.templates == "off":
            return []
        out = []
        for step in plan.steps:
            if getattr(step.content, "kind", None) == "template":
                catalog = step.channel.template_catalog()
                if catalog is not None:
                    out.append((step, catalog))
        return out

    def catalog_for(self, channel: str, account: str | None) -> tuple[Channel, TemplateCatalog]:
        """The channel serving ``account`` (or the first of that name) and its template catalog."""
        target = self.channel_named(channel, account)
        catalog = target.template_catalog()
        if catalog is None:
            raise ConfigurationError(f"{channel} account {target.account} has no template "
                                     "registry (WhatsApp needs WhatsApp(waba_id=...))")
        return target, catalog

    @staticmethod
    def may_answer_menu(event: Event) -> bool:
        """Whether ``event`` could be a typed answer to a numbered menu (a text message)."""
        return isinstance(event, MessageReceived) and isinstance(event.content, Text)

    def answer_menu(self, event: Event, state: Mapping[str, Any]) -> Event:
        """``event`` as the ``ChoiceSelected`` it stands for when it answers the numbered menu
        in ``state``; otherwise ``event`` unchanged."""
        menu = state.get("menu")
        if not isinstance(event, MessageReceived) or not isinstance(event.content, Text):
            return event
        if not isinstance(menu, Mapping) or not isinstance(menu.get("options"), list):
            return event
        at = menu.get("at")
        if isinstance(at, int | float) and event.timestamp.timestamp() - at > MENU_TTL:
            return event
        option = match_answer(menu["options"], event.content.text)
        if option is None:
            return event
        return ChoiceSelected(
            channel=event.channel, sender=event.sender, recipient=event.recipient, id=event.id,
            timestamp=event.timestamp, sender_name=event.sender_name,
            capabilities=event.capabilities, raw=event.raw, choice_id=str(option["id"]),
            title=str(option["title"]), source=option.get("source", "list"),
            reply_to=event.reply_to, referral=event.referral, typed=True,
        )

    def followup(self, event: Event) -> tuple[Channel | None, Exchange | None]:
        """The channel and exchange that resolve ``event`` into other events, if it needs one."""
        # The channel serving the event's business account, else the first of its name (as
        # channel_for / channel_named pick them; looked up directly: this runs for every event).
        group = self._channels.get(event.channel)
        if not group:
            return None, None
        account = event.recipient.account
        channel = next((c for c in group if c.account == account), group[0])
        return channel, channel.followup_exchange(event)

    @staticmethod
    def passthrough(original: Event, events: list[Event]) -> bool:
        """Whether a follow-up exchange gave back ``original`` itself (it could not resolve it;
        the original, already recorded, is dispatched as is)."""
        return any(e is original or e == original for e in events)


def _as_items(content: Any | Iterable[Any]) -> list[Any]:
    return list(content) if isinstance(content, list | tuple) else [content]


def conversation_key(event: Event) -> str:
    """The store key of the conversation ``event`` belongs to (``str`` of the reply address)."""
    # The same text as str(Address(...)), without building a model for every event.
    return f"{event.channel}:{event.recipient.account}:{event.sender.user}"


def _refusal(channel: Channel, feature: str, error: ContentError, *,
             ladder_ended: bool = False) -> ContentError:
    """The error a refused send raises: it names the channel, the feature and the limit."""
    limit = error.limit
    detail = str(error)
    if ladder_ended:
        if isinstance(error, UnsupportedContent):
            message = (f"{channel.name} cannot send {feature} and the degrade ladder has no rung "
                       f"left: {detail}")
            return UnsupportedContent(message, limit=limit, channel=channel.name, feature=feature)
        message = f"{channel.name} refused {feature} and the degrade ladder has no rung left: {detail}"
        return ContentError(message, limit=limit, channel=channel.name, feature=feature)
    where = f" (limit {limit})" if limit else ""
    return UnsupportedContent(f"{channel.name} cannot send this {feature}{where}: {detail}",
                              limit=limit, channel=channel.name, feature=feature)


def _masked(channel: Channel, request: HttpRequest) -> HttpRequest:
    """``request`` with its credentials masked (previews are shown to people and logged)."""
    headers = {k: (MASK if k.lower() in SENSITIVE_HEADERS else v) for k, v in request.headers.items()}
    url = redact_url(request.url)
    body = request.json
    if body is not None:
        body = json.loads(channel.redact(json.dumps(body)))
    return replace(request, url=url, headers=headers, json=body)


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

    Messages and taps key on the platform id (a text's typed answer to a numbered menu keys like
    the text it was); statuses on (message id, status) — or on the watermark and user for
    watermark statuses; items without an id on a hash of their raw item.
    """
    prefix = f"{event.channel}:{event.recipient.account}"
    if isinstance(event, MessageStatus):
        if event.message_id is not None:
            return f"{prefix}:status:{event.message_id}:{event.status}"
        mark = event.watermark.isoformat() if event.watermark else event.timestamp.isoformat()
        return f"{prefix}:status:{event.sender.user}:{event.status}:{mark}"
    if isinstance(event, ChoiceSelected) and event.typed and event.id:
        return f"{prefix}:message:{event.id}"  # the text it was typed as: one key for both
    if isinstance(event, ChoiceSelected) and event.id:
        # An Apple multi-select list reply is one message with one choice per selected item.
        return f"{prefix}:{event.kind}:{event.id}:{event.choice_id}"
    if isinstance(event, MessageReceived) and event.id and isinstance(event.content, Text):
        return f"{prefix}:message:{event.id}"  # a text is always one event per message
    if isinstance(event, MessageReceived) and event.id:
        # One platform message can carry several attachments, each its own event.
        digest = hashlib.sha256(event.content.model_dump_json().encode()).hexdigest()[:16]
        return f"{prefix}:{event.kind}:{event.id}:{digest}"
    if event.id and not isinstance(event, UnknownEvent):
        return f"{prefix}:{event.kind}:{event.id}"  # type: ignore[attr-defined]
    raw = json.dumps(event.raw, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return f"{prefix}:{getattr(event, 'kind', 'event')}:{event.id or ''}:{digest}"
