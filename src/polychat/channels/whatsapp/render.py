"""Render polychat content as WhatsApp Cloud API request bodies (pure: no I/O).

:func:`build_message` returns the JSON body of ``POST /{phone-number-id}/messages``;
:func:`upload_request` builds the multipart ``POST /{phone-number-id}/media`` that turns ``data=``
bytes into a media id. Platform facts: ``shared/platforms/meta.md`` sections 4.1–4.7; every limit
comes from :data:`~polychat.channels.whatsapp.limits.LIMITS`, and a broken one raises
:class:`~polychat.errors.ContentError` whose ``limit`` is ``"whatsapp.<key>"``.

Mapping (content → ``type`` of the body):

==========================  =====================================================================
``Text``                    ``text`` (``body`` ≤ 4096, ``preview_url``)
``Image`` ``Video``         ``image`` / ``video``: ``link`` (url) or ``id`` (media_id), ``caption``
``File``                    ``document``: the same plus ``filename``
``Audio``                   ``audio``: no caption; ``voice: true`` for a voice note
``Sticker``                 ``sticker``: no caption
``Location``                ``location`` (numbers; ``name`` and ``address`` optional)
``Contacts``                ``contacts`` (1–5 cards)
``Buttons``                 ``interactive`` ``button`` (reply buttons) or ``cta_url`` (one url
                            button alone); see :mod:`._interactive`
``ListPicker``              ``interactive`` ``list``
``Template``                ``template``; components checked, see :mod:`._template`
``Reaction``                ``reaction`` (an empty emoji removes the reaction; no ``context``)
``MarkRead``                ``{"status": "read", "message_id": …}`` (no recipient)
``Typing(on=True)``         mark-read body plus ``typing_indicator`` (needs ``message_id``)
``Typing(on=False)``        ``{}``: WhatsApp has no "typing off" call, the channel sends nothing
``Raw("whatsapp", …)``      the payload, with ``messaging_product`` and the recipient added
``QuickReplies``,           ``UnsupportedContent`` (the hub degrades them)
``Carousel``, ``TimePicker``,
``RichLink``, ``Unsupported``
==========================  =====================================================================

The recipient is a phone number or ``wa_id`` (``recipient_type: individual`` + ``to``, whitespace
removed) or a business-scoped user id such as ``US.13491208655302741918`` (``recipient`` alone,
never both). ``reply_to`` adds ``context.message_id`` to ordinary messages.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from polychat._multipart import encode_multipart
from polychat.content import (
    Audio,
    Buttons,
    Carousel,
    Contact,
    Contacts,
    File,
    Image,
    ListPicker,
    Location,
    MarkRead,
    Media,
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
    Video,
)
from polychat.wire import HttpRequest

from ._check import check_count, check_length, check_required, fail, unsupported
from ._interactive import buttons_interactive, list_interactive
from ._template import template_object
from .limits import LIMITS

if TYPE_CHECKING:
    from .channel import WhatsApp

__all__ = ["build_message", "upload_request"]

PRODUCT = "whatsapp"

_BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]+")
"""A business-scoped user id: country prefix, a dot, alphanumerics (``US.ENT.…`` for parents)."""

_MEDIA_TYPE: dict[type[Media], str] = {
    Image: "image", Video: "video", Audio: "audio", File: "document", Sticker: "sticker",
}
"""Media class → WhatsApp message ``type``."""

_CAPTIONED = frozenset({"image", "video", "document"})

_DEGRADED_BY_HUB = (QuickReplies, Carousel, TimePicker, RichLink, Unsupported)

_OFFICE = "application/vnd.openxmlformats-officedocument"
_UPLOAD_TYPES: dict[str, dict[str, str]] = {
    "image": {"image/jpeg": "jpg", "image/png": "png"},
    "video": {"video/mp4": "mp4", "video/3gpp": "3gp"},
    "audio": {"audio/aac": "aac", "audio/amr": "amr", "audio/mpeg": "mp3", "audio/mp4": "m4a",
              "audio/ogg": "ogg"},
    "sticker": {"image/webp": "webp"},
    "file": {"application/pdf": "pdf", "text/plain": "txt", "application/msword": "doc",
             "application/vnd.ms-excel": "xls", "application/vnd.ms-powerpoint": "ppt",
             f"{_OFFICE}.wordprocessingml.document": "docx",
             f"{_OFFICE}.spreadsheetml.sheet": "xlsx",
             f"{_OFFICE}.presentationml.presentation": "pptx"},
}
"""Media kind → MIME types WhatsApp accepts for it → default file extension (meta.md 4.7).
Documents also accept any other ``application/*`` type."""

_MIME_ALIASES = {"image/jpg": "image/jpeg", "audio/mp3": "audio/mpeg"}


def build_message(to: str, content: Any, *, reply_to: str | None = None) -> dict[str, Any]:
    """The JSON body of ``POST /{phone-number-id}/messages`` that sends ``content`` to ``to``.

    Args:
        to: a phone number (``+`` and formatting allowed), a ``wa_id``, or a business-scoped
            user id (``US.13491208655302741918``).
        content: a polychat content model.
        reply_to: the ``wamid`` of the message to quote (ignored for reactions, read receipts and
            typing indicators, which carry their own message id).

    Returns:
        The body as a dict; ``{}`` for ``Typing(on=False)``, which WhatsApp has no call for (the
        channel sends nothing).

    Raises:
        UnsupportedContent: WhatsApp has no form for this content (the hub may degrade it).
        ContentError: the content breaks a WhatsApp limit; ``limit`` names it.
    """
    if isinstance(content, MarkRead):
        return _read_receipt(content.message_id)
    if isinstance(content, Typing):
        return _typing(content)
    if isinstance(content, Raw):
        return _raw(to, content, reply_to)
    body = _recipient(to)
    if isinstance(content, Reaction):
        message_id = check_required(content.message_id, "reaction.message_id",
                                    "reaction message ids")
        return {**body, "type": "reaction",
                "reaction": {"message_id": message_id, "emoji": content.emoji}}
    kind, payload = _message(content)
    if reply_to:
        body["context"] = {"message_id": reply_to}
    body["type"] = kind
    body[kind] = payload
    return body


def _recipient(to: str) -> dict[str, Any]:
    """The envelope: ``messaging_product`` and either ``recipient`` (BSUID) or ``to``."""
    to = "".join(str(to).split())
    if not to:
        fail("WhatsApp needs a recipient phone number, wa_id or user id", "recipient")
    if _BSUID.fullmatch(to):
        return {"messaging_product": PRODUCT, "recipient": to}
    return {"messaging_product": PRODUCT, "recipient_type": "individual", "to": to}


def _message(content: Any) -> tuple[str, Any]:
    """The ``type`` and its object for an ordinary (quotable) message."""
    if isinstance(content, Text):
        body = check_required(content.text, "text.body", "text bodies")
        return "text", {"body": body, "preview_url": content.preview_url}
    if isinstance(content, Media):
        return _media(content)
    if isinstance(content, Location):
        return "location", _location(content)
    if isinstance(content, Contacts):
        check_count(len(content.contacts), "contacts.count", "contact messages", "contact cards")
        return "contacts", [_contact(c) for c in content.contacts]
    if isinstance(content, Buttons):
        return "interactive", buttons_interactive(content)
    if isinstance(content, ListPicker):
        return "interactive", list_interactive(content)
    if isinstance(content, Template):
        return "template", template_object(content)
    if isinstance(content, _DEGRADED_BY_HUB):
        unsupported(f"WhatsApp has no native {type(content).__name__} message",
                    f"{content.kind}.unsupported")
    unsupported(f"WhatsApp cannot render {type(content).__name__} content", "content.unsupported")


def _media(content: Media) -> tuple[str, dict[str, Any]]:
    kind = next((k for cls, k in _MEDIA_TYPE.items() if isinstance(content, cls)), None)
    if kind is None:  # a Media subclass polychat does not know
        unsupported(f"WhatsApp cannot render {type(content).__name__} media",
                    "content.unsupported")
    if content.data is not None:
        fail(f"WhatsApp {kind} bytes must be uploaded first (POST /media) and sent by media id; "
             "the channel's send exchange does that", "media.upload_first")
    obj: dict[str, Any]
    if content.media_id is not None:
        obj = {"id": check_required(content.media_id, "media.id", "media ids")}
    else:
        link = content.url or ""
        if not link.startswith(("https://", "http://")):
            fail(f"WhatsApp media links must be http(s) URLs, got {link!r}", "media.link")
        obj = {"link": link}
    if content.caption:
        if kind not in _CAPTIONED:
            fail(f"WhatsApp {kind} messages have no caption", "media.caption")
        obj["caption"] = check_length(content.caption, "media.caption", "captions")
    if kind == "document" and content.filename:
        obj["filename"] = content.filename
    if isinstance(content, Audio) and content.voice:
        obj["voice"] = True
    return kind, obj


def _location(content: Location) -> dict[str, Any]:
    obj: dict[str, Any] = {"latitude": content.latitude, "longitude": content.longitude}
    if content.name:
        obj["name"] = content.name
    if content.address:
        obj["address"] = content.address
    return obj


def _contact(contact: Contact) -> dict[str, Any]:
    """One contact card. Meta wants a first or last name beside ``formatted_name``: when neither
    is given, the full name stands in as ``first_name``."""
    formatted = check_required(contact.name, "contacts.name", "contact names")
    name: dict[str, str] = {"formatted_name": formatted}
    if contact.first_name:
        name["first_name"] = contact.first_name
    if contact.last_name:
        name["last_name"] = contact.last_name
    if len(name) == 1:
        name["first_name"] = formatted
    card: dict[str, Any] = {"name": name}
    if contact.phones:
        card["phones"] = [{"phone": p} for p in contact.phones]
    if contact.emails:
        card["emails"] = [{"email": e} for e in contact.emails]
    if contact.organization:
        card["org"] = {"company": contact.organization}
    if contact.urls:
        card["urls"] = [{"url": u} for u in contact.urls]
    return card


def _read_receipt(message_id: str) -> dict[str, Any]:
    message_id = check_required(message_id, "mark_read.message_id", "read receipt message ids")
    return {"messaging_product": PRODUCT, "status": "read", "message_id": message_id}


def _typing(content: Typing) -> dict[str, Any]:
    if not content.on:
        return {}  # no "typing off" call: the indicator ends on reply or after 25 s
    if not content.message_id:
        fail("WhatsApp ties the typing indicator to an inbound message: Typing needs message_id",
             "typing.message_id")
    return {**_read_receipt(content.message_id), "typing_indicator": {"type": "text"}}


def _raw(to: str, content: Raw, reply_to: str | None) -> dict[str, Any]:
    """``Raw`` payloads are sent as given; only the envelope keys they lack are added."""
    if content.channel != PRODUCT:
        unsupported(f"Raw content for channel {content.channel!r} cannot be sent on WhatsApp",
                    "raw.channel")
    payload = copy.deepcopy(content.payload)
    payload.setdefault("messaging_product", PRODUCT)
    if payload.get("status") == "read":  # read receipt / typing: no recipient, no context
        return payload
    if "to" not in payload and "recipient" not in payload:
        for key, value in _recipient(to).items():
            payload.setdefault(key, value)
    if reply_to and "context" not in payload:
        payload["context"] = {"message_id": reply_to}
    return payload


# -- uploads --------------------------------------------------------------------------------------


def upload_request(channel: WhatsApp, media: Media) -> HttpRequest:
    """The multipart ``POST {graph}/{phone-number-id}/media`` that uploads ``media.data``.

    The form has ``messaging_product=whatsapp``, ``type=<mime>`` and the file part ``file``
    (named ``media.filename`` or ``<kind>.<ext>``). The response's ``id`` is the media id to send.

    Args:
        channel: the WhatsApp channel (URL and ``Authorization`` header).
        media: media with ``data`` bytes and ``mime_type``.

    Raises:
        ContentError: no bytes, a MIME type WhatsApp does not take for this kind, a non-OGG voice
            note, or a file over the kind's size limit (``whatsapp.media.<kind>``).
    """
    kind: str = getattr(media, "kind", "")
    if kind not in _UPLOAD_TYPES:
        unsupported(f"WhatsApp cannot upload {type(media).__name__} media", "content.unsupported")
    if not media.data:
        fail(f"WhatsApp {kind} uploads need data= bytes", f"media.{kind}")
    mime = _upload_mime(kind, media)
    _check_size(kind, media)
    filename = media.filename or f"{'document' if kind == 'file' else kind}." + (
        _UPLOAD_TYPES[kind].get(mime, "bin"))
    body, content_type = encode_multipart(
        {"messaging_product": PRODUCT, "type": mime},
        {"file": (filename, media.data, mime)},
    )
    return HttpRequest(
        method="POST",
        url=channel.graph_url(f"{channel.phone_number_id}/media"),
        headers={**channel.auth_headers(), "Content-Type": content_type},
        content=body,
    )


def _upload_mime(kind: str, media: Media) -> str:
    """The MIME type to declare (parameters dropped), checked against what WhatsApp takes."""
    given = media.mime_type or ""
    mime = given.split(";", 1)[0].strip().lower()
    mime = _MIME_ALIASES.get(mime, mime)
    accepted = _UPLOAD_TYPES[kind]
    if mime not in accepted and not (kind == "file" and mime.startswith("application/")):
        fail(f"WhatsApp {kind} uploads take {', '.join(accepted)}"
             + (" or another application/* type" if kind == "file" else "")
             + f", got {given!r}", f"media.{kind}.mime_type")
    if isinstance(media, Audio) and media.voice and mime != "audio/ogg":
        fail(f"WhatsApp voice notes must be OGG/OPUS (audio/ogg), got {given!r}",
             "audio.voice")
    return mime


def _check_size(kind: str, media: Media) -> None:
    size = len(media.data or b"")
    key = f"media.{kind}"
    if isinstance(media, Sticker) and media.animated is False:
        key = "sticker.static_size"
    limit = LIMITS[key]
    if size > limit:
        fail(f"WhatsApp {kind} uploads allow at most {_human(limit)} ({limit} bytes), got "
             f"{size} bytes", key)


def _human(size: int) -> str:
    """``5 MB``, ``100 KB``: a byte count for people (1 MB = 1024 * 1024 bytes)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"
