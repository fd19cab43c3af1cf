"""Interactive messages: reply buttons, the CTA URL button and list messages (meta.md 4.3).

Each function returns the ``interactive`` object of a send body, limits checked. Mapping:

- ``Buttons`` whose buttons are all reply buttons → ``type: "button"`` (1–3 buttons, unique titles,
  ids trimmed of surrounding spaces because Meta treats ``"a"`` and ``"a "`` as the same id).
- ``Buttons`` with exactly one url button and nothing else → ``type: "cta_url"``.
- any other ``Buttons`` (call buttons, several url buttons, url mixed with reply) →
  ``UnsupportedContent``: the hub degrades it.
- ``ListPicker`` → ``type: "list"`` (≤ 10 sections, ≤ 10 rows in total). Row images have no
  WhatsApp form and are left out; ``multiple_selection`` has none either → ``UnsupportedContent``.
"""

from __future__ import annotations

from typing import Any

from polychat.content import Button, Buttons, ListPicker

from ._check import (
    check_count,
    check_length,
    check_required,
    check_unique,
    fail,
    unsupported,
)

__all__ = ["buttons_interactive", "list_interactive"]


def _header_footer(interactive: dict[str, Any], header: str | None, footer: str | None) -> None:
    """Add the optional text header and footer (each ≤ 60 characters) to ``interactive``."""
    if header:
        interactive["header"] = {"type": "text", "text": check_length(header, "header.text",
                                                                      "header texts")}
    if footer:
        interactive["footer"] = {"text": check_length(footer, "footer.text", "footer texts")}


def buttons_interactive(content: Buttons) -> dict[str, Any]:
    """The ``interactive`` object for ``Buttons``: reply buttons or one CTA URL button.

    Raises:
        UnsupportedContent: call buttons, several url buttons, or url and reply buttons mixed.
        ContentError: a limit is broken (count, title, id, body, header, footer).
    """
    kinds = {b.type for b in content.buttons}
    if kinds == {"reply"}:
        return _reply_buttons(content)
    if kinds == {"url"} and len(content.buttons) == 1:
        return _cta_url(content, content.buttons[0])
    if "call" in kinds:
        unsupported("WhatsApp interactive messages have no call button", "buttons.call")
    unsupported(
        "WhatsApp sends either 1-3 reply buttons or exactly one url button alone, got "
        + ", ".join(f"{sum(b.type == k for b in content.buttons)} {k}" for k in sorted(kinds)),
        "buttons.mixed",
    )


def _reply_buttons(content: Buttons) -> dict[str, Any]:
    check_count(len(content.buttons), "buttons.count", "reply buttons", "buttons")
    rows: list[dict[str, Any]] = []
    for button in content.buttons:
        button_id = (button.id or "").strip()
        check_required(button_id, "buttons.id", "reply button ids")
        title = check_required(button.title, "buttons.title", "reply button titles")
        rows.append({"type": "reply", "reply": {"id": button_id, "title": title}})
    check_unique([r["reply"]["title"] for r in rows], "buttons.unique_titles",
                 "reply button titles")
    check_unique([r["reply"]["id"] for r in rows], "buttons.unique_ids",
                 "reply button ids (compared without surrounding spaces)")
    interactive: dict[str, Any] = {
        "type": "button",
        "body": {"text": check_required(content.text, "buttons.body", "reply button bodies")},
        "action": {"buttons": rows},
    }
    _header_footer(interactive, content.header, content.footer)
    return interactive


def _cta_url(content: Buttons, button: Button) -> dict[str, Any]:
    url = button.link or ""
    if not url.startswith(("https://", "http://")):
        fail(f"WhatsApp url buttons need an http(s) URL, got {url!r}", "cta_url.url")
    interactive: dict[str, Any] = {
        "type": "cta_url",
        "body": {"text": check_required(content.text, "cta_url.body", "url button bodies")},
        "action": {
            "name": "cta_url",
            "parameters": {
                "display_text": check_required(button.title, "cta_url.display_text",
                                               "url button titles"),
                "url": url,
            },
        },
    }
    _header_footer(interactive, content.header, content.footer)
    return interactive


def list_interactive(content: ListPicker) -> dict[str, Any]:
    """The ``interactive`` object of a list message.

    Raises:
        UnsupportedContent: ``multiple_selection=True`` (WhatsApp lists pick one row).
        ContentError: a limit is broken (sections, rows in total, lengths, a missing section title
            when there are several sections, an empty section, a repeated row id).
    """
    if content.multiple_selection:
        unsupported("WhatsApp list messages pick exactly one row, multiple_selection is not "
                    "available", "list.multiple_selection")
    check_count(len(content.sections), "list.sections", "list messages", "sections")
    check_count(len(content.items), "list.rows", "list messages", "rows in total")
    several = len(content.sections) > 1
    sections: list[dict[str, Any]] = []
    for section in content.sections:
        if not section.items:
            fail("WhatsApp list sections need at least one row, got an empty section", "list.rows")
        rows: list[dict[str, Any]] = []
        for item in section.items:
            row: dict[str, Any] = {
                "id": check_required(item.id.strip(), "list.row_id", "list row ids"),
                "title": check_required(item.title, "list.row_title", "list row titles"),
            }
            if item.description:
                row["description"] = check_length(item.description, "list.row_description",
                                                  "list row descriptions")
            rows.append(row)
        rendered: dict[str, Any] = {}
        if several or section.title:
            rendered["title"] = check_required(
                section.title, "list.section_title",
                "list section titles (required when there are several sections)",
            )
        rendered["rows"] = rows
        sections.append(rendered)
    check_unique([row["id"] for s in sections for row in s["rows"]], "list.unique_row_ids",
                 "list row ids")
    interactive: dict[str, Any] = {
        "type": "list",
        "body": {"text": check_required(content.text, "list.body", "list bodies")},
        "action": {
            "button": check_required(content.button, "list.button", "list buttons"),
            "sections": sections,
        },
    }
    _header_footer(interactive, content.header, content.footer)
    return interactive
