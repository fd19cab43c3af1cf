"""Parse WhatsApp Cloud API webhook bodies into polychat events (pure: no I/O, no clock).

:func:`parse_payload` takes the decoded envelope (``{"object": "whatsapp_business_account",
"entry": [...]}``, its signature already verified by :meth:`WhatsApp.parse
<polychat.channels.whatsapp.channel.WhatsApp.parse>`) and returns one event per item, in envelope
order: every entry, every change, every element of the change's item arrays. Nothing is dropped.
Platform notes: ``meta.md`` section 5 (webhooks) and 6.1 (error objects).

Addresses
    ``recipient`` is the business side: ``Address("whatsapp", metadata.phone_number_id,
    metadata.display_phone_number or phone_number_id)``. ``sender`` is the customer:
    ``Address("whatsapp", phone_number_id, user)`` where ``user`` is the ``wa_id`` / ``from`` when
    present, else the business-scoped user id (``from_user_id`` / ``user_id``); for statuses
    ``recipient_id`` else ``recipient_user_id``. An item that carries only the business-scoped id
    takes the ``wa_id`` of the ``contacts[]`` entry with that ``user_id`` when there is one, so a
    customer keeps one ``user`` across messages and statuses. A phone number is never assumed.
    When the item names no customer, the single entry of ``contacts[]`` is used, if there is
    exactly one; a ``system`` notice without either names its customer in ``system``
    (``previous_user_id``, ``customer``, ``user_id``).
    ``sender_name`` is ``contacts[].profile.name`` of the contact matching the sender (by ``wa_id``
    or ``user_id``), else of the single contact when it carries no id at all.

Placeholders
    A change without ``metadata`` (template status updates, account updates…) has the entry ``id``
    (the WhatsApp Business Account id) as the recipient's ``account`` and ``user``. An item with no
    customer at all (value-level errors, template status updates…) gets the *business account
    itself* as sender: ``Address("whatsapp", <account>, <WABA id>)``, or :data:`NO_USER`
    (``"unknown"``) when even the WABA id is missing. An item with no usable timestamp takes the
    entry's ``time``; when there is none either, a message or status becomes a malformed-item
    :class:`UnknownEvent` and any :class:`UnknownEvent` is stamped :data:`NO_TIME` (the Unix epoch).

Timestamps
    Strings (or numbers) of epoch seconds; values ``>= 1e12`` are milliseconds. Always aware UTC.

``messages[]`` (``field == "messages"``; the event ``id`` is the message's wamid, ``raw`` the item)

    =====================================  ======================================================
    item                                   event
    =====================================  ======================================================
    ``text``                               ``MessageReceived(Text)``
    ``image`` / ``video``                  ``MessageReceived(Image / Video)``
    ``audio``                              ``MessageReceived(Audio(voice=...))``
    ``document``                           ``MessageReceived(File)``
    ``sticker``                            ``MessageReceived(Sticker(animated=...))``
    ``location``                           ``MessageReceived(Location)``
    ``contacts``                           ``MessageReceived(Contacts)``
    ``reaction``                           ``ReactionReceived`` (empty/absent emoji → ``None``)
    ``interactive.button_reply``           ``ChoiceSelected(source="button")``
    ``interactive.list_reply``             ``ChoiceSelected(source="list", description=...)``
    ``interactive.nfm_reply``              ``FormSubmitted(data=json(response_json), name=...)``
    ``button`` (template quick reply)      ``ChoiceSelected(source="template_button",
                                           choice_id=payload (else text), title=text)``
    ``edit``                               ``MessageEdited(message_id=original_message_id)``
    ``revoke``                             ``MessageDeleted(message_id=original_message_id)``
    ``order``                              ``UnknownEvent(type="whatsapp.message.order")``
    ``system``                             ``UnknownEvent(type="whatsapp.system.<system.type>")``
    ``request_welcome``                    ``UnknownEvent(type="whatsapp.message.request_welcome")``
    ``unsupported`` / ``unknown``          ``UnknownEvent(type="whatsapp.message.unsupported")``…
    other ``interactive`` types            ``UnknownEvent(type="whatsapp.message.interactive.<t>")``
    any other type                         ``UnknownEvent(type="whatsapp.message.<type>")``
    =====================================  ======================================================

    Media carry ``media_id=id``, ``mime_type``, ``sha256``, ``caption``, ``filename`` and
    ``download_url=url`` when sent. ``reply_to`` is ``context.id`` (a forwarded-only context is not
    a reply; ``forwarded`` / ``frequently_forwarded`` are set on ``MessageReceived``; a product
    enquiry's ``referred_product`` stays in ``raw``). A click-to-WhatsApp ``referral`` rides on
    ``MessageReceived`` / ``ChoiceSelected`` as :class:`ReferralInfo` (``source=source_type``,
    ``ref=source_id``, ``ad_id=source_id`` for ads, ``url=source_url``, ``headline``, ``body``,
    ``click_id=ctwa_clid``). A non-JSON ``response_json`` (or JSON that is not an object) is kept as
    ``{"response_json": <the string>}``. Group messages parse like any other (``group_id`` stays in
    ``raw``).

``statuses[]``
    ``sent`` / ``delivered`` / ``read`` / ``played`` / ``failed`` / ``deleted`` →
    ``MessageStatus(message_id=id, id=id, pricing, callback_data=biz_opaque_callback_data)``; a
    ``failed`` status carries ``error``: its ``errors[0]`` classified into the matching
    :class:`~polychat.errors.PlatformError` subclass by the WhatsApp error table (``None`` when the
    status lists no error). Any other status value →
    ``UnknownEvent(type="whatsapp.status.<status>")``.

``errors[]`` (value-level errors)
    ``UnknownEvent(type="whatsapp.error")``, one per error object.

``user_preferences[]`` (marketing stop / resume)
    ``UnknownEvent(type="whatsapp.user_preferences")`` per element, with the customer as sender, as
    the issue tracker's contract for this field says; the raw item keeps ``value``
    (``"stop"``/``"resume"``). (They would fit ``OptOut``/``OptIn``; changing that is a
    contract change.)

Template fields (``message_template_status_update``, ``message_template_quality_update``,
``template_category_update``, ``message_template_components_update``)
    One typed event for the ``value`` (:class:`~polychat.events.TemplateStatusChanged`,
    ``TemplateQualityChanged``, ``TemplateCategoryChanged``, ``TemplateComponentsChanged``; see
    :mod:`._template_webhooks`), addressed like the placeholders below (the business account as
    sender), timestamped with the entry's time, ``raw`` = the value. A status update without
    ``event`` falls back to ``UnknownEvent``.

Other fields (``account_update``, ``smb_message_echoes``, ``calls``, ``history``…)
    ``UnknownEvent(type="whatsapp.<field>")``: one per element of the value's item arrays
    (:data:`ITEM_ARRAYS`: ``message_echoes``, ``calls``, ``history``…), or one for the
    whole ``value`` when it has none. Echoes take the customer from ``to`` (they are the
    business's own messages and are never ``MessageReceived``); calls take ``from`` or ``to`` by
    ``direction``; ``state_sync`` items take ``contact.phone_number`` (and ``metadata.timestamp``).

Malformed input
    :class:`~polychat.errors.MalformedPayload` is raised only when the envelope itself is broken:
    ``entry`` not a list, an entry that is not an object, or an entry whose ``changes`` is not a
    list. Anything broken *inside* a good envelope — a change that is not an object or has no
    ``field`` / ``value`` object, an item array that is not a list, an item that is not an object,
    a message without a type, a sender or a timestamp, a media item without an id, a location out
    of range — becomes one ``UnknownEvent(type="whatsapp.malformed_item", raw=<the item>)``
    (:data:`MALFORMED`), so the rest of the batch still arrives and the item is not lost; it keeps
    the item's sender, ``id`` and timestamp when those could be read. (A
    message whose content is broken but which carries Meta's ``errors[]`` is reported as
    ``"whatsapp.message.<type>"`` instead.) A ``messages`` change whose value has no item array at
    all gives one ``UnknownEvent(type="whatsapp.messages")`` for the value; empty arrays give
    nothing. No other exception escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, Literal, TypeVar, cast

from pydantic import ValidationError

from polychat import _safejson
from polychat.address import Address
from polychat.content import (
    Audio,
    Contact,
    Contacts,
    Content,
    File,
    Image,
    Location,
    Media,
    Sticker,
    Text,
    Video,
)
from polychat.errors import MalformedPayload, PlatformError
from polychat.events import (
    ChoiceSelected,
    Event,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessageReceived,
    MessageStatus,
    ReactionReceived,
    ReferralInfo,
    UnknownEvent,
)

from .._json import account as _account
from .._json import dict_at as _dict
from .._json import epoch_time
from .._json import ident as _ident
from .._json import list_at as _list
from .._json import string as _str
from ._template_webhooks import TEMPLATE_FIELDS, template_event
from .errors import error_from_webhook

__all__ = ["ITEM_ARRAYS", "MALFORMED", "NO_TIME", "NO_USER", "parse_payload"]

CHANNEL: Final = "whatsapp"

NO_USER: Final = "unknown"
"""Placeholder user id when neither a customer nor the WABA id is known."""

NO_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)
"""Timestamp of an :class:`UnknownEvent` whose item and entry carry no usable time."""

MALFORMED: Final = "whatsapp.malformed_item"
"""``UnknownEvent.type`` of an item that is not the shape WhatsApp sends."""

ITEM_ARRAYS: Final = frozenset({
    "messages", "statuses", "errors", "message_echoes", "user_preferences", "calls", "history",
    "state_sync", "groups",
})
"""Keys of a change ``value`` whose elements are items (one event each); other lists are details."""

_STATUSES: Final = frozenset({"sent", "delivered", "read", "played", "failed", "deleted"})
_MS_THRESHOLD: Final = Decimal(10) ** 12

StatusValue = Literal["sent", "delivered", "read", "played", "failed", "deleted"]


class _BrokenItemError(Exception):
    """An item lacks something it needs; it becomes a malformed-item UnknownEvent."""


# -- small readers ---------------------------------------------------------------------------------


def _first(obj: dict[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` whose value is a usable id."""
    for key in keys:
        ident = _ident(obj.get(key))
        if ident is not None:
            return ident
    return None


def _timestamp(value: Any) -> datetime | None:
    """Epoch seconds (string or number; ``>= 1e12`` means milliseconds) → aware UTC, or ``None``."""
    return epoch_time(value, millis_from=_MS_THRESHOLD)


# -- where a change happens ------------------------------------------------------------------------


@dataclass(slots=True)
class _Scope:
    """What every item of one change shares: the business side, the entry's time, the contacts."""

    account: str
    business: Address
    waba_id: str | None
    entry_time: datetime | None
    contacts: tuple[dict[str, Any], ...] = ()
    by_id: dict[str, int] = field(default_factory=dict)
    """Position of the first contact whose ``wa_id`` or ``user_id`` is the key."""
    by_user_id: dict[str, int] = field(default_factory=dict)
    """Position of the first contact whose ``user_id`` is the key."""

    @classmethod
    def of_entry(cls, waba_id: str | None, entry_time: datetime | None) -> _Scope:
        account = waba_id or NO_USER
        return cls(account, Address(channel=CHANNEL, account=account, user=account), waba_id,
                   entry_time)

    def with_value(self, value: dict[str, Any]) -> _Scope:
        """The scope of a change ``value``: its ``metadata`` and ``contacts[]``."""
        metadata = _dict(value, "metadata")
        phone_id = _account(metadata.get("phone_number_id"))
        account = phone_id or self.account
        display = _ident(metadata.get("display_phone_number"))
        business = Address(channel=CHANNEL, account=account,
                           user=display or phone_id or self.business.user)
        contacts = tuple(c for c in _list(value, "contacts") if isinstance(c, dict))
        by_id: dict[str, int] = {}
        by_user_id: dict[str, int] = {}
        for position, contact in enumerate(contacts):  # one pass: lookups stay O(1) per item
            wa_id, user_id = _ident(contact.get("wa_id")), _ident(contact.get("user_id"))
            for ident in (wa_id, user_id):
                if ident is not None:
                    by_id.setdefault(ident, position)
            if user_id is not None:
                by_user_id.setdefault(user_id, position)
        return _Scope(account, business, self.waba_id, self.entry_time, contacts, by_id,
                      by_user_id)

    @property
    def placeholder_user(self) -> str:
        """Sender ``user`` of an item without a customer: the WABA id, else :data:`NO_USER`."""
        return self.waba_id or NO_USER

    def single_contact_id(self) -> str | None:
        """The customer id of the only contact, when there is exactly one."""
        if len(self.contacts) == 1:
            return _first(self.contacts[0], "wa_id", "user_id")
        return None

    def wa_id_for(self, user_id: str | None) -> str | None:
        """The ``wa_id`` of the contact whose ``user_id`` is ``user_id``, when it has one."""
        position = None if user_id is None else self.by_user_id.get(user_id)
        return None if position is None else _ident(self.contacts[position].get("wa_id"))

    def name_for(self, ids: Iterable[str | None]) -> str | None:
        """``profile.name`` of the contact matching one of ``ids``, else of the single contact
        when that contact names no id (a contact with another id is someone else: a group
        status beside a member's message must not take the member's name)."""
        found = [self.by_id[i] for i in ids if i and i in self.by_id]
        if found:
            return _str(_dict(self.contacts[min(found)], "profile"), "name")
        if len(self.contacts) == 1 and _first(self.contacts[0], "wa_id", "user_id") is None:
            return _str(_dict(self.contacts[0], "profile"), "name")
        return None

    def customer(self, user: str | None) -> Address:
        return Address(channel=CHANNEL, account=self.account, user=user or self.placeholder_user)


def _unknown(scope: _Scope, type_: str, raw: Any, *, user: str | None = None,
             timestamp: datetime | None = None, id_: str | None = None,
             name: str | None = None) -> UnknownEvent:
    """An UnknownEvent that cannot fail to build (placeholders fill what is missing)."""
    return UnknownEvent(
        channel=CHANNEL,
        sender=scope.customer(user),
        recipient=scope.business,
        id=id_,
        timestamp=timestamp or scope.entry_time or NO_TIME,
        sender_name=name,
        raw=raw,
        type=type_,
    )


def _malformed(scope: _Scope, raw: Any) -> UnknownEvent:
    return _unknown(scope, MALFORMED, raw)


# -- the envelope ----------------------------------------------------------------------------------


def parse_payload(payload: dict[str, Any]) -> list[Event]:
    """Turn a decoded ``whatsapp_business_account`` webhook body into events, in envelope order.

    Args:
        payload: the decoded JSON body (an object with an ``entry`` list).

    Returns:
        One event per item (message, status, error, other-field element), entry by entry and
        change by change. Items polychat does not model are :class:`UnknownEvent`.

    Raises:
        MalformedPayload: ``entry`` is not a list, an entry is not an object, or an entry's
            ``changes`` is not a list.
    """
    if not isinstance(payload, dict):
        raise MalformedPayload("webhook body is not a JSON object")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise MalformedPayload("webhook body has no 'entry' list")
    events: list[Event] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise MalformedPayload(f"entry[{index}] is not an object")
        changes = entry.get("changes")
        if not isinstance(changes, list):
            raise MalformedPayload(f"entry[{index}] has no 'changes' list")
        scope = _Scope.of_entry(_account(entry.get("id")), _timestamp(entry.get("time")))
        for change in changes:
            events.extend(_parse_change(scope, change))
    return events


def _parse_change(entry_scope: _Scope, change: Any) -> list[Event]:
    if not isinstance(change, dict):
        return [_malformed(entry_scope, change)]
    field = change.get("field")
    value = change.get("value")
    if not isinstance(field, str) or not field or not isinstance(value, dict):
        return [_malformed(entry_scope, change)]
    scope = entry_scope.with_value(value)
    if field in TEMPLATE_FIELDS and not ITEM_ARRAYS.intersection(value):
        template = template_event(field, value, sender=scope.customer(None),
                                  recipient=scope.business,
                                  timestamp=scope.entry_time or NO_TIME)
        if template is not None:
            return [template]
    events: list[Event] = []
    found = False
    for key, items in value.items():
        if key not in ITEM_ARRAYS:
            continue
        found = True
        if not isinstance(items, list):
            events.append(_malformed(scope, value))
            continue
        parser = _item_parser(field, key)
        for item in items:
            events.append(_guarded(parser, scope, item))
    if not found:
        events.append(_unknown(scope, f"whatsapp.{field}", value))
    return events


_ItemParser = Callable[[_Scope, dict[str, Any]], Event]


def _item_parser(field: str, key: str) -> _ItemParser:
    if key == "errors":
        return _parse_value_error
    if field == "messages" and key == "messages":
        return _parse_message
    if field == "messages" and key == "statuses":
        return _parse_status
    type_ = f"whatsapp.{field}" if field != "messages" else f"whatsapp.{key}"

    def parse_other(scope: _Scope, item: dict[str, Any]) -> Event:
        return _parse_other_item(scope, type_, key, item)

    return parse_other


def _guarded(parser: _ItemParser, scope: _Scope, item: Any) -> Event:
    """Run ``parser`` on one item; anything broken becomes a malformed-item UnknownEvent."""
    if not isinstance(item, dict):
        return _malformed(scope, item)
    try:
        return parser(scope, item)
    except (_BrokenItemError, ValidationError, ValueError, OverflowError):
        return _malformed(scope, item)


# -- messages[] ------------------------------------------------------------------------------------


_M = TypeVar("_M", bound=Media)


def _media(kind: type[_M], body: Any, **extra: Any) -> _M:
    media_id = _ident(body.get("id")) if isinstance(body, dict) else None
    if media_id is None:
        raise _BrokenItemError("media without an id")
    size = body.get("file_size")
    return kind(
        media_id=media_id,
        mime_type=_str(body, "mime_type"),
        sha256=_str(body, "sha256"),
        caption=_str(body, "caption"),
        filename=_str(body, "filename"),
        download_url=_str(body, "url"),
        size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
        **extra,
    )


def _coordinate(value: Any) -> float:
    if isinstance(value, bool):
        raise _BrokenItemError("coordinate is a boolean")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return float(value.strip())  # ValueError for non-numbers
    raise _BrokenItemError("coordinate is not a number")


def _contact_card(card: dict[str, Any]) -> Contact:
    name = _dict(card, "name")
    first = _str(name, "first_name")
    last = _str(name, "last_name")
    phones = [p for p in _list(card, "phones") if isinstance(p, dict)]
    phone_numbers = [n for n in (_str(p, "phone") for p in phones) if n is not None]
    formatted = (
        _str(name, "formatted_name")
        or " ".join(n for n in (first, _str(name, "middle_name"), last) if n)
        or (phone_numbers[0] if phone_numbers else "")
    )
    return Contact(
        name=formatted,
        phones=phone_numbers,
        emails=[e for e in (_str(m, "email") for m in _list(card, "emails")) if e is not None],
        organization=_str(_dict(card, "org"), "company"),
        first_name=first,
        last_name=last,
        urls=[u for u in (_str(m, "url") for m in _list(card, "urls")) if u is not None],
        user_ids=[i for i in (_ident(p.get("wa_id")) for p in phones) if i is not None],
    )


def _content(message: Any) -> Content | None:
    """The content model of a plain message (text, media, location, contacts), or ``None``.

    Raises:
        _BrokenItemError: the type is one of these but its body is missing or broken.
    """
    mtype = _str(message, "type")
    if mtype == "text":
        body = _str(_dict(message, "text"), "body")
        if body is None:
            raise _BrokenItemError("text without body")
        return Text(text=body)
    if mtype in ("image", "video", "audio", "document", "sticker"):
        body = message.get(mtype)
        if mtype == "image":
            return _media(Image, body)
        if mtype == "video":
            return _media(Video, body)
        if mtype == "document":
            return _media(File, body)
        if mtype == "audio":
            voice = body.get("voice") if isinstance(body, dict) else None
            return _media(Audio, body, voice=voice is True)
        animated = body.get("animated") if isinstance(body, dict) else None
        return _media(Sticker, body, animated=animated if isinstance(animated, bool) else None)
    if mtype == "location":
        place = _dict(message, "location")
        return Location(
            latitude=_coordinate(place.get("latitude")),
            longitude=_coordinate(place.get("longitude")),
            name=_str(place, "name"),
            address=_str(place, "address"),
            url=_str(place, "url"),
        )
    if mtype == "contacts":
        cards = [_contact_card(c) for c in _list(message, "contacts") if isinstance(c, dict)]
        if not cards:
            raise _BrokenItemError("contacts message without contacts")
        return Contacts(contacts=cards)
    return None


def _referral(value: Any) -> ReferralInfo | None:
    if not isinstance(value, dict):
        return None
    source = _str(value, "source_type")
    source_id = _ident(value.get("source_id"))
    return ReferralInfo(
        source=source,
        ref=source_id,
        ad_id=source_id if source == "ad" else None,
        url=_str(value, "source_url"),
        headline=_str(value, "headline"),
        body=_str(value, "body"),
        click_id=_str(value, "ctwa_clid"),
        raw=value,
    )


def _form_data(reply: dict[str, Any]) -> dict[str, Any]:
    raw = reply.get("response_json")
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str):
        return {}
    try:
        data = _safejson.loads(raw)
    except ValueError:
        return {"response_json": raw}
    return data if isinstance(data, dict) else {"response_json": raw}


def _system_customer(message: dict[str, Any]) -> str | None:
    """The customer a ``system`` notice is about when the message names no sender.

    A ``user_changed_user_id`` notice may come without ``from`` / ``from_user_id`` and without
    ``contacts``: the user is then its ``previous_user_id`` (the id the business knew, as ``from``
    is the old number of a ``user_changed_number``), else its new ``user_id``. Older identity
    notices name the customer in ``customer``. (A ``system.wa_id`` is a *new* number, not used.)
    """
    if _str(message, "type") != "system":
        return None
    return _first(_dict(message, "system"), "previous_user_id", "customer", "user_id")


def _system_type(message: dict[str, Any]) -> str:
    sub = _str(_dict(message, "system"), "type")
    return f"whatsapp.system.{sub}" if sub else "whatsapp.system"


def _parse_message(scope: _Scope, message: dict[str, Any]) -> Event:
    mtype = _str(message, "type")
    bsuid = _first(message, "from_user_id", "user_id")
    user = (_first(message, "from", "wa_id") or scope.wa_id_for(bsuid) or bsuid
            or scope.single_contact_id() or _system_customer(message))
    timestamp = _timestamp(message.get("timestamp")) or scope.entry_time
    msg_id = _ident(message.get("id"))
    name = scope.name_for([user, bsuid])
    if not mtype or user is None or timestamp is None:
        return _unknown(scope, MALFORMED, message, user=user, id_=msg_id, name=name)

    common: dict[str, Any] = {
        "channel": CHANNEL,
        "sender": scope.customer(user),
        "recipient": scope.business,
        "id": msg_id,
        "timestamp": timestamp,
        "sender_name": name,
        "raw": message,
    }

    def unknown(type_: str) -> UnknownEvent:
        return _unknown(scope, type_, message, user=user, timestamp=timestamp, id_=msg_id,
                        name=name)

    context = _dict(message, "context")
    reply_to = _ident(context.get("id"))
    try:
        return _message_event(mtype, message, common, reply_to, context, unknown)
    except (_BrokenItemError, ValidationError, ValueError):
        if isinstance(message.get("errors"), list):
            return unknown(f"whatsapp.message.{mtype}")
        return unknown(MALFORMED)


def _message_event(mtype: str, message: dict[str, Any], common: dict[str, Any],
                   reply_to: str | None, context: dict[str, Any],
                   unknown: Callable[[str], UnknownEvent]) -> Event:
    content = _content(message)
    if content is not None:
        return MessageReceived(
            **common,
            content=content,
            reply_to=reply_to,
            referral=_referral(message.get("referral")),
            forwarded=context.get("forwarded") is True,
            frequently_forwarded=context.get("frequently_forwarded") is True,
        )
    if mtype == "reaction":
        reaction = _dict(message, "reaction")
        if not reaction:
            raise _BrokenItemError("reaction without a reaction object")
        emoji = _str(reaction, "emoji")
        return ReactionReceived(**common, message_id=_ident(reaction.get("message_id")),
                                emoji=emoji or None)
    if mtype == "interactive":
        return _interactive(message, common, reply_to, unknown)
    if mtype == "button":
        button = _dict(message, "button")
        choice = _ident(button.get("payload")) or _str(button, "text")
        if not choice:
            raise _BrokenItemError("template button without payload or text")
        return ChoiceSelected(**common, choice_id=choice, title=_str(button, "text"),
                              source="template_button", reply_to=reply_to,
                              referral=_referral(message.get("referral")))
    if mtype == "edit":
        edit = _dict(message, "edit")
        original = _ident(edit.get("original_message_id"))
        if original is None:
            raise _BrokenItemError("edit without original_message_id")
        try:
            edited = _content(edit.get("message"))
        except (_BrokenItemError, ValidationError, ValueError):
            edited = None
        return MessageEdited(**common, message_id=original, content=edited)
    if mtype == "revoke":
        original = _ident(_dict(message, "revoke").get("original_message_id"))
        if original is None:
            raise _BrokenItemError("revoke without original_message_id")
        return MessageDeleted(**common, message_id=original)
    if mtype == "system":
        return unknown(_system_type(message))
    return unknown(f"whatsapp.message.{mtype}")


def _interactive(message: dict[str, Any], common: dict[str, Any], reply_to: str | None,
                 unknown: Callable[[str], UnknownEvent]) -> Event:
    interactive = _dict(message, "interactive")
    itype = _str(interactive, "type")
    if itype in ("button_reply", "list_reply"):
        reply = _dict(interactive, itype)
        choice = _ident(reply.get("id"))
        if choice is None:
            raise _BrokenItemError(f"{itype} without an id")
        return ChoiceSelected(
            **common,
            choice_id=choice,
            title=_str(reply, "title"),
            description=_str(reply, "description"),
            source="button" if itype == "button_reply" else "list",
            reply_to=reply_to,
            referral=_referral(message.get("referral")),
        )
    if itype == "nfm_reply":
        reply = _dict(interactive, "nfm_reply")
        if not reply:
            raise _BrokenItemError("nfm_reply without a body")
        return FormSubmitted(**common, data=_form_data(reply), name=_str(reply, "name"),
                             reply_to=reply_to)
    if not interactive:
        raise _BrokenItemError("interactive message without an interactive object")
    return unknown(f"whatsapp.message.interactive.{itype}" if itype
                   else "whatsapp.message.interactive")


# -- statuses[] ------------------------------------------------------------------------------------


def _status_error(status: dict[str, Any]) -> PlatformError | None:
    """The first of a failed status' ``errors[]``, classified by the WhatsApp error table."""
    first = next((e for e in _list(status, "errors") if isinstance(e, dict)), None)
    return None if first is None else error_from_webhook(first)


def _parse_status(scope: _Scope, status: dict[str, Any]) -> Event:
    value = _str(status, "status")
    bsuid = _ident(status.get("recipient_user_id"))
    user = (_ident(status.get("recipient_id")) or scope.wa_id_for(bsuid) or bsuid
            or scope.single_contact_id())
    timestamp = _timestamp(status.get("timestamp")) or scope.entry_time
    status_id = _ident(status.get("id"))
    name = scope.name_for([user, bsuid])
    if not value or user is None or timestamp is None or status_id is None:
        return _unknown(scope, MALFORMED, status, user=user, timestamp=timestamp, id_=status_id,
                        name=name)
    if value not in _STATUSES:
        return _unknown(scope, f"whatsapp.status.{value}", status, user=user,
                        timestamp=timestamp, name=name)
    pricing = status.get("pricing")
    return MessageStatus(
        channel=CHANNEL,
        sender=scope.customer(user),
        recipient=scope.business,
        id=status_id,
        timestamp=timestamp,
        sender_name=name,
        raw=status,
        message_id=status_id,
        status=cast(StatusValue, value),
        error=_status_error(status) if value == "failed" else None,
        pricing=pricing if isinstance(pricing, dict) else None,
        callback_data=_str(status, "biz_opaque_callback_data"),
    )


# -- errors[] and other fields ---------------------------------------------------------------------


def _parse_value_error(scope: _Scope, error: dict[str, Any]) -> Event:
    return _unknown(scope, "whatsapp.error", error, timestamp=_timestamp(error.get("timestamp")))


def _other_customer(key: str, item: dict[str, Any]) -> str | None:
    if key == "message_echoes":
        return _first(item, "to", "to_user_id", "recipient_user_id")
    if key == "calls":
        direction = _str(item, "direction") or ""
        if direction.upper().startswith("BUSINESS"):
            return _first(item, "to", "to_user_id")
        return _first(item, "from", "from_user_id")
    if key == "state_sync":
        return _first(_dict(item, "contact"), "wa_id", "user_id", "phone_number")
    return _first(item, "wa_id", "user_id", "from", "from_user_id", "recipient_id",
                  "recipient_user_id")


def _parse_other_item(scope: _Scope, type_: str, key: str, item: dict[str, Any]) -> Event:
    user = _other_customer(key, item)
    return _unknown(
        scope, type_, item,
        user=user,
        timestamp=(_timestamp(item.get("timestamp"))
                   or _timestamp(_dict(item, "metadata").get("timestamp"))),
        id_=_ident(item.get("id")) if key in ("messages", "message_echoes") else None,
        name=scope.name_for([user]) if user else None,
    )

