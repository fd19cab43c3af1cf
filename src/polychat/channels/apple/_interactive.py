"""The envelope shared by Apple's interactive messages (apple.md §4.4).

An interactive body is ``{"type": "interactive", "interactiveData": {...}}`` where
``interactiveData`` is::

    {"bid": BID,
     "data": {"requestIdentifier": <message id>, "version": "1.0", "mspVersion": "1.0",
              ["images": [...]], <the type's own key: listPicker, event, quick-reply, ...>},
     ["receivedMessage": {"title", ["subtitle"], "style": "small"}],
     ["replyMessage": {"title", ["subtitle"], "style": "small"}]}

**``version`` and ``mspVersion``.** Apple's reference (register.apple.com, type-interactive) lists
``data.version`` as REQUIRED, yet Apple's own list-picker, time-picker and basic Apple Pay samples
send ``mspVersion`` instead, while its quick-reply, authentication and rich Apple Pay samples send
``version``. Which key each type strictly needs is UNCONFIRMED (apple.md §4.4), so every
interactive body carries both, set to ``"1.0"``: each sample's key is present, and the documented
REQUIRED key is never missing.

**``requestIdentifier``** is the message id (a UUID when the channel sends): Apple echoes it in the
customer's answer, so the answer correlates with the ``SendResult`` message id with no extra state.

**Images.** Pickers can carry inline Base64 images (``data.images`` referenced by
``imageIdentifier``). Rendering is pure and never downloads, so image URLs on content
(``ListItem.image_url``, ``QuickReply.image_url``) are not sent; no ``images`` key is written
except the empty list Apple's authentication sample carries.
"""

from __future__ import annotations

from typing import Any

from ._check import check_length, check_required
from .limits import BID

__all__ = ["INTERACTIVE_VERSION", "REPLY_TITLE", "bubble", "interactive_data"]

INTERACTIVE_VERSION = "1.0"
"""Value of both ``data.version`` and ``data.mspVersion``."""

REPLY_TITLE = "Your selection"
"""Title of the reply bubble of pickers whose content has none; Messages shows the customer's
choice in the bubble once they answer."""

BUBBLE_STYLE = "small"


def bubble(title: str | None, subtitle: str | None, what: str) -> dict[str, Any]:
    """A ``receivedMessage`` / ``replyMessage`` dict: ``{title, [subtitle], style: "small"}``.

    Args:
        title: the bubble's title (required, ≤ ``LIMITS["bubble.title"]``).
        subtitle: the bubble's second line, left out when empty.
        what: a plural noun naming the title in error messages (``"list picker texts"``).

    Raises:
        ContentError: an empty or long title, a long subtitle (``apple.bubble.title``).
    """
    out: dict[str, Any] = {"title": check_required(title, "bubble.title", what)}
    if subtitle:
        out["subtitle"] = check_length(subtitle, "bubble.title", "bubble subtitles")
    out["style"] = BUBBLE_STYLE
    return out


def interactive_data(
    message_id: str,
    payload: dict[str, Any],
    *,
    received: dict[str, Any] | None = None,
    reply: dict[str, Any] | None = None,
    images: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ``interactiveData`` of a built-in interactive message.

    Args:
        message_id: the message id, used as ``data.requestIdentifier``.
        payload: the type's keys, merged into ``data`` (e.g. ``{"listPicker": {...}}``).
        received: the ``receivedMessage`` bubble, if any.
        reply: the ``replyMessage`` bubble, if any.
        images: ``data.images``; left out when ``None``.

    Returns:
        ``{"bid": BID, "data": {...}, ["receivedMessage"], ["replyMessage"]}``.
    """
    data: dict[str, Any] = {
        "requestIdentifier": message_id,
        "version": INTERACTIVE_VERSION,
        "mspVersion": INTERACTIVE_VERSION,
    }
    if images is not None:
        data["images"] = images
    data.update(payload)
    out: dict[str, Any] = {"bid": BID, "data": data}
    if received is not None:
        out["receivedMessage"] = received
    if reply is not None:
        out["replyMessage"] = reply
    return out
