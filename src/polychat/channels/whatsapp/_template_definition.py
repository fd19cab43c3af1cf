"""Approved template definitions, as ``GET /{waba-id}/message_templates`` lists them.

A definition is what Meta approved: the template's name, locale, status, category, parameter
format and components with their text and ``{{1}}`` / ``{{name}}`` placeholders. polychat reads it
to check a send before Meta does (:mod:`._template_validate`) and to show the filled-in text in the
simulator. Graph items carry more keys than modelled here (``quality_score``, ``sub_category``,
``previous_category``…); they are kept in ``raw``.

Shapes (the spec's ``GET``/``POST /{WABA-ID}/message_templates`` examples, v23.0, and Meta's
template guides)::

    {"name": "order_shipped", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
     "id": "1689556908129832", "parameter_format": "POSITIONAL",
     "components": [
       {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW..."]}},
       {"type": "BODY", "text": "Hi {{1}}, order {{2}} has shipped.",
        "example": {"body_text": [["Ada", "A1001"]]}},
       {"type": "FOOTER", "text": "Lucky Shrub"},
       {"type": "BUTTONS", "buttons": [
          {"type": "URL", "text": "Track", "url": "https://x.test/t/{{1}}", "example": ["..."]},
          {"type": "QUICK_REPLY", "text": "Stop updates"}]}]}

Types, formats, statuses and categories are read case-insensitively and kept upper-case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from polychat._model import PolychatModel

__all__ = [
    "PLACEHOLDER",
    "DefinitionButton",
    "DefinitionCard",
    "DefinitionComponent",
    "TemplateDefinition",
    "placeholders",
]

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
"""A template variable: ``{{1}}`` (positional) or ``{{first_name}}`` (named)."""

AUTHENTICATION_BODY = "{{1}} is your verification code."
"""The preset body of authentication templates (Meta's authentication template guides); Meta
lists it with the code as ``{{1}}``, so a definition created without body text gets it."""

_UPPER_KEYS = ("type", "format", "status", "category", "parameter_format", "otp_type")


def placeholders(text: str | None) -> list[str]:
    """The distinct variables of ``text`` in order of first appearance (``["1", "2"]``)."""
    seen: list[str] = []
    for match in PLACEHOLDER.finditer(text or ""):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


class _GraphModel(PolychatModel):
    """A model read from a Graph object: known keys become fields, the whole object is ``raw``."""

    raw: dict[str, Any] = Field(default_factory=dict, repr=False)
    """The Graph object as received (every key, modelled or not)."""

    @model_validator(mode="before")
    @classmethod
    def _from_graph(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        known = set(cls.model_fields) - {"raw"}
        out: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        for key in _UPPER_KEYS:
            if key in known and isinstance(out.get(key), str):
                out[key] = out[key].upper()
        raw = data.get("raw")
        out["raw"] = dict(raw) if isinstance(raw, Mapping) else {
            k: v for k, v in data.items() if k != "raw"}
        return out

    def to_graph(self) -> dict[str, Any]:
        """The Graph object: ``raw`` with the modelled fields written over it."""
        out = dict(self.raw)
        for name in type(self).model_fields:
            if name == "raw":
                continue
            value = getattr(self, name)
            if value is None or value == [] or value is False:
                continue
            if isinstance(value, list):
                out[name] = [v.to_graph() if isinstance(v, _GraphModel) else v for v in value]
            else:
                out[name] = value
        return out


class DefinitionButton(_GraphModel):
    """One button of a template's ``BUTTONS`` component."""

    type: str
    """``QUICK_REPLY``, ``URL``, ``PHONE_NUMBER``, ``COPY_CODE``, ``OTP``, ``FLOW``, ``CATALOG``,
    ``MPM``, ``VOICE_CALL``…"""
    text: str | None = None
    """The button's label."""
    url: str | None = None
    """A URL button's URL; ``{{1}}`` at its end makes it dynamic."""
    phone_number: str | None = None
    otp_type: str | None = None
    """``COPY_CODE``, ``ONE_TAP`` or ``ZERO_TAP`` for ``OTP`` buttons."""
    example: Any = None

    @property
    def is_otp(self) -> bool:
        """An authentication button: ``OTP``, or the ``URL`` button Meta turns it into."""
        return self.type == "OTP" or (self.type == "URL" and "/otp/" in (self.url or ""))

    @property
    def url_variables(self) -> list[str]:
        """The variables of a URL button's URL (``["1"]`` for a dynamic one)."""
        return placeholders(self.url)


class DefinitionComponent(_GraphModel):
    """One component of a definition (or of a carousel card)."""

    type: str
    """``HEADER``, ``BODY``, ``FOOTER``, ``BUTTONS``, ``CAROUSEL``, ``LIMITED_TIME_OFFER``…"""
    format: str | None = None
    """Header format: ``TEXT``, ``IMAGE``, ``VIDEO``, ``DOCUMENT``, ``LOCATION``…"""
    text: str | None = None
    """The component's text with its placeholders."""
    buttons: list[DefinitionButton] = Field(default_factory=list)
    cards: list[DefinitionCard] = Field(default_factory=list)
    example: Any = None
    """Meta's sample values (``header_text``, ``body_text``, ``*_named_params``, ``header_handle``)."""
    limited_time_offer: dict[str, Any] | None = None
    """``{"text", "has_expiration"}`` of a ``LIMITED_TIME_OFFER`` component."""


class DefinitionCard(_GraphModel):
    """One card of a ``CAROUSEL`` component."""

    components: list[DefinitionComponent] = Field(default_factory=list)



class TemplateDefinition(_GraphModel):
    """An approved (or pending, paused…) message template, as Meta lists it.

    Build it from a Graph ``message_templates`` item with :meth:`from_graph` (or
    ``model_validate``); keys not modelled stay in :attr:`raw`.

    Example:
        >>> d = TemplateDefinition.from_graph({
        ...     "name": "order_shipped", "language": "en_US", "status": "APPROVED",
        ...     "category": "UTILITY", "id": "1689556908129832",
        ...     "components": [{"type": "BODY", "text": "Hi {{1}}, {{2}} has shipped."}]})
        >>> d.variables("body")
        ['1', '2']
    """

    name: str
    """The template's name."""
    language: str
    """Its exact locale (``en_US``)."""
    status: str = "APPROVED"
    """``APPROVED``, ``PENDING``, ``REJECTED``, ``PAUSED``, ``DISABLED``, ``IN_APPEAL``…
    (Meta always lists it; the default only serves definitions written by hand in tests)."""
    category: str | None = None
    """``UTILITY``, ``MARKETING`` or ``AUTHENTICATION``."""
    id: str | None = None
    """Meta's template id (``hsm_id``)."""
    parameter_format: Literal["POSITIONAL", "NAMED"] | None = None
    """How variables are written; ``None`` means "infer from the placeholders"."""
    components: list[DefinitionComponent] = Field(default_factory=list)
    """The components with their text and placeholders."""

    @model_validator(mode="before")
    @classmethod
    def _string_id(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("id"), int):
            data = {**data, "id": str(data["id"])}
        return data

    @classmethod
    def from_graph(cls, item: Mapping[str, Any]) -> TemplateDefinition:
        """Read one item of ``GET /{waba-id}/message_templates`` (``data[]``)."""
        return cls.model_validate(item)

    # -- reading -------------------------------------------------------------------------------

    def component(self, kind: str) -> DefinitionComponent | None:
        """The first component of type ``kind`` (``"header"``, ``"BODY"``…), or ``None``."""
        return _first(self.components, kind)

    @property
    def buttons(self) -> list[DefinitionButton]:
        """The buttons of the ``BUTTONS`` component, in order (their index is the position)."""
        component = self.component("BUTTONS")
        return list(component.buttons) if component is not None else []

    @property
    def cards(self) -> list[DefinitionCard]:
        """The cards of the ``CAROUSEL`` component."""
        component = self.component("CAROUSEL")
        return list(component.cards) if component is not None else []

    @property
    def named(self) -> bool:
        """Whether variables are named (``{{first_name}}``) rather than positional."""
        if self.parameter_format is not None:
            return self.parameter_format == "NAMED"
        return any(not v.isdigit() for v in self.all_variables())

    def body_text(self) -> str | None:
        """The body text, with the authentication preset when an authentication body has none."""
        return component_text(self.component("BODY"), self.category)

    def variables(self, kind: str) -> list[str]:
        """The variables of the header or body (``"header"`` / ``"body"``), in order."""
        if kind.upper() == "BODY":
            return placeholders(self.body_text())
        component = self.component(kind)
        if component is None or (kind.upper() == "HEADER" and component.format not in (None,
                                                                                        "TEXT")):
            return []
        return placeholders(component.text)

    def all_variables(self) -> list[str]:
        """Every header, body and card variable (URL button variables are always ``{{1}}``)."""
        found = self.variables("header") + self.variables("body")
        for card in self.cards:
            for component in card.components:
                if component.type in ("HEADER", "BODY"):
                    found += placeholders(component.text)
        return found


def _first(components: Iterable[DefinitionComponent], kind: str) -> DefinitionComponent | None:
    wanted = kind.upper()
    return next((c for c in components if c.type == wanted), None)


def component_text(component: DefinitionComponent | None, category: str | None) -> str | None:
    """A body's text; an authentication body without text has the preset one."""
    if component is None:
        return AUTHENTICATION_BODY if category == "AUTHENTICATION" else None
    if component.text is None and category == "AUTHENTICATION" and component.type == "BODY":
        return AUTHENTICATION_BODY
    return component.text


def card_component(card: DefinitionCard, kind: str) -> DefinitionComponent | None:
    """The first component of type ``kind`` of a carousel card."""
    return _first(card.components, kind)
