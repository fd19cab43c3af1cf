"""Apple Pay requests and authentication (OAuth 2) requests (apple.md §4.8, §4.9).

Mapping:

- ``PaymentRequest`` (every device) → ``data.payment {paymentRequest {lineItems[{label, amount,
  type}], total {label, amount, type: "final"}, applePay: merchant, countryCode, currencyCode,
  requiredBillingContactFields, requiredShippingContactFields}, [merchantSession], endpoints}``
  with ``receivedMessage {title, subtitle}`` and no ``replyMessage`` (as Apple's samples).
  ``PaymentItem.pending`` → ``type: "pending"``. Amounts are decimal strings with at least two
  decimals (``Decimal("12")`` → ``"12.00"``, ``Decimal("0.125")`` → ``"0.125"``, never rounded),
  never floats. Whether the total equals the sum of the final items is not checked: Apple does
  not document it. ``endpoints`` must hold an https ``paymentGatewayUrl`` (Apple posts the
  payment token there); every endpoint must be https.
- ``AuthRequest`` (needs ``AUTH2`` or ``AUTH``) → ``data.authenticate.oauth2 {responseType,
  scope, state, redirectURI}`` and ``data.images: []`` (Apple's 2025 sample), with
  ``receivedMessage {title, subtitle}`` and ``replyMessage {title: reply_title}``. The channel
  posts it to ``/v1/authenticate``. This is the AUTH2-era form: no ``clientSecret`` or
  ``responseEncryptionKey`` (the old encrypted-token flow is not supported).
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from polychat.content import AuthRequest, PaymentRequest

from ._check import check_required, fail, require_capability
from ._interactive import bubble, interactive_data

__all__ = ["auth_request", "format_amount", "payment_request"]

_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CENT = Decimal("0.01")


def format_amount(value: Decimal, key: str, what: str) -> str:
    """``value`` as Apple Pay's decimal string: at least two decimals, never rounded.

    Raises:
        ContentError: not a finite decimal (``apple.<key>``).
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        fail(f"Apple Pay {what} must be finite decimals, got {value!r}", key)
    exponent = value.as_tuple().exponent
    try:
        if isinstance(exponent, int) and exponent > -2:
            value = value.quantize(_CENT)
    except InvalidOperation:
        fail(f"Apple Pay {what} are too large, got {value!r}", key)
    if value.is_zero():
        value = abs(value)
    return format(value, "f")


def _check_https(url: str | None, key: str, what: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme.lower() != "https" or not parts.hostname:
        fail(f"Apple Pay {what} must be absolute https URLs, got {url!r}", key)
    return str(url)


def payment_request(content: PaymentRequest, message_id: str) -> dict[str, Any]:
    """The ``interactiveData`` of an Apple Pay request.

    Raises:
        ContentError: no https ``paymentGatewayUrl`` or an endpoint that is not https
            (``apple.payment.endpoints``), no ``merchantIdentifier`` in ``merchant``
            (``apple.payment.merchant``), a currency that is not 3 letters
            (``apple.payment.currency``), a country that is not 2 letters
            (``apple.payment.country``), an empty label (``apple.payment.label``), an amount
            that is not finite (``apple.payment.amount``), a negative total
            (``apple.payment.total``), an empty title.
    """
    if not content.endpoints.get("paymentGatewayUrl"):
        fail("Apple Pay requests need endpoints['paymentGatewayUrl'] (Apple posts the payment "
             "token there)", "payment.endpoints")
    for name, url in content.endpoints.items():
        _check_https(url, "payment.endpoints", f"endpoints ({name})")
    merchant_id = content.merchant.get("merchantIdentifier")
    if not isinstance(merchant_id, str) or not merchant_id.strip():
        fail("Apple Pay requests need merchant['merchantIdentifier']", "payment.merchant")
    currency = content.currency.strip().upper()
    if not _CURRENCY.fullmatch(currency):
        fail(f"Apple Pay currencies are ISO 4217 codes (3 letters), got {content.currency!r}",
             "payment.currency")
    country = content.country.strip().upper()
    if not _COUNTRY.fullmatch(country):
        fail(f"Apple Pay countries are ISO 3166 codes (2 letters), got {content.country!r}",
             "payment.country")
    if content.total < 0:
        fail(f"Apple Pay totals cannot be negative, got {content.total}", "payment.total")
    line_items = [
        {"label": check_required(item.label, "payment.label", "line item labels"),
         "amount": format_amount(item.amount, "payment.amount", "amounts"),
         "type": "pending" if item.pending else "final"}
        for item in content.items
    ]
    total = {"label": check_required(content.total_label, "payment.label", "total labels"),
             "amount": format_amount(content.total, "payment.amount", "amounts"),
             "type": "final"}
    request = {
        "lineItems": line_items,
        "total": total,
        "applePay": copy.deepcopy(content.merchant),
        "countryCode": country,
        "currencyCode": currency,
        "requiredBillingContactFields": list(content.required_billing_fields),
        "requiredShippingContactFields": list(content.required_shipping_fields),
    }
    payment: dict[str, Any] = {"paymentRequest": request}
    if content.merchant_session is not None:
        payment["merchantSession"] = copy.deepcopy(content.merchant_session)
    payment["endpoints"] = dict(content.endpoints)
    return interactive_data(message_id, {"payment": payment},
                            received=bubble(content.title, content.subtitle, "payment titles"))


def auth_request(content: AuthRequest, message_id: str,
                 device: frozenset[str] | None) -> dict[str, Any]:
    """The ``interactiveData`` of an authentication request (sent to ``/v1/authenticate``).

    Raises:
        ContentError: no ``AUTH2``/``AUTH`` capability (``apple.device.AUTH2``), an empty scope
            (``apple.auth.scope``), an empty state (``apple.auth.state``), a redirect URI that is
            not https (``apple.auth.redirect_uri``), an empty response type
            (``apple.auth.response_type``), an empty title.
    """
    require_capability(device, "authentication requests", "AUTH2", "AUTH")
    scope = [s for s in content.scope if s.strip()]
    if not scope or len(scope) != len(content.scope):
        fail(f"Apple authentication requests need a scope of non-empty names, got "
             f"{content.scope!r}", "auth.scope")
    redirect = urlsplit(content.redirect_uri)
    if redirect.scheme.lower() != "https" or not redirect.hostname:
        fail(f"Apple authentication redirect URIs must be absolute https URLs, got "
             f"{content.redirect_uri!r}", "auth.redirect_uri")
    oauth2 = {
        "responseType": check_required(content.response_type, "auth.response_type",
                                       "OAuth response types"),
        "scope": list(content.scope),
        "state": check_required(content.state, "auth.state", "OAuth states"),
        "redirectURI": content.redirect_uri,
    }
    return interactive_data(
        message_id,
        {"authenticate": {"oauth2": oauth2}},
        received=bubble(content.title, content.subtitle, "authentication titles"),
        reply=bubble(content.reply_title, None, "authentication reply titles"),
        images=[],
    )
