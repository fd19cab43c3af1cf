"""Render polychat content as Messenger Send API request bodies (pure: no I/O).

:func:`build_message` returns the JSON body of ``POST /{page-id}/messages`` (the Page token goes
in the URL, never in the body); :func:`upload_form` gives the multipart fields of the same call
for ``data=`` media (upload-and-send); :func:`attachment_upload_body` is for
``POST /{page-id}/message_attachments`` (save an asset, get an ``attachment_id``). Platform
facts: ``shared/platforms/meta.md`` section 2. Every number comes from
:data:`~polychat.channels.messenger.limits.LIMITS`; a broken rule raises
:class:`~polychat.errors.ContentError` whose ``limit`` is ``"messenger.<key>"``, and a kind with
no Messenger form raises :class:`~polychat.errors.UnsupportedContent` with
``"messenger.<kind>.unsupported"`` (the hub degrades it).

Mapping (content → body):

===========================  ====================================================================
``Text``                     ``message.text`` (≤ 2000; longer is refused, the hub splits it);
                             ``preview_url`` is ignored (Messenger previews links by itself)
``Image`` ``Video``          ``message.attachment`` ``{type: image|video|audio|file, payload:
``Audio`` ``File``           {url, is_reusable: true}}`` or ``{payload: {attachment_id}}`` from
                             ``media_id``. No caption (refused: the hub sends it as a text);
                             ``data=`` bytes go through :func:`upload_form`
``QuickReplies``             ``message.text`` + ``quick_replies`` (1–13 ``content_type: text``
                             chips: ``title`` ≤ 20, ``payload`` = id ≤ 1000, ``image_url``)
``Buttons``                  button template (text ≤ 640, 1–3 buttons); see :mod:`._structured`
``Carousel``                 generic template (1–10 elements); see :mod:`._structured`
``Reaction``                 ``sender_action: react`` + ``payload {message_id, reaction}``; an
                             empty emoji → ``unreact`` + ``payload {message_id}``
``Typing``                   ``sender_action: typing_on`` / ``typing_off``
``MarkRead``                 ``sender_action: mark_seen`` (Messenger marks the whole thread seen;
                             the message id is not sent)
``Raw("messenger", …)``      the payload, with the recipient, ``messaging_type`` and the other
                             given send options added when missing
``Sticker`` ``Location``     ``UnsupportedContent`` (the hub degrades them)
``Contacts`` ``ListPicker``
``TimePicker`` ``Template``
``RichLink`` ``Unsupported``
any other content kind       ``UnsupportedContent`` with ``messenger.<kind>.unsupported``
===========================  ====================================================================

**Asking for the user's phone number or e-mail.** A ``QuickReply`` whose ``id`` is exactly
``"user_phone_number"`` or ``"user_email"`` renders as a chip of that ``content_type`` (Messenger
fills it with the number / address from the user's profile); its ``title`` and ``image_url`` are
not sent::

    QuickReplies("How can we reach you?", [QuickReply(id="user_email", title="E-mail"),
                                           QuickReply(id="user_phone_number", title="Phone")])

**Envelope.** Message bodies are ``{recipient, messaging_type, [tag], message,
[notification_type], [persona_id], [reply_to: {mid}]}``; ``reply_to`` sits at the top level, not
in ``message``; ``metadata`` (≤ 1000) goes in ``message.metadata``. Sender actions (reactions,
typing, mark seen) are ``{recipient, sender_action, [payload]}``: no ``messaging_type``, no
``message``, no ``reply_to``; typing indicators carry ``persona_id`` when given (Personas API).
Send options are written as given: the channel checks and normalises them (a ``tag`` implies
``messaging_type: MESSAGE_TAG``).

**Recipients** (:func:`recipient`): a PSID (digits), or ``user_ref:…``, ``post:…``,
``comment:…`` (private replies), ``token:…`` (``notification_messages_token``) and ``phone:…``.

Templates without a polychat content model (media, receipt) have typed helpers returning ``Raw``:
:func:`media_template` and :func:`receipt_template` (see :mod:`._templates`).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from polychat.content import (
    Buttons,
    Carousel,
    Contacts,
    ListPicker,
    Location,
    MarkRead,
    Media,
    QuickReplies,
    QuickReply,
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

from ._check import check_count, check_http_url, check_length, check_required, fail, unsupported
from ._media import FormFiles, as_json, attachment, attachment_upload_body, upload_file
from ._structured import button_template, generic_template
from ._templates import (
    Amount,
    ReceiptAddress,
    ReceiptAdjustment,
    ReceiptElement,
    media_template,
    receipt_template,
)

__all__ = [
    "Amount",
    "ReceiptAddress",
    "ReceiptAdjustment",
    "ReceiptElement",
    "attachment_upload_body",
    "build_message",
    "media_template",
    "receipt_template",
    "recipient",
    "upload_form",
]

CHANNEL = "messenger"

_PSID = re.compile(r"[0-9]+")
_RECIPIENT_PREFIXES: dict[str, str] = {
    "user_ref": "user_ref",
    "post": "post_id",
    "comment": "comment_id",
    "token": "notification_messages_token",
    "phone": "phone_number",
}
"""``prefix:value`` recipient forms → the ``recipient`` key Meta expects (meta.md 2.1)."""

_PROFILE_REPLIES = frozenset({"user_phone_number", "user_email"})
"""Quick reply ids that become the ``content_type`` asking for the user's phone or e-mail."""

_NO_MESSENGER_FORM = (Sticker, Location, Contacts, ListPicker, TimePicker, Template, RichLink,
                      Unsupported)


def recipient(to: str) -> dict[str, str]:
    """The ``recipient`` object for ``to``.

    Args:
        to: a PSID (``"1254459154682919"``), ``"user_ref:<ref>"`` (checkbox / chat plugin),
            ``"post:<post id>"`` or ``"comment:<comment id>"`` (private reply),
            ``"token:<notification_messages_token>"`` (marketing messages) or
            ``"phone:<+number>"`` (customer matching). Surrounding whitespace is ignored.

    Returns:
        ``{"id": psid}``, ``{"user_ref": …}``, ``{"post_id": …}``, ``{"comment_id": …}``,
        ``{"notification_messages_token": …}`` or ``{"phone_number": …}``.

    Raises:
        ContentError: any other form (``messenger.recipient``).
    """
    value = str(to).strip()
    if _PSID.fullmatch(value):
        return {"id": value}
    prefix, colon, rest = value.partition(":")
    key = _RECIPIENT_PREFIXES.get(prefix)
    if colon and key and rest.strip():
        return {key: rest.strip()}
    fail(f"Messenger recipients are a PSID (digits) or one of "
         f"{', '.join(p + ':…' for p in _RECIPIENT_PREFIXES)}; got {to!r}", "recipient")


def build_message(
    to: str,
    content: Any,
    *,
    reply_to: str | None = None,
    messaging_type: str = "RESPONSE",
    tag: str | None = None,
    notification_type: str | None = None,
    persona_id: str | None = None,
    metadata: str | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST /{page-id}/messages`` that sends ``content`` to ``to``.

    Args:
        to: the recipient, see :func:`recipient`.
        content: a polychat content model.
        reply_to: the ``mid`` of the message to quote (top-level ``reply_to``; not used by
            sender actions).
        messaging_type: ``RESPONSE``, ``UPDATE`` or ``MESSAGE_TAG`` (written as given).
        tag: the message tag (``HUMAN_AGENT``) with ``MESSAGE_TAG``.
        notification_type: ``REGULAR``, ``SILENT_PUSH`` or ``NO_PUSH``.
        persona_id: send as this Persona.
        metadata: a string (≤ 1000) echoed back in the ``message_echoes`` webhook.

    Returns:
        The body as a dict.

    Raises:
        UnsupportedContent: Messenger has no form for this content (the hub may degrade it).
        ContentError: the content breaks a Messenger rule; ``limit`` names it.
    """
    if isinstance(content, Raw):
        return _raw(to, content, reply_to=reply_to, messaging_type=messaging_type, tag=tag,
                    notification_type=notification_type, persona_id=persona_id,
                    metadata=metadata)
    action = _sender_action(to, content, persona_id)
    if action is not None:
        return action
    message = _message(content)
    if metadata:
        message["metadata"] = check_length(metadata, "metadata", "metadata strings")
    return _envelope(recipient(to), message, reply_to=reply_to, messaging_type=messaging_type,
                     tag=tag, notification_type=notification_type, persona_id=persona_id)


def _envelope(
    to: dict[str, str],
    message: dict[str, Any],
    *,
    reply_to: str | None,
    messaging_type: str,
    tag: str | None,
    notification_type: str | None,
    persona_id: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"recipient": to, "messaging_type": messaging_type}
    if tag:
        body["tag"] = tag
    body["message"] = message
    if notification_type:
        body["notification_type"] = notification_type
    if persona_id:
        body["persona_id"] = persona_id
    if reply_to:
        body["reply_to"] = {"mid": reply_to}
    return body


def _sender_action(to: str, content: Any, persona_id: str | None) -> dict[str, Any] | None:
    """The body of a sender action (reaction, typing, mark seen), or ``None`` for a message."""
    if isinstance(content, Reaction):
        message_id = check_required(content.message_id, "reaction.message_id",
                                    "reaction message ids")
        if content.emoji.strip():
            return {"recipient": recipient(to), "sender_action": "react",
                    "payload": {"message_id": message_id, "reaction": content.emoji}}
        return {"recipient": recipient(to), "sender_action": "unreact",
                "payload": {"message_id": message_id}}
    if isinstance(content, Typing):
        body: dict[str, Any] = {"recipient": recipient(to),
                                "sender_action": "typing_on" if content.on else "typing_off"}
        if persona_id:
            body["persona_id"] = persona_id
        return body
    if isinstance(content, MarkRead):
        return {"recipient": recipient(to), "sender_action": "mark_seen"}
    return None


def _message(content: Any) -> dict[str, Any]:
    """The ``message`` object of an ordinary message."""
    if isinstance(content, Text):
        return {"text": check_required(content.text, "text", "texts")}
    if isinstance(content, _NO_MESSENGER_FORM):
        unsupported(f"Messenger has no native {type(content).__name__} message",
                    f"{content.kind}.unsupported")
    if isinstance(content, Media):
        return {"attachment": attachment(content)}
    if isinstance(content, QuickReplies):
        return _quick_replies(content)
    if isinstance(content, Buttons):
        return button_template(content)
    if isinstance(content, Carousel):
        return generic_template(content)
    kind = getattr(content, "kind", None)
    unsupported(f"Messenger cannot render {type(content).__name__} content",
                f"{kind}.unsupported" if isinstance(kind, str) else "content.unsupported")


def _quick_replies(content: QuickReplies) -> dict[str, Any]:
    check_count(len(content.replies), "quick_replies.count", "quick replies", "replies")
    return {"text": check_required(content.text, "text", "texts"),
            "quick_replies": [_quick_reply(r) for r in content.replies]}


def _quick_reply(reply: QuickReply) -> dict[str, Any]:
    if reply.id in _PROFILE_REPLIES:
        return {"content_type": reply.id}
    chip: dict[str, Any] = {
        "content_type": "text",
        "title": check_required(reply.title, "quick_replies.title", "quick reply titles"),
        "payload": check_required(reply.id, "quick_replies.payload", "quick reply payloads"),
    }
    if reply.image_url:
        chip["image_url"] = check_http_url(reply.image_url, "quick_replies.image_url",
                                           "quick reply image URLs")
    return chip


def _raw(
    to: str,
    content: Raw,
    *,
    reply_to: str | None,
    messaging_type: str,
    tag: str | None,
    notification_type: str | None,
    persona_id: str | None,
    metadata: str | None,
) -> dict[str, Any]:
    """``Raw`` payloads are sent as given; only the envelope keys they lack are added.

    A payload with ``sender_action`` only gets the recipient; a message payload also gets
    ``messaging_type``, the given ``tag``/``notification_type``/``persona_id``/``reply_to``, and
    ``metadata`` inside its ``message``.
    """
    if content.channel != CHANNEL:
        unsupported(f"Raw content for channel {content.channel!r} cannot be sent on Messenger",
                    "raw.channel")
    payload = copy.deepcopy(content.payload)
    if "recipient" not in payload:
        payload["recipient"] = recipient(to)
    if "sender_action" in payload:
        return payload
    payload.setdefault("messaging_type", messaging_type)
    for key, value in (("tag", tag), ("notification_type", notification_type),
                       ("persona_id", persona_id)):
        if value:
            payload.setdefault(key, value)
    if reply_to:
        payload.setdefault("reply_to", {"mid": reply_to})
    message = payload.get("message")
    if metadata and isinstance(message, dict) and "metadata" not in message:
        message["metadata"] = check_length(metadata, "metadata", "metadata strings")
    return payload


# -- uploads --------------------------------------------------------------------------------------


def upload_form(
    to: str,
    media: Media,
    *,
    reply_to: str | None = None,
    messaging_type: str = "RESPONSE",
    tag: str | None = None,
    notification_type: str | None = None,
    persona_id: str | None = None,
    metadata: str | None = None,
) -> tuple[dict[str, str], FormFiles]:
    """The multipart form of ``POST /{page-id}/messages`` that uploads ``media.data`` and sends it.

    Fields, in order: ``recipient`` (JSON), ``messaging_type``, ``tag``, ``notification_type``,
    ``persona_id`` (when given), ``message`` (JSON ``{"attachment": {"type": …, "payload":
    {"is_reusable": true}}}``, plus ``metadata``), ``reply_to`` (JSON ``{"mid": …}``, when given).
    The file part is ``filedata`` → (``media.filename`` or ``<kind>.<ext>``, bytes, MIME type).

    Args:
        to: the recipient, see :func:`recipient`.
        media: ``Image``/``Video``/``Audio``/``File`` with ``data`` bytes and ``mime_type``.
        reply_to: the ``mid`` of the message to quote.
        messaging_type: as for :func:`build_message`.
        tag: as for :func:`build_message`.
        notification_type: as for :func:`build_message`.
        persona_id: as for :func:`build_message`.
        metadata: as for :func:`build_message`.

    Returns:
        ``(fields, files)`` for :func:`polychat._multipart.encode_multipart`.

    Raises:
        UnsupportedContent: a sticker (no Messenger form).
        ContentError: no bytes (``messenger.media.data``), a caption (``messenger.media.caption``),
            a file over 25 MB (``messenger.media.<kind>``), audio whose MIME type is not
            ``audio/*`` (``messenger.media.audio.mime_type``).
    """
    kind, filedata = upload_file(media)
    message: dict[str, Any] = {"attachment": {"type": kind, "payload": {"is_reusable": True}}}
    if metadata:
        message["metadata"] = check_length(metadata, "metadata", "metadata strings")
    fields: dict[str, str] = {"recipient": as_json(recipient(to)), "messaging_type": messaging_type}
    for key, value in (("tag", tag), ("notification_type", notification_type),
                       ("persona_id", persona_id)):
        if value:
            fields[key] = value
    fields["message"] = as_json(message)
    if reply_to:
        fields["reply_to"] = as_json({"mid": reply_to})
    return fields, {"filedata": filedata}
