"""List picker, time picker, quick reply and reply buttons (apple.md §4.5–4.7).

Each function returns the ``interactiveData`` of the message, limits and the device's
``capability-list`` checked. Mapping:

- ``ListPicker`` (needs ``LIST``) → ``data.listPicker.sections[{title, order, multipleSelection,
  items[{identifier, order, style: "default", title, subtitle}]}]``. Sections without items are
  skipped; ``order`` counts sections, and items within their section. The bubble is
  ``receivedMessage {title: text, subtitle: header · footer}`` and
  ``replyMessage {title: "Your selection"}``. ``button`` has no Apple counterpart (the customer
  taps the bubble) and is not sent; ``image_url`` is not sent (no I/O while rendering).
- ``TimePicker`` (needs ``TIME``) → ``data.event {identifier: <message id>, title,
  timezoneOffset, timeslots[{identifier, startTime, duration}]}``. ``startTime`` is the slot's
  start in UTC as ``YYYY-MM-DDTHH:MM+0000`` (so it must fall on a whole minute), ``duration``
  whole seconds. ``timezoneOffset`` is always sent: the minutes east of UTC of the picker's IANA
  ``timezone`` at the earliest slot (``Europe/Paris`` in January → ``60``, US Pacific in July →
  ``-420`` as in Apple's sample; ``UTC`` → ``0``), which pins the times to the business's zone
  instead of the customer's. Apple takes one offset per event, so slots across a daylight-saving
  change are shown with the earliest slot's offset.
- ``QuickReplies`` (needs ``QUICK``; 2–5 replies) → ``data["quick-reply"] {summaryText: text,
  items[{identifier, title}]}``, without ``receivedMessage``/``replyMessage`` like Apple's sample.
- ``Buttons`` (reply buttons only; url/call buttons are refused with ``apple.buttons.url`` so the
  hub writes them as text) → a quick reply when the device has ``QUICK`` and there are 2–5
  buttons, else a one-section list picker when it has ``LIST``, else ``apple.buttons.device``.
  ``header`` and ``footer`` become lines around the quick reply's text, or the list bubble's
  subtitle.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from polychat.content import Buttons, ListItem, ListPicker, ListSection, QuickReplies, TimePicker

from ._check import (
    check_required,
    check_unique,
    fail,
    has_capability,
    require_capability,
)
from ._interactive import REPLY_TITLE, bubble, interactive_data
from .limits import LIMITS

__all__ = ["buttons", "list_picker", "quick_reply", "time_picker"]

START_TIME_FORMAT = "%Y-%m-%dT%H:%M+0000"
"""``startTime`` of a time slot, always in UTC (apple.md §4.6)."""


def join_lines(*parts: str | None, sep: str = "\n") -> str | None:
    """The non-empty ``parts`` joined by ``sep``, or ``None`` when all are empty."""
    kept = [p for p in parts if p]
    return sep.join(kept) if kept else None


# -- list picker ----------------------------------------------------------------------------------


def list_picker(content: ListPicker, message_id: str, device: frozenset[str] | None) -> dict[str, Any]:
    """The ``interactiveData`` of a list picker.

    Raises:
        ContentError: no ``LIST`` capability (``apple.device.LIST``), more sections or items than
            ``LIMITS["list.sections"]`` / ``LIMITS["list.items"]``, an empty or repeated item id,
            an empty item title, an empty or long text.
    """
    require_capability(device, "list pickers", "LIST")
    return _list_data(message_id, content.text, join_lines(content.header, content.footer,
                                                           sep=" · "),
                      content.sections, content.multiple_selection)


def _list_data(message_id: str, text: str, subtitle: str | None, sections: Sequence[ListSection],
               multiple: bool) -> dict[str, Any]:
    used = [s for s in sections if s.items]
    if len(used) > LIMITS["list.sections"]:
        fail(f"Apple list pickers allow at most {LIMITS['list.sections']} sections, "
             f"got {len(used)}", "list.sections")
    items = [item for section in used for item in section.items]
    if not items:
        fail("Apple list pickers need at least one item", "list.items")
    if len(items) > LIMITS["list.items"]:
        fail(f"Apple list pickers allow at most {LIMITS['list.items']} items, got {len(items)}",
             "list.items")
    check_unique((i.id for i in items), "list.identifier", "list item ids")
    rendered = []
    for order, section in enumerate(used):
        out: dict[str, Any] = {}
        if section.title:
            out["title"] = section.title
        out["order"] = order
        out["multipleSelection"] = multiple
        out["items"] = [_list_item(item, n) for n, item in enumerate(section.items)]
        rendered.append(out)
    return interactive_data(
        message_id,
        {"listPicker": {"sections": rendered}},
        received=bubble(text, subtitle, "list picker texts"),
        reply=bubble(REPLY_TITLE, None, "reply titles"),
    )


def _list_item(item: ListItem, order: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "identifier": check_required(item.id, "list.identifier", "list item ids"),
        "order": order,
        "style": "default",
        "title": check_required(item.title, "list.title", "list item titles"),
    }
    if item.description:
        out["subtitle"] = item.description
    return out


# -- time picker ----------------------------------------------------------------------------------


def time_picker(content: TimePicker, message_id: str, device: frozenset[str] | None) -> dict[str, Any]:
    """The ``interactiveData`` of a time picker.

    Raises:
        ContentError: no ``TIME`` capability (``apple.device.TIME``), more slots than
            ``LIMITS["time_picker.slots"]``, an unknown timezone (``apple.time_picker.timezone``),
            a start off the whole minute (``apple.time_picker.start``), a duration that is not a
            positive whole number of seconds (``apple.time_picker.duration``), an empty or
            repeated slot id, an empty title.
    """
    require_capability(device, "time pickers", "TIME")
    title = check_required(content.title, "bubble.title", "time picker titles")
    if len(content.slots) > LIMITS["time_picker.slots"]:
        fail(f"Apple time pickers allow at most {LIMITS['time_picker.slots']} slots, "
             f"got {len(content.slots)}", "time_picker.slots")
    check_unique((s.id for s in content.slots), "time_picker.identifier", "time slot ids")
    try:
        zone = ZoneInfo(content.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"Apple time pickers need a known IANA timezone, got {content.timezone!r}",
             "time_picker.timezone")
    timeslots = []
    for slot in content.slots:
        start = slot.start.astimezone(UTC)
        if start.second or start.microsecond:
            fail(f"Apple time slots start on a whole minute (startTime has no seconds); slot "
                 f"{slot.id!r} starts at {start.isoformat()}", "time_picker.start")
        seconds = slot.duration.total_seconds()
        if seconds <= 0 or seconds != int(seconds):
            fail(f"Apple time slot durations are a positive whole number of seconds; slot "
                 f"{slot.id!r} lasts {seconds:g} s", "time_picker.duration")
        timeslots.append({
            "identifier": check_required(slot.id, "time_picker.identifier", "time slot ids"),
            "startTime": start.strftime(START_TIME_FORMAT),
            "duration": int(seconds),
        })
    earliest = min(s.start for s in content.slots)
    offset = earliest.astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    event = {"identifier": message_id, "title": title, "timezoneOffset": minutes,
             "timeslots": timeslots}
    return interactive_data(
        message_id,
        {"event": event},
        received=bubble(title, None, "time picker titles"),
        reply=bubble(REPLY_TITLE, None, "reply titles"),
    )


# -- quick reply and buttons ----------------------------------------------------------------------


def quick_reply(content: QuickReplies, message_id: str,
                device: frozenset[str] | None) -> dict[str, Any]:
    """The ``interactiveData`` of a quick reply.

    Raises:
        ContentError: no ``QUICK`` capability (``apple.device.QUICK``), fewer than
            ``LIMITS["quick_reply.min"]`` or more than ``LIMITS["quick_reply.max"]`` replies, an
            empty or repeated id, an empty title, an empty or long text.
    """
    require_capability(device, "quick replies", "QUICK")
    return _quick_data(message_id, content.text, [(r.id, r.title) for r in content.replies])


def _quick_data(message_id: str, text: str, choices: list[tuple[str, str]]) -> dict[str, Any]:
    low, high = LIMITS["quick_reply.min"], LIMITS["quick_reply.max"]
    if len(choices) < low:
        fail(f"Apple quick replies need {low} to {high} items, got {len(choices)}",
             "quick_reply.min")
    if len(choices) > high:
        fail(f"Apple quick replies allow at most {high} items, got {len(choices)}",
             "quick_reply.max")
    check_unique((i for i, _ in choices), "quick_reply.identifier", "quick reply ids")
    items = [{"identifier": check_required(i, "quick_reply.identifier", "quick reply ids"),
              "title": check_required(t, "quick_reply.title", "quick reply titles")}
             for i, t in choices]
    summary = check_required(text, "text", "quick reply texts")
    return interactive_data(message_id, {"quick-reply": {"summaryText": summary, "items": items}})


def buttons(content: Buttons, message_id: str, device: frozenset[str] | None) -> dict[str, Any]:
    """The ``interactiveData`` of reply buttons: a quick reply or a one-section list picker.

    Raises:
        ContentError: a url or call button (``apple.buttons.url``: Apple has no link buttons),
            no capability that fits (``apple.buttons.device``), or a broken quick-reply or
            list-picker rule.
    """
    links = [b for b in content.buttons if b.type != "reply"]
    if links:
        fail(f"Apple has no link or call buttons ({len(links)} given); write them into the "
             "text", "buttons.url")
    count = len(content.buttons)
    low, high = LIMITS["quick_reply.min"], LIMITS["quick_reply.max"]
    if has_capability(device, "QUICK") and low <= count <= high:
        text = join_lines(content.header, content.text, content.footer) or content.text
        return _quick_data(message_id, text, [(b.id or "", b.title) for b in content.buttons])
    if has_capability(device, "LIST"):
        items = [ListItem(id=b.id or "", title=b.title) for b in content.buttons]
        return _list_data(message_id, content.text,
                          join_lines(content.header, content.footer, sep=" · "),
                          [ListSection(items=items)], False)
    if device is None:
        seen = "the customer's device capabilities are unknown (no capability-list seen yet)"
    else:
        seen = f"the customer's device declared {', '.join(sorted(device)) or 'none'}"
    fail(f"Apple reply buttons need QUICK ({low} to {high} buttons, {count} given) or LIST in "
         f"the device's capability-list; {seen}", "buttons.device")
