"""Message content: what a business sends, and what arrives inside ``MessageReceived``.

Every class is a frozen pydantic model with a literal ``kind`` tag; :data:`Content` is the
discriminated union of them all, so ``TypeAdapter(Content).validate_json(...)`` reads any of them
back. Leading fields can be given positionally (``Text("hi")``, ``Buttons("Pick one", [...])``).

Content is channel-neutral. Each channel renders what it can and raises
:class:`~polychat.errors.ContentError` naming the broken limit; the hub degrades content a
channel lacks by the documented ladder in :mod:`polychat.capabilities`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AliasChoices, Field, field_validator, model_validator

from ._model import PolychatModel

__all__ = [
    "Audio",
    "AuthRequest",
    "Button",
    "Buttons",
    "Card",
    "Carousel",
    "Contact",
    "Contacts",
    "Content",
    "File",
    "Form",
    "FormOption",
    "FormPage",
    "Image",
    "ListItem",
    "ListPicker",
    "ListSection",
    "Location",
    "MarkRead",
    "Media",
    "PaymentItem",
    "PaymentRequest",
    "QuickReplies",
    "QuickReply",
    "Raw",
    "Reaction",
    "RichLink",
    "Sticker",
    "Template",
    "TemplateComponent",
    "Text",
    "TimePicker",
    "TimeSlot",
    "Typing",
    "Unsupported",
    "Video",
]


class Text(PolychatModel):
    """A plain text message. ``Text("Hello")``."""

    text: str
    """The message text."""
    preview_url: bool = False
    """Ask the platform to render a link preview of the first URL (WhatsApp)."""
    kind: Literal["text"] = "text"


class Media(PolychatModel):
    """Common shape of media content: exactly one source among ``url``, ``media_id``, ``data``.

    Outbound, ``data`` bytes are uploaded by the hub before sending; ``media_id`` is an id the
    platform gave you (an upload, a saved attachment, an inbound media id). Inbound media carry the
    platform's ``media_id`` (WhatsApp) or ``url`` (Messenger); ``download_url``, ``sha256`` and
    ``size`` are filled when the platform gives them.
    """

    url: str | None = None
    """A public https URL the platform fetches."""
    media_id: str | None = None
    """A platform media id (uploaded media, saved attachment, inbound media)."""
    data: bytes | None = Field(default=None, repr=False)
    """Raw bytes to upload before sending."""
    mime_type: str | None = None
    """MIME type, e.g. ``image/jpeg`` (required with ``data``)."""
    caption: str | None = None
    """Caption shown with the media (not every platform/kind supports one)."""
    filename: str | None = None
    """File name shown to the user (documents)."""
    download_url: str | None = None
    """Inbound only: a short-lived URL the platform gave for downloading (needs auth on WhatsApp)."""
    sha256: str | None = None
    """Inbound only: the platform's checksum of the file, when given."""
    size: int | None = None
    """Size in bytes, when known."""
    ref: dict[str, str] | None = Field(default=None, repr=False)
    """Inbound only: what the platform needs to fetch the file (Apple: MMCS owner, signature and
    decryption key). Treat it as a secret."""

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        sources = [s for s in (self.url, self.media_id, self.data) if s is not None]
        if len(sources) != 1:
            raise ValueError(
                f"{type(self).__name__} needs exactly one of url=, media_id= or data= "
                f"({len(sources)} given)"
            )
        if self.data is not None and not self.mime_type:
            raise ValueError(f"{type(self).__name__}(data=...) needs mime_type=")
        return self


class Image(Media):
    """An image (JPEG/PNG on WhatsApp)."""

    kind: Literal["image"] = "image"


class Video(Media):
    """A video (MP4/3GPP on WhatsApp)."""

    kind: Literal["video"] = "video"


class Audio(Media):
    """An audio file, or a voice note with ``voice=True`` (OGG/OPUS on WhatsApp)."""

    voice: bool = False
    """Send as a voice note (plays inline, gets a ``played`` status on WhatsApp)."""
    kind: Literal["audio"] = "audio"


class File(Media):
    """A document / file attachment (PDF, spreadsheet…)."""

    kind: Literal["file"] = "file"


class Sticker(Media):
    """A sticker (WebP on WhatsApp)."""

    animated: bool | None = None
    """Inbound: whether the sticker is animated, when the platform says."""
    sticker_id: str | None = None
    """Inbound Messenger: the platform's sticker id (e.g. the Like thumb)."""
    kind: Literal["sticker"] = "sticker"


class Location(PolychatModel):
    """A point on the map, with an optional place name and address."""

    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None
    """Inbound: a link the platform attached to the place, when any."""
    kind: Literal["location"] = "location"

    @field_validator("latitude")
    @classmethod
    def _lat(cls, v: float) -> float:
        if not -90.0 <= v <= 90.0:
            raise ValueError("latitude must be within [-90, 90]")
        return v

    @field_validator("longitude")
    @classmethod
    def _lon(cls, v: float) -> float:
        if not -180.0 <= v <= 180.0:
            raise ValueError("longitude must be within [-180, 180]")
        return v


class Contact(PolychatModel):
    """One contact card."""

    name: str
    """Formatted full name."""
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    organization: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    urls: list[str] = Field(default_factory=list)
    user_ids: list[str] = Field(default_factory=list)
    """Inbound: the platform user ids attached to the phones (WhatsApp ``wa_id``), when given."""


class Contacts(PolychatModel):
    """One or more contact cards. ``Contacts([Contact("Ada", phones=["+1…"])])``."""

    contacts: list[Contact]
    kind: Literal["contacts"] = "contacts"

    @field_validator("contacts")
    @classmethod
    def _some(cls, v: list[Contact]) -> list[Contact]:
        if not v:
            raise ValueError("at least one contact is needed")
        return v


class _UrlFactoryOrValue:
    """``Button.url`` is the factory on the class and the button's link on an instance."""

    def __get__(self, obj: Button | None, owner: type[Button]) -> Any:
        if obj is None:
            return owner.url_button
        return obj.link


class Button(PolychatModel):
    """A button: build it with :meth:`reply`, ``Button.url(title, url)`` or :meth:`call`.

    On an instance, ``button.url`` is the link of a url button (stored as ``link``).
    """

    __positional__: ClassVar[tuple[str, ...] | None] = ("type", "title")

    type: Literal["reply", "url", "call"]
    """``reply`` sends ``id`` back as a choice; ``url`` opens a link; ``call`` dials ``phone``."""
    title: str
    id: str | None = None
    """Choice id of a reply button."""
    link: str | None = Field(default=None, validation_alias=AliasChoices("url", "link"))
    """Target of a url button (also accepted as ``url=``)."""
    phone: str | None = None
    """Number dialled by a call button."""

    url: ClassVar[_UrlFactoryOrValue] = _UrlFactoryOrValue()

    @model_validator(mode="after")
    def _fields_for_type(self) -> Self:
        needed = {"reply": "id", "url": "link", "call": "phone"}[self.type]
        if not getattr(self, needed):
            raise ValueError(f"a {self.type} button needs {needed}=")
        return self

    @classmethod
    def reply(cls, id: str, title: str) -> Button:
        """A button whose tap comes back as ``ChoiceSelected(choice_id=id)``."""
        return cls(type="reply", id=id, title=title)

    @classmethod
    def url_button(cls, title: str, url: str) -> Button:
        """A button that opens ``url`` (also reachable as ``Button.url(title, url)``)."""
        return cls(type="url", title=title, link=url)

    @classmethod
    def call(cls, title: str, phone: str) -> Button:
        """A button that calls ``phone``."""
        return cls(type="call", title=title, phone=phone)


class Buttons(PolychatModel):
    """A text with buttons. ``Buttons("Track your order?", [Button.reply("yes", "Yes")])``."""

    text: str
    buttons: list[Button]
    header: str | None = None
    """Optional short header text (WhatsApp)."""
    footer: str | None = None
    """Optional footer text (WhatsApp)."""
    kind: Literal["buttons"] = "buttons"

    @field_validator("buttons")
    @classmethod
    def _some(cls, v: list[Button]) -> list[Button]:
        if not v:
            raise ValueError("at least one button is needed")
        return v


class QuickReply(PolychatModel):
    """One quick reply chip: ``id`` comes back as the choice."""

    id: str
    title: str
    image_url: str | None = None


class QuickReplies(PolychatModel):
    """A text with quick reply chips that disappear once one is tapped."""

    text: str
    replies: list[QuickReply]
    kind: Literal["quick_replies"] = "quick_replies"

    @field_validator("replies")
    @classmethod
    def _some(cls, v: list[QuickReply]) -> list[QuickReply]:
        if not v:
            raise ValueError("at least one quick reply is needed")
        return v


class ListItem(PolychatModel):
    """One selectable row of a list picker."""

    id: str
    title: str
    description: str | None = None
    image_url: str | None = None


class ListSection(PolychatModel):
    """A titled group of list items."""

    title: str | None = None
    items: list[ListItem]


class ListPicker(PolychatModel):
    """A list the user opens with ``button`` and picks one item from."""

    text: str
    button: str
    sections: list[ListSection]
    header: str | None = None
    footer: str | None = None
    multiple_selection: bool = False
    """Allow picking several items (Apple list picker)."""
    kind: Literal["list"] = "list"

    @field_validator("sections")
    @classmethod
    def _some(cls, v: list[ListSection]) -> list[ListSection]:
        if not v or not any(s.items for s in v):
            raise ValueError("at least one section with one item is needed")
        return v

    @property
    def items(self) -> list[ListItem]:
        """All items of all sections, in order."""
        return [item for section in self.sections for item in section.items]


class Card(PolychatModel):
    """One card of a carousel."""

    title: str
    subtitle: str | None = None
    image_url: str | None = None
    buttons: list[Button] = Field(default_factory=list)
    default_url: str | None = None
    """URL opened by tapping the card itself (Messenger ``default_action``)."""


class Carousel(PolychatModel):
    """A horizontally scrolling set of cards."""

    cards: list[Card]
    kind: Literal["carousel"] = "carousel"

    @field_validator("cards")
    @classmethod
    def _some(cls, v: list[Card]) -> list[Card]:
        if not v:
            raise ValueError("at least one card is needed")
        return v


class TimeSlot(PolychatModel):
    """A bookable time slot."""

    id: str
    start: datetime
    duration: timedelta

    @field_validator("start")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        return v


class TimePicker(PolychatModel):
    """Pick one of a set of time slots (native on Apple; degraded elsewhere)."""

    title: str
    slots: list[TimeSlot]
    timezone: str = "UTC"
    """IANA timezone name used to show the slots, e.g. ``Europe/Paris``."""
    kind: Literal["time_picker"] = "time_picker"

    @field_validator("slots")
    @classmethod
    def _some(cls, v: list[TimeSlot]) -> list[TimeSlot]:
        if not v:
            raise ValueError("at least one slot is needed")
        return v


class TemplateComponent(PolychatModel):
    """Base class of typed template components (a header, a body, a button, a carousel…).

    The WhatsApp sub-package defines the concrete ones
    (:mod:`polychat.channels.whatsapp.templates`); :class:`Template` turns each into the Cloud
    API component dict it stands for with :meth:`to_wire`, so content stays channel-neutral and
    JSON round-trippable.
    """

    def to_wire(self) -> dict[str, Any]:
        """The Cloud API template component this object stands for, as a JSON-able dict."""
        raise NotImplementedError(f"{type(self).__name__} does not define to_wire()")


class Template(PolychatModel):
    """A pre-approved WhatsApp message template.

    ``components`` is a list (never a dict) of the Cloud API template components, given as dicts,
    e.g. ``[{"type": "body", "parameters": [{"type": "text", "text": "Ada"}]}]``, or as typed
    components (:class:`TemplateComponent` subclasses such as ``TemplateBody``), which are stored
    as the dicts they stand for. ``language`` must be the exact approved locale (``en_US`` and
    ``en`` are different templates).
    """

    name: str
    language: str
    components: list[dict[str, Any]] = Field(default_factory=list)
    """The components as Cloud API dicts (typed components are converted on construction)."""
    kind: Literal["template"] = "template"

    @field_validator("components", mode="before")
    @classmethod
    def _wire_components(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [c.to_wire() if isinstance(c, TemplateComponent) else c for c in value]
        return value


class Reaction(PolychatModel):
    """React to ``message_id`` with ``emoji``; an empty emoji removes the reaction."""

    message_id: str
    emoji: str = ""
    kind: Literal["reaction"] = "reaction"


class RichLink(PolychatModel):
    """A link with a title and preview image."""

    url: str
    title: str | None = None
    image_url: str | None = None
    kind: Literal["rich_link"] = "rich_link"


class Typing(PolychatModel):
    """Show (``on=True``) or hide the typing indicator.

    WhatsApp ties the indicator to an inbound ``message_id`` (and marks it read); ``ctx.typing()``
    fills it from the event being handled.
    """

    on: bool = True
    message_id: str | None = None
    kind: Literal["typing"] = "typing"


class MarkRead(PolychatModel):
    """Mark ``message_id`` (and everything before it) as read."""

    message_id: str
    kind: Literal["mark_read"] = "mark_read"


class Raw(PolychatModel):
    """Escape hatch: ``payload`` is sent as-is to one ``channel``, no checks applied.

    On WhatsApp and Messenger ``payload`` is the JSON body of the send call; keys the channel
    always needs (``messaging_product``, ``to``/``recipient``) are added when missing.
    """

    channel: str
    payload: dict[str, Any]
    kind: Literal["raw"] = "raw"


class PaymentItem(PolychatModel):
    """One line of a payment request. Amounts are decimals, never floats."""

    label: str
    amount: Decimal
    pending: bool = False
    """The amount is not final yet (Apple Pay ``type: pending``)."""


class PaymentRequest(PolychatModel):
    """Ask the customer to pay (Apple Pay in Apple Messages for Business).

    ``merchant`` is the Apple Pay merchant configuration (``merchantIdentifier``,
    ``supportedNetworks``, ``merchantCapabilities``…), ``merchant_session`` the opaque session the
    Apple Pay gateway returned for this payment, ``endpoints`` your ``paymentGatewayUrl`` and the
    optional update / fallback URLs. The payment token goes to your gateway, not to the hub.
    """

    title: str
    """Title of the bubble the customer taps."""
    items: list[PaymentItem]
    total: Decimal
    total_label: str = "Total"
    currency: str
    """ISO 4217 code, e.g. ``USD``."""
    country: str
    """ISO 3166 code of the merchant, e.g. ``US``."""
    merchant: dict[str, Any]
    merchant_session: dict[str, Any] | None = None
    endpoints: dict[str, str]
    required_billing_fields: list[str] = Field(default_factory=list)
    required_shipping_fields: list[str] = Field(default_factory=list)
    subtitle: str | None = None
    kind: Literal["payment_request"] = "payment_request"


class AuthRequest(PolychatModel):
    """Ask the customer to sign in with your OAuth 2 provider (Apple authentication message)."""

    title: str
    """Title of the bubble the customer taps."""
    scope: list[str]
    state: str
    """Your opaque value, returned with the result (check it)."""
    redirect_uri: str
    response_type: str = "code"
    subtitle: str | None = None
    reply_title: str = "Signed in"
    """Title of the bubble once the customer signed in."""
    kind: Literal["auth_request"] = "auth_request"


class FormOption(PolychatModel):
    """One choice of a form page."""

    id: str
    title: str
    value: str | None = None


class FormPage(PolychatModel):
    """One page of a form.

    ``type`` is ``select`` (tap one or several ``options``), ``picker`` (a wheel of ``options``),
    ``date`` (a date picker) or ``input`` (free text; ``placeholder``, ``keyboard``).
    """

    id: str
    type: Literal["select", "picker", "date", "input"]
    title: str
    subtitle: str | None = None
    options: list[FormOption] = Field(default_factory=list)
    multiple_selection: bool = False
    placeholder: str | None = None
    keyboard: str | None = None
    """Keyboard hint for ``input`` pages (``default``, ``emailAddress``, ``numberPad``…)."""
    required: bool = True
    next_page: str | None = None
    """Id of the page after this one; ``None`` submits the form."""


class Form(PolychatModel):
    """A multi-page form the customer fills in (Apple Messages forms)."""

    title: str
    """Title of the bubble the customer taps."""
    pages: list[FormPage]
    subtitle: str | None = None
    show_summary: bool = True
    kind: Literal["form"] = "form"

    @field_validator("pages")
    @classmethod
    def _some(cls, v: list[FormPage]) -> list[FormPage]:
        if not v:
            raise ValueError("a form needs at least one page")
        return v


class Unsupported(PolychatModel):
    """Inbound content polychat does not model (a poll, an order…); the item is in the event's raw."""

    type: str
    """The platform's name for the content type."""
    kind: Literal["unsupported"] = "unsupported"


Content = Annotated[
    Text | Image | Video | Audio | File | Sticker | Location | Contacts | Buttons | QuickReplies
    | ListPicker | Carousel | TimePicker | Template | Reaction | RichLink | Typing | MarkRead | Raw
    | PaymentRequest | AuthRequest | Form | Unsupported,
    Field(discriminator="kind"),
]
"""Any content model, discriminated by ``kind``."""
