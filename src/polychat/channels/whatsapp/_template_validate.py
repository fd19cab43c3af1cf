"""Check a template send against its approved definition, before Meta does.

:func:`validate` refuses, with :class:`TemplateMismatch` (a
:class:`~polychat.errors.ContentError`), every send Meta would refuse for a reason the definition
shows. The error's ``limit`` is ``"whatsapp.template.<rule>"``, its message names the component
(``header``, ``body``, ``button 1``, ``carousel``, ``card 2 body``…) and the parameter, and its
``code`` is the Cloud API error Meta answers the same send with.

=====================  =========================================================  ===========
rule                   refused                                                    Meta code
=====================  =========================================================  ===========
``name``               no template of that name (a close name is suggested)      132001
``language``           the name exists, not in this exact locale ("did you       132001
                       mean 'en_US'?"; meta.md §4.4)
``status``             not ``APPROVED``: ``PAUSED`` (132015), ``DISABLED``        132015,
                       (132016), ``PENDING``, ``REJECTED``… (132001)              132016
``parameter_count``    a header or body with more or fewer parameters than the    132000
                       template has variables (meta.md §4.4)
``parameter_format``   named parameters for a positional template or the other    132000
                       way round (meta.md §4.4: do not mix)
``parameter_name``     a named parameter missing, unknown or repeated             132000
``parameter_type``     a header text variable given a non-text parameter; a       132012
                       body parameter other than text, currency or date_time
``parameter_text``     an empty text parameter (131008); newlines, tabs or more   131008,
                       than 4 consecutive spaces in a text parameter (*derived*:  100
                       Meta's refusal "Param text cannot have new-line/tab
                       characters or more than 4 consecutive spaces")
``header_format``      a media or location header missing or of another kind      132012
                       than the approved format
``button``             a button index the template does not have, a parameter    131009,
                       for a button that takes none, a sub_type that is not the   132000
                       button's type, a dynamic URL / OTP / copy-code / MPM
                       button without its parameter
``code``               a coupon code or one-time password longer than 15          131009
                       characters (Meta's coupon-code and authentication guides)
``carousel``           a carousel that does not send every card once, with its    132000
                       header, body and buttons checked like the template's own
``limited_time_offer`` an offer with an expiry the template needs, or one it      131008
                       does not have
``components``         a component the template does not have (a carousel for a   132000
                       plain template…), or the same component twice
=====================  =========================================================  ===========

Sources: meta.md §4.4 and §6.2 (codes 132000–132016), the spec's template send and
``message_templates`` schemas (v23.0), Meta's template guides for buttons, carousels and
authentication templates. Rules marked *derived* come from Meta's error texts, not from meta.md.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from polychat.content import Template
from polychat.errors import ContentError

from ._template import template_object
from ._template_components import CODE_MAX_LENGTH
from ._template_definition import (
    DefinitionButton,
    DefinitionCard,
    DefinitionComponent,
    TemplateDefinition,
    card_component,
    component_text,
    placeholders,
)

__all__ = [
    "TemplateMismatch",
    "as_definitions",
    "find_definition",
    "suggest_locale",
    "validate",
    "validate_wire",
]

_BAD_TEXT = re.compile(r"[\n\t]| {5,}")
_BODY_TYPES = frozenset({"text", "currency", "date_time"})
_MEDIA_FORMATS = frozenset({"IMAGE", "VIDEO", "DOCUMENT", "LOCATION"})

# Button type → (the sub_type its send component has, the parameter type it carries, required).
_BUTTONS: dict[str, tuple[str, str, bool]] = {
    "QUICK_REPLY": ("quick_reply", "payload", False),
    "URL": ("url", "text", True),
    "OTP": ("url", "text", True),
    "COPY_CODE": ("copy_code", "coupon_code", True),
    "FLOW": ("flow", "action", False),
    "CATALOG": ("catalog", "action", False),
    "MPM": ("mpm", "action", True),
}
_HELPERS = {"quick_reply": "QuickReplyButton", "url": "UrlButton", "copy_code": "CopyCodeButton",
            "flow": "FlowButton", "catalog": "CatalogButton", "mpm": "a 'mpm' button component"}


class TemplateMismatch(ContentError):
    """A template send does not match its approved definition (or the template is not sendable).

    Attributes:
        template: the template's name.
        language: the locale the send asked for.
        component: what is wrong, as the message names it (``"header"``, ``"body"``,
            ``"button 1"``, ``"carousel"``, ``"card 2 body"``), or ``None`` for the template as a
            whole (name, language, status).
        parameter: the variable concerned (``"2"`` for ``{{2}}``, ``"first_name"``), when one is.
        code: the Cloud API error code Meta answers the same send with (132000, 132001, 132012,
            132015, 132016, 131008, 131009 or 100).
    """

    def __init__(self, message: str, *, rule: str, template: str, language: str,
                 component: str | None = None, parameter: str | None = None,
                 code: int | None = None) -> None:
        limit = f"whatsapp.template.{rule}"
        super().__init__(f"{message} (limit {limit})", limit=limit, channel="whatsapp",
                         feature="template")
        self.rule = rule
        self.template = template
        self.language = language
        self.component = component
        self.parameter = parameter
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (str(self), self.__dict__))


def _rebuild(message: str, state: dict[str, Any]) -> TemplateMismatch:
    error = TemplateMismatch.__new__(TemplateMismatch)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


# -- finding the definition ------------------------------------------------------------------------


def as_definitions(definitions: Any) -> list[TemplateDefinition]:
    """``definitions`` as a list: one definition, an iterable of definitions / Graph dicts, or a
    whole ``GET /{waba-id}/message_templates`` answer (``{"data": [...], "paging": …}``)."""
    if isinstance(definitions, Mapping) and isinstance(definitions.get("data"), list):
        definitions = definitions["data"]
    elif isinstance(definitions, TemplateDefinition | Mapping):
        definitions = [definitions]
    return [d if isinstance(d, TemplateDefinition) else TemplateDefinition.model_validate(d)
            for d in definitions]


def find_definition(definitions: Iterable[TemplateDefinition], name: str,
                    language: str) -> TemplateDefinition | None:
    """The definition of ``name`` in exactly ``language``; an ``APPROVED`` one first."""
    found = [d for d in definitions if d.name == name and d.language == language]
    return next((d for d in found if d.status == "APPROVED"), found[0] if found else None)


def suggest_locale(language: str, available: Iterable[str]) -> str | None:
    """The approved locale the caller most likely meant, or ``None``.

    The same code spelt differently (``en-US``, ``en_us``) first, then a locale of the same
    language (``en`` → ``en_US``), then the closest spelling.
    """
    locales = sorted(set(available))
    key = language.replace("-", "_").lower()
    for locale in locales:
        if locale.lower() == key:
            return locale
    prefix = key.split("_")[0]
    same = [loc for loc in locales if loc.lower().split("_")[0] == prefix]
    if same:
        return same[0]
    close = difflib.get_close_matches(language, locales, n=1, cutoff=0.5)
    return close[0] if close else None


# -- the checks ------------------------------------------------------------------------------------


def validate(template: Template, definitions: Any) -> TemplateDefinition:
    """Check ``template`` against the approved definitions; return the one it was checked against.

    Args:
        template: the send (typed components or dicts; they are checked as rendered).
        definitions: one :class:`TemplateDefinition`, or several (Graph dicts will do, and so
            does a whole ``message_templates`` answer); the one with the template's name and
            exact language is used.

    Raises:
        TemplateMismatch: the template is unknown in that locale, not approved, or its components
            do not fit the definition (see the module docstring for every rule).
        ContentError: the components are malformed (no definition needed to tell).

    Example:
        >>> definition = TemplateDefinition.from_graph({
        ...     "name": "order_shipped", "language": "en_US", "status": "APPROVED",
        ...     "components": [{"type": "BODY", "text": "Hi {{1}}, {{2}} has shipped."}]})
        >>> try:
        ...     validate(Template("order_shipped", "en", [{"type": "body", "parameters": [
        ...         {"type": "text", "text": "Ada"}]}]), definition)
        ... except TemplateMismatch as error:
        ...     print(error.limit, error.code)
        whatsapp.template.language 132001
    """
    return validate_wire(template_object(template), definitions)


def validate_wire(template: Mapping[str, Any], definitions: Any) -> TemplateDefinition:
    """:func:`validate` for the ``template`` object of a send body (``{"name", "language":
    {"code"}, "components"}``), as the simulator receives it."""
    name = str(template.get("name", ""))
    language = template.get("language")
    code = str(language.get("code", "")) if isinstance(language, Mapping) else str(language or "")
    definition = _resolve(name, code, as_definitions(definitions))
    _check_status(definition, code)
    components = template.get("components") or []
    _Checker(definition, code).check([c for c in components if isinstance(c, Mapping)])
    return definition


def _resolve(name: str, language: str, definitions: list[TemplateDefinition]) -> TemplateDefinition:
    same_name = [d for d in definitions if d.name == name]
    if not same_name:
        names = sorted({d.name for d in definitions})
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f": did you mean {close[0]!r}?" if close else ""
        raise TemplateMismatch(
            f"WhatsApp template {name!r} does not exist in this account{hint}",
            rule="name", template=name, language=language, code=132001)
    definition = find_definition(same_name, name, language)
    if definition is None:
        available = sorted({d.language for d in same_name})
        guess = suggest_locale(language, available)
        hint = f": did you mean {guess!r}?" if guess else ""
        raise TemplateMismatch(
            f"WhatsApp template {name!r} has no {language!r} translation (it has "
            f"{', '.join(available)}){hint} Template languages are exact locales",
            rule="language", template=name, language=language, code=132001)
    return definition


_STATUS_HINTS: dict[str, tuple[int, str]] = {
    "PAUSED": (132015, "Meta paused it for low quality; edit it or send another template "
                       "until the pause ends"),
    "DISABLED": (132016, "Meta disabled it for low quality; send another template"),
    "PENDING": (132001, "it is still in review; wait for its APPROVED status update"),
    "REJECTED": (132001, "Meta rejected it; edit it and submit it again"),
    "IN_APPEAL": (132001, "its rejection is being appealed"),
    "PENDING_DELETION": (132001, "it is being deleted"),
    "DELETED": (132001, "it was deleted"),
    "ARCHIVED": (132001, "it was archived for inactivity; unarchive it first"),
    "LIMIT_EXCEEDED": (132001, "the account is over its template limit"),
}


def _check_status(definition: TemplateDefinition, language: str) -> None:
    if definition.status == "APPROVED":
        return
    code, hint = _STATUS_HINTS.get(definition.status, (132001, "only APPROVED templates can be "
                                                                "sent"))
    reason = definition.raw.get("rejected_reason")
    if isinstance(reason, str) and reason and reason != "NONE":
        hint += f" (reason: {reason})"
    raise TemplateMismatch(
        f"WhatsApp template {definition.name!r} ({language}) is {definition.status}, not "
        f"APPROVED: {hint}", rule="status", template=definition.name, language=language,
        code=code)


@dataclass
class _Part:
    """What one level of a template offers: the top level, or one carousel card."""

    prefix: str
    header: DefinitionComponent | None
    body_text: str | None
    buttons: list[DefinitionButton]


class _Checker:
    """Checks the components of one send against one definition."""

    def __init__(self, definition: TemplateDefinition, language: str) -> None:
        self.definition = definition
        self.language = language
        self.named = definition.named

    def fail(self, rule: str, component: str | None, problem: str, *, code: int,
             parameter: str | None = None) -> NoReturn:
        where = f" {component}" if component else ""
        raise TemplateMismatch(
            f"WhatsApp template {self.definition.name!r} ({self.language}){where}: {problem}",
            rule=rule, template=self.definition.name, language=self.language,
            component=component, parameter=parameter, code=code)

    # -- top level -----------------------------------------------------------------------------

    def check(self, components: list[Mapping[str, Any]]) -> None:
        d = self.definition
        top = _Part("", d.component("HEADER"), d.body_text(), d.buttons)
        rest = self.check_part(top, components, top_level=True)
        carousels = [c for c in rest if c.get("type") == "carousel"]
        offers = [c for c in rest if c.get("type") == "limited_time_offer"]
        for kind, found in (("carousel", carousels), ("limited_time_offer", offers)):
            if len(found) > 1:
                self.fail("components", kind.replace("_", " "), "appears twice in the send",
                          code=132000)
        self.check_carousel(carousels[0] if carousels else None)
        self.check_offer(offers[0] if offers else None)

    def check_part(self, part: _Part, components: list[Mapping[str, Any]], *,
                   top_level: bool) -> list[Mapping[str, Any]]:
        """Check a part's header, body and buttons; return the other components."""
        headers = [c for c in components if c.get("type") == "header"]
        bodies = [c for c in components if c.get("type") == "body"]
        buttons = [c for c in components if c.get("type") == "button"]
        for kind, found in (("header", headers), ("body", bodies)):
            if len(found) > 1:
                self.fail("components", f"{part.prefix}{kind}", "appears twice in the send",
                          code=132000)
        rest = [c for c in components if c.get("type") not in ("header", "body", "button")]
        if not top_level:
            for other in rest:
                self.fail("components", f"{part.prefix}{other.get('type')}",
                          "cannot be part of a carousel card", code=132000)
        self.check_header(part, headers[0] if headers else None)
        self.check_body(part, bodies[0] if bodies else None)
        self.check_buttons(part, buttons)
        return rest

    # -- header --------------------------------------------------------------------------------

    def check_header(self, part: _Part, sent: Mapping[str, Any] | None) -> None:
        where = f"{part.prefix}header"
        params = _parameters(sent)
        header = part.header
        fmt = (header.format or "TEXT") if header is not None else None
        if fmt in _MEDIA_FORMATS:
            kind = str(fmt).lower()
            if not params:
                self.fail("header_format", where,
                          f"the template has {_article(str(fmt))} {fmt} header: send its {kind} "
                          f"(TemplateHeader.{kind}(...))", code=132012)
            if len(params) > 1:
                self.fail("parameter_count", where, f"takes one {kind}, got {len(params)} "
                          "parameters", code=132000)
            given = params[0].get("type")
            if given != kind:
                self.fail("header_format", where,
                          f"the template's header is {fmt}, the send gives a {given} header: "
                          f"send TemplateHeader.{kind}(...)", code=132012)
            return
        variables = placeholders(header.text) if fmt == "TEXT" and header is not None else []
        if header is None and params:
            self.fail("components", where, "the template has no header: remove the header "
                      "component", code=132000)
        if fmt is not None and fmt != "TEXT":
            return  # a format polychat does not model (PRODUCT, GIF…): Meta decides
        self.check_variables(where, variables, params, allowed=frozenset({"text"}))

    # -- body ----------------------------------------------------------------------------------

    def check_body(self, part: _Part, sent: Mapping[str, Any] | None) -> None:
        self.check_variables(f"{part.prefix}body", placeholders(part.body_text),
                             _parameters(sent), allowed=_BODY_TYPES)

    def check_variables(self, where: str, variables: list[str], params: list[Mapping[str, Any]],
                        *, allowed: frozenset[str]) -> None:
        shown = ", ".join(f"{{{{{v}}}}}" for v in variables) or "none"
        if self.named:
            self.check_named(where, variables, params, shown)
        else:
            for i, param in enumerate(params, 1):
                name = param.get("parameter_name")
                if name is not None:
                    self.fail("parameter_format", where,
                              f"parameter {i} is named {name!r}, but the template uses "
                              f"positional variables ({shown}): drop parameter_name",
                              code=132000, parameter=str(i))
            if len(params) != len(variables):
                self.fail("parameter_count", where,
                          f"expects {len(variables)} parameter(s) ({shown}), got {len(params)}",
                          code=132000)
        for i, param in enumerate(params, 1):
            label = str(param.get("parameter_name") or i)
            kind = param.get("type")
            if kind not in allowed:
                self.fail("parameter_type", where,
                          f"parameter {label} is of type {kind!r}; this component takes "
                          f"{', '.join(sorted(allowed))}", code=132012, parameter=label)
            if kind == "text":
                self.check_text(where, label, param.get("text"))

    def check_named(self, where: str, variables: list[str], params: list[Mapping[str, Any]],
                    shown: str) -> None:
        names: list[str] = []
        for i, param in enumerate(params, 1):
            name = param.get("parameter_name")
            if not isinstance(name, str):
                self.fail("parameter_format", where,
                          f"parameter {i} has no parameter_name, but the template uses named "
                          f"variables ({shown}): name every parameter", code=132000,
                          parameter=str(i))
            if name in names:
                self.fail("parameter_name", where, f"names parameter {{{{{name}}}}} twice",
                          code=132000, parameter=name)
            names.append(name)
        for name in names:
            if name not in variables:
                self.fail("parameter_name", where,
                          f"has parameter {{{{{name}}}}}, which the template does not have "
                          f"(it has {shown})", code=132000, parameter=name)
        for variable in variables:
            if variable not in names:
                self.fail("parameter_name", where, f"is missing parameter {{{{{variable}}}}} "
                          f"(the template has {shown})", code=132000, parameter=variable)

    def check_text(self, where: str, label: str, text: Any) -> None:
        if not isinstance(text, str) or not text.strip():
            self.fail("parameter_text", where, f"parameter {label} has no text", code=131008,
                      parameter=label)
        if _BAD_TEXT.search(text):
            self.fail("parameter_text", where,
                      f"parameter {label} has a newline, a tab or more than 4 consecutive "
                      "spaces, which WhatsApp refuses in template parameters", code=100,
                      parameter=label)

    # -- buttons -------------------------------------------------------------------------------

    def check_buttons(self, part: _Part, sent: list[Mapping[str, Any]]) -> None:
        by_index: dict[int, Mapping[str, Any]] = {}
        count = len(part.buttons)
        for component in sent:
            index = _index(component.get("index"))
            where = f"{part.prefix}button {component.get('index')}"
            if index is None or index >= count:
                have = f"{count} button(s) (index 0-{count - 1})" if count else "no buttons"
                self.fail("button", where, f"does not exist: the template has {have}",
                          code=131009)
            if index in by_index:
                self.fail("button", where, "appears twice in the send", code=132000)
            by_index[index] = component
            self.check_button(f"{part.prefix}button {index}", part.buttons[index], component)
        for index, button in enumerate(part.buttons):
            shape = _button_shape(button)
            if shape is not None and shape[2] and index not in by_index:
                helper = "OtpButton" if button.is_otp else _HELPERS.get(shape[0], shape[0])
                self.fail("button", f"{part.prefix}button {index}",
                          f"{_label(button)} needs {_needs(button)}: add "
                          f"{helper}(index={index}, ...)", code=132000)

    def check_button(self, where: str, button: DefinitionButton,
                     component: Mapping[str, Any]) -> None:
        shape = _button_shape(button)
        label = _label(button)
        sub_type = str(component.get("sub_type", "")).lower()
        if shape is None:
            self.fail("button", where, f"is a {label}, which takes no parameter: remove its "
                      "component", code=131009)
        expected, param_type, _ = shape
        if sub_type != expected:
            self.fail("button", where, f"is a {label}, sent as {sub_type!r}: send it as "
                      f"{expected!r} ({_HELPERS.get(expected, expected)})", code=131009)
        if button.type == "URL" and not button.is_otp and not button.url_variables:
            self.fail("button", where, f"{label} has a fixed URL ({button.url}): send no "
                      "component for it", code=132000)
        params = _parameters(component)
        if len(params) != 1:
            self.fail("button", where, f"{label} takes one {param_type} parameter, got "
                      f"{len(params)}", code=132000)
        param = params[0]
        if param.get("type") != param_type:
            self.fail("button", where, f"{label} takes a {param_type!r} parameter, got "
                      f"{param.get('type')!r}", code=132012)
        value = param.get(param_type)
        if param_type in ("text", "payload") and (not isinstance(value, str) or not value):
            self.fail("button", where, f"{label} has an empty {param_type}", code=131008)
        if param_type == "coupon_code" or button.is_otp:
            self.check_code(where, label, value)

    def check_code(self, where: str, label: str, value: Any) -> None:
        if not isinstance(value, str) or not value:
            self.fail("code", where, f"{label} has no code", code=131008)
        if len(value) > CODE_MAX_LENGTH:
            self.fail("code", where, f"{label}: codes allow at most {CODE_MAX_LENGTH} "
                      f"characters, got {len(value)}", code=131009)

    # -- carousel and limited-time offer -------------------------------------------------------

    def check_carousel(self, sent: Mapping[str, Any] | None) -> None:
        cards = self.definition.cards
        if not cards:
            if sent is not None:
                self.fail("components", "carousel", "the template has no carousel: remove it",
                          code=132000)
            return
        if sent is None:
            self.fail("carousel", "carousel", f"the template has {len(cards)} cards: send "
                      "TemplateCarousel with every card", code=132000)
        sent_cards = sent.get("cards")
        if not isinstance(sent_cards, list):
            self.fail("carousel", "carousel", "has no cards list", code=132000)
        seen: dict[int, Mapping[str, Any]] = {}
        for position, card in enumerate(sent_cards):
            raw_index = card.get("card_index", position) if isinstance(card, Mapping) else None
            index = _index(raw_index)
            if not isinstance(card, Mapping) or index is None or index >= len(cards):
                self.fail("carousel", f"card {raw_index}",
                          f"does not exist: the template has {len(cards)} cards "
                          f"(card_index 0-{len(cards) - 1})", code=131009)
            if index in seen:
                self.fail("carousel", f"card {index}", "appears twice", code=132000)
            seen[index] = card
        missing = [i for i in range(len(cards)) if i not in seen]
        if missing:
            self.fail("carousel", f"card {missing[0]}",
                      f"is missing: the template has {len(cards)} cards and every one is sent",
                      code=132000)
        for index, card in sorted(seen.items()):
            self.check_card(index, cards[index], card)

    def check_card(self, index: int, card: DefinitionCard, sent: Mapping[str, Any]) -> None:
        buttons = card_component(card, "BUTTONS")
        part = _Part(f"card {index} ", card_component(card, "HEADER"),
                     component_text(card_component(card, "BODY"), None),
                     list(buttons.buttons) if buttons is not None else [])
        components = sent.get("components")
        items = [c for c in components if isinstance(c, Mapping)] if isinstance(
            components, list) else []
        self.check_part(part, items, top_level=False)

    def check_offer(self, sent: Mapping[str, Any] | None) -> None:
        offer = self.definition.component("LIMITED_TIME_OFFER")
        if offer is None:
            if sent is not None:
                self.fail("components", "limited time offer", "the template has no "
                          "limited-time offer: remove it", code=132000)
            return
        expires = bool((offer.limited_time_offer or {}).get("has_expiration"))
        if sent is None:
            if expires:
                self.fail("limited_time_offer", "limited time offer", "the template's offer "
                          "expires: send LimitedTimeOffer(expires=...)", code=131008)
            return
        params = _parameters(sent)
        value = params[0].get("limited_time_offer") if len(params) == 1 else None
        millis = value.get("expiration_time_ms") if isinstance(value, Mapping) else None
        if not isinstance(millis, int) or isinstance(millis, bool):
            self.fail("limited_time_offer", "limited time offer", "takes one "
                      "limited_time_offer parameter with expiration_time_ms", code=132000)
        if not expires:
            self.fail("limited_time_offer", "limited time offer", "the template's offer has no "
                      "expiry: send no limited_time_offer component", code=132000)


def _parameters(component: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if component is None:
        return []
    params = component.get("parameters")
    return [p for p in params if isinstance(p, Mapping)] if isinstance(params, list) else []


def _index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _button_shape(button: DefinitionButton) -> tuple[str, str, bool] | None:
    if button.is_otp:
        return _BUTTONS["OTP"]
    shape = _BUTTONS.get(button.type)
    if shape is not None and button.type == "URL" and not button.url_variables:
        return ("url", "text", False)  # a fixed URL: nothing to send (checked by the caller)
    return shape


def _article(word: str) -> str:
    return "an" if word[:1].upper() in "AEIOU" else "a"


def _label(button: DefinitionButton) -> str:
    kind = "OTP" if button.is_otp else button.type
    return f"{kind} button {button.text!r}" if button.text else f"{kind} button"


def _needs(button: DefinitionButton) -> str:
    if button.is_otp:
        return "the one-time password"
    if button.type == "URL":
        return f"its URL suffix ({{{{1}}}} of {button.url})"
    if button.type == "COPY_CODE":
        return "its coupon code"
    return "its parameter"
