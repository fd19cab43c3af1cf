"""WhatsApp Cloud API limits, in one dated table (meta.md sections 4.2–4.7, read 2026-11).

Every limit ``render`` enforces comes from here, so a limit Meta changes is changed in one place.
"""

from __future__ import annotations

from datetime import timedelta

from ...capabilities import Capabilities, Pace

__all__ = ["CAPABILITIES", "DEFAULT_API_VERSION", "DEFAULT_PACING", "GRAPH_URL", "LIMITS"]

GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v25.0"

MB = 1024 * 1024

LIMITS: dict[str, int] = {
    "text.body": 4096,
    "media.caption": 1024,
    "buttons.count": 3,
    "buttons.title": 20,
    "buttons.id": 256,
    "buttons.body": 1024,
    "header.text": 60,
    "footer.text": 60,
    "cta_url.display_text": 20,
    "cta_url.body": 1024,
    "list.body": 4096,
    "list.button": 20,
    "list.sections": 10,
    "list.rows": 10,
    "list.section_title": 24,
    "list.row_id": 200,
    "list.row_title": 24,
    "list.row_description": 72,
    "contacts.count": 5,
    "biz_opaque_callback_data": 512,
    "template.parameter_name": 20,
    "location_request.body": 1024,
    "media.image": 5 * MB,
    "media.video": 16 * MB,
    "media.audio": 16 * MB,
    "media.file": 100 * MB,
    "media.sticker": 500 * 1024,
    "sticker.static_size": 100 * 1024,
}
"""Limit name → value. ``ContentError.limit`` is ``"whatsapp." + name``."""

CAPABILITIES = Capabilities(
    channel="whatsapp",
    content_kinds=frozenset({
        "text", "image", "video", "audio", "file", "sticker", "location", "contacts",
        "buttons", "list", "template", "reaction", "typing", "mark_read", "raw",
    }),
    max_text_length=LIMITS["text.body"],
    max_buttons=LIMITS["buttons.count"],
    max_button_title=LIMITS["buttons.title"],
    mixed_buttons=False,
    max_url_buttons=1,
    max_quick_replies=0,
    max_list_rows=LIMITS["list.rows"],
    max_list_sections=LIMITS["list.sections"],
    max_list_row_title=LIMITS["list.row_title"],
    list_descriptions=True,
    max_caption_length=LIMITS["media.caption"],
    media_max_bytes={k.split(".", 1)[1]: v for k, v in LIMITS.items() if k.startswith("media.")
                     and k != "media.caption"},
    window=timedelta(hours=24),
    window_exempt_kinds=frozenset({"template", "typing", "mark_read"}),
    ordered_delivery=True,
)
"""What WhatsApp renders natively. Quick replies, carousels, time pickers and rich links are
degraded by the hub (see :mod:`polychat.capabilities`)."""

DEFAULT_PACING: tuple[Pace, ...] = (
    Pace.per_account(80.0),
    Pace.per_recipient(1 / 6, burst=45, skip_kinds=frozenset({"typing", "mark_read"})),
)
"""80 messages/s per number (the Cloud API default; raise it after Meta's upgrade to 1,000) and
the pair rate limit: 1 message per 6 s to one user, bursts of up to 45 borrowing from the future
(read receipts and typing indicators are not messages: they do not count against it)."""
