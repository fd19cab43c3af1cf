"""Messenger Platform limits, in one dated table (meta.md sections 2 and 6.3, read 2026-11).

Every limit ``render`` enforces comes from here. Limits marked UNCONFIRMED in the platform notes
(quick-reply title 20, payload 1000, button title 20) are enforced anyway: refusing a long title
with a named ``ContentError`` is safer than letting Meta truncate or reject it.
"""

from __future__ import annotations

from datetime import timedelta

from ...capabilities import Capabilities, Pace

__all__ = [
           "CAPABILITIES",
           "DEFAULT_PACING",
           "HUMAN_AGENT_WINDOW",
           "LIMITS",
           "MESSAGING_TYPES",
           "NOTIFICATION_TYPES",
           "TAGS",
]

MB = 1024 * 1024

LIMITS: dict[str, int] = {
    "text": 2000,
    "quick_replies.count": 13,
    "quick_replies.title": 20,
    "quick_replies.payload": 1000,
    "button_template.text": 640,
    "button_template.buttons": 3,
    "button.title": 20,
    "button.payload": 1000,
    "generic.elements": 10,
    "generic.title": 80,
    "generic.subtitle": 80,
    "generic.buttons": 3,
    "media_template.buttons": 3,
    "receipt.elements": 100,
    "metadata": 1000,
    "media.image": 25 * MB,
    "media.video": 25 * MB,
    "media.audio": 25 * MB,
    "media.file": 25 * MB,
}
"""Limit name → value. ``ContentError.limit`` is ``"messenger." + name``."""

MESSAGING_TYPES = frozenset({"RESPONSE", "UPDATE", "MESSAGE_TAG"})
TAGS = frozenset({"HUMAN_AGENT"})
"""The only message tag that still works: CONFIRMED_EVENT_UPDATE, ACCOUNT_UPDATE and
POST_PURCHASE_UPDATE get error 100 since 27 April 2026."""
NOTIFICATION_TYPES = frozenset({"REGULAR", "SILENT_PUSH", "NO_PUSH"})
HUMAN_AGENT_WINDOW = timedelta(days=7)

CAPABILITIES = Capabilities(
    channel="messenger",
    content_kinds=frozenset({
        "text", "image", "video", "audio", "file", "buttons", "quick_replies", "carousel",
        "reaction", "typing", "mark_read", "raw",
    }),
    max_text_length=LIMITS["text"],
    max_buttons=LIMITS["button_template.buttons"],
    max_button_title=LIMITS["button.title"],
    mixed_buttons=True,
    max_url_buttons=LIMITS["button_template.buttons"],
    max_quick_replies=LIMITS["quick_replies.count"],
    max_list_rows=0,
    max_list_sections=0,
    max_carousel_cards=LIMITS["generic.elements"],
    max_card_buttons=LIMITS["generic.buttons"],
    max_caption_length=0,
    media_max_bytes={k.split(".", 1)[1]: v for k, v in LIMITS.items() if k.startswith("media.")},
    window=timedelta(hours=24),
    window_exempt_kinds=frozenset({"typing", "mark_read"}),
    ordered_delivery=True,
)
"""What Messenger renders natively. Lists, time pickers, locations, contacts, stickers, rich
links and media captions are degraded by the hub (see :mod:`polychat.capabilities`)."""

DEFAULT_PACING: tuple[Pace, ...] = (
    Pace.per_account(300.0),
    Pace.per_account(10.0, kinds=frozenset({"audio", "video"})),
)
"""The Send API's 300 calls/s per Page, and 10 calls/s per Page for audio and video."""
