"""Apple Messages for Business channel (``polychat.AppleMessages``), MSP REST API.

Attachments need the ``cryptography`` package: ``pip install "polychat[apple]"``.
"""

from __future__ import annotations

from .channel import SEND_OPTIONS, AppleMessages
from .limits import CAPABILITIES, DEVICE_CAPABILITIES, LIMITS

__all__ = ["CAPABILITIES", "DEVICE_CAPABILITIES", "LIMITS", "SEND_OPTIONS", "AppleMessages"]
