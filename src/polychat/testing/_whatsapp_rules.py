"""What the WhatsApp Cloud API accepts: the simulator's rules for send bodies and media uploads.

This module is the simulator's notion of "what the Cloud API accepts". It is written by hand from
Meta's developer documentation as summarised in ``shared/platforms/meta.md`` (section 4 for the
bodies and limits, 6.1 for the error envelope), with Meta's OpenAPI spec (v23.0) as a cross-check.
It imports no schema library and does no I/O: every rule below is a small function or a table row.
Limits come from :data:`polychat.channels.whatsapp.limits.LIMITS`, so the simulator and ``render``
can never disagree about a number.

Each refusal is a :class:`Problem` carrying the Cloud API error code the live API answers with:

====== ======================================= ==================================================
code   title                                   used for
====== ======================================= ==================================================
100    Invalid parameter                       unknown or extra keys, wrong JSON types, ``to``
                                               and ``recipient`` together, ``id`` and ``link``
                                               together, named and positional template parameters
                                               mixed, unsupported upload MIME types
131008 Required parameter is missing           a required key is absent
131009 Parameter value is not valid            too long / too many / too few, a value outside its
                                               enum, a bad URL, coordinates out of range, a file
                                               too large
131051 Unsupported message type                a ``type`` the API does not send
====== ======================================= ==================================================

Where the docs and the spec disagree, this module follows the docs (meta.md section 9):

- a business-scoped user id may be addressed with ``"recipient": "US.1349…"`` instead of ``to``
  (the spec has no BSUID fields and requires ``to``); never both;
- ``recipient_type`` and ``language.policy`` are optional (the spec requires them);
- ``type`` may be left out and defaults to ``text`` (the spec requires it);
- ``biz_opaque_callback_data`` (≤ 512 characters) is accepted on every send (the spec only has it
  on calls);
- ``location.latitude`` / ``longitude`` are numbers, or numeric strings (the spec says strings);
- interactive ``cta_url``, ``location_request_message``, ``carousel`` and ``voice_call`` exist
  (the spec's ``InteractiveObject.type`` leaves them out);
- a list message has at most 10 rows **in total** across its sections (the spec allows 10 per
  section) and a body of up to 4096 characters (the spec's ``BodyObject`` says 1024);
- media objects take ``caption`` (image, video, document), ``filename`` (document) and ``voice``
  (audio) — the spec's outbound ``MediaObject`` has none of them — and nothing else;
- a template button's ``index`` is its position, ``"0"`` to ``"9"`` (an integer is accepted too);
  the spec's pattern ``^[2-6, 11-14]$`` is a broken character class that refuses ``"0"``.

Template sends: components ``header``, ``body``, ``button``, ``carousel`` (each card's
``card_index`` and components checked like the template's own) and ``limited_time_offer``; button
sub-types ``quick_reply``, ``url``, ``catalog`` (the spec's, read case-insensitively as its own
example writes ``CATALOG``) and ``copy_code`` (a ``coupon_code`` of at most 15 characters),
``flow`` and ``mpm`` (an ``action``) from Meta's template guides. Whether a send fits the approved
template is checked by the fake's template registry, not here.

Known simplifications: carousel and voice-call interactive messages get shape checks only; contact
phone, email, URL and address types are the spec's ``HOME`` / ``WORK``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from ..channels.whatsapp.limits import LIMITS
from ._graph_rules import MISSING as _MISSING
from ._graph_rules import Problem, Report, graph_error_envelope
from ._graph_rules import array as _array
from ._graph_rules import at as _at
from ._graph_rules import boolean as _boolean
from ._graph_rules import choice as _choice
from ._graph_rules import field_array as _field_array
from ._graph_rules import get as _get
from ._graph_rules import json_kind as _json_kind
from ._graph_rules import obj as _object
from ._graph_rules import objects as _objects
from ._graph_rules import only as _only
from ._graph_rules import string as _string
from ._graph_rules import unique as _unique
from ._graph_rules import url as _url

__all__ = [
    "INVALID_PARAMETER",
    "INVALID_VALUE",
    "MEDIA_TYPES",
    "MISSING_PARAMETER",
    "UNSUPPORTED_TYPE",
    "Problem",
    "check_send_body",
    "check_upload",
    "error_envelope",
]

INVALID_PARAMETER: Final = 100
"""Unknown or extra key, wrong JSON type, conflicting keys."""
MISSING_PARAMETER: Final = 131008
"""A required parameter is absent."""
INVALID_VALUE: Final = 131009
"""A value breaks a limit or is not one of the allowed values."""
UNSUPPORTED_TYPE: Final = 131051
"""The message ``type`` is not one the Cloud API sends."""

_TITLES: Final[Mapping[int, str]] = {
    INVALID_PARAMETER: "Invalid parameter",
    MISSING_PARAMETER: "Required parameter is missing",
    INVALID_VALUE: "Parameter value is not valid",
    UNSUPPORTED_TYPE: "Unsupported message type",
}


class _Report(Report):
    """A :class:`~._graph_rules.Report` with the Cloud API's codes."""

    PARAM = INVALID_PARAMETER
    MISSING = MISSING_PARAMETER
    VALUE = INVALID_VALUE
    TITLES = _TITLES


def error_envelope(problem: Problem, trace_id: str) -> dict[str, Any]:
    """The Graph API error body the live API answers a refused request with (meta.md 6.1).

    >>> error_envelope(Problem(131009, "Parameter value is not valid", "text.body: too long"),
    ...                "AbC")["error"]["message"]
    '(#131009) Parameter value is not valid'
    """
    return graph_error_envelope(
        problem.code, problem.message, trace_id, subcode=problem.subcode,
        error_data={"messaging_product": "whatsapp", "details": problem.details})


# -- media types (meta.md 4.7) -----------------------------------------------------------------

MEDIA_TYPES: Final[Mapping[str, str]] = {
    "audio/aac": "audio",
    "audio/amr": "audio",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/ogg": "audio",
    "text/plain": "file",
    "application/pdf": "file",
    "application/msword": "file",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "file",
    "application/vnd.ms-excel": "file",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "file",
    "application/vnd.ms-powerpoint": "file",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "file",
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "sticker",
    "video/mp4": "video",
    "video/3gpp": "video",
}
"""MIME type (without parameters) → media kind; the kind names the ``LIMITS["media.<kind>"]`` size."""


def check_upload(fields: Mapping[str, str], filename: str, mime: str, size: int) -> list[Problem]:
    """Validate one ``POST /{phone-number-id}/media`` multipart upload.

    Args:
        fields: the plain form fields (``messaging_product``, optional ``type``…).
        filename: the file part's filename; ``""`` when the request has no file part.
        mime: the file part's Content-Type (parameters such as ``; codecs=opus`` are ignored);
            when empty, the ``type`` form field is used.
        size: the file's length in bytes.

    Returns:
        The problems, most fundamental first; ``[]`` when the upload is accepted.
    """
    r = _Report()
    product = fields.get("messaging_product")
    if product is None:
        r.add(MISSING_PARAMETER, "messaging_product", "is required")
    elif product != "whatsapp":
        r.add(INVALID_VALUE, "messaging_product", f"must be 'whatsapp', got {product!r}")
    if not filename:
        r.add(MISSING_PARAMETER, "file", "is required: send the media as a multipart file part")
        return r.problems
    effective = (mime or fields.get("type") or "").split(";", 1)[0].strip().lower()
    kind = MEDIA_TYPES.get(effective)
    if kind is None:
        r.add(INVALID_PARAMETER, "file", "must be a file with one of the following types: "
              f"{', '.join(MEDIA_TYPES)}. Received file of type {effective or 'unknown'!r}")
        return r.problems
    limit = LIMITS[f"media.{kind}"]
    if size <= 0:
        r.add(INVALID_VALUE, "file", "is empty")
    elif size > limit:
        r.add(INVALID_VALUE, "file", f"is {size} bytes; {effective} files may be at most "
              f"{limit} bytes")
    return r.problems


# -- shared building blocks ----------------------------------------------------------------------

def _media_object(r: _Report, value: Any, path: str, extras: Collection[str] = ()) -> None:
    """A media reference: exactly one of ``id`` / ``link``, plus the ``extras`` keys allowed here."""
    obj = _object(r, value, path)
    if obj is None:
        return
    _only(r, obj, path, {"id", "link", *extras})
    if "id" in obj and "link" in obj:
        r.add(INVALID_PARAMETER, path, "use either id or link, not both")
    elif "id" in obj:
        _string(r, obj, path, "id")
    elif "link" in obj:
        _url(r, obj, path, "link")
    else:
        r.add(MISSING_PARAMETER, _at(path, "id"), "is required (or link)")
    if "caption" in extras:
        _string(r, obj, path, "caption", max_len=LIMITS["media.caption"], required=False,
                empty=True)
    if "filename" in extras:
        _string(r, obj, path, "filename", required=False)
    if "voice" in extras:
        _boolean(r, obj, path, "voice")


def _text_object(r: _Report, value: Any, path: str, max_len: int) -> None:
    """``{"text": "…"}`` (interactive body and footer)."""
    obj = _object(r, value, path)
    if obj is not None:
        _only(r, obj, path, {"text"})
        _string(r, obj, path, "text", max_len=max_len)


def _coordinate(r: _Report, obj: Mapping[str, Any], path: str, key: str, bound: float) -> None:
    """Latitude (±90) or longitude (±180): a number, or a string holding one."""
    value = _get(r, obj, path, key, required=True)
    if value is _MISSING:
        return
    where = _at(path, key)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        r.add(INVALID_PARAMETER, where, f"must be a number, got {_json_kind(value)}")
        return
    try:
        number = float(value)
    except ValueError:
        r.add(INVALID_VALUE, where, f"must be a number, got {value!r}")
        return
    if not math.isfinite(number) or abs(number) > bound:
        r.add(INVALID_VALUE, where, f"must be between -{bound:g} and {bound:g}, got {value!r}")


def _location(r: _Report, value: Any, path: str) -> None:
    obj = _object(r, value, path)
    if obj is None:
        return
    _only(r, obj, path, {"latitude", "longitude", "name", "address"})
    _coordinate(r, obj, path, "latitude", 90)
    _coordinate(r, obj, path, "longitude", 180)
    _string(r, obj, path, "name", required=False, empty=True)
    _string(r, obj, path, "address", required=False, empty=True)


# -- message objects (meta.md 4.2) ---------------------------------------------------------------

_Check = Callable[[_Report, Any, str], None]


def _text(r: _Report, value: Any, path: str) -> None:
    obj = _object(r, value, path)
    if obj is None:
        return
    _only(r, obj, path, {"body", "preview_url"})
    _string(r, obj, path, "body", max_len=LIMITS["text.body"])
    _boolean(r, obj, path, "preview_url")


def _media(*extras: str) -> _Check:
    def check(r: _Report, value: Any, path: str) -> None:
        _media_object(r, value, path, extras)
    return check


def _reaction(r: _Report, value: Any, path: str) -> None:
    obj = _object(r, value, path)
    if obj is None:
        return
    _only(r, obj, path, {"message_id", "emoji"})
    _string(r, obj, path, "message_id")
    _string(r, obj, path, "emoji", empty=True)  # "" removes the reaction


_CONTACT_TYPES: Final = ("HOME", "WORK")
_CONTACT_PARTS: Final[Mapping[str, tuple[frozenset[str], str | None]]] = {
    # part → (its keys, the required one)
    "addresses": (frozenset({"street", "city", "state", "zip", "country", "country_code",
                             "type"}), None),
    "emails": (frozenset({"email", "type"}), "email"),
    "phones": (frozenset({"phone", "type", "wa_id"}), "phone"),
    "urls": (frozenset({"url", "type"}), "url"),
}
_NAME_KEYS: Final = frozenset({"formatted_name", "first_name", "last_name", "middle_name",
                               "prefix", "suffix"})
_BIRTHDAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _contacts(r: _Report, value: Any, path: str) -> None:
    cards = _array(r, value, path, min_items=1, max_items=LIMITS["contacts.count"])
    for where, card in _objects(r, cards or [], path):
        _only(r, card, where, {"name", "phones", "emails", "urls", "addresses", "org",
                               "birthday"})
        name = _get(r, card, where, "name", required=True)
        if name is not _MISSING and (obj := _object(r, name, _at(where, "name"))) is not None:
            _only(r, obj, _at(where, "name"), _NAME_KEYS)
            for key in sorted(_NAME_KEYS):
                formatted = key == "formatted_name"
                _string(r, obj, _at(where, "name"), key, required=formatted, empty=not formatted)
        for part, (keys, required) in _CONTACT_PARTS.items():
            items = _field_array(r, card, where, part, required=False)
            for item_path, item in _objects(r, items or [], _at(where, part)):
                _only(r, item, item_path, keys)
                for key in sorted(keys - {"type"}):
                    _string(r, item, item_path, key, required=key == required, empty=True)
                _choice(r, item, item_path, "type", _CONTACT_TYPES, required=False)
        org = _get(r, card, where, "org", required=False)
        if org is not _MISSING and (obj := _object(r, org, _at(where, "org"))) is not None:
            _only(r, obj, _at(where, "org"), {"company", "department", "title"})
            for key in ("company", "department", "title"):
                _string(r, obj, _at(where, "org"), key, required=False, empty=True)
        birthday = _string(r, card, where, "birthday", required=False)
        if birthday and not _is_date(birthday):
            r.add(INVALID_VALUE, _at(where, "birthday"), f"must be YYYY-MM-DD, got {birthday!r}")


def _is_date(text: str) -> bool:
    if not _BIRTHDAY.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# -- interactive (meta.md 4.3) -------------------------------------------------------------------

_Action = Callable[[_Report, dict[str, Any], str], None]


def _named_action(name: str, parameters: _Action | None = None,
                  parameters_required: bool = True) -> _Action:
    """An action ``{"name": <name>[, "parameters": {…}]}``."""
    def check(r: _Report, action: dict[str, Any], path: str) -> None:
        _only(r, action, path, {"name", "parameters"} if parameters else {"name"})
        _choice(r, action, path, "name", (name,))
        if parameters is None:
            return
        value = _get(r, action, path, "parameters", parameters_required)
        if value is not _MISSING:
            obj = _object(r, value, _at(path, "parameters"))
            if obj is not None:
                parameters(r, obj, _at(path, "parameters"))
    return check


def _button_action(r: _Report, action: dict[str, Any], path: str) -> None:
    _only(r, action, path, {"buttons"})
    buttons = _field_array(r, action, path, "buttons", min_items=1,
                           max_items=LIMITS["buttons.count"])
    titles: list[tuple[str, str | None]] = []
    ids: list[tuple[str, str | None]] = []
    for where, button in _objects(r, buttons or [], _at(path, "buttons")):
        _only(r, button, where, {"type", "reply"})
        _choice(r, button, where, "type", ("reply",))
        reply = _get(r, button, where, "reply", required=True)
        if reply is _MISSING or (obj := _object(r, reply, _at(where, "reply"))) is None:
            continue
        where = _at(where, "reply")
        _only(r, obj, where, {"id", "title"})
        ids.append((_at(where, "id"), _string(r, obj, where, "id", max_len=LIMITS["buttons.id"])))
        titles.append((_at(where, "title"),
                       _string(r, obj, where, "title", max_len=LIMITS["buttons.title"])))
    _unique(r, ids, "button id")
    _unique(r, titles, "button title")


def _list_action(r: _Report, action: dict[str, Any], path: str) -> None:
    _only(r, action, path, {"button", "sections"})
    _string(r, action, path, "button", max_len=LIMITS["list.button"])
    sections = _field_array(r, action, path, "sections", min_items=1,
                            max_items=LIMITS["list.sections"])
    if sections is None:
        return
    ids: list[tuple[str, str | None]] = []
    total = 0
    for where, section in _objects(r, sections, _at(path, "sections")):
        _only(r, section, where, {"title", "rows"})
        _string(r, section, where, "title", max_len=LIMITS["list.section_title"],
                required=len(sections) > 1)
        rows = _field_array(r, section, where, "rows", min_items=1)
        total += len(rows or [])
        for row_path, row in _objects(r, rows or [], _at(where, "rows")):
            _only(r, row, row_path, {"id", "title", "description"})
            ids.append((_at(row_path, "id"),
                        _string(r, row, row_path, "id", max_len=LIMITS["list.row_id"])))
            _string(r, row, row_path, "title", max_len=LIMITS["list.row_title"])
            _string(r, row, row_path, "description", max_len=LIMITS["list.row_description"],
                    required=False, empty=True)
    if total > LIMITS["list.rows"]:
        r.add(INVALID_VALUE, _at(path, "sections"),
              f"have {total} rows in total; at most {LIMITS['list.rows']} across all sections")
    _unique(r, ids, "row id")


def _cta_url_parameters(r: _Report, parameters: dict[str, Any], path: str) -> None:
    _only(r, parameters, path, {"display_text", "url"})
    _string(r, parameters, path, "display_text", max_len=LIMITS["cta_url.display_text"])
    _url(r, parameters, path, "url")


_FLOW_CTA_MAX: Final = 30
"""``flow_cta`` length (meta.md 4.3; the spec's maxLength). Not in LIMITS, which holds what
``render`` enforces."""


def _flow_parameters(r: _Report, parameters: dict[str, Any], path: str) -> None:
    _only(r, parameters, path, {"flow_message_version", "flow_id", "flow_name", "flow_cta", "mode",
                                "flow_token", "flow_action", "flow_action_payload"})
    _choice(r, parameters, path, "flow_message_version", ("3",))
    if "flow_id" in parameters and "flow_name" in parameters:
        r.add(INVALID_PARAMETER, path, "use either flow_id or flow_name, not both")
    elif "flow_name" in parameters:
        _string(r, parameters, path, "flow_name")
    elif "flow_id" in parameters:
        _string(r, parameters, path, "flow_id")
    else:
        r.add(MISSING_PARAMETER, _at(path, "flow_id"), "is required (or flow_name)")
    _string(r, parameters, path, "flow_cta", max_len=_FLOW_CTA_MAX)
    _choice(r, parameters, path, "mode", ("draft", "published"), required=False)
    _string(r, parameters, path, "flow_token", required=False)
    _choice(r, parameters, path, "flow_action", ("navigate", "data_exchange"), required=False)
    payload = _get(r, parameters, path, "flow_action_payload", required=False)
    where = _at(path, "flow_action_payload")
    if payload is _MISSING or (obj := _object(r, payload, where)) is None:
        return
    _only(r, obj, where, {"screen", "data"})
    _string(r, obj, where, "screen", required=False)
    data = _get(r, obj, where, "data", required=False)
    if data is not _MISSING and _object(r, data, _at(where, "data")) == {}:
        r.add(INVALID_VALUE, _at(where, "data"), "must be a non-empty object")


def _product_action(r: _Report, action: dict[str, Any], path: str) -> None:
    _only(r, action, path, {"catalog_id", "product_retailer_id"})
    _string(r, action, path, "catalog_id")
    _string(r, action, path, "product_retailer_id")


_PRODUCT_LIST_ITEMS: Final = 30
"""Products in a multi-product message, across all sections (Meta docs; the spec's maxItems)."""


def _product_list_action(r: _Report, action: dict[str, Any], path: str) -> None:
    _only(r, action, path, {"catalog_id", "sections"})
    _string(r, action, path, "catalog_id")
    sections = _field_array(r, action, path, "sections", min_items=1,
                            max_items=LIMITS["list.sections"])
    if sections is None:
        return
    total = 0
    for where, section in _objects(r, sections, _at(path, "sections")):
        _only(r, section, where, {"title", "product_items"})
        _string(r, section, where, "title", max_len=LIMITS["list.section_title"],
                required=len(sections) > 1)
        items = _field_array(r, section, where, "product_items", min_items=1)
        total += len(items or [])
        for item_path, item in _objects(r, items or [], _at(where, "product_items")):
            _only(r, item, item_path, {"product_retailer_id"})
            _string(r, item, item_path, "product_retailer_id")
    if total > _PRODUCT_LIST_ITEMS:
        r.add(INVALID_VALUE, _at(path, "sections"),
              f"have {total} products in total; at most {_PRODUCT_LIST_ITEMS} allowed")


def _catalog_parameters(r: _Report, parameters: dict[str, Any], path: str) -> None:
    _only(r, parameters, path, {"thumbnail_product_retailer_id"})
    _string(r, parameters, path, "thumbnail_product_retailer_id")


def _carousel_action(r: _Report, action: dict[str, Any], path: str) -> None:
    # Shape only: the card rules are not in the platform notes.
    _only(r, action, path, {"cards"})
    cards = _field_array(r, action, path, "cards", min_items=1)
    _objects(r, cards or [], _at(path, "cards"))


def _voice_call_parameters(r: _Report, parameters: dict[str, Any], path: str) -> None:
    _string(r, parameters, path, "display_text", max_len=LIMITS["cta_url.display_text"],
            required=False)


@dataclass(frozen=True)
class _Interactive:
    """What one interactive ``type`` allows around its action."""

    action: _Action
    headers: frozenset[str] = frozenset()
    """Allowed header types; empty: no header."""
    header_required: bool = False
    body_max: int = LIMITS["buttons.body"]
    """Body length; 1024 (the spec's ``BodyObject``) unless the type has a limit of its own."""
    body_required: bool = True
    footer: bool = True


_ANY_HEADER: Final = frozenset({"text", "image", "video", "document"})
_TEXT_HEADER: Final = frozenset({"text"})

_INTERACTIVE: Final[Mapping[str, _Interactive]] = {
    "button": _Interactive(_button_action, headers=_ANY_HEADER),
    "list": _Interactive(_list_action, headers=_TEXT_HEADER, body_max=LIMITS["list.body"]),
    "cta_url": _Interactive(_named_action("cta_url", _cta_url_parameters), headers=_ANY_HEADER,
                            body_max=LIMITS["cta_url.body"]),
    "location_request_message": _Interactive(_named_action("send_location"), footer=False,
                                             body_max=LIMITS["location_request.body"]),
    "flow": _Interactive(_named_action("flow", _flow_parameters), headers=_ANY_HEADER),
    "product": _Interactive(_product_action, body_required=False),
    "product_list": _Interactive(_product_list_action, headers=_TEXT_HEADER,
                                 header_required=True),
    "catalog_message": _Interactive(_named_action("catalog_message", _catalog_parameters)),
    "call_permission_request": _Interactive(_named_action("call_permission_request")),
    "carousel": _Interactive(_carousel_action, footer=False),
    "voice_call": _Interactive(_named_action("voice_call", _voice_call_parameters,
                                             parameters_required=False)),
}


def _header(r: _Report, value: Any, path: str, allowed: frozenset[str]) -> None:
    obj = _object(r, value, path)
    if obj is None:
        return
    kind = _choice(r, obj, path, "type", _ANY_HEADER)
    if kind is None:
        return
    if kind not in allowed:
        r.add(INVALID_VALUE, _at(path, "type"),
              f"{kind!r} headers are not allowed here; use {', '.join(sorted(allowed))}")
        return
    _only(r, obj, path, {"type", kind})
    if kind == "text":
        _string(r, obj, path, "text", max_len=LIMITS["header.text"])
    elif (media := _get(r, obj, path, kind, required=True)) is not _MISSING:
        _media_object(r, media, _at(path, kind))  # no caption on header media


def _interactive(r: _Report, value: Any, path: str) -> None:
    obj = _object(r, value, path)
    if obj is None:
        return
    kind = _choice(r, obj, path, "type", _INTERACTIVE)
    if kind is None:
        return
    shape = _INTERACTIVE[kind]
    allowed = {"type", "action", "body"}
    if shape.headers:
        allowed.add("header")
    if shape.footer:
        allowed.add("footer")
    _only(r, obj, path, allowed)
    header = _get(r, obj, path, "header", shape.header_required)
    if header is not _MISSING and shape.headers:
        _header(r, header, _at(path, "header"), shape.headers)
    body = _get(r, obj, path, "body", shape.body_required)
    if body is not _MISSING:
        _text_object(r, body, _at(path, "body"), shape.body_max)
    if shape.footer and "footer" in obj:
        _text_object(r, obj["footer"], _at(path, "footer"), LIMITS["footer.text"])
    action = _get(r, obj, path, "action", required=True)
    if action is not _MISSING and (act := _object(r, action, _at(path, "action"))) is not None:
        shape.action(r, act, _at(path, "action"))


# -- templates (meta.md 4.4) ---------------------------------------------------------------------

_TEXT_PARAMETER_MAX: Final = 32768
"""The spec's ``TextParameter.maxLength``; the approved template decides the real limit."""
_TEMPLATE_BUTTON_INDEX: Final = re.compile(r"^[0-9]$")
"""A button's position, 0 to 9 (the spec's description; its pattern is broken, meta.md 9)."""
_PARAMETER_NAME: Final = re.compile(r"^[a-z_]+$")


def _p_text(r: _Report, obj: dict[str, Any], path: str) -> None:
    _string(r, obj, path, "text", max_len=_TEXT_PARAMETER_MAX)


def _p_currency(r: _Report, obj: dict[str, Any], path: str) -> None:
    value = _get(r, obj, path, "currency", required=True)
    where = _at(path, "currency")
    if value is _MISSING or (currency := _object(r, value, where)) is None:
        return
    _only(r, currency, where, {"fallback_value", "code", "amount_1000"})
    _string(r, currency, where, "fallback_value")
    code = _string(r, currency, where, "code")
    if code and not re.fullmatch(r"[A-Z]{3}", code):
        r.add(INVALID_VALUE, _at(where, "code"), f"must be an ISO 4217 code, got {code!r}")
    amount = _get(r, currency, where, "amount_1000", required=True)
    if amount is not _MISSING and (isinstance(amount, bool) or not isinstance(amount, int)):
        r.add(INVALID_PARAMETER, _at(where, "amount_1000"),
              f"must be an integer, got {_json_kind(amount)}")


def _p_date_time(r: _Report, obj: dict[str, Any], path: str) -> None:
    value = _get(r, obj, path, "date_time", required=True)
    where = _at(path, "date_time")
    if value is not _MISSING and (date_time := _object(r, value, where)) is not None:
        _only(r, date_time, where, {"fallback_value"})
        _string(r, date_time, where, "fallback_value")


def _p_media(kind: str, *extras: str) -> _Action:
    def check(r: _Report, obj: dict[str, Any], path: str) -> None:
        value = _get(r, obj, path, kind, required=True)
        if value is not _MISSING:
            _media_object(r, value, _at(path, kind), extras)  # no caption in templates
    return check


def _p_location(r: _Report, obj: dict[str, Any], path: str) -> None:
    value = _get(r, obj, path, "location", required=True)
    if value is not _MISSING:
        _location(r, value, _at(path, "location"))


def _p_payload(r: _Report, obj: dict[str, Any], path: str) -> None:
    _string(r, obj, path, "payload")


def _p_action(r: _Report, obj: dict[str, Any], path: str) -> None:
    value = _get(r, obj, path, "action", required=True)
    if value is not _MISSING:
        _object(r, value, _at(path, "action"))


def _p_coupon_code(r: _Report, obj: dict[str, Any], path: str) -> None:
    _string(r, obj, path, "coupon_code", max_len=_CODE_MAX)


def _p_limited_time_offer(r: _Report, obj: dict[str, Any], path: str) -> None:
    value = _get(r, obj, path, "limited_time_offer", required=True)
    where = _at(path, "limited_time_offer")
    if value is _MISSING or (offer := _object(r, value, where)) is None:
        return
    _only(r, offer, where, {"expiration_time_ms"})
    millis = _get(r, offer, where, "expiration_time_ms", required=True)
    if millis is not _MISSING and (isinstance(millis, bool) or not isinstance(millis, int)):
        r.add(INVALID_PARAMETER, _at(where, "expiration_time_ms"),
              f"must be an integer, got {_json_kind(millis)}")


_CODE_MAX: Final = 15
"""Coupon codes are at most 15 characters (Meta's coupon-code template guide)."""

_PARAMETERS: Final[Mapping[str, _Action]] = {
    "text": _p_text,
    "currency": _p_currency,
    "date_time": _p_date_time,
    "image": _p_media("image"),
    "video": _p_media("video"),
    "document": _p_media("document", "filename"),
    "location": _p_location,
    "payload": _p_payload,
    "action": _p_action,
    "coupon_code": _p_coupon_code,
    "limited_time_offer": _p_limited_time_offer,
}
_NAMEABLE: Final = frozenset({"text", "currency", "date_time"})

_COMPONENT_PARAMETERS: Final[Mapping[str, frozenset[str]]] = {
    # component type (or "button:<sub_type>") → parameter types it takes
    "header": frozenset({"text", "image", "video", "document", "location"}),
    "body": frozenset({"text", "currency", "date_time"}),
    "button:quick_reply": frozenset({"payload"}),
    "button:url": frozenset({"text"}),
    "button:catalog": frozenset({"action"}),
    "button:copy_code": frozenset({"coupon_code"}),
    "button:flow": frozenset({"action"}),
    "button:mpm": frozenset({"action"}),
    "limited_time_offer": frozenset({"limited_time_offer"}),
}
_BUTTON_SUB_TYPES: Final = ("quick_reply", "url", "catalog", "copy_code", "flow", "mpm")


def _template_parameters(r: _Report, items: list[Any], path: str, allowed: frozenset[str],
                         naming: list[tuple[str, bool]], nameable: bool) -> None:
    for where, param in _objects(r, items, path):
        kind = _choice(r, param, where, "type", allowed)
        if kind is None:
            continue
        keys = {"type", kind}
        if nameable and kind in _NAMEABLE:
            keys.add("parameter_name")
            name = _string(r, param, where, "parameter_name", required=False,
                           max_len=LIMITS["template.parameter_name"])
            naming.append((where, "parameter_name" in param))
            if name and not _PARAMETER_NAME.match(name):
                r.add(INVALID_VALUE, _at(where, "parameter_name"),
                      f"may hold only a-z and _, got {name!r}")
        _only(r, param, where, keys)
        _PARAMETERS[kind](r, param, where)


def _button_index(r: _Report, component: dict[str, Any], path: str) -> None:
    value = _get(r, component, path, "index", required=True)
    if value is _MISSING:
        return
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        r.add(INVALID_PARAMETER, _at(path, "index"),
              f"must be a string (or integer), got {_json_kind(value)}")
    elif not _TEMPLATE_BUTTON_INDEX.match(str(value)):
        r.add(INVALID_VALUE, _at(path, "index"), f"must be the button's position 0-9, got {value!r}")


def _template(r: _Report, value: Any, path: str) -> None:
    obj = _object(r, value, path)
    if obj is None:
        return
    _only(r, obj, path, {"name", "language", "components"})
    _string(r, obj, path, "name")
    language = _get(r, obj, path, "language", required=True)
    where = _at(path, "language")
    if language is not _MISSING and (lang := _object(r, language, where)) is not None:
        _only(r, lang, where, {"code", "policy"})
        _string(r, lang, where, "code")
        _choice(r, lang, where, "policy", ("deterministic",), required=False)
    components = _field_array(r, obj, path, "components", required=False)
    naming: list[tuple[str, bool]] = []
    _template_components(r, components or [], _at(path, "components"), naming,
                         ("header", "body", "button", "carousel", "limited_time_offer"))
    if len({named for _, named in naming}) > 1:
        first_named = next(where for where, named in naming if named)
        r.add(INVALID_PARAMETER, first_named,
              "named and positional parameters are mixed; use parameter_name on all or none")


def _template_components(r: _Report, components: list[Any], path: str,
                         naming: list[tuple[str, bool]], kinds: tuple[str, ...]) -> None:
    for where, component in _objects(r, components, path):
        kind = _choice(r, component, where, "type", kinds)
        if kind is None:
            continue
        if kind == "carousel":
            _only(r, component, where, {"type", "cards"})
            cards = _field_array(r, component, where, "cards", min_items=1)
            for card_path, card in _objects(r, cards or [], _at(where, "cards")):
                _carousel_card(r, card, card_path, naming)
            continue
        if kind == "limited_time_offer":
            _only(r, component, where, {"type", "parameters"})
            params = _field_array(r, component, where, "parameters", min_items=1, max_items=1)
            _template_parameters(r, params or [], _at(where, "parameters"),
                                 _COMPONENT_PARAMETERS[kind], naming, False)
            continue
        if kind == "button":
            _only(r, component, where, {"type", "sub_type", "index", "parameters"})
            sub_type = _string(r, component, where, "sub_type")
            if sub_type is not None and sub_type.lower() not in _BUTTON_SUB_TYPES:
                r.add(INVALID_VALUE, _at(where, "sub_type"), "must be one of "
                      f"{', '.join(sorted(_BUTTON_SUB_TYPES))}; got {sub_type!r}")
                sub_type = None
            _button_index(r, component, where)
            params = _field_array(r, component, where, "parameters", min_items=1)
            if sub_type is not None and params is not None:
                _template_parameters(r, params, _at(where, "parameters"),
                                     _COMPONENT_PARAMETERS[f"button:{sub_type.lower()}"], naming,
                                     False)
            continue
        _only(r, component, where, {"type", "parameters"})
        params = _field_array(r, component, where, "parameters", required=False,
                              min_items=1 if kind == "header" else 0)
        _template_parameters(r, params or [], _at(where, "parameters"),
                             _COMPONENT_PARAMETERS[kind], naming, True)


def _carousel_card(r: _Report, card: dict[str, Any], path: str,
                   naming: list[tuple[str, bool]]) -> None:
    """One card: ``{"card_index": 0, "components": [header, body?, buttons...]}``."""
    _only(r, card, path, {"card_index", "components"})
    index = _get(r, card, path, "card_index", required=True)
    if index is not _MISSING and (isinstance(index, bool) or not isinstance(index, int)
                                  or index < 0):
        r.add(INVALID_PARAMETER, _at(path, "card_index"),
              f"must be a non-negative integer, got {_json_kind(index)}")
    components = _field_array(r, card, path, "components", min_items=1)
    _template_components(r, components or [], _at(path, "components"), naming,
                         ("header", "body", "button"))


# -- the send body (meta.md 4.1, 4.5) ------------------------------------------------------------

_MESSAGES: Final[Mapping[str, _Check]] = {
    "text": _text,
    "image": _media("caption"),
    "video": _media("caption"),
    "document": _media("caption", "filename"),
    "audio": _media("voice"),
    "sticker": _media(),
    "location": _location,
    "contacts": _contacts,
    "reaction": _reaction,
    "interactive": _interactive,
    "template": _template,
}
_ENVELOPE_KEYS: Final = frozenset({"messaging_product", "recipient_type", "to", "recipient",
                                   "type", "context", "biz_opaque_callback_data"})
_BSUID: Final = re.compile(r"^[A-Z]{2}\.(ENT\.)?[0-9A-Za-z]+$")
"""A business-scoped user id, e.g. ``US.13491208655302741918``."""


def check_send_body(body: Any) -> list[Problem]:
    """Validate one ``POST /{phone-number-id}/messages`` JSON body as the Cloud API would.

    Handles message sends (every ``type`` of meta.md 4.2–4.4) and the mark-as-read / typing
    indicator body (meta.md 4.5).

    Returns:
        Every problem found, the most fundamental first (``messaging_product``, ``type``, unknown
        keys, recipient, then the message object); ``[]`` when the live API would accept it.

    >>> check_send_body({"messaging_product": "whatsapp", "to": "16505551234",
    ...                  "type": "text", "text": {"body": "hi"}})
    []
    >>> [p.code for p in check_send_body({"messaging_product": "whatsapp", "to": "1",
    ...                                   "type": "text", "text": {"body": "x" * 4097}})]
    [131009]
    """
    r = _Report()
    obj = _object(r, body, "")
    if obj is None:
        return r.problems
    _choice(r, obj, "", "messaging_product", ("whatsapp",))
    if "status" in obj:
        _status_body(r, obj)
        return r.problems
    kind: str | None = "text"
    if "type" in obj:
        kind = _string(r, obj, "", "type")
        if kind is not None and kind not in _MESSAGES:
            r.add(UNSUPPORTED_TYPE, "type", f"{kind!r} is not a message type the Cloud API sends")
            kind = None
    for key in obj:
        if key in _MESSAGES and key != kind and kind is not None:
            r.add(INVALID_PARAMETER, key, f"is not allowed in a {kind!r} message")
        elif key not in _ENVELOPE_KEYS and key not in _MESSAGES:
            r.add(INVALID_PARAMETER, key, "unexpected key")
    _recipient(r, obj)
    _choice(r, obj, "", "recipient_type", ("individual", "group"), required=False)
    context = _get(r, obj, "", "context", required=False)
    if context is not _MISSING and (ctx := _object(r, context, "context")) is not None:
        _only(r, ctx, "context", {"message_id"})
        _string(r, ctx, "context", "message_id")
    _string(r, obj, "", "biz_opaque_callback_data", required=False,
            max_len=LIMITS["biz_opaque_callback_data"])
    if kind is not None:
        if kind in obj:
            _MESSAGES[kind](r, obj[kind], kind)
        else:
            r.add(MISSING_PARAMETER, kind, f"is required in a {kind!r} message")
    return r.problems


def _recipient(r: _Report, obj: Mapping[str, Any]) -> None:
    if "to" in obj and "recipient" in obj:
        r.add(INVALID_PARAMETER, "recipient", "use either to or recipient, not both")
    elif "recipient" in obj:
        bsuid = _string(r, obj, "", "recipient")
        if bsuid and not _BSUID.match(bsuid):
            r.add(INVALID_VALUE, "recipient",
                  f"must be a business-scoped user id such as 'US.1349…', got {bsuid!r}")
    elif "to" in obj:
        _string(r, obj, "", "to")
    else:
        r.add(MISSING_PARAMETER, "to", "is required (or recipient)")


def _status_body(r: _Report, obj: Mapping[str, Any]) -> None:
    """Mark as read, optionally with a typing indicator (meta.md 4.5)."""
    _only(r, obj, "", {"messaging_product", "status", "message_id", "typing_indicator"})
    _choice(r, obj, "", "status", ("read",))
    _string(r, obj, "", "message_id")
    indicator = _get(r, obj, "", "typing_indicator", required=False)
    if indicator is not _MISSING and (ind := _object(r, indicator, "typing_indicator")) is not None:
        _only(r, ind, "typing_indicator", {"type"})
        _choice(r, ind, "typing_indicator", "type", ("text",))
