"""Template messages: check the components before Meta does (meta.md 4.4 and 8.5).

The components are the Cloud API's own dicts, passed through (copied) after these checks:

- ``components`` is a list of dicts, each with a ``type`` among :data:`COMPONENT_TYPES`
  (sent lower-case);
- a ``button`` component has a ``sub_type`` and an ``index`` (an int or digit string, always sent
  as a string: it is the button's position);
- ``parameters``, when present, is a list of dicts with a ``type``;
- named parameters (``parameter_name``: ``a-z`` and ``_``, ≤ 20 characters) are not mixed with
  positional ones in one component;
- carousel cards' own ``components`` follow the same rules.

The language ``code`` must be the exact approved locale (``en``, ``en_US``, ``pt_BR``…); a code that
is not shaped like one (``en-US``, ``English``) is refused here instead of failing with ``132001``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from polychat.content import Template

from ._check import check_length, fail

__all__ = ["COMPONENT_TYPES", "template_object"]

COMPONENT_TYPES = frozenset({"header", "body", "button", "carousel", "limited_time_offer"})
"""Component types a template SEND carries (a footer has no parameters, so it is never sent)."""

_NAMEABLE = frozenset({"text", "currency", "date_time"})
_LOCALE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")
_PARAMETER_NAME = re.compile(r"[a-z_]+")


def template_object(content: Template) -> dict[str, Any]:
    """The ``template`` object of a send body.

    Raises:
        ContentError: an empty name, a language code not shaped like a locale, or a malformed
            component (see the module docstring).
    """
    if not content.name.strip():
        fail("WhatsApp templates need a name", "template.name")
    code = content.language.strip()
    if not _LOCALE.fullmatch(code):
        hint = ""
        if re.fullmatch(r"[A-Za-z]{2,3}[-_][A-Za-z]{2}", code):
            hint = f" (did you mean {code[:-3].lower()}_{code[-2:].upper()}?)"
        fail(
            f"WhatsApp template languages are exact locale codes like 'en' or 'en_US', got "
            f"{content.language!r}{hint}",
            "template.language",
        )
    template: dict[str, Any] = {"name": content.name, "language": {"code": code}}
    components = _components(content.components, "components")
    if components:
        template["components"] = components
    return template


def _components(components: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(components, list):
        fail(f"WhatsApp template {where} must be a list, got {type(components).__name__}",
             "template.components")
    return [_component(c, f"{where}[{i}]") for i, c in enumerate(components)]


def _component(component: Any, where: str) -> dict[str, Any]:
    if not isinstance(component, Mapping):
        fail(f"WhatsApp template {where} must be a dict, got {type(component).__name__}",
             "template.components")
    kind = component.get("type")
    if not isinstance(kind, str) or kind.lower() not in COMPONENT_TYPES:
        fail(
            f"WhatsApp template {where} has type {kind!r}; expected one of "
            f"{', '.join(sorted(COMPONENT_TYPES))}",
            "template.components",
        )
    out: dict[str, Any] = copy.deepcopy(dict(component))
    out["type"] = kind.lower()
    if out["type"] == "button":
        _button(out, where)
    if "parameters" in out:
        _parameters(out["parameters"], where)
    if out["type"] == "carousel":
        for i, card in enumerate(out.get("cards") or []):
            if isinstance(card, dict) and "components" in card:
                card["components"] = _components(card["components"],
                                                 f"{where}.cards[{i}].components")
    return out


def _button(out: dict[str, Any], where: str) -> None:
    sub_type = out.get("sub_type")
    if not isinstance(sub_type, str) or not sub_type:
        fail(f"WhatsApp template button {where} needs a sub_type (quick_reply, url…)",
             "template.button")
    index = out.get("index")
    if isinstance(index, int) and not isinstance(index, bool) and index >= 0:
        out["index"] = str(index)
    elif not (isinstance(index, str) and index.isdigit()):
        fail(f"WhatsApp template button {where} needs an index (its position, 0 first), "
             f"got {index!r}", "template.button")


def _parameters(parameters: Any, where: str) -> None:
    if not isinstance(parameters, list):
        fail(f"WhatsApp template {where}.parameters must be a list, got "
             f"{type(parameters).__name__}", "template.components")
    named = positional = 0
    for i, parameter in enumerate(parameters):
        if not isinstance(parameter, Mapping) or not isinstance(parameter.get("type"), str):
            fail(f"WhatsApp template {where}.parameters[{i}] must be a dict with a type",
                 "template.components")
        name = parameter.get("parameter_name")
        if name is not None:
            _parameter_name(name, f"{where}.parameters[{i}]")
            named += 1
        elif parameter["type"] in _NAMEABLE:
            positional += 1
    if named and positional:
        fail(
            f"WhatsApp template {where} mixes named ({named}) and positional ({positional}) "
            "parameters; use one style per component",
            "template.parameter_format",
        )


def _parameter_name(name: Any, where: str) -> None:
    if not isinstance(name, str) or not _PARAMETER_NAME.fullmatch(name):
        fail(f"WhatsApp template parameter names use only a-z and _, got {name!r} at {where}",
             "template.parameter_name")
    check_length(name, "template.parameter_name", "template parameter names")
