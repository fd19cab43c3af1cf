"""Parse Apple Messages for Business inbound messages into polychat events (pure: no I/O).

:func:`parse_message` takes one decoded message body (its JWT already verified and its gzip
already undone by :meth:`AppleMessages.parse <polychat.channels.apple.channel.AppleMessages.parse>`)
together with the request headers, because Apple splits a message between the two: the body has
the content, the headers the device's capabilities (and copies of the ids). :func:`parse_resolved`
turns the answer of the MSP gateway's ``/v1/decodePayload`` for an ``interactiveDataRef`` into the
events the inline reply would have given. Platform notes: ``apple.md`` sections 1 (ids), 5
(receiving), 6.2–6.3 (attachments, references) and 9 (pitfalls).

Addresses
    ``recipient`` (the business side) is ``Address("apple", business_id, business_id)`` with
    ``business_id`` from the body's ``destinationId``, else the ``destination-id`` header (a
    ``urn:biz:`` prefix is removed; :data:`NO_BUSINESS` when neither is usable). ``sender`` (the
    customer) is ``Address("apple", business_id, opaque_id)`` with the opaque ``urn:mbid:…`` id from
    the body's ``sourceId``, else the ``source-id`` header, kept byte-exact (it contains ``/``,
    ``+`` and ``=``). A body that names no customer gives one ``UnknownEvent`` (:data:`MALFORMED`)
    whose sender is the business itself. ``sender_name`` is always ``None``: Apple never says.

Ids, times and capabilities (on every event)
    ``id`` is the body's ``id``, else the ``id`` header. Apple bodies carry no time: ``timestamp``
    is the request's ``Date`` header when it has a valid one (undocumented, but the best statement
    of when Apple sent it), else ``received_at`` (the channel passes its clock), else the current
    time. ``capabilities`` is the device's ``capability-list`` header (comma-separated,
    case-insensitive, upper-cased: ``QUICK``, ``LIST``, ``TIME``, ``AUTH``, ``AUTH2``, ``FORM``)
    joined with the older ``capabilities`` header (values such as ``AUTH,1.00``: version numbers
    and other non-names are left out); ``None`` when neither header is present. ``raw`` is the
    message body.

Body types

    ===========================================  ================================================
    body                                         events
    ===========================================  ================================================
    ``text``                                     ``MessageReceived(Text(body))``, ``body`` with its
                                                 U+FFFC attachment placeholders removed (words on
                                                 both sides of one joined by a single space, the
                                                 result stripped); no text event when nothing
                                                 remains; a body without placeholders is kept
                                                 exactly
    ``text`` with ``attachments[]``              the text event (if any), then one
                                                 ``MessageReceived`` per attachment:
                                                 ``Image`` / ``Video`` / ``Audio`` by ``mimeType``
                                                 prefix, else ``File``
    ``typing_start`` / ``typing_end``            ``TypingChanged(on=True / False)``
    ``close``                                    ``ConversationClosed``
    ``interactive`` + ``interactiveDataRef``     ``UnknownEvent(type=IDR_EVENT_TYPE)``: the hub
                                                 downloads and decodes it, then calls
                                                 :func:`parse_resolved`
    ``interactive`` + ``interactiveData``        by the key of ``interactiveData.data``:
      ``listPicker``                             ``ChoiceSelected(source="list")`` per selected
                                                 item (same ``id``), ``title`` = item title,
                                                 ``description`` = item subtitle
      ``event`` (time picker; also the older     ``ChoiceSelected(source="time_slot",
      ``timePicker.event`` nesting)              choice_id=<slot identifier>,
                                                 title=replyMessage.title)``
      ``quick-reply``                            ``ChoiceSelected(source="quick_reply",
                                                 choice_id=selectedIdentifier, else the
                                                 identifier of items[selectedIndex];
                                                 title=the item's title, else
                                                 replyMessage.title)``
      ``authenticate``                           ``FormSubmitted(name="auth", data=<authenticate>)``
      ``payment``                                ``FormSubmitted(name="apple_pay",
                                                 data=<payment> + status / replyMessage)``
      ``dynamic`` / ``formMessage`` (forms)      ``FormSubmitted(name="form",
                                                 data=<dynamic> + {"selections": [...]})``
      anything else (custom iMessage apps…)      ``UnknownEvent(type="apple.interactive")``
    any other ``type``                           ``UnknownEvent(type="apple.<type>")``
    ===========================================  ================================================

    Attachments become media with ``url`` = the MMCS url, ``filename`` = ``name``,
    ``mime_type`` = ``mimeType``, ``size`` = ``int(size)`` (Apple sends a number or a string) and
    ``ref`` = the download data (``owner``, ``key``, hex ``signature``, ``signature-base64``), which
    :meth:`AppleMessages.media_exchange` uses; treat ``ref`` as a secret (it holds the AES key).

    Interactive replies carry ``reply_to`` = ``data.requestIdentifier`` (the id polychat sent
    with the picker). The reply bubble is read from ``data.replyMessage``, else
    ``interactiveData.replyMessage``.

    An entry-point intent (``intent`` / ``group`` in the body: the ``biz-intent-id`` and
    ``biz-group-id`` of the chat URL) rides on the message's ``MessageReceived`` and
    ``ChoiceSelected`` events as ``ReferralInfo(source="entry_point", ref=intent,
    raw={"intent": …, "group": …})`` (only the keys the body has).

Which list item, slot or quick reply was chosen
    Apple's raw selection marker is not documented (``apple.md`` 5.2), so the parser looks, in
    this order, for: items with a truthy ``selected`` (or ``isSelected``) flag; arrays of selected items or
    identifiers (``selectedItems``, ``selectedIdentifiers``… on the picker, its sections, or
    ``data``); the one item whose title equals ``replyMessage.title`` (else ``alternateTitle``);
    the only item, when there is exactly one. A quick reply first reads ``selectedIdentifier`` and
    ``selectedIndex`` (a number or a numeric string). When none of these decides, the parser does
    not guess among several items: the reply becomes ``UnknownEvent`` of type
    :data:`LIST_UNRESOLVED`, :data:`TIME_UNRESOLVED` or :data:`QUICK_REPLY_UNRESOLVED`.

Resolved references (:func:`parse_resolved`)
    The decoded JSON may be the interactive data itself (``{"bid": …, "data": {…}}``), wrapped as
    ``{"interactiveData": {…}}`` (or inside a whole message body), or just the ``data`` object:
    all are accepted. The events are those of an inline reply, with the reference event's sender,
    recipient, ``id``, ``timestamp`` and ``capabilities``; their ``raw`` is the reference's body
    with ``interactiveData`` set to the decoded data. When nothing interactive can be found, the
    reference event is returned unchanged.

Malformed input
    :class:`~polychat.errors.MalformedPayload` is raised only when the body is not an object or
    has no string ``type`` (the channel checks both first). A broken piece inside a good body
    becomes ``UnknownEvent(type="apple.malformed_item")`` (:data:`MALFORMED`) and the rest still
    arrives: a ``text`` whose ``body`` is not a string or that has neither text nor attachments,
    an ``attachments`` that is not a list (``raw`` = the body), an attachment without a url
    (``raw`` = that attachment), an ``interactive`` without usable ``interactiveData`` or
    ``interactiveDataRef``, a reply whose ``listPicker`` / ``event`` / ``quick-reply`` /
    ``authenticate`` / ``payment`` / ``dynamic`` is not an object. No other exception escapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final, Literal

from pydantic import ValidationError

from ... import _safejson
from ...address import Address
from ...content import Audio, Content, File, Image, Text, Video
from ...errors import MalformedPayload
from ...events import (
    ChoiceSelected,
    ConversationClosed,
    Event,
    FormSubmitted,
    MessageReceived,
    ReferralInfo,
    TypingChanged,
    UnknownEvent,
)
from ...wire import Headers
from .._json import account as _account
from .._json import dict_or_none as _dict_or_none
from .._json import ident as _ident
from .._json import text as _text
from .._json import truthy
from .limits import DEVICE_CAPABILITIES

__all__ = [
    "IDR_EVENT_TYPE",
    "INTERACTIVE",
    "LIST_UNRESOLVED",
    "MALFORMED",
    "NO_BUSINESS",
    "PLACEHOLDER",
    "QUICK_REPLY_UNRESOLVED",
    "TIME_UNRESOLVED",
    "parse_capabilities",
    "parse_message",
    "parse_resolved",
]

CHANNEL: Final = "apple"

IDR_EVENT_TYPE: Final = "apple.interactive_data_ref"
"""``UnknownEvent.type`` of an interactive reply delivered by reference (``interactiveDataRef``)."""

MALFORMED: Final = "apple.malformed_item"
"""``UnknownEvent.type`` of a piece of a message that is not the shape Apple sends."""

INTERACTIVE: Final = "apple.interactive"
"""``UnknownEvent.type`` of an interactive reply polychat does not model (custom iMessage apps)."""

LIST_UNRESOLVED: Final = "apple.list_picker.unresolved"
"""``UnknownEvent.type`` of a list-picker reply whose selected items cannot be told."""

TIME_UNRESOLVED: Final = "apple.time_picker.unresolved"
"""``UnknownEvent.type`` of a time-picker reply whose chosen slot cannot be told."""

QUICK_REPLY_UNRESOLVED: Final = "apple.quick_reply.unresolved"
"""``UnknownEvent.type`` of a quick reply whose chosen item cannot be told."""

NO_BUSINESS: Final = "unknown"
"""Placeholder business id when neither the body nor the headers name a usable one."""

PLACEHOLDER: Final = "\ufffc"
"""U+FFFC OBJECT REPLACEMENT CHARACTER: where an attachment shows inside a text body."""

_BIZ_PREFIX: Final = "urn:biz:"
_SELECTION_ARRAYS: Final = (
    "selectedItems", "selectedIdentifiers", "selectedItemIdentifiers", "selectedIdentifier",
    "selectedTimeslots", "selectedTimeSlots", "selectedTimeslot", "selectedTimeSlot",
)
"""Keys that may hold the selected items (or their identifiers) of a picker reply."""
_MEDIA: Final[tuple[tuple[str, type[Image | Video | Audio]], ...]] = (
    ("image/", Image),
    ("video/", Video),
    ("audio/", Audio),
)
_REF_KEYS: Final = ("owner", "key", "signature", "signature-base64")
_TRUE_WORDS: Final = ("true", "1", "yes")
_OLD_CAPABILITY: Final = re.compile(r"[A-Z]+")
_PLACEHOLDER_RUN: Final = re.compile(r"[ \t]*(?:\ufffc[ \t]*)+")
_FLAGS: Final = ("selected", "isSelected")
"""Item keys that mark a chosen list item or time slot when truthy."""


class _BrokenPieceError(Exception):
    """A piece of a message lacks something it needs; it becomes a malformed-item UnknownEvent."""


# -- small readers ---------------------------------------------------------------------------------


def _index(value: Any) -> int | None:
    """A non-negative list index given as a number or a numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) < 10:
        return int(value.strip())
    return None


def _size(value: Any) -> int | None:
    """A byte count given as a number or a numeric string (Apple sends both)."""
    index = _index(value)
    return index if index is not None and index < 10**15 else None


def _truthy(value: Any) -> bool:
    """A JSON flag: ``true``, ``1``, ``"true"``, ``"yes"`` or ``"1"``."""
    return truthy(value, _TRUE_WORDS)


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers with lower-case names (string values only), whatever mapping was given."""
    if isinstance(headers, Headers):  # already str -> str, keyed case-insensitively
        return {name.lower(): value for name, value in headers.to_dict().items()}
    found: dict[str, str] = {}
    try:
        for name, value in headers.items():
            if isinstance(name, str) and isinstance(value, str):
                found[name.lower()] = value
    except (AttributeError, TypeError):
        return {}
    return found


def _business_id(value: Any) -> str | None:
    """A business id usable as ``Address.account`` (a ``urn:biz:`` prefix removed), or ``None``."""
    ident = _ident(value)
    if ident is not None and ident.lower().startswith(_BIZ_PREFIX):
        ident = _ident(ident[len(_BIZ_PREFIX):])
    return _account(ident)


def parse_capabilities(headers: Mapping[str, str]) -> frozenset[str] | None:
    """The device capabilities a request declares, or ``None`` when it declares none.

    Reads ``capability-list`` (comma-separated, case-insensitive) and the older ``capabilities``
    header, whose values may carry versions (``AUTH,1.00``): from that one only the known names
    (:data:`~polychat.channels.apple.limits.DEVICE_CAPABILITIES`) and other purely alphabetic
    tokens are kept. Both are upper-cased and joined.

    Args:
        headers: the request headers (any mapping; names are matched case-insensitively).

    Returns:
        The upper-cased capability names, or ``None`` when neither header is present.
    """
    return _capabilities(_lower_headers(headers))


def _capabilities(lowered: Mapping[str, str]) -> frozenset[str] | None:
    """:func:`parse_capabilities` of headers whose names are already lower-case."""
    current, older = lowered.get("capability-list"), lowered.get("capabilities")
    if current is None and older is None:
        return None
    names: set[str] = set()
    if current is not None:
        names.update(t.strip().upper() for t in current.split(",") if t.strip())
    if older is not None:
        for token in re.split(r"[\s,;]+", older):
            name = token.strip().upper()
            if name in DEVICE_CAPABILITIES or _OLD_CAPABILITY.fullmatch(name):
                names.add(name)
    return frozenset(names)


def _date_header(value: str | None) -> datetime | None:
    """An HTTP ``Date`` header as an aware UTC datetime, or ``None`` when it is not one."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _aware(value: datetime) -> datetime:
    """``value`` in UTC; a naive value is read as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- one message -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Message:
    """What every event of one message shares.

    Attributes:
        raw: the message body.
        business: the business side's address.
        user: the customer's opaque id, or ``None`` when the message names none.
        id: the message id.
        timestamp: when the message was sent (or received).
        capabilities: the device's declared capabilities.
        referral: the entry-point intent the message came with.
    """

    raw: Any
    business: Address
    user: str | None
    id: str | None
    timestamp: datetime
    capabilities: frozenset[str] | None
    referral: ReferralInfo | None

    @classmethod
    def of(cls, body: dict[str, Any], headers: Mapping[str, str],
           received_at: datetime | None) -> _Message:
        lowered = _lower_headers(headers)
        account = (_business_id(body.get("destinationId"))
                   or _business_id(lowered.get("destination-id")) or NO_BUSINESS)
        timestamp = _date_header(lowered.get("date"))
        if timestamp is None:
            timestamp = _aware(received_at) if received_at is not None else datetime.now(UTC)
        return cls(
            raw=body,
            business=Address(channel=CHANNEL, account=account, user=account),
            user=_ident(body.get("sourceId")) or _ident(lowered.get("source-id")),
            id=_ident(body.get("id")) or _ident(lowered.get("id")),
            timestamp=timestamp,
            capabilities=_capabilities(lowered),
            referral=_referral(body),
        )

    @classmethod
    def of_event(cls, event: Event, raw: Any) -> _Message:
        return cls(
            raw=raw,
            business=event.recipient,
            user=event.sender.user,
            id=event.id,
            timestamp=event.timestamp,
            capabilities=event.capabilities,
            referral=_referral(event.raw),
        )

    def customer(self) -> Address:
        """The customer's address (the business itself stands in when there is no customer)."""
        return Address(channel=CHANNEL, account=self.business.account,
                       user=self.user or self.business.account)

    def common(self) -> dict[str, Any]:
        """The fields every modelled event of this message shares.

        Raises:
            _BrokenPieceError: the message names no customer.
        """
        if self.user is None:
            raise _BrokenPieceError("message without a customer")
        return {
            "channel": CHANNEL,
            "sender": self.customer(),
            "recipient": self.business,
            "id": self.id,
            "timestamp": self.timestamp,
            "capabilities": self.capabilities,
            "raw": self.raw,
        }

    def unknown(self, type_: str, *, raw: Any = None, piece: bool = False) -> UnknownEvent:
        """An UnknownEvent for this message (or for one ``raw`` piece of it) that cannot fail."""
        return UnknownEvent(
            channel=CHANNEL,
            sender=self.customer(),
            recipient=self.business,
            id=self.id,
            timestamp=self.timestamp,
            capabilities=self.capabilities,
            raw=raw if piece else self.raw,
            type=type_,
        )


def _referral(body: Any) -> ReferralInfo | None:
    """The entry-point intent / group of a body as :class:`ReferralInfo`, or ``None``."""
    if not isinstance(body, dict):
        return None
    seen = {key: body[key] for key in ("intent", "group") if body.get(key) not in (None, "")}
    if not seen:
        return None
    intent = seen.get("intent")
    ref = intent if isinstance(intent, str) and intent.strip() else _ident(intent)
    return ReferralInfo(source="entry_point", ref=ref, raw=seen)


def _guarded(parser: Callable[[_Message], list[Event]], message: _Message) -> list[Event]:
    """Run ``parser``; anything broken becomes one malformed-item UnknownEvent for the message."""
    try:
        events = parser(message)
    except (_BrokenPieceError, ValidationError, ValueError, OverflowError):
        return [message.unknown(MALFORMED)]
    return events or [message.unknown(MALFORMED)]


def parse_message(body: dict[str, Any], headers: Mapping[str, str], *,
                  received_at: datetime | None = None) -> list[Event]:
    """Turn one decoded Apple message body (and its request headers) into events.

    Args:
        body: the decoded JSON body: an object with a string ``type``.
        headers: the request headers (case-insensitive :class:`~polychat.wire.Headers`, or any
            mapping: names are matched case-insensitively).
        received_at: when the request arrived, used as the events' ``timestamp`` when the
            request has no ``Date`` header (Apple bodies carry no time). ``None`` reads the
            current time; pass the channel's clock to stay deterministic.

    Returns:
        The message's events, in order (see the module docs for the mapping). Never empty.

    Raises:
        MalformedPayload: ``body`` is not an object or has no string ``type``.
    """
    if not isinstance(body, dict):
        raise MalformedPayload("Apple body is not a JSON object")
    kind = body.get("type")
    if not isinstance(kind, str):
        raise MalformedPayload("Apple body has no 'type'")
    message = _Message.of(body, headers, received_at)
    parser = _TYPES.get(kind)
    if parser is None:
        return [message.unknown(f"apple.{kind}")]
    if message.user is None:
        return [message.unknown(MALFORMED)]
    return _guarded(parser, message)


# -- text and attachments --------------------------------------------------------------------------


def _parse_text(message: _Message) -> list[Event]:
    body: dict[str, Any] = message.raw
    common = message.common()
    events: list[Event] = []
    text = body.get("body")
    if text is not None and not isinstance(text, str):
        events.append(message.unknown(MALFORMED))
    elif text:
        if PLACEHOLDER in text:
            text = _without_placeholders(text)
        if text:
            events.append(MessageReceived(**common, content=Text(text=text),
                                          referral=message.referral))
    attachments = body.get("attachments")
    if attachments is not None and not isinstance(attachments, list):
        events.append(message.unknown(MALFORMED))
    for attachment in attachments if isinstance(attachments, list) else []:
        content = _attachment(attachment)
        if content is None:
            events.append(message.unknown(MALFORMED, raw=attachment, piece=True))
        else:
            events.append(MessageReceived(**common, content=content, referral=message.referral))
    return events


def _without_placeholders(text: str) -> str:
    """``text`` without its U+FFFC placeholders, the words around them joined by one space.

    ``"See \ufffc and \ufffc here"`` gives ``"See and here"``; a placeholder next to a line
    break (or at either end) leaves nothing behind, and the result is stripped.
    """
    pieces = _PLACEHOLDER_RUN.split(text)
    joined = pieces[0]
    for piece in pieces[1:]:
        if joined and piece and not joined[-1].isspace() and not piece[0].isspace():
            joined += " "
        joined += piece
    return joined.strip()


def _attachment(attachment: Any) -> Content | None:
    """One attachment as media content, or ``None`` when it cannot be read (no url…)."""
    url = _text(attachment, "url")
    if url is None:
        return None
    mime = _text(attachment, "mimeType")
    media: type[Image | Video | Audio | File] = File
    if mime is not None:
        lowered = mime.strip().lower()
        media = next((cls for prefix, cls in _MEDIA if lowered.startswith(prefix)), File)
    ref = {key: attachment[key] for key in _REF_KEYS if _text(attachment, key) is not None}
    try:
        return media(url=url, filename=_text(attachment, "name"), mime_type=mime,
                     size=_size(attachment.get("size")), ref=ref or None)
    except ValidationError:
        return None


def _parse_typing_start(message: _Message) -> list[Event]:
    return [TypingChanged(**message.common(), on=True)]


def _parse_typing_end(message: _Message) -> list[Event]:
    return [TypingChanged(**message.common(), on=False)]


def _parse_close(message: _Message) -> list[Event]:
    return [ConversationClosed(**message.common())]


# -- interactive -----------------------------------------------------------------------------------


def _parse_interactive(message: _Message) -> list[Event]:
    body: dict[str, Any] = message.raw
    inline = _dict_or_none(body, "interactiveData")
    if inline is not None:
        return _interactive(message, inline)
    if _dict_or_none(body, "interactiveDataRef") is not None:
        return [message.unknown(IDR_EVENT_TYPE)]
    return [message.unknown(MALFORMED)]


@dataclass(slots=True)
class _Reply:
    """One interactive reply being parsed."""

    message: _Message
    data: dict[str, Any]
    reply_to: str | None
    bubble: dict[str, Any]

    @property
    def titles(self) -> list[str]:
        """The reply bubble's ``title`` and ``alternateTitle``, when present."""
        return [t for t in (_text(self.bubble, "title"), _text(self.bubble, "alternateTitle"))
                if t is not None]

    def choice(self, source: Literal["list", "time_slot", "quick_reply"], choice_id: str, title: str | None,
               description: str | None = None) -> ChoiceSelected:
        return ChoiceSelected(**self.message.common(), choice_id=choice_id, title=title,
                              source=source, reply_to=self.reply_to,
                              referral=self.message.referral, description=description)

    def form(self, name: str, data: dict[str, Any]) -> FormSubmitted:
        return FormSubmitted(**self.message.common(), name=name, data=data,
                             reply_to=self.reply_to)

    def section(self, key: str) -> dict[str, Any]:
        """``data[key]`` as an object.

        Raises:
            _BrokenPieceError: it is not an object.
        """
        value = self.data.get(key)
        if not isinstance(value, dict):
            raise _BrokenPieceError(f"{key} is not an object")
        return value


def _interactive(message: _Message, interactive: dict[str, Any]) -> list[Event]:
    """The events of an interactive reply (``interactiveData``, inline or resolved)."""
    data = _dict_or_none(interactive, "data")
    if data is None:
        return [message.unknown(INTERACTIVE)]
    bubble = _dict_or_none(data, "replyMessage") or _dict_or_none(interactive, "replyMessage") or {}
    reply = _Reply(message, data, _ident(data.get("requestIdentifier")), bubble)
    for key, parser in _INTERACTIVE_KEYS:
        if key in data:
            return parser(reply)
    return [message.unknown(INTERACTIVE)]


def _items(value: Any) -> list[dict[str, Any]]:
    """The objects of a list (anything else gives no items)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _lookup(candidates: list[dict[str, Any]], element: Any) -> dict[str, Any] | None:
    """An element of a selection array as an item: the candidate with its identifier, if any."""
    if isinstance(element, dict):
        ident = _ident(element.get("identifier"))
        if ident is None:
            return None
        known = next((c for c in candidates if _ident(c.get("identifier")) == ident), None)
        return {**element, **known} if known is not None else element
    ident = _ident(element)
    if ident is None:
        return None
    known = next((c for c in candidates if _ident(c.get("identifier")) == ident), None)
    return known if known is not None else {"identifier": ident}


def _select(candidates: list[dict[str, Any]], containers: Iterable[Any],
            titles: list[str]) -> list[dict[str, Any]] | None:
    """The chosen items, by the documented order of clues; ``None`` when they cannot be told.

    Every returned item has a usable ``identifier``.
    """
    flagged = [c for c in candidates if any(_truthy(c.get(flag)) for flag in _FLAGS)]
    if flagged:
        return _unique(flagged)
    for container in containers:
        for key in _SELECTION_ARRAYS:
            value = container.get(key) if isinstance(container, dict) else None
            if value is None:
                continue
            elements = value if isinstance(value, list) else [value]
            found = [item for item in (_lookup(candidates, e) for e in elements) if item]
            if found:
                return _unique(found)
    for title in titles:
        matching = [c for c in candidates
                    if isinstance(c.get("title"), str) and c["title"].strip() == title.strip()]
        if matching:
            matches = _unique(matching)
            # Several items share that title (or one has no identifier): never guess.
            return matches if matches is not None and len(matches) == 1 else None
    if len(candidates) == 1:
        return _unique(candidates)
    return None


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Items with an identifier, the first of each identifier; ``None`` when one has none."""
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        ident = _ident(item.get("identifier"))
        if ident is None:
            return None
        seen.setdefault(ident, item)
    return list(seen.values()) or None


def _parse_list_picker(reply: _Reply) -> list[Event]:
    picker = reply.section("listPicker")
    sections = _items(picker.get("sections"))
    candidates = [item for section in sections for item in _items(section.get("items"))]
    chosen = _select(candidates, [picker, *sections, reply.data], reply.titles)
    if chosen is None:
        return [reply.message.unknown(LIST_UNRESOLVED)]
    return [reply.choice("list", str(_ident(item.get("identifier"))), _text(item, "title"),
                         _text(item, "subtitle")) for item in chosen]


def _parse_time_picker(reply: _Reply) -> list[Event]:
    event = reply.section("event")
    return _time_slots(reply, event)


def _parse_legacy_time_picker(reply: _Reply) -> list[Event]:
    """``data.timePicker.event``: an older nesting of the time-picker reply (chatwoot reads it)."""
    event = reply.section("timePicker").get("event")
    if not isinstance(event, dict):
        raise _BrokenPieceError("timePicker.event is not an object")
    return _time_slots(reply, event)


def _time_slots(reply: _Reply, event: dict[str, Any]) -> list[Event]:
    slots = _items(event.get("timeslots"))
    chosen = _select(slots, [event, reply.data], reply.titles)
    if chosen is None:
        return [reply.message.unknown(TIME_UNRESOLVED)]
    title = reply.titles[0] if reply.titles else None
    return [reply.choice("time_slot", str(_ident(slot.get("identifier"))),
                         title or _text(slot, "title")) for slot in chosen]


def _parse_quick_reply(reply: _Reply) -> list[Event]:
    quick = reply.section("quick-reply")
    items = _items(quick.get("items"))
    title = reply.titles[0] if reply.titles else None
    for container in (quick, reply.data):
        chosen = _ident(container.get("selectedIdentifier"))
        if chosen is not None:
            item = next((i for i in items if _ident(i.get("identifier")) == chosen), {})
            return [reply.choice("quick_reply", chosen, _text(item, "title") or title)]
        index = _index(container.get("selectedIndex"))
        raw_items = quick.get("items")
        if index is not None and isinstance(raw_items, list) and index < len(raw_items):
            item = raw_items[index]
            ident = _ident(item.get("identifier")) if isinstance(item, dict) else None
            if ident is not None:
                return [reply.choice("quick_reply", ident, _text(item, "title") or title)]
    chosen_items = _select(items, [quick], reply.titles)
    if chosen_items is None or len(chosen_items) != 1:
        return [reply.message.unknown(QUICK_REPLY_UNRESOLVED)]
    item = chosen_items[0]
    return [reply.choice("quick_reply", str(_ident(item.get("identifier"))),
                         _text(item, "title") or title)]


def _parse_auth(reply: _Reply) -> list[Event]:
    return [reply.form("auth", dict(reply.section("authenticate")))]


def _parse_payment(reply: _Reply) -> list[Event]:
    data = dict(reply.section("payment"))
    if "status" not in data and reply.data.get("status") is not None:
        data["status"] = reply.data["status"]
    if "replyMessage" not in data and reply.bubble:
        data["replyMessage"] = reply.bubble
    return [reply.form("apple_pay", data)]


def _parse_form(reply: _Reply) -> list[Event]:
    dynamic = reply.data.get("dynamic")
    if dynamic is not None and not isinstance(dynamic, dict):
        raise _BrokenPieceError("dynamic is not an object")
    dynamic = dynamic or {}
    form_message = reply.data.get("formMessage", dynamic.get("formMessage"))
    data: dict[str, Any] = dict(dynamic)
    if isinstance(form_message, dict):
        for key, value in form_message.items():
            data.setdefault(key, value)
    places = [dynamic.get("selections"), (_dict_or_none(dynamic, "data") or {}).get("selections"),
              form_message.get("selections") if isinstance(form_message, dict) else form_message,
              reply.data.get("selections")]
    selections = next((p for p in places if isinstance(p, list)), [])
    data["selections"] = selections
    return [reply.form("form", data)]


_INTERACTIVE_KEYS: Final[tuple[tuple[str, Callable[[_Reply], list[Event]]], ...]] = (
    ("listPicker", _parse_list_picker),
    ("event", _parse_time_picker),
    ("timePicker", _parse_legacy_time_picker),
    ("quick-reply", _parse_quick_reply),
    ("authenticate", _parse_auth),
    ("payment", _parse_payment),
    ("dynamic", _parse_form),
    ("formMessage", _parse_form),
)
"""Keys of ``interactiveData.data`` that say what the reply is, in order of precedence."""

_TYPES: Final[dict[str, Callable[[_Message], list[Event]]]] = {
    "text": _parse_text,
    "typing_start": _parse_typing_start,
    "typing_end": _parse_typing_end,
    "close": _parse_close,
    "interactive": _parse_interactive,
}


# -- resolved references ---------------------------------------------------------------------------


def _interactive_data(decoded: Any) -> dict[str, Any] | None:
    """The interactive data inside a ``/v1/decodePayload`` answer, whatever its wrapping."""
    if isinstance(decoded, str | bytes | bytearray):
        try:
            decoded = _safejson.loads(decoded)
        except ValueError:
            return None
    if not isinstance(decoded, dict):
        return None
    wrapped = _dict_or_none(decoded, "interactiveData")
    if wrapped is not None:
        return wrapped
    if isinstance(decoded.get("data"), dict):
        return decoded
    if any(key in decoded for key, _ in _INTERACTIVE_KEYS) or "requestIdentifier" in decoded:
        return {"data": decoded}
    return None


def parse_resolved(event: UnknownEvent, decoded: Any) -> list[Event]:
    """The events of an interactive reply that arrived by reference, once it is decoded.

    Args:
        event: the :data:`IDR_EVENT_TYPE` event :func:`parse_message` returned.
        decoded: what the MSP gateway's ``/v1/decodePayload`` answered, as parsed JSON: the
            interactive data (``{"bid": …, "data": {…}}``), ``{"interactiveData": {…}}``, a whole
            message body, or the ``data`` object alone (Apple's shape is not documented).

    Returns:
        The reply's events with ``event``'s sender, recipient, ``id``, ``timestamp`` and
        ``capabilities``, or ``[event]`` unchanged when ``decoded`` holds no interactive data.
    """
    interactive = _interactive_data(decoded)
    if interactive is None:
        return [event]
    base = event.raw if isinstance(event.raw, dict) else {}
    message = _Message.of_event(event, {**base, "interactiveData": interactive})
    return _guarded(lambda m: _interactive(m, interactive), message)
