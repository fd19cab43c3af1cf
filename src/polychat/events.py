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
    "TemplateCategoryChanged",
    "TemplateComponentsChanged",
    "TemplateQualityChanged",
    "TemplateStatusChanged",
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


class TemplateStatusChanged(Event):
    """A WhatsApp message template changed status (``message_template_status_update``).

    Account-level: no customer is involved, so ``sender`` and ``recipient`` are the business
    account itself (``Address("whatsapp", <WABA id>, <WABA id>)``) and ``raw`` is the webhook's
    ``value``. A ``PAUSED`` or ``DISABLED`` template can no longer be sent (Meta answers 132015 /
    132016): drop cached definitions when one arrives.
    """

    template_id: str | None = None
    """Meta's template id (``message_template_id``)."""
    name: str | None = None
    """The template's name."""
    language: str | None = None
    """The template's locale (``en_US``)."""
    status: str
    """The webhook's ``event``: ``APPROVED``, ``REJECTED``, ``PENDING``, ``PAUSED``,
    ``DISABLED``, ``FLAGGED``, ``REINSTATED``, ``IN_APPEAL``, ``PENDING_DELETION``, ``DELETED``,
    ``ARCHIVED``, ``LIMIT_EXCEEDED``, ``LOCKED``, ``UNLOCKED``…"""
    reason: str | None = None
    """Why (a rejection reason such as ``INCORRECT_CATEGORY``); ``None`` when Meta says ``NONE``."""
    category: str | None = None
    """The template's category, when the update names it."""
    title: str | None = None
    """``other_info.title`` (e.g. ``FIRST_PAUSE``), when given."""
    description: str | None = None
    """``other_info.description`` or ``rejection_info.reason``: what happened, in words."""
    recommendation: str | None = None
    """``rejection_info.recommendation``: how to fix a rejected template, when given."""
    disabled_at: datetime | None = None
    """``disable_info.disable_date`` of a disabled template (aware UTC)."""
    kind: Literal["template_status"] = "template_status"

    @field_validator("disabled_at")
    @classmethod
    def _utc_disabled(cls, value: datetime | None) -> datetime | None:
        return None if value is None else ensure_utc(value)


class TemplateQualityChanged(Event):
    """A WhatsApp template's quality rating changed (``message_template_quality_update``).

    Account-level, addressed like :class:`TemplateStatusChanged`. Ratings: ``GREEN``,
    ``YELLOW``, ``RED``, ``UNKNOWN``; a template rated low may be paused next.
    """

    template_id: str | None = None
    name: str | None = None
    language: str | None = None
    previous_quality: str | None = None
    """``previous_quality_score``."""
    quality: str | None = None
    """``new_quality_score``."""
    kind: Literal["template_quality"] = "template_quality"


class TemplateCategoryChanged(Event):
    """A WhatsApp template's category changed, or will (``template_category_update``).

    Account-level, addressed like :class:`TemplateStatusChanged`. With ``correct_category`` set,
    Meta announces that the template will be recategorised (pricing changes with the category).
    """

    template_id: str | None = None
    name: str | None = None
    language: str | None = None
    previous_category: str | None = None
    category: str | None = None
    """``new_category``: the category now (or the one it is about to become)."""
    correct_category: str | None = None
    """The category Meta will move the template to, when announced ahead."""
    kind: Literal["template_category"] = "template_category"


class TemplateComponentsChanged(Event):
    """A WhatsApp template was edited (``message_template_components_update``).

    Account-level, addressed like :class:`TemplateStatusChanged`; cached definitions of it are
    stale.
    """

    template_id: str | None = None
    name: str | None = None
    language: str | None = None
    header: str | None = None
    """``message_template_title``: the header text."""
    body: str | None = None
    """``message_template_element``: the body text."""
    footer: str | None = None
    """``message_template_footer``."""
    buttons: list[dict[str, Any]] = Field(default_factory=list)
    """``message_template_buttons`` as sent (type, text, url…)."""
    kind: Literal["template_components"] = "template_components"


class UnknownEvent(Event):
    """A well-formed item polychat does not model; everything is in ``raw``.

    ``type`` names what it is, as precisely as the parser could tell (e.g.
    ``"whatsapp.account_update"``, ``"whatsapp.message.order"``).
    """

    type: str | None = None
    kind: Literal["unknown"] = "unknown"


AnyEvent = Annotated[
    MessageReceived | ChoiceSelected | FormSubmitted | MessageStatus | ReactionReceived
    | TypingChanged | ConversationClosed | Referral | OptIn | OptOut | MessageEdited
    | MessageDeleted | TemplateStatusChanged | TemplateQualityChanged | TemplateCategoryChanged
    | TemplateComponentsChanged | UnknownEvent,
    Field(discriminator="kind"),
]
"""Any event, discriminated by ``kind`` (for reading events back from JSON)."""
