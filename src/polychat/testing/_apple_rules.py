"""What Apple's MSP gateway accepts: the simulator's rules for ``/v1/message`` and ``/v1/authenticate``.

This module is the simulator's notion of what ``POST https://mspgw.push.apple.com/v1/message``
(and ``/v1/authenticate``) accept, written by hand from Apple's MSP REST API documentation and
tutorial samples as summarised in ``shared/platforms/apple.md`` (sections 2–4 and 6). It imports no
schema library and does no I/O. Numbers come from :data:`polychat.channels.apple.limits.LIMITS`, so
the simulator and the renderer never disagree about a limit.

Apple answers a refused request with an HTTP status and (usually) no body, so a :class:`Problem`
here carries the **HTTP status** as its ``code``: 400 for a malformed request, 401 for a missing
``Authorization``, 403 for a JWT that does not verify. The walking helpers are the Graph
validators' (:mod:`._graph_rules`) with every code set to 400.

Rules (apple.md section in brackets):

- authorization [2]: ``Authorization: Bearer <JWT>``; the JWT is a compact HS256 JWS signed with the
  Base64-decoded MSP secret, ``iss`` = the MSP id, ``iat`` a number of seconds not in the future
  and not older than an hour (both with five minutes of leeway; Apple's token lifetime is
  UNCONFIRMED, this is the simulator's choice). ``alg`` must be ``HS256``.
- headers [3.2]: ``id`` = body ``id`` (a UUID), ``Source-Id`` = body ``sourceId`` (= the business
  id), ``Destination-Id`` = body ``destinationId``, ``Content-Type: application/json``.
- body [3.3]: ``v`` is the integer 1; ``type`` is ``text``, ``richLink``, ``interactive``,
  ``typing_start`` or ``typing_end`` — ``close`` is inbound only; ``locale`` like ``en_US``; no key
  that does not belong to the type (the simulator is stricter than Apple here: Apple's behaviour
  on unknown keys is undocumented, and a misspelt key is a bug).
- text [4.1, 6.1]: non-empty ``body``; each attachment needs ``name``, ``mimeType``, ``size`` (a
  string of digits, at most 100 MB), ``signature-base64``, ``url``, ``owner`` and ``key`` (``00`` +
  64 hex digits), and ``body`` holds exactly one ``\\ufffc`` per attachment.
- richLink [4.3]: ``richLinkData`` with an http(s) ``url`` (custom schemes do not work), a ``title``
  and ``assets`` (``image`` = inline Base64 ``data`` ≤ 200 kB with an ``image/*`` type; ``video`` =
  ``url`` with a ``video/*`` type).
- interactive [4.4–4.11]: exactly one of ``interactiveData`` / ``interactiveDataRef``. For Apple's
  built-in ``bid``, ``data`` needs ``requestIdentifier``, ``version`` or ``mspVersion``, and exactly
  one of ``listPicker``, ``event`` (time picker), ``quick-reply``, ``payment``, ``authenticate``,
  ``dynamic`` (forms); images referred to by ``imageIdentifier`` must be in ``data.images``.
  List pickers need sections with items that have an ``identifier`` and a ``title``; time slots
  need a ``startTime`` of the form ``YYYY-MM-DDTHH:MM+0000`` and an integer ``duration`` (seconds);
  quick replies have 2–5 items. ``authenticate`` goes only to ``/v1/authenticate`` (and only
  ``authenticate`` goes there). A custom iMessage app (another ``bid``) needs ``appId``,
  ``appName`` and a ``URL`` of at most 64 KB. An ``interactiveDataRef`` must be one the gateway
  issued (the fake passes a resolver).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Final, Literal

from ..channels.apple.crypto import DEFAULT_LEEWAY, DEFAULT_MAX_AGE
from ..channels.apple.limits import BID, LIMITS
from ._graph_rules import (
    MISSING,
    Problem,
    Report,
    at,
    boolean,
    choice,
    field_array,
    get,
    json_kind,
    obj,
    objects,
    only,
    string,
    unique,
)

__all__ = [
    "BAD_REQUEST",
    "FORBIDDEN",
    "INTERACTIVE_KINDS",
    "MESSAGE_TYPES",
    "UNAUTHORIZED",
    "DataRefResolver",
    "Problem",
    "check_authorization",
    "check_message",
    "interactive_size",
]

BAD_REQUEST: Final = 400
UNAUTHORIZED: Final = 401
FORBIDDEN: Final = 403

MESSAGE_TYPES: Final = frozenset({"text", "richLink", "interactive", "typing_start", "typing_end"})
"""The ``type`` values a business may send (``close`` is inbound only)."""
INTERACTIVE_KINDS: Final = ("listPicker", "event", "quick-reply", "payment", "authenticate",
                            "dynamic")
"""The keys of ``interactiveData.data`` that say what an interactive message is."""
ATTACHMENT_KEYS: Final = ("name", "mimeType", "size", "signature-base64", "url", "owner", "key")
DATA_REF_KEYS: Final = ("bid", "owner", "url", "size", "signature", "signature-base64", "title",
                        "dataRefSig")
PLACEHOLDER: Final = "\ufffc"

DataRefResolver = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]
"""Given an ``interactiveDataRef``, the ``interactiveData`` it stands for (``None``: unknown)."""

_COMMON: Final = frozenset({"id", "sourceId", "destinationId", "v", "type", "locale"})
_TYPE_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "text": frozenset({"body", "attachments"}),
    "richLink": frozenset({"richLinkData"}),
    "interactive": frozenset({"interactiveData", "interactiveDataRef"}),
    "typing_start": frozenset(),
    "typing_end": frozenset(),
}
_UUID: Final = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_LOCALE: Final = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$")
_KEY: Final = re.compile(r"^00[0-9a-fA-F]{64}$")
_MIME: Final = re.compile(r"^[\w.+-]+/[\w.+-]+$")
_START_TIME: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}\+0000$")
_DECIMAL: Final = re.compile(r"^-?\d+(?:\.\d+)?$")
_HTTP_URL: Final = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
_CUSTOM_BID: Final = re.compile(r"^com\.apple\.messages\.MSMessageExtensionBalloonPlugin:[^:]+:.+$")
_BUBBLE_KEYS: Final = frozenset({"title", "subtitle", "secondarySubtitle", "tertiarySubtitle",
                                 "imageTitle", "imageSubtitle", "imageIdentifier", "style",
                                 "alternateTitle"})
_STYLES: Final = ("icon", "small", "large")
_FORM_PAGE_TYPES: Final = ("splash", "select", "picker", "datePicker", "input")


class _Report(Report):
    """Apple answers every malformed request with HTTP 400."""

    PARAM: ClassVar[int] = BAD_REQUEST
    MISSING: ClassVar[int] = BAD_REQUEST
    VALUE: ClassVar[int] = BAD_REQUEST
    TITLES: ClassVar[Mapping[int, str]] = {BAD_REQUEST: "Bad Request"}


def interactive_size(interactive: Any) -> int:
    """The size in bytes of an ``interactiveData`` object as compact JSON (the 10 KB rule)."""
    return len(json.dumps(interactive, separators=(",", ":"), ensure_ascii=False).encode())


# -- authorization (apple.md 2) ----------------------------------------------------------------


def _unb64url(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_authorization(headers: Mapping[str, str], *, key: bytes, msp_id: str, now: float,
                        leeway: float = DEFAULT_LEEWAY,
                        max_age: float = DEFAULT_MAX_AGE) -> Problem | None:
    """Check the ``Authorization`` of a request the MSP sent to Apple.

    :func:`polychat.channels.apple.crypto.verify_jwt` checks the *inbound* direction (``aud``);
    outbound tokens carry ``iss`` instead, so the gateway's check is written here.

    Args:
        headers: the request headers (any case).
        key: the HMAC key (the Base64-decoded MSP secret).
        msp_id: the MSP id the token's ``iss`` must be.
        now: the current Unix time (the simulator's clock).
        leeway: clock skew tolerated, in seconds.
        max_age: tokens issued longer ago than this are refused, in seconds.

    Returns:
        ``None`` when the token is good; else a problem with code 401 (no usable header) or 403
        (a token that does not verify).
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    header = lowered.get("authorization", "").strip()
    scheme, _, token = header.partition(" ")
    if not header or scheme.lower() != "bearer" or not token.strip():
        return Problem(UNAUTHORIZED, "Unauthorized", "Authorization: the header is missing "
                       "(send Authorization: Bearer <JWT>)")

    def refused(reason: str) -> Problem:
        return Problem(FORBIDDEN, "Forbidden", f"Authorization: {reason}")

    parts = token.strip().split(".")
    if len(parts) != 3:
        return refused("the token is not a compact JWS")
    try:
        jws_header = json.loads(_unb64url(parts[0]))
        claims = json.loads(_unb64url(parts[1]))
        signature = _unb64url(parts[2])
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return refused("the token's parts are not base64url JSON")
    if not isinstance(jws_header, dict) or jws_header.get("alg") != "HS256":
        return refused("the token's alg must be HS256")
    expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        return refused("the token's signature does not verify with the MSP secret")
    if not isinstance(claims, dict) or claims.get("iss") != msp_id:
        return refused("the token's iss is not this MSP id")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        return refused("the token has no numeric iat")
    if iat > now + leeway:
        return refused("the token was issued in the future (check the clock)")
    if now - iat > max_age + leeway:
        return refused("the token is too old (mint a fresh one)")
    return None


# -- small checks ------------------------------------------------------------------------------


def _b64(r: _Report, value: Mapping[str, Any], path: str, key: str, *,
         required: bool = True) -> bytes | None:
    text = string(r, value, path, key, required=required)
    if text is None:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        r.add(r.VALUE, at(path, key), "must be Base64")
        return None


def _http_url(r: _Report, value: Mapping[str, Any], path: str, key: str, *,
              required: bool = True) -> None:
    text = string(r, value, path, key, required=required)
    if text and not _HTTP_URL.match(text):
        r.add(r.VALUE, at(path, key), f"must be an http(s) URL (custom URL schemes do not work "
              f"in Messages), got {text!r}")


def _integer(r: _Report, value: Mapping[str, Any], path: str, key: str, *,
             required: bool = True, low: int | None = None, high: int | None = None) -> None:
    item = get(r, value, path, key, required)
    if item is MISSING:
        return
    if isinstance(item, bool) or not isinstance(item, int):
        r.add(r.PARAM, at(path, key), f"must be an integer, got {json_kind(item)}")
    elif (low is not None and item < low) or (high is not None and item > high):
        r.add(r.VALUE, at(path, key), f"must be between {low} and {high}, got {item}")


def _number(r: _Report, value: Mapping[str, Any], path: str, key: str, *,
            required: bool = True) -> None:
    item = get(r, value, path, key, required)
    if item is not MISSING and (isinstance(item, bool) or not isinstance(item, int | float)):
        r.add(r.PARAM, at(path, key), f"must be a number, got {json_kind(item)}")


def _mime(r: _Report, value: Mapping[str, Any], path: str, key: str, prefix: str = "") -> None:
    text = string(r, value, path, key)
    if text and (not _MIME.match(text) or not text.lower().startswith(prefix)):
        r.add(r.VALUE, at(path, key), f"must be a {prefix or 'MIME '}* type, got {text!r}")


def _strings(r: _Report, value: Mapping[str, Any], path: str, key: str, *,
             required: bool = True, min_items: int = 0) -> None:
    items = field_array(r, value, path, key, required=required, min_items=min_items)
    for i, item in enumerate(items or []):
        if not isinstance(item, str):
            r.add(r.PARAM, at(at(path, key), i), f"must be a string, got {json_kind(item)}")


# -- headers and the common fields (apple.md 3.2, 3.3) ----------------------------------------


def _headers(r: _Report, body: Mapping[str, Any], headers: Mapping[str, str],
             business_id: str | None) -> None:
    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = lowered.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        r.add(r.VALUE, "Content-Type", f"must be application/json, got {content_type!r}")
    pairs = (("id", "id"), ("source-id", "sourceId"), ("destination-id", "destinationId"))
    for header, key in pairs:
        value = lowered.get(header)
        if value is None:
            r.add(r.MISSING, f"header {header}", "is required")
        elif isinstance(body.get(key), str) and value != body[key]:
            r.add(r.VALUE, f"header {header}", f"must equal the body's {key} ({body[key]!r}), "
                  f"got {value!r}")
    source = body.get("sourceId")
    if business_id is not None and isinstance(source, str) and source != business_id:
        r.add(r.VALUE, "sourceId", f"{source!r} is not a business of this MSP")


def _common(r: _Report, body: Mapping[str, Any]) -> str | None:
    ident = string(r, body, "", "id")
    if ident and not _UUID.match(ident):
        r.add(r.VALUE, "id", f"must be a UUID, got {ident!r}")
    string(r, body, "", "sourceId")
    string(r, body, "", "destinationId")
    version = get(r, body, "", "v", True)
    if version is not MISSING and (isinstance(version, bool) or version != 1):
        r.add(r.VALUE, "v", f"must be the integer 1, got {version!r}")
    locale = string(r, body, "", "locale", required=False)
    if locale and not _LOCALE.match(locale):
        r.add(r.VALUE, "locale", f"must look like en_US, got {locale!r}")
    kind = string(r, body, "", "type")
    if kind == "close":
        r.add(r.VALUE, "type", "close is sent by Apple only; an MSP must never send it")
        return None
    if kind is not None and kind not in MESSAGE_TYPES:
        r.add(r.VALUE, "type", f"must be one of {', '.join(sorted(MESSAGE_TYPES))}; got {kind!r}")
        return None
    if kind is not None:
        for key in body:
            if key not in _COMMON and key not in _TYPE_KEYS[kind]:
                r.add(r.PARAM, key, f"unexpected key for a {kind} message")
    return kind


# -- text and attachments (apple.md 4.1, 6.1) -------------------------------------------------


def _text(r: _Report, body: Mapping[str, Any]) -> None:
    text = string(r, body, "", "body")
    items = field_array(r, body, "", "attachments", required=False, min_items=1)
    for where, attachment in objects(r, items or [], "attachments"):
        only(r, attachment, where, ATTACHMENT_KEYS)
        string(r, attachment, where, "name")
        _mime(r, attachment, where, "mimeType")
        size = get(r, attachment, where, "size", True)
        if size is not MISSING:
            if not isinstance(size, str) or not size.isdigit():
                r.add(r.PARAM, at(where, "size"), f"must be a string of digits (Apple: 'has to be "
                      f"of type string'), got {size!r}")
            elif not 0 < int(size) <= LIMITS["attachment.size"]:
                r.add(r.VALUE, at(where, "size"), f"must be 1 to {LIMITS['attachment.size']} "
                      f"bytes, got {size}")
        _b64(r, attachment, where, "signature-base64")
        _http_url(r, attachment, where, "url")
        string(r, attachment, where, "owner")
        key = string(r, attachment, where, "key")
        if key and not _KEY.match(key):
            r.add(r.VALUE, at(where, "key"), "must be '00' followed by 64 hex digits")
    if text is not None:
        count = text.count(PLACEHOLDER)
        expected = len(items or [])
        if count != expected:
            r.add(r.VALUE, "body", f"has {count} \\ufffc placeholder(s) for {expected} "
                  "attachment(s); put exactly one per attachment")


# -- rich link (apple.md 4.3) -------------------------------------------------------------------


def _rich_link(r: _Report, body: Mapping[str, Any]) -> None:
    data = get(r, body, "", "richLinkData", True)
    if data is MISSING or (link := obj(r, data, "richLinkData")) is None:
        return
    only(r, link, "richLinkData", ("url", "title", "assets"))
    _http_url(r, link, "richLinkData", "url")
    string(r, link, "richLinkData", "title")
    assets_value = get(r, link, "richLinkData", "assets", True)
    where = "richLinkData.assets"
    if assets_value is MISSING or (assets := obj(r, assets_value, where)) is None:
        return
    only(r, assets, where, ("image", "video"))
    image = get(r, assets, where, "image", False)
    if image is not MISSING and (found := obj(r, image, at(where, "image"))) is not None:
        here = at(where, "image")
        only(r, found, here, ("data", "mimeType"))
        raw = _b64(r, found, here, "data")
        if raw is not None and len(raw) > LIMITS["rich_link.image"]:
            r.add(r.VALUE, at(here, "data"), f"is {len(raw)} bytes; rich-link images are at most "
                  f"{LIMITS['rich_link.image']} bytes")
        _mime(r, found, here, "mimeType", "image/")
    video = get(r, assets, where, "video", False)
    if video is not MISSING and (found := obj(r, video, at(where, "video"))) is not None:
        here = at(where, "video")
        only(r, found, here, ("url", "mimeType"))
        _http_url(r, found, here, "url")
        _mime(r, found, here, "mimeType", "video/")


# -- interactive (apple.md 4.4–4.11, 3.5) ------------------------------------------------------


def _bubble(r: _Report, value: Mapping[str, Any], path: str, key: str,
            images: set[str]) -> None:
    item = get(r, value, path, key, False)
    where = at(path, key)
    if item is MISSING or (bubble := obj(r, item, where)) is None:
        return
    only(r, bubble, where, _BUBBLE_KEYS)
    for name in _BUBBLE_KEYS - {"style"}:
        string(r, bubble, where, name, required=False, empty=True)
    choice(r, bubble, where, "style", _STYLES, required=False)
    _image_ref(r, bubble, where, images)


def _image_ref(r: _Report, value: Mapping[str, Any], path: str, images: set[str]) -> None:
    ref = value.get("imageIdentifier")
    if isinstance(ref, str) and ref not in images:
        r.add(r.VALUE, at(path, "imageIdentifier"), f"{ref!r} is not the identifier of an "
              "image in data.images")


def _images(r: _Report, data: Mapping[str, Any], path: str) -> set[str]:
    items = field_array(r, data, path, "images", required=False)
    found: list[tuple[str, str | None]] = []
    for where, image in objects(r, items or [], at(path, "images")):
        only(r, image, where, ("identifier", "data", "description"))
        found.append((at(where, "identifier"), string(r, image, where, "identifier")))
        _b64(r, image, where, "data")
    unique(r, found, "image identifier")
    return {ident for _, ident in found if ident is not None}


def _list_picker(r: _Report, value: Any, path: str, images: set[str]) -> None:
    picker = obj(r, value, path)
    if picker is None:
        return
    only(r, picker, path, ("sections", "multipleSelection"))
    boolean(r, picker, path, "multipleSelection")
    sections = field_array(r, picker, path, "sections", min_items=1)
    idents: list[tuple[str, str | None]] = []
    for where, section in objects(r, sections or [], at(path, "sections")):
        only(r, section, where, ("title", "order", "multipleSelection", "items"))
        string(r, section, where, "title", required=False, empty=True)
        _integer(r, section, where, "order", required=False)
        boolean(r, section, where, "multipleSelection")
        items = field_array(r, section, where, "items", min_items=1)
        for here, item in objects(r, items or [], at(where, "items")):
            only(r, item, here, ("identifier", "order", "style", "title", "subtitle",
                                 "imageIdentifier"))
            idents.append((at(here, "identifier"), string(r, item, here, "identifier")))
            string(r, item, here, "title")
            string(r, item, here, "subtitle", required=False, empty=True)
            string(r, item, here, "style", required=False)
            _integer(r, item, here, "order", required=False)
            _image_ref(r, item, here, images)
    unique(r, idents, "item identifier")


def _start_time(r: _Report, slot: Mapping[str, Any], path: str) -> None:
    text = string(r, slot, path, "startTime")
    if text is None:
        return
    valid = bool(_START_TIME.match(text))
    if valid:
        try:
            datetime.strptime(text, "%Y-%m-%dT%H:%M%z")
        except ValueError:
            valid = False
    if not valid:
        r.add(r.VALUE, at(path, "startTime"), f"must be YYYY-MM-DDTHH:MM+0000 (UTC), got {text!r}")


def _time_picker(r: _Report, value: Any, path: str, images: set[str]) -> None:
    event = obj(r, value, path)
    if event is None:
        return
    only(r, event, path, ("identifier", "title", "timezoneOffset", "timeslots", "location",
                          "imageIdentifier"))
    string(r, event, path, "identifier", required=False)
    string(r, event, path, "title", required=False, empty=True)
    _integer(r, event, path, "timezoneOffset", required=False, low=-720, high=840)
    _image_ref(r, event, path, images)
    location = get(r, event, path, "location", False)
    where = at(path, "location")
    if location is not MISSING and (place := obj(r, location, where)) is not None:
        only(r, place, where, ("latitude", "longitude", "radius", "title"))
        _number(r, place, where, "latitude")
        _number(r, place, where, "longitude")
        _number(r, place, where, "radius", required=False)
        string(r, place, where, "title", required=False, empty=True)
    slots = field_array(r, event, path, "timeslots", min_items=1)
    idents: list[tuple[str, str | None]] = []
    for here, slot in objects(r, slots or [], at(path, "timeslots")):
        only(r, slot, here, ("identifier", "startTime", "duration"))
        idents.append((at(here, "identifier"), string(r, slot, here, "identifier")))
        _start_time(r, slot, here)
        _integer(r, slot, here, "duration", low=1, high=None)
    unique(r, idents, "timeslot identifier")


def _quick_reply(r: _Report, value: Any, path: str, images: set[str]) -> None:
    quick = obj(r, value, path)
    if quick is None:
        return
    only(r, quick, path, ("summaryText", "items"))
    string(r, quick, path, "summaryText", required=False, empty=True)
    items = field_array(r, quick, path, "items", min_items=LIMITS["quick_reply.min"],
                        max_items=LIMITS["quick_reply.max"])
    idents: list[tuple[str, str | None]] = []
    for where, item in objects(r, items or [], at(path, "items")):
        only(r, item, where, ("identifier", "title"))
        idents.append((at(where, "identifier"), string(r, item, where, "identifier")))
        string(r, item, where, "title")
    unique(r, idents, "item identifier")


def _amount(r: _Report, value: Mapping[str, Any], path: str) -> None:
    only(r, value, path, ("label", "amount", "type", "paymentTiming", "recurringPaymentStartDate",
                          "recurringPaymentIntervalUnit", "recurringPaymentIntervalCount"))
    string(r, value, path, "label")
    amount = string(r, value, path, "amount")
    if amount and not _DECIMAL.match(amount):
        r.add(r.VALUE, at(path, "amount"), f"must be a decimal string such as '10.00', got "
              f"{amount!r}")
    choice(r, value, path, "type", ("final", "pending"), required=False)


def _payment(r: _Report, value: Any, path: str, images: set[str]) -> None:
    payment = obj(r, value, path)
    if payment is None:
        return
    only(r, payment, path, ("paymentRequest", "merchantSession", "endpoints"))
    request_value = get(r, payment, path, "paymentRequest", True)
    where = at(path, "paymentRequest")
    if request_value is not MISSING and (request := obj(r, request_value, where)) is not None:
        total = get(r, request, where, "total", True)
        if total is not MISSING and (found := obj(r, total, at(where, "total"))) is not None:
            _amount(r, found, at(where, "total"))
        items = field_array(r, request, where, "lineItems", required=False)
        for here, item in objects(r, items or [], at(where, "lineItems")):
            _amount(r, item, here)
        country = string(r, request, where, "countryCode")
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            r.add(r.VALUE, at(where, "countryCode"), f"must be an ISO 3166 code, got {country!r}")
        currency = string(r, request, where, "currencyCode")
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            r.add(r.VALUE, at(where, "currencyCode"), f"must be an ISO 4217 code, got "
                  f"{currency!r}")
        pay = get(r, request, where, "applePay", True)
        here = at(where, "applePay")
        if pay is not MISSING and (merchant := obj(r, pay, here)) is not None:
            string(r, merchant, here, "merchantIdentifier")
            _strings(r, merchant, here, "supportedNetworks", min_items=1)
            _strings(r, merchant, here, "merchantCapabilities", min_items=1)
        _strings(r, request, where, "requiredBillingContactFields", required=False)
        _strings(r, request, where, "requiredShippingContactFields", required=False)
    session = get(r, payment, path, "merchantSession", False)
    if session is not MISSING:
        obj(r, session, at(path, "merchantSession"))
    endpoints_value = get(r, payment, path, "endpoints", True)
    where = at(path, "endpoints")
    if endpoints_value is not MISSING and (endpoints := obj(r, endpoints_value, where)) is not None:
        only(r, endpoints, where, ("paymentGatewayUrl", "fallbackUrl", "orderTrackingUrl",
                                   "paymentMethodUpdateUrl", "shippingContactUpdateUrl",
                                   "shippingMethodUpdateUrl"))
        for key in endpoints:
            _http_url(r, endpoints, where, key)
        if "paymentGatewayUrl" not in endpoints:
            r.add(r.MISSING, at(where, "paymentGatewayUrl"), "is required")


def _authenticate(r: _Report, value: Any, path: str, images: set[str]) -> None:
    auth = obj(r, value, path)
    if auth is None:
        return
    only(r, auth, path, ("oauth2",))
    oauth_value = get(r, auth, path, "oauth2", True)
    where = at(path, "oauth2")
    if oauth_value is MISSING or (oauth := obj(r, oauth_value, where)) is None:
        return
    only(r, oauth, where, ("responseType", "scope", "state", "redirectURI", "clientSecret",
                           "responseEncryptionKey"))
    string(r, oauth, where, "responseType")
    _strings(r, oauth, where, "scope", min_items=1)
    string(r, oauth, where, "state")
    _http_url(r, oauth, where, "redirectURI")
    string(r, oauth, where, "clientSecret", required=False)
    _b64(r, oauth, where, "responseEncryptionKey", required=False)


def _form(r: _Report, value: Any, path: str, images: set[str]) -> None:
    dynamic = obj(r, value, path)
    if dynamic is None:
        return
    string(r, dynamic, path, "template")
    string(r, dynamic, path, "version", required=False)
    data_value = get(r, dynamic, path, "data", True)
    where = at(path, "data")
    if data_value is MISSING or (data := obj(r, data_value, where)) is None:
        return
    string(r, data, where, "startPageIdentifier", required=False)
    boolean(r, data, where, "showSummary")
    pages = field_array(r, data, where, "pages", min_items=1)
    idents: list[tuple[str, str | None]] = []
    for here, page in objects(r, pages or [], at(where, "pages")):
        idents.append((at(here, "pageIdentifier"), string(r, page, here, "pageIdentifier")))
        choice(r, page, here, "type", _FORM_PAGE_TYPES)
        string(r, page, here, "title", required=False, empty=True)
        boolean(r, page, here, "submitForm")
        _image_ref(r, page, here, images)
    unique(r, idents, "pageIdentifier")
    start = data.get("startPageIdentifier")
    if isinstance(start, str) and start not in {i for _, i in idents}:
        r.add(r.VALUE, at(where, "startPageIdentifier"), f"{start!r} is not a page's "
              "pageIdentifier")


_KIND_CHECKS: Final[Mapping[str, Callable[[_Report, Any, str, set[str]], None]]] = {
    "listPicker": _list_picker,
    "event": _time_picker,
    "quick-reply": _quick_reply,
    "payment": _payment,
    "authenticate": _authenticate,
    "dynamic": _form,
}


def _built_in(r: _Report, interactive: Mapping[str, Any], path: str) -> str | None:
    only(r, interactive, path, ("bid", "data", "receivedMessage", "replyMessage",
                                "sessionIdentifier"))
    string(r, interactive, path, "sessionIdentifier", required=False)
    data_value = get(r, interactive, path, "data", True)
    where = at(path, "data")
    data = obj(r, data_value, where) if data_value is not MISSING else None
    images = _images(r, data, where) if data is not None else set()
    _bubble(r, interactive, path, "receivedMessage", images)
    _bubble(r, interactive, path, "replyMessage", images)
    if data is None:
        return None
    only(r, data, where, ("requestIdentifier", "version", "mspVersion", "images",
                          *INTERACTIVE_KINDS))
    string(r, data, where, "requestIdentifier")
    string(r, data, where, "version", required=False)
    string(r, data, where, "mspVersion", required=False)
    if "version" not in data and "mspVersion" not in data:
        r.add(r.MISSING, at(where, "version"), "is required (or mspVersion), e.g. \"1.0\"")
    kinds = [key for key in INTERACTIVE_KINDS if key in data]
    if len(kinds) != 1:
        what = f"has {', '.join(kinds)}" if kinds else "has none"
        r.add(r.VALUE if kinds else r.MISSING, where, f"needs exactly one of "
              f"{', '.join(INTERACTIVE_KINDS)}; {what}")
        return None
    _KIND_CHECKS[kinds[0]](r, data[kinds[0]], at(where, kinds[0]), images)
    return kinds[0]


def _custom_app(r: _Report, interactive: Mapping[str, Any], path: str) -> None:
    only(r, interactive, path, ("bid", "appId", "appName", "appIcon", "URL", "useLiveLayout",
                                "receivedMessage", "replyMessage", "sessionIdentifier", "data"))
    bid = interactive.get("bid")
    if isinstance(bid, str) and not _CUSTOM_BID.match(bid):
        r.add(r.VALUE, at(path, "bid"), "must be com.apple.messages.MSMessageExtensionBalloonPlugin"
              ":<team id>:<extension bundle id>")
    _integer(r, interactive, path, "appId", low=1, high=None)
    string(r, interactive, path, "appName")
    _b64(r, interactive, path, "appIcon", required=False)
    boolean(r, interactive, path, "useLiveLayout")
    string(r, interactive, path, "sessionIdentifier", required=False)
    link = string(r, interactive, path, "URL")
    if link is not None and len(link.encode()) > LIMITS["imessage_url"]:
        r.add(r.VALUE, at(path, "URL"), f"is {len(link.encode())} bytes; at most "
              f"{LIMITS['imessage_url']} allowed")
    _bubble(r, interactive, path, "receivedMessage", set())
    _bubble(r, interactive, path, "replyMessage", set())


def _interactive_data(r: _Report, value: Any, path: str) -> str | None:
    interactive = obj(r, value, path)
    if interactive is None:
        return None
    bid = string(r, interactive, path, "bid")
    if bid is None:
        return None
    if bid == BID:
        return _built_in(r, interactive, path)
    _custom_app(r, interactive, path)
    return "app"


def _data_ref(r: _Report, value: Any, resolve: DataRefResolver | None) -> str | None:
    path = "interactiveDataRef"
    ref = obj(r, value, path)
    if ref is None:
        return None
    before = len(r.problems)
    only(r, ref, path, DATA_REF_KEYS)
    for key in DATA_REF_KEYS:
        if key == "size":
            _integer(r, ref, path, key, low=1, high=None)
        else:
            string(r, ref, path, key)
    if len(r.problems) > before or resolve is None:
        return None
    resolved = resolve(ref)
    if resolved is None:
        r.add(r.VALUE, path, "is not a dataRef this gateway issued (send interactiveData, or "
              "the dataRef exactly as Apple answered it)")
        return None
    data = resolved.get("data")
    kinds = [k for k in INTERACTIVE_KINDS if isinstance(data, dict) and k in data]
    return kinds[0] if kinds else "app"


def _interactive(r: _Report, body: Mapping[str, Any], endpoint: str,
                 resolve: DataRefResolver | None) -> None:
    present = [key for key in ("interactiveData", "interactiveDataRef") if key in body]
    if len(present) != 1:
        r.add(r.PARAM if present else r.MISSING, "interactiveData",
              "use exactly one of interactiveData and interactiveDataRef")
        return
    if present[0] == "interactiveData":
        kind = _interactive_data(r, body["interactiveData"], "interactiveData")
    else:
        kind = _data_ref(r, body["interactiveDataRef"], resolve)
    if kind is None:
        return
    if kind == "authenticate" and endpoint != "authenticate":
        r.add(r.VALUE, "interactiveData.data.authenticate", "authentication messages go to "
              "/v1/authenticate, not /v1/message")
    elif kind != "authenticate" and endpoint == "authenticate":
        r.add(r.VALUE, "interactiveData.data", "/v1/authenticate only takes authentication "
              f"messages (data.authenticate); this is {kind}")


# -- the entry point ---------------------------------------------------------------------------


def check_message(body: Any, headers: Mapping[str, str], *,
                  endpoint: Literal["message", "authenticate"] = "message",
                  business_id: str | None = None,
                  resolve_data_ref: DataRefResolver | None = None) -> list[Problem]:
    """Validate one ``POST /v1/message`` (or ``/v1/authenticate``) body and its headers.

    ``Authorization`` is not looked at here (see :func:`check_authorization`).

    Args:
        body: the parsed JSON body.
        headers: the request headers (any case).
        endpoint: ``"message"`` or ``"authenticate"`` (the path the body was posted to).
        business_id: when given, ``sourceId`` must be it.
        resolve_data_ref: when given, an ``interactiveDataRef`` must resolve through it (to the
            ``interactiveData`` it stands for); without it only its shape is checked.

    Returns:
        The problems (all HTTP 400), most fundamental first; ``[]`` when Apple would accept it.
    """
    r = _Report()
    if not isinstance(body, dict):
        r.add(r.PARAM, "", f"must be a JSON object, got {json_kind(body)}")
        return r.problems
    _headers(r, body, headers, business_id)
    kind = _common(r, body)
    if kind == "text":
        _text(r, body)
    elif kind == "richLink":
        _rich_link(r, body)
    elif kind == "interactive":
        _interactive(r, body, endpoint, resolve_data_ref)
    if kind != "interactive" and endpoint == "authenticate" and kind is not None:
        r.add(r.VALUE, "type", "/v1/authenticate only takes interactive authentication messages")
    return r.problems
