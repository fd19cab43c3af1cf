"""Template webhooks: a WhatsApp Business Account's template changes, as typed events (pure).

Four change fields carry one template change each in their ``value`` (no item arrays):

==========================================  ==========================================================
field                                       event
==========================================  ==========================================================
``message_template_status_update``          :class:`~polychat.events.TemplateStatusChanged`
                                            (``event`` → ``status``, ``reason``,
                                            ``message_template_category``, ``other_info``,
                                            ``rejection_info``, ``disable_info``)
``message_template_quality_update``         :class:`~polychat.events.TemplateQualityChanged`
                                            (``previous_quality_score``, ``new_quality_score``)
``template_category_update``                :class:`~polychat.events.TemplateCategoryChanged`
                                            (``previous_category``, ``new_category``,
                                            ``correct_category``)
``message_template_components_update``      :class:`~polychat.events.TemplateComponentsChanged`
                                            (``message_template_title`` / ``_element`` /
                                            ``_footer`` / ``_buttons``)
==========================================  ==========================================================

Every one also has ``message_template_id``, ``message_template_name`` and
``message_template_language``. The field names are Meta's webhook reference (meta.md §5.5 names
``message_template_status_update``; the other three and the value keys are Meta's webhooks
reference pages as read by pywa ``types/templates.py`` [I]). The events have no customer: like
other account-level items, ``sender`` is the business account (the parser passes it in) and
``raw`` is the whole ``value``. A value without the key its event needs (``event``) is left to the
parser, which makes it an ``UnknownEvent``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from polychat.address import Address
from polychat.events import (
    Event,
    TemplateCategoryChanged,
    TemplateComponentsChanged,
    TemplateQualityChanged,
    TemplateStatusChanged,
)

__all__ = ["TEMPLATE_FIELDS", "template_event"]

TEMPLATE_FIELDS: Final = frozenset({
    "message_template_status_update",
    "message_template_quality_update",
    "template_category_update",
    "message_template_components_update",
})
"""Change fields parsed into template events."""


def _text(value: Mapping[str, Any], key: str) -> str | None:
    item = value.get(key)
    if isinstance(item, str) and item.strip():
        return item
    if isinstance(item, int) and not isinstance(item, bool):
        return str(item)
    return None


def _object(value: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    item = value.get(key)
    return item if isinstance(item, Mapping) else {}


def _epoch(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    if seconds >= 1e12:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def template_event(field: str, value: Mapping[str, Any], *, sender: Address,
                   recipient: Address, timestamp: datetime) -> Event | None:
    """The event of one template change ``value``, or ``None`` when it is not one.

    Args:
        field: the change's ``field``.
        value: the change's ``value``.
        sender: the business account (template changes have no customer).
        recipient: the business side of the change.
        timestamp: the entry's time.
    """
    if field not in TEMPLATE_FIELDS:
        return None
    common: dict[str, Any] = {
        "channel": "whatsapp",
        "sender": sender,
        "recipient": recipient,
        "timestamp": timestamp,
        "raw": dict(value),
        "template_id": _text(value, "message_template_id"),
        "name": _text(value, "message_template_name"),
        "language": _text(value, "message_template_language"),
    }
    if field == "message_template_status_update":
        status = _text(value, "event")
        if status is None:
            return None
        reason = _text(value, "reason")
        other = _object(value, "other_info")
        rejection = _object(value, "rejection_info")
        return TemplateStatusChanged(
            **common,
            status=status.upper(),
            reason=None if reason is None or reason.upper() == "NONE" else reason,
            category=_text(value, "message_template_category"),
            title=_text(other, "title"),
            description=_text(other, "description") or _text(rejection, "reason"),
            recommendation=_text(rejection, "recommendation"),
            disabled_at=_epoch(_object(value, "disable_info").get("disable_date")),
        )
    if field == "message_template_quality_update":
        return TemplateQualityChanged(
            **common,
            previous_quality=_text(value, "previous_quality_score"),
            quality=_text(value, "new_quality_score"),
        )
    if field == "template_category_update":
        return TemplateCategoryChanged(
            **common,
            previous_category=_text(value, "previous_category"),
            category=_text(value, "new_category"),
            correct_category=_text(value, "correct_category"),
        )
    buttons = value.get("message_template_buttons")
    return TemplateComponentsChanged(
        **common,
        header=_text(value, "message_template_title"),
        body=_text(value, "message_template_element"),
        footer=_text(value, "message_template_footer"),
        buttons=[dict(b) for b in buttons if isinstance(b, Mapping)]
        if isinstance(buttons, list) else [],
    )
