"""WhatsApp Business Cloud API channel (``polychat.WhatsApp``)."""

from __future__ import annotations

from .channel import UPLOAD_PLACEHOLDER, WhatsApp
from .limits import CAPABILITIES, LIMITS
from .templates import (
    CarouselCard,
    CatalogButton,
    CopyCodeButton,
    FlowButton,
    LimitedTimeOffer,
    OtpButton,
    Param,
    QuickReplyButton,
    TemplateBody,
    TemplateCache,
    TemplateCarousel,
    TemplateDefinition,
    TemplateHeader,
    TemplateMismatch,
    TemplateParam,
    UrlButton,
    authentication_code,
    find_definition,
    template_text,
    validate_template,
)

__all__ = [
    "CAPABILITIES",
    "LIMITS",
    "UPLOAD_PLACEHOLDER",
    "CarouselCard",
    "CatalogButton",
    "CopyCodeButton",
    "FlowButton",
    "LimitedTimeOffer",
    "OtpButton",
    "Param",
    "QuickReplyButton",
    "TemplateBody",
    "TemplateCache",
    "TemplateCarousel",
    "TemplateDefinition",
    "TemplateHeader",
    "TemplateMismatch",
    "TemplateParam",
    "UrlButton",
    "WhatsApp",
    "authentication_code",
    "find_definition",
    "template_text",
    "validate_template",
]
