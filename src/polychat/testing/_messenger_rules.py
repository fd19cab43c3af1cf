"""What the Messenger Send API accepts: the simulator's rules for send bodies and uploads.

This module is the simulator's notion of "what ``POST /{page-id}/messages`` accepts", written by
hand from Meta's Messenger Platform documentation as summarised in ``shared/platforms/meta.md``
(section 2 for the bodies and limits, 6.1 for the error envelope). It imports no schema library and
does no I/O. Limits come from :data:`polychat.channels.messenger.limits.LIMITS`, so the simulator
and ``render`` never disagree about a number.

Messenger answers every malformed send with error **100** ("invalid parameter") and names the
parameter in the message — ``(#100) Param recipient[id] must be a valid ID string`` — so every
:class:`Problem` here has code 100, its ``details`` say what is wrong, and :func:`error_envelope`
puts them into ``message`` (Messenger errors carry no ``error_data``). Meta adds subcodes to some
of these (2018047 and the like); the simulator leaves them out.

Rules, by part of the body (meta.md 2.1–2.7):

- top level: ``recipient``; then either ``message`` (with ``messaging_type``) or ``sender_action``
  (not both); ``tag``, ``notification_type``, ``persona_id``, ``reply_to``; nothing else.
- ``recipient``: exactly one of ``id`` (a PSID: digits), ``user_ref``, ``post_id``,
  ``comment_id``, ``notification_messages_token``, ``phone_number`` (which may come with
  ``name {first_name, last_name}``, customer matching).
- ``messaging_type``: ``RESPONSE``, ``UPDATE`` or ``MESSAGE_TAG``; ``MESSAGE_TAG`` needs ``tag``
  and a ``tag`` needs ``MESSAGE_TAG``; only ``HUMAN_AGENT`` is accepted — the other tags were
  switched off on 27 April 2026 and are refused with Meta's deprecation message.
- ``message``: exactly one of ``text`` (≤ 2000) / ``attachment``; ``quick_replies`` (1–13;
  ``text`` chips need ``title`` ≤ 20 and ``payload`` ≤ 1000; ``user_phone_number`` /
  ``user_email`` chips need neither); ``metadata`` (≤ 1000).
- ``attachment``: ``image`` / ``video`` / ``audio`` / ``file`` with ``payload {url (http/https),
  is_reusable}`` or ``payload {attachment_id}``; ``template`` with ``button`` (text ≤ 640, 1–3
  buttons), ``generic`` (1–10 elements; ``title`` ≤ 80 and at least one more field: ``subtitle``
  ≤ 80, ``image_url``, ``default_action``, ≤ 3 ``buttons``), ``media`` (exactly one element,
  ``media_type`` image|video, ``attachment_id`` or a facebook.com ``url``, ≤ 3 buttons) or
  ``receipt`` (``recipient_name``, ``order_number``, ``currency``, ``payment_method`` and
  ``summary.total_cost`` required; ≤ 100 elements).
- buttons: ``web_url`` (``url``, ``title``), ``postback`` (``title``, ``payload`` ≤ 1000),
  ``phone_number`` (``title``, ``payload`` = ``+`` and the number); titles ≤ 20.
- ``sender_action``: ``typing_on`` / ``typing_off`` / ``mark_seen`` / ``react`` / ``unreact``;
  ``react`` needs ``payload {message_id, reaction}``, ``unreact`` ``payload {message_id}``.
- ``reply_to``: ``{mid}``. ``notification_type``: ``REGULAR`` / ``SILENT_PUSH`` / ``NO_PUSH``.

Where meta.md marks a limit UNCONFIRMED (quick-reply title 20 and payload 1000, button title 20),
the simulator refuses longer values, as ``render`` does: Meta may truncate instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from ..channels.messenger.limits import LIMITS, MESSAGING_TYPES, NOTIFICATION_TYPES, TAGS
from ._graph_rules import (
    MISSING,
    Problem,
    Report,
    at,
    boolean,
    choice,
    field_array,
    get,
    graph_error_envelope,
    json_kind,
    obj,
    objects,
    only,
    string,
    url,
)

__all__ = [
    "DEPRECATED_TAGS",
    "INVALID_PARAMETER",
    "RECIPIENT_KEYS",
    "SENDER_ACTIONS",
    "Problem",
    "check_send_body",
    "check_upload",
    "error_envelope",
]

INVALID_PARAMETER: Final = 100
"""The code of every refusal below (Messenger's "invalid parameter")."""

RECIPIENT_KEYS: Final = ("id", "user_ref", "post_id", "comment_id", "notification_messages_token",
                         "phone_number")
"""The ways to name a recipient; a ``recipient`` has exactly one of them."""
SENDER_ACTIONS: Final = frozenset({"typing_on", "typing_off", "mark_seen", "react", "unreact"})
DEPRECATED_TAGS: Final = frozenset({"CONFIRMED_EVENT_UPDATE", "ACCOUNT_UPDATE",
                                    "POST_PURCHASE_UPDATE"})
"""Tags switched off on 27 April 2026: Meta answers error 100."""
MEDIA_ATTACHMENTS: Final = frozenset({"image", "video", "audio", "file"})
QUICK_REPLY_TYPES: Final = frozenset({"text", "user_phone_number", "user_email"})


class _Report(Report):
    """Messenger's codes: 100 for everything."""

    PARAM = INVALID_PARAMETER
    MISSING = INVALID_PARAMETER
    VALUE = INVALID_PARAMETER


def error_envelope(problem: Problem, trace_id: str) -> dict[str, Any]:
    """The Graph error body Messenger answers a refused request with (meta.md 6.1).

    Messenger says what is wrong in ``message`` itself and sends no ``error_data`` (and no
    ``messaging_product``), so the message is ``"(#<code>) <title>: <details>"``; a title that
    already starts with ``(#<code>)`` is not prefixed twice. ``error_subcode`` is there only when
    the problem has one.

    >>> error_envelope(Problem(100, "Invalid parameter", "message.text: is required"), "AbC")
    {'error': {'message': '(#100) Invalid parameter: message.text: is required', \
'type': 'OAuthException', 'code': 100, 'fbtrace_id': 'AbC'}}
    """
    text = problem.message.removeprefix(f"(#{problem.code}) ")
    if problem.details and problem.details != text:
        text = f"{text}: {problem.details}"
    return graph_error_envelope(problem.code, text, trace_id, subcode=problem.subcode)


# -- small checks ----------------------------------------------------------------------------------

_Check = Callable[[_Report, dict[str, Any], str], None]
_PSID: Final = re.compile(r"^[0-9]+$")
_PHONE: Final = re.compile(r"^\+[1-9][0-9]{4,14}$")
_CURRENCY: Final = re.compile(r"^[A-Z]{3}$")


def _number(r: _Report, value: Mapping[str, Any], path: str, key: str, *,
            required: bool = True) -> None:
    """A JSON number (or a string holding one, as Graph parameters may be)."""
    item = get(r, value, path, key, required)
    if item is MISSING:
        return
    if isinstance(item, bool) or not isinstance(item, (int, float, str)):
        r.add(r.PARAM, at(path, key), f"must be a number, got {json_kind(item)}")
        return
    try:
        float(item)
    except ValueError:
        r.add(r.VALUE, at(path, key), f"must be a number, got {item!r}")


def _currency(r: _Report, value: Mapping[str, Any], path: str, key: str, *,
              required: bool = True) -> None:
    code = string(r, value, path, key, required=required)
    if code and not _CURRENCY.match(code):
        r.add(r.VALUE, at(path, key), f"must be an ISO 4217 code such as 'USD', got {code!r}")


def _exactly_one(r: _Report, value: Mapping[str, Any], path: str,
                 keys: tuple[str, ...]) -> str | None:
    """The one key of ``keys`` present in ``value``; none or several are reported."""
    present = [key for key in keys if key in value]
    if len(present) == 1:
        return present[0]
    if present:
        r.add(r.PARAM, path, f"use only one of {', '.join(present)}")
    else:
        r.add(r.MISSING, at(path, keys[0]), f"is required (or {', '.join(keys[1:])})")
    return None


# -- recipient (meta.md 2.1) ---------------------------------------------------------------------


def _recipient(r: _Report, value: Any, path: str) -> None:
    recipient = obj(r, value, path)
    if recipient is None:
        return
    only(r, recipient, path, {*RECIPIENT_KEYS, "name"})
    key = _exactly_one(r, recipient, path, RECIPIENT_KEYS)
    if key is not None:
        ident = string(r, recipient, path, key)
        if key == "id" and ident and not _PSID.match(ident):
            r.add(r.VALUE, at(path, "id"),
                  f"must be a valid ID string (a page-scoped id, e.g. \"123\"), got {ident!r}")
    name = get(r, recipient, path, "name", required=False)
    if name is MISSING:
        return
    where = at(path, "name")
    if key != "phone_number":
        r.add(r.PARAM, where, "is only used with phone_number (customer matching)")
    elif (names := obj(r, name, where)) is not None:
        only(r, names, where, {"first_name", "last_name"})
        string(r, names, where, "first_name", required=False)
        string(r, names, where, "last_name", required=False)


# -- messaging type and tag (meta.md 2.1) --------------------------------------------------------


def _messaging(r: _Report, body: Mapping[str, Any], *, required: bool) -> None:
    kind = choice(r, body, "", "messaging_type", MESSAGING_TYPES, required=required)
    tag = get(r, body, "", "tag", required=False)
    if kind == "MESSAGE_TAG" and tag is MISSING:
        r.add(r.MISSING, "tag", "is required when messaging_type is MESSAGE_TAG (HUMAN_AGENT)")
        return
    if tag is MISSING:
        return
    if kind is not None and kind != "MESSAGE_TAG":
        r.add(r.PARAM, "tag", f"is only used with messaging_type MESSAGE_TAG, not {kind}")
    text = string(r, body, "", "tag")
    if text in DEPRECATED_TAGS:
        r.add(r.VALUE, "tag", f"{text} was deprecated on 27 April 2026 and is no longer "
              "supported; only the HUMAN_AGENT tag may be sent with messaging_type MESSAGE_TAG")
    elif text and text not in TAGS:
        r.add(r.VALUE, "tag", f"must be one of {', '.join(sorted(TAGS))}; got {text!r}")


# -- buttons (meta.md 2.5) -----------------------------------------------------------------------

_WEB_URL_OPTIONS: Final = ("webview_height_ratio", "messenger_extensions", "fallback_url",
                           "webview_share_button")


def _web_url(r: _Report, button: dict[str, Any], path: str, *, titled: bool) -> None:
    only(r, button, path, {"type", "url", *_WEB_URL_OPTIONS, *(("title",) if titled else ())})
    url(r, button, path, "url")
    choice(r, button, path, "webview_height_ratio", ("compact", "tall", "full"), required=False)
    boolean(r, button, path, "messenger_extensions")
    url(r, button, path, "fallback_url", required=False)
    choice(r, button, path, "webview_share_button", ("hide",), required=False)


def _button(r: _Report, button: dict[str, Any], path: str) -> None:
    kind = choice(r, button, path, "type", ("web_url", "postback", "phone_number"))
    string(r, button, path, "title", max_len=LIMITS["button.title"])
    if kind == "web_url":
        _web_url(r, button, path, titled=True)
    elif kind == "postback":
        only(r, button, path, {"type", "title", "payload"})
        string(r, button, path, "payload", max_len=LIMITS["button.payload"])
    elif kind == "phone_number":
        only(r, button, path, {"type", "title", "payload"})
        phone = string(r, button, path, "payload")
        if phone and not _PHONE.match(phone):
            r.add(r.VALUE, at(path, "payload"),
                  f"must be a phone number with '+' and the country code, got {phone!r}")


def _buttons(r: _Report, value: Mapping[str, Any], path: str, *, required: bool,
             max_items: int) -> None:
    items = field_array(r, value, path, "buttons", required=required, min_items=1,
                        max_items=max_items)
    for where, button in objects(r, items or [], at(path, "buttons")):
        _button(r, button, where)


# -- templates (meta.md 2.5) ---------------------------------------------------------------------


def _button_template(r: _Report, payload: dict[str, Any], path: str) -> None:
    only(r, payload, path, {"template_type", "text", "buttons", "sharable"})
    string(r, payload, path, "text", max_len=LIMITS["button_template.text"])
    _buttons(r, payload, path, required=True, max_items=LIMITS["button_template.buttons"])


_GENERIC_EXTRAS: Final = ("subtitle", "image_url", "default_action", "buttons")


def _generic_template(r: _Report, payload: dict[str, Any], path: str) -> None:
    only(r, payload, path, {"template_type", "elements", "image_aspect_ratio", "sharable"})
    choice(r, payload, path, "image_aspect_ratio", ("horizontal", "square"), required=False)
    elements = field_array(r, payload, path, "elements", min_items=1,
                           max_items=LIMITS["generic.elements"])
    for where, element in objects(r, elements or [], at(path, "elements")):
        only(r, element, where, {"title", *_GENERIC_EXTRAS})
        string(r, element, where, "title", max_len=LIMITS["generic.title"])
        string(r, element, where, "subtitle", max_len=LIMITS["generic.subtitle"], required=False)
        url(r, element, where, "image_url", required=False)
        action = get(r, element, where, "default_action", required=False)
        where_action = at(where, "default_action")
        if action is not MISSING and (act := obj(r, action, where_action)) is not None \
                and choice(r, act, where_action, "type", ("web_url",)):
            _web_url(r, act, where_action, titled=False)
        _buttons(r, element, where, required=False, max_items=LIMITS["generic.buttons"])
        if not any(key in element for key in _GENERIC_EXTRAS):
            r.add(r.MISSING, where, "needs a subtitle, image_url, default_action or buttons "
                  "besides the title")


def _is_facebook_url(text: str) -> bool:
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and (host == "facebook.com"
                                                 or host.endswith(".facebook.com"))


def _media_template(r: _Report, payload: dict[str, Any], path: str) -> None:
    only(r, payload, path, {"template_type", "elements", "sharable"})
    elements = field_array(r, payload, path, "elements", min_items=1, max_items=1)
    for where, element in objects(r, elements or [], at(path, "elements")):
        only(r, element, where, {"media_type", "attachment_id", "url", "buttons"})
        choice(r, element, where, "media_type", ("image", "video"))
        source = _exactly_one(r, element, where, ("attachment_id", "url"))
        if source == "attachment_id":
            string(r, element, where, "attachment_id")
        elif source == "url":
            link = url(r, element, where, "url")
            if link and not _is_facebook_url(link):
                r.add(r.VALUE, at(where, "url"), "media templates only take the URL of media "
                      f"posted on facebook.com (upload other media for an attachment_id), got "
                      f"{link!r}")
        _buttons(r, element, where, required=False, max_items=LIMITS["media_template.buttons"])


_RECEIPT_KEYS: Final = frozenset({
    "template_type", "sharable", "recipient_name", "merchant_name", "order_number", "currency",
    "payment_method", "timestamp", "order_url", "elements", "address", "summary", "adjustments",
})
_ADDRESS_REQUIRED: Final = ("street_1", "city", "postal_code", "state", "country")


def _receipt_template(r: _Report, payload: dict[str, Any], path: str) -> None:
    only(r, payload, path, _RECEIPT_KEYS)
    for key in ("recipient_name", "order_number", "payment_method"):
        string(r, payload, path, key)
    _currency(r, payload, path, "currency")
    string(r, payload, path, "merchant_name", required=False)
    url(r, payload, path, "order_url", required=False)
    stamp = get(r, payload, path, "timestamp", required=False)
    if stamp is not MISSING and (isinstance(stamp, bool) or not str(stamp).isdigit()):
        r.add(r.VALUE, at(path, "timestamp"), f"must be Unix seconds, got {stamp!r}")
    elements = field_array(r, payload, path, "elements", required=False,
                           max_items=LIMITS["receipt.elements"])
    for where, element in objects(r, elements or [], at(path, "elements")):
        only(r, element, where, {"title", "subtitle", "quantity", "price", "currency",
                                 "image_url"})
        string(r, element, where, "title")
        string(r, element, where, "subtitle", required=False)
        _number(r, element, where, "quantity", required=False)
        _number(r, element, where, "price")
        _currency(r, element, where, "currency", required=False)
        url(r, element, where, "image_url", required=False)
    address = get(r, payload, path, "address", required=False)
    where = at(path, "address")
    if address is not MISSING and (found := obj(r, address, where)) is not None:
        only(r, found, where, {*_ADDRESS_REQUIRED, "street_2"})
        for key in _ADDRESS_REQUIRED:
            string(r, found, where, key)
        string(r, found, where, "street_2", required=False, empty=True)
    summary = get(r, payload, path, "summary", required=True)
    where = at(path, "summary")
    if summary is not MISSING and (found := obj(r, summary, where)) is not None:
        only(r, found, where, {"subtotal", "shipping_cost", "total_tax", "total_cost"})
        for key in ("subtotal", "shipping_cost", "total_tax"):
            _number(r, found, where, key, required=False)
        _number(r, found, where, "total_cost")
    adjustments = field_array(r, payload, path, "adjustments", required=False)
    for where, adjustment in objects(r, adjustments or [], at(path, "adjustments")):
        only(r, adjustment, where, {"name", "amount"})
        string(r, adjustment, where, "name")
        _number(r, adjustment, where, "amount")


_TEMPLATES: Final[Mapping[str, _Check]] = {
    "button": _button_template,
    "generic": _generic_template,
    "media": _media_template,
    "receipt": _receipt_template,
}


# -- the message object (meta.md 2.1–2.3) --------------------------------------------------------


def _attachment(r: _Report, value: Any, path: str, *, upload: bool) -> None:
    """``{type, payload}``; with ``upload`` the file part is the source (no url, no id)."""
    attachment = obj(r, value, path)
    if attachment is None:
        return
    only(r, attachment, path, {"type", "payload"})
    kinds = MEDIA_ATTACHMENTS if upload else MEDIA_ATTACHMENTS | {"template"}
    kind = choice(r, attachment, path, "type", kinds)
    raw = get(r, attachment, path, "payload", required=not upload)
    where = at(path, "payload")
    if raw is MISSING or (payload := obj(r, raw, where)) is None or kind is None:
        return
    if kind == "template":
        template = choice(r, payload, where, "template_type", _TEMPLATES)
        boolean(r, payload, where, "sharable")
        if template is not None:
            _TEMPLATES[template](r, payload, where)
        return
    only(r, payload, where, {"is_reusable"} if upload else {"url", "attachment_id",
                                                             "is_reusable"})
    boolean(r, payload, where, "is_reusable")
    if upload:
        return
    source = _exactly_one(r, payload, where, ("url", "attachment_id"))
    if source == "url":
        url(r, payload, where, "url")
    elif source == "attachment_id":
        string(r, payload, where, "attachment_id")
        if "is_reusable" in payload:
            r.add(r.PARAM, at(where, "is_reusable"), "is only used with url")


def _quick_replies(r: _Report, message: Mapping[str, Any], path: str) -> None:
    items = field_array(r, message, path, "quick_replies", required=False, min_items=1,
                        max_items=LIMITS["quick_replies.count"])
    for where, reply in objects(r, items or [], at(path, "quick_replies")):
        only(r, reply, where, {"content_type", "title", "payload", "image_url"})
        kind = choice(r, reply, where, "content_type", QUICK_REPLY_TYPES)
        text = kind == "text"
        string(r, reply, where, "title", max_len=LIMITS["quick_replies.title"], required=text)
        string(r, reply, where, "payload", max_len=LIMITS["quick_replies.payload"],
               required=text)
        url(r, reply, where, "image_url", required=False)


def _message(r: _Report, value: Any, path: str, *, upload: bool = False) -> None:
    message = obj(r, value, path)
    if message is None:
        return
    only(r, message, path, {"text", "attachment", "quick_replies", "metadata"})
    if upload:
        if "text" in message:
            r.add(r.PARAM, at(path, "text"), "cannot be sent with an uploaded file")
        attachment = get(r, message, path, "attachment", required=True)
        if attachment is not MISSING:
            _attachment(r, attachment, at(path, "attachment"), upload=True)
    else:
        key = _exactly_one(r, message, path, ("text", "attachment"))
        if key == "text":
            string(r, message, path, "text", max_len=LIMITS["text"])
        elif key == "attachment":
            _attachment(r, message["attachment"], at(path, "attachment"), upload=False)
    _quick_replies(r, message, path)
    string(r, message, path, "metadata", max_len=LIMITS["metadata"], required=False)


def _sender_action(r: _Report, body: Mapping[str, Any]) -> None:
    action = choice(r, body, "", "sender_action", SENDER_ACTIONS)
    payload = get(r, body, "", "payload", required=action in ("react", "unreact"))
    if payload is MISSING or action is None:
        return
    if action not in ("react", "unreact"):
        r.add(r.PARAM, "payload", f"is only used with react and unreact, not {action}")
        return
    found = obj(r, payload, "payload")
    if found is None:
        return
    only(r, found, "payload", {"message_id", "reaction"} if action == "react" else {"message_id"})
    string(r, found, "payload", "message_id")
    if action == "react":
        string(r, found, "payload", "reaction")


def _reply_to(r: _Report, body: Mapping[str, Any]) -> None:
    value = get(r, body, "", "reply_to", required=False)
    if value is not MISSING and (found := obj(r, value, "reply_to")) is not None:
        only(r, found, "reply_to", {"mid"})
        string(r, found, "reply_to", "mid")


# -- entry points ----------------------------------------------------------------------------------

_MESSAGE_KEYS: Final = frozenset({"recipient", "messaging_type", "tag", "message",
                                  "notification_type", "persona_id", "reply_to"})
_ACTION_KEYS: Final = frozenset({"recipient", "sender_action", "payload", "persona_id",
                                 "messaging_type", "tag"})


def check_send_body(body: Any) -> list[Problem]:
    """Validate one ``POST /{page-id}/messages`` JSON body as the Send API would.

    Args:
        body: the decoded JSON body (a message send or a sender action).

    Returns:
        Every problem found (all code 100), the most fundamental first (the body's shape, unknown
        keys, the recipient, then the message or action); ``[]`` when Messenger would accept it.

    >>> check_send_body({"recipient": {"id": "1254459154682919"}, "messaging_type": "RESPONSE",
    ...                  "message": {"text": "hello, world"}})
    []
    >>> [p.details for p in check_send_body({"recipient": {"id": "1"},
    ...                                      "message": {"text": "hi"}})]
    ['messaging_type: is required']
    """
    r = _Report()
    found = obj(r, body, "")
    if found is None:
        return r.problems
    if "message" in found and "sender_action" in found:
        r.add(r.PARAM, "", "use either message or sender_action, not both")
        return r.problems
    action = "sender_action" in found
    if not action and "message" not in found:
        r.add(r.MISSING, "message", "is required (or sender_action)")
    only(r, found, "", _ACTION_KEYS if action else _MESSAGE_KEYS)
    recipient = get(r, found, "", "recipient", required=True)
    if recipient is not MISSING:
        _recipient(r, recipient, "recipient")
    _messaging(r, found, required=not action)
    string(r, found, "", "persona_id", required=False)
    if action:
        _sender_action(r, found)
        return r.problems
    choice(r, found, "", "notification_type", NOTIFICATION_TYPES, required=False)
    _reply_to(r, found)
    if "message" in found:
        _message(r, found["message"], "message")
    return r.problems


_UPLOAD_FIELDS: Final = _MESSAGE_KEYS
_JSON_FIELDS: Final = ("recipient", "message", "reply_to")


def check_upload(fields: Mapping[str, str],
                 files: Mapping[str, tuple[str, bytes, str]]) -> list[Problem]:
    """Validate one multipart upload-and-send ``POST /{page-id}/messages`` (meta.md 2.3).

    Args:
        fields: the plain form fields: ``recipient`` and ``message`` (JSON strings),
            ``messaging_type``, and optionally ``tag``, ``notification_type``, ``persona_id``,
            ``reply_to`` (a JSON string).
        files: the file parts by field name → ``(filename, content, content type)``; the file
            goes in ``filedata``.

    Returns:
        The problems (all code 100), most fundamental first; ``[]`` when Messenger would accept
        the upload. The message is an ``image``/``video``/``audio``/``file`` attachment whose
        payload may only say ``is_reusable``; the file is at most 25 MB, not empty, and ``audio``
        files have an ``audio/*`` Content-Type.
    """
    r = _Report()
    only(r, fields, "", _UPLOAD_FIELDS)
    body: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in _UPLOAD_FIELDS:
            continue
        if key in _JSON_FIELDS:
            try:
                body[key] = json.loads(value)
            except (TypeError, ValueError):
                r.add(r.PARAM, key, "must be a JSON object string")
        else:
            body[key] = value
    for key in ("recipient", "message"):
        if key not in fields:
            r.add(r.MISSING, key, "is required")
    if "recipient" in body:
        _recipient(r, body["recipient"], "recipient")
    _messaging(r, body, required=True)
    string(r, body, "", "persona_id", required=False)
    choice(r, body, "", "notification_type", NOTIFICATION_TYPES, required=False)
    _reply_to(r, body)
    if "message" in body:
        _message(r, body["message"], "message", upload=True)
    for name in files:
        if name != "filedata":
            r.add(r.PARAM, name, "unexpected file part; the file goes in filedata")
    if "filedata" not in files:
        r.add(r.MISSING, "filedata", "is required: send the file as a multipart part")
        return r.problems
    _filename, content, mime = files["filedata"]
    kind = _attachment_type(body.get("message"))
    limit = LIMITS.get(f"media.{kind}", LIMITS["media.file"])
    if not content:
        r.add(r.VALUE, "filedata", "is empty")
    elif len(content) > limit:
        r.add(r.VALUE, "filedata", f"is {len(content)} bytes; attachments may be at most "
              f"{limit} bytes (25 MB)")
    media_type = mime.split(";", 1)[0].strip().lower()
    if kind == "audio" and not media_type.startswith("audio/"):
        r.add(r.VALUE, "filedata", "audio attachments need an audio/* Content-Type, got "
              f"{media_type or 'none'!r}")
    return r.problems


def _attachment_type(message: Any) -> str | None:
    if isinstance(message, dict) and isinstance(message.get("attachment"), dict):
        kind = message["attachment"].get("type")
        return kind if isinstance(kind, str) else None
    return None
