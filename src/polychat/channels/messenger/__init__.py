"""Facebook Messenger Platform channel (``polychat.Messenger``)."""

from __future__ import annotations

from .channel import SEND_OPTIONS, Messenger
from .limits import CAPABILITIES, LIMITS
from .render import media_template, receipt_template

__all__ = ["CAPABILITIES", "LIMITS", "SEND_OPTIONS", "Messenger", "media_template",
           "receipt_template"]
