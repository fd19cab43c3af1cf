"""What the web page draws for a message the business sent: one small JSON "widget" per message.

The simulator records each send body exactly as the platform received it; these pure functions
read that body the way the customer's app would and return a plain dict the page's script draws
with the platform's look. Every widget has a ``type``:

- ``text``: ``text``, optional ``media`` (tiles shown above the text) and ``buttons``;
- ``media``: ``kind`` (image, video, audio, file, sticker), ``name``, ``caption``;
- ``buttons``: ``text``, ``header``, ``footer``, ``buttons`` (WhatsApp reply buttons, Messenger
  button templates);
- ``list``: ``text``, ``button``, ``sections`` of ``rows`` (WhatsApp list messages, Apple list
  pickers), opened in a sheet;
- ``quick_replies``: ``text``, ``replies`` (Messenger quick replies, Apple quick replies);
- ``carousel``: ``cards`` with ``title``, ``subtitle``, ``image``, ``buttons`` (Messenger generic
  templates);
- ``time_picker``: ``title``, ``slots``, ``zone`` (Apple time pickers), opened in a sheet;
- ``reaction``: ``target`` (a message id), ``emoji`` (empty: removed).

A button, reply, row or slot has ``id`` (what a tap sends; ``None`` when tapping does nothing in
the simulator, e.g. a URL button), ``title`` and ``action`` (``reply``, ``url``, ``call``,
``location``…). Any widget may carry ``reply_to``, the id of the message it quotes. Bodies these
functions do not know fall back to a ``text`` widget holding the simulator's text view, with the
message's tappable choices as buttons, so nothing the bot sends is ever hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["Widget", "apple_widget", "messenger_widget", "whatsapp_widget", "widget_for"]

Widget = dict[str, Any]
"""A widget: a JSON-ready dict with a ``type`` key (see the module docstring)."""
Choice = tuple[str, str, str]
"""A tappable choice as the simulator records it: (id, title, kind)."""

_OBJECT_REPLACEMENT = "\ufffc"  # where an Apple text body places each attachment
_MEDIA_KINDS = {"image": "image", "video": "video", "audio": "audio", "document": "file",
                "file": "file", "sticker": "sticker"}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _basename(url: str) -> str:
    tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return tail or url


def fallback(view: str, choices: Sequence[Choice]) -> Widget:
    """A text widget holding the simulator's view, with the choices as buttons."""
    return {"type": "text", "text": view,
            "buttons": [{"id": c[0], "title": c[1], "action": "reply"} for c in choices]}


# -- WhatsApp ------------------------------------------------------------------------------------


def _wa_media(kind: str, obj: Mapping[str, Any]) -> Widget:
    link = _str(obj.get("link"))
    name = _str(obj.get("filename")) or (_basename(link) if link else f"media {obj.get('id')}")
    return {"type": "media", "kind": _MEDIA_KINDS.get(kind, "file"), "name": name,
            "caption": _str(obj.get("caption")) or None}


def _wa_header(obj: Mapping[str, Any]) -> str | None:
    header = _dict(obj.get("header"))
    kind = _str(header.get("type"))
    if kind == "text":
        return _str(header.get("text")) or None
    if kind:
        return f"[{kind}]"
    return None


def _wa_interactive(obj: Mapping[str, Any], view: str, choices: Sequence[Choice]) -> Widget:
    kind = obj.get("type")
    action = _dict(obj.get("action"))
    text = _str(_dict(obj.get("body")).get("text"))
    common: Widget = {"text": text, "header": _wa_header(obj),
                      "footer": _str(_dict(obj.get("footer")).get("text")) or None}
    if kind == "button":
        buttons = []
        for button in _list(action.get("buttons")):
            reply = _dict(_dict(button).get("reply"))
            buttons.append({"id": _str(reply.get("id")), "title": _str(reply.get("title")),
                            "action": "reply"})
        return {"type": "buttons", **common, "buttons": buttons}
    if kind == "list":
        sections = []
        for section in _list(action.get("sections")):
            rows = [{"id": _str(_dict(r).get("id")), "title": _str(_dict(r).get("title")),
                     "description": _str(_dict(r).get("description")) or None}
                    for r in _list(_dict(section).get("rows"))]
            sections.append({"title": _str(_dict(section).get("title")) or None, "rows": rows})
        return {"type": "list", **common, "button": _str(action.get("button")) or "Options",
                "sections": sections}
    if kind == "cta_url":
        params = _dict(action.get("parameters"))
        return {"type": "buttons", **common, "buttons": [
            {"id": None, "title": _str(params.get("display_text")), "action": "url",
             "url": _str(params.get("url"))}]}
    if kind == "location_request_message":
        return {"type": "buttons", **common, "buttons": [
            {"id": None, "title": "Send location", "action": "location"}]}
    return fallback(view, choices)


def whatsapp_widget(body: Mapping[str, Any], view: str,
                    choices: Sequence[Choice] = ()) -> Widget | None:
    """The widget for a WhatsApp Cloud API send body (``None``: nothing shows in the chat).

    Args:
        body: the ``/messages`` request body as sent.
        view: the simulator's text view of it (the fallback).
        choices: its tappable choices, as the simulator recorded them.
    """
    kind = _str(body.get("type") or "text")
    obj = _dict(body.get(kind))
    widget: Widget
    if body.get("status") == "read":  # a read receipt / typing indicator, not a message
        return None
    if kind == "text":
        widget = {"type": "text", "text": _str(obj.get("body"))}
    elif kind in _MEDIA_KINDS:
        widget = _wa_media(kind, obj)
    elif kind == "interactive":
        widget = _wa_interactive(obj, view, choices)
    elif kind == "reaction":
        return {"type": "reaction", "target": _str(obj.get("message_id")),
                "emoji": _str(obj.get("emoji"))}
    else:
        widget = fallback(view, choices)
    reply_to = _dict(body.get("context")).get("message_id")
    if reply_to:
        widget["reply_to"] = _str(reply_to)
    return widget


# -- Messenger -----------------------------------------------------------------------------------


def _fb_button(button: Mapping[str, Any]) -> dict[str, Any]:
    kind = button.get("type")
    title = _str(button.get("title"))
    if kind == "postback":
        return {"id": _str(button.get("payload")), "title": title, "action": "reply"}
    if kind == "web_url":
        return {"id": None, "title": title, "action": "url", "url": _str(button.get("url"))}
    if kind == "phone_number":
        return {"id": None, "title": title, "action": "call"}
    return {"id": None, "title": title, "action": _str(kind)}


def _fb_attachment(attachment: Mapping[str, Any], view: str,
                   choices: Sequence[Choice]) -> Widget:
    payload = _dict(attachment.get("payload"))
    kind = attachment.get("type")
    if kind != "template":
        url = _str(payload.get("url"))
        name = _basename(url) if url else f"attachment {payload.get('attachment_id')}"
        return {"type": "media", "kind": _MEDIA_KINDS.get(_str(kind), "file"), "name": name,
                "caption": None}
    template = payload.get("template_type")
    if template == "button":
        return {"type": "buttons", "text": _str(payload.get("text")), "header": None,
                "footer": None,
                "buttons": [_fb_button(_dict(b)) for b in _list(payload.get("buttons"))]}
    if template == "generic":
        cards = []
        for element in map(_dict, _list(payload.get("elements"))):
            image = _str(element.get("image_url"))
            cards.append({"title": _str(element.get("title")),
                          "subtitle": _str(element.get("subtitle")) or None,
                          "image": _basename(image) if image else None,
                          "buttons": [_fb_button(_dict(b)) for b in _list(element.get("buttons"))]})
        return {"type": "carousel", "cards": cards}
    return fallback(view, choices)


def messenger_widget(body: Mapping[str, Any], view: str,
                     choices: Sequence[Choice] = ()) -> Widget | None:
    """The widget for a Messenger Send API body (``None``: nothing shows in the chat).

    Args:
        body: the ``/me/messages`` request body as sent.
        view: the simulator's text view of it (the fallback).
        choices: its tappable choices, as the simulator recorded them.
    """
    action = body.get("sender_action")
    if action in ("react", "unreact"):
        payload = _dict(body.get("payload"))
        return {"type": "reaction", "target": _str(payload.get("message_id")),
                "emoji": _str(payload.get("reaction")) if action == "react" else ""}
    if action:  # typing_on, typing_off, mark_seen: not a message
        return None
    message = _dict(body.get("message"))
    widget: Widget
    if "text" in message:
        widget = {"type": "text", "text": _str(message.get("text"))}
    elif message.get("attachment"):
        widget = _fb_attachment(_dict(message.get("attachment")), view, choices)
    else:
        widget = fallback(view, choices)
    replies: list[dict[str, Any]] = []
    for reply in map(_dict, _list(message.get("quick_replies"))):
        kind = reply.get("content_type", "text")
        if kind == "text":
            replies.append({"id": _str(reply.get("payload")), "title": _str(reply.get("title")),
                            "action": "reply"})
        else:
            title = {"user_phone_number": "My phone number", "user_email": "My email"}.get(
                _str(kind), _str(kind))
            replies.append({"id": None, "title": title, "action": _str(kind)})
    if replies:
        widget = {"type": "quick_replies", "text": widget.get("text") or view, "replies": replies}
    reply_to = _dict(body.get("reply_to")).get("mid")
    if reply_to:
        widget["reply_to"] = _str(reply_to)
    return widget


# -- Apple Messages for Business ----------------------------------------------------------------


def _apple_media_kind(mime: str) -> str:
    major = mime.split("/", 1)[0]
    return major if major in ("image", "video", "audio") else "file"


def _apple_text(body: Mapping[str, Any]) -> Widget:
    attachments = [_dict(a) for a in _list(body.get("attachments"))]
    text = " ".join(_str(body.get("body")).replace(_OBJECT_REPLACEMENT, " ").split())
    if not attachments:
        return {"type": "text", "text": _str(body.get("body"))}
    media = [{"kind": _apple_media_kind(_str(a.get("mimeType"))), "name": _str(a.get("name"))}
             for a in attachments]
    if len(media) == 1:
        return {"type": "media", **media[0], "caption": text or None}
    return {"type": "text", "text": text, "media": media}


def _apple_zone(offset: Any) -> str | None:
    if not isinstance(offset, int) or isinstance(offset, bool):
        return None
    sign = "+" if offset >= 0 else "-"
    return f"UTC{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


def _apple_interactive(interactive: Mapping[str, Any], view: str,
                       choices: Sequence[Choice]) -> Widget:
    data = _dict(interactive.get("data"))
    received = _dict(interactive.get("receivedMessage"))
    title = _str(received.get("title"))
    subtitle = _str(received.get("subtitle")) or None
    if "listPicker" in data:
        sections = []
        for section in map(_dict, _list(_dict(data.get("listPicker")).get("sections"))):
            rows = [{"id": _str(item.get("identifier")), "title": _str(item.get("title")),
                     "description": _str(item.get("subtitle")) or None}
                    for item in map(_dict, _list(section.get("items")))]
            sections.append({"title": _str(section.get("title")) or None, "rows": rows,
                             "multiple": bool(section.get("multipleSelection"))})
        return {"type": "list", "text": title or "Select an option", "subtitle": subtitle,
                "header": None, "footer": None, "button": "Tap to select", "sections": sections}
    if "event" in data:
        event = _dict(data.get("event"))
        titles = {c[0]: c[1] for c in choices if c[2] == "time_slot"}
        slots = [{"id": _str(slot.get("identifier")),
                  "title": titles.get(_str(slot.get("identifier"))) or _str(slot.get("startTime"))}
                 for slot in map(_dict, _list(event.get("timeslots")))]
        return {"type": "time_picker", "title": title or _str(event.get("title")) or "Pick a time",
                "subtitle": subtitle, "slots": slots, "zone": _apple_zone(event.get("timezoneOffset"))}
    if "quick-reply" in data:
        quick = _dict(data.get("quick-reply"))
        return {"type": "quick_replies", "text": _str(quick.get("summaryText")),
                "replies": [{"id": _str(item.get("identifier")), "title": _str(item.get("title")),
                             "action": "reply"} for item in map(_dict, _list(quick.get("items")))]}
    return fallback(view, choices)


def apple_widget(body: Mapping[str, Any], view: str, choices: Sequence[Choice] = (),
                 interactive: Mapping[str, Any] | None = None) -> Widget | None:
    """The widget for an Apple Messages for Business message body (``None``: nothing shows).

    Args:
        body: the decoded message body as sent.
        view: the simulator's text view of it (the fallback).
        choices: its tappable choices, as the simulator recorded them.
        interactive: its ``interactiveData``, resolved when it was sent by reference.
    """
    kind = body.get("type")
    if kind in ("typing_start", "typing_end"):
        return None
    if kind == "text":
        return _apple_text(body)
    if kind == "interactive":
        data = interactive if interactive is not None else _dict(body.get("interactiveData"))
        return _apple_interactive(data, view, choices) if data else fallback(view, choices)
    return fallback(view, choices)


_BY_CHANNEL: dict[str, Callable[..., Widget | None]] = {
    "whatsapp": whatsapp_widget,
    "messenger": messenger_widget,
    "apple": apple_widget,
}


def widget_for(channel: str, body: Mapping[str, Any], view: str, choices: Sequence[Choice] = (),
               **extra: Any) -> Widget | None:
    """The widget for a body sent on ``channel``; unknown channels get the text fallback."""
    convert = _BY_CHANNEL.get(channel)
    if convert is None:
        return fallback(view, choices)
    return convert(body, view, choices, **extra)
