"""Buttons, the button template and the generic template (meta.md 2.5).

Each function returns the ``message`` object (or a piece of it), limits checked. Mapping:

- ``Button.reply(id, title)`` → ``{"type": "postback", "title", "payload": id}`` (the tap comes
  back as a ``messaging_postbacks`` event, parsed as ``ChoiceSelected``).
- ``Button.url(title, url)`` → ``{"type": "web_url", "url", "title"}``.
- ``Button.call(title, phone)`` → ``{"type": "phone_number", "title", "payload": phone}``; Meta
  wants ``+`` and the country code, so the number is checked for that shape, spaces, dashes,
  dots and parentheses removed.
- ``Buttons`` → button template: ``text`` ≤ 640 and 1–3 buttons. The template has no header or
  footer: a ``header`` goes on a line before the text and a ``footer`` on a line after it, as long
  as the whole still fits 640 characters (else ``messenger.button_template.header`` /
  ``messenger.button_template.footer``).
- ``Carousel`` → generic template: 1–10 elements; each a ``title`` (≤ 80) and at least one of
  ``subtitle`` (≤ 80), ``image_url``, ``default_action`` (from ``Card.default_url``) or
  ``buttons`` (≤ 3).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from polychat.content import Button, Buttons, Card, Carousel

from ._check import check_count, check_http_url, check_length, check_required, fail
from .limits import LIMITS

__all__ = ["button_object", "button_template", "buttons_list", "generic_template", "template"]

_PHONE = re.compile(r"\+[1-9][0-9]{4,14}")
"""An international number: ``+``, the country code, the number (E.164: at most 15 digits)."""
_PHONE_FORMATTING = str.maketrans("", "", " -.()\t")


def template(payload: dict[str, Any]) -> dict[str, Any]:
    """Wrap a template ``payload`` as the ``message`` object of a send."""
    return {"attachment": {"type": "template", "payload": payload}}


def button_object(button: Button) -> dict[str, Any]:
    """One button of a button, generic or media template.

    Raises:
        ContentError: an empty or long title (``messenger.button.title``), an empty or long
            postback payload (``messenger.button.payload``), a link that is not http(s)
            (``messenger.button.url``), a phone number without ``+`` and country code
            (``messenger.button.phone``).
    """
    title = check_required(button.title, "button.title", "button titles")
    if button.type == "reply":
        payload = check_required(button.id, "button.payload", "postback button payloads")
        return {"type": "postback", "title": title, "payload": payload}
    if button.type == "url":
        url = check_http_url(button.link, "button.url", "url button links")
        return {"type": "web_url", "url": url, "title": title}
    phone = (button.phone or "").translate(_PHONE_FORMATTING)
    if not _PHONE.fullmatch(phone):
        fail("Messenger call buttons need an international number: '+', the country code and "
             f"the number, got {button.phone!r}", "button.phone")
    return {"type": "phone_number", "title": title, "payload": phone}


def buttons_list(buttons: Sequence[Button], key: str, what: str) -> list[dict[str, Any]]:
    """Check ``1 <= len(buttons) <= LIMITS[key]`` and map each button."""
    check_count(len(buttons), key, what, "buttons")
    return [button_object(b) for b in buttons]


def button_template(content: Buttons) -> dict[str, Any]:
    """The ``message`` object of a button template.

    Raises:
        ContentError: 0 or more than 3 buttons, an empty text, a text over 640 characters (with
            the header and footer lines when given), or a broken button limit.
    """
    buttons = buttons_list(content.buttons, "button_template.buttons", "button templates")
    return template({"template_type": "button", "text": _button_text(content), "buttons": buttons})


def _button_text(content: Buttons) -> str:
    """The template text: ``header\\ntext\\nfooter`` when header/footer are given and it fits."""
    text = check_required(content.text, "button_template.text", "button template texts")
    limit = LIMITS["button_template.text"]
    for part, key in ((content.header, "header"), (content.footer, "footer")):
        if not part:
            continue
        joined = f"{part}\n{text}" if key == "header" else f"{text}\n{part}"
        if len(joined) > limit:
            fail(f"Messenger button templates have no {key}; it is put on its own line "
                 f"{'before' if key == 'header' else 'after'} the text, but the text allows at "
                 f"most {limit} characters, got {len(joined)} with the {key}",
                 f"button_template.{key}")
        text = joined
    return text


def generic_template(content: Carousel) -> dict[str, Any]:
    """The ``message`` object of a generic template (a carousel of 1–10 elements).

    Raises:
        ContentError: too many cards, a card with no title, a card with nothing but a title
            (``messenger.generic.element``), or a broken element or button limit.
    """
    check_count(len(content.cards), "generic.elements", "generic templates", "elements")
    return template({"template_type": "generic",
                     "elements": [_element(card, n) for n, card in enumerate(content.cards)]})


def _element(card: Card, n: int) -> dict[str, Any]:
    element: dict[str, Any] = {
        "title": check_required(card.title, "generic.title", "generic template titles"),
    }
    if card.subtitle:
        element["subtitle"] = check_length(card.subtitle, "generic.subtitle",
                                           "generic template subtitles")
    if card.image_url:
        element["image_url"] = check_http_url(card.image_url, "generic.image_url",
                                              "generic template image URLs")
    if card.default_url:
        element["default_action"] = {
            "type": "web_url",
            "url": check_http_url(card.default_url, "generic.default_action",
                                  "generic template default URLs"),
        }
    if card.buttons:
        element["buttons"] = buttons_list(card.buttons, "generic.buttons",
                                          "generic template elements")
    if len(element) == 1:
        fail(f"Messenger generic template elements need a subtitle, image_url, default_url or "
             f"buttons beside the title; card {n} ({card.title!r}) has only a title",
             "generic.element")
    return element
