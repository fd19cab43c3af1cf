"""How a customer's phone would show what a business sent: a readable one-block text view.

The simulator keeps this view beside each recorded body; ``polychat demo`` prints it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["describe_messenger", "describe_whatsapp"]


def _buttons(titles: list[str]) -> str:
    return " ".join(f"[ {t} ]" for t in titles)


def _media(kind: str, obj: dict[str, Any]) -> str:
    source = obj.get("link") or f"media {obj.get('id')}"
    label = "voice note" if kind == "audio" and obj.get("voice") else kind
    text = f"[{label}] {source}"
    if obj.get("filename"):
        text += f" ({obj['filename']})"
    if obj.get("caption"):
        text += f"\n{obj['caption']}"
    return text


def _interactive(obj: dict[str, Any]) -> str:
    kind = obj.get("type")
    lines: list[str] = []
    header = obj.get("header") or {}
    if header.get("type") == "text":
        lines.append(f"*{header.get('text')}*")
    elif header:
        lines.append(_media(str(header.get("type")), header.get(str(header.get("type"))) or {}))
    lines.append(str((obj.get("body") or {}).get("text", "")))
    action = obj.get("action") or {}
    if kind == "button":
        lines.append(_buttons([b.get("reply", {}).get("title", "") for b in action.get("buttons", [])]))
    elif kind == "list":
        lines.append(f"[ ☰ {action.get('button')} ]")
        for section in action.get("sections", []):
            if section.get("title"):
                lines.append(f"  {section['title']}")
            for row in section.get("rows", []):
                desc = f" — {row['description']}" if row.get("description") else ""
                lines.append(f"   • {row.get('title')}{desc}")
    elif kind == "cta_url":
        params = action.get("parameters") or {}
        lines.append(f"[ ↗ {params.get('display_text')} ] {params.get('url')}")
    elif kind == "location_request_message":
        lines.append("[ 📍 Send location ]")
    else:
        lines.append(f"[interactive {kind}]")
    if (obj.get("footer") or {}).get("text"):
        lines.append(f"_{obj['footer']['text']}_")
    return "\n".join(line for line in lines if line)


def describe_whatsapp(body: dict[str, Any]) -> str:
    """A WhatsApp send body as the customer would see it, as text."""
    kind = body.get("type", "text")
    obj = body.get(kind) or {}
    if kind == "text":
        return str(obj.get("body", ""))
    if kind in ("image", "video", "audio", "document", "sticker"):
        return _media(kind, obj)
    if kind == "interactive":
        return _interactive(obj)
    if kind == "location":
        place = ", ".join(str(obj[k]) for k in ("name", "address") if obj.get(k))
        return f"[location] {obj.get('latitude')},{obj.get('longitude')} {place}".strip()
    if kind == "contacts":
        names = [c.get("name", {}).get("formatted_name", "?") for c in body.get("contacts", [])]
        return "[contact] " + ", ".join(names)
    if kind == "reaction":
        emoji = obj.get("emoji") or "(removed)"
        return f"[reacted {emoji}]"
    if kind == "template":
        return f"[template {obj.get('name')} ({(obj.get('language') or {}).get('code')})]"
    return f"[{kind}]"


def _messenger_button(button: dict[str, Any]) -> str:
    kind = button.get("type")
    if kind == "web_url":
        return f"[ ↗ {button.get('title')} ]"
    if kind == "phone_number":
        return f"[ ☎ {button.get('title')} ]"
    return f"[ {button.get('title')} ]"


def _messenger_template(payload: dict[str, Any]) -> str:
    kind = payload.get("template_type")
    if kind == "button":
        buttons = " ".join(_messenger_button(b) for b in payload.get("buttons", []))
        return f"{payload.get('text', '')}\n{buttons}"
    if kind == "generic":
        cards = []
        for element in payload.get("elements", []):
            lines = [f"┃ {element.get('title', '')}"]
            if element.get("subtitle"):
                lines.append(f"┃ {element['subtitle']}")
            if element.get("image_url"):
                lines.append(f"┃ 🖼 {element['image_url']}")
            buttons = " ".join(_messenger_button(b) for b in element.get("buttons", []))
            if buttons:
                lines.append(f"┃ {buttons}")
            cards.append("\n".join(lines))
        return "[carousel]\n" + "\n┠─\n".join(cards)
    if kind == "media":
        element = (payload.get("elements") or [{}])[0]
        return f"[{element.get('media_type', 'media')}] {element.get('url') or element.get('attachment_id')}"
    return f"[{kind} template]"


def describe_messenger(body: dict[str, Any]) -> str:
    """A Messenger Send API body as the customer would see it, as text."""
    action = body.get("sender_action")
    if action == "react":
        return f"[reacted {(body.get('payload') or {}).get('reaction')}]"
    if action == "unreact":
        return "[reaction removed]"
    if action:
        return f"[{action}]"
    message = body.get("message") or {}
    if "text" in message:
        text = str(message["text"])
    else:
        attachment = message.get("attachment") or {}
        payload = attachment.get("payload") or {}
        if attachment.get("type") == "template":
            text = _messenger_template(payload)
        else:
            source = payload.get("url") or f"attachment {payload.get('attachment_id')}"
            text = f"[{attachment.get('type')}] {source}"
    replies = [q for q in message.get("quick_replies") or []]
    if replies:
        chips = []
        for reply in replies:
            kind = reply.get("content_type", "text")
            title = reply.get("title") if kind == "text" else {
                "user_phone_number": "☎ my number", "user_email": "✉ my email"}.get(kind, kind)
            chips.append(f"( {title} )")
        text += "\n" + " ".join(chips)
    return text
