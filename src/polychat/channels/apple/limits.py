"""Apple Messages for Business limits and fixed values (apple.md sections 3–6, read 2026-11).

Apple documents few numeric limits; those it does (100 MB attachments, 200 kB rich-link images,
10 KB inline interactive JSON) are here, with the values polychat chose where Apple is silent
(quick-reply item count, text length), each marked as a choice.
"""

from __future__ import annotations

from ...capabilities import Capabilities, Pace

__all__ = ["BID", "CAPABILITIES", "DEFAULT_PACING", "DEVICE_CAPABILITIES", "LIMITS", "MSP_GATEWAY"]

MSP_GATEWAY = "https://mspgw.push.apple.com"
BID = ("com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:"
       "com.apple.icloud.apps.messages.business.extension")
"""The ``bid`` of Apple's built-in interactive messages (pickers, quick reply, Apple Pay, auth, forms)."""

DEVICE_CAPABILITIES = frozenset({"QUICK", "LIST", "TIME", "AUTH", "AUTH2", "FORM"})
"""Values of the inbound ``capability-list`` header polychat understands."""

MB = 1024 * 1024

LIMITS: dict[str, int] = {
    "text": 10_000,  # polychat's choice: Apple sets no maximum but limits the payload size
    "attachment.size": 100 * MB,
    "rich_link.image": 200 * 1024,
    "interactive.inline": 10 * 1024,
    "quick_reply.min": 2,  # Apple's samples; item limits are UNCONFIRMED
    "quick_reply.max": 5,
    "list.items": 100,  # polychat's choice, to keep pickers usable
    "list.sections": 10,  # polychat's choice (CAPABILITIES.max_list_sections)
    "bubble.title": 512,  # interactive bubble title/subtitle; LivePerson's documented limit [I]
    "time_picker.slots": 100,  # polychat's choice
    "body.inbound": 16 * MB,  # cap on a decompressed inbound body (attachments travel by reference)
    "imessage_url": 64 * 1024,
}
"""Limit name → value. ``ContentError.limit`` is ``"apple." + name``."""

CAPABILITIES = Capabilities(
    channel="apple",
    content_kinds=frozenset({
        "text", "image", "video", "audio", "file", "sticker", "rich_link", "list", "time_picker",
        "quick_replies", "buttons", "typing", "payment_request", "auth_request", "form", "raw",
    }),
    max_text_length=LIMITS["text"],
    max_buttons=LIMITS["quick_reply.max"],
    max_button_title=60,
    mixed_buttons=False,
    max_url_buttons=0,
    max_quick_replies=LIMITS["quick_reply.max"],
    max_list_rows=LIMITS["list.items"],
    max_list_sections=10,
    max_list_row_title=60,
    max_caption_length=0,
    media_max_bytes={kind: LIMITS["attachment.size"] for kind in ("image", "video", "audio", "file")},
    window=None,
    ordered_delivery=False,
)
"""What Apple renders natively (pickers also need the device's ``capability-list``). Reactions,
read receipts, carousels, locations, contacts, templates and stickers are degraded by the hub."""

DEFAULT_PACING: tuple[Pace, ...] = ()
"""Apple documents no rate limit (UNCONFIRMED): no bucket; sends to one conversation are
serialised instead. Pass ``pacing=[Pace.per_account(...)]`` to cap a business's throughput."""
