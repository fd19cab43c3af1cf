"""WhatsApp message templates: typed components, approved definitions, validation, management.

Templates are the only messages a business may send outside the 24-hour window, and the sends
Meta refuses most (132000 parameter count, 132001 unknown template or locale, 132012 parameter
format, 132015/132016 paused or disabled). This module lets a send that passes local checks reach
Meta in a shape Meta accepts:

- **Typed components** build the send: :class:`TemplateHeader`, :class:`TemplateBody` with
  :class:`TemplateParam` (alias :data:`Param`), the buttons (:class:`QuickReplyButton`,
  :class:`UrlButton`, :class:`CopyCodeButton`, :class:`OtpButton`, :class:`FlowButton`,
  :class:`CatalogButton`), :class:`TemplateCarousel` of :class:`CarouselCard`,
  :class:`LimitedTimeOffer`. ``polychat.Template`` takes them (and plain dicts) in
  ``components``.
- **Definitions** (:class:`TemplateDefinition`) are what Meta approved, as
  ``GET /{waba-id}/message_templates`` lists them.
- :func:`validate` checks a send against them and raises :class:`TemplateMismatch` naming the
  component and parameter; :func:`template_text` shows the text the customer reads.
- **Management**: the channel's ``list_templates_exchange`` / ``create_template_exchange`` /
  ``delete_template_exchange`` (built on the functions of :mod:`._template_admin`), and
  :class:`TemplateCache` to keep definitions in the hub's store.

Example:
    >>> from polychat import Template
    >>> t = Template("order_shipped", "en_US", [TemplateBody("Ada", "A1001"), UrlButton(0, "A1001")])
    >>> t.components[1]
    {'type': 'button', 'sub_type': 'url', 'index': '0', 'parameters': [{'type': 'text', 'text': 'A1001'}]}
"""

from __future__ import annotations

from ._template_admin import TemplateCache
from ._template_components import (
    CarouselCard,
    CatalogButton,
    CopyCodeButton,
    FlowButton,
    LimitedTimeOffer,
    OtpButton,
    Param,
    QuickReplyButton,
    TemplateBody,
    TemplateButton,
    TemplateCarousel,
    TemplateHeader,
    TemplateParam,
    UrlButton,
    authentication_code,
)
from ._template_definition import (
    DefinitionButton,
    DefinitionCard,
    DefinitionComponent,
    TemplateDefinition,
)
from ._template_text import template_text
from ._template_validate import TemplateMismatch, find_definition, suggest_locale, validate

validate_template = validate
"""Alias of :func:`validate` under the name ``polychat`` exports it as."""

__all__ = [
    "CarouselCard",
    "CatalogButton",
    "CopyCodeButton",
    "DefinitionButton",
    "DefinitionCard",
    "DefinitionComponent",
    "FlowButton",
    "LimitedTimeOffer",
    "OtpButton",
    "Param",
    "QuickReplyButton",
    "TemplateBody",
    "TemplateButton",
    "TemplateCache",
    "TemplateCarousel",
    "TemplateDefinition",
    "TemplateHeader",
    "TemplateMismatch",
    "TemplateParam",
    "UrlButton",
    "authentication_code",
    "find_definition",
    "suggest_locale",
    "template_text",
    "validate",
    "validate_template",
]
