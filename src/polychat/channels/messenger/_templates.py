"""Typed helpers for the Messenger templates polychat content has no model for (meta.md 2.5).

:func:`media_template` and :func:`receipt_template` check Meta's rules and return
``Raw("messenger", {"message": {"attachment": {"type": "template", "payload": …}}})``; send it
like any content (``hub.send(address, media_template(...))``) and the renderer adds the
recipient, ``messaging_type`` and the other send options.

Money: amounts are given as :class:`~decimal.Decimal` (preferred), ``int``, a decimal string
(``"56.14"``) or a ``float``; they are kept as ``Decimal`` and turned into a JSON number only when
the body is built, as Meta's examples write them (``"total_cost": 56.14``). Whole amounts become
integers (``50``), others the float whose shortest form is the exact decimal; an amount with
more significant digits than a JSON double keeps raises ``ContentError`` instead of being rounded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias, TypeVar
from urllib.parse import urlsplit

from polychat.content import Button, Raw

from ._check import check_http_url, check_required, fail
from ._structured import button_object, template
from .limits import LIMITS

__all__ = [
    "Amount",
    "ReceiptAddress",
    "ReceiptAdjustment",
    "ReceiptElement",
    "media_template",
    "receipt_template",
]

Amount: TypeAlias = Decimal | int | float | str
"""A money amount: ``Decimal`` (preferred), ``int``, a decimal string or a ``float``."""

_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")


@dataclass(frozen=True, kw_only=True)
class ReceiptElement:
    """One item of a receipt: ``title`` and ``price`` are required."""

    title: str
    price: Amount
    subtitle: str | None = None
    quantity: int | None = None
    currency: str | None = None
    """ISO 4217 code of ``price`` when it differs from the receipt's currency."""
    image_url: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReceiptAddress:
    """The shipping address of a receipt (``street_2`` is optional)."""

    street_1: str
    city: str
    postal_code: str
    state: str
    """State abbreviation (US) or region/province."""
    country: str
    """Two-letter country code."""
    street_2: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReceiptAdjustment:
    """A payment adjustment such as a discount: a ``name`` and a fixed ``amount``."""

    name: str
    amount: Amount


_T = TypeVar("_T", ReceiptElement, ReceiptAddress, ReceiptAdjustment)


def media_template(
    media_type: str,
    *,
    attachment_id: str | None = None,
    url: str | None = None,
    buttons: Sequence[Button] = (),
    sharable: bool | None = None,
) -> Raw:
    """A media template: one image or video, from a saved attachment or a Facebook URL.

    Args:
        media_type: ``"image"`` or ``"video"`` (no audio).
        attachment_id: an id from the Attachment Upload API (see ``attachment_upload_body``).
        url: the URL of a photo or video posted on Facebook (``https://www.facebook.com/…`` or
            ``https://business.facebook.com/…``); other sites are refused by Meta.
        buttons: up to 3 buttons, mapped like the buttons of ``Buttons`` content.
        sharable: show Messenger's native share button.

    Returns:
        ``Raw`` content for the ``messenger`` channel.

    Raises:
        ContentError: a media type other than image/video (``messenger.media_template.media_type``),
            not exactly one of ``attachment_id``/``url`` (``messenger.media_template.source``),
            a URL outside facebook.com (``messenger.media_template.url``), more than 3 buttons
            (``messenger.media_template.buttons``) or a broken button limit.
    """
    if media_type not in ("image", "video"):
        fail(f"Messenger media templates take media_type 'image' or 'video', got {media_type!r}",
             "media_template.media_type")
    if (attachment_id is None) == (url is None):
        fail("Messenger media templates need exactly one of attachment_id= or url=",
             "media_template.source")
    element: dict[str, Any] = {"media_type": media_type}
    if attachment_id is not None:
        element["attachment_id"] = check_required(attachment_id, "media_template.source",
                                                  "media template attachment ids")
    else:
        element["url"] = _facebook_url(url)
    limit = LIMITS["media_template.buttons"]
    if len(buttons) > limit:
        fail(f"Messenger media templates allow at most {limit} buttons, got {len(buttons)}",
             "media_template.buttons")
    if buttons:
        element["buttons"] = [button_object(b) for b in buttons]
    payload: dict[str, Any] = {"template_type": "media", "elements": [element]}
    if sharable is not None:
        payload["sharable"] = sharable
    return Raw(channel="messenger", payload={"message": template(payload)})


def _facebook_url(url: str | None) -> str:
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not (host == "facebook.com" or host.endswith(".facebook.com")):
        fail("Messenger media templates only take https URLs of media posted on facebook.com "
             f"(upload other media with the Attachment Upload API and pass attachment_id=), "
             f"got {url!r}", "media_template.url")
    return str(url)


def receipt_template(
    *,
    recipient_name: str,
    order_number: str,
    currency: str,
    payment_method: str,
    total_cost: Amount,
    merchant_name: str | None = None,
    order_url: str | None = None,
    timestamp: datetime | int | str | None = None,
    elements: Sequence[ReceiptElement | Mapping[str, Any]] = (),
    address: ReceiptAddress | Mapping[str, Any] | None = None,
    subtotal: Amount | None = None,
    shipping_cost: Amount | None = None,
    total_tax: Amount | None = None,
    adjustments: Sequence[ReceiptAdjustment | Mapping[str, Any]] = (),
    sharable: bool | None = None,
) -> Raw:
    """A receipt template: an order confirmation with items, totals and shipping address.

    Args:
        recipient_name: the customer's name.
        order_number: the order number; Meta requires it to be unique.
        currency: ISO 4217 code, e.g. ``"USD"``.
        payment_method: free text such as ``"Visa 2345"``.
        total_cost: ``summary.total_cost`` (see the module docs for amounts).
        merchant_name: shown as logo text.
        order_url: link to the order.
        timestamp: when the order was placed: an aware ``datetime`` or Unix seconds; sent as a
            string of seconds.
        elements: up to 100 items, as :class:`ReceiptElement` or mappings of its fields.
        address: the shipping address, as :class:`ReceiptAddress` or a mapping of its fields.
        subtotal: ``summary.subtotal``.
        shipping_cost: ``summary.shipping_cost``.
        total_tax: ``summary.total_tax``.
        adjustments: discounts and the like, as :class:`ReceiptAdjustment` or mappings.
        sharable: show Messenger's native share button.

    Returns:
        ``Raw`` content for the ``messenger`` channel.

    Raises:
        ContentError: a required field is empty (``messenger.receipt.<field>``), a currency is
            not three capital letters, an amount is not a finite decimal
            (``messenger.receipt.<field>``), more than 100 elements (``messenger.receipt.elements``),
            a bad timestamp, quantity, URL or address.
    """
    payload: dict[str, Any] = {"template_type": "receipt"}
    if sharable is not None:
        payload["sharable"] = sharable
    payload["recipient_name"] = check_required(recipient_name, "receipt.recipient_name",
                                               "receipt recipient names")
    if merchant_name:
        payload["merchant_name"] = merchant_name
    payload["order_number"] = check_required(order_number, "receipt.order_number",
                                             "receipt order numbers")
    payload["currency"] = _currency(currency, "receipt.currency")
    payload["payment_method"] = check_required(payment_method, "receipt.payment_method",
                                               "receipt payment methods")
    if order_url:
        payload["order_url"] = check_http_url(order_url, "receipt.order_url", "receipt order URLs")
    if timestamp is not None:
        payload["timestamp"] = _timestamp(timestamp)
    limit = LIMITS["receipt.elements"]
    if len(elements) > limit:
        fail(f"Messenger receipts allow at most {limit} elements, got {len(elements)}",
             "receipt.elements")
    if elements:
        payload["elements"] = [_element(_coerce(ReceiptElement, e, "receipt.element"))
                               for e in elements]
    if address is not None:
        payload["address"] = _address(_coerce(ReceiptAddress, address, "receipt.address"))
    summary: dict[str, Any] = {}
    for name, value in (("subtotal", subtotal), ("shipping_cost", shipping_cost),
                        ("total_tax", total_tax), ("total_cost", total_cost)):
        if value is not None or name == "total_cost":
            summary[name] = _number(value, f"receipt.{name}")
    payload["summary"] = summary
    if adjustments:
        payload["adjustments"] = [_adjustment(_coerce(ReceiptAdjustment, a, "receipt.adjustment"))
                                  for a in adjustments]
    return Raw(channel="messenger", payload={"message": template(payload)})


def _coerce(cls: type[_T], value: _T | Mapping[str, Any], key: str) -> _T:
    """``value`` as a ``cls`` instance (a mapping is read as its keyword arguments)."""
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - allowed)
        if unknown:
            fail(f"Messenger {cls.__name__} has no field {', '.join(map(str, unknown))} "
                 f"(it takes {', '.join(sorted(allowed))})", key)
        try:
            return cls(**value)
        except TypeError as error:
            fail(f"Messenger {cls.__name__}: {error}", key)
    fail(f"expected a {cls.__name__} or a mapping of its fields, got {type(value).__name__}", key)


def _element(item: ReceiptElement) -> dict[str, Any]:
    element: dict[str, Any] = {
        "title": check_required(item.title, "receipt.element.title", "receipt element titles"),
    }
    if item.subtitle:
        element["subtitle"] = item.subtitle
    if item.quantity is not None:
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int) \
                or item.quantity < 1:
            fail(f"Messenger receipt element quantities must be whole numbers of at least 1, got "
                 f"{item.quantity!r}", "receipt.element.quantity")
        element["quantity"] = item.quantity
    element["price"] = _number(item.price, "receipt.element.price")
    if item.currency is not None:
        element["currency"] = _currency(item.currency, "receipt.element.currency")
    if item.image_url:
        element["image_url"] = check_http_url(item.image_url, "receipt.element.image_url",
                                              "receipt element image URLs")
    return element


def _address(address: ReceiptAddress) -> dict[str, Any]:
    rendered: dict[str, Any] = {}
    for name in ("street_1", "street_2", "city", "postal_code", "state", "country"):
        value = getattr(address, name)
        if name == "street_2":
            if value:
                rendered[name] = value
            continue
        rendered[name] = check_required(value, "receipt.address", f"receipt address {name}s")
    if not _COUNTRY.fullmatch(rendered["country"]):
        fail("Messenger receipt addresses need a two-letter country code, got "
             f"{address.country!r}", "receipt.address.country")
    return rendered


def _adjustment(adjustment: ReceiptAdjustment) -> dict[str, Any]:
    return {
        "name": check_required(adjustment.name, "receipt.adjustment.name",
                               "receipt adjustment names"),
        "amount": _number(adjustment.amount, "receipt.adjustment.amount"),
    }


def _currency(value: str | None, key: str) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        fail(f"Messenger receipt currencies are ISO 4217 codes (three capital letters, e.g. 'USD'), "
             f"got {value!r}", key)
    return value


def _timestamp(value: datetime | int | str) -> str:
    """Unix seconds as a string, from an aware datetime, an int or a string of digits."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            fail("Messenger receipt timestamps must be timezone-aware datetimes, got a naive one",
                 "receipt.timestamp")
        return str(int(value.timestamp()))
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    fail(f"Messenger receipt timestamps are Unix seconds (an aware datetime, an int or a string "
         f"of digits), got {value!r}", "receipt.timestamp")


def _decimal(value: object, key: str) -> Decimal:
    """``value`` as a finite ``Decimal`` (floats through their shortest repr, never binary)."""
    amount: Decimal | None = None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        fail(f"Messenger receipt amounts must be finite decimal numbers (Decimal, int, float or "
             f"a string such as '56.14'), got {value!r}", key)
    return amount


def _number(value: object, key: str) -> int | float:
    """The JSON number for an amount: an ``int`` when whole, else the exact-looking ``float``.

    This is the only place money becomes a float, at the JSON edge: ``json.dumps`` writes the
    shortest repr of the float, which is the decimal itself for up to 15 significant digits.
    """
    amount = _decimal(value, key)
    if amount == amount.to_integral_value():
        return int(amount)
    number = float(amount)
    if Decimal(repr(number)) != amount:
        fail(f"Messenger receipt amounts are JSON numbers; {amount} has more digits than a JSON "
             "number keeps exactly", key)
    return number
