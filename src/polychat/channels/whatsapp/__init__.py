"""WhatsApp Business Cloud API channel (``polychat.WhatsApp``)."""

from __future__ import annotations

from .channel import UPLOAD_PLACEHOLDER, WhatsApp
from .limits import CAPABILITIES, LIMITS

__all__ = ["CAPABILITIES", "LIMITS", "UPLOAD_PLACEHOLDER", "WhatsApp"]
