"""Typed WhatsApp template components: build a template send without writing its dicts by hand.

Each class renders (:meth:`to_wire`) exactly the Cloud API component of ``shared/platforms/meta.md``
§4.4 and the spec's ``TemplateComponent`` (v23.0), and checks at construction what can be known
without the approved template: parameter names (``a``–``z`` and ``_``, ≤ 20 characters, meta.md
§4.4), one naming style per component, exact currency amounts, a media header with exactly one
source. Checks against the approved template itself live in :mod:`._template_validate`.

==================================  =================================================================
class                               component sent
==================================  =================================================================
``TemplateParam.text("Ada")``       ``{"type": "text", "text": "Ada"}`` (``parameter_name`` when
                                    named)
``TemplateParam.currency(...)``     ``{"type": "currency", "currency": {"fallback_value", "code",
                                    "amount_1000"}}``; ``amount_1000`` = amount × 1000, exactly
``TemplateParam.date_time(...)``    ``{"type": "date_time", "date_time": {"fallback_value"}}``
                                    (the Cloud API always shows the fallback value)
``TemplateHeader.text/.image/       ``{"type": "header", "parameters": [one parameter]}``
.video/.document/.location``
``TemplateBody(*params)``           ``{"type": "body", "parameters": [...]}``
``QuickReplyButton(i, payload)``    ``button`` ``quick_reply``, a ``payload`` parameter
``UrlButton(i, suffix)``            ``button`` ``url``, a ``text`` parameter (the dynamic URL suffix)
``CopyCodeButton(i, code)``         ``button`` ``copy_code``, a ``coupon_code`` parameter
``OtpButton(i, code)``              ``button`` ``url``, a ``text`` parameter: authentication
                                    templates (copy code, one-tap, zero-tap) send the code this way
``FlowButton(i, token, data)``      ``button`` ``flow``, an ``action`` parameter (``flow_token``,
                                    ``flow_action_data``)
``CatalogButton(i, product)``       ``button`` ``catalog``, an ``action`` parameter
                                    (``thumbnail_product_retailer_id``)
``LimitedTimeOffer(expires)``       ``{"type": "limited_time_offer", ...}`` (``expiration_time_ms``)
``TemplateCarousel(*cards)``        ``{"type": "carousel", "cards": [{"card_index", "components"}]}``
==================================  =================================================================

Sources beyond meta.md §4.4 and the spec: the copy-code, authentication (OTP), flow, catalog,
limited-time-offer and carousel send shapes are Meta's template guides (developers.facebook.com
``/whatsapp/templates/...``, 2026), which the spec's examples confirm for flow and catalog buttons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from polychat._model import PolychatModel
from polychat.content import TemplateComponent

from ._check import fail
from .limits import LIMITS

__all__ = [
    "BUTTON_INDEX_MAX",
    "CODE_MAX_LENGTH",
    "CarouselCard",
    "CatalogButton",
    "CopyCodeButton",
    "FlowButton",
    "LimitedTimeOffer",
    "OtpButton",
    "Param",
    "QuickReplyButton",
    "TemplateBody",
    "TemplateButton",
    "TemplateCarousel",
    "TemplateHeader",
    "TemplateParam",
    "UrlButton",
    "authentication_code",
]

PARAMETER_NAME = re.compile(r"[a-z_]+")
"""Named parameters use ``a``–``z`` and ``_`` (meta.md §4.4)."""
BUTTON_INDEX_MAX = 9
"""A button's ``index`` is its position, 0 to 9 (the spec's ``TemplateComponent.index``)."""
CODE_MAX_LENGTH = 15
"""Copy-code coupon codes and one-time passwords: at most 15 characters (Meta's coupon-code and
authentication template guides)."""
AMOUNT_1000_MAX = 2**31 - 1
"""``amount_1000`` is an ``int32`` (the spec's ``CurrencyObject``)."""
_CURRENCY = re.compile(r"[A-Z]{3}")


def _check_name(name: str | None) -> None:
    if name is None:
        return
    if not PARAMETER_NAME.fullmatch(name):
        fail(f"WhatsApp template parameter names use only a-z and _, got {name!r}",
             "template.parameter_name")
    limit = LIMITS["template.parameter_name"]
    if len(name) > limit:
        fail(f"WhatsApp template parameter names allow at most {limit} characters, got "
             f"{len(name)} ({name!r})", "template.parameter_name")


def _http_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(f"WhatsApp template {what} links must be absolute http(s) URLs, got {url!r}",
             "template.media")


# -- parameters ------------------------------------------------------------------------------------


class TemplateParam(PolychatModel):
    """One body (or header text) parameter: text, currency or date_time; positional or named.

    Build it with :meth:`text`, :meth:`currency` or :meth:`date_time`; ``name`` makes it a named
    parameter (``{{first_name}}``). Do not mix named and positional parameters in one component.

    Example:
        >>> TemplateParam.text("Ada", name="first_name").to_wire()
        {'type': 'text', 'text': 'Ada', 'parameter_name': 'first_name'}
        >>> TemplateParam.currency(Decimal("100.99"), "USD", "$100.99").to_wire()["currency"]
        {'fallback_value': '$100.99', 'code': 'USD', 'amount_1000': 100990}
    """

    type: Literal["text", "currency", "date_time"]
    """The parameter type."""
    value: str
    """The text, or the fallback value shown for a currency or a date_time."""
    name: str | None = None
    """The ``parameter_name`` of a named parameter (``None``: positional)."""
    currency_code: str | None = None
    """ISO 4217 code of a currency parameter."""
    amount_1000: int | None = None
    """Amount × 1000 of a currency parameter."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_name(self.name)
        if self.type == "currency":
            if self.currency_code is None or not _CURRENCY.fullmatch(self.currency_code):
                fail(f"WhatsApp currency parameters need an ISO 4217 code such as 'USD', got "
                     f"{self.currency_code!r}", "template.currency")
            if self.amount_1000 is None or abs(self.amount_1000) > AMOUNT_1000_MAX:
                fail("WhatsApp currency amounts times 1000 must fit a 32-bit integer, got "
                     f"{self.amount_1000!r}", "template.currency")
        return self

    @classmethod
    def text(cls, value: str, *, name: str | None = None) -> TemplateParam:
        """A text parameter (``name`` for a named one: ``{{name}}``)."""
        return cls(type="text", value=value, name=name)

    @classmethod
    def currency(cls, amount: Decimal | int | str, code: str, fallback: str | None = None, *,
                 name: str | None = None) -> TemplateParam:
        """A currency parameter; ``amount_1000`` is computed exactly from ``amount``.

        Args:
            amount: the amount, as a ``Decimal``, an ``int`` or a decimal string (never a float:
                money is exact). At most three decimal places.
            code: ISO 4217 currency code (``"USD"``).
            fallback: the text WhatsApp shows; default ``"<amount> <code>"`` (``"100.99 USD"``).
            name: the parameter name, for named templates.

        Raises:
            ContentError: a float, a non-number, more than three decimals, or an amount too large
                (``limit`` ``whatsapp.template.currency``).
        """
        if isinstance(amount, bool | float) or not isinstance(amount, Decimal | int | str):
            fail(f"WhatsApp currency amounts must be Decimal, int or str (never float), got "
                 f"{type(amount).__name__}", "template.currency")
        try:
            exact = Decimal(amount)
        except InvalidOperation:
            fail(f"WhatsApp currency amount {amount!r} is not a number", "template.currency")
        if not exact.is_finite():
            fail(f"WhatsApp currency amount {amount!r} is not a number", "template.currency")
        thousandths = exact * 1000
        if thousandths != thousandths.to_integral_value():
            fail(f"WhatsApp currency amounts allow at most three decimal places, got {amount}",
                 "template.currency")
        text = fallback if fallback is not None else f"{exact} {code}"
        return cls(type="currency", value=text, name=name, currency_code=code,
                   amount_1000=int(thousandths))

    @classmethod
    def date_time(cls, value: datetime | date | str, *, fallback: str | None = None,
                  name: str | None = None) -> TemplateParam:
        """A date_time parameter. The Cloud API always shows its fallback text.

        Args:
            value: a ``datetime``, a ``date`` or the text itself.
            fallback: the text to show; by default a ``date`` reads ``"February 25, 2026"`` and a
                ``datetime`` adds the time (``"February 25, 2026, 14:30 UTC"``). Pass your own
                for other languages.
            name: the parameter name, for named templates.
        """
        if fallback is None:
            fallback = _date_text(value) if not isinstance(value, str) else value
        return cls(type="date_time", value=fallback, name=name)

    def to_wire(self) -> dict[str, Any]:
        """The Cloud API parameter object."""
        wire: dict[str, Any]
        if self.type == "text":
            wire = {"type": "text", "text": self.value}
        elif self.type == "currency":
            wire = {"type": "currency", "currency": {
                "fallback_value": self.value, "code": self.currency_code,
                "amount_1000": self.amount_1000}}
        else:
            wire = {"type": "date_time", "date_time": {"fallback_value": self.value}}
        if self.name is not None:
            wire["parameter_name"] = self.name
        return wire


Param = TemplateParam
"""Short name of :class:`TemplateParam`: ``Param.text("Ada", name="first_name")``."""


def _date_text(value: datetime | date) -> str:
    text = f"{value:%B} {value.day}, {value.year}"
    if isinstance(value, datetime):
        text += f", {value:%H:%M}"
        zone = value.tzname()
        if zone:
            text += f" {zone}"
    return text


def _params(values: tuple[TemplateParam | str, ...]) -> list[TemplateParam]:
    return [TemplateParam.text(v) if isinstance(v, str) else v for v in values]


def _one_style(params: list[TemplateParam], where: str) -> None:
    named = [p.name for p in params if p.name is not None]
    if named and len(named) != len(params):
        fail(f"WhatsApp template {where} mixes named ({len(named)}) and positional "
             f"({len(params) - len(named)}) parameters; use one style per component",
             "template.parameter_format")
    seen: set[str] = set()
    for name in named:
        if name in seen:
            fail(f"WhatsApp template {where} names parameter {name!r} twice",
                 "template.parameter_name")
        seen.add(name)


# -- header and body -------------------------------------------------------------------------------


class TemplateHeader(TemplateComponent):
    """The header parameter of a template whose header has a variable or a media/location.

    Build it with :meth:`text`, :meth:`image`, :meth:`video`, :meth:`document` or
    :meth:`location`, matching the header format the template was approved with.

    Example:
        >>> TemplateHeader.image(url="https://example.com/h.jpg").to_wire()
        {'type': 'header', 'parameters': [{'type': 'image', 'image': {'link': 'https://example.com/h.jpg'}}]}
    """

    format: Literal["text", "image", "video", "document", "location"]
    """The header format this parameter fills."""
    parameter: TemplateParam | None = None
    """The text parameter of a text header."""
    link: str | None = None
    """Media URL (image, video, document)."""
    media_id: str | None = None
    """Uploaded media id (image, video, document)."""
    filename: str | None = None
    """Document file name shown to the customer."""
    latitude: float | None = None
    longitude: float | None = None
    place: str | None = None
    """Location name."""
    address: str | None = None
    """Location address."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.format == "text":
            if self.parameter is None or self.parameter.type != "text":
                fail("WhatsApp template text headers take one text parameter",
                     "template.header_format")
        elif self.format == "location":
            if self.latitude is None or self.longitude is None:
                fail("WhatsApp template location headers need latitude and longitude",
                     "template.header_format")
            if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
                fail(f"WhatsApp template location header is out of range: "
                     f"({self.latitude}, {self.longitude})", "template.header_format")
        else:
            if (self.link is None) == (self.media_id is None):
                fail(f"WhatsApp template {self.format} headers need exactly one of url= or "
                     "media_id=", "template.media")
            if self.link is not None:
                _http_url(self.link, f"{self.format} header")
        return self

    @classmethod
    def text(cls, parameter: TemplateParam | str, *, name: str | None = None) -> TemplateHeader:
        """The variable of a text header (``{{1}}``, or ``{{name}}`` with ``name=``)."""
        if isinstance(parameter, str):
            parameter = TemplateParam.text(parameter, name=name)
        return cls(format="text", parameter=parameter)

    @classmethod
    def image(cls, *, url: str | None = None, media_id: str | None = None) -> TemplateHeader:
        """An image header (``url=`` a public https link, or ``media_id=`` an upload)."""
        return cls(format="image", link=url, media_id=media_id)

    @classmethod
    def video(cls, *, url: str | None = None, media_id: str | None = None) -> TemplateHeader:
        """A video header."""
        return cls(format="video", link=url, media_id=media_id)

    @classmethod
    def document(cls, *, url: str | None = None, media_id: str | None = None,
                 filename: str | None = None) -> TemplateHeader:
        """A document header (PDF); ``filename`` is what the customer sees."""
        return cls(format="document", link=url, media_id=media_id, filename=filename)

    @classmethod
    def location(cls, latitude: float, longitude: float, *, name: str | None = None,
                 address: str | None = None) -> TemplateHeader:
        """A location header."""
        return cls(format="location", latitude=latitude, longitude=longitude, place=name,
                   address=address)

    def parameter_wire(self) -> dict[str, Any]:
        """The header's one parameter object."""
        if self.format == "text":
            assert self.parameter is not None  # checked at construction
            return self.parameter.to_wire()
        if self.format == "location":
            location: dict[str, Any] = {"latitude": self.latitude, "longitude": self.longitude}
            if self.place is not None:
                location["name"] = self.place
            if self.address is not None:
                location["address"] = self.address
            return {"type": "location", "location": location}
        media: dict[str, Any] = {"link": self.link} if self.link is not None else {
            "id": self.media_id}
        if self.format == "document" and self.filename is not None:
            media["filename"] = self.filename
        return {"type": self.format, self.format: media}

    def to_wire(self) -> dict[str, Any]:
        """The ``header`` component."""
        return {"type": "header", "parameters": [self.parameter_wire()]}


class TemplateBody(TemplateComponent):
    """The body parameters, in order: ``TemplateBody("Ada", Param.text("A1001"))``.

    Plain strings are positional text parameters. Named parameters carry their name
    (``Param.text("Ada", name="first_name")``); their order does not matter to WhatsApp.

    Example:
        >>> TemplateBody("Ada", "A1001").to_wire()
        {'type': 'body', 'parameters': [{'type': 'text', 'text': 'Ada'}, {'type': 'text', 'text': 'A1001'}]}
    """

    parameters: list[TemplateParam] = Field(default_factory=list)
    """The parameters, in order."""

    def __init__(self, /, *parameters: TemplateParam | str, **data: Any) -> None:
        if parameters:
            if "parameters" in data:
                raise TypeError("TemplateBody() got parameters both positionally and by keyword")
            data["parameters"] = _params(parameters)
        super().__init__(**data)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _one_style(self.parameters, "body")
        return self

    def to_wire(self) -> dict[str, Any]:
        """The ``body`` component."""
        return {"type": "body", "parameters": [p.to_wire() for p in self.parameters]}


# -- buttons ---------------------------------------------------------------------------------------


class TemplateButton(TemplateComponent):
    """Base of the button components: ``index`` is the button's position in the template (0 first).

    Only buttons with something to send have a component: quick replies (payload), dynamic URL
    buttons (suffix), copy-code and OTP buttons (the code), Flow and catalog buttons. Phone-number
    and static URL buttons have none.
    """

    sub_type: ClassVar[str]
    index: int
    """The button's position among the template's buttons, 0 first."""

    @model_validator(mode="after")
    def _check_index(self) -> Self:
        if not 0 <= self.index <= BUTTON_INDEX_MAX:
            fail(f"WhatsApp template button index is the button's position 0-{BUTTON_INDEX_MAX}, "
                 f"got {self.index}", "template.button")
        return self

    def parameter_wire(self) -> dict[str, Any]:
        """The button's one parameter object."""
        raise NotImplementedError

    def to_wire(self) -> dict[str, Any]:
        """The ``button`` component."""
        return {"type": "button", "sub_type": self.sub_type, "index": str(self.index),
                "parameters": [self.parameter_wire()]}


class QuickReplyButton(TemplateButton):
    """The payload of quick-reply button ``index``; a tap comes back as
    ``ChoiceSelected(source="template_button", choice_id=payload)``."""

    sub_type: ClassVar[str] = "quick_reply"
    payload: str
    """What the tap sends back (``choice_id``)."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.payload:
            fail("WhatsApp template quick-reply payloads cannot be empty", "template.button")
        return self

    def parameter_wire(self) -> dict[str, Any]:
        """``{"type": "payload", "payload": …}``."""
        return {"type": "payload", "payload": self.payload}


class UrlButton(TemplateButton):
    """The suffix of dynamic URL button ``index`` (the ``{{1}}`` at the end of its approved URL)."""

    sub_type: ClassVar[str] = "url"
    suffix: str
    """Appended to the approved URL prefix (``order-123`` for ``https://x.test/o/{{1}}``)."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.suffix:
            fail("WhatsApp template URL button suffixes cannot be empty", "template.button")
        return self

    def parameter_wire(self) -> dict[str, Any]:
        """``{"type": "text", "text": suffix}``."""
        return {"type": "text", "text": self.suffix}


def _check_code(code: str, what: str) -> None:
    if not code:
        fail(f"WhatsApp template {what} cannot be empty", "template.code")
    if len(code) > CODE_MAX_LENGTH:
        fail(f"WhatsApp template {what} allow at most {CODE_MAX_LENGTH} characters, got "
             f"{len(code)}", "template.code")


class CopyCodeButton(TemplateButton):
    """The coupon code of copy-code button ``index`` (marketing coupon templates; ≤ 15 characters)."""

    sub_type: ClassVar[str] = "copy_code"
    code: str
    """The code copied to the customer's clipboard."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_code(self.code, "coupon codes")
        return self

    def parameter_wire(self) -> dict[str, Any]:
        """``{"type": "coupon_code", "coupon_code": code}``."""
        return {"type": "coupon_code", "coupon_code": self.code}


class OtpButton(TemplateButton):
    """The one-time password of an authentication template's button ``index`` (≤ 15 characters).

    Copy-code, one-tap and zero-tap authentication templates all send the code as the parameter of
    a ``url`` button (Meta creates OTP buttons as URL buttons); the body needs the same code too:
    :func:`authentication_code` builds both.
    """

    sub_type: ClassVar[str] = "url"
    code: str
    """The one-time password."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_code(self.code, "one-time passwords")
        return self

    def parameter_wire(self) -> dict[str, Any]:
        """``{"type": "text", "text": code}``."""
        return {"type": "text", "text": self.code}


class FlowButton(TemplateButton):
    """The Flow button ``index``: ``token`` identifies this Flow session (it comes back in the
    ``FormSubmitted`` data), ``action_data`` is the first screen's data."""

    sub_type: ClassVar[str] = "flow"
    token: str
    """``flow_token``."""
    action_data: dict[str, Any] | None = None
    """``flow_action_data``."""

    def parameter_wire(self) -> dict[str, Any]:
        """``{"type": "action", "action": {"flow_token", "flow_action_data"?}}``."""
        action: dict[str, Any] = {"flow_token": self.token}
        if self.action_data is not None:
            action["flow_action_data"] = dict(self.action_data)
        return {"type": "action", "action": action}


class CatalogButton(TemplateButton):
    """The catalog button ``index``: the product whose image is the message's thumbnail."""

    sub_type: ClassVar[str] = "catalog"
    thumbnail_product: str
    """``thumbnail_product_retailer_id``: the product's retailer id (SKU)."""

    def parameter_wire(self) -> dict[str, Any]:
        """``{"type": "action", "action": {"thumbnail_product_retailer_id": …}}``."""
        return {"type": "action",
                "action": {"thumbnail_product_retailer_id": self.thumbnail_product}}


def authentication_code(code: str, *, button_index: int = 0) -> list[TemplateComponent]:
    """The components of an authentication template send: the code in the body and in its button.

    Example:
        >>> [c.to_wire()["type"] for c in authentication_code("123456")]
        ['body', 'button']
    """
    _check_code(code, "one-time passwords")
    return [TemplateBody(code), OtpButton(index=button_index, code=code)]


# -- limited-time offer and carousel ---------------------------------------------------------------


class LimitedTimeOffer(TemplateComponent):
    """When the offer of a limited-time-offer template expires (its countdown)."""

    expires: datetime
    """The offer's end (aware)."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.expires.tzinfo is None or self.expires.utcoffset() is None:
            fail("WhatsApp limited-time offers need an aware expiry datetime",
                 "template.limited_time_offer")
        return self

    def to_wire(self) -> dict[str, Any]:
        """The ``limited_time_offer`` component (``expiration_time_ms``: Unix milliseconds)."""
        millis = int(self.expires.timestamp() * 1000)
        return {"type": "limited_time_offer", "parameters": [
            {"type": "limited_time_offer", "limited_time_offer": {"expiration_time_ms": millis}}]}


CardButton = QuickReplyButton | UrlButton


class CarouselCard(PolychatModel):
    """One card of a media-card carousel template: its header media, body and buttons.

    ``index`` is the card's position (``card_index``, 0 first); every card of the template is sent.
    """

    index: int
    """The card's position, 0 first."""
    header: TemplateHeader
    """The card's image or video."""
    body: TemplateBody | None = None
    """The card body's parameters, when its text has variables."""
    buttons: list[CardButton] = Field(default_factory=list)
    """The card's quick-reply payloads and URL suffixes."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.index < 0:
            fail(f"WhatsApp carousel card index must be 0 or more, got {self.index}",
                 "template.carousel")
        if self.header.format not in ("image", "video"):
            fail(f"WhatsApp carousel card {self.index} headers are images or videos, got "
                 f"{self.header.format}", "template.carousel")
        return self

    def to_wire(self) -> dict[str, Any]:
        """``{"card_index": i, "components": [header, body?, buttons...]}``."""
        components = [self.header.to_wire()]
        if self.body is not None:
            components.append(self.body.to_wire())
        components.extend(b.to_wire() for b in self.buttons)
        return {"card_index": self.index, "components": components}


class TemplateCarousel(TemplateComponent):
    """The cards of a carousel template, in order: ``TemplateCarousel(card0, card1)``."""

    cards: list[CarouselCard] = Field(default_factory=list)
    """The cards (at least one)."""

    def __init__(self, /, *cards: CarouselCard | Mapping[str, Any], **data: Any) -> None:
        if cards:
            if "cards" in data:
                raise TypeError("TemplateCarousel() got cards both positionally and by keyword")
            data["cards"] = list(cards)
        super().__init__(**data)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.cards:
            fail("WhatsApp carousels need at least one card", "template.carousel")
        indexes = [c.index for c in self.cards]
        if len(set(indexes)) != len(indexes):
            fail(f"WhatsApp carousel card indexes repeat: {indexes}", "template.carousel")
        return self

    def to_wire(self) -> dict[str, Any]:
        """The ``carousel`` component."""
        return {"type": "carousel", "cards": [c.to_wire() for c in self.cards]}
