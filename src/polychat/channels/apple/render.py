"""Render polychat content as Apple Messages for Business MSP API bodies (pure: no I/O).

:func:`build_message` returns the JSON body of ``POST /v1/message`` (``/v1/authenticate`` for an
:class:`~polychat.content.AuthRequest`: the channel picks the path); :func:`attachment_message`
the ``type: text`` body that carries uploaded attachments. Platform facts:
``shared/platforms/apple.md`` sections 3, 4 and 6. Every number comes from
:data:`~polychat.channels.apple.limits.LIMITS`; a broken rule raises
:class:`~polychat.errors.ContentError` whose ``limit`` is ``"apple.<key>"``, and a kind with no
Apple form raises :class:`~polychat.errors.UnsupportedContent` with ``"apple.<kind>.unsupported"``
(the hub degrades it).

Every body starts with ``{"v": 1, "id": message_id, "sourceId": business_id, "destinationId": to,
"type": …, ["locale"]}``; ``id`` is also the ``id`` header.

Mapping (content → body):

=========================  ========================================================================
``Text``                   ``type: text``, ``body`` (non-empty, ≤ ``LIMITS["text"]``);
                           ``preview_url`` is ignored (send a ``RichLink`` for a preview)
``Typing``                 ``type: typing_start`` (``on=True``) / ``typing_end``; no body
``RichLink``               ``type: richLink``, ``richLinkData {url, title, assets}``: ``url`` must be
                           http(s) (custom schemes do not open); ``title`` defaults to the URL's
                           host; ``assets.image {data: Base64, mimeType}`` when the channel passes
                           the fetched ``image`` (≤ ``LIMITS["rich_link.image"]``), else ``{}``
``ListPicker``             ``type: interactive``, ``data.listPicker`` (needs ``LIST``), see
                           :mod:`._pickers`
``TimePicker``             ``data.event`` (needs ``TIME``), see :mod:`._pickers`
``QuickReplies``           ``data["quick-reply"]`` (needs ``QUICK``, 2–5 replies), see :mod:`._pickers`
``Buttons``                reply buttons → quick reply (``QUICK``, 2–5) or a one-section list picker
                           (``LIST``); url/call buttons → ``ContentError`` ``apple.buttons.url``
``PaymentRequest``         ``data.payment`` (every device), see :mod:`._payment`
``AuthRequest``            ``data.authenticate.oauth2`` (needs ``AUTH2`` or ``AUTH``), see
                           :mod:`._payment`
``Form``                   ``data.dynamic`` ``messageForms`` (needs ``FORM``), see :mod:`._forms`
``Raw("apple", payload)``  the payload, with ``v``, ``id``, ``sourceId``, ``destinationId`` (and the
                           given ``locale``) added when missing
``Image`` ``Video``        ``UnsupportedContent``: the channel sends media through the attachment
``Audio`` ``File``         exchange (encrypt, preUpload, upload, then :func:`attachment_message`)
``Sticker`` ``Location``   ``UnsupportedContent`` (the hub degrades them or refuses)
``Contacts`` ``Carousel``
``Template`` ``Reaction``
``MarkRead``
``Unsupported``
=========================  ========================================================================

**Device capabilities.** Apple shows pickers only on devices whose ``capability-list`` names them
(apple.md §9 pitfall 7). ``device`` is the customer's last list; ``None`` (never seen) means no
capability at all. A missing capability raises a plain ``ContentError`` with
``limit="apple.device.<CAPABILITY>"`` (``apple.buttons.device`` for ``Buttons``), not
``UnsupportedContent``, so the hub degrades the content for this customer only.

**Interactive envelope** (see :mod:`._interactive`): ``interactiveData {bid, data
{requestIdentifier: message_id, version: "1.0", mspVersion: "1.0", …}, receivedMessage,
replyMessage}``. Both version keys are sent because Apple's samples disagree on which one each type
needs. Images inside pickers are not sent (no I/O while rendering), and the 10 KB inline limit is
not enforced here: the channel sends larger interactive bodies with ``include-data-ref``.
"""

from __future__ import annotations

import base64
import copy
from typing import Any
from urllib.parse import urlsplit

from polychat.content import (
    AuthRequest,
    Buttons,
    Carousel,
    Contacts,
    Form,
    ListPicker,
    Location,
    MarkRead,
    Media,
    PaymentRequest,
    QuickReplies,
    Raw,
    Reaction,
    RichLink,
    Sticker,
    Template,
    Text,
    TimePicker,
    Typing,
    Unsupported,
)
from polychat.errors import ConfigurationError

from ._check import check_http_url, check_length, check_required, fail, unsupported
from ._forms import form
from ._payment import auth_request, format_amount, payment_request
from ._pickers import buttons, list_picker, quick_reply, time_picker
from .limits import LIMITS

__all__ = ["PLACEHOLDER", "attachment_message", "build_message", "format_amount"]

CHANNEL = "apple"

PLACEHOLDER = "\ufffc"
"""U+FFFC OBJECT REPLACEMENT CHARACTER: one per attachment in the ``body`` of a text message."""

_NO_APPLE_FORM = (Sticker, Location, Contacts, Carousel, Template, Reaction, MarkRead, Unsupported)

_ATTACHMENT_KEYS = ("name", "mimeType", "size", "url", "owner", "key")
"""Keys every outbound attachment needs, besides ``signature-base64`` (apple.md §6.1)."""

_IMAGE_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"ftypheic", 4, "image/heic"),
)
"""Signatures that identify an image whose server sent a generic content type."""


def build_message(
    to: str,
    business_id: str,
    content: Any,
    *,
    message_id: str,
    device: frozenset[str] | None,
    locale: str | None = None,
    image: tuple[bytes, str] | None = None,
) -> dict[str, Any]:
    """The JSON body that sends ``content`` to the customer ``to``.

    Args:
        to: the customer's opaque id (``urn:mbid:…``; any non-blank string without whitespace).
        business_id: the business id (``sourceId``).
        content: a polychat content model.
        message_id: the message id (body ``id``, ``id`` header, and the ``requestIdentifier`` of
            interactive messages).
        device: the customer's last ``capability-list`` (upper-case names), or ``None`` when no
            list was seen: then no capability is assumed.
        locale: the message ``locale`` (e.g. ``"en_US"``), left out when ``None``.
        image: the rich link's image as ``(bytes, MIME type)``, fetched by the channel.

    Returns:
        The body as a dict (JSON-safe: amounts are strings).

    Raises:
        UnsupportedContent: Apple has no form for this content, or media (sent by the channel's
            attachment exchange, never through here).
        ContentError: the content breaks an Apple rule or needs a device capability the customer
            lacks; ``limit`` names it.
        ConfigurationError: an empty ``business_id`` or ``message_id``.
    """
    recipient = _check_recipient(to)
    if not business_id or not business_id.strip():
        raise ConfigurationError("Apple messages need the business id (sourceId)")
    if not message_id or not message_id.strip():
        raise ConfigurationError("Apple messages need a message id")
    caps = frozenset(c.strip().upper() for c in device) if device is not None else None
    if isinstance(content, Raw):
        return _raw(recipient, business_id, content, message_id, locale)
    if isinstance(content, _NO_APPLE_FORM):
        unsupported(f"Apple Messages for Business has no native {type(content).__name__} "
                    "message", f"{content.kind}.unsupported")
    if isinstance(content, Media):
        media_kind = str(getattr(content, "kind", "media"))
        unsupported(f"{type(content).__name__} is sent as an Apple attachment by the channel's "
                    "attachment exchange (encrypt, preUpload, upload), not by build_message",
                    f"{media_kind}.unsupported")
    if isinstance(content, Text):
        body = _envelope(recipient, business_id, message_id, "text", locale)
        body["body"] = check_required(content.text, "text", "texts")
        if PLACEHOLDER in content.text:
            fail("Apple texts cannot hold U+FFFC: it marks where an attachment shows",
                 "text.placeholder")
        return body
    if isinstance(content, Typing):
        return _envelope(recipient, business_id, message_id,
                         "typing_start" if content.on else "typing_end", locale)
    if isinstance(content, RichLink):
        body = _envelope(recipient, business_id, message_id, "richLink", locale)
        body["richLinkData"] = _rich_link(content, image)
        return body
    interactive = _interactive(content, message_id, caps)
    if interactive is None:
        kind = getattr(content, "kind", None)
        unsupported(f"Apple Messages for Business cannot render {type(content).__name__} content",
                    f"{kind}.unsupported" if isinstance(kind, str) else "content.unsupported")
    body = _envelope(recipient, business_id, message_id, "interactive", locale)
    body["interactiveData"] = interactive
    return body


def attachment_message(
    to: str,
    business_id: str,
    attachments: list[dict[str, Any]],
    *,
    message_id: str,
    text: str | None,
    locale: str | None = None,
) -> dict[str, Any]:
    """The ``type: text`` body that shows uploaded ``attachments`` (apple.md §6.1 step 4).

    ``body`` is one U+FFFC per attachment, after ``text`` and a space when there is a text
    (``"Here it is \\ufffc"``), else just the placeholders.

    Args:
        to: the customer's opaque id.
        business_id: the business id (``sourceId``).
        attachments: one dict per uploaded file, built by the channel: ``name``, ``mimeType``,
            ``size`` (a string), ``signature-base64``, ``url``, ``owner``, ``key``. Sent as given.
        message_id: the message id.
        text: the caption written before the attachments, or ``None``.
        locale: the message ``locale``, left out when ``None``.

    Raises:
        ContentError: no attachments or one missing a key (``apple.attachments``), a text that
            holds U+FFFC itself (``apple.text.placeholder``: it would misplace the attachments),
            a body over ``LIMITS["text"]``.
        ConfigurationError: an empty ``business_id`` or ``message_id``.
    """
    recipient = _check_recipient(to)
    if not business_id or not business_id.strip():
        raise ConfigurationError("Apple messages need the business id (sourceId)")
    if not message_id or not message_id.strip():
        raise ConfigurationError("Apple messages need a message id")
    if not attachments:
        fail("Apple attachment messages need at least one attachment", "attachments")
    for number, attachment in enumerate(attachments):
        missing = [k for k in _ATTACHMENT_KEYS if attachment.get(k) in (None, "")]
        if not (attachment.get("signature-base64") or attachment.get("signature")):
            missing.append("signature-base64")
        if missing:
            fail(f"Apple attachment {number} lacks {', '.join(missing)}", "attachments")
    if text and PLACEHOLDER in text:
        fail("Apple captions cannot hold U+FFFC: it marks where an attachment shows",
             "text.placeholder")
    placeholders = PLACEHOLDER * len(attachments)
    caption = text.strip() if text else ""
    body_text = f"{caption} {placeholders}" if caption else placeholders
    body = _envelope(recipient, business_id, message_id, "text", locale)
    body["body"] = check_length(body_text, "text", "texts")
    body["attachments"] = [dict(a) for a in attachments]
    return body


# -- helpers --------------------------------------------------------------------------------------


def _check_recipient(to: str) -> str:
    if not isinstance(to, str) or not to or any(c.isspace() for c in to):
        fail(f"Apple recipients are the customer's opaque id (urn:mbid:…, no whitespace), "
             f"got {to!r}", "recipient")
    return to


def _envelope(to: str, business_id: str, message_id: str, kind: str,
              locale: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"v": 1, "id": message_id, "sourceId": business_id,
                            "destinationId": to, "type": kind}
    if locale:
        body["locale"] = locale
    return body


def _interactive(content: Any, message_id: str,
                 device: frozenset[str] | None) -> dict[str, Any] | None:
    """The ``interactiveData`` of ``content``, or ``None`` when it is not interactive."""
    if isinstance(content, ListPicker):
        return list_picker(content, message_id, device)
    if isinstance(content, TimePicker):
        return time_picker(content, message_id, device)
    if isinstance(content, QuickReplies):
        return quick_reply(content, message_id, device)
    if isinstance(content, Buttons):
        return buttons(content, message_id, device)
    if isinstance(content, PaymentRequest):
        return payment_request(content, message_id)
    if isinstance(content, AuthRequest):
        return auth_request(content, message_id, device)
    if isinstance(content, Form):
        return form(content, message_id, device)
    return None


def _rich_link(content: RichLink, image: tuple[bytes, str] | None) -> dict[str, Any]:
    url = check_http_url(content.url, "rich_link.url", "rich link URLs (custom schemes do not "
                         "open)")
    title = content.title if content.title and content.title.strip() else urlsplit(url).hostname
    assets: dict[str, Any] = {}
    if image is not None:
        data, mime = image
        if not data:
            fail("Apple rich link images cannot be empty", "rich_link.image")
        if len(data) > LIMITS["rich_link.image"]:
            fail(f"Apple rich link images are at most {LIMITS['rich_link.image']} bytes, "
                 f"got {len(data)}", "rich_link.image")
        assets["image"] = {"data": base64.b64encode(data).decode("ascii"),
                           "mimeType": _image_type(data, mime)}
    return {"url": url, "title": title, "assets": assets}


def _image_type(data: bytes, mime: str) -> str:
    """The image's MIME type: the given one when it is ``image/*``, else sniffed from the bytes."""
    declared = mime.split(";")[0].strip().lower()
    if declared.startswith("image/"):
        return declared
    for magic, offset, sniffed in _IMAGE_MAGIC:
        if data[offset:offset + len(magic)] == magic:
            return sniffed
    fail(f"Apple rich link images must be images, got {declared or 'no type'} and bytes that "
         "are not PNG, JPEG, GIF, WebP or HEIC", "rich_link.image")


def _raw(to: str, business_id: str, content: Raw, message_id: str,
         locale: str | None) -> dict[str, Any]:
    """``Raw`` payloads are sent as given; only the common keys they lack are added."""
    if content.channel != CHANNEL:
        unsupported(f"Raw content for channel {content.channel!r} cannot be sent on Apple "
                    "Messages for Business", "raw.channel")
    payload = copy.deepcopy(content.payload)
    for key, value in (("v", 1), ("id", message_id), ("sourceId", business_id),
                       ("destinationId", to)):
        payload.setdefault(key, value)
    if locale:
        payload.setdefault("locale", locale)
    return payload
