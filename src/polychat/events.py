"""Inbound events: what a channel's ``parse`` returns and what hub handlers receive.

Every event carries ``channel``, ``sender`` (always the customer side), ``recipient`` (always the
business side: phone number id, Page id, Apple business id), ``id`` (the platform's id of the item,
when it has one), ``timestamp`` (an aware UTC datetime) and ``raw`` (the platform item exactly as
received). :class:`Event` is the common base class (``hub.on(Event)`` catches everything);
:data:`AnyEvent` is the discriminated union used to read events back from JSON::

    TypeAdapter(AnyEvent).validate_json(event.model_dump_json())

Event classes are final: match on them, do not subclass them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from ._model import PolychatModel
from .address import Address
from .content import Content
from .errors import PlatformErrorField

__all__ = [
    "AnyEvent",
    "ChoiceSelected",
    "ConversationClosed",
    "Event",
    "FormSubmitted",
    "MessageDeleted",
    "MessageEdited",
    "MessageReceived",
    "MessageStatus",
    "OptIn",
    "OptOut",
    "ReactionReceived",
    "Referral",
    "ReferralInfo",
    "TypingChanged",
    "UnknownEvent",
    "ensure_utc",
]


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` converted to UTC; naive datetimes are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware")
    return value.astimezone(UTC)


class Event(PolychatModel):
    """Base of every inbound event (use it with ``hub.on(Event)`` to receive everything)."""

    channel: str
    """Name of the channel the event came from."""
    sender: Address
    """The customer side."""
    recipient: Address
    """The business side."""
    id: str | None = None
    """The platform's id of this item (message id, status' message id…), when it has one."""
    timestamp: datetime
    """When the platform says the event happened (aware, UTC)."""
    sender_name: str | None = None
    """The customer's display name, when the platform sends one."""
    capabilities: frozenset[str] | None = None
    """What the customer's device says it can show, when the platform tells (Apple
    ``capability-list``: ``QUICK``, ``LIST``, ``TIME``, ``AUTH``, ``AUTH2``, ``FORM``)."""
    raw: Any = Field(default=None, repr=False)
    """The platform item exactly as received (one element of the webhook's arrays)."""

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return ensure_utc(value)


class ReferralInfo(PolychatModel):
    """Where a conversation came from: an ad, an m.me / wa.me link, a post, an entry point.

    ``source`` is the platform's own value (WhatsApp ``source_type`` such as ``"ad"``; Messenger
    ``source`` such as ``"ADS"`` or ``"SHORTLINK"``; Apple ``"entry_point"``).
    """

    source: str | None = None
    ref: str | None = None
    """The ref parameter of the link, or the platform's id of the source (WhatsApp source_id)."""
    ad_id: str | None = None
    type: str | None = None
    """Messenger's referral type (``OPEN_THREAD``…)."""
    url: str | None = None
    """The ad's or post's URL (WhatsApp ``source_url``)."""
    headline: str | None = None
    body: str | None = None
    click_id: str | None = None
    """WhatsApp ``ctwa_clid``: the click id to report conversions with."""
    ads_context: dict[str, Any] | None = None
    """Messenger ``ads_context_data`` (ad title, photo, post id, product id…)."""
    raw: Any = Field(default=None, repr=False)


class MessageReceived(Event):
    """The customer sent a message."""

    content: Content
    reply_to: str | None = None
    """Id of the message this one quotes, or ``None`` (a forwarded-only context is not a reply)."""
    referral: ReferralInfo | None = None
    """The ad / link the message came from, when it arrived with one."""
    forwarded: bool = False
    frequently_forwarded: bool = False
    kind: Literal["message"] = "message"


class ChoiceSelected(Event):
    """The customer tapped a button, quick reply, list row, postback or time slot."""

    choice_id: str
    title: str | None = None
    source: Literal["button", "quick_reply", "list", "postback", "template_button", "time_slot"]
    reply_to: str | None = None
    """Id of the message that carried the choice, when known."""
    referral: ReferralInfo | None = None
    description: str | None = None
    typed: bool = False
    """The customer typed the answer ("2", or an option's title) to a numbered-text menu, the
    degrade ladder's last rung, instead of tapping a control; ``raw`` is their text message."""
    kind: Literal["choice"] = "choice"


class FormSubmitted(Event):
    """The customer submitted a form (WhatsApp Flow, Apple form, Apple Pay, authentication)."""

    data: dict[str, Any]
    name: str | None = None
    """The platform's name of the form type (WhatsApp ``nfm_reply.name``, e.g. ``"flow"``)."""
    reply_to: str | None = None
    kind: Literal["form"] = "form"


class MessageStatus(Event):
    """A message the business sent changed state.

    ``message_id`` is ``None`` for a Messenger read or delivery watermark without ids: every message
    sent before ``watermark`` has that status.
    """

    message_id: str | None
    status: Literal["sent", "delivered", "read", "played", "failed", "deleted"]
    error: PlatformErrorField | None = None
    watermark: datetime | None = None
    pricing: dict[str, Any] | None = None
    """WhatsApp pricing object (``pricing_model``, ``type``, ``category``), when sent."""
    callback_data: str | None = None
    """WhatsApp ``biz_opaque_callback_data`` echoed back."""
    kind: Literal["status"] = "status"

    @field_validator("watermark")
    @classmethod
    def _utc_watermark(cls, value: datetime | None) -> datetime | None:
        return None if value is None else ensure_utc(value)


class ReactionReceived(Event):
    """The customer reacted to a message; ``emoji=None`` means the reaction was removed."""

    message_id: str | None
    emoji: str | None = None
    kind: Literal["reaction"] = "reaction"


class TypingChanged(Event):
    """The customer started or stopped typing."""

    on: bool
    kind: Literal["typing"] = "typing"


class ConversationClosed(Event):
    """The customer closed (deleted) the conversation."""

    kind: Literal["closed"] = "closed"


class Referral(Event):
    """A standalone referral: the customer came through an ad, link or entry point."""

    source: str | None = None
    ref: str | None = None
    ad_id: str | None = None
    referral: ReferralInfo | None = None
    """All the referral's details."""
    kind: Literal["referral"] = "referral"


class OptIn(Event):
    """The customer opted in (Messenger plugin or marketing messages)."""

    ref: str | None = None
    token: str | None = Field(default=None, repr=False)
    """Marketing-messages token to send with later, when given."""
    token_expires: datetime | None = None
    topic: str | None = None
    frequency: str | None = None
    kind: Literal["opt_in"] = "opt_in"


class OptOut(Event):
    """The customer opted out (stopped marketing messages)."""

    ref: str | None = None
    token: str | None = Field(default=None, repr=False)
    kind: Literal["opt_out"] = "opt_out"


class MessageEdited(Event):
    """The customer edited a message; ``message_id`` is the ORIGINAL message's id."""

    message_id: str
    content: Content | None = None
    edit_count: int | None = None
    kind: Literal["edited"] = "edited"


class MessageDeleted(Event):
    """The customer deleted (revoked) a message; ``message_id`` is the original's id."""

    message_id: str
    kind: Literal["deleted"] = "deleted"


class UnknownEvent(Event):
    """A well-formed item polychat does not model; everything is in ``raw``.

    ``type`` names what it is, as precisely as the parser could tell (e.g.
    ``"whatsapp.message_template_status_update"``, ``"whatsapp.message.order"``).
    """

    type: str | None = None
    kind: Literal["unknown"] = "unknown"


AnyEvent = Annotated[
    MessageReceived | ChoiceSelected | FormSubmitted | MessageStatus | ReactionReceived
    | TypingChanged | ConversationClosed | Referral | OptIn | OptOut | MessageEdited
    | MessageDeleted | UnknownEvent,
    Field(discriminator="kind"),
]
"""Any event, discriminated by ``kind`` (for reading events back from JSON)."""
