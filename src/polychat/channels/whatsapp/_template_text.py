"""The text a customer reads for a template send: the definition with its variables filled in.

Pure. Used by the simulator's transcript and by anyone previewing a send. Currency and date_time
parameters show their fallback value (the Cloud API always uses it); media headers show as
``[image] <link or id>``; buttons as ``[ label ]`` (``↗`` for URL buttons, ``☎`` for phone
buttons); carousel cards as ``┃``-prefixed blocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from polychat.content import Template

from ._template import template_object
from ._template_definition import (
    PLACEHOLDER,
    DefinitionButton,
    DefinitionCard,
    DefinitionComponent,
    TemplateDefinition,
    component_text,
)

__all__ = ["template_text", "template_text_wire"]


def template_text(template: Template, definition: TemplateDefinition) -> str:
    """What the customer reads: header, body, footer and buttons, variables filled in.

    Example:
        >>> d = TemplateDefinition.from_graph({"name": "order_shipped", "language": "en_US",
        ...     "components": [{"type": "BODY", "text": "Hi {{1}}, {{2}} has shipped."}]})
        >>> template_text(Template("order_shipped", "en_US", [{"type": "body", "parameters": [
        ...     {"type": "text", "text": "Ada"}, {"type": "text", "text": "A1001"}]}]), d)
        'Hi Ada, A1001 has shipped.'
    """
    return template_text_wire(template_object(template), definition)


def template_text_wire(template: Mapping[str, Any], definition: TemplateDefinition) -> str:
    """:func:`template_text` for the ``template`` object of a send body."""
    components = [c for c in template.get("components") or [] if isinstance(c, Mapping)]
    lines = _part(definition.components, definition.category, components)
    carousel = next((c for c in components if c.get("type") == "carousel"), None)
    sent_cards = carousel.get("cards") if carousel is not None else None
    cards: list[str] = []
    for index, card in enumerate(definition.cards):
        sent = _sent_card(sent_cards, index)
        cards.append("\n".join(f"┃ {line}" for line in _card(card, sent)))
    if cards:
        lines.append("\n┠─\n".join(cards))
    return "\n".join(lines)


def _sent_card(cards: Any, index: int) -> list[Mapping[str, Any]]:
    if not isinstance(cards, list):
        return []
    for position, card in enumerate(cards):
        if isinstance(card, Mapping) and str(card.get("card_index", position)) == str(index):
            items = card.get("components")
            return [c for c in items if isinstance(c, Mapping)] if isinstance(items, list) else []
    return []


def _card(card: DefinitionCard, sent: list[Mapping[str, Any]]) -> list[str]:
    return _part(card.components, None, sent)


def _part(definition: list[DefinitionComponent], category: str | None,
          sent: list[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    by_type = {c.type: c for c in definition}
    offer = by_type.get("LIMITED_TIME_OFFER")
    offer_text = (offer.limited_time_offer or {}).get("text") if offer is not None else None
    if offer_text:
        lines.append(f"[offer] {offer_text}")
    header = by_type.get("HEADER")
    sent_header = _params(sent, "header")
    if header is not None:
        if (header.format or "TEXT") == "TEXT":
            if header.text:
                lines.append(_fill(header.text, sent_header))
        else:
            lines.append(_media(header.format or "", sent_header))
    body = component_text(by_type.get("BODY"), category)
    if body or "BODY" in by_type:
        lines.append(_fill(body or "", _params(sent, "body")))
    footer = by_type.get("FOOTER")
    if footer is not None and footer.text:
        lines.append(footer.text)
    buttons = by_type.get("BUTTONS")
    if buttons is not None and buttons.buttons:
        lines.append(" ".join(_button(b, i, sent) for i, b in enumerate(buttons.buttons)))
    return lines


def _params(sent: list[Mapping[str, Any]], kind: str) -> list[Mapping[str, Any]]:
    component = next((c for c in sent if c.get("type") == kind), None)
    params = component.get("parameters") if component is not None else None
    return [p for p in params if isinstance(p, Mapping)] if isinstance(params, list) else []


def _shown(param: Mapping[str, Any]) -> str:
    kind = param.get("type")
    if kind == "text":
        return str(param.get("text", ""))
    value = param.get(str(kind))
    if isinstance(value, Mapping) and "fallback_value" in value:
        return str(value["fallback_value"])
    return f"[{kind}]"


def _fill(text: str, params: list[Mapping[str, Any]]) -> str:
    named = {str(p["parameter_name"]): _shown(p) for p in params if "parameter_name" in p}
    positional = [_shown(p) for p in params if "parameter_name" not in p]

    def value(match: Any) -> str:
        variable = match.group(1)
        if variable in named:
            return named[variable]
        if variable.isdigit() and 0 < int(variable) <= len(positional):
            return positional[int(variable) - 1]
        return str(match.group(0))

    return PLACEHOLDER.sub(value, text)


def _media(fmt: str, params: list[Mapping[str, Any]]) -> str:
    kind = fmt.lower()
    param = params[0] if params else {}
    value = param.get(kind)
    if kind == "location" and isinstance(value, Mapping):
        where = value.get("name") or value.get("address") or (
            f"{value.get('latitude')}, {value.get('longitude')}")
        return f"[location] {where}"
    if isinstance(value, Mapping):
        return f"[{kind}] {value.get('link') or value.get('id')}"
    return f"[{kind}]"


_LABELS = {"COPY_CODE": "Copy code", "OTP": "Copy code"}
"""Labels of buttons Meta words itself (the template defines no text for them)."""


def _button(button: DefinitionButton, index: int, sent: list[Mapping[str, Any]]) -> str:
    label = button.text or _LABELS.get(button.type, button.type.lower())
    if button.type == "URL" and not button.is_otp:
        return f"[ ↗ {label} ]"
    if button.type == "PHONE_NUMBER":
        return f"[ ☎ {label} ]"
    if button.type == "COPY_CODE":
        code = next((p.get("coupon_code") for c in sent if c.get("type") == "button"
                     and str(c.get("index")) == str(index) for p in _params([c], "button")), None)
        return f"[ ⧉ {label}: {code} ]" if code else f"[ ⧉ {label} ]"
    return f"[ {label} ]"
