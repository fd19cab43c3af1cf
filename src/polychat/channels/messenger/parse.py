"""Parse Messenger Platform webhook bodies into polychat events (pure: no I/O, no clock).

:func:`parse_payload` takes the decoded envelope (``{"object": "page", "entry": [...]}``, its
signature already verified by :meth:`Messenger.parse
<polychat.channels.messenger.channel.Messenger.parse>`) and returns the events of every entry and
every item, in envelope order. Nothing is dropped: an item polychat does not model becomes an
:class:`~polychat.events.UnknownEvent` carrying it in ``raw``. Platform notes: ``meta.md``
section 3.3 (envelope and event shapes) and 3.5 (delivery semantics, dedup keys).

Envelope
    Every list-valued key of an entry is an item array, walked in the entry's key order:
    ``messaging[]`` items are parsed (table below); ``standby[]`` items (threads another app
    owns, handover protocol) are ``UnknownEvent(type="messenger.standby")``; ``changes[]`` items
    (Page feed and other Graph fields) are ``UnknownEvent(type="messenger.change.<field>")``;
    elements of any other array ``UnknownEvent(type="messenger.<key>")``. An entry with no item
    array at all gives one ``UnknownEvent(type="messenger.entry", raw=<the entry>)``; empty arrays
    give nothing.

Other ``object`` values
    The same endpoint receives ``object: "instagram"`` (and others) when they are wired to the
    app. They are not refused (Meta would retry them): every item of every array becomes
    ``UnknownEvent(type="messenger.object.<object>", raw=<the item>)``, or one per entry that
    has no item array.

Addresses
    ``recipient`` (the business side) is ``Address("messenger", page_id, page_id)``; ``page_id`` is
    the item's ``recipient.id``, else the entry ``id``, else :data:`NO_PAGE`. ``sender`` (the
    customer) is ``Address("messenger", page_id, psid)`` with the PSID from ``sender.id``; a
    customer known only by a plugin reference (``sender.user_ref``, ``optin.user_ref``) is
    ``"user_ref:<ref>"``, the recipient form the send side accepts. An item that names no customer
    (``app_roles``, ``policy-enforcement``, a broken item) has the Page itself as the sender's
    ``user``; a modelled event needs a real customer, so a message, postback, status… without one
    is a malformed item. ``sender_name`` is always ``None``: Messenger webhooks carry no names.

Echoes
    A message echo (``message.is_echo``) is a message the *Page* sent: the raw item has the Page as
    ``sender`` and the customer as ``recipient``, so the roles are swapped back (the customer is
    ``recipient.id``). Echoes are ``UnknownEvent(type="messenger.echo", id=mid)`` and never
    ``MessageReceived``, whatever they contain. Defensively, an item whose ``sender`` is the entry's
    Page while its ``recipient`` is someone else is treated as Page-sent too: a ``message`` is an
    echo, any other key gives ``UnknownEvent(type="messenger.echo.<key>")``; this holds too when
    the Page writes to a plugin guest (``recipient.user_ref``) or the recipient is missing, so the
    Page never stands in as a customer who sent a message. An echo whose roles
    are *not* swapped (recipient = the Page) keeps its sender as the customer.

Timestamps
    ``timestamp`` (and ``entry.time``, delivery/read ``watermark``, ``token_expiry_timestamp``) are
    epoch milliseconds; values below ``1e11`` are read as seconds. Numeric strings are accepted.
    Always aware UTC. An item without a usable ``timestamp`` takes the entry's ``time``; when there
    is none either, a modelled item becomes a malformed-item event and any ``UnknownEvent`` is
    stamped :data:`NO_TIME` (the Unix epoch).

``messaging[]`` items (``raw`` is always the item; the key that names the item decides)

    ================================================  ============================================
    item                                              events
    ================================================  ============================================
    ``message`` with ``is_echo``                      ``UnknownEvent(type="messenger.echo")``
    ``message.text``                                  ``MessageReceived(Text)``
    ``message.quick_reply.payload``                   ``ChoiceSelected(source="quick_reply",
                                                      choice_id=payload (a number is read as a
                                                      string), title=text)``
    ``message.attachments[]``                         one ``MessageReceived`` per attachment (after
                                                      the text, if any), all with ``id=mid``
    ``message.is_deleted``                            ``MessageDeleted(message_id=mid)``
    ``message`` without text or attachments           ``UnknownEvent(type=
                                                      "messenger.message.empty")``
    ``message_edit``                                  ``MessageEdited(message_id=mid,
                                                      content=Text(text), edit_count=num_edit)``
    ``postback``                                      ``ChoiceSelected(source="postback",
                                                      choice_id=payload (else title), title)``
    ``delivery`` with ``mids``                        one ``MessageStatus("delivered",
                                                      message_id=mid)`` per mid
    ``delivery`` without ``mids``                     one ``MessageStatus("delivered",
                                                      message_id=None)``
    ``read``                                          one ``MessageStatus("read", message_id=None)``
    ``reaction``                                      ``ReactionReceived(message_id=mid, emoji)``;
                                                      ``unreact`` → ``emoji=None``
    ``referral``                                      ``Referral(source, ref, ad_id, referral)``
    ``optin`` ``notification_messages`` STOP          ``OptOut(ref=payload, token)`` (the
                                                      status compared case-insensitively, with
                                                      ``_``, ``-`` or blanks between words)
    ``optin`` ``notification_messages`` (other)       ``OptIn(ref=payload, token, token_expires,
                                                      topic=title, frequency)``
    ``optin`` (plugin: ``ref`` / ``user_ref``)        ``OptIn(ref=ref)``
    handover, ``app_roles``, ``policy_enforcement``,  ``UnknownEvent(type="messenger.<key>")``
    ``account_linking``, ``game_play``, any other
    item with none of the above keys                  ``UnknownEvent(type="messenger.unknown")``
    ================================================  ============================================

    Unmodelled keys name the event type with hyphens turned into underscores (Meta spells one
    ``policy-enforcement``: it gives ``"messenger.policy_enforcement"``).

    Attachments: ``image`` / ``video`` / ``audio`` / ``file`` → ``Image`` / ``Video`` / ``Audio``
    / ``File(url=payload.url)``; ``sticker``, and an ``image`` with ``payload.sticker_id`` →
    ``Sticker(url, sticker_id)``; ``fallback`` (a shared link; its payload may be missing) →
    ``RichLink(url=payload.url or the attachment's url, title)``; ``reel`` / ``ig_reel`` /
    ``post`` / ``ig_post`` → ``RichLink``; legacy ``location`` with ``payload.coordinates`` →
    ``Location``; ``template`` (products), ``appointment_booking``, unknown types, and any
    attachment without a usable url → ``Unsupported(type=<type>)``. Until 30 Aug 2026 Meta sends
    one sticker as *both* an ``image`` and a ``sticker`` attachment: in a message that carries a
    sticker (a ``sticker`` attachment or a message-level ``sticker_id``) every ``image`` is such a
    twin, and the twins give **one** ``Sticker`` event, placed where the first twin was, with the
    ``sticker`` attachment's url preferred (a user cannot send a sticker with photos). Should twins
    ever name several ``sticker_id`` values, there is one ``Sticker`` per id (id-less ones per url).

    ``reply_to`` is ``message.reply_to.mid``. A ``message.referral`` (click-to-Messenger ad,
    shops) rides on every event of that message as :class:`ReferralInfo` (``source``, ``ref``,
    ``ad_id``, ``type``, ``url=referer_uri`` (chat plugin), ``headline=ads_context_data.ad_title``,
    ``ads_context=ads_context_data``, ``raw``); a postback's ``postback.referral`` (or a
    ``referral`` next to the postback in the item) rides on its ``ChoiceSelected``.
    ``message.commands`` and ``message.nlp`` stay in ``raw``. ``num_edit`` may be a numeric string.

    Event ``id``: the message's ``mid`` for messages, echoes, ``postback.mid`` for postbacks (in
    standby and other-object items too) and the delivered mid for per-mid statuses. Items that
    have no id of their own — reactions and edits (their ``mid`` is the *target* message's, kept
    in ``message_id``), watermark statuses, referrals, opt-ins — have ``id=None``, so a hub
    de-duplicates them on the whole item (a react then an unreact, or a second edit, of the same
    message are different items).

Malformed input
    :class:`~polychat.errors.MalformedPayload` is raised only when the envelope itself is broken:
    the payload is not an object, ``object`` is not a non-empty string, ``entry`` is not a list, an
    entry is not an object, or an entry's ``messaging`` / ``standby`` / ``changes`` is present but
    not a list. Anything broken inside a good envelope — an item that is not an object, a message
    or a postback without a customer or a timestamp, an item whose body is not an object, a
    postback with neither payload nor title, an edit without a ``mid`` — becomes one
    ``UnknownEvent(type="messenger.malformed_item", raw=<the item>)`` (:data:`MALFORMED`), so the
    rest of the batch still arrives. A single broken *attachment* only turns that attachment into
    ``Unsupported``. No other exception escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from pydantic import ValidationError

from polychat.address import Address
from polychat.content import (
    Audio,
    Content,
    File,
    Image,
    Location,
    RichLink,
    Sticker,
    Text,
    Unsupported,
    Video,
)
from polychat.errors import MalformedPayload
from polychat.events import (
    ChoiceSelected,
    Event,
    MessageDeleted,
    MessageEdited,
    MessageReceived,
    MessageStatus,
    OptIn,
    OptOut,
    ReactionReceived,
    Referral,
    ReferralInfo,
    UnknownEvent,
)

from .._json import account as _account
from .._json import dict_at as _dict
from .._json import epoch_time
from .._json import ident as _ident
from .._json import text as _text
from .._json import truthy as _truthy

__all__ = [
    "ECHO",
    "EMPTY_MESSAGE",
    "ENVELOPE_ARRAYS",
    "MALFORMED",
    "NO_PAGE",
    "NO_TIME",
    "STANDBY",
    "parse_payload",
]

CHANNEL: Final = "messenger"

NO_PAGE: Final = "unknown"
"""Placeholder Page id when neither the item nor its entry names the Page."""

NO_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)
"""Timestamp of an :class:`UnknownEvent` whose item and entry carry no usable time."""

MALFORMED: Final = "messenger.malformed_item"
"""``UnknownEvent.type`` of an item that is not the shape Messenger sends."""

ECHO: Final = "messenger.echo"
"""``UnknownEvent.type`` of a message echo (a message the Page itself sent)."""

STANDBY: Final = "messenger.standby"
"""``UnknownEvent.type`` of a ``standby[]`` item (a thread another app controls)."""

EMPTY_MESSAGE: Final = "messenger.message.empty"
"""``UnknownEvent.type`` of a message with neither text nor attachments."""

ENVELOPE_ARRAYS: Final = ("messaging", "standby", "changes")
"""Entry keys that must be lists when present (anything else there is a broken envelope)."""

_MEDIA: Final[dict[str, type[Image | Video | Audio | File]]] = {
    "image": Image,
    "video": Video,
    "audio": Audio,
    "file": File,
}
_LINKS: Final = frozenset({"reel", "ig_reel", "post", "ig_post"})
_SECONDS_BELOW: Final = Decimal(10) ** 11  # 1e11 ms is March 1973; 1e11 s is the year 5138
_STOP: Final = "STOP_NOTIFICATIONS"

# Emoji for Messenger's reaction names, used only when a ``react`` item lacks its ``emoji``.
_REACTION_EMOJI: Final = {
    "like": "\U0001f44d",
    "dislike": "\U0001f44e",
    "love": "\u2764\ufe0f",
    "smile": "\U0001f606",
    "wow": "\U0001f62e",
    "sad": "\U0001f622",
    "angry": "\U0001f620",
}


class _BrokenItemError(Exception):
    """An item lacks something it needs; it becomes a malformed-item UnknownEvent."""


# -- small readers ---------------------------------------------------------------------------------


def _value(obj: Any, key: str) -> str | None:
    """Like :func:`_text`, but integers are accepted too (refs, ad ids) and read as strings."""
    if isinstance(obj, dict):
        value = obj.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return _text(obj, key)


def _status(value: Any) -> str | None:
    """A Meta enum value compared loosely: ``"STOP NOTIFICATIONS"`` is ``"STOP_NOTIFICATIONS"``."""
    if not isinstance(value, str):
        return None
    return "_".join(value.replace("-", " ").replace("_", " ").split()).upper() or None


def _timestamp(value: Any) -> datetime | None:
    """Epoch milliseconds (``< 1e11`` means seconds; number or numeric string) → aware UTC."""
    return epoch_time(value, millis_from=_SECONDS_BELOW)


def _customer_id(party: dict[str, Any]) -> str | None:
    """The customer id of a ``sender`` / ``recipient`` object: its PSID, else ``user_ref:<ref>``."""
    psid = _ident(party.get("id"))
    if psid is not None:
        return psid
    ref = _ident(party.get("user_ref"))
    return f"user_ref:{ref}" if ref is not None else None


# -- who and when ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Scope:
    """What every item of one entry shares: the entry's id (the Page) and time."""

    entry_id: str | None
    entry_time: datetime | None


@dataclass(slots=True)
class _Item:
    """One item with its parties and time resolved.

    Attributes:
        raw: the item as received.
        business: the Page's address.
        user: the customer's id, or ``None`` when the item names none.
        page_sent: the Page sent this item (an echo).
        timestamp: the item's time, else the entry's.
    """

    raw: Any
    business: Address
    user: str | None
    page_sent: bool
    timestamp: datetime | None
    key: str | None = None

    @classmethod
    def of(cls, scope: _Scope, raw: Any) -> _Item:
        """Resolve the parties and the time of ``raw`` (any JSON value)."""
        item = raw if isinstance(raw, dict) else {}
        echo = _truthy(_dict(item, "message").get("is_echo"))
        sender, recipient = _dict(item, "sender"), _dict(item, "recipient")
        page_side, user_side = (sender, recipient) if echo else (recipient, sender)
        page = _account(page_side.get("id"))
        user = _customer_id(user_side)
        entry_id = scope.entry_id
        swapped = entry_id is not None and page != entry_id and user == entry_id
        if swapped:
            # The roles are the other way round: an unswapped echo, or a Page-sent item.
            page, user = entry_id, _customer_id(page_side)
        account = page or entry_id or NO_PAGE
        return cls(
            raw=raw,
            business=Address(channel=CHANNEL, account=account, user=account),
            user=user,
            page_sent=echo or swapped,
            timestamp=_timestamp(item.get("timestamp")) or scope.entry_time,
            key=_item_key(item),
        )

    def customer(self, user: str | None = None) -> Address:
        """The customer's address (the Page itself stands in when the item names no customer)."""
        return Address(channel=CHANNEL, account=self.business.account,
                       user=user or self.user or self.business.account)

    def unknown(self, type_: str, *, id_: str | None = None) -> UnknownEvent:
        """An UnknownEvent for this item that cannot fail to build."""
        return UnknownEvent(
            channel=CHANNEL,
            sender=self.customer(),
            recipient=self.business,
            id=id_,
            timestamp=self.timestamp or NO_TIME,
            raw=self.raw,
            type=type_,
        )

    def common(self, id_: str | None, user: str | None = None) -> dict[str, Any]:
        """The fields every modelled event of this item shares.

        Raises:
            _BrokenItemError: the item names no customer or has no usable time.
        """
        user = user or self.user
        if user is None:
            raise _BrokenItemError("item without a customer")
        if self.timestamp is None:
            raise _BrokenItemError("item without a timestamp")
        return {
            "channel": CHANNEL,
            "sender": self.customer(user),
            "recipient": self.business,
            "id": id_,
            "timestamp": self.timestamp,
            "raw": self.raw,
        }


_KINDS: Final = (
    "message", "message_edit", "postback", "delivery", "read", "reaction", "referral", "optin",
)
"""Item keys that decide what an item is, in order of precedence."""

_PARTY_KEYS: Final = frozenset({"sender", "recipient", "timestamp"})


def _item_key(item: dict[str, Any]) -> str | None:
    """The key naming what ``item`` is: a modelled kind first, else its first other key."""
    for key in _KINDS:
        if key in item:
            return key
    return next((k for k in item if k not in _PARTY_KEYS), None)


# -- the envelope ----------------------------------------------------------------------------------


def parse_payload(payload: dict[str, Any]) -> list[Event]:
    """Turn a decoded Messenger webhook body into events, in envelope order.

    Args:
        payload: the decoded JSON body: an object with a string ``object`` (``"page"`` for
            Messenger) and an ``entry`` list.

    Returns:
        The events of every item of every entry (see the module docs for the mapping). Items
        polychat does not model, and every item of a non-``page`` object, are
        :class:`UnknownEvent`.

    Raises:
        MalformedPayload: the envelope is broken: not an object, no ``object`` name, ``entry``
            not a list, an entry not an object, or an entry's ``messaging`` / ``standby`` /
            ``changes`` not a list.
    """
    if not isinstance(payload, dict):
        raise MalformedPayload("webhook body is not a JSON object")
    obj = payload.get("object")
    if not isinstance(obj, str) or not obj:
        raise MalformedPayload("webhook body has no 'object' name")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise MalformedPayload("webhook body has no 'entry' list")
    events: list[Event] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise MalformedPayload(f"entry[{index}] is not an object")
        for key in ENVELOPE_ARRAYS:
            if key in entry and not isinstance(entry[key], list):
                raise MalformedPayload(f"entry[{index}].{key} is not a list")
        events.extend(_parse_entry(obj, entry))
    return events


def _parse_entry(obj: str, entry: dict[str, Any]) -> list[Event]:
    scope = _Scope(_account(entry.get("id")), _timestamp(entry.get("time")))
    foreign = None if obj == "page" else f"messenger.object.{obj}"
    arrays = [(key, items) for key, items in entry.items() if isinstance(items, list)]
    if not arrays:
        return [_Item.of(scope, entry).unknown(foreign or "messenger.entry")]
    events: list[Event] = []
    for key, items in arrays:
        for raw in items:
            item = _Item.of(scope, raw)
            if foreign is not None:
                events.append(item.unknown(foreign, id_=_mid(raw)))
            elif key == "messaging":
                events.extend(_guarded(_parse_messaging, item))
            elif key == "standby":
                events.append(item.unknown(STANDBY, id_=_mid(raw)))
            elif key == "changes":
                field_ = _text(raw, "field")
                events.append(item.unknown(f"messenger.change.{field_}" if field_
                                           else "messenger.change"))
            else:
                events.append(item.unknown(f"messenger.{key}"))
    return events


def _mid(raw: Any) -> str | None:
    """The ``message.mid`` (else ``postback.mid``) of an item, when it has one."""
    return _ident(_dict(raw, "message").get("mid")) or _ident(_dict(raw, "postback").get("mid"))


def _guarded(parser: Callable[[_Item, dict[str, Any]], list[Event]], item: _Item) -> list[Event]:
    """Run ``parser`` on one item; anything broken becomes one malformed-item UnknownEvent."""
    if not isinstance(item.raw, dict):
        return [item.unknown(MALFORMED)]
    try:
        events = parser(item, item.raw)
    except (_BrokenItemError, ValidationError, ValueError, OverflowError):
        return [item.unknown(MALFORMED, id_=_mid(item.raw))]
    return events or [item.unknown(MALFORMED, id_=_mid(item.raw))]


# -- messaging[] -----------------------------------------------------------------------------------


def _parse_messaging(item: _Item, raw: dict[str, Any]) -> list[Event]:
    key = item.key
    if key == "message":
        return _parse_message(item, raw)
    if item.page_sent:
        return [item.unknown(f"{ECHO}.{key}" if key else ECHO)]
    if key is None:
        return [item.unknown("messenger.unknown")]
    handler = _HANDLERS.get(key)
    if handler is None:
        return [item.unknown(f"messenger.{key.replace('-', '_')}")]
    body = raw.get(key)
    if not isinstance(body, dict):
        raise _BrokenItemError(f"{key} is not an object")
    return handler(item, body)


def _referral(value: Any) -> ReferralInfo | None:
    """A ``referral`` object as :class:`ReferralInfo`, or ``None`` when it is not an object."""
    return _referral_info(value) if isinstance(value, dict) else None


def _referral_info(value: dict[str, Any]) -> ReferralInfo:
    ads_context = value.get("ads_context_data")
    ads = ads_context if isinstance(ads_context, dict) else None
    return ReferralInfo(
        source=_value(value, "source"),
        ref=_value(value, "ref"),
        ad_id=_value(value, "ad_id"),
        type=_value(value, "type"),
        url=_text(value, "referer_uri"),
        headline=_text(ads, "ad_title"),
        ads_context=ads,
        raw=value,
    )


def _parse_message(item: _Item, raw: dict[str, Any]) -> list[Event]:
    message = raw.get("message")
    if not isinstance(message, dict):
        raise _BrokenItemError("message is not an object")
    mid = _ident(message.get("mid"))
    if item.page_sent:
        return [item.unknown(ECHO, id_=mid)]
    common = item.common(mid)
    if _truthy(message.get("is_deleted")) and mid is not None:
        return [MessageDeleted(**common, message_id=mid)]
    text = message.get("text")
    if text is not None and not isinstance(text, str):
        raise _BrokenItemError("message text is not a string")
    attachments = message.get("attachments")
    if attachments is not None and not isinstance(attachments, list):
        raise _BrokenItemError("message attachments is not a list")
    reply_to = _ident(_dict(message, "reply_to").get("mid"))
    referral = _referral(message.get("referral") or raw.get("referral"))

    events: list[Event] = []
    choice = _value(_dict(message, "quick_reply"), "payload")
    if choice is not None:
        events.append(ChoiceSelected(**common, choice_id=choice, title=_text(message, "text"),
                                     source="quick_reply", reply_to=reply_to, referral=referral))
    elif text:
        events.append(MessageReceived(**common, content=Text(text=text), reply_to=reply_to,
                                      referral=referral))
    for content in _attachment_contents(message, attachments or []):
        events.append(MessageReceived(**common, content=content, reply_to=reply_to,
                                      referral=referral))
    if not events:
        kind = "unsupported" if _truthy(message.get("is_unsupported")) else "empty"
        return [item.unknown(f"messenger.message.{kind}", id_=mid)]
    return events


# -- attachments -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _StickerPart:
    """One attachment that is (a rendering of) a sticker."""

    type: str
    url: str | None
    sticker_id: str | None


def _attachment_contents(message: dict[str, Any], attachments: list[Any]) -> list[Content]:
    """The content of each attachment, with a sticker's image twin merged into one ``Sticker``."""
    message_sticker = _ident(message.get("sticker_id"))
    has_sticker = message_sticker is not None or any(
        isinstance(a, dict) and a.get("type") == "sticker" for a in attachments
    )
    parts: list[Content | _StickerPart] = []
    for attachment in attachments:
        sticker = _sticker_part(attachment, message_sticker, has_sticker)
        parts.append(sticker if sticker is not None else _attachment_content(attachment))

    stickers = [p for p in parts if isinstance(p, _StickerPart)]
    ids = list(dict.fromkeys(p.sticker_id for p in stickers if p.sticker_id))
    groups: dict[str, list[_StickerPart]] = {}
    keys: list[str] = []
    for sticker in stickers:
        if len(ids) <= 1:  # Meta sends one sticker per message: all twins are the same sticker
            key = "sticker"
        elif sticker.sticker_id is not None:
            key = f"id:{sticker.sticker_id}"
        else:
            key = f"url:{sticker.url}"
        groups.setdefault(key, []).append(sticker)
        keys.append(key)

    contents: list[Content] = []
    done: set[str] = set()
    sticker_index = 0
    for part in parts:
        if not isinstance(part, _StickerPart):
            contents.append(part)
            continue
        key = keys[sticker_index]
        sticker_index += 1
        if key not in done:
            done.add(key)
            contents.append(_merged_sticker(groups[key]))
    return contents


def _sticker_part(attachment: Any, message_sticker: str | None,
                  has_sticker: bool) -> _StickerPart | None:
    """The attachment as a sticker part, or ``None`` when it is not a sticker."""
    if not isinstance(attachment, dict):
        return None
    kind = attachment.get("type")
    payload = _dict(attachment, "payload")
    own_id = _ident(payload.get("sticker_id"))
    if kind == "sticker" or (kind == "image" and (own_id is not None or has_sticker)):
        return _StickerPart(type=kind, url=_text(payload, "url"),
                            sticker_id=own_id or message_sticker)
    return None


def _merged_sticker(parts: list[_StickerPart]) -> Content:
    """One ``Sticker`` from a sticker's attachments (the ``sticker`` one's url preferred)."""
    ordered = [p for p in parts if p.type == "sticker"] + [p for p in parts if p.type != "sticker"]
    url = next((p.url for p in ordered if p.url), None)
    sticker_id = next((p.sticker_id for p in ordered if p.sticker_id), None)
    if url is None:
        return Unsupported(type="sticker")
    return Sticker(url=url, sticker_id=sticker_id)


def _coordinate(value: Any) -> float:
    if isinstance(value, bool):
        raise _BrokenItemError("coordinate is a boolean")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return float(value.strip())  # ValueError for non-numbers
    raise _BrokenItemError("coordinate is not a number")


def _attachment_content(attachment: Any) -> Content:
    """The content of one (non-sticker) attachment; ``Unsupported`` when it cannot be read."""
    if not isinstance(attachment, dict):
        return Unsupported(type="unknown")
    kind = _text(attachment, "type") or "unknown"
    try:
        content = _readable_attachment(kind, attachment)
    except (_BrokenItemError, ValidationError, ValueError, OverflowError):
        content = None
    return content if content is not None else Unsupported(type=kind)


def _readable_attachment(kind: str, attachment: dict[str, Any]) -> Content | None:
    payload = _dict(attachment, "payload")
    url = _text(payload, "url")
    media = _MEDIA.get(kind)
    if media is not None:
        return media(url=url) if url else None
    if kind == "fallback":
        url = url or _text(attachment, "url")
        title = _text(payload, "title") or _text(attachment, "title")
        return RichLink(url=url, title=title) if url else None
    if kind in _LINKS:
        return RichLink(url=url, title=_text(payload, "title")) if url else None
    if kind == "location":
        coordinates = _dict(payload, "coordinates")
        if not coordinates:
            return None
        return Location(
            latitude=_coordinate(coordinates.get("lat")),
            longitude=_coordinate(coordinates.get("long")),
            name=_text(attachment, "title") or _text(payload, "title"),
            url=_text(attachment, "url") or url,
        )
    return None


# -- other modelled items --------------------------------------------------------------------------


def _parse_edit(item: _Item, edit: dict[str, Any]) -> list[Event]:
    original = _ident(edit.get("mid"))
    if original is None:
        raise _BrokenItemError("message_edit without a mid")
    text = edit.get("text")
    count = _value(edit, "num_edit")
    return [MessageEdited(
        **item.common(None),
        message_id=original,
        content=Text(text=text) if isinstance(text, str) else None,
        edit_count=int(count) if count is not None and count.strip().isdecimal() else None,
    )]


def _parse_postback(item: _Item, postback: dict[str, Any]) -> list[Event]:
    title = _value(postback, "title")
    choice = _value(postback, "payload") or title
    if choice is None:
        raise _BrokenItemError("postback with neither payload nor title")
    return [ChoiceSelected(
        **item.common(_ident(postback.get("mid"))),
        choice_id=choice,
        title=title,
        source="postback",
        referral=_referral(postback.get("referral") or item.raw.get("referral")),
    )]


def _parse_delivery(item: _Item, delivery: dict[str, Any]) -> list[Event]:
    watermark = _timestamp(delivery.get("watermark"))
    listed = delivery.get("mids")
    mids = [m for m in map(_ident, listed) if m is not None] if isinstance(listed, list) else []
    if not mids:
        return [MessageStatus(**item.common(None), message_id=None, status="delivered",
                              watermark=watermark)]
    return [MessageStatus(**item.common(mid), message_id=mid, status="delivered",
                          watermark=watermark) for mid in mids]


def _parse_read(item: _Item, read: dict[str, Any]) -> list[Event]:
    return [MessageStatus(**item.common(None), message_id=None, status="read",
                          watermark=_timestamp(read.get("watermark")))]


def _parse_reaction(item: _Item, reaction: dict[str, Any]) -> list[Event]:
    action = _text(reaction, "action")
    emoji: str | None = None
    if action is None or action.lower() != "unreact":
        name = _text(reaction, "reaction")
        emoji = _text(reaction, "emoji") or (_REACTION_EMOJI.get(name.lower()) if name else None)
    return [ReactionReceived(**item.common(None), message_id=_ident(reaction.get("mid")),
                             emoji=emoji)]


def _parse_referral(item: _Item, referral: dict[str, Any]) -> list[Event]:
    info = _referral_info(referral)
    return [Referral(**item.common(None), source=info.source, ref=info.ref, ad_id=info.ad_id,
                     referral=info)]


def _parse_optin(item: _Item, optin: dict[str, Any]) -> list[Event]:
    ref_user = _ident(optin.get("user_ref"))
    common = item.common(None, f"user_ref:{ref_user}" if item.user is None and ref_user else None)
    if optin.get("type") == "notification_messages":
        token = _value(optin, "notification_messages_token")
        payload = _value(optin, "payload")
        if _status(optin.get("notification_messages_status")) == _STOP:
            return [OptOut(**common, ref=payload, token=token)]
        return [OptIn(
            **common,
            ref=payload,
            token=token,
            token_expires=_timestamp(optin.get("token_expiry_timestamp")),
            topic=_value(optin, "title"),
            frequency=_value(optin, "notification_messages_frequency"),
        )]
    return [OptIn(**common, ref=_value(optin, "ref") or _value(optin, "payload"),
                  token=_value(optin, "one_time_notif_token"))]


_HANDLERS: Final[dict[str, Callable[[_Item, dict[str, Any]], list[Event]]]] = {
    "message_edit": _parse_edit,
    "postback": _parse_postback,
    "delivery": _parse_delivery,
    "read": _parse_read,
    "reaction": _parse_reaction,
    "referral": _parse_referral,
    "optin": _parse_optin,
}
